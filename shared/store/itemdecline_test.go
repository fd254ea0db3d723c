package store_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestStoredKeepsDeclineReasons: docs/design.md §3, "`declineReasons`
// (`{category, reasons[]}`)", and README, "the processor's
// `declineReasons` stay on the session after it is authorised": a
// session's declineReasons read back from its item are the ones written,
// and its reasons an empty list (written [], never null) when the
// processor sent none. Kills toItem not writing declineReasons and
// toSession not reading them back, or reading an empty list back as nil
// (item.go mutants 24, 25, 45-50), which no test saw: no engine test's
// session had declineReasons.
func TestStoredKeepsDeclineReasons(t *testing.T) {
	st := store.New(nil, "t", session.DefaultPolicy, 16, func() time.Time { return t0 })
	tests := []struct {
		name string
		ev   *session.Event
		set  *session.DeclineReasons // set on the session as is, not by an event's Validate
		want string                  // the stored session's declineReasons as JSON
	}{
		{"with reasons", &session.Event{Status: session.Processing, DeclineReasons: &session.DeclineReasons{Category: "SOFT_DECLINE", Reasons: []string{"Authentication required.", "3DS"}}},
			nil, `{"category":"SOFT_DECLINE","reasons":["Authentication required.","3DS"]}`},
		{"without reasons", &session.Event{Status: session.Processing, DeclineReasons: &session.DeclineReasons{Category: "SOFT_DECLINE"}},
			nil, `{"category":"SOFT_DECLINE","reasons":[]}`},
		{"none", &session.Event{Status: session.Processing}, nil, `null`},
		// A session whose reasons are no list at all (written null) reads
		// back as an empty list too: kills the decoding's nil fallback
		// dropped (mutants 48, 49).
		{"reasons never set", &session.Event{Status: session.Processing}, &session.DeclineReasons{Category: "SOFT_DECLINE"},
			`{"category":"SOFT_DECLINE","reasons":[]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.ev.Validate(); err != nil {
				t.Fatalf("Validate() = %v; want the event a processor may send", err)
			}
			v := session.New(&session.Draft{Amount: amount(100), Currency: "EUR"}, "m-1", "0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a", "tok", t0, session.DefaultPolicy)
			if applied, err := v.Apply(tt.ev, t0.Add(time.Minute), session.DefaultPolicy); !applied || err != nil {
				t.Fatalf("Apply() = %v, %v; want true, nil", applied, err)
			}
			if tt.set != nil {
				v.DeclineReasons = tt.set
			}
			got, err := st.Stored(v)
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(got.DeclineReasons)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("declineReasons: got %s; want %s", b, tt.want)
			}
		})
	}
}
