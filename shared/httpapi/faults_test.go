package httpapi_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
	"github.com/paysessions/paysessions/shared/sweep"
)

// stored reads a session as stored (no time rules), through a client that
// injects no faults.
func stored(t *testing.T, h *harness, id string) *session.Session {
	t.Helper()
	clean := store.New(storetest.Client(t, store.ClientOptions{}), h.table, h.st.Policy(), 16, h.clock.Now)
	var v *session.Session
	if err := clean.Transact(context.Background(), func(tx *store.Txn) error {
		var err error
		v, err = tx.Get(id)
		return err
	}); err != nil {
		t.Fatalf("read %s: %v", id, err)
	}
	return v
}

// TestTwentyPercentFaults: with one DynamoDB request in five failing — by
// throttling, 500s, timeouts and resets, before sending and after DynamoDB
// applied the request — every API request still succeeds through the SDK's
// retries, and no change is lost or applied twice.
func TestTwentyPercentFaults(t *testing.T) {
	// Mostly waits for the SDK's back-off: beside the other waiting tests.
	t.Parallel()
	faults := storetest.NewFaultTransport(5)
	faults.SpareLastAttempt = true
	// A 30 s guard band gives each write a 24 s deadline: four faulted
	// attempts and their back-off fit in the default 4 s on an idle
	// machine, not always on a starved one under -race, and a write cut off
	// by its deadline is a 503 by design (TestWriteDeadlineEndsRetries),
	// not what this test is about.
	policy := session.DefaultPolicy
	policy.WriteGuard = 30 * time.Second
	h := newHarnessPolicy(t, store.ClientOptions{HTTPClient: &http.Client{Transport: faults}}, policy)
	merchant := h.merchantToken("m-1")
	proc := h.processorToken()
	reader := newDialectReader(h, "m-1")

	const workers, rounds = 4, 8
	type outcome struct {
		id       string
		events   int
		canceled bool
	}
	var mu sync.Mutex
	var outcomes []outcome
	var failures storetest.Failures
	fail := failures.Add
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				headers := []string{}
				if r%2 == 0 {
					headers = []string{"Idempotency-Key", fmt.Sprintf("w%d-r%d", w, r)}
				}
				res := h.do("POST", "/sessions", merchant, map[string]any{"amount": 100 + r, "currency": "EUR"}, headers...)
				if res.Code != 201 {
					fail("create = %d %s", res.Code, res.Body)
					continue
				}
				id := res.json(t)["id"].(string)
				o := outcome{id: id}
				// Events: with and without eventId, the first repeated.
				for i, st := range []string{"PROCESSING", "REQUIRES_ACTION", "PROCESSING"} {
					ev := map[string]any{"status": st}
					if i != 1 {
						ev["eventId"] = fmt.Sprintf("%s-%d", id, i)
					}
					if res := h.do("POST", "/sessions/"+id+"/events", proc, ev); res.Code != 200 {
						fail("event %s = %d %s", st, res.Code, res.Body)
					} else {
						o.events++
					}
				}
				if res := h.do("POST", "/sessions/"+id+"/events", proc, map[string]any{"status": "PROCESSING", "eventId": id + "-0"}); res.Code != 200 {
					fail("repeated event = %d %s", res.Code, res.Body)
				}
				if r%3 == 0 {
					if res := h.do("POST", "/sessions/"+id+"/cancel", merchant, nil); res.Code != 200 {
						fail("cancel = %d %s", res.Code, res.Body)
					} else {
						o.canceled = true
					}
				}
				for name, res := range reader.all(id) {
					if name == "003" && o.canceled {
						if res.Code != http.StatusGone {
							fail("003 of a canceled session = %d", res.Code)
						}
						continue
					}
					if res.Code != 200 {
						fail("%s = %d %s", name, res.Code, res.Body)
					}
				}
				mu.Lock()
				outcomes = append(outcomes, o)
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	failures.Report(t, "")
	// API keys too.
	key := h.apiKey("m-1", auth.ScopeSessionsRead)
	id := strings.Split(key, "_")[1]
	if res := h.do("DELETE", "/api-keys/"+id, h.token("m-1", auth.ScopeAPIKeysWrite), nil); res.Code != 204 {
		t.Errorf("revoke = %d %s", res.Code, res.Body)
	}

	for _, o := range outcomes {
		v := stored(t, h, o.id)
		want := 1 + o.events
		if o.canceled {
			want++
		}
		if len(v.History) != want || v.Version != int64(len(v.History)) {
			t.Errorf("%s: %d history entries, version %d; want %d entries and version = entries (no change lost or doubled)", o.id, len(v.History), v.Version, want)
		}
	}
	injected := faults.Injected()
	if len(injected) != 6 {
		t.Errorf("faults injected %v; want every kind", injected)
	}
	t.Logf("%d sessions, %d faults injected: %v", len(outcomes), faults.Total(), injected)
}

// TestAllRequestsFailing: when every DynamoDB request fails, the API
// answers 503 with Retry-After (never a 500 or the SDK's text), and nothing
// is half written.
func TestAllRequestsFailing(t *testing.T) {
	// Mostly waits for the SDK's back-off: beside the other waiting tests.
	t.Parallel()
	faults := storetest.NewFaultTransport(0, storetest.Throttle, storetest.ServerError, storetest.Timeout, storetest.Reset)
	h := newHarnessWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: faults}})
	merchant := h.merchantToken("m-1")
	parent := h.create("m-1", nil)
	reader := newDialectReader(h, "m-1")
	faults.SetEvery(1)

	// Every request runs the SDK's whole retry schedule: send them at once.
	requests := map[string]func() response{
		"create child": func() response {
			return h.do("POST", "/sessions", merchant, map[string]any{"amount": 1, "currency": "EUR", "parentSessionId": parent}, "Idempotency-Key", "child-1")
		},
		"event": func() response {
			return h.do("POST", "/sessions/"+parent+"/events", h.processorToken(), map[string]any{"status": "AUTHORISED"})
		},
		"cancel": func() response { return h.do("POST", "/sessions/"+parent+"/cancel", merchant, nil) },
		"api key": func() response {
			return h.do("POST", "/api-keys", h.token("m-1", auth.ScopeAPIKeysWrite, auth.ScopeSessionsRead), map[string]any{"scopes": []string{"sessions:read"}})
		},
		"dialects": func() response { return response{} },
	}
	checks := map[string]response{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name, do := range requests {
		wg.Add(1)
		go func(name string, do func() response) {
			defer wg.Done()
			if name == "dialects" {
				for n, r := range reader.all(parent) {
					mu.Lock()
					checks[n] = r
					mu.Unlock()
				}
				return
			}
			r := do()
			mu.Lock()
			checks[name] = r
			mu.Unlock()
		}(name, do)
	}
	wg.Wait()
	for name, r := range checks {
		if r.Code != http.StatusServiceUnavailable || r.Header().Get("Retry-After") == "" {
			t.Errorf("%s = %d (Retry-After %q) %s; want 503 with Retry-After", name, r.Code, r.Header().Get("Retry-After"), r.Body)
		}
		for _, leak := range []string{"dynamodb", "Throttling", "injected", "operation error", "api error"} {
			if strings.Contains(r.Body.String(), leak) {
				t.Errorf("%s body %s leaks %q", name, r.Body, leak)
			}
		}
	}
	faults.SetEvery(0)
	if v := stored(t, h, parent); v.ChildSessionID != "" || v.Status != session.Created || v.Version != 1 {
		t.Errorf("parent after the failed writes = %s, child %q, v%d; want untouched", v.Status, v.ChildSessionID, v.Version)
	}
	// The client retries with the same key once DynamoDB is back.
	if res := h.do("POST", "/sessions", merchant, map[string]any{"amount": 1, "currency": "EUR", "parentSessionId": parent}, "Idempotency-Key", "child-1"); res.Code != 201 {
		t.Errorf("retry = %d %s; want 201", res.Code, res.Body)
	}
}

// TestTransactionsHoldUnderLostAnswers: when DynamoDB applies every request
// but every answer is lost, a child's creation (one transaction: the child,
// the parent's link, the idempotency record) is all there or not at all,
// and the client's retry with the same key gets the session.
func TestTransactionsHoldUnderLostAnswers(t *testing.T) {
	faults := storetest.NewFaultTransport(0, storetest.TimeoutAfter, storetest.ResetAfter)
	h := newHarnessWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: faults}})
	merchant := h.merchantToken("m-1")
	parent := h.create("m-1", nil)
	faults.SetEvery(1)
	res := h.do("POST", "/sessions", merchant, map[string]any{"amount": 1, "currency": "EUR", "parentSessionId": parent}, "Idempotency-Key", "child-2")
	if res.Code != http.StatusServiceUnavailable {
		t.Fatalf("create = %d %s; want 503 (the outcome is unknown to the service)", res.Code, res.Body)
	}
	faults.SetEvery(0)
	p := stored(t, h, parent)
	retry := h.do("POST", "/sessions", merchant, map[string]any{"amount": 1, "currency": "EUR", "parentSessionId": parent}, "Idempotency-Key", "child-2")
	if retry.Code != 201 {
		t.Fatalf("retry = %d %s; want 201", retry.Code, retry.Body)
	}
	child := retry.json(t)["id"].(string)
	if p.ChildSessionID != "" && p.ChildSessionID != child {
		t.Errorf("parent links %s; the retry answered %s", p.ChildSessionID, child)
	}
	if p.ChildSessionID == child && retry.Header().Get("Idempotent-Replayed") != "true" {
		t.Errorf("the transaction was applied, yet the retry was not a replay")
	}
	if got := stored(t, h, parent); got.ChildSessionID != child {
		t.Errorf("parent links %q; want %s", got.ChildSessionID, child)
	}
}

// TestSweepCutOffByFaultsFinishesNextRun: a sweep whose DynamoDB calls fail
// part way leaves the rest for the next run, which expires every session
// exactly once.
func TestSweepCutOffByFaultsFinishesNextRun(t *testing.T) {
	faults := storetest.NewFaultTransport(0)
	h := newHarnessWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: faults}, MaxAttempts: 1})
	var ids []string
	for i := 0; i < 40; i++ {
		ids = append(ids, h.create("m-1", map[string]any{"amount": i, "currency": "EUR"}))
	}
	h.clock.Advance(31 * time.Minute)
	sw := sweep.New(h.st.(*store.Store), slog.New(slog.DiscardHandler), h.clock.Now)
	faults.SetEvery(3)
	first := sw.Run(context.Background())
	faults.SetEvery(0)
	second := sw.Run(context.Background())
	if first.Errors == 0 || first.Complete || !second.Complete {
		t.Errorf("runs = %+v then %+v; want the first to hit errors, the second to complete", first, second)
	}
	for _, id := range ids {
		v := stored(t, h, id)
		expiries := 0
		for _, c := range v.History {
			if c.Status == session.Expired {
				expiries++
			}
		}
		if v.Status != session.Expired || expiries != 1 {
			t.Errorf("%s = %s with %d expiry entries; want EXPIRED once", id, v.Status, expiries)
		}
	}
	t.Logf("first run %+v (%d faults), second %+v", first, faults.Total(), second)
}
