package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestCardNumberRefusedBeforeOtherRefusals: README, "Card numbers are
// refused (400 `CARD_NUMBER_REFUSED`, naming the field, never echoing the
// value) anywhere in the input: body strings, member names and numbers at
// any depth", and docs/design.md §3, "wherever input is taken: body values
// and keys ... The answer is 400 `CARD_NUMBER_REFUSED`". A card number in
// a field whose value is refused for another reason too (a string where a
// number or boolean belongs, a number where a string belongs, an unknown
// member, a status or scope that is none, an expiresAt that is no time)
// was 400 VALIDATION_FAILED (r92-writes measured it on both local
// servers): refused all the same, but a client, or an alarm counting
// CARD_NUMBER_REFUSED to find a merchant sending card numbers, was told
// something else. The amount's own reading already judges a card number
// first ("not as a number past the amount's range or one with a
// fraction"); every other refusal of a parsed body now does too.
//
// So too README's "a stored URL's Punycode host as a browser shows it
// (`https://xn--e4baaaaaaaaaaaaaa7a.example/` is
// `https://४१११११११११११११११.example/`) in the URL fields (`returnUrl`,
// `cancelUrl`, `actionUrl`; the same text in another string, a `metadata`
// value or `provider`, is not read as a URL)": the body scan that answers a
// refused body's card number (session.RefuseCardNumbers) read no URL
// field's host, so such a returnUrl beside a lower-case currency, or an
// unknown member, was 400 VALIDATION_FAILED, where alone it is
// CARD_NUMBER_REFUSED (r92-review). The same host elsewhere stays what the
// other refusal says.
func TestCardNumberRefusedBeforeOtherRefusals(t *testing.T) {
	clock := storetest.NewClock(t0)
	h := serveStore(t, storetest.NewMemory(session.DefaultPolicy, clock.Now), clock)
	const card = "4111111111111111"
	const host = "https://xn--e4baaaaaaaaaaaaaa7a.example/" // ४१११११११११११११११ as a browser shows it
	merchant := h.merchantToken("m1")
	id := h.create("m1", nil)
	for _, tt := range []struct {
		name, method, path, token, body string
		field                           string // "": not checked
	}{
		{"amount a string", "POST", "/sessions", merchant, `{"amount":"` + card + `","currency":"EUR"}`, ""},
		{"hosted a string", "POST", "/sessions", merchant, `{"amount":1,"currency":"EUR","hosted":"4111 1111 1111 1111"}`, ""},
		{"metadata a string", "POST", "/sessions", merchant, `{"amount":1,"currency":"EUR","metadata":"` + card + `"}`, ""},
		{"card category a number", "POST", "/sessions", merchant, `{"amount":1,"currency":"EUR","cardCategories":[` + card + `]}`, ""},
		{"unknown member's name", "POST", "/sessions", merchant, `{"amount":1,"currency":"EUR","` + card + `":1}`, ""},
		{"unknown member's value", "POST", "/sessions", merchant, `{"amount":1,"currency":"EUR","note":"` + card + `"}`, ""},
		// One only a reader normalising then decoding shows, input's
		// rule since 2026-12-07 (r107-mutate: the scan held to reads'
		// rule answered it VALIDATION_FAILED).
		{"unknown member's value normalised then decoded", "POST", "/sessions", merchant, `{"amount":1,"currency":"EUR","note":"\uff0534111111111111111"}`, ""},
		{"unknown member's name normalised then decoded", "POST", "/sessions", merchant, `{"amount":1,"currency":"EUR","4111＋1111＋1111＋1111":1}`, ""},
		{"currency", "POST", "/sessions", merchant, `{"amount":1,"currency":"` + card + `"}`, ""},
		{"parentSessionId", "POST", "/sessions", merchant, `{"amount":1,"currency":"EUR","parentSessionId":"` + card + `"}`, ""},
		{"status", "POST", "/sessions/" + id + "/events", h.processorToken(), `{"status":"` + card + `"}`, ""},
		{"eventId a number", "POST", "/sessions/" + id + "/events", h.processorToken(), `{"status":"PROCESSING","eventId":` + card + `}`, ""},
		{"declineReasons a string", "POST", "/sessions/" + id + "/events", h.processorToken(), `{"status":"PROCESSING","declineReasons":"` + card + `"}`, ""},
		{"cancel reason a number", "POST", "/sessions/" + id + "/cancel", merchant, `{"reason":` + card + `}`, ""},
		{"key scope", "POST", "/api-keys", h.token("m1", "apikeys:write", "sessions:read"), `{"scopes":["` + card + `"]}`, ""},
		{"key expiresAt", "POST", "/api-keys", h.token("m1", "apikeys:write", "sessions:read"), `{"scopes":["sessions:read"],"expiresAt":"` + card + `"}`, ""},
		{"key expiresAt a number", "POST", "/api-keys", h.token("m1", "apikeys:write", "sessions:read"), `{"scopes":["sessions:read"],"expiresAt":` + card + `}`, ""},
		// A null where a string belongs (a metadata value, a card
		// category) is refused before the body is decoded
		// (refuseNullStrings); a card number beside it is still the
		// answer (r95-mutate: without it, 400 VALIDATION_FAILED naming
		// the null).
		{"metadata value null", "POST", "/sessions", merchant, `{"amount":1,"currency":"EUR","metadata":{"a":null},"orderId":"` + card + `"}`, ""},
		{"card category null", "POST", "/sessions", merchant, `{"amount":1,"currency":"EUR","orderId":"` + card + `","cardCategories":[null]}`, ""},
		{"URL host alone", "POST", "/sessions", merchant, `{"amount":1,"currency":"EUR","hosted":true,"returnUrl":"` + host + `","cancelUrl":"https://shop.example/c"}`, "returnUrl"},
		{"URL host, currency", "POST", "/sessions", merchant, `{"amount":1,"currency":"eur","returnUrl":"` + host + `"}`, "returnUrl"},
		{"URL host, unknown member", "POST", "/sessions", merchant, `{"amount":1,"currency":"EUR","cancelUrl":"` + host + `","note":1}`, "cancelUrl"},
		{"URL host, amount a string", "POST", "/sessions", merchant, `{"amount":"1","currency":"EUR","actionUrl":"` + host + `"}`, "actionUrl"},
		{"URL host, event status", "POST", "/sessions/" + id + "/events", h.processorToken(), `{"status":"NONE","actionUrl":"` + host + `"}`, "actionUrl"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := h.do(tt.method, tt.path, tt.token, tt.body)
			p := wantProblem(t, res, http.StatusBadRequest, session.ReasonCardNumber)
			// The detail and field, not the whole body: a version-4
			// request id's third group is 4xxx, and 4111 1 in 4096 times.
			if said := fmt.Sprint(p["detail"], " ", p["field"]); strings.Contains(said, "1111") {
				t.Errorf("the answer echoes the card number: %s", res.Body)
			}
			if tt.field != "" && p["field"] != tt.field {
				t.Errorf("field %v; want %s", p["field"], tt.field)
			}
		})
	}
	// Still refused as before when no card number is in the body, or the
	// Punycode host is in no URL field (not read as a URL there).
	for _, tt := range []struct{ path, body string }{
		{"/sessions", `{"amount":"12","currency":"EUR"}`},
		{"/sessions", `{"amount":1,"currency":"eur","metadata":{"u":"` + host + `"}}`},
		{"/sessions", `{"amount":1,"currency":"eur","provider":{"returnUrl":"` + host + `"}}`},
		{"/sessions", `{"amount":1,"currency":"EUR","returnUrlx":"` + host + `"}`},
		{"/sessions/" + id + "/cancel", `{"returnUrl":"` + host + `"}`},
	} {
		res := h.do("POST", tt.path, merchant, tt.body)
		wantProblem(t, res, http.StatusBadRequest, session.ReasonValidation)
	}
}
