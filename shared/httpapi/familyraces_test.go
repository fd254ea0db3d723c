package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
	"github.com/paysessions/paysessions/shared/sweep"
)

// answered is a 200 answer's view of a session: its id and history as
// rendered (status, reason, instant of each change).
type answered struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	History []struct {
		Status string    `json:"status"`
		Reason string    `json:"reason"`
		At     time.Time `json:"at"`
	} `json:"history"`
}

// prefixOf reports whether a's history is the start of v's: what was
// reported is still what happened.
func (a answered) prefixOf(v *session.Session) bool {
	if len(a.History) > len(v.History) {
		return false
	}
	for i, c := range a.History {
		s := v.History[i]
		if c.Status != string(s.Status) || c.Reason != s.Reason || !c.At.Equal(s.At) {
			return false
		}
	}
	return true
}

// TestFamilyRaces: families of a parent and its child, hammered at once by
// processors (events of every status on parent and child, some retried with
// the same eventId, some at once), merchant cancels of both, polls and
// sweeps, while the clock crosses their expiry. docs/design.md §4: "a
// decision, once reported, is final"; "a child can never reach AUTHORISED
// or SETTLED under a closed parent"; "a parent's close closes its open
// child ... in the same transaction"; "a child reaching AUTHORISED or
// SETTLED moves an open parent to the same status, in the same
// transaction"; "one answer never shows an open parent beside a paid
// child". Checked afterwards, and on every read of a family at one instant
// while it runs:
//   - every 200 answer's history is the start of the session's final
//     history (nothing reported is ever undone or rewritten);
//   - each history is a legal sequence, its version counts its writes, each
//     eventId is applied once;
//   - a child's first money (an open child reaching AUTHORISED or SETTLED)
//     is always mirrored, by the same transaction, on its parent, moved
//     from an open status; and the parent shows no child money the child
//     never took;
//   - no snapshot pairs an open parent with a paid child, a parent closed
//     without money (CANCELED, FAILED, EXPIRED) with a child still open, or
//     a closed parent with a child that took money after it closed.
//
// Run twice: on a sound connection, and with every fifth DynamoDB answer
// lost after the request was applied (the SDK retries it; a write may meet
// others' writes on top of it), where a 503 (outcome unknown) is also an
// answer.
func TestFamilyRaces(t *testing.T) {
	for _, lost := range []bool{false, true} {
		t.Run(fmt.Sprintf("lost answers %v", lost), func(t *testing.T) { familyRaces(t, lost) })
	}
}

func familyRaces(t *testing.T, lost bool) {
	faults := storetest.NewFaultTransport(0, storetest.TimeoutAfter, storetest.ResetAfter)
	faults.SpareLastAttempt = true
	h := newHarnessPolicy(t, store.ClientOptions{HTTPClient: &http.Client{Transport: faults}}, session.Policy{Expiry: 10 * time.Minute, Retention: time.Hour, WriteGuard: 30 * time.Second})
	merchant := h.merchantToken("m-1")
	proc := h.processorToken()
	const families, goroutines, opsEach = 4, 32, 8
	type family struct{ parent, child string }
	fams := make([]family, families)
	for i := range fams {
		p := h.create("m-1", map[string]any{"amount": 100 + i, "currency": "EUR"})
		res := h.do("POST", "/sessions", merchant, map[string]any{"amount": 100 + i, "currency": "EUR", "parentSessionId": p})
		if res.Code != 201 {
			t.Fatalf("child of %s = %d %s", p, res.Code, res.Body)
		}
		fams[i] = family{p, res.json(t)["id"].(string)}
	}
	if lost {
		faults.SetEvery(5)
	}

	// The clock moves a minute at a time, more than the 30 s guard band,
	// so it must not move while a request is in flight: on AWS a write's
	// deadline is shorter than the band, so a write whose condition was
	// judged at 10:09 lands before 10:10 by any clock. A jump under a
	// request would land that write after a read at 10:10 reported the
	// session EXPIRED, which no real clock can do.
	const total = goroutines * opsEach
	var done atomic.Int64
	var inFlight sync.RWMutex // requests hold it shared; the clock's jump, alone
	tick := func() {
		if n := done.Add(1); n%(total/16) == 0 {
			inFlight.Lock()
			h.clock.Advance(time.Minute) // expiry (10 min) about two thirds in
			inFlight.Unlock()
		}
	}
	stop := make(chan struct{})
	var bg sync.WaitGroup
	sw := sweep.New(h.st.(*store.Store), slog.New(slog.DiscardHandler), h.clock.Now)
	stopSweeping := sweepEvery(sw, 15*time.Millisecond)

	var bad storetest.Failures
	fail := bad.Add
	var mu sync.Mutex
	var answers []answered
	record := func(a answered) {
		mu.Lock()
		answers = append(answers, a)
		mu.Unlock()
	}
	snapshots := 0
	// Polls of each family at one instant (document 003's read).
	bg.Add(1)
	go func() {
		defer bg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			for _, f := range fams {
				p, c, err := h.st.GetWithChild(context.Background(), "m-1", f.parent)
				if err != nil {
					if session.ErrorReason(err) != session.ReasonConcurrentUpdate && session.ErrorCode(err) != session.EUNAVAILABLE {
						fail("GetWithChild(%s) = %v", f.parent, err)
					}
					continue
				}
				snapshots++
				checkFamilySnapshot(p, c, h.st.Policy(), fail)
				for _, v := range []*session.Session{p, c} {
					if v != nil {
						b, _ := json.Marshal(v)
						var a answered
						_ = json.Unmarshal(b, &a)
						record(a)
					}
				}
			}
		}
	}()

	statuses := []session.Status{
		session.Authorised, session.Authorised, session.Settled, session.Settled, session.Failed, session.Canceled,
		session.Processing, session.RequiresAction, session.CancelRequested, session.FraudCancellationRequested,
	}
	known := map[string]bool{
		session.ReasonInvalidTransition: true, session.ReasonSessionExpired: true, session.ReasonConcurrentUpdate: true,
		session.ReasonHistoryFull: true, session.ReasonParentClosed: true,
	}
	var requests, accepted atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 11))
			for op := 0; op < opsEach; op++ {
				f := fams[rng.IntN(families)]
				id := f.parent
				if rng.IntN(2) == 0 {
					id = f.child
				}
				var res response
				inFlight.RLock()
				switch k := rng.IntN(10); {
				case k == 0:
					res = h.do("POST", "/sessions/"+id+"/cancel", merchant, nil)
				case k == 1:
					res = h.do("GET", "/sessions/"+id, merchant, nil)
				default:
					ev := map[string]any{"status": statuses[rng.IntN(len(statuses))]}
					if rng.IntN(2) == 0 {
						ev["eventId"] = fmt.Sprintf("e-%s-%d", id[:8], rng.IntN(6)) // retried by many
					}
					res = h.do("POST", "/sessions/"+id+"/events", proc, ev)
				}
				inFlight.RUnlock()
				requests.Add(1)
				tick()
				switch {
				case res.Code == 200:
					accepted.Add(1)
					var a answered
					if err := json.Unmarshal(res.Body.Bytes(), &a); err != nil || a.ID != id {
						fail("200 answer for %s: %s", id, res.Body)
						continue
					}
					record(a)
				case res.Code == 409 && known[fmt.Sprint(res.json(t)["code"])]:
				case res.Code == 503 && lost:
				default:
					fail("%s: %d %s", id, res.Code, res.Body)
				}
			}
		}(g)
	}
	wg.Wait()
	stopSweeping()
	close(stop)
	bg.Wait()
	faults.SetEvery(0)
	sw.Run(context.Background())

	bad.Report(t, "")
	final := map[string]*session.Session{}
	for _, f := range fams {
		p, c := stored(t, h, f.parent), stored(t, h, f.child)
		final[p.ID], final[c.ID] = p, c
		for _, v := range []*session.Session{p, c} {
			checkHistory(t, v)
		}
		checkFamilyHistories(t, p, c)
	}
	for _, a := range answers {
		if v := final[a.ID]; !a.prefixOf(v) {
			t.Errorf("%s: an answer reported %s with history %+v; the session's history is now %+v", a.ID, a.Status, a.History, v.History)
		}
	}
	if accepted.Load() < int64(families) {
		t.Errorf("only %d of %d requests accepted; the test exercised too little", accepted.Load(), requests.Load())
	}
	t.Logf("%d requests (%d answered 200), %d family snapshots, %d answers checked, faults %v", requests.Load(), accepted.Load(), snapshots, len(answers), faults.Injected())
}

// checkHistory: the history starts with CREATED, each step is an allowed
// move (or the system's expiry of an open session), the last is the
// status, the version counts the writes, and each eventId appears once.
func checkHistory(t *testing.T, v *session.Session) {
	t.Helper()
	if v.History[0].Status != session.Created {
		t.Errorf("%s: history starts with %s", v.ID, v.History[0].Status)
	}
	ids := map[string]bool{}
	for k := 1; k < len(v.History); k++ {
		from, to := v.History[k-1].Status, v.History[k].Status
		if !session.CanTransition(from, to) && !(to == session.Expired && from.Open()) {
			t.Errorf("%s: history step %s -> %s is not allowed", v.ID, from, to)
		}
		if v.History[k].At.Before(v.History[k-1].At) {
			t.Errorf("%s: history entry %d at %s before entry %d at %s", v.ID, k, v.History[k].At, k-1, v.History[k-1].At)
		}
		if e := v.History[k].EventID; e != "" {
			if ids[e] {
				t.Errorf("%s: event %s applied twice", v.ID, e)
			}
			ids[e] = true
		}
	}
	if last := v.History[len(v.History)-1]; last.Status != v.Status {
		t.Errorf("%s: status %s, last history entry %s", v.ID, v.Status, last.Status)
	}
	writes := int64(len(v.History))
	if v.ChildSessionID != "" {
		writes++ // the child's adoption wrote its link
	}
	if v.Version != writes {
		t.Errorf("%s: version %d with %d history entries; want one write per entry", v.ID, v.Version, len(v.History))
	}
	if len(v.History) > session.MaxHistory {
		t.Errorf("%s: %d history entries; the bound is %d", v.ID, len(v.History), session.MaxHistory)
	}
}

// checkFamilyHistories: each time the open child took money, its parent
// moved from an open status to the same one, naming the child; the parent
// shows no money its child did not take.
func checkFamilyHistories(t *testing.T, p, c *session.Session) {
	t.Helper()
	var took []session.Status
	for k := 1; k < len(c.History); k++ {
		if c.History[k-1].Status.Open() && (c.History[k].Status == session.Authorised || c.History[k].Status == session.Settled) {
			took = append(took, c.History[k].Status)
		}
	}
	var mirrored []session.Status
	for k := 1; k < len(p.History); k++ {
		e := p.History[k]
		if e.Reason == session.ChildReason(c.ID, e.Status) && p.History[k-1].Status.Open() {
			mirrored = append(mirrored, e.Status)
		}
	}
	if !slices.Equal(took, mirrored) {
		t.Errorf("child %s took money %v from open; parent %s mirrored %v\nchild:  %v\nparent: %v", c.ID, took, p.ID, mirrored, statusesOf(c), statusesOf(p))
	}
}

func statusesOf(v *session.Session) []string {
	var out []string
	for _, c := range v.History {
		out = append(out, string(c.Status)+"("+c.Reason+")")
	}
	return out
}

// checkFamilySnapshot checks a parent and child read at one instant.
func checkFamilySnapshot(p, c *session.Session, pol session.Policy, fail func(string, ...any)) {
	if c == nil {
		return
	}
	paid := c.Status == session.Authorised || c.Status == session.Settled
	switch {
	case p.Status.Open() && paid:
		fail("snapshot: parent %s %s beside child %s %s", p.ID, p.Status, c.ID, c.Status)
	case (p.Status == session.Canceled || p.Status == session.Failed || p.Status == session.Expired) && c.Status.Open() &&
		!c.ExpiredAt(pol.WriteAt(p.UpdatedAt)):
		fail("snapshot: parent %s %s beside open child %s %s", p.ID, p.Status, c.ID, c.Status)
	}
	// The child's money taken after the parent first closed (other than
	// by mirroring that money): none.
	for k := 1; k < len(p.History); k++ {
		e := p.History[k]
		if e.Status.Open() {
			continue
		}
		if e.Reason == session.ChildReason(c.ID, e.Status) {
			break
		}
		for j := 1; j < len(c.History); j++ {
			m := c.History[j]
			if (m.Status == session.Authorised || m.Status == session.Settled) && c.History[j-1].Status.Open() && m.At.After(e.At) {
				fail("snapshot: child %s took %s at %s after parent %s closed %s at %s", c.ID, m.Status, m.At, p.ID, e.Status, e.At)
			}
		}
		break
	}
}
