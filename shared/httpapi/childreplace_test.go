package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestChildReplacementRaces: docs/design.md §4, "at most one open child at
// a time (a closed child may be replaced ...)", "A parent's close closes
// its open child", "A child can never reach AUTHORISED or SETTLED under a
// closed parent", "A child reaching AUTHORISED or SETTLED moves an open
// parent to the same status, in the same transaction". TestFamilyRaces
// hammers one child per parent; here children are created and replaced
// while the latest is failed, canceled or paid, and the parent is canceled
// or paid by its own processor, all at once, on both stores. Afterwards:
// every child but the one the parent names is closed without money; at
// most one child ever took money, and then the parent moved from open to
// it naming that child; a closed parent has no open child; the parent was
// written once per child adopted and once per history entry.
func TestChildReplacementRaces(t *testing.T) { eachStore(t, testChildReplacementRaces) }

func testChildReplacementRaces(t *testing.T, h *harness) {
	ctx := context.Background()
	merchant := h.merchantToken("m-1")
	proc := h.processorToken()
	known := map[string]bool{
		session.ReasonInvalidTransition: true, session.ReasonConcurrentUpdate: true, session.ReasonParentClosed: true,
		session.ReasonParentNotOpen: true, session.ReasonChildExists: true, session.ReasonIdempotencyPending: true,
	}
	const rounds, goroutines, opsEach = 4, 8, 16
	for round := range rounds {
		parent := h.create("m-1", map[string]any{"amount": 100, "currency": "EUR"})
		var mu sync.Mutex
		var children []string
		var bad storetest.Failures
		byKey := map[string]string{}
		fail := bad.Add
		latest := func(rng *rand.Rand) string {
			mu.Lock()
			defer mu.Unlock()
			if len(children) == 0 {
				return ""
			}
			// Mostly the newest child, sometimes an older one.
			if rng.IntN(4) == 0 {
				return children[rng.IntN(len(children))]
			}
			return children[len(children)-1]
		}
		var wg sync.WaitGroup
		for g := range goroutines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(round), uint64(g)))
				for range opsEach {
					var res response
					var what string
					switch k := rng.IntN(200); {
					case k < 80:
						what = "create child"
						var key string
						if rng.IntN(2) == 0 {
							key = fmt.Sprintf("k-%d-%d", round, rng.IntN(3))
							what += " with key " + key
						}
						res = h.do("POST", "/sessions", merchant, map[string]any{"amount": 100, "currency": "EUR", "parentSessionId": parent}, "Idempotency-Key", key)
						if res.Code == 201 {
							var created struct{ ID string }
							_ = json.Unmarshal(res.Body.Bytes(), &created)
							id := created.ID
							mu.Lock()
							if key != "" {
								if first, ok := byKey[key]; ok && first != res.Body.String() {
									fail("key %s answered %s, then %s", key, first, res.Body)
								}
								byKey[key] = res.Body.String()
							}
							if res.Header().Get("Idempotent-Replayed") == "" {
								children = append(children, id)
							} else if key == "" {
								fail("a create without a key was replayed")
							}
							mu.Unlock()
						}
					case k < 197:
						c := latest(rng)
						if c == "" {
							continue
						}
						st := []string{"FAILED", "CANCELED", "FAILED", "CANCELED", "PROCESSING", "FAILED", "CANCELED", "PROCESSING", "AUTHORISED", "SETTLED"}[rng.IntN(10)]
						what = "event " + st + " on child " + c
						res = h.do("POST", "/sessions/"+c+"/events", proc, map[string]any{"status": st})
					case k < 198:
						what = "cancel parent"
						res = h.do("POST", "/sessions/"+parent+"/cancel", merchant, nil)
					default:
						st := []string{"AUTHORISED", "FAILED"}[rng.IntN(2)]
						what = "event " + st + " on parent"
						res = h.do("POST", "/sessions/"+parent+"/events", proc, map[string]any{"status": st})
					}
					var problem struct{ Code string }
					_ = json.Unmarshal(res.Body.Bytes(), &problem)
					if res.Code >= 300 && !(res.Code == 409 && known[problem.Code]) {
						fail("%s: %d %s", what, res.Code, res.Body)
					}
				}
			}()
		}
		wg.Wait()
		bad.Report(t, "")
		p, err := h.st.GetOwned(ctx, "m-1", parent)
		if err != nil {
			t.Fatalf("parent: %v", err)
		}
		if len(children) > 0 && !slices.Contains(children, p.ChildSessionID) {
			t.Errorf("round %d: parent names child %q; want one of the %d created", round, p.ChildSessionID, len(children))
		}
		if want := int64(len(p.History) + len(children)); p.Version != want {
			t.Errorf("round %d: parent version %d; want %d (%d history entries, %d children adopted)", round, p.Version, want, len(p.History), len(children))
		}
		var paid []string
		for _, id := range children {
			c, err := h.st.GetOwned(ctx, "m-1", id)
			if err != nil {
				t.Fatalf("child %s: %v", id, err)
			}
			if c.ParentSessionID != parent {
				t.Errorf("child %s: parentSessionId %q; want %s", id, c.ParentSessionID, parent)
			}
			for k := 1; k < len(c.History); k++ {
				if c.History[k-1].Status.Open() && (c.History[k].Status == session.Authorised || c.History[k].Status == session.Settled) {
					paid = append(paid, id)
					want := session.Change{Status: c.History[k].Status, Reason: session.ChildReason(id, c.History[k].Status), At: c.History[k].At}
					i := slices.IndexFunc(p.History, func(e session.Change) bool {
						return e.Status == want.Status && e.Reason == want.Reason && e.At.Equal(want.At)
					})
					if i < 1 || !p.History[i-1].Status.Open() {
						t.Errorf("round %d: child %s took %s at %s; the parent did not move from open to it: %v", round, id, want.Status, want.At, statusesOf(p))
					}
				}
			}
			switch {
			case id != p.ChildSessionID && c.Status != session.Failed && c.Status != session.Canceled:
				t.Errorf("round %d: child %s replaced while %s; want FAILED or CANCELED", round, id, c.Status)
			case c.Status.Open() && !p.Status.Open():
				t.Errorf("round %d: child %s %s under parent %s", round, id, c.Status, p.Status)
			}
		}
		if len(paid) > 1 {
			t.Errorf("round %d: %d children took money: %v", round, len(paid), paid)
		}
		t.Logf("round %d: %d children, parent %s, paid %v", round, len(children), p.Status, paid)
	}
}
