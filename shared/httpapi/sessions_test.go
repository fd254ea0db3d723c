package httpapi_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/session"
)

func TestCreateAndGet(t *testing.T) { eachStore(t, testCreateAndGet) }

func testCreateAndGet(t *testing.T, h *harness) {
	body := map[string]any{
		"orderId": "e3f4a5b6-c7d8-9012-3456-123456789012", "amount": 8800, "currency": "ZAR",
		"paymentMethod": "Card", "paymentScenario": "Payment", "hosted": true,
		"returnUrl": "https://example.com/order/confirmation", "cancelUrl": "https://example.com/order/checkout",
		"provider": map[string]any{"checkoutSessionId": "cs_test_a1b2c3d4", "checkoutUrl": "https://checkout.stripe.com/c/pay/cs_test_a1b2c3d4"}, "metadata": map[string]string{"source": "mobile_app"},
	}
	res := h.do("POST", "/sessions", h.merchantToken("m-1"), body)
	if res.Code != http.StatusCreated {
		t.Fatalf("POST /sessions = %d %s; want 201", res.Code, res.Body)
	}
	created := res.json(t)
	id := created["id"].(string)
	if loc := res.Header().Get("Location"); loc != "/sessions/"+id {
		t.Errorf("Location = %q; want /sessions/%s", loc, id)
	}
	wants := map[string]any{
		"status": "CREATED", "merchantId": "m-1", "amount": 8800.0, "currency": "ZAR", "hosted": true,
		"createdAt": "2026-11-23T10:00:00Z", "expiresAt": "2026-11-23T10:30:00Z", "orderId": body["orderId"],
	}
	for k, want := range wants {
		if created[k] != want {
			t.Errorf("created[%s] = %v; want %v", k, created[k], want)
		}
	}
	if _, ok := created["closedAt"]; ok {
		t.Errorf("open session has closedAt")
	}
	if tok, _ := created["hcpToken"].(string); len(tok) < 20 {
		t.Errorf("hcpToken = %q; want a random token", tok)
	}
	got := h.do("GET", "/sessions/"+id, h.merchantToken("m-1"), nil)
	if got.Code != http.StatusOK || got.Body.String() != res.Body.String() {
		t.Errorf("GET = %d %s;\nwant 200 %s", got.Code, got.Body, res.Body)
	}
	hist := got.json(t)["history"].([]any)
	if len(hist) != 1 || hist[0].(map[string]any)["status"] != "CREATED" {
		t.Errorf("history = %v; want one CREATED entry", hist)
	}
	// Upper-case ids are the same session.
	if up := h.do("GET", "/sessions/"+strings.ToUpper(id), h.merchantToken("m-1"), nil); up.Code != http.StatusOK {
		t.Errorf("GET upper-case id = %d; want 200", up.Code)
	}
}

func TestCreateRefusals(t *testing.T) { eachStore(t, testCreateRefusals) }

func testCreateRefusals(t *testing.T, h *harness) {
	tok := h.merchantToken("m-1")
	big := `{"amount":1,"currency":"EUR","orderId":"` + strings.Repeat("x", 70000) + `"}`
	tests := []struct {
		name    string
		token   string
		body    any
		headers []string
		status  int
		code    string
		field   string
	}{
		{"no credentials", "", map[string]any{"amount": 1, "currency": "EUR"}, nil, 401, session.ReasonUnauthenticated, ""},
		{"missing scope", h.token("m-1", auth.ScopeSessionsRead), map[string]any{"amount": 1, "currency": "EUR"}, nil, 403, session.ReasonInsufficientScope, ""},
		{"no merchant", h.token("", auth.ScopeSessionsWrite), map[string]any{"amount": 1, "currency": "EUR"}, nil, 403, session.ReasonMerchantRequired, ""},
		{"unknown field", tok, map[string]any{"amount": 1, "currency": "EUR", "status": "SETTLED"}, nil, 400, session.ReasonValidation, "status"},
		{"malformed", tok, `{"amount":1,`, nil, 400, session.ReasonMalformedJSON, ""},
		{"trailing data", tok, `{"amount":1,"currency":"EUR"} {}`, nil, 400, session.ReasonMalformedJSON, ""},
		{"array body", tok, `[1]`, nil, 400, session.ReasonMalformedJSON, ""},
		{"empty body", tok, "", nil, 400, session.ReasonMalformedJSON, ""},
		{"wrong type", tok, `{"amount":"12","currency":"EUR"}`, nil, 400, session.ReasonValidation, "amount"},
		{"fractional amount", tok, `{"amount":1.5,"currency":"EUR"}`, nil, 400, session.ReasonValidation, "amount"},
		{"bad currency", tok, map[string]any{"amount": 1, "currency": "euro"}, nil, 400, session.ReasonValidation, "currency"},
		{"card number", tok, map[string]any{"amount": 1, "currency": "EUR", "metadata": map[string]string{"note": "4111 1111 1111 1111"}}, nil, 400, session.ReasonCardNumber, "metadata.note"},
		{"too large", tok, big, nil, 413, session.ReasonBodyTooLarge, ""},
		{"not json", tok, `amount=1`, []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, session.ReasonUnsupportedMedia, ""},
		{"bad idempotency key", tok, map[string]any{"amount": 1, "currency": "EUR"}, []string{"Idempotency-Key", "a,b"}, 400, session.ReasonValidation, "Idempotency-Key"},
		{"card-number idempotency key", tok, map[string]any{"amount": 1, "currency": "EUR"}, []string{"Idempotency-Key", "4111-1111-1111-1111"}, 400, session.ReasonCardNumber, "Idempotency-Key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := h.do("POST", "/sessions", tt.token, tt.body, tt.headers...)
			p := wantProblem(t, res, tt.status, tt.code)
			if tt.field != "" && p["field"] != tt.field {
				t.Errorf("field = %v; want %s", p["field"], tt.field)
			}
			// The request id is a random UUID, which holds "4111" in about
			// one answer in 2,300: it is not an echo of the input.
			rid, _ := p["requestId"].(string)
			if body := res.Body.String(); strings.Contains(strings.ReplaceAll(body, rid, ""), "4111") {
				t.Errorf("body %s echoes the card number", body)
			}
			if tt.status == 401 && res.Header().Get("WWW-Authenticate") == "" {
				t.Errorf("401 without WWW-Authenticate")
			}
		})
	}
}

func TestIdempotencyOverHTTP(t *testing.T) { eachStore(t, testIdempotencyOverHTTP) }

func testIdempotencyOverHTTP(t *testing.T, h *harness) {
	tok := h.merchantToken("m-1")
	body := map[string]any{"amount": 100, "currency": "EUR", "orderId": "o-1"}
	first := h.do("POST", "/sessions", tok, body, "Idempotency-Key", "order-o-1")
	if first.Code != 201 {
		t.Fatalf("first = %d %s", first.Code, first.Body)
	}
	// Same key, same content (other formatting): the first response.
	again := h.do("POST", "/sessions", tok, `{ "orderId":"o-1", "currency":"EUR", "amount":100 }`, "Idempotency-Key", "order-o-1")
	if again.Code != 201 || again.Body.String() != first.Body.String() || again.Header().Get("Location") != first.Header().Get("Location") {
		t.Errorf("replay = %d %s; want 201 with the first body %s", again.Code, again.Body, first.Body)
	}
	if again.Header().Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay lacks Idempotent-Replayed: true")
	}
	// The replay is the first response even after the session changed.
	id := first.json(t)["id"].(string)
	if res := h.do("POST", "/sessions/"+id+"/cancel", tok, nil); res.Code != 200 {
		t.Fatalf("cancel = %d %s", res.Code, res.Body)
	}
	if res := h.do("POST", "/sessions", tok, body, "Idempotency-Key", "order-o-1"); res.Body.String() != first.Body.String() {
		t.Errorf("replay after cancel = %s; want the first response", res.Body)
	}
	wantProblem(t, h.do("POST", "/sessions", tok, map[string]any{"amount": 101, "currency": "EUR", "orderId": "o-1"}, "Idempotency-Key", "order-o-1"), 409, session.ReasonIdempotencyReused)
	other := h.do("POST", "/sessions", h.merchantToken("m-2"), body, "Idempotency-Key", "order-o-1")
	if other.Code != 201 || other.json(t)["id"] == id {
		t.Errorf("other merchant, same key = %d %s; want a new session", other.Code, other.Body)
	}
}

// TestIdempotencySameJSONContent: README, Decisions: '"Same request" means
// the same JSON content: key order and whitespace do not matter.' That holds
// at every depth: the free-form objects (provider, appearance,
// paymentMethodDetails) are JSON objects too, whose member order carries no
// meaning (RFC 8259 §4), and a client's serializer may order them otherwise on
// a retry. Numbers are compared as written (1 and 1.0 differ), since they are
// stored as written.
func TestIdempotencySameJSONContent(t *testing.T) { eachStore(t, testIdempotencySameJSONContent) }

func testIdempotencySameJSONContent(t *testing.T, h *harness) {
	tok := h.merchantToken("m-1")
	const first = `{"amount":100,"currency":"EUR","provider":{"name":"stripe","opts":{"a":1,"b":[{"x":1,"y":2}]}},` +
		`"appearance":{"theme":"dark","locale":"de"},"paymentMethodDetails":{"brand":"visa","last4":"4242"},"metadata":{"k1":"v1","k2":"v2"}}`
	res := h.do("POST", "/sessions", tok, first, "Idempotency-Key", "k-content")
	if res.Code != 201 {
		t.Fatalf("first = %d %s; want 201", res.Code, res.Body)
	}
	want := res.Body.String()
	for _, tt := range []struct {
		name, body string
		status     int
	}{
		{"nested members in another order",
			`{"amount":100,"currency":"EUR","provider":{"opts":{"b":[{"y":2,"x":1}],"a":1},"name":"stripe"},` +
				`"appearance":{"locale":"de","theme":"dark"},"paymentMethodDetails":{"last4":"4242","brand":"visa"},"metadata":{"k2":"v2","k1":"v1"}}`, 201},
		{"every level reordered, spaced and escaped",
			` { "metadata" : { "k2":"v2" , "k1":"v1" }, "paymentMethodDetails":{"last4":"4242","brand":"vis\u0061"},` +
				` "appearance":{"locale":"de","theme":"dark"}, "provider":{ "opts":{"b":[{"y":2,"x":1}],"a":1}, "name":"stripe" }, "currency":"EUR", "amount":100 } `, 201},
		{"a nested value differs", strings.Replace(first, `"y":2`, `"y":3`, 1), 409},
		{"a nested member added", strings.Replace(first, `"theme":"dark"`, `"theme":"dark","z":1`, 1), 409},
		{"array order differs", strings.Replace(first, `[{"x":1,"y":2}]`, `[{"x":1,"y":2},{}]`, 1), 409},
		{"a number written otherwise", strings.Replace(first, `"a":1`, `"a":1.0`, 1), 409},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := h.do("POST", "/sessions", tok, tt.body, "Idempotency-Key", "k-content")
			if tt.status == 409 {
				wantProblem(t, res, 409, session.ReasonIdempotencyReused)
				return
			}
			if res.Code != 201 || res.Body.String() != want || res.Header().Get("Idempotent-Replayed") != "true" {
				t.Errorf("retry = %d %s (replayed %q); want 201, the first body, Idempotent-Replayed: true",
					res.Code, res.Body, res.Header().Get("Idempotent-Replayed"))
			}
		})
	}
}

func TestEvents(t *testing.T) { eachStore(t, testEvents) }

func testEvents(t *testing.T, h *harness) {
	id := h.create("m-1", nil)
	proc := h.processorToken()
	post := func(ev any) response { return h.do("POST", "/sessions/"+id+"/events", proc, ev) }

	h.clock.Advance(time.Second)
	res := post(map[string]any{"status": "PROCESSING", "eventId": "evt-1", "reason": "Started processing payment."})
	if res.Code != 200 || res.json(t)["status"] != "PROCESSING" {
		t.Fatalf("event = %d %s; want 200 PROCESSING", res.Code, res.Body)
	}
	// A retried event is acknowledged, not applied again.
	h.clock.Advance(time.Second)
	if again := post(map[string]any{"status": "PROCESSING", "eventId": "evt-1"}); again.Code != 200 || len(again.json(t)["history"].([]any)) != 2 {
		t.Errorf("retry = %d %s; want 200 with 2 history entries", again.Code, again.Body)
	}
	res = post(map[string]any{
		"status": "AUTHORISED", "eventId": "evt-2", "transactionId": "20220211-0013-0000-0382",
		"resultData": map[string]string{"decision": "ACCEPT"}, "actionUrl": "https://auth.example/x",
	})
	got := res.json(t)
	if res.Code != 200 || got["status"] != "AUTHORISED" || got["transactionId"] != "20220211-0013-0000-0382" || got["closedAt"] != "2026-11-23T10:00:02Z" {
		t.Fatalf("AUTHORISED = %d %s", res.Code, res.Body)
	}
	wantProblem(t, post(map[string]any{"status": "PROCESSING"}), 409, session.ReasonInvalidTransition)
	wantProblem(t, post(map[string]any{"status": "EXPIRED"}), 409, session.ReasonInvalidTransition)
	wantProblem(t, post(map[string]any{"status": "Authorised"}), 400, session.ReasonValidation)
	// README: "An empty body (a cancel's, which is optional)": an event's
	// is not, and no body is malformed JSON, as a create's is.
	wantProblem(t, post(""), 400, session.ReasonMalformedJSON)
	wantProblem(t, post(map[string]any{"status": "SETTLED", "resultData": map[string]string{"pan": "4111111111111111"}}), 400, session.ReasonCardNumber)
	// Merchants cannot report processor events.
	wantProblem(t, h.do("POST", "/sessions/"+id+"/events", h.merchantToken("m-1"), map[string]any{"status": "SETTLED"}), 403, session.ReasonInsufficientScope)
	wantProblem(t, h.do("POST", "/sessions/not-a-uuid/events", proc, map[string]any{"status": "SETTLED"}), 400, session.ReasonValidation)
	wantProblem(t, h.do("POST", "/sessions/7d1541fa-5747-429a-a6a0-1939f4d88028/events", proc, map[string]any{"status": "SETTLED"}), 404, session.ReasonSessionNotFound)
}

func TestCancel(t *testing.T) { eachStore(t, testCancel) }

func testCancel(t *testing.T, h *harness) {
	tok := h.merchantToken("m-1")
	open := h.create("m-1", nil)
	res := h.do("POST", "/sessions/"+open+"/cancel", tok, map[string]any{"reason": "Buyer left."})
	if res.Code != 200 || res.json(t)["status"] != "CANCELED" || res.json(t)["statusReason"] != "Buyer left." {
		t.Fatalf("cancel open = %d %s; want CANCELED", res.Code, res.Body)
	}
	wantProblem(t, h.do("POST", "/sessions/"+open+"/cancel", tok, nil), 409, session.ReasonInvalidTransition)

	authorised := h.create("m-1", nil)
	h.do("POST", "/sessions/"+authorised+"/events", h.processorToken(), map[string]any{"status": "AUTHORISED"})
	res = h.do("POST", "/sessions/"+authorised+"/cancel", tok, nil) // no body at all
	if res.Code != 200 || res.json(t)["status"] != "CANCEL_REQUESTED" {
		t.Fatalf("cancel authorised = %d %s; want CANCEL_REQUESTED", res.Code, res.Body)
	}
	// Another merchant's session is not found, exactly like an unknown one.
	other := h.create("m-2", nil)
	a := wantProblem(t, h.do("POST", "/sessions/"+other+"/cancel", tok, nil), 404, session.ReasonSessionNotFound)
	b := wantProblem(t, h.do("POST", "/sessions/7d1541fa-5747-429a-a6a0-1939f4d88028/cancel", tok, nil), 404, session.ReasonSessionNotFound)
	delete(a, "requestId")
	delete(b, "requestId")
	if ja, jb := mustJSON(a), mustJSON(b); ja != jb {
		t.Errorf("other merchant's 404 %s differs from unknown's %s", ja, jb)
	}
	wantProblem(t, h.do("GET", "/sessions/"+other, tok, nil), 404, session.ReasonSessionNotFound)
}

// TestExpiryWithoutSweeper: a session expires by itself at expiresAt (reads
// say EXPIRED, writes get 409) and is gone after the retention (404).
func TestExpiryWithoutSweeper(t *testing.T) { eachStore(t, testExpiryWithoutSweeper) }

func testExpiryWithoutSweeper(t *testing.T, h *harness) {
	tok := h.merchantToken("m-1")
	id := h.create("m-1", nil)
	h.clock.Set(t0.Add(30 * time.Minute))
	got := h.do("GET", "/sessions/"+id, tok, nil).json(t)
	if got["status"] != "EXPIRED" || got["closedAt"] != "2026-11-23T10:30:00Z" || got["retainUntil"] != "2026-11-23T10:45:00Z" {
		t.Errorf("GET at expiresAt = %v; want EXPIRED, closed 10:30, retained until 10:45", got)
	}
	wantProblem(t, h.do("POST", "/sessions/"+id+"/events", h.processorToken(), map[string]any{"status": "AUTHORISED"}), 409, session.ReasonSessionExpired)
	wantProblem(t, h.do("POST", "/sessions/"+id+"/cancel", tok, nil), 409, session.ReasonSessionExpired)
	h.clock.Set(t0.Add(45*time.Minute - time.Millisecond))
	if res := h.do("GET", "/sessions/"+id, tok, nil); res.Code != 200 {
		t.Errorf("GET just before retention ends = %d; want 200", res.Code)
	}
	h.clock.Set(t0.Add(45 * time.Minute))
	wantProblem(t, h.do("GET", "/sessions/"+id, tok, nil), 404, session.ReasonSessionNotFound)
}

func TestGetRefusals(t *testing.T) { eachStore(t, testGetRefusals) }

func testGetRefusals(t *testing.T, h *harness) {
	id := h.create("m-1", nil)
	wantProblem(t, h.do("GET", "/sessions/"+id, "", nil), 401, session.ReasonUnauthenticated)
	wantProblem(t, h.do("GET", "/sessions/"+id, "garbage", nil), 401, session.ReasonUnauthenticated)
	wantProblem(t, h.do("GET", "/sessions/"+id, h.token("m-1", auth.ScopeSessionsWrite), nil), 403, session.ReasonInsufficientScope)
	wantProblem(t, h.do("GET", "/sessions/"+id, h.merchantToken("m-2"), nil), 404, session.ReasonSessionNotFound)
	wantProblem(t, h.do("GET", "/sessions/{"+id+"}", h.merchantToken("m-1"), nil), 400, session.ReasonValidation)
	wantProblem(t, h.do("GET", "/sessions/"+strings.ReplaceAll(id, "-", ""), h.merchantToken("m-1"), nil), 400, session.ReasonValidation)
	wantGatewayNotFound(t, h.do("GET", "/nope", "", nil))
	res := h.do("DELETE", "/sessions/"+id, "", nil)
	wantProblem(t, res, 405, session.ReasonMethodNotAllowed)
	if res.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("Allow = %q; want GET, HEAD", res.Header().Get("Allow"))
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestHCPTokenIsRandomPerSession: docs/design.md §3, "`hcpToken` (an
// opaque random token made at creation)". It opens the hosted card page
// (document 003), so each session gets its own: 32 base64url characters
// (24 random bytes), no two sessions' alike, and no character position
// the same in every one of them.
func TestHCPTokenIsRandomPerSession(t *testing.T) { eachStore(t, testHCPTokenIsRandomPerSession) }

func testHCPTokenIsRandomPerSession(t *testing.T, h *harness) {
	const n = 40
	shape := regexp.MustCompile(`^[A-Za-z0-9_-]{32}$`)
	seen := map[string]bool{}
	var first string
	varies := make([]bool, 32)
	for range n {
		res := h.do("POST", "/sessions", h.merchantToken("m-1"), map[string]any{"amount": 1, "currency": "EUR"})
		tok, _ := res.json(t)["hcpToken"].(string)
		if res.Code != http.StatusCreated || !shape.MatchString(tok) {
			t.Fatalf("POST /sessions = %d, hcpToken %q; want 201 and 32 base64url characters", res.Code, tok)
		}
		if seen[tok] {
			t.Fatalf("hcpToken %q made twice", tok)
		}
		seen[tok] = true
		if first == "" {
			first = tok
		}
		for i := range tok {
			varies[i] = varies[i] || tok[i] != first[i]
		}
	}
	for i, v := range varies {
		if !v {
			t.Errorf("hcpToken character %d is %q in all %d tokens; want random", i, first[i], n)
		}
	}
}
