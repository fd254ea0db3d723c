package httpapi_test

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/racemode"
)

// TestListIsEverySessionASingleReadFinds: document 004's list ("List of
// session records returned successfully") answers, by docs/design.md §6,
// "a JSON array of **all** the caller's sessions created on `createdDate`
// …, oldest first, … never truncates", and by §4 "no two endpoints
// disagree about a session". So at every instant of a day's life the whole
// day, and a walk of its pages (limit 5), list exactly the sessions that
// GET /pps/api/v1/session-record/{id} answers with 200, in creation order.
// The sessions run every kind of life (open and expiring, a child whose
// expiresAt is clipped to its parent's, closed early by a failure or a
// cancel, AUTHORISED, and AUTHORISED then SETTLED after expiresAt, which
// moves the end of its retention later), at seeded random times; the
// instants read are each session's own edges (expiresAt, the end of its
// retention, and a minute after it: the index filter's margin), and
// 100 ns before each. Its concurrency (the list's parallel shard reads,
// the harness's JWKS server) is checked under the detector by
// TestListBudgetAndCursors and TestJWKSRefreshedInTheBackgroundWhenOld.
func TestListIsEverySessionASingleReadFinds(t *testing.T) {
	racemode.OnlyWithoutDetector(t) // hundreds of sequential reads: run without the race detector (PLAIN_TESTS)
	eachStore(t, testListIsEverySessionASingleReadFinds)
}

func testListIsEverySessionASingleReadFinds(t *testing.T, h *harness) {
	t.Logf("document 004: %q", doc004List)
	rng := rand.New(rand.NewPCG(20, 4))
	tok, proc, read := h.merchantToken("m-1"), h.processorToken(), h.token("m-1", auth.ScopeSessionsRead)
	type change struct {
		at       time.Time
		id, kind string
	}
	var (
		ids      []string
		changes  []change
		instants []time.Time
	)
	edges := func(ts ...time.Time) {
		for _, e := range ts {
			instants = append(instants, e.Add(-100*time.Nanosecond), e)
		}
	}
	const n = 12
	for i := range n {
		created := t0.Add(time.Duration(i) * 10 * time.Second)
		h.clock.Set(created)
		body := map[string]any{"amount": 1, "currency": "EUR"}
		if i%6 == 1 {
			body["parentSessionId"] = ids[i-1] // open: every kind 0 session is
		}
		id := h.create("m-1", body)
		ids = append(ids, id)
		expires := created.Add(30 * time.Minute)
		if i%6 == 1 {
			expires = t0.Add(time.Duration(i-1)*10*time.Second + 30*time.Minute) // its parent's
		}
		edges(expires, expires.Add(15*time.Minute), expires.Add(16*time.Minute))
		// A change between the last creation and expiresAt, whole ms.
		early := t0.Add(2*time.Minute + time.Duration(rng.IntN(25*60_000))*time.Millisecond)
		switch i % 6 {
		case 2:
			changes = append(changes, change{early, id, "FAILED"})
			edges(early.Add(15*time.Minute), early.Add(16*time.Minute))
		case 3:
			changes = append(changes, change{early, id, "cancel"})
			edges(early.Add(15*time.Minute), early.Add(16*time.Minute))
		case 4:
			changes = append(changes, change{early, id, "AUTHORISED"})
			edges(early.Add(15*time.Minute), early.Add(16*time.Minute))
		case 5:
			// Settled after expiresAt, before the authorisation's retention
			// (and its guard band) ends.
			late := expires.Add(time.Duration(rng.IntN(9*60_000)) * time.Millisecond)
			if late.After(early.Add(14 * time.Minute)) {
				late = early.Add(14 * time.Minute)
			}
			changes = append(changes, change{early, id, "AUTHORISED"}, change{late, id, "SETTLED"})
			edges(early.Add(15*time.Minute), early.Add(16*time.Minute), late.Add(15*time.Minute), late.Add(16*time.Minute))
		}
	}
	slices.SortFunc(changes, func(a, b change) int { return a.at.Compare(b.at) })
	slices.SortFunc(instants, time.Time.Compare)
	instants = slices.CompactFunc(instants, time.Time.Equal)
	for _, at := range instants {
		for len(changes) > 0 && !changes[0].at.After(at) {
			c := changes[0]
			changes = changes[1:]
			h.clock.Set(c.at)
			path, tk, body := "/sessions/"+c.id+"/events", proc, any(map[string]any{"status": c.kind})
			if c.kind == "cancel" {
				path, tk, body = "/sessions/"+c.id+"/cancel", tok, nil
			}
			if res := h.do("POST", path, tk, body); res.Code != 200 {
				t.Fatalf("%s at %s = %d %s", c.kind, c.at.Format(time.RFC3339Nano), res.Code, res.Body)
			}
		}
		h.clock.Set(at)
		var want []string
		for _, id := range ids {
			switch res := h.do("GET", "/pps/api/v1/session-record/"+id, read, nil); res.Code {
			case 200:
				want = append(want, id)
			case 404:
			default:
				t.Fatalf("GET %s at %s = %d %s", id, at.Format(time.RFC3339Nano), res.Code, res.Body)
			}
		}
		if got, res, body := listAll(t, h, "/pps/api/v1/session-record?createdDate=2026-11-23", read); res.Code != 200 || !slices.Equal(got, want) {
			t.Errorf("at %s: whole day = %d %v %.80s; want %v", at.Format(time.RFC3339Nano), res.Code, got, body, want)
		}
		if got, _ := walk(t, h, "/pps/api/v1/session-record?createdDate=2026-11-23&limit=5", read, nil); !slices.Equal(got, want) {
			t.Errorf("at %s: pages of 5 = %v; want %v", at.Format(time.RFC3339Nano), got, want)
		}
	}
	if len(changes) > 0 {
		t.Fatalf("%d changes never made", len(changes))
	}
}
