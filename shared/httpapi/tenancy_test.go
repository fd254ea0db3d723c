package httpapi_test

import (
	"context"
	"testing"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestMerchantTokenReportsOnlyOnItsOwnSessions: docs/design.md §7, "a
// caller sees only its own merchant's sessions; another merchant's session
// answers exactly as an unknown one (404). sessions:process (processors) may
// report events on any merchant's session and needs no merchant_id; a token
// that carries a merchant_id acts for that merchant whatever its scopes". A processor acts for no
// merchant; a token that carries a merchant_id is that merchant's, and
// sessions:process does not widen what it sees: on another merchant's
// session its event is 404 (not applied, the session not shown), even an
// eventId the real processor applied before, while a processor's token
// (no merchant_id) and the session's own merchant still report. On both
// stores.
func TestMerchantTokenReportsOnlyOnItsOwnSessions(t *testing.T) {
	eachStore(t, testMerchantTokenReportsOnlyOnItsOwnSessions)
}

func testMerchantTokenReportsOnlyOnItsOwnSessions(t *testing.T, h *harness) {
	id := h.create("m-1", nil)
	h.event(id, map[string]any{"status": "PROCESSING", "eventId": "evt-1"})
	otherProcessor := h.token("m-2", auth.ScopeSessionsProcess)
	ownProcessor := h.token("m-1", auth.ScopeSessionsProcess)
	tests := []struct {
		name   string
		token  string
		body   map[string]any
		status int
		want   session.Status // the stored status after the call
	}{
		{"another merchant's token, a new event", otherProcessor, map[string]any{"status": "AUTHORISED"}, 404, "PROCESSING"},
		{"another merchant's token, an eventId applied before", otherProcessor, map[string]any{"status": "PROCESSING", "eventId": "evt-1"}, 404, "PROCESSING"},
		{"another merchant's token, a new eventId", otherProcessor, map[string]any{"status": "FAILED", "eventId": "evt-2"}, 404, "PROCESSING"},
		{"the session's merchant with sessions:process", ownProcessor, map[string]any{"status": "REQUIRES_ACTION", "eventId": "evt-3"}, 200, "REQUIRES_ACTION"},
		{"a processor (no merchant_id)", h.processorToken(), map[string]any{"status": "AUTHORISED", "eventId": "evt-4"}, 200, "AUTHORISED"},
		{"another merchant's token after the processor's close", otherProcessor, map[string]any{"status": "SETTLED"}, 404, "AUTHORISED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := h.do("POST", "/sessions/"+id+"/events", tt.token, tt.body)
			if tt.status == 404 {
				wantProblem(t, res, 404, session.ReasonSessionNotFound)
				if unknown := h.do("POST", "/sessions/00000000-0000-4000-8000-000000000000/events", tt.token, tt.body); unknown.Code != 404 {
					t.Errorf("an unknown session = %d; want 404 as for another merchant's", unknown.Code)
				}
			} else if res.Code != tt.status {
				t.Fatalf("POST events = %d %s; want %d", res.Code, res.Body, tt.status)
			}
			got := h.do("GET", "/sessions/"+id, h.merchantToken("m-1"), nil).json(t)["status"]
			if got != string(tt.want) {
				t.Errorf("stored status = %v; want %v", got, tt.want)
			}
		})
	}
}

// tenancyBlindStore is a store whose GetOwned and GetRecord forget whose
// session they read: they return any merchant's.
type tenancyBlindStore struct{ harnessStore }

func (s tenancyBlindStore) GetOwned(ctx context.Context, _, id string) (*session.Session, error) {
	return s.Get(ctx, id)
}

func (s tenancyBlindStore) GetRecord(ctx context.Context, _, id string) (*session.Session, error) {
	return s.harnessStore.GetRecord(ctx, "", id)
}

// TestHandlersHideAnotherMerchantsSessionThemselves: docs/design.md §7, "a
// caller sees only its own merchant's sessions; another merchant's session
// answers exactly as an unknown one (404)". The handlers hold this
// themselves (ownedBy) as well as the store's GetOwned: on a store that
// returned another merchant's session, every endpoint still answers 404,
// as TestTenancyEveryEndpoint wants of a store that keeps the rule.
func TestHandlersHideAnotherMerchantsSessionThemselves(t *testing.T) {
	clock := storetest.NewClock(t0)
	st := storetest.NewMemory(session.DefaultPolicy, clock.Now)
	testTenancyEveryEndpoint(t, serveStore(t, tenancyBlindStore{st}, clock))
}
