package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/session"
)

// A word-by-word reading of documents 000, 001 and 002 against what the
// service answers (r20). Each constant below is one of the document's
// sentences, word for word; its test drives real sessions through the API
// and checks what a client written against that sentence relies on. The
// sentences other tests already pin (field names and types, time formats,
// the status words, 002's presence rules: TestStrictClients; the status
// table: TestEveryStatusReadsAsDesignTableSays; 001's GUID forms:
// TestDocument001GuidForms; the edges of retention:
// TestEndpointsAgreeAtTheEdges) are not repeated here.

// Document 000.
const (
	doc000Query     = "The GET /v1/session/{sessionGuid} endpoint enables you to query a payment session status using the GUID returned when the session was created."
	doc000Retention = "The payment session results are available for 15 minutes after the session completes."
	doc000Finished  = "The data is only available when the session state is Finished"
)

// Document 001.
const (
	doc001Order    = "For this reason, do not build logic that expects the status of a payment to always follow a specific order. Furthermore, a status may appear more than once - usually as a result of retry logic being invoked as a result of an unexpected error."
	doc001Auth     = "An OAuth 2.0 Bearer token with the Payment.Read scope is required."
	doc001Returned = "This value is returned when a payment is created."
)

// Document 002.
const (
	doc002Auth     = "An API key that grants access to the Connect API."
	doc002Defaults = "Whether to save the payment profile for future use. Only applicable if the customer is authenticated or for the initial order. Defaults to false."
	doc002ID       = "The unique identifier of the payment session to retrieve."
)

// TestDocument000ResultsFor15MinutesAfterCompletion: doc000Query and
// doc000Retention. The GUID create returned (in either case, as a .NET or
// Java client may print it) reads the session, whose sessionGuid is that
// GUID. Once it completes (Finished with the gateway's data, or Error),
// the results, paymentResultData included (doc000Finished), are readable
// for 15 minutes: at completion + 15 min − 100 ns as completed, and from
// completion + 15 min the session no longer exists (404), as
// docs/design.md §4 says of "retainUntil = closedAt + RESULT_RETENTION".
func TestDocument000ResultsFor15MinutesAfterCompletion(t *testing.T) {
	eachStore(t, testDocument000ResultsFor15MinutesAfterCompletion)
}

func testDocument000ResultsFor15MinutesAfterCompletion(t *testing.T, h *harness) {
	t.Logf("document 000: %q %q %q", doc000Query, doc000Retention, doc000Finished)
	read := h.token("m-1", auth.ScopeSessionsRead)
	result := map[string]any{"decision": "ACCEPT", "reasonCode": "100", "Amount": "1240"}
	type done struct {
		id, state string
		data      bool
	}
	var ids []done
	completedAt := t0.Add(3*time.Minute + 250*time.Microsecond)
	h.clock.Set(t0)
	for _, c := range []struct {
		events []map[string]any
		cancel bool
		state  string
	}{
		{events: []map[string]any{{"status": "AUTHORISED", "resultData": result}}, state: "Finished"},
		{events: []map[string]any{{"status": "PROCESSING"}, {"status": "SETTLED", "resultData": result}}, state: "Finished"},
		{events: []map[string]any{{"status": "FAILED", "resultData": map[string]any{"decision": "DECLINE"}}}, state: "Error"},
		{cancel: true, state: "Finished"},
	} {
		id := h.create("m-1", nil)
		h.clock.Set(completedAt)
		for _, ev := range c.events {
			h.event(id, ev)
		}
		if c.cancel {
			h.cancel("m-1", id)
		}
		h.clock.Set(t0)
		ids = append(ids, done{id, c.state, c.state == "Finished"})
	}
	for _, d := range ids {
		for _, form := range []string{d.id, strings.ToUpper(d.id)} {
			h.clock.Set(completedAt.Add(15*time.Minute - 100))
			res := h.do("GET", "/v1/session/"+form, read, nil)
			if res.Code != http.StatusOK {
				t.Errorf("GET /v1/session/%s 15 min − 100 ns after completion = %d %s; want 200", form, res.Code, res.Body)
				continue
			}
			b := res.json(t)
			if b["sessionGuid"] != d.id || b["sessionState"] != d.state {
				t.Errorf("GET /v1/session/%s: sessionGuid %v, sessionState %v; want %s, %s", form, b["sessionGuid"], b["sessionState"], d.id, d.state)
			}
			if _, ok := b["paymentResultData"]; ok != d.data {
				t.Errorf("GET /v1/session/%s (%s): paymentResultData present %v; want %v", form, d.state, ok, d.data)
			}
			h.clock.Set(completedAt.Add(15 * time.Minute))
			wantProblem(t, h.do("GET", "/v1/session/"+form, read, nil), http.StatusNotFound, session.ReasonSessionNotFound)
		}
	}
	// An open session expires 30 minutes after its creation and completes
	// then (Error): its results are there for 15 minutes more.
	h.clock.Set(t0)
	open := h.create("m-1", nil)
	h.clock.Set(t0.Add(45*time.Minute - 100))
	res := h.do("GET", "/v1/session/"+open, read, nil)
	if res.Code != http.StatusOK || res.json(t)["sessionState"] != "Error" {
		t.Errorf("GET /v1/session/{expired} 15 min − 100 ns after expiry = %d %s; want 200 Error", res.Code, res.Body)
	}
	h.clock.Set(t0.Add(45 * time.Minute))
	wantProblem(t, h.do("GET", "/v1/session/"+open, read, nil), http.StatusNotFound, session.ReasonSessionNotFound)
}

// TestDocument001StatusesInAnyOrderAndRepeated: doc001Order. Statuses
// arrive in any order and repeat; history shows every one, in 001's words,
// oldest first, repeats kept (docs/design.md §6: "`history` is complete, in
// 001's words, repeats kept"), and status and processedOn are the latest
// entry's. paymentId is what create returned (doc001Returned).
func TestDocument001StatusesInAnyOrderAndRepeated(t *testing.T) {
	eachStore(t, testDocument001StatusesInAnyOrderAndRepeated)
}

func testDocument001StatusesInAnyOrderAndRepeated(t *testing.T, h *harness) {
	t.Logf("document 001: %q %q", doc001Order, doc001Returned)
	pay := h.token("m-1", auth.ScopePaymentRead)
	id := h.create("m-1", nil)
	want := []string{"Pending"}
	step := func(status string, word string) {
		t.Helper()
		h.clock.Advance(1234567 * time.Nanosecond)
		if status == "cancel" {
			h.cancel("m-1", id)
		} else {
			h.event(id, map[string]any{"status": status})
		}
		want = append(want, word)
	}
	step("SENT", "Sent")
	step("PROCESSING", "Processing")
	step("PROCESSING", "Processing")
	step("REQUEST_RECEIVED", "RequestReceived")
	step("SENT", "Sent")
	step("REQUIRES_ACTION", "RedirectRequired")
	step("OTP_PENDING", "RedirectRequired")
	step("REQUIRES_ACTION", "RedirectRequired")
	step("AUTHORISED", "Authorised")
	step("cancel", "CancelRequested")
	step("AUTHORISED", "Authorised") // the cancellation declined
	step("cancel", "CancelRequested")
	step("AUTHORISED", "Authorised")
	step("SETTLED", "Settled")

	res := h.do("GET", "/v2.0/payments/"+id+"/status", pay, nil)
	if res.Code != http.StatusOK {
		t.Fatalf("001 = %d %s; want 200", res.Code, res.Body)
	}
	var e struct {
		Data struct {
			PaymentID   string `json:"paymentId"`
			Status      string `json:"status"`
			ProcessedOn string `json:"processedOn"`
			History     []struct {
				Status      string `json:"status"`
				ProcessedOn string `json:"processedOn"`
			} `json:"history"`
		} `json:"data"`
	}
	if err := json.Unmarshal(res.Body.Bytes(), &e); err != nil {
		t.Fatal(err)
	}
	if e.Data.PaymentID != id {
		t.Errorf("paymentId = %q; want create's id %q", e.Data.PaymentID, id)
	}
	var got []string
	var last time.Time
	for i, c := range e.Data.History {
		got = append(got, c.Status)
		at, err := time.Parse(time.RFC3339Nano, c.ProcessedOn)
		if err != nil || !at.After(last) {
			t.Errorf("history[%d].processedOn = %q; want later than the entry before", i, c.ProcessedOn)
		}
		last = at
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("history = %v;\nwant %v", got, want)
	}
	if n := len(e.Data.History); n == 0 || e.Data.Status != "Settled" || e.Data.ProcessedOn != e.Data.History[n-1].ProcessedOn {
		t.Errorf("status %q at %q; want Settled at the last entry's processedOn", e.Data.Status, e.Data.ProcessedOn)
	}
}

// TestDocuments000And001BearerToken: doc001Auth (000 takes the same bearer
// token, with sessions:read). A bearer token is what the endpoint reads:
// the auth-scheme "Bearer" in any case (RFC 7235 §2.1: case-insensitive;
// OAuth token endpoints answer token_type "bearer", and clients build the
// header from it); another scheme, or an X-Api-Key alone, is 401 with the
// Bearer challenge; a token without the scope is 403 naming it; 001's
// errors in its envelope, 000's as problem details.
func TestDocuments000And001BearerToken(t *testing.T) {
	eachStore(t, testDocuments000And001BearerToken)
}

func testDocuments000And001BearerToken(t *testing.T, h *harness) {
	t.Logf("document 001: %q", doc001Auth)
	id := h.create("m-1", nil)
	key := h.apiKey("m-1", auth.ScopeSessionsRead)
	for _, ep := range []struct {
		path, scope, other string
		envelope           bool
	}{
		{"/v1/session/" + id, auth.ScopeSessionsRead, auth.ScopePaymentRead, false},
		{"/v2.0/payments/" + id + "/status", auth.ScopePaymentRead, auth.ScopeSessionsRead, true},
	} {
		tok := h.token("m-1", ep.scope)
		for _, scheme := range []string{"Bearer", "bearer", "BEARER", "bEaReR"} {
			if res := h.do("GET", ep.path, "", nil, "Authorization", scheme+" "+tok); res.Code != http.StatusOK {
				t.Errorf("GET %s with %q = %d %s; want 200", ep.path, scheme, res.Code, res.Body)
			}
		}
		refused := func(name string, status int, code string, headers ...string) {
			t.Helper()
			res := h.do("GET", ep.path, "", nil, headers...)
			if ep.envelope {
				wantEnvelope(t, res, status, code)
			} else {
				wantProblem(t, res, status, code)
			}
			challenge := res.Header().Get("WWW-Authenticate")
			if !strings.HasPrefix(challenge, "Bearer ") {
				t.Errorf("GET %s %s: WWW-Authenticate %q; want the Bearer challenge", ep.path, name, challenge)
			}
			if status == http.StatusForbidden && !strings.Contains(challenge, `scope="`+ep.scope+`"`) {
				t.Errorf("GET %s %s: WWW-Authenticate %q; want it to name %s", ep.path, name, challenge, ep.scope)
			}
		}
		refused("without credentials", http.StatusUnauthorized, session.ReasonUnauthenticated)
		refused("with an API key", http.StatusUnauthorized, session.ReasonUnauthenticated, "X-Api-Key", key)
		refused("with Basic", http.StatusUnauthorized, session.ReasonUnauthenticated, "Authorization", "Basic "+tok)
		refused("with the other document's scope", http.StatusForbidden, session.ReasonInsufficientScope, "Authorization", "Bearer "+h.token("m-1", ep.other))
	}
}

// TestDocument002ReadWithItsAPIKey: doc002Auth, doc002ID, doc002Defaults.
// The X-Api-Key header is the credential: with it the session create made
// (by its id) reads, whatever Authorization header rides along (a bearer
// token, valid or not, or Basic); without it, 401 with the ApiKey
// challenge, even with a valid bearer token. A session created without
// savePaymentProfile or hosted reads false for both ("Defaults to false").
func TestDocument002ReadWithItsAPIKey(t *testing.T) { eachStore(t, testDocument002ReadWithItsAPIKey) }

func testDocument002ReadWithItsAPIKey(t *testing.T, h *harness) {
	t.Logf("document 002: %q %q %q", doc002Auth, doc002ID, doc002Defaults)
	id := h.create("m-1", map[string]any{"amount": 100, "currency": "USD"})
	key := h.apiKey("m-1", auth.ScopeSessionsRead)
	read := h.token("m-1", auth.ScopeSessionsRead)
	for name, authz := range map[string]string{"": "", "a valid bearer token": "Bearer " + read, "a refused bearer token": "Bearer x.y.z", "Basic": "Basic dXNlcjpwYXNz"} {
		res := h.do("GET", "/payment-sessions/"+id, "", nil, "X-Api-Key", key, "Authorization", authz)
		if res.Code != http.StatusOK {
			t.Errorf("GET 002 with X-Api-Key and %s = %d %s; want 200", name, res.Code, res.Body)
			continue
		}
		b := res.json(t)
		if b["paymentSessionId"] != id || b["savePaymentProfile"] != false || b["hosted"] != false {
			t.Errorf("GET 002 with %s: paymentSessionId %v, savePaymentProfile %v, hosted %v; want %s, false, false", name, b["paymentSessionId"], b["savePaymentProfile"], b["hosted"], id)
		}
	}
	for name, headers := range map[string][]string{
		"no credentials":         nil,
		"a bearer token only":    {"Authorization", "Bearer " + read},
		"the key as bearer":      {"Authorization", "Bearer " + key},
		"an empty X-Api-Key":     {"X-Api-Key", ""},
		"another key's secret":   {"X-Api-Key", otherSecret(key)},
		"a key of another shape": {"X-Api-Key", "pk_test_1234567890abcdef"},
	} {
		res := h.do("GET", "/payment-sessions/"+id, "", nil, headers...)
		wantProblem(t, res, http.StatusUnauthorized, session.ReasonUnauthenticated)
		if c := res.Header().Get("WWW-Authenticate"); !strings.HasPrefix(c, "ApiKey ") {
			t.Errorf("GET 002 with %s: WWW-Authenticate %q; want the ApiKey challenge", name, c)
		}
	}
}

// otherSecret is key with the last character of its secret changed.
func otherSecret(key string) string {
	last := byte('a')
	if key[len(key)-1] == last {
		last = 'b'
	}
	return key[:len(key)-1] + string(last)
}
