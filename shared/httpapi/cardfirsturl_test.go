package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestCardInURLHostRefusedBeforeOtherRefusals: README, "a stored URL's
// Punycode host as a browser shows it (`https://xn--e4baaaaaaaaaaaaaa7a.example/`
// is `https://४१११११११११११११११.example/`) in the URL fields (`returnUrl`,
// `cancelUrl`, `actionUrl`; the same text in another string, a `metadata`
// value or `provider`, is not read as a URL)", and "a body refused for
// another reason too ... is `CARD_NUMBER_REFUSED`". The body scan that
// answers a refused body's card number (session.RefuseCardNumbers) read no
// URL field's host: such a returnUrl beside a lower-case currency, or an
// unknown member, was 400 VALIDATION_FAILED, where alone it is
// CARD_NUMBER_REFUSED (r92-review). The same host in metadata stays what
// the other refusal says.
func TestCardInURLHostRefusedBeforeOtherRefusals(t *testing.T) {
	clock := storetest.NewClock(t0)
	h := serveStore(t, storetest.NewMemory(session.DefaultPolicy, clock.Now), clock)
	const host = "https://xn--e4baaaaaaaaaaaaaa7a.example/"
	merchant := h.merchantToken("m1")
	id := h.create("m1", nil)
	for _, tt := range []struct {
		name, path, token, body, field string
	}{
		{"alone", "/sessions", merchant, `{"amount":1,"currency":"EUR","hosted":true,"returnUrl":"` + host + `","cancelUrl":"https://shop.example/c"}`, "returnUrl"},
		{"currency", "/sessions", merchant, `{"amount":1,"currency":"eur","returnUrl":"` + host + `"}`, "returnUrl"},
		{"unknown member", "/sessions", merchant, `{"amount":1,"currency":"EUR","cancelUrl":"` + host + `","note":1}`, "cancelUrl"},
		{"amount a string", "/sessions", merchant, `{"amount":"1","currency":"EUR","actionUrl":"` + host + `"}`, "actionUrl"},
		{"event status", "/sessions/" + id + "/events", h.processorToken(), `{"status":"NONE","actionUrl":"` + host + `"}`, "actionUrl"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := h.do("POST", tt.path, tt.token, tt.body)
			p := wantProblem(t, res, http.StatusBadRequest, session.ReasonCardNumber)
			if p["field"] != tt.field {
				t.Errorf("field %v, want %s", p["field"], tt.field)
			}
		})
	}
	// Not a URL field: the host is not read, and the other refusal stands.
	for _, body := range []string{
		`{"amount":1,"currency":"eur","metadata":{"u":"` + host + `"}}`,
		`{"amount":1,"currency":"eur","provider":{"returnUrl":"` + host + `"}}`,
		`{"amount":1,"currency":"EUR","returnUrlx":"` + host + `"}`,
	} {
		res := h.do("POST", "/sessions", merchant, body)
		wantProblem(t, res, http.StatusBadRequest, session.ReasonValidation)
	}
	res := h.do("POST", "/sessions/"+id+"/cancel", merchant, `{"returnUrl":"`+host+`"}`)
	wantProblem(t, res, http.StatusBadRequest, session.ReasonValidation)
}
