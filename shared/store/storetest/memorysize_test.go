package storetest_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestMemoryAgreesWithStoreOnSize holds storetest.Memory to store.Store on
// the item's size limits, which the contract script never reached: an
// event between open statuses and a close keep the room of the changes
// still due (README, "it is refused over 344 KB", "(350 KB)"), and a
// parent moved by its child's AUTHORISED may use the 4 KB kept above 380
// KB ("may use 4 KB kept above that limit"). Memory measuring a change
// as a create (Stored), or a system change as a processor's
// (StoredChange) or a create, passed every test (r87-mutate). Each step
// is observed on both stores and must be the same, and be what the README
// says.
func TestMemoryAgreesWithStoreOnSize(t *testing.T) {
	real, mem := newContractRuns(t)
	const uuidLen = len("00000000-0000-0000-0000-000000000000")
	pad := func(n int) map[string]string { return map[string]string{"pad": strings.Repeat("x", n)} }
	type step struct {
		name string
		do   func(r *contractRun) string
		want string // the observation's start
	}
	// model measures as the store does; the sessions are the same on
	// both runs (their clocks stand at t0), read from the run at hand.
	model := func(r *contractRun) *store.Store {
		return store.New(nil, "model", session.DefaultPolicy, 16, r.clock.Now)
	}
	// eventAt applies to session n a processor's event to status to
	// whose data brings its item to the limit StoredChange reports, and
	// over it by one byte with over.
	eventAt := func(n int, to session.Status, eventID string, over bool) func(r *contractRun) string {
		return func(r *contractRun) string {
			cur, err := r.st.Get(ctx, id(n))
			if err != nil {
				return observe(nil, err)
			}
			ev := func(k int) *session.Event {
				return &session.Event{Status: to, EventID: session.EventID(eventID), ResultData: pad(k)}
			}
			fits := func(k int) bool {
				c := cur.Clone()
				if _, err := c.Apply(ev(k), r.clock.Now(), r.st.Policy()); err != nil {
					t.Fatal(err)
				}
				c.Version = cur.Version + 1
				_, err := model(r).StoredChange(c, cur.Status)
				return err == nil
			}
			lo, hi := 0, 400<<10
			for hi-lo > 1 {
				if m := (lo + hi) / 2; fits(m) {
					lo = m
				} else {
					hi = m
				}
			}
			k := lo
			if over {
				k = hi
			}
			return observe(r.st.ApplyEvent(ctx, "", id(n), ev(k)))
		}
	}
	steps := []step{
		{"create a session", func(r *contractRun) string { return r.create(1, "m-1", 0, nil) }, "body"},
		{"an open event a byte over its limit (344 KB)", eventAt(1, session.Processing, "e-1", true), "error conflict SESSION_TOO_LARGE"},
		{"an open event at its limit", eventAt(1, session.Processing, "e-1", false), "{"},
		{"a close to AUTHORISED a byte over its limit (350 KB)", eventAt(1, session.Authorised, "e-2", true), "error conflict SESSION_TOO_LARGE"},
		{"a close to AUTHORISED at its limit", eventAt(1, session.Authorised, "e-2", false), "{"},
		{"a fraud cancellation request a byte over its limit (374 KB)", eventAt(1, session.FraudCancellationRequested, "e-3", true), "error conflict SESSION_TOO_LARGE"},
		{"a fraud cancellation request at its limit", eventAt(1, session.FraudCancellationRequested, "e-3", false), "{"},

		// A parent of 380 KB, less 64 bytes (restored so: its own events
		// keep room), moved by its child's AUTHORISED past 380 KB.
		{"create a parent", func(r *contractRun) string { return r.create(2, "m-1", 0, nil) }, "body"},
		{"create its child", func(r *contractRun) string { return r.create(3, "m-1", 2, nil) }, "body"},
		{"restore the parent at 380 KB less 64 bytes", func(r *contractRun) string {
			p, err := r.st.Get(ctx, id(2))
			if err != nil {
				return observe(nil, err)
			}
			written := func(k int) int {
				c := p.Clone()
				c.ResultData = pad(k)
				av, err := model(r).Item(c)
				if err != nil {
					t.Fatal(err)
				}
				return store.ItemSize(av) + len("writeId") + uuidLen + len("recentWrites") + 3 + 8*(1+uuidLen)
			}
			p.ResultData = pad(380<<10 - 64 - written(0))
			if got := written(len(p.ResultData["pad"])); got != 380<<10-64 {
				t.Fatalf("restored parent of %d bytes; want %d", got, 380<<10-64)
			}
			return observe(nil, r.st.ImportAll(ctx, []*session.Session{p})) + " " + fmt.Sprint(len(p.ResultData["pad"]))
		}, "nil"},
		{"the child authorised, the parent moved past 380 KB", func(r *contractRun) string {
			return r.event(3, session.Authorised, "e-4") + "; " + r.get(2)
		}, "{"},
	}
	for _, s := range steps {
		want, got := s.do(real), s.do(mem)
		if got != want {
			t.Errorf("%s:\nMemory:      %.300s\nstore.Store: %.300s", s.name, got, want)
		}
		if !strings.HasPrefix(want, s.want) {
			t.Errorf("%s: store.Store: %.300s; want %s…", s.name, want, s.want)
		}
		if !strings.HasPrefix(got, s.want) {
			t.Errorf("%s: Memory: %.300s; want %s…", s.name, got, s.want)
		}
	}
}
