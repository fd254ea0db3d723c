package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/session"
)

// normalisedThenDecoded are card numbers that only a reader normalising a
// text to NFKC and then decoding it shows: README, Input, "the normalised
// text decoded again as a URL or JSON reader reads it when normalising
// makes a `%`, `\` or `+` the text did not hold (the full-width
// `％34111111111111111` is `%34111111111111111`, `4111＋1111＋1111＋1111`
// is `4111+1111+1111+1111`; ... also when a decoding makes one,
// `%EF%BC%8534111111111111111` or `\uff0534111111111111111`, within the
// three layers in all)". Releases before 2026-12-07 stored each (201 on
// both local servers, r106-cardcut).
var normalisedThenDecoded = []string{
	"\uff0534111111111111111",            // ％34…
	"\ufe6a34111111111111111",            // ﹪34…
	"\uff3cu0034111111111111111",         // ＼u0034…
	"4111\uff0b1111\uff0b1111\uff0b1111", // 4111＋1111＋…
	"4111\u207a1111\u207a1111\u207a1111", // ⁺
	"%EF%BC%8534111111111111111",         // ％ URL-encoded
	`\uff0534111111111111111`,            // ％ as a JSON escape
}

// TestNormalisedThenDecodedCardNumbersRefused: every input refuses them
// (400 CARD_NUMBER_REFUSED naming the field): a create's strings, member
// names and URLs, an event's, a cancel's reason, the Idempotency-Key and
// document 003's X-Merchant-Id headers. Before, each was stored (201,
// 200) or compared.
func TestNormalisedThenDecodedCardNumbersRefused(t *testing.T) {
	eachStore(t, testNormalisedThenDecodedCardNumbersRefused)
}

func testNormalisedThenDecodedCardNumbersRefused(t *testing.T, h *harness) {
	tok := h.merchantToken("m-1")
	id := h.create("m-1", nil)
	for _, pan := range normalisedThenDecoded {
		s, _ := json.Marshal(pan) // the value as a JSON string
		for _, tc := range []struct{ path, body, field string }{
			{"/sessions", `{"amount":1,"currency":"EUR","metadata":{"raw":` + string(s) + `}}`, "metadata.raw"},
			{"/sessions", `{"amount":1,"currency":"EUR","metadata":{` + string(s) + `:"v"}}`, "metadata"},
			{"/sessions", `{"amount":1,"currency":"EUR","orderId":` + string(s) + `}`, "orderId"},
			{"/sessions", `{"amount":1,"currency":"EUR","provider":{"raw":` + string(s) + `}}`, "provider.raw"},
			{"/sessions", `{"amount":1,"currency":"EUR","returnUrl":"https://shop.example/r?n=` + strings.Trim(string(s), `"`) + `"}`, "returnUrl"},
			{"/sessions/" + id + "/events", `{"status":"PROCESSING","resultData":{"raw":` + string(s) + `}}`, "resultData.raw"},
			{"/sessions/" + id + "/events", `{"status":"PROCESSING","provider":{"raw":` + string(s) + `}}`, "provider.raw"},
			{"/sessions/" + id + "/events", `{"status":"PROCESSING","reason":` + string(s) + `}`, "reason"},
			{"/sessions/" + id + "/cancel", `{"reason":` + string(s) + `}`, "reason"},
		} {
			token := tok
			if strings.HasSuffix(tc.path, "/events") {
				token = h.processorToken()
			}
			res := h.do("POST", tc.path, token, tc.body)
			if res.Code != http.StatusBadRequest {
				t.Errorf("POST %s %s = %d; want 400 %s", tc.path, tc.body, res.Code, session.ReasonCardNumber)
				continue
			}
			if p := wantProblem(t, res, 400, session.ReasonCardNumber); p["field"] != tc.field {
				t.Errorf("POST %s %s: field = %v; want %s", tc.path, tc.body, p["field"], tc.field)
			}
		}
		// Document 003's header is compared, never stored, yet refused as
		// any input is (dialects.go). The Idempotency-Key's alphabet
		// (ASCII letters, digits, - _ . :) holds none of these texts.
		res := h.do("GET", "/v1/checkout-sessions/"+id, h.token("m-1", auth.ScopeUser), nil, "X-Merchant-Id", pan)
		if res.Code != http.StatusBadRequest {
			t.Errorf("GET /v1/checkout-sessions/{id} with X-Merchant-Id %q = %d; want 400 %s", pan, res.Code, session.ReasonCardNumber)
		} else if p := wantProblem(t, res, 400, session.ReasonCardNumber); p["field"] != "X-Merchant-Id" {
			t.Errorf("GET /v1/checkout-sessions/{id} with X-Merchant-Id %q: field = %v; want X-Merchant-Id", pan, p["field"])
		}
	}
	if n := sessionsOfDay(t, h, "m-1"); n != 1 {
		t.Errorf("sessions stored: %d; want 1 (the one created for the cancel and events)", n)
	}
}

// TestSessionsStoredBeforeInputTightenedStillRead: a session a release
// before 2026-12-07 stored with such a text (its create and events took
// them) reads in every shape and takes a processor's SETTLED and a
// merchant's cancel, as README, Decisions, requires: "A release must not
// tighten what reads accept while items written under the looser rule
// live" (reads hold stored text to session.StoredHoldsCardNumber, the
// rule those releases held input to, until a release deployed once no
// item written before can be read: StoredHoldsCardNumber's doc). Holding
// reads to input's new rule made each 500.
func TestSessionsStoredBeforeInputTightenedStillRead(t *testing.T) {
	eachStore(t, testSessionsStoredBeforeInputTightenedStillRead)
}

func testSessionsStoredBeforeInputTightenedStillRead(t *testing.T, h *harness) {
	reads := sessionReads(h, h.apiKey("m-1", auth.ScopeSessionsRead))
	readAll := func(id, after string) {
		t.Helper()
		for _, r := range reads {
			want := http.StatusOK
			if r.name == "003" && after == "cancel" {
				want = http.StatusGone // document 003's answer for a canceled session
			}
			if res := r.do(id); res.Code != want {
				t.Errorf("after %s: %s of %s = %d %s; want %d", after, r.name, id, res.Code, res.Body, want)
			}
		}
		res := h.do("GET", "/pps/api/v1/session-record?createdDate="+h.clock.Now().UTC().Format(time.DateOnly), h.token("m-1", auth.ScopeSessionsRead), nil)
		if res.Code != http.StatusOK {
			t.Errorf("after %s: the day's list = %d %s; want 200", after, res.Code, res.Body)
		}
	}
	for _, pan := range normalisedThenDecoded {
		s, _ := json.Marshal(pan)
		amount := int64(8800)
		d := &session.Draft{
			Amount: &amount, Currency: "ZAR", OrderID: pan, TransactionID: pan, ShopBuyerID: pan,
			Metadata: map[string]string{"raw": pan, pan: "v"}, Provider: json.RawMessage(`{"raw":` + string(s) + `}`),
		}
		if !strings.Contains(pan, `\`) { // a URL holds no raw \: no release stored one
			d.ReturnURL = "https://shop.example/r?n=" + pan
		}
		settled, canceled := uuid.NewString(), uuid.NewString()
		for _, id := range []string{settled, canceled} {
			v := session.New(d, "m-1", id, "hcp-"+id, h.clock.Now(), session.DefaultPolicy)
			v.StatusReason = pan
			v.ResultData = map[string]string{"raw": pan}
			v.DeclineReasons = &session.DeclineReasons{Category: pan, Reasons: []string{pan}}
			h.seed(v)
			readAll(id, "seeded with "+pan)
		}
		res := h.do("POST", "/sessions/"+settled+"/events", h.processorToken(), `{"status":"SETTLED","eventId":"e-1"}`)
		if res.Code != http.StatusOK {
			t.Errorf("SETTLED of a session holding %q = %d %s; want 200", pan, res.Code, res.Body)
		}
		readAll(settled, "SETTLED")
		res = h.do("POST", "/sessions/"+canceled+"/cancel", h.merchantToken("m-1"), `{"reason":"customer left"}`)
		if res.Code != http.StatusOK {
			t.Errorf("cancel of a session holding %q = %d %s; want 200", pan, res.Code, res.Body)
		}
		readAll(canceled, "cancel")
	}
}
