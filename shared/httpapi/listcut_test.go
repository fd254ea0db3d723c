package httpapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// budgetCut is a store whose list stops after one session and returns the
// cursor of the rest, as store.Store does when the list's time budget runs
// out (the handler's yield never refused a record).
type budgetCut struct{ harnessStore }

func (s budgetCut) ListByDay(ctx context.Context, q store.ListQuery, yield func(*session.Session) bool) (string, error) {
	q.Limit = 1
	return s.harnessStore.ListByDay(ctx, q, yield)
}

// TestWholeDayCutByTheBudgetIsRefused holds, under -short, README's "A
// whole day that cannot be read in time is refused as too large (400
// `LIST_TOO_LARGE`, below), never answered in part; a page ends early with
// a `Link`": a store that returns a cursor after one of three sessions,
// with every record the handler was given taken, makes the whole day 400
// LIST_TOO_LARGE naming limit (never a 200 of one session) and a page of
// limit=10 a page of one with a Link. TestListBudgetAndCursors holds the
// same on DynamoDB with a real budget.
func TestWholeDayCutByTheBudgetIsRefused(t *testing.T) {
	clock := storetest.NewClock(t0)
	mem := storetest.NewMemory(session.DefaultPolicy, clock.Now)
	h := serveStore(t, budgetCut{mem}, clock)
	for range 3 {
		h.create("m-1", nil)
	}
	tok := h.token("m-1", auth.ScopeSessionsRead)
	const path = "/pps/api/v1/session-record?createdDate=2026-11-23"
	for _, ae := range []string{"", "gzip"} {
		res := h.do("GET", path, tok, nil, "Accept-Encoding", ae)
		if res.Code != http.StatusBadRequest {
			t.Errorf("Accept-Encoding %q: whole day cut by the budget = %d; want 400 LIST_TOO_LARGE", ae, res.Code)
			continue
		}
		if p := wantProblem(t, res, http.StatusBadRequest, session.ReasonListTooLarge); p["field"] != "limit" {
			t.Errorf("Accept-Encoding %q: field = %v; want limit", ae, p["field"])
		}
	}
	ids, res, _ := listAll(t, h, path+"&limit=10", tok)
	if res.Code != http.StatusOK || len(ids) != 1 || res.Header().Get("Link") == "" {
		t.Errorf("limit=10 cut by the budget: %d, %d records, Link %q; want 200, 1 record and a Link", res.Code, len(ids), res.Header().Get("Link"))
	}
}
