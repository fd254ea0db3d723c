package httpapi_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
	"github.com/paysessions/paysessions/shared/sweep"
)

// TestRaces: 20 sessions, 200 goroutines sending random valid and invalid
// processor events (some retried with the same eventId, some at once),
// merchant cancels and sweeps, while the clock crosses the sessions' expiry.
// Afterwards every session's history explains its state, holds every
// accepted change exactly once, and its version counts its writes; no
// request got a 5xx and every refusal is a 409 with a clear code.
func TestRaces(t *testing.T) {
	// Sessions expire 10 minutes in and stay readable an hour after they
	// close, so that expiry happens mid-test and no refusal is a 404. The
	// guard band is 30 s (of the test clock, which moves a minute at a
	// time), which makes each write's deadline 24 s of real time: on a
	// starved 2-core machine under -race, the default 4 s cut writes off
	// as unknown outcomes (503), which is the deadline's job, not what this
	// test is about (TestWriteDeadlineEndsRetries in shared/store is).
	h := newHarnessPolicy(t, store.ClientOptions{}, session.Policy{Expiry: 10 * time.Minute, Retention: time.Hour, WriteGuard: 30 * time.Second})
	merchant := h.merchantToken("m-1")
	proc := h.processorToken()
	const sessions, goroutines, opsEach = 20, 200, 6
	ids := make([]string, sessions)
	for i := range ids {
		ids[i] = h.create("m-1", map[string]any{"amount": i, "currency": "EUR"})
	}

	// The clock follows the work: a minute per 1/20 of the operations done,
	// so the sessions expire (at 10 minutes) halfway through.
	const total = goroutines * opsEach
	var done atomic.Int64
	tick := func() {
		if n := done.Add(1); n%(total/20) == 0 {
			h.clock.Advance(time.Minute)
		}
	}
	sw := sweep.New(h.st.(*store.Store), slog.New(slog.DiscardHandler), h.clock.Now)
	stopSweeping := sweepEvery(sw, 20*time.Millisecond)
	stopSweeps := make(chan struct{}) // stops the poller
	// Versions, read as stored, only ever go up.
	versions := make([]atomic.Int64, sessions)
	var decreases atomic.Int64
	pollerDone := make(chan struct{})
	go func() {
		defer close(pollerDone)
		for {
			select {
			case <-stopSweeps:
				return
			default:
			}
			for i, id := range ids {
				v := stored(t, h, id)
				if prev := versions[i].Swap(v.Version); v.Version < prev {
					decreases.Add(1)
				}
			}
		}
	}()

	type accepted struct {
		mu        sync.Mutex
		eventIDs  map[string]int // eventId -> 200s answered for it
		anonymous int            // 200s for events without an eventId
		cancels   int
	}
	acc := make([]accepted, sessions)
	for i := range acc {
		acc[i].eventIDs = map[string]int{}
	}
	var requests, refused atomic.Int64
	var bad storetest.Failures
	codes := map[string]bool{
		session.ReasonInvalidTransition: true, session.ReasonSessionExpired: true,
		session.ReasonConcurrentUpdate: true, session.ReasonHistoryFull: true,
	}
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 7))
			for op := 0; op < opsEach; op++ {
				i := rng.IntN(sessions)
				id := ids[i]
				var res response
				var eventID string
				cancel := rng.IntN(8) == 0
				if cancel {
					res = h.do("POST", "/sessions/"+id+"/cancel", merchant, nil)
				} else {
					ev := map[string]any{"status": session.Statuses[rng.IntN(len(session.Statuses))]}
					switch rng.IntN(3) {
					case 0: // no eventId
					case 1: // a fresh one
						eventID = fmt.Sprintf("g%d-o%d", g, op)
					case 2: // one that many goroutines send: retries
						eventID = fmt.Sprintf("shared-%d-%d", i, rng.IntN(4))
					}
					if eventID != "" {
						ev["eventId"] = eventID
					}
					res = h.do("POST", "/sessions/"+id+"/events", proc, ev)
				}
				requests.Add(1)
				tick()
				switch {
				case res.Code == 200:
					a := &acc[i]
					a.mu.Lock()
					switch {
					case cancel:
						a.cancels++
					case eventID != "":
						a.eventIDs[eventID]++
					default:
						a.anonymous++
					}
					a.mu.Unlock()
				case res.Code == 409 && codes[fmt.Sprint(res.json(t)["code"])]:
					refused.Add(1)
				default:
					bad.Add("%d %s", res.Code, res.Body)
				}
			}
		}(g)
	}
	wg.Wait()
	sweeps := stopSweeping()
	close(stopSweeps)
	<-pollerDone
	// One more sweep after the clock has passed every expiry.
	sw.Run(context.Background())

	bad.Report(t, "refusal that is not a 409 with a known code: ")
	if d := decreases.Load(); d != 0 {
		t.Errorf("a stored version went down %d times", d)
	}
	for i, id := range ids {
		v := stored(t, h, id)
		a := &acc[i]
		// The history explains the state: it starts with CREATED, each step
		// is an allowed transition (or the system's expiry of an open
		// session), and the last entry is the status.
		if v.History[0].Status != session.Created {
			t.Errorf("%s: history starts with %s", id, v.History[0].Status)
		}
		for k := 1; k < len(v.History); k++ {
			from, to := v.History[k-1].Status, v.History[k].Status
			if !session.CanTransition(from, to) && !(to == session.Expired && from.Open()) {
				t.Errorf("%s: history step %s -> %s is not allowed", id, from, to)
			}
		}
		if last := v.History[len(v.History)-1]; last.Status != v.Status {
			t.Errorf("%s: status %s, last history entry %s", id, v.Status, last.Status)
		}
		if v.Status.Open() {
			t.Errorf("%s: still %s after the clock passed its expiry and a sweep", id, v.Status)
		}
		// Every accepted change is in the history exactly once.
		withID := map[string]int{}
		anonymous, cancels, expiries := 0, 0, 0
		for _, c := range v.History[1:] {
			switch {
			case c.EventID != "":
				withID[c.EventID]++
			case c.Status == session.Expired:
				expiries++
			case c.Reason == session.ReasonMerchantCancel || c.Reason == session.ReasonMerchantCancelRq:
				cancels++
			default:
				anonymous++
			}
		}
		for e, n := range withID {
			if n != 1 {
				t.Errorf("%s: event %s applied %d times", id, e, n)
			}
			if a.eventIDs[e] == 0 {
				t.Errorf("%s: event %s applied, but no request for it was answered 200", id, e)
			}
		}
		for e := range a.eventIDs {
			if withID[e] != 1 {
				t.Errorf("%s: event %s answered 200 but applied %d times", id, e, withID[e])
			}
		}
		if anonymous != a.anonymous || cancels != a.cancels || expiries > 1 {
			t.Errorf("%s: history has %d events without id, %d cancels, %d expiries; requests accepted %d and %d", id, anonymous, cancels, expiries, a.anonymous, a.cancels)
		}
		if v.Version != int64(len(v.History)) {
			t.Errorf("%s: version %d with %d history entries; want one write per entry", id, v.Version, len(v.History))
		}
	}
	nAccepted := requests.Load() - refused.Load()
	if nAccepted < int64(sessions) {
		t.Errorf("only %d of %d requests accepted; the test exercised too little", nAccepted, requests.Load())
	}
	t.Logf("%d requests (%d accepted, %d refused with 409), %d sweeps, %d goroutines on %d sessions", requests.Load(), nAccepted, refused.Load(), sweeps, goroutines, sessions)
}

// sweepEvery runs sw every d, as the schedule does but faster, until the
// stop it returns is called; stop waits for a sweep under way and reports
// how many ran.
func sweepEvery(sw *sweep.Sweeper, d time.Duration) (stop func() int64) {
	done := make(chan struct{})
	var n atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			case <-time.After(d):
				sw.Run(context.Background())
				n.Add(1)
			}
		}
	}()
	return func() int64 {
		close(done)
		wg.Wait()
		return n.Load()
	}
}
