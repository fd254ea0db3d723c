package dialect

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/dialect/dialecttest"
	"github.com/paysessions/paysessions/shared/session"
)

// TestTimesAreInstantsWhateverTheirZone: every time a document shows is
// written in UTC: 000's "Times are UTC with six fraction digits", 001's
// "+00:00", 002's and 003's "Times in whole seconds UTC", 004's "times ISO
// 8601 UTC with milliseconds" (docs/design.md §6). A session whose times
// are the same instants in another zone renders byte for byte as the one
// in UTC, every time member at once: TestShapeEdges holds one member per
// document outside UTC, so a member formatted without UTC() (002's
// updatedAt, 004's created_date, 000's lastUpdatedOn, mutants P11, R05
// and V07 of r112-mutate) went unnoticed.
func TestTimesAreInstantsWhateverTheirZone(t *testing.T) {
	zone := time.FixedZone("", 5*3600+30*60) // +05:30: another hour and minute
	moved := func(v *session.Session) *session.Session {
		if v == nil {
			return nil
		}
		c := v.Clone()
		for _, at := range []*time.Time{&c.CreatedAt, &c.UpdatedAt, &c.ExpiresAt, &c.ClosedAt, &c.RetainUntil} {
			*at = at.In(zone)
		}
		for i := range c.History {
			c.History[i].At = c.History[i].At.In(zone)
		}
		return c
	}
	checkout := func(v, child *session.Session) any {
		body, err := Checkout(v, child, true)
		if err != nil {
			t.Fatal(err)
		}
		return body
	}
	tests := []struct {
		name   string
		render func(v, child *session.Session) any
		ex     dialecttest.Example
	}{
		{"000", func(v, _ *session.Session) any { return V1Session(v) }, dialecttest.V1Session()},
		{"001", func(v, _ *session.Session) any { return PaymentStatus(v) }, dialecttest.PaymentStatus()},
		{"002", func(v, _ *session.Session) any { return PaymentSession(v) }, dialecttest.PaymentSession()},
		{"003", checkout, dialecttest.Checkout()},
		{"004", func(v, _ *session.Session) any { return SessionRecord(v) }, dialecttest.SessionRecord()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := json.Marshal(tt.render(tt.ex.Session, tt.ex.Child))
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.Marshal(tt.render(moved(tt.ex.Session), moved(tt.ex.Child)))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("got %s; want %s", got, want)
			}
		})
	}
}
