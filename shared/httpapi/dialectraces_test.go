package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/statemap"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
	"github.com/paysessions/paysessions/shared/sweep"
)

// dialectRead is one answer of a dialect about a session: its words
// (a status word, or the answer's code where the dialect answers one
// instead) and, for document 001, the words of its whole history.
type dialectRead struct {
	id      string
	dialect string
	word    string
	history []string
}

// dialectWord is what dialect d says for a session in status s: the word a
// reader can see, so that a read can be matched to the history entries
// that give it.
func dialectWord(d string, s session.Status) string {
	switch d {
	case "000":
		return statemap.V1Session(s)
	case "001":
		return statemap.PaymentStatus(s)
	case "002":
		return statemap.PaymentSession(s)
	case "003":
		w, err := statemap.Checkout(s)
		if err != nil {
			return fmt.Sprint(session.ErrorCode(err))
		}
		return w
	case "003 child":
		w, expired := statemap.CheckoutChild(s)
		return fmt.Sprintf("%s expired=%v", w, expired)
	case "004", "004 list":
		return statemap.SessionRecord(s)
	}
	panic(d)
}

// TestDialectsNeverShowAStateTheModelNeverHad: docs/design.md §5, "The
// table exists once in code", §4, "every endpoint reads them with the
// same rules, so no two endpoints disagree about a session", "A session
// read as EXPIRED or 404 never comes back", and "a decision, once
// reported, is final". TestFamilyRaces checks the native answers and
// document 003's pairs; here readers poll every dialect (000, 001, 002,
// 003 at the session's own endpoint and a parent's childSession, 004's
// record and its day list) while processors, merchants and the sweeper
// change families of a parent and child, and the clock walks across their
// expiry in steps shorter than the guard band. Afterwards each reader's
// answers, in the order it got them, are matched to the session's final
// history, read as it is now (an unswept expiry included): every word is
// one some entry gives in that dialect, at or after the entry matched by
// the reader's previous answer about that session (no reader sees a
// session go back), and document 001's history is a prefix of the
// session's in 001's words.
func TestDialectsNeverShowAStateTheModelNeverHad(t *testing.T) {
	guard := 30 * time.Second
	h := newHarnessPolicy(t, store.ClientOptions{}, session.Policy{Expiry: 10 * time.Minute, Retention: time.Hour, WriteGuard: guard})
	merchant := h.merchantToken("m-1")
	reader := h.token("m-1", auth.ScopeSessionsRead, auth.ScopePaymentRead)
	user := h.token("m-1", auth.ScopeUser)
	apiKey := h.apiKey("m-1", auth.ScopeSessionsRead)
	proc := h.processorToken()
	const families, writers, readers, opsEach = 4, 8, 6, 8
	type family struct{ parent, child string }
	fams := make([]family, families)
	var ids []string
	for i := range fams {
		p := h.create("m-1", map[string]any{"amount": 100 + i, "currency": "EUR"})
		res := h.do("POST", "/sessions", merchant, map[string]any{"amount": 100 + i, "currency": "EUR", "parentSessionId": p})
		if res.Code != 201 {
			t.Fatalf("child of %s = %d %s", p, res.Code, res.Body)
		}
		fams[i] = family{p, res.json(t)["id"].(string)}
		ids = append(ids, p, fams[i].child)
	}
	isParent := map[string]bool{}
	for _, f := range fams {
		isParent[f.parent] = true
	}
	// The clock starts a minute before the families' expiry and walks 10 s
	// (a third of the band) at a time, never under a request (see
	// TestFamilyRaces): a write judged before a step lands before it.
	h.clock.Set(t0.Add(10*time.Minute - 40*time.Second))
	var inFlight sync.RWMutex
	var done atomic.Int64
	const total = writers*opsEach + readers*opsEach
	tick := func() {
		if done.Add(1)%(total/14) == 0 {
			inFlight.Lock()
			h.clock.Advance(10 * time.Second)
			inFlight.Unlock()
		}
	}
	sw := sweep.New(h.st.(*store.Store), slog.New(slog.DiscardHandler), h.clock.Now)
	stopSweeping := sweepEvery(sw, 10*time.Millisecond)

	var bad storetest.Failures
	fail := bad.Add
	seen := make([][]dialectRead, readers)
	statuses := []session.Status{session.Authorised, session.Authorised, session.Authorised, session.Settled, session.Settled, session.Settled, session.Failed, session.Canceled, session.CancelRequested, session.FraudCancellationRequested}
	release := make(chan struct{})
	var wg sync.WaitGroup
	// Half the families only move among open statuses, so they expire
	// (and are swept) under the readers; the other half take money, are
	// canceled, fail.
	drift := map[string]bool{}
	for i, f := range fams {
		drift[f.parent], drift[f.child] = i%2 == 1, i%2 == 1
	}
	open := []session.Status{session.Processing, session.RequiresAction, session.OTPPending, session.Sent}
	for g := range writers {
		wg.Go(func() {
			<-release
			rng := rand.New(rand.NewPCG(uint64(g), 52))
			for range opsEach {
				id := ids[rng.IntN(len(ids))]
				inFlight.RLock()
				var res response
				switch {
				case !drift[id] && rng.IntN(16) == 0:
					res = h.do("POST", "/sessions/"+id+"/cancel", merchant, nil)
				default:
					st := open[rng.IntN(len(open))]
					if !drift[id] && rng.IntN(2) == 0 {
						st = statuses[rng.IntN(len(statuses))]
					}
					ev := map[string]any{"status": st}
					if rng.IntN(2) == 0 {
						ev["eventId"] = fmt.Sprintf("e-%s-%d", id[:8], rng.IntN(4))
					}
					res = h.do("POST", "/sessions/"+id+"/events", proc, ev)
				}
				inFlight.RUnlock()
				tick()
				if res.Code != 200 && res.Code != 409 {
					fail("write on %s: %d %s", id, res.Code, res.Body)
				}
			}
		})
	}
	for g := range readers {
		wg.Go(func() {
			<-release
			rng := rand.New(rand.NewPCG(uint64(g), 53))
			for range opsEach {
				id := ids[rng.IntN(len(ids))]
				inFlight.RLock()
				reads := readDialects(h, id, isParent[id], rng.IntN(3) == 0, reader, user, apiKey, fail)
				inFlight.RUnlock()
				tick()
				seen[g] = append(seen[g], reads...)
			}
		})
	}
	close(release)
	wg.Wait()
	stopSweeping()
	bad.Report(t, "")

	final := map[string][]session.Status{}
	for _, id := range ids {
		v, err := h.st.Get(context.Background(), id)
		if err != nil {
			t.Fatalf("Get(%s) = %v", id, err)
		}
		for _, c := range v.History {
			final[id] = append(final[id], c.Status)
		}
	}
	matched := 0
	for g, reads := range seen {
		at := map[string]int{} // per session, the entry the reader's last answer matched, in any dialect
		for _, r := range reads {
			hist := final[r.id]
			k := r.id
			i := slices.IndexFunc(hist[at[k]:], func(s session.Status) bool { return dialectWord(r.dialect, s) == r.word })
			if i < 0 {
				t.Errorf("reader %d: %s said %q for %s; its history from entry %d is %v", g, r.dialect, r.word, r.id, at[k], hist[at[k]:])
				continue
			}
			at[k] += i
			matched++
			if r.history != nil {
				if len(r.history) > len(hist) {
					t.Errorf("reader %d: 001's history of %s has %d entries; the session's %d", g, r.id, len(r.history), len(hist))
					continue
				}
				for j, w := range r.history {
					if want := dialectWord("001", hist[j]); w != want {
						t.Errorf("reader %d: 001's history of %s, entry %d, is %q; the session's entry is %s (%q)", g, r.id, j, w, hist[j], want)
					}
				}
			}
		}
	}
	if matched < readers*opsEach*5 {
		t.Errorf("%d answers matched; the test read too little", matched)
	}
}

// readDialects reads session id in every dialect, and in 004's day list,
// when day, and its child inside the parent's answer of document 003 when it is a
// parent: the words each answered.
func readDialects(h *harness, id string, parent, day bool, reader, user, apiKey string, fail func(string, ...any)) []dialectRead {
	var out []dialectRead
	get := func(path, token string, into any, headers ...string) int {
		res := h.do("GET", path, token, nil, headers...)
		if res.Code == 200 {
			if err := json.Unmarshal(res.Body.Bytes(), into); err != nil {
				fail("GET %s: %v (%s)", path, err, res.Body)
			}
		}
		return res.Code
	}
	var v000 struct {
		SessionState string `json:"sessionState"`
	}
	if code := get("/v1/session/"+id, reader, &v000); code != 200 {
		fail("000 %s: %d", id, code)
	} else {
		out = append(out, dialectRead{id: id, dialect: "000", word: v000.SessionState})
	}
	var v001 struct {
		Data struct {
			Status  string `json:"status"`
			History []struct {
				Status string `json:"status"`
			} `json:"history"`
		} `json:"data"`
	}
	if code := get("/v2.0/payments/"+id+"/status", reader, &v001); code != 200 {
		fail("001 %s: %d", id, code)
	} else {
		r := dialectRead{id: id, dialect: "001", word: v001.Data.Status, history: []string{}}
		for _, c := range v001.Data.History {
			r.history = append(r.history, c.Status)
		}
		out = append(out, r)
	}
	var v002 struct {
		Status string `json:"status"`
	}
	if code := get("/payment-sessions/"+id, "", &v002, "X-Api-Key", apiKey); code != 200 {
		fail("002 %s: %d", id, code)
	} else {
		out = append(out, dialectRead{id: id, dialect: "002", word: v002.Status})
	}
	var v003 struct {
		Data struct {
			CheckoutSession struct {
				CheckoutSessionStatus string `json:"checkoutSessionStatus"`
				ChildSession          *struct {
					ID                    string `json:"id"`
					CheckoutSessionStatus string `json:"checkoutSessionStatus"`
					Expired               bool   `json:"expired"`
				} `json:"childSession"`
			} `json:"checkoutSession"`
		} `json:"data"`
	}
	switch code := get("/v1/checkout-sessions/"+id, user, &v003, "X-Merchant-Id", "m-1"); code {
	case 200:
		out = append(out, dialectRead{id: id, dialect: "003", word: v003.Data.CheckoutSession.CheckoutSessionStatus})
		if c := v003.Data.CheckoutSession.ChildSession; c != nil {
			out = append(out, dialectRead{id: c.ID, dialect: "003 child", word: fmt.Sprintf("%s expired=%v", c.CheckoutSessionStatus, c.Expired)})
		} else if parent {
			fail("003 %s: a parent without its childSession", id)
		}
	case 401:
		out = append(out, dialectRead{id: id, dialect: "003", word: fmt.Sprint(session.EUNAUTHORIZED)})
	case 410:
		out = append(out, dialectRead{id: id, dialect: "003", word: fmt.Sprint(session.EGONE)})
	default:
		fail("003 %s: %d", id, code)
	}
	var v004 struct {
		SessionStatus string `json:"session_status"`
	}
	if code := get("/pps/api/v1/session-record/"+id, reader, &v004); code != 200 {
		fail("004 %s: %d", id, code)
	} else {
		out = append(out, dialectRead{id: id, dialect: "004", word: v004.SessionStatus})
	}
	if !day {
		return out
	}
	var list []struct {
		SessionID     string `json:"session_id"`
		SessionStatus string `json:"session_status"`
	}
	if code := get("/pps/api/v1/session-record?createdDate="+t0.Format(time.DateOnly), reader, &list); code != 200 {
		fail("004 list: %d", code)
	}
	for _, r := range list {
		if r.SessionID == id {
			out = append(out, dialectRead{id: id, dialect: "004 list", word: r.SessionStatus})
		}
	}
	return out
}
