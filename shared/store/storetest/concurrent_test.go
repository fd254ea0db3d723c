package storetest_test

import (
	"fmt"
	"sort"
	"sync"
	"testing"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// concurrentScript is what TestMemoryAgreesUnderConcurrency runs on each
// store: many callers at once, summed up by what must hold whatever their
// order (the order differs between runs and between the stores; the
// summary must not). A lost race that the store gave up on (409
// CONCURRENT_UPDATE) changed nothing, so it is left out of the counts;
// Memory never answers it.
var concurrentScript = []struct {
	name string
	do   func(t *testing.T, r *contractRun) string
	want string
}{
	{"one eventId sent at once", func(t *testing.T, r *contractRun) string {
		r.create(1, "m-1", 0, nil)
		answers := r.atOnce(16, func(int) string {
			return summary(r.st.ApplyEvent(ctx, "", id(1), &session.Event{Status: session.Authorised, EventID: "e-1"}))
		})
		v, err := r.st.Get(ctx, id(1))
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("answers %v; %s v%d, %d AUTHORISED entries", answers, v.Status, v.Version, count(v, session.Authorised))
	}, "answers [AUTHORISED]; AUTHORISED v2, 1 AUTHORISED entries"},

	{"one Idempotency-Key sent at once", func(t *testing.T, r *contractRun) string {
		idem := &store.Idempotency{MerchantID: "m-1", Key: "k", RequestHash: "h"}
		names := map[string]bool{}
		var mu sync.Mutex
		answers := r.atOnce(16, func(i int) string {
			v := r.newSession(100+i, "m-1", 0)
			body, replay, err := r.st.Create(ctx, v, idem, 201, func(v *session.Session) ([]byte, error) { return []byte(v.ID), nil })
			if err != nil {
				return summary(nil, err)
			}
			mu.Lock()
			defer mu.Unlock()
			if replay != nil {
				names[string(replay.Body)] = true
				return "replay"
			}
			names[string(body)] = true
			return "created"
		})
		stored := 0
		for i := 0; i < 16; i++ {
			if _, err := r.st.Get(ctx, id(100+i)); err == nil {
				stored++
			}
		}
		return fmt.Sprintf("answers %v naming %d sessions; %d stored", answers, len(names), stored)
	}, "answers [created replay] naming 1 sessions; 1 stored"},

	{"children of one parent at once", func(t *testing.T, r *contractRun) string {
		r.create(2, "m-1", 0, nil)
		var mu sync.Mutex
		var made []string
		answers := r.atOnce(12, func(i int) string {
			v := r.newSession(200+i, "m-1", 2)
			_, _, err := r.st.Create(ctx, v, nil, 201, nil)
			if err == nil {
				mu.Lock()
				made = append(made, v.ID)
				mu.Unlock()
				return "created"
			}
			return summary(nil, err)
		})
		p, err := r.st.Get(ctx, id(2))
		if err != nil {
			t.Fatal(err)
		}
		linked := len(made) == 1 && p.ChildSessionID == made[0]
		return fmt.Sprintf("answers %v; %d made, linked %v", answers, len(made), linked)
	}, "answers [CHILD_SESSION_EXISTS created]; 1 made, linked true"},

	{"a parent's cancel against its child's money", func(t *testing.T, r *contractRun) string {
		outcomes := map[string]bool{}
		for f := 0; f < 6; f++ {
			p, c := 300+2*f, 301+2*f
			r.create(p, "m-1", 0, nil)
			r.create(c, "m-1", p, nil)
			r.atOnce(2, func(i int) string {
				if i == 0 {
					return summary(r.st.Cancel(ctx, "m-1", id(p), ""))
				}
				return summary(r.st.ApplyEvent(ctx, "", id(c), &session.Event{Status: session.Authorised}))
			})
			pv, cv, err := r.st.GetWithChild(ctx, "m-1", id(p))
			if err != nil {
				t.Fatal(err)
			}
			outcomes[string(pv.Status)+"/"+string(cv.Status)] = true
		}
		legal := map[string]bool{"CANCELED/CANCELED": true, "CANCEL_REQUESTED/AUTHORISED": true}
		for o := range outcomes {
			if !legal[o] {
				return "illegal parent/child " + o
			}
		}
		return "legal"
	}, "legal"},

	{"a full parent's cancel against its child's money", func(t *testing.T, r *contractRun) string {
		// The parent's own open events filled its history (90 entries):
		// its child's money and its merchant's cancel still end in a
		// legal pair, the parent within 100 entries.
		outcomes := map[string]bool{}
		for f := 0; f < 3; f++ {
			p, c := 400+2*f, 401+2*f
			r.create(p, "m-1", 0, nil)
			r.fill(p)
			r.create(c, "m-1", p, nil)
			r.atOnce(3, func(i int) string {
				switch i {
				case 0:
					return summary(r.st.Cancel(ctx, "m-1", id(p), ""))
				case 1:
					return summary(r.st.ApplyEvent(ctx, "", id(c), &session.Event{Status: session.Authorised}))
				}
				return summary(r.st.ApplyEvent(ctx, "", id(c), &session.Event{Status: session.Settled}))
			})
			pv, cv, err := r.st.GetWithChild(ctx, "m-1", id(p))
			if err != nil {
				t.Fatal(err)
			}
			if len(pv.History) > session.MaxHistory {
				return fmt.Sprintf("a parent of %d entries", len(pv.History))
			}
			outcomes[string(pv.Status)+"/"+string(cv.Status)] = true
		}
		legal := map[string]bool{"CANCELED/CANCELED": true, "CANCEL_REQUESTED/AUTHORISED": true, "SETTLED/SETTLED": true}
		for o := range outcomes {
			if !legal[o] {
				return "illegal parent/child " + o
			}
		}
		return "legal"
	}, "legal"},

	{"more events than a history holds, at once", func(t *testing.T, r *contractRun) string {
		r.create(3, "m-1", 0, nil)
		opens := []session.Status{session.Processing, session.RequiresAction, session.Sent}
		var mu sync.Mutex
		ok := 0
		r.atOnce(session.MaxHistory+20, func(i int) string {
			_, err := r.st.ApplyEvent(ctx, "", id(3), &session.Event{Status: opens[i%3], EventID: session.EventID(fmt.Sprintf("e-%d", i))})
			if err == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			}
			return summary(nil, err)
		})
		v, err := r.st.ApplyEvent(ctx, "", id(3), &session.Event{Status: session.Failed})
		if err != nil {
			return "the session cannot close: " + summary(nil, err)
		}
		n := len(v.History)
		return fmt.Sprintf("bounded %v, one entry per answer %v, closes %s", n <= session.MaxHistory-session.MaxHistoryReserve+1, n == ok+2, v.Status)
	}, "bounded true, one entry per answer true, closes FAILED"},
}

// atOnce runs f(0..n-1) at once and returns the distinct answers, sorted,
// a lost race the store gave up on left out.
func (r *contractRun) atOnce(n int, f func(i int) string) []string {
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			a := f(i)
			mu.Lock()
			seen[a] = true
			mu.Unlock()
		}(i)
	}
	wg.Wait()
	var out []string
	for a := range seen {
		if a != session.ReasonConcurrentUpdate && a != "" {
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return out
}

// summary is a session's status or an error's reason (HISTORY_FULL etc.).
func summary(v *session.Session, err error) string {
	if err != nil {
		return session.ErrorReason(err)
	}
	if v == nil {
		return ""
	}
	return string(v.Status)
}

func count(v *session.Session, s session.Status) int {
	n := 0
	for _, c := range v.History {
		if c.Status == s {
			n++
		}
	}
	return n
}

// TestMemoryAgreesUnderConcurrency holds storetest.Memory to store.Store
// on DynamoDB Local when many callers act at once: the same eventId from
// many processors applies once, one Idempotency-Key makes one session,
// one parent gets one child, a parent's cancel and its child's money end
// in a legal pair, and a history stays bounded — with the same summary on
// both stores. (Memory runs each operation under one lock; the store
// under conditional writes and retries.)
func TestMemoryAgreesUnderConcurrency(t *testing.T) {
	real, mem := newContractRuns(t)
	for _, step := range concurrentScript {
		got, want := step.do(t, mem), step.do(t, real)
		if want != step.want || got != step.want {
			t.Errorf("%s:\nMemory:      %s\nstore.Store: %s\nwant:        %s", step.name, got, want, step.want)
		}
	}
}
