package httpapi_test

import (
	"testing"

	"github.com/paysessions/paysessions/shared/auth"
)

// TestAbsentValuesThroughEndpoints holds the endpoints to what the
// documents show for a value a session does not have, as README says it:
// 000's "absent GUIDs are `null`"; 004's "absent or empty values `null`";
// 002's "The document's required fields are always present (`""`, `false`
// or `{}` when unset)"; and 001's history in its own words, a parent's
// creation included when a child moved it later ("Payment created.", not a
// child's text). The dialect package's tests hold its renderers; r90-mutate
// found three mutants of them (nullable writing "", an absent object as
// null, every reason of a parent read as its child's) that every handler
// test passed, since none read an absent value through an endpoint.
func TestAbsentValuesThroughEndpoints(t *testing.T) { eachStore(t, testAbsentValuesThroughEndpoints) }

func testAbsentValuesThroughEndpoints(t *testing.T, h *harness) {
	read := h.token("m-1", auth.ScopeSessionsRead)
	id := h.create("m-1", map[string]any{"amount": 100, "currency": "EUR"})

	v1 := h.do("GET", "/v1/session/"+id, read, nil).json(t)
	for _, field := range []string{"callGuid", "providerSessionGuid"} {
		if got, has := v1[field]; !has || got != nil {
			t.Errorf("000 %s: got %#v (present %v); want null", field, got, has)
		}
	}

	rec := h.do("GET", "/pps/api/v1/session-record/"+id, read, nil).json(t)
	for _, field := range []string{"transaction_id", "partner_transaction_id", "shop_buyer_id"} {
		if got, has := rec[field]; !has || got != nil {
			t.Errorf("004 %s: got %#v (present %v); want null", field, got, has)
		}
	}
	if dr, ok := rec["decline_reasons"].(map[string]any); !ok || dr["category"] != nil {
		t.Errorf("004 decline_reasons: got %#v; want an object with category null", rec["decline_reasons"])
	}

	ps := h.do("GET", "/payment-sessions/"+id, "", nil, "X-Api-Key", h.apiKey("m-1", auth.ScopeSessionsRead)).json(t)
	for _, field := range []string{"provider", "metadata"} {
		if got, ok := ps[field].(map[string]any); !ok || len(got) != 0 {
			t.Errorf("002 %s: got %#v; want {}", field, ps[field])
		}
	}
	for field, want := range map[string]any{"orderId": "", "paymentProvider": "", "savePaymentProfile": false, "hosted": false} {
		if got, has := ps[field]; !has || got != want {
			t.Errorf("002 %s: got %#v (present %v); want %#v", field, got, has, want)
		}
	}

	// A parent its child moved: its creation still reads in 001's words,
	// and a processor's own reason is "shown as given".
	parent := h.create("m-1", map[string]any{"amount": 100, "currency": "EUR"})
	const given = "Awaiting the shopper."
	if res := h.do("POST", "/sessions/"+parent+"/events", h.processorToken(), map[string]any{"status": "PROCESSING", "reason": given}); res.Code != 200 {
		t.Fatalf("parent PROCESSING: %d %s", res.Code, res.Body)
	}
	child := h.create("m-1", map[string]any{"amount": 100, "currency": "EUR", "parentSessionId": parent})
	if res := h.do("POST", "/sessions/"+child+"/events", h.processorToken(), map[string]any{"status": "AUTHORISED"}); res.Code != 200 {
		t.Fatalf("child AUTHORISED: %d %s", res.Code, res.Body)
	}
	ps1 := h.do("GET", "/v2.0/payments/"+parent+"/status", h.token("m-1", auth.ScopePaymentRead), nil).json(t)
	data, _ := ps1["data"].(map[string]any)
	history, _ := data["history"].([]any)
	if len(history) != 3 {
		t.Fatalf("001 parent history: got %v; want its creation, the processor's change and its child's authorisation", data["history"])
	}
	for i, want := range []string{"Payment created.", given} {
		if got := history[i].(map[string]any)["statusReason"]; got != want {
			t.Errorf("001 parent history[%d].statusReason: got %v; want %q", i, got, want)
		}
	}
	want := "Payment status updated to Authorised by its child payment " + child + "."
	if got := history[len(history)-1].(map[string]any)["statusReason"]; got != want {
		t.Errorf("001 parent's last statusReason: got %v; want %q", got, want)
	}
}
