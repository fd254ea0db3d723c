package store_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestChildEventRetryReadsTheChildOnly: a retried eventId "is acknowledged
// first" (README, "A retried eventId is acknowledged first"; ApplyEvent:
// "A repeated eventId changes nothing and is acknowledged first, whatever
// the session's state"), and "One session read is one GetItem ... there
// are no extra round trips" (docs/design.md §8). On a child, the retry is
// acknowledged from the child alone: its parent, which a new event that
// takes money (or one on a closed child) reads, is not read, and nothing
// is written. Kills the mutant that drops v.HasEvent from ApplyEvent's
// first test (the retry then went through ApplyToChild, reading the
// parent: 2 calls, and a parent that cannot be read failed the retry).
func TestChildEventRetryReadsTheChildOnly(t *testing.T) {
	ctx := context.Background()
	var armed atomic.Bool
	var n atomic.Int32
	var ops [8]atomic.Value
	count := roundTripFunc(func(req *http.Request) (*http.Response, error) {
		if armed.Load() {
			if i := n.Add(1) - 1; int(i) < len(ops) {
				ops[i].Store(strings.TrimPrefix(req.Header.Get("X-Amz-Target"), "DynamoDB_20120810."))
			}
		}
		return http.DefaultTransport.RoundTrip(req)
	})
	f := newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: count}})
	tests := []struct {
		name   string
		events []session.Status // applied in turn, eventIds e-0, e-1, ...; the last is retried
	}{
		{"AUTHORISED, open parent", []session.Status{session.Authorised}},
		{"SETTLED, closed child", []session.Status{session.Authorised, session.Settled}},
		{"FAILED, closed child", []session.Status{session.Failed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := f.create(t, "m-1")
			c := f.createChild(t, p)
			var ev *session.Event
			for i, st := range tt.events {
				ev = &session.Event{Status: st, EventID: session.EventID("e-" + string(rune('0'+i)))}
				if _, err := f.st.ApplyEvent(ctx, "", c.ID, ev); err != nil {
					t.Fatalf("event %d (%s): %v", i, st, err)
				}
			}
			n.Store(0)
			armed.Store(true)
			v, err := f.st.ApplyEvent(ctx, "", c.ID, ev)
			armed.Store(false)
			if err != nil {
				t.Fatalf("retry: %v", err)
			}
			if v.Status != tt.events[len(tt.events)-1] {
				t.Errorf("status: got %v; want %v", v.Status, tt.events[len(tt.events)-1])
			}
			var got []string
			for i := range min(int(n.Load()), len(ops)) {
				got = append(got, ops[i].Load().(string))
			}
			if want := []string{"GetItem"}; strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("calls: got %v; want %v", got, want)
			}
		})
	}
}
