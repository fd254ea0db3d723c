package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/session"
)

// The input hardening of issue 11 (items 1, 2, 6 and 7), through the whole
// stack: what a request body, a header or a path may hold, and what reaches
// the store and the logs.

// sessionsOfDay counts merchant's sessions of t0's day (document 004's
// list), to prove a refused create stored nothing.
func sessionsOfDay(t *testing.T, h *harness, merchant string) int {
	t.Helper()
	res := h.do("GET", "/pps/api/v1/session-record?createdDate=2026-11-23", h.token(merchant, auth.ScopeSessionsRead), nil)
	if res.Code != http.StatusOK {
		t.Fatalf("list = %d %s; want 200", res.Code, res.Body)
	}
	var list []any
	if err := json.Unmarshal(res.Body.Bytes(), &list); err != nil {
		t.Fatalf("list %s: %v", res.Body, err)
	}
	return len(list)
}

// TestDuplicateNamesRefused: "POST /sessions with
// {"amount":1,"currency":"EUR","provider":{"pan":"4111111111111111","pan":"ok"}}
// answers 201 and the raw bytes are stored and served back ... Same through
// a processor event. Refuse duplicate keys ANYWHERE in a request body (400
// naming the field)".
func TestDuplicateNamesRefused(t *testing.T) { eachStore(t, testDuplicateNamesRefused) }

func testDuplicateNamesRefused(t *testing.T, h *harness) {
	tok := h.merchantToken("m-1")
	creates := []struct{ body, field string }{
		{`{"amount":1,"currency":"EUR","provider":{"pan":"4111111111111111","pan":"ok"}}`, "provider.pan"},
		{`{"amount":1,"currency":"EUR","appearance":{"pan":"4111111111111111","pan":"ok"}}`, "appearance.pan"},
		{`{"amount":1,"currency":"EUR","paymentMethodDetails":{"card":{"number":"4111111111111111","number":"x"}}}`, "paymentMethodDetails.card.number"},
		{`{"amount":1,"currency":"EUR","provider":{"a":[{"pan":"4111111111111111","pan":"ok"}]}}`, "provider.a[0].pan"},
		{`{"amount":1,"currency":"EUR","metadata":{"note":"4111 1111 1111 1111","note":"ok"}}`, "metadata.note"},
		{`{"amount":1,"currency":"EUR","orderId":"4111111111111111","orderId":"o-1"}`, "orderId"},
		{`{"amount":4111111111111111,"amount":1,"currency":"EUR"}`, "amount"},
		{`{"amount":1,"currency":"EUR","provider":{"4111111111111111":"x","4111111111111111":"y"}}`, "provider"}, // a name that is a card number is not named
		// The same name in another spelling is the same name: a check that
		// compared names as written would let the card number through.
		{`{"amount":1,"currency":"EUR","orderId":"4111111111111111","order\u0049d":"o-1"}`, "orderId"},
		{`{"amount":1,"currency":"EUR","metadata":{"p\u0061n":"4111111111111111","pan":"ok"}}`, "metadata.pan"},
	}
	for _, tt := range creates {
		res := h.do("POST", "/sessions", tok, tt.body)
		p := wantProblem(t, res, http.StatusBadRequest, session.ReasonMalformedJSON)
		if p["field"] != tt.field {
			t.Errorf("create %s: field = %v; want %s", tt.body, p["field"], tt.field)
		}
		if strings.Contains(res.Body.String(), "4111111111111111") {
			t.Errorf("create %s: the refusal echoes the card number: %s", tt.body, res.Body)
		}
	}
	if n := sessionsOfDay(t, h, "m-1"); n != 0 {
		t.Errorf("sessions stored by the refused creates: %d; want 0", n)
	}

	id := h.create("m-1", nil)
	events := []struct{ body, field string }{
		{`{"status":"PROCESSING","provider":{"pan":"4111111111111111","pan":"ok"}}`, "provider.pan"},
		{`{"status":"PROCESSING","paymentMethodDetails":{"pan":"4111111111111111","pan":"ok"}}`, "paymentMethodDetails.pan"},
		{`{"status":"PROCESSING","resultData":{"pan":"4111111111111111","pan":"ok"}}`, "resultData.pan"},
		{`{"status":"FAILED","declineReasons":{"category":"4111111111111111","category":"c"}}`, "declineReasons.category"},
		{`{"status":"AUTHORISED","status":"PROCESSING"}`, "status"},
		{`{"status":"PROCESSING","resultData":{"pan":"4111111111111111","p\u0061n":"ok"}}`, "resultData.pan"},
		{`{"status":"FAILED","declineReasons":{"category":"4111111111111111","c\u0061tegory":"c"}}`, "declineReasons.category"},
	}
	for _, tt := range events {
		res := h.do("POST", "/sessions/"+id+"/events", h.processorToken(), tt.body)
		p := wantProblem(t, res, http.StatusBadRequest, session.ReasonMalformedJSON)
		if p["field"] != tt.field {
			t.Errorf("event %s: field = %v; want %s", tt.body, p["field"], tt.field)
		}
	}
	v, err := h.st.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != session.Created || len(v.History) != 1 || v.Provider != nil || v.ResultData != nil {
		t.Errorf("session after the refused events: status %s, %d history entries, provider %s, resultData %v; want it untouched", v.Status, len(v.History), v.Provider, v.ResultData)
	}
}

// TestNumbersJudgedByValue: "Numbers are judged by value:
// {"pan":4.111111111111111e15} is a card number".
func TestNumbersJudgedByValue(t *testing.T) { eachStore(t, testNumbersJudgedByValue) }

func testNumbersJudgedByValue(t *testing.T, h *harness) {
	tok := h.merchantToken("m-1")
	for _, n := range []string{
		"4111111111111111", "4.111111111111111e15", "4.111111111111111E+15", "41111111111111110e-1",
		"4111111111111111.0", "4111111111111111.000", "0.4111111111111111e16", "-4111111111111111",
	} {
		body := `{"amount":1,"currency":"EUR","provider":{"pan":` + n + `}}`
		p := wantProblem(t, h.do("POST", "/sessions", tok, body), http.StatusBadRequest, session.ReasonCardNumber)
		if p["field"] != "provider.pan" {
			t.Errorf("pan %s: field = %v; want provider.pan", n, p["field"])
		}
		res := h.do("POST", "/sessions/"+h.create("m-1", nil)+"/events", h.processorToken(), `{"status":"PROCESSING","paymentMethodDetails":{"n":[`+n+`]}}`)
		if p := wantProblem(t, res, http.StatusBadRequest, session.ReasonCardNumber); p["field"] != "paymentMethodDetails.n[0]" {
			t.Errorf("event number %s: field = %v; want paymentMethodDetails.n[0]", n, p["field"])
		}
	}
	// The amount is a number like any other: README's card numbers "are
	// refused (400 `CARD_NUMBER_REFUSED`, naming the field, never echoing
	// the value) anywhere in the input: body strings, member names and
	// numbers at any depth, the amount". A 16- to 19-digit card number is
	// also past the amount's range, and a spelling with a fraction or an
	// exponent is no integer; neither refusal may come first.
	for _, n := range []string{
		"4222222222222", "4111111111111111", "6011111111111117", "4111111111111111.0",
		"4.111111111111111e15", "-4111111111111111", "4111111111111111110", "4111111111111110.99999999",
	} {
		body := `{"amount":` + n + `,"currency":"EUR"}`
		if p := wantProblem(t, h.do("POST", "/sessions", tok, body), http.StatusBadRequest, session.ReasonCardNumber); p["field"] != "amount" {
			t.Errorf("amount %s: field = %v; want amount", n, p["field"])
		}
	}
	// The same digits that are no card number, and ordinary numbers, pass.
	for _, n := range []string{"4111111111111112", "4.111111111111112e15", "1.0834", "-0", "1e15", "8800"} {
		if res := h.do("POST", "/sessions", tok, `{"amount":1,"currency":"EUR","provider":{"n":`+n+`}}`); res.Code != http.StatusCreated {
			t.Errorf("provider number %s: %d %s; want 201", n, res.Code, res.Body)
		}
	}
}

// TestStoredIsWhatWasChecked: the free-form objects are stored as the
// re-encoding of the tokens the guard judged (escapes written out,
// whitespace dropped, member order and number literals kept), and served
// back so.
func TestStoredIsWhatWasChecked(t *testing.T) { eachStore(t, testStoredIsWhatWasChecked) }

func testStoredIsWhatWasChecked(t *testing.T, h *harness) {
	body := "{\"amount\":1,\"currency\":\"EUR\",\"provider\": { \"b\" : \"x\\u0041\\/\" ,\n \"n\": [1.50, -0, 1E+2], \"z\": {\"c\":null}}}"
	res := h.do("POST", "/sessions", h.merchantToken("m-1"), body)
	if res.Code != http.StatusCreated {
		t.Fatalf("create = %d %s; want 201", res.Code, res.Body)
	}
	const want = `{"b":"xA/","n":[1.50,-0,1E+2],"z":{"c":null}}`
	var created struct {
		ID       string          `json:"id"`
		Provider json.RawMessage `json:"provider"`
	}
	if err := json.Unmarshal(res.Body.Bytes(), &created); err != nil {
		t.Fatal(err)
	}
	if string(created.Provider) != want {
		t.Errorf("provider served = %s; want %s", created.Provider, want)
	}
	v, err := h.st.Get(context.Background(), created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if string(v.Provider) != want {
		t.Errorf("provider stored = %s; want %s", v.Provider, want)
	}
}

// TestCardNumberFormsRefused: "card numbers in common written forms pass
// the guard: with an expiry ..., with a CVV ..., -2028 appended, separated
// by dots, slashes, underscores, double or no-break spaces, in full-width or
// Arabic-Indic digits; an Idempotency-Key of 4111.1111.1111.1111."
func TestCardNumberFormsRefused(t *testing.T) { eachStore(t, testCardNumberFormsRefused) }

func testCardNumberFormsRefused(t *testing.T, h *harness) {
	tok := h.merchantToken("m-1")
	for _, pan := range []string{
		"4111 1111 1111 1111 12/28", "4111 1111 1111 1111 123", "4111111111111111-2028", "4111.1111.1111.1111",
		"4111/1111/1111/1111", "4111_1111_1111_1111", "4111  1111  1111  1111", "4111\u00a01111\u00a01111\u00a01111",
		"４１１１ １１１１ １１１１ １１１１", "٤١١١١١١١١١١١١١١١",
		"4\ufe0f\u20e31\ufe0f\u20e31\ufe0f\u20e31\ufe0f\u20e31111 1111 1111", "4111\u034f1111\u034f1111\u034f1111", "④①①① ①①①① ①①①① ①①①①", // keycap digits; invisible joiners; circled digits
		"❹❶❶❶ ❶❶❶❶ ❶❶❶❶ ❶❶❶❶", "⓸⓵⓵⓵⓵⓵⓵⓵⓵⓵⓵⓵⓵⓵⓵⓵", "➏🄌➊➊🄌🄌🄌➒➒🄌➊➌➒➍➋➍", // circled digits with no decomposition
	} {
		body := map[string]any{"amount": 1, "currency": "EUR", "metadata": map[string]string{"note": pan}}
		if p := wantProblem(t, h.do("POST", "/sessions", tok, body), 400, session.ReasonCardNumber); p["field"] != "metadata.note" {
			t.Errorf("metadata %q: field = %v; want metadata.note", pan, p["field"])
		}
		body = map[string]any{"amount": 1, "currency": "EUR", "orderId": pan}
		if p := wantProblem(t, h.do("POST", "/sessions", tok, body), 400, session.ReasonCardNumber); p["field"] != "orderId" {
			t.Errorf("orderId %q: field = %v; want orderId", pan, p["field"])
		}
	}
	for _, key := range []string{"4111.1111.1111.1111", "4111_1111_1111_1111", "4111111111111111-2028", "4111.1111.1111.1111.12.28"} {
		res := h.do("POST", "/sessions", tok, map[string]any{"amount": 1, "currency": "EUR"}, httpapi.HeaderIdempotencyKey, key)
		if p := wantProblem(t, res, 400, session.ReasonCardNumber); p["field"] != httpapi.HeaderIdempotencyKey {
			t.Errorf("Idempotency-Key %q: field = %v; want %s", key, p["field"], httpapi.HeaderIdempotencyKey)
		}
	}
	id := h.create("m-1", nil)
	res := h.do("POST", "/sessions/"+id+"/events", h.processorToken(), map[string]any{"status": "PROCESSING", "reason": "card 4111_1111_1111_1111 exp 12/28"})
	if p := wantProblem(t, res, 400, session.ReasonCardNumber); p["field"] != "reason" {
		t.Errorf("event reason: field = %v; want reason", p["field"])
	}
	// A merchant id (from the token) in a written form is refused too.
	odd := h.iss.MustMint(devtoken.Claims{MerchantID: "4111.1111.1111.1111", Scopes: []string{auth.ScopeSessionsWrite}})
	wantProblem(t, h.do("POST", "/sessions", odd, map[string]any{"amount": 1, "currency": "EUR"}), 401, session.ReasonUnauthenticated)
	if n := sessionsOfDay(t, h, "m-1"); n != 1 {
		t.Errorf("sessions stored: %d; want 1 (the one created for the event)", n)
	}
}

// TestCardNumbersOverLinesRefused: "No card number is accepted anywhere
// in a request". A number pasted over several lines or typed with tab
// stops is one: tabs and line breaks (which a free-form object may hold)
// and U+2028/U+2029 (which any string may hold) separate its groups as a
// space does. Before, each of these was stored (201/200) and a path
// holding one was logged as sent.
func TestCardNumbersOverLinesRefused(t *testing.T) { eachStore(t, testCardNumbersOverLinesRefused) }

func testCardNumbersOverLinesRefused(t *testing.T, h *harness) {
	tok := h.merchantToken("m-1")
	for _, sep := range []string{`\t`, `\n`, `\r\n`, `\u000b`, `\f`, `\u0085`, `\u2028`, `\u2029`} {
		pan := "4111" + sep + "1111" + sep + "1111" + sep + "1111"
		for _, obj := range []string{"provider", "paymentMethodDetails", "appearance"} {
			body := `{"amount":1,"currency":"EUR","` + obj + `":{"note":"` + pan + `"}}`
			if p := wantProblem(t, h.do("POST", "/sessions", tok, body), 400, session.ReasonCardNumber); p["field"] != obj+".note" {
				t.Errorf("%s %q: field = %v; want %s.note", obj, pan, p["field"], obj)
			}
		}
	}
	id := h.create("m-1", nil)
	for _, sep := range []string{`\u2028`, `\u2029`} {
		pan := "4111" + sep + "1111" + sep + "1111" + sep + "1111"
		wantProblem(t, h.do("POST", "/sessions", tok, `{"amount":1,"currency":"EUR","orderId":"`+pan+`"}`), 400, session.ReasonCardNumber)
		wantProblem(t, h.do("POST", "/sessions", tok, `{"amount":1,"currency":"EUR","metadata":{"note":"`+pan+`"}}`), 400, session.ReasonCardNumber)
		wantProblem(t, h.do("POST", "/sessions/"+id+"/cancel", tok, `{"reason":"`+pan+`"}`), 400, session.ReasonCardNumber)
		wantProblem(t, h.do("POST", "/sessions/"+id+"/events", h.processorToken(),
			`{"status":"PROCESSING","resultData":{"note":"`+pan+`"}}`), 400, session.ReasonCardNumber)
	}
	if n := sessionsOfDay(t, h, "m-1"); n != 1 {
		t.Errorf("sessions stored: %d; want 1 (the one created for the cancel and event)", n)
	}
	for _, path := range []string{`/sessions/4111\t1111\t1111\t1111`, `/sessions/4111\u20281111\u20281111\u20281111`} {
		var decoded string
		if err := json.Unmarshal([]byte(`"`+path+`"`), &decoded); err != nil {
			t.Fatal(err)
		}
		if line := h.requestLogLine(t, "GET", decoded, tok); line["path"] != "/sessions/[redacted]" {
			t.Errorf("GET %q logged path %q; want /sessions/[redacted]", decoded, line["path"])
		}
	}
}

// TestCardNumbersWithControlSeparatorsRefused: docs/design.md §3, "No card
// numbers, ever", "wherever input is taken: body values and keys". A
// control character that is no white space (U+0001, the information
// separators U+001C-U+001F that payment messages use between fields, DEL,
// the C1 controls) shows nothing between digit groups, as a zero-width
// space does. A field of text refuses control characters, but the
// free-form objects take them: before, provider {"x":"4111\u001f1111\u001f1111\u001f1111"}
// was stored (201) and shown back by document 002, and a path holding such
// a number (a %01 API Gateway decodes) was logged as sent.
func TestCardNumbersWithControlSeparatorsRefused(t *testing.T) {
	eachStore(t, testCardNumbersWithControlSeparatorsRefused)
}

func testCardNumbersWithControlSeparatorsRefused(t *testing.T, h *harness) {
	tok := h.merchantToken("m-1")
	id := h.create("m-1", nil)
	for _, sep := range []string{`\u0001`, `\u001c`, `\u001d`, `\u001e`, `\u001f`, `\u007f`, `\u0080`, `\u009f`} {
		pan := "4111" + sep + "1111" + sep + "1111" + sep + "1111"
		var decoded string
		if err := json.Unmarshal([]byte(`"/sessions/`+pan+`"`), &decoded); err != nil {
			t.Fatal(err)
		}
		if line := h.requestLogLine(t, "GET", decoded, tok); line["path"] != "/sessions/[redacted]" {
			t.Errorf("GET %q logged path %q; want /sessions/[redacted]", decoded, line["path"])
		}
		for _, tt := range []struct{ body, field string }{
			{`{"amount":1,"currency":"EUR","provider":{"note":"` + pan + `"}}`, "provider.note"},
			{`{"amount":1,"currency":"EUR","paymentMethodDetails":{"note":["` + pan + `"]}}`, "paymentMethodDetails.note[0]"},
			{`{"amount":1,"currency":"EUR","appearance":{"` + pan + `":1}}`, "appearance"},
		} {
			if p := wantProblem(t, h.do("POST", "/sessions", tok, tt.body), http.StatusBadRequest, session.ReasonCardNumber); p["field"] != tt.field {
				t.Errorf("create %s: field = %v; want %s", tt.body, p["field"], tt.field)
			}
		}
		body := `{"status":"PROCESSING","provider":{"note":"` + pan + `"}}`
		if p := wantProblem(t, h.do("POST", "/sessions/"+id+"/events", h.processorToken(), body), http.StatusBadRequest, session.ReasonCardNumber); p["field"] != "provider.note" {
			t.Errorf("event %s: field = %v; want provider.note", body, p["field"])
		}
	}
	if n := sessionsOfDay(t, h, "m-1"); n != 1 {
		t.Errorf("sessions stored: %d; want 1 (the one created for the events)", n)
	}
	res := h.do("GET", "/sessions/"+id, tok, nil)
	if res.Code != http.StatusOK || res.json(t)["status"] != "CREATED" {
		t.Errorf("GET after the refused writes = %d %s; want 200 CREATED", res.Code, res.Body)
	}
}

// TestCardNumbersWithInvisibleGapsRefused: docs/design.md §3, a candidate
// is "found inside any run of digits and separators (white space of any
// kind, line breaks and tabs included, dashes, dots, slashes, underscores,
// zero-width and other invisible control characters ...)". Four zero-width spaces, soft hyphens or word
// joiners between the groups show nothing: a reader sees
// 4111111111111111. A number over lines with a blank line between its
// groups, written CR LF, is two line breaks per gap. Before, each of these
// was stored (201/200) and, in a path, logged as sent: they were counted as
// four separators, one more than a run allows.
func TestCardNumbersWithInvisibleGapsRefused(t *testing.T) {
	eachStore(t, testCardNumbersWithInvisibleGapsRefused)
}

func testCardNumbersWithInvisibleGapsRefused(t *testing.T, h *harness) {
	tok := h.merchantToken("m-1")
	id := h.create("m-1", nil)
	for _, gap := range []string{`\u200b\u200b\u200b\u200b`, `\u00ad\u00ad\u00ad\u00ad`, ` \u2060\u2060 `, `\ufeff\u200c\u200d\u2063`, `\r\n\r\n`} {
		pan := "4111" + gap + "1111" + gap + "1111" + gap + "1111"
		// A line break is a control character, which a field of text
		// refuses for that (VALIDATION_FAILED) before the card guard
		// judges it; the maps and free-form objects take them.
		lines := strings.Contains(gap, `\n`)
		creates := []struct {
			body, field string
			text        bool
		}{
			{`{"amount":1,"currency":"EUR","orderId":"` + pan + `"}`, "orderId", true},
			{`{"amount":1,"currency":"EUR","metadata":{"note":"` + pan + `"}}`, "metadata.note", false},
			{`{"amount":1,"currency":"EUR","metadata":{"` + pan + `":"x"}}`, "metadata", false},
			{`{"amount":1,"currency":"EUR","provider":{"note":"` + pan + `"}}`, "provider.note", false},
			{`{"amount":1,"currency":"EUR","appearance":{"` + pan + `":1}}`, "appearance", false},
			{`{"amount":1,"currency":"EUR","cardCategories":["` + pan + `"]}`, "cardCategories[0]", true},
		}
		for _, tt := range creates {
			if lines && tt.text {
				continue
			}
			p := wantProblem(t, h.do("POST", "/sessions", tok, tt.body), http.StatusBadRequest, session.ReasonCardNumber)
			if p["field"] != tt.field {
				t.Errorf("create %s: field = %v; want %s", tt.body, p["field"], tt.field)
			}
		}
		events := []struct {
			body, field string
			text        bool
		}{
			{`{"status":"PROCESSING","eventId":"` + pan + `"}`, "eventId", true},
			{`{"status":"PROCESSING","reason":"` + pan + `"}`, "reason", true},
			{`{"status":"PROCESSING","transactionId":"` + pan + `"}`, "transactionId", true},
			{`{"status":"PROCESSING","resultData":{"note":"` + pan + `"}}`, "resultData.note", false},
			{`{"status":"PROCESSING","paymentMethodDetails":{"a":["` + pan + `"]}}`, "paymentMethodDetails.a[0]", false},
			{`{"status":"FAILED","declineReasons":{"category":"x","reasons":["` + pan + `"]}}`, "declineReasons.reasons[0]", true},
		}
		for _, tt := range events {
			if lines && tt.text {
				continue
			}
			p := wantProblem(t, h.do("POST", "/sessions/"+id+"/events", h.processorToken(), tt.body), http.StatusBadRequest, session.ReasonCardNumber)
			if p["field"] != tt.field {
				t.Errorf("event %s: field = %v; want %s", tt.body, p["field"], tt.field)
			}
		}
		if lines {
			continue
		}
		if p := wantProblem(t, h.do("POST", "/sessions/"+id+"/cancel", tok, `{"reason":"`+pan+`"}`), http.StatusBadRequest, session.ReasonCardNumber); p["field"] != "reason" {
			t.Errorf("cancel: field = %v; want reason", p["field"])
		}
		var decoded string
		if err := json.Unmarshal([]byte(`"/sessions/`+pan+`"`), &decoded); err != nil {
			t.Fatal(err)
		}
		if line := h.requestLogLine(t, "GET", decoded, tok); line["path"] != "/sessions/[redacted]" {
			t.Errorf("GET %q logged path %q; want /sessions/[redacted]", decoded, line["path"])
		}
	}
	if n := sessionsOfDay(t, h, "m-1"); n != 1 {
		t.Errorf("sessions stored: %d; want 1 (the one created for the events and cancel)", n)
	}
	res := h.do("GET", "/sessions/"+id, tok, nil)
	if res.Code != http.StatusOK || res.json(t)["status"] != "CREATED" {
		t.Errorf("GET after the refused writes = %d %s; want 200 CREATED", res.Code, res.Body)
	}
}

// TestIdentifiersPass: "Ordinary identifiers must still pass:
// 20220211-0013-0000-0382 (document 001's transactionId),
// ORD-2026-11-29-000123, phone numbers, invoice numbers, UUIDs, ISO
// timestamps."
func TestIdentifiersPass(t *testing.T) { eachStore(t, testIdentifiersPass) }

func testIdentifiersPass(t *testing.T, h *harness) {
	res := h.do("POST", "/sessions", h.merchantToken("m-1"), map[string]any{
		"amount": 8800, "currency": "ZAR", "orderId": "ORD-2026-11-29-000123", "transactionId": "20220211-0013-0000-0382",
		"callGuid": "c97f86c0-4586-4ba6-adc7-e0072f7f1601",
		"metadata": map[string]string{
			"phone": "+49 1512 3456787", "phone2": "+62 812 3456 7808", "invoice": "INV-2026-000123",
			"at": "2022-02-11T04:51:50.5803212+00:00", "masked": "411111******1111",
		},
		"provider": map[string]any{"reference": "5193857291616388004008", "ref": "0123456789098760"},
	}, httpapi.HeaderIdempotencyKey, "2026-11-29.000123")
	if res.Code != http.StatusCreated {
		t.Fatalf("create with identifiers = %d %s; want 201", res.Code, res.Body)
	}
	id := res.json(t)["id"].(string)
	ev := h.do("POST", "/sessions/"+id+"/events", h.processorToken(), map[string]any{
		"status": "AUTHORISED", "transactionId": "20220211-0013-0000-0382", "eventId": "2026-11-29T10:00:00Z/000123",
	})
	if ev.Code != http.StatusOK {
		t.Errorf("event with identifiers = %d %s; want 200", ev.Code, ev.Body)
	}
}

// TestJSONProfile: "Refuse: JSON nested deeper than 32 levels; numbers out
// of float64 range (1e999999); \u0000 anywhere; an escaped lone surrogate
// ("\ud800" silently becomes U+FFFD today); field names that differ in case
// from the schema ({"AMOUNT":5} is accepted today)".
func TestJSONProfile(t *testing.T) { eachStore(t, testJSONProfile) }

func testJSONProfile(t *testing.T, h *harness) {
	tok := h.merchantToken("m-1")
	nest := func(levels int) string { // the body's object is level 1
		return `{"amount":1,"currency":"EUR","provider":` + strings.Repeat(`{"a":`, levels-2) + `{}` + strings.Repeat("}", levels-2) + `}`
	}
	tests := []struct {
		name, body  string
		status      int
		code, field string
	}{
		{"32 levels", nest(32), 201, "", ""},
		{"33 levels", nest(33), 400, session.ReasonMalformedJSON, "provider" + strings.Repeat(".a", 31)},
		{"10000 levels", `{"provider":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`, 400, session.ReasonMalformedJSON, "provider" + strings.Repeat("[0]", 31)},
		{"1e999999", `{"amount":1,"currency":"EUR","provider":{"n":1e999999}}`, 400, session.ReasonMalformedJSON, "provider.n"},
		{"-1e999999", `{"amount":1,"currency":"EUR","metadata":{},"provider":{"n":[-1e999999]}}`, 400, session.ReasonMalformedJSON, "provider.n[0]"},
		{"1e-999999", `{"amount":1,"currency":"EUR","provider":{"n":1e-999999}}`, 400, session.ReasonMalformedJSON, "provider.n"},
		{"amount 1e999999", `{"amount":1e999999,"currency":"EUR"}`, 400, session.ReasonMalformedJSON, "amount"},
		{"largest float", `{"amount":1,"currency":"EUR","provider":{"n":1.7976931348623157e308,"m":5e-324}}`, 201, "", ""},
		{"U+0000 in provider", `{"amount":1,"currency":"EUR","provider":{"a":"x\u0000"}}`, 400, session.ReasonMalformedJSON, "provider.a"},
		{"U+0000 in a name", `{"amount":1,"currency":"EUR","provider":{"a\u0000":"x"}}`, 400, session.ReasonMalformedJSON, "provider"},
		{"U+0000 in orderId", `{"amount":1,"currency":"EUR","orderId":"\u0000"}`, 400, session.ReasonMalformedJSON, "orderId"},
		{"lone high surrogate", `{"amount":1,"currency":"EUR","orderId":"\ud800"}`, 400, session.ReasonMalformedJSON, "orderId"},
		{"lone low surrogate", `{"amount":1,"currency":"EUR","provider":{"a":"\udc00x"}}`, 400, session.ReasonMalformedJSON, "provider.a"},
		{"reversed pair", `{"amount":1,"currency":"EUR","metadata":{"k":"\ude00\ud83d"}}`, 400, session.ReasonMalformedJSON, "metadata.k"},
		{"surrogate pair", `{"amount":1,"currency":"EUR","orderId":"\ud83d\ude00"}`, 201, "", ""},
		// README, Decisions: "exactly one JSON object in UTF-8, I-JSON (RFC
		// 7493)"; RFC 7493 §2.1: member names and strings "MUST NOT include
		// code points that identify Surrogates or Noncharacters".
		{"noncharacter U+FFFF escaped", `{"amount":1,"currency":"EUR","orderId":"a\uffffb"}`, 400, session.ReasonMalformedJSON, "orderId"},
		{"noncharacter U+FFFE raw", "{\"amount\":1,\"currency\":\"EUR\",\"metadata\":{\"k\":\"\xef\xbf\xbe\"}}", 400, session.ReasonMalformedJSON, "metadata.k"},
		{"noncharacter U+FDD0 in a name", `{"amount":1,"currency":"EUR","provider":{"a\ufdd0":"x"}}`, 400, session.ReasonMalformedJSON, "provider"},
		{"noncharacter U+10FFFF as a pair", `{"amount":1,"currency":"EUR","provider":{"a":["\udbff\udfff"]}}`, 400, session.ReasonMalformedJSON, "provider.a[0]"},
		{"noncharacter U+1FFFE raw", "{\"amount\":1,\"currency\":\"EUR\",\"orderId\":\"\xf0\x9f\xbf\xbe\"}", 400, session.ReasonMalformedJSON, "orderId"},
		{"U+FDCF and U+FDF0 beside the block", `{"amount":1,"currency":"EUR","orderId":"\ufdcf\ufdf0\ufffd"}`, 201, "", ""},
		{"AMOUNT", `{"AMOUNT":5,"currency":"EUR"}`, 400, session.ReasonValidation, "AMOUNT"},
		{"Amount beside amount", `{"amount":1,"Amount":5,"currency":"EUR"}`, 400, session.ReasonValidation, "Amount"},
		{"orderID", `{"amount":1,"currency":"EUR","orderID":"o-1"}`, 400, session.ReasonValidation, "orderID"},
		{"invalid UTF-8", "{\"amount\":1,\"currency\":\"EUR\",\"orderId\":\"\xff\"}", 400, session.ReasonMalformedJSON, "orderId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := h.do("POST", "/sessions", tok, tt.body)
			if tt.status == 201 {
				if res.Code != 201 {
					t.Fatalf("status = %d %s; want 201", res.Code, res.Body)
				}
				return
			}
			if p := wantProblem(t, res, tt.status, tt.code); p["field"] != tt.field {
				t.Errorf("field = %v; want %s", p["field"], tt.field)
			}
		})
	}
	// The case of an event's names matters as well.
	id := h.create("m-1", nil)
	res := h.do("POST", "/sessions/"+id+"/events", h.processorToken(), `{"Status":"AUTHORISED"}`)
	if p := wantProblem(t, res, 400, session.ReasonValidation); p["field"] != "Status" {
		t.Errorf("event {\"Status\"}: field = %v; want Status", p["field"])
	}
}

// TestContentType: "a Content-Type other than application/json with an
// optional charset=utf-8 → 415". A body without a Content-Type is 415 too;
// an empty body (an optional one, as a cancel's) needs none.
func TestContentType(t *testing.T) { eachStore(t, testContentType) }

func testContentType(t *testing.T, h *harness) {
	tok := h.merchantToken("m-1")
	const body = `{"amount":1,"currency":"EUR"}`
	for _, tt := range []struct {
		types  []string // nil: no Content-Type
		status int
	}{
		{[]string{"application/json"}, 201},
		{[]string{"application/json; charset=utf-8"}, 201},
		{[]string{"application/json;charset=UTF-8"}, 201},
		{[]string{`application/json; charset="utf-8"`}, 201},
		{[]string{"Application/JSON"}, 201},
		{[]string{"application/json; charset=utf-8; charset=utf-8"}, 201}, // the same parameter twice says the same
		{[]string{"application/json; charset=utf-8; charset=UTF-8"}, 415}, // README: twice, "its value must be spelled the same"
		{[]string{"application/json; charset=utf-8; CHARSET=utf-8"}, 201},
		{nil, 415},
		{[]string{""}, 415},
		{[]string{"application/merge-patch+json"}, 415},
		{[]string{"application/problem+json"}, 415},
		{[]string{"application/json; charset=latin1"}, 415},
		{[]string{"application/json; charset=utf-16"}, 415},
		{[]string{"application/json; foo=bar"}, 415},
		{[]string{"text/plain"}, 415},
		{[]string{"text/json"}, 415},
		{[]string{"application/x-www-form-urlencoded"}, 415},
		{[]string{"application/json", "application/json"}, 415},
		{[]string{"application/json, text/plain"}, 415},
		// README: "`Content-Type: application/json` (optionally `;
		// charset=utf-8`); any other type, or a body without one, is 415":
		// another parameter is no charset, whatever its value.
		{[]string{"application/json; foo=utf-8"}, 415},
		{[]string{"application/json; charset=utf-8; format=utf-8"}, 415},
		// RFC 9110's grammar has OWS (SP and HTAB) only around a media
		// type: other white space, or a letter that lowers to ASCII, makes
		// a value that is not application/json.
		{[]string{"application/json \t"}, 201},
		{[]string{"\u00a0application/json"}, 415},
		{[]string{"application/json\u2003"}, 415},
		{[]string{"\x0bapplication/json"}, 415},
		{[]string{"APPL\u0130CAT\u0130ON/JSON"}, 415},
		{[]string{"application/json; charset=utf-8\u3000"}, 415},
		// README: "a body's `Content-Type` other than `application/json`
		// (optionally `; charset=utf-8`)" is 415. In RFC 9110 a parameter's
		// name is a token: "charset*" (RFC 2231's extended and continued
		// parameters, which Go's mime package decodes into "charset") is
		// another parameter, and must not hide a charset that is not
		// utf-8 from the check, as a reader in front would honour it.
		{[]string{"application/json; charset=utf-16; charset*=utf-8''utf-8"}, 415},
		{[]string{"application/json; charset*=utf-8''utf-8; charset=latin1"}, 415},
		{[]string{"application/json; charset=latin1; charset*0=utf-8"}, 415},
		{[]string{"application/json; charset*=utf-8''utf-8"}, 415},
		{[]string{"application/json; charset*=''utf-8"}, 415},
		// A parameter that does not parse is no charset=utf-8 either.
		{[]string{"application/json; charset"}, 415},
		{[]string{"application/json; charset=utf-8; x"}, 415},
		{[]string{"application/json;"}, 201},
	} {
		r := httptest.NewRequest("POST", "/sessions", strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+tok)
		if tt.types != nil {
			r.Header["Content-Type"] = tt.types
		}
		w := httptest.NewRecorder()
		h.handler.ServeHTTP(w, r)
		if tt.status == 201 {
			if w.Code != 201 {
				t.Errorf("Content-Type %q: %d %s; want 201", tt.types, w.Code, w.Body)
			}
			continue
		}
		if w.Code != http.StatusUnsupportedMediaType {
			t.Errorf("Content-Type %q: %d %s; want 415", tt.types, w.Code, w.Body)
			continue
		}
		wantProblem(t, response{w}, 415, session.ReasonUnsupportedMedia)
	}
	// A cancel without a body needs no Content-Type; with a body it does.
	id := h.create("m-1", nil)
	r := httptest.NewRequest("POST", "/sessions/"+id+"/cancel", strings.NewReader(`{"reason":"x"}`))
	r.Header.Set("Authorization", "Bearer "+tok)
	w := httptest.NewRecorder()
	h.handler.ServeHTTP(w, r)
	wantProblem(t, response{w}, 415, session.ReasonUnsupportedMedia)
	r = httptest.NewRequest("POST", "/sessions/"+id+"/cancel", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	w = httptest.NewRecorder()
	h.handler.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		t.Errorf("cancel without a body or Content-Type = %d %s; want 200", w.Code, w.Body)
	}
}

// TestOnlyJSONWhitespaceIsNoBody: the cancel's body is optional, and a
// body of JSON's whitespace (RFC 8259 §2: space, tab, line feed, carriage
// return) is none. Other bytes are a body, which must be a JSON object of
// Content-Type application/json: a body of Unicode spaces (U+00A0, U+0085,
// U+3000, U+2028) is not an empty one, and must not cancel the session; nor
// must a body that is JSON but no object (null, which a decoder reads into a
// struct as nothing at all). README, "Decisions": "a body of nothing but
// JSON's white space (space, tab, CR, LF: RFC 8259 §2) is an empty one";
// it said only "a non-empty body without one is 415", which a body of two
// spaces was not here.
func TestOnlyJSONWhitespaceIsNoBody(t *testing.T) { eachStore(t, testOnlyJSONWhitespaceIsNoBody) }

func testOnlyJSONWhitespaceIsNoBody(t *testing.T, h *harness) {
	tok := h.merchantToken("m-1")
	for _, tt := range []struct {
		name, body, contentType string
		status                  int
		code                    string
	}{
		{"JSON whitespace, no Content-Type", " \t\r\n", "", 200, ""},
		{"JSON whitespace as JSON", "  ", "application/json", 200, ""},
		{"no-break space, no Content-Type", "\u00a0", "", 415, session.ReasonUnsupportedMedia},
		{"next line, no Content-Type", "\u0085", "", 415, session.ReasonUnsupportedMedia},
		{"ideographic space, no Content-Type", "\u3000", "", 415, session.ReasonUnsupportedMedia},
		{"line separator, no Content-Type", "\u2028", "", 415, session.ReasonUnsupportedMedia},
		{"form feed, no Content-Type", "\f", "", 415, session.ReasonUnsupportedMedia},
		{"no-break space as JSON", "\u00a0", "application/json", 400, session.ReasonMalformedJSON},
		{"no-break space before the object", "\u00a0{}", "application/json", 400, session.ReasonMalformedJSON},
		// README: "A request body is one JSON object". JSON's null is no
		// object, and no absent body either: it must not cancel.
		{"null", "null", "application/json", 400, session.ReasonMalformedJSON},
		{"null with whitespace", " null\n", "application/json", 400, session.ReasonMalformedJSON},
		{"an array", "[]", "application/json", 400, session.ReasonMalformedJSON},
		{"a string", `"x"`, "application/json", 400, session.ReasonMalformedJSON},
		{"a number", "1", "application/json", 400, session.ReasonMalformedJSON},
		{"true", "true", "application/json", 400, session.ReasonMalformedJSON},
		// An empty body has no type to judge: API Gateway "adds the
		// Content-type header to your request if there is no payload and
		// the Content-Length is 0" (its important notes for HTTP APIs,
		// value unnamed), so a cancel without a body must not depend on
		// what type a client or API Gateway put on nothing. README:
		// "A `Content-Type` is judged only for a body".
		{"no body, text/plain", "", "text/plain", 200, ""},
		{"no body, a form's type", "", "application/x-www-form-urlencoded", 200, ""},
		{"no body, octet-stream", "", "application/octet-stream", 200, ""},
		{"no body, a type that does not parse", "", "json; ;", 200, ""},
		{"JSON whitespace, text/plain", " \r\n", "text/plain", 200, ""},
		{"no-break space, text/plain", "\u00a0", "text/plain", 415, session.ReasonUnsupportedMedia},
		{"an object, text/plain", `{"reason":"x"}`, "text/plain", 415, session.ReasonUnsupportedMedia},
	} {
		t.Run(tt.name, func(t *testing.T) {
			id := h.create("m-1", nil)
			r := httptest.NewRequest("POST", "/sessions/"+id+"/cancel", strings.NewReader(tt.body))
			r.Header.Set("Authorization", "Bearer "+tok)
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			w := httptest.NewRecorder()
			h.handler.ServeHTTP(w, r)
			if tt.status == 200 {
				if w.Code != 200 {
					t.Errorf("cancel = %d %s; want 200", w.Code, w.Body)
				}
				return
			}
			wantProblem(t, response{w}, tt.status, tt.code)
			if got := h.do("GET", "/sessions/"+id, tok, nil).json(t)["status"]; got != "CREATED" {
				t.Errorf("after a refused cancel, status = %v; want CREATED", got)
			}
		})
	}
}

// TestNullIsNoString: docs/design.md §3, "What is stored is exactly what was
// checked." A null where a string map's value or a string array's element
// belongs was read as "" and stored as a value the client never sent
// (metadata {"note":null} came back as {"note":""}). It is refused, naming
// the place; a null field is still taken as absent, as the README says of
// optional fields, and a null inside a free-form object is kept as sent.
func TestNullIsNoString(t *testing.T) { eachStore(t, testNullIsNoString) }

func testNullIsNoString(t *testing.T, h *harness) {
	tok, proc := h.merchantToken("m-1"), h.processorToken()
	id := h.create("m-1", nil)
	for _, tt := range []struct {
		name, path, body string
		field            string // "" when accepted
	}{
		{"metadata value", "/sessions", `{"amount":1,"currency":"EUR","metadata":{"a":"x","note":null}}`, "metadata.note"},
		{"card category", "/sessions", `{"amount":1,"currency":"EUR","cardCategories":["CREDIT",null]}`, "cardCategories[1]"},
		{"resultData value", "/sessions/" + id + "/events", `{"status":"PROCESSING","resultData":{"code":null}}`, "resultData.code"},
		{"decline reason", "/sessions/" + id + "/events", `{"status":"PROCESSING","declineReasons":{"category":"x","reasons":[null]}}`, "declineReasons.reasons[0]"},
		{"api key scope", "/api-keys", `{"scopes":["sessions:read",null]}`, "scopes[1]"},
		{"null fields are absent", "/sessions", `{"amount":1,"currency":"EUR","orderId":null,"metadata":null,"cardCategories":null,"provider":null}`, ""},
		{"null inside a free-form object", "/sessions", `{"amount":1,"currency":"EUR","provider":{"a":null,"b":[null]}}`, ""},
		{"null decline category", "/sessions/" + id + "/events", `{"status":"PROCESSING","declineReasons":{"category":null,"reasons":null}}`, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			token := tok
			switch {
			case strings.HasSuffix(tt.path, "/events"):
				token = proc
			case tt.path == "/api-keys":
				token = h.token("m-1", auth.ScopeAPIKeysWrite, auth.ScopeSessionsRead)
			}
			res := h.do("POST", tt.path, token, tt.body)
			if tt.field == "" {
				if res.Code != 200 && res.Code != 201 {
					t.Fatalf("status = %d %s; want 200 or 201", res.Code, res.Body)
				}
				if strings.Contains(tt.body, `"provider":{`) && !strings.Contains(res.Body.String(), `"provider":{"a":null,"b":[null]}`) {
					t.Errorf("body %s; want provider stored as sent", res.Body)
				}
				return
			}
			if p := wantProblem(t, res, 400, session.ReasonValidation); p["field"] != tt.field {
				t.Errorf("field = %v; want %s", p["field"], tt.field)
			}
		})
	}
}

// TestLogLineRedactsCardNumbersInPaths: "The request log line records the
// raw path, so GET /4111-1111-1111-1111 writes the number into CloudWatch.
// Log the route pattern, and redact any path segment the guard would
// refuse."
func TestLogLineRedactsCardNumbersInPaths(t *testing.T) {
	eachStore(t, testLogLineRedactsCardNumbersInPaths)
}

func testLogLineRedactsCardNumbersInPaths(t *testing.T, h *harness) {
	tok := h.merchantToken("m-1")
	id := h.create("m-1", nil)
	tests := []struct{ path, route, logged string }{
		{"/4111-1111-1111-1111", "", "/[redacted]"},
		{"/sessions/4111111111111111", "GET /sessions/{sessionId}", "/sessions/[redacted]"},
		// A 405 (events take POST): the path pattern it matched.
		{"/sessions/4111.1111.1111.1111/events", "/sessions/{sessionId}/events", "/sessions/[redacted]/events"},
		{"/4111/1111/1111/1111", "", "/[redacted]/[redacted]/[redacted]/[redacted]"},
		{"/v1/session/４１１１１１１１１１１１１１１１", "GET /v1/session/{sessionGuid}", "/v1/session/[redacted]"},
		{"/payment-sessions/4111 1111 1111 1111 12/28", "", "/payment-sessions/[redacted]/28"},
		// As a reader that normalises text stores them (NFKC): "4111...1111..."
		// and "4.1.1.1.1.1...".
		{"/sessions/4111\u20261111\u20261111\u20261111", "GET /sessions/{sessionId}", "/sessions/[redacted]"},
		{"/v1/session/⒋⒈⒈⒈⒈⒈⒈⒈⒈⒈⒈⒈⒈⒈⒈⒈", "GET /v1/session/{sessionGuid}", "/v1/session/[redacted]"},
		// And across segments (no route matches: API Gateway answers
		// those on AWS, but the local server logs them).
		{"/⒋⒈⒈⒈/⒈⒈⒈⒈/⒈⒈⒈⒈/⒈⒈⒈⒈", "", "/[redacted]/[redacted]/[redacted]/[redacted]"},
		{"/sessions/4111\u20261111/1111\u20261111/events", "", "/sessions/[redacted]/[redacted]/events"},
		{"/sessions/" + id, "GET /sessions/{sessionId}", "/sessions/" + id},
		{"/pps/api/v1/session-record/20220211-0013-0000-0382", "GET /pps/api/v1/session-record/{sessionId}", "/pps/api/v1/session-record/20220211-0013-0000-0382"},
	}
	for _, tt := range tests {
		line := h.requestLogLine(t, "GET", tt.path, tok)
		if line["route"] != tt.route || line["path"] != tt.logged {
			t.Errorf("GET %q logged route %q path %q; want route %q path %q", tt.path, line["route"], line["path"], tt.route, tt.logged)
		}
	}
	for _, line := range strings.Split(h.logs.String(), "\n") {
		if session.LooksLikeCardNumber(strings.ReplaceAll(line, id, "<id>")) {
			t.Errorf("a log line holds a card number: %s", line)
		}
	}
}

// requestLogLine sends method on path (set as the decoded path, as sent)
// with tok, and returns the one log line the request wrote.
func (h *harness) requestLogLine(t *testing.T, method, path, tok string) map[string]any {
	t.Helper()
	before := len(logLines(t, h.logs.String()))
	r := httptest.NewRequest(method, "/", nil)
	r.URL.Path = path
	r.Header.Set("Authorization", "Bearer "+tok)
	h.handler.ServeHTTP(httptest.NewRecorder(), r)
	lines := logLines(t, h.logs.String())
	if len(lines) != before+1 {
		t.Fatalf("%s %s: %d log lines; want one more", method, path, len(lines)-before)
	}
	return lines[len(lines)-1]
}

// TestEveryResponseCarriesHSTS: "Add Strict-Transport-Security to every
// response": successes, refusals, 405s, 413s before the body is read. (A
// path that matches no route is answered by API Gateway itself on AWS, not
// by the service.)
func TestEveryResponseCarriesHSTS(t *testing.T) { eachStore(t, testEveryResponseCarriesHSTS) }

func testEveryResponseCarriesHSTS(t *testing.T, h *harness) {
	tok := h.merchantToken("m-1")
	id := h.create("m-1", nil)
	for _, res := range []response{
		h.do("GET", "/sessions/"+id, tok, nil),
		h.do("GET", "/sessions/"+id, "", nil),
		h.do("DELETE", "/sessions/"+id, tok, nil),
		h.do("POST", "/sessions", tok, `{"amount":1,"amount":1}`),
		h.do("POST", "/sessions", tok, `{"amount":1,"currency":"EUR"}`, "Content-Type", "text/plain"),
		h.do("POST", "/sessions", tok, strings.Repeat("x", 70000)),
		h.do("POST", "/sessions", tok, `{"amount":1,"currency":"EUR"}`),
	} {
		if got := res.Header().Get("Strict-Transport-Security"); got != httpapi.HSTS || !strings.HasPrefix(got, "max-age=63072000") {
			t.Errorf("%d response: Strict-Transport-Security = %q; want %q", res.Code, got, httpapi.HSTS)
		}
	}
}

// TestContentEncodingRefused: "A request body is one JSON object,
// Content-Type: application/json (optionally ; charset=utf-8)" (README,
// Security), and RFC 9110 §8.4: a Content-Encoding names codings applied to
// the body, which the recipient must undo to read it; one it cannot undo
// is 415 (§15.5.16), with Accept-Encoding naming what it takes. The
// service decodes none, so a body that says it is gzip, br or anything but
// identity is refused, whatever its bytes: read as they are, a body that
// declares itself compressed would mean one thing to the service and
// another to a proxy or firewall in front that honours the header (a card
// number could pass the one that inflates nothing). An empty body with a
// Content-Encoding is refused alike (README: "A `Content-Encoding` other
// than `identity` is refused even then"), though its Content-Type is not
// judged.
func TestContentEncodingRefused(t *testing.T) { eachStore(t, testContentEncodingRefused) }

func testContentEncodingRefused(t *testing.T, h *harness) {
	tok := h.merchantToken("m-1")
	id := h.create("m-1", nil)
	const body = `{"amount":1,"currency":"EUR"}`
	for _, tt := range []struct {
		name      string
		path      string
		body      string
		encodings []string // nil: no Content-Encoding
		status    int
		ctype     string // the Content-Type sent; "": application/json with a body, none without
	}{
		{"no Content-Encoding", "/sessions", body, nil, 201, ""},
		{"identity", "/sessions", body, []string{"identity"}, 201, ""},
		{"IDENTITY", "/sessions", body, []string{"IDENTITY"}, 201, ""},
		{"gzip, body not compressed", "/sessions", body, []string{"gzip"}, 415, ""},
		{"br", "/sessions", body, []string{"br"}, 415, ""},
		{"deflate", "/sessions", body, []string{"deflate"}, 415, ""},
		{"an unknown coding", "/sessions", body, []string{"x-foo"}, 415, ""},
		{"identity then gzip", "/sessions", body, []string{"identity, gzip"}, 415, ""},
		{"identity, then gzip in a second field", "/sessions", body, []string{"identity", "gzip"}, 415, ""},
		{"empty value", "/sessions", body, []string{""}, 415, ""},
		// README: "a `Content-Encoding` other than `identity`" is 415. A
		// list naming identity alone, with RFC 9110's OWS, is identity; a
		// member with other white space is not the token identity
		// ("OWS            = *( SP / HTAB )").
		{"identity, identity", "/sessions", body, []string{"identity, identity"}, 201, ""},
		{"identity with OWS", "/sessions", body, []string{"identity \t,\t identity"}, 201, ""},
		{"NBSP identity", "/sessions", body, []string{"\u00a0identity"}, 415, ""},
		{"identity EM SPACE", "/sessions", body, []string{"identity\u2003"}, 415, ""},
		{"VT identity", "/sessions", body, []string{"identity, \x0bidentity"}, 415, ""},
		{"event with gzip", "/sessions/" + id + "/events", `{"status":"PROCESSING"}`, []string{"gzip"}, 415, ""},
		{"cancel with gzip", "/sessions/" + id + "/cancel", `{"reason":"x"}`, []string{"gzip"}, 415, ""},
		{"cancel without a body, with gzip", "/sessions/" + id + "/cancel", "", []string{"gzip"}, 415, ""},
		{"api key with gzip", "/api-keys", `{"scopes":["sessions:read"]}`, []string{"gzip"}, 415, ""},
		// README: a cancel without a body "is applied whatever type it
		// carries", but "A `Content-Encoding` other than `identity` is
		// refused even then": a type that would be refused for a body does
		// not let the coding through (r95-mutate: with the empty body's own
		// check of the coding dropped, this cancel was applied, 200).
		{"cancel without a body, typed text/plain, with gzip", "/sessions/" + id + "/cancel", "", []string{"gzip"}, 415, "text/plain"},
		{"create without a body, typed text/plain, with gzip", "/sessions", "", []string{"gzip"}, 415, "text/plain"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", tt.path, strings.NewReader(tt.body))
			r.Header.Set("Authorization", "Bearer "+tok)
			switch {
			case strings.HasSuffix(tt.path, "/events"):
				r.Header.Set("Authorization", "Bearer "+h.processorToken())
			case tt.path == "/api-keys":
				r.Header.Set("Authorization", "Bearer "+h.token("m-1", auth.ScopeAPIKeysWrite, auth.ScopeSessionsRead))
			}
			switch {
			case tt.ctype != "":
				r.Header.Set("Content-Type", tt.ctype)
			case tt.body != "":
				r.Header.Set("Content-Type", "application/json")
			}
			if tt.encodings != nil {
				r.Header["Content-Encoding"] = tt.encodings
			}
			w := httptest.NewRecorder()
			h.handler.ServeHTTP(w, r)
			if tt.status != 415 {
				if w.Code != tt.status {
					t.Errorf("Content-Encoding %q: %d %s; want %d", tt.encodings, w.Code, w.Body, tt.status)
				}
				return
			}
			wantProblem(t, response{w}, 415, session.ReasonUnsupportedMedia)
			if got := w.Header().Get("Accept-Encoding"); got != "identity" {
				t.Errorf("Content-Encoding %q: Accept-Encoding = %q; want %q", tt.encodings, got, "identity")
			}
		})
	}
}

// TestLogLineRedactsCredentialsInPaths: "a token, key, secret or card
// number never reaches a log" (README, Security). A path is the client's
// text: a client that pastes its API key into DELETE /api-keys/{keyId}, or a
// bearer token or key secret where an id belongs (a broken URL template),
// must not have it written into CloudWatch by the request's log line. A
// segment that holds an API key, a token-sized run of base64url or hex, or
// more than 64 bytes is redacted; ids of every route (UUIDs, key ids,
// document 001's GUID forms, 001's transaction ids) are logged as sent.
func TestLogLineRedactsCredentialsInPaths(t *testing.T) {
	eachStore(t, testLogLineRedactsCredentialsInPaths)
}

func testLogLineRedactsCredentialsInPaths(t *testing.T, h *harness) {
	tok := h.merchantToken("m-1")
	key := h.apiKey("m-1", auth.ScopeSessionsRead)
	keyID := strings.Split(key, "_")[1]
	secret := strings.Split(key, "_")[2]
	id := h.create("m-1", nil)
	// In 001's 32-digit form a random id can hold a run of digits that
	// reads as a card number (…4091610483493708460…, one in a few
	// hundred), which the log line rightly redacts; such an id is no
	// example of a plain GUID.
	for session.HoldsCardNumber(strings.ReplaceAll(id, "-", "")) {
		id = h.create("m-1", nil)
	}
	jwtSegs := strings.Split(tok, ".")
	tests := []struct {
		name, method, path, logged string
	}{
		{"API key as the key id", "DELETE", "/api-keys/" + key, "/api-keys/[redacted]"},
		{"API key in upper case", "DELETE", "/api-keys/" + strings.ToUpper(key), "/api-keys/[redacted]"},
		{"API key as 002's id", "GET", "/payment-sessions/" + key, "/payment-sessions/[redacted]"},
		{"key secret alone", "GET", "/payment-sessions/" + secret, "/payment-sessions/[redacted]"},
		{"bearer token as the id", "GET", "/sessions/" + tok, "/sessions/[redacted]"},
		{"bearer token as 004's id", "GET", "/pps/api/v1/session-record/" + tok, "/pps/api/v1/session-record/[redacted]"},
		{"token's signature alone", "GET", "/sessions/" + jwtSegs[2], "/sessions/[redacted]"},
		{"token's header alone", "GET", "/sessions/" + jwtSegs[0], "/sessions/[redacted]"},
		{"token under no route", "GET", "/" + tok, "/[redacted]"},
		{"Bearer and token in one segment", "GET", "/sessions/Bearer " + tok, "/sessions/[redacted]"},
		{"key id", "DELETE", "/api-keys/" + keyID, "/api-keys/" + keyID},
		{"session id", "GET", "/sessions/" + id, "/sessions/" + id},
		{"001 GUID without dashes", "GET", "/v2.0/payments/" + strings.ReplaceAll(id, "-", "") + "/status", "/v2.0/payments/" + strings.ReplaceAll(id, "-", "") + "/status"},
		{"001 GUID in braces", "GET", "/v2.0/payments/{" + id + "}/status", "/v2.0/payments/{" + id + "}/status"},
		{"001 transaction id", "GET", "/pps/api/v1/session-record/20220211-0013-0000-0382", "/pps/api/v1/session-record/20220211-0013-0000-0382"},
		{"no route", "GET", "/nope", "/nope"},
		{"001 GUID whose digits read as a card number", "GET", "/v2.0/payments/223fc4091610483493708460dcec9d03/status", "/v2.0/payments/[redacted]/status"},
	}
	for _, tt := range tests {
		if got := h.requestLogLine(t, tt.method, tt.path, tok)["path"]; got != tt.logged {
			t.Errorf("%s: logged path %q; want %q", tt.name, got, tt.logged)
		}
	}
	logs := h.logs.String()
	for _, s := range []string{secret, strings.ToUpper(secret), jwtSegs[1], jwtSegs[2]} {
		if strings.Contains(logs, s) {
			t.Errorf("the logs hold a credential (%.8s…)", s)
		}
	}
}

// TestURLEncodedCardNumbersRefused: "No card number is accepted anywhere in
// a request ... grouped with any white space ..., dashes, dots, slashes,
// underscores" (README, Security). A card number typed with spaces into a
// form and carried in a URL is written 4111+1111+1111+1111 (form encoding)
// or 4111%201111%201111%201111 (percent-encoding); every reader that
// decodes the URL (a browser, the merchant's shop, a log viewer) reads the
// number. Stored in actionUrl, returnUrl or a metadata value, it would be
// served back as is. Both encodings, and every byte percent-encoded, are
// judged as decoded; a phone number's leading + and ordinary encoded URLs
// still pass.
func TestURLEncodedCardNumbersRefused(t *testing.T) {
	eachStore(t, testURLEncodedCardNumbersRefused)
}

func testURLEncodedCardNumbersRefused(t *testing.T, h *harness) {
	tok := h.merchantToken("m-1")
	for _, pan := range []string{
		"4111+1111+1111+1111", "4111%201111%201111%201111", "4111%2D1111%2D1111%2D1111", "4111%2e1111%2e1111%2e1111",
		"%34%31%31%31%31%31%31%31%31%31%31%31%31%31%31%31", "4111%25201111%25201111%25201111", // encoded twice
		"4111%C2%A01111%C2%A01111%C2%A01111", "4111+1111+1111+1111+12%2F28", "4111%201111%201111%201111%zz",
		// Two spaces, or " - ", between groups, and full-width digits,
		// form-encoded: a URL decoder reads every '+' as a space
		// (r94-writes: these were stored).
		"4111++1111++1111++1111", "4111+-+1111+-+1111+-+1111", "４１１１+１１１１+１１１１+１１１１",
	} {
		for _, f := range []string{"returnUrl", "cancelUrl", "actionUrl"} {
			body := map[string]any{"amount": 1, "currency": "EUR", f: "https://shop.test/back?pan=" + pan}
			if p := wantProblem(t, h.do("POST", "/sessions", tok, body), 400, session.ReasonCardNumber); p["field"] != f {
				t.Errorf("%s with %q: field = %v; want %s", f, pan, p["field"], f)
			}
		}
		body := map[string]any{"amount": 1, "currency": "EUR", "metadata": map[string]string{"link": "https://shop.test/?pan=" + pan}}
		if p := wantProblem(t, h.do("POST", "/sessions", tok, body), 400, session.ReasonCardNumber); p["field"] != "metadata.link" {
			t.Errorf("metadata with %q: field = %v; want metadata.link", pan, p["field"])
		}
		body = map[string]any{"amount": 1, "currency": "EUR", "provider": map[string]any{"redirect": map[string]string{"u": "https://psp.test/?c=" + pan}}}
		if p := wantProblem(t, h.do("POST", "/sessions", tok, body), 400, session.ReasonCardNumber); p["field"] != "provider.redirect.u" {
			t.Errorf("provider with %q: field = %v; want provider.redirect.u", pan, p["field"])
		}
	}
	id := h.create("m-1", nil)
	res := h.do("POST", "/sessions/"+id+"/events", h.processorToken(), map[string]any{"status": "PROCESSING", "actionUrl": "https://psp.test/3ds?pan=4111+1111+1111+1111"})
	if p := wantProblem(t, res, 400, session.ReasonCardNumber); p["field"] != "actionUrl" {
		t.Errorf("event actionUrl: field = %v; want actionUrl", p["field"])
	}
	// Encoded URLs without a card number, and a phone number's +, pass.
	res = h.do("POST", "/sessions", tok, map[string]any{
		"amount": 1, "currency": "EUR",
		"returnUrl": "https://shop.test/back?order=ORD-2026-11-29-000123&q=a+b%20c&t=2022-02-11T04%3A51%3A50Z&tel=%2B62+812+3456+7808",
		"metadata":  map[string]string{"phone": "+62 812 3456 7808", "sum": "1+1=2", "pct": "100%"},
	})
	if res.Code != http.StatusCreated {
		t.Errorf("encoded URL without a card number: %d %s; want 201", res.Code, res.Body)
	}
}

// TestCardNumbersBehindNormalisationAndJSONRefused: "No card number is
// accepted anywhere in a request", also where a reader that normalises or
// parses the value shows one:
//   - separators in a compatibility form (NFKC: the small full stop ﹒ is
//     '.', the double low line ‗ a space under a line);
//   - a JSON text held in a string (a processor's raw answer in provider,
//     an object kept as a metadata value), its escapes undone.
//
// Before, each was stored (201/200).
func TestCardNumbersBehindNormalisationAndJSONRefused(t *testing.T) {
	eachStore(t, testCardNumbersBehindNormalisationAndJSONRefused)
}

func testCardNumbersBehindNormalisationAndJSONRefused(t *testing.T, h *harness) {
	tok := h.merchantToken("m-1")
	id := h.create("m-1", nil)
	for _, pan := range []string{
		"4111\ufe521111\ufe521111\ufe521111",
		"4111\u20241111\u20241111\u20241111",
		"4111\u20171111\u20171111\u20171111",
		`{"pan":"\u0034111111111111111"}`,
		`{"card":{"number":"4111\u00201111\u00201111\u00201111"}}`,
		`4111\n1111\n1111\n1111`,
	} {
		s, _ := json.Marshal(pan) // the value as a JSON string
		for _, tc := range []struct{ path, body, field string }{
			{"/sessions", `{"amount":1,"currency":"EUR","metadata":{"raw":` + string(s) + `}}`, "metadata.raw"},
			{"/sessions", `{"amount":1,"currency":"EUR","orderId":` + string(s) + `}`, "orderId"},
			{"/sessions", `{"amount":1,"currency":"EUR","provider":{"raw":` + string(s) + `}}`, "provider.raw"},
			{"/sessions/" + id + "/events", `{"status":"PROCESSING","resultData":{"raw":` + string(s) + `}}`, "resultData.raw"},
			{"/sessions/" + id + "/events", `{"status":"PROCESSING","provider":{"raw":` + string(s) + `}}`, "provider.raw"},
			{"/sessions/" + id + "/cancel", `{"reason":` + string(s) + `}`, "reason"},
		} {
			token := tok
			if strings.HasSuffix(tc.path, "/events") {
				token = h.processorToken()
			}
			res := h.do("POST", tc.path, token, tc.body)
			if res.Code != 400 {
				t.Errorf("POST %s %s = %d; want 400 %s", tc.path, tc.body, res.Code, session.ReasonCardNumber)
				continue
			}
			if p := wantProblem(t, res, 400, session.ReasonCardNumber); p["field"] != tc.field {
				t.Errorf("POST %s %s: field = %v; want %s", tc.path, tc.body, p["field"], tc.field)
			}
		}
	}
	if n := sessionsOfDay(t, h, "m-1"); n != 1 {
		t.Errorf("sessions stored: %d; want 1 (the one created for the cancel and events)", n)
	}
}
