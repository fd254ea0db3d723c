package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/smithy-go/middleware"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// The tests of the second seed-fidelity review (issue 10): each reads the
// document's own words, drives real sessions on DynamoDB Local through the
// API into the state, and asserts the exact answer a client written against
// the document gets.

// doPath sends a request whose path is taken as is (it may hold bytes a
// request line cannot), as a server has it after decoding.
func (h *harness) doPath(method, path, token string, headers ...string) response {
	h.t.Helper()
	r := request(method, path, "", nil)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	return response{serve(h, r)}
}

// event reports a processor event and fails the test unless it applies.
func (h *harness) event(id string, body map[string]any) {
	h.t.Helper()
	if res := h.do("POST", "/sessions/"+id+"/events", h.processorToken(), body); res.Code != 200 {
		h.t.Fatalf("event %v on %s = %d %s", body, id, res.Code, res.Body)
	}
}

// cancel is the merchant's cancel, which must apply.
func (h *harness) cancel(merchant, id string) {
	h.t.Helper()
	if res := h.do("POST", "/sessions/"+id+"/cancel", h.merchantToken(merchant), nil); res.Code != 200 {
		h.t.Fatalf("cancel %s = %d %s", id, res.Code, res.Body)
	}
}

// withPolicy is the whole API on the harness's table and clock, creating
// sessions under another lifecycle policy: the service after SESSION_EXPIRY
// was changed between two deployments.
func (h *harness) withPolicy(p session.Policy) *harness {
	h.t.Helper()
	st := storeWithPolicy(h, p)
	jwks := httptest.NewServer(h.iss)
	h.t.Cleanup(jwks.Close)
	authn := auth.New(
		auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: testIssuer, Audience: testAudience}),
		auth.NewAPIKeyVerifier(st, h.clock.Now),
	)
	routes := httpapi.Routes(httpapi.Deps{Store: st, Auth: authn, Now: h.clock.Now})
	other := *h
	other.st = st
	other.handler = httpapi.Middleware(slog.New(slog.NewJSONHandler(io.Discard, nil)), func(*http.Request) string { return "" }, httpapi.NewRouter(routes...))
	return &other
}

// wantGatewayNotFound checks API Gateway's own answer to a request that
// matches no route: 404, application/json, {"message":"Not Found"}, and
// none of the headers the service adds to its own answers.
func wantGatewayNotFound(t testing.TB, res response) {
	t.Helper()
	if res.Code != http.StatusNotFound || res.Body.String() != `{"message":"Not Found"}` {
		t.Errorf("= %d %s; want 404 {\"message\":\"Not Found\"}", res.Code, res.Body)
	}
	if ct := res.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q; want application/json", ct)
	}
	for _, k := range []string{"Cache-Control", "X-Content-Type-Options", "X-Request-Id", "Strict-Transport-Security", "WWW-Authenticate", "Allow"} {
		if v := res.Header().Get(k); v != "" {
			t.Errorf("%s = %q; API Gateway's 404 has none", k, v)
		}
	}
}

// designTable is docs/design.md §5, written out: canonical status → 000,
// 001, 002, 003 at its own endpoint ("401"/"410" for the refusals), 003
// inside a parent, 004.
var designTable = map[session.Status][6]string{
	session.Created:                    {"Initial", "Pending", "PENDING", "INITIATED", "INITIATED", "CREATED"},
	session.Processing:                 {"InProgress", "Processing", "PENDING", "INITIATED", "INITIATED", "IN_PROGRESS"},
	session.Sent:                       {"InProgress", "Sent", "PENDING", "INITIATED", "INITIATED", "IN_PROGRESS"},
	session.RequestReceived:            {"InProgress", "RequestReceived", "PENDING", "INITIATED", "INITIATED", "IN_PROGRESS"},
	session.RequiresAction:             {"InProgress", "RedirectRequired", "REQUIRES_ACTION", "INITIATED", "INITIATED", "IN_PROGRESS"},
	session.OTPPending:                 {"InProgress", "RedirectRequired", "REQUIRES_ACTION", "INITIATED", "INITIATED", "OTP_PENDING"},
	session.Authorised:                 {"Finished", "Authorised", "COMPLETED", "COMPLETED", "COMPLETED", "COMPLETED"},
	session.Settled:                    {"Finished", "Settled", "COMPLETED", "COMPLETED", "COMPLETED", "COMPLETED"},
	session.Failed:                     {"Error", "Failed", "FAILED", "FAILED", "FAILED", "ERROR"},
	session.CancelRequested:            {"Finished", "CancelRequested", "FAILED", "410", "CANCELED", "CANCELED"},
	session.Canceled:                   {"Finished", "Cancelled", "FAILED", "410", "CANCELED", "CANCELED"},
	session.Expired:                    {"Error", "Failed", "FAILED", "401", "INITIATED", "EXPIRED"},
	session.FraudCancellationRequested: {"Finished", "CancelRequested", "COMPLETED", "COMPLETED", "COMPLETED", "FRAUD_CANCELLATION_REQUESTED"},
}

// TestEveryStatusReadsAsDesignTableSays drives one session into each of the
// 13 canonical statuses through the API and reads it through every
// dialect, against docs/design.md §5 written out above (not against the
// code's table), every cell: 003's column twice, at the session's own
// endpoint and as the childSession of a parent. Above all: a canceled
// payment never reads as success.
// 004: "COMPLETED - the transaction has been successfully completed";
// "CANCELED - the buyer clicked on the cancel button". 002: "Available
// options: PENDING, REQUIRES_ACTION, COMPLETED, FAILED". 003: "Session
// Cancellation - Returns 410 if the session has been canceled"; "Session
// Expiration - Returns 401 if the session has expired".
func TestEveryStatusReadsAsDesignTableSays(t *testing.T) {
	eachStore(t, testEveryStatusReadsAsDesignTableSays)
}

func testEveryStatusReadsAsDesignTableSays(t *testing.T, h *harness) {
	d := newDialectReader(h, "m-1")
	// drive moves session id to status s as its clients would (EXPIRED:
	// by the clock, later); authorised, when set, runs between a cancel
	// request's AUTHORISED and the cancel.
	drive := func(id string, s session.Status, authorised func()) {
		switch s {
		case session.Created, session.Expired:
		case session.CancelRequested:
			h.event(id, map[string]any{"status": "AUTHORISED"})
			if authorised != nil {
				authorised()
			}
			h.cancel("m-1", id)
		case session.Canceled:
			h.cancel("m-1", id)
		case session.FraudCancellationRequested:
			h.event(id, map[string]any{"status": "SETTLED"})
			h.event(id, map[string]any{"status": string(s)})
		default:
			h.event(id, map[string]any{"status": string(s)})
		}
	}
	ids := map[session.Status]string{}
	for _, s := range session.Statuses {
		ids[s] = h.create("m-1", nil)
		drive(ids[s], s, nil)
	}
	check := func(t *testing.T, s session.Status) {
		id, want := ids[s], designTable[s]
		rs := d.all(id)
		if got := rs["native"].json(t)["status"]; got != string(s) {
			t.Fatalf("native status = %v; want %s", got, s)
		}
		if got := rs["000"].json(t)["sessionState"]; got != want[0] {
			t.Errorf("000 sessionState = %v; want %s", got, want[0])
		}
		if got := rs["001"].json(t)["data"].(map[string]any)["status"]; got != want[1] {
			t.Errorf("001 status = %v; want %s", got, want[1])
		}
		if got := rs["002"].json(t)["status"]; got != want[2] {
			t.Errorf("002 status = %v; want %s", got, want[2])
		}
		switch want[3] {
		case "401":
			wantProblem(t, rs["003"], 401, session.ReasonSessionExpired)
		case "410":
			wantProblem(t, rs["003"], 410, session.ReasonSessionCanceled)
		default:
			if got := rs["003"].json(t)["data"].(map[string]any)["checkoutSession"].(map[string]any)["checkoutSessionStatus"]; got != want[3] {
				t.Errorf("003 checkoutSessionStatus = %v; want %s", got, want[3])
			}
		}
		if got := rs["004"].json(t)["session_status"]; got != want[5] {
			t.Errorf("004 session_status = %v; want %s", got, want[5])
		}
		var list []map[string]any
		if err := json.Unmarshal(rs["list"].Body.Bytes(), &list); err != nil {
			t.Fatalf("list: %v %s", err, rs["list"].Body)
		}
		found := false
		for _, r := range list {
			if r["session_id"] == id {
				found = true
				if r["session_status"] != want[5] {
					t.Errorf("004 list session_status = %v; want %s", r["session_status"], want[5])
				}
			}
		}
		if !found {
			t.Errorf("004 list lacks %s", id)
		}
	}
	h.clock.Advance(time.Minute)
	for _, s := range session.Statuses {
		if s != session.Expired {
			t.Run(string(s), func(t *testing.T) { check(t, s) })
		}
	}
	h.clock.Set(t0.Add(30 * time.Minute))
	t.Run(string(session.Expired), func(t *testing.T) { check(t, session.Expired) })
	// The table's "003 inside a parent" column: each status as a child, read
	// through its parent at 003. The expired child is made under a shorter
	// SESSION_EXPIRY, so it has expired while its parent is still open.
	h.clock.Set(t0)
	short := h.withPolicy(session.Policy{Expiry: 5 * time.Minute, Retention: 15 * time.Minute})
	parents := map[session.Status]string{}
	for _, s := range session.Statuses {
		parent := h.create("m-1", nil)
		parents[s] = parent
		child := map[string]any{"amount": 1, "currency": "EUR", "parentSessionId": parent}
		if s == session.Expired {
			short.create("m-1", child)
			continue
		}
		// A parent that shows its child's money follows the child (it
		// would read 410 itself at CANCEL_REQUESTED): this parent's own
		// processor settles it first, so it shows its own status and the
		// child.
		drive(h.create("m-1", child), s, func() { h.event(parent, map[string]any{"status": "SETTLED"}) })
	}
	h.clock.Set(t0.Add(6 * time.Minute))
	for _, s := range session.Statuses {
		t.Run("child "+string(s), func(t *testing.T) {
			res := h.do("GET", "/v1/checkout-sessions/"+parents[s], d.tokens["user"], nil, "X-Merchant-Id", "m-1")
			if res.Code != 200 {
				t.Fatalf("003 of the parent = %d %s; want 200", res.Code, res.Body)
			}
			cs, _ := res.json(t)["data"].(map[string]any)["checkoutSession"].(map[string]any)["childSession"].(map[string]any)
			if cs["checkoutSessionStatus"] != designTable[s][4] || cs["expired"] != (s == session.Expired) {
				t.Errorf("003 childSession = %v; want checkoutSessionStatus %s, expired %v", cs, designTable[s][4], s == session.Expired)
			}
		})
	}
}

// TestDocument003ExpiredChild: "EXPIRED | Session has exceeded its time
// limit (represented as INITIATED with isExpired() = true)"; "The parent
// session contains the child session ID and child session details". Inside
// a parent, an expired child is INITIATED with "expired": true (a Java
// bean's isExpired() serialises as "expired"), and childSession.expired is
// always present. A canceled child, or one whose cancellation was
// requested, is CANCELED there (it is refused only at its own endpoint).
func TestDocument003ExpiredChild(t *testing.T) { eachStore(t, testDocument003ExpiredChild) }

func testDocument003ExpiredChild(t *testing.T, h *harness) {
	user := h.token("m-1", auth.ScopeUser)
	get := func(id string) response {
		t.Helper()
		return h.do("GET", "/v1/checkout-sessions/"+id, user, nil, "X-Merchant-Id", "m-1")
	}
	childOf := func(parent string) any {
		t.Helper()
		res := get(parent)
		if res.Code != 200 {
			t.Fatalf("003 of the parent = %d %s; want 200", res.Code, res.Body)
		}
		return res.json(t)["data"].(map[string]any)["checkoutSession"].(map[string]any)["childSession"]
	}
	want := func(id, status, created, expires string, expired bool) map[string]any {
		return map[string]any{"id": id, "checkoutSessionStatus": status, "createdAt": created, "expiresAt": expires, "expired": expired}
	}

	// The parent lives 30 minutes; SESSION_EXPIRY is then lowered to 5
	// minutes, and the child made after that expires long before it.
	parent := h.create("m-1", nil)
	short := h.withPolicy(session.Policy{Expiry: 5 * time.Minute, Retention: 15 * time.Minute})
	h.clock.Advance(time.Minute)
	child := short.create("m-1", map[string]any{"amount": 1, "currency": "EUR", "parentSessionId": parent})
	if got := childOf(parent); !reflect.DeepEqual(got, want(child, "INITIATED", "2026-11-23T10:01:00Z", "2026-11-23T10:06:00Z", false)) {
		t.Errorf("open child = %v; want INITIATED with expired false", got)
	}
	h.clock.Set(t0.Add(6 * time.Minute))
	if got := childOf(parent); !reflect.DeepEqual(got, want(child, "INITIATED", "2026-11-23T10:01:00Z", "2026-11-23T10:06:00Z", true)) {
		t.Errorf("expired child = %v; want INITIATED with expired true", got)
	}
	wantProblem(t, get(child), 401, session.ReasonSessionExpired)

	// The expired child is replaced by a new one, which the merchant cancels.
	second := h.create("m-1", map[string]any{"amount": 1, "currency": "EUR", "parentSessionId": parent})
	h.cancel("m-1", second)
	if got := childOf(parent); !reflect.DeepEqual(got, want(second, "CANCELED", "2026-11-23T10:06:00Z", "2026-11-23T10:30:00Z", false)) {
		t.Errorf("canceled child = %v; want CANCELED with expired false", got)
	}
	wantProblem(t, get(second), 410, session.ReasonSessionCanceled)

	// A child that was authorised (which authorises its parent), then whose
	// cancellation the merchant requested: the parent showed the child's
	// money and follows it, so it is no longer COMPLETED (docs/design.md
	// §5: a session whose money will not move never shows a success word).
	other := h.create("m-1", nil)
	third := h.create("m-1", map[string]any{"amount": 1, "currency": "EUR", "parentSessionId": other})
	h.event(third, map[string]any{"status": "AUTHORISED"})
	if res := get(other); res.Code != 200 || res.json(t)["data"].(map[string]any)["checkoutSession"].(map[string]any)["checkoutSessionStatus"] != "COMPLETED" {
		t.Fatalf("003 of the parent of an authorised child = %d %s; want 200 COMPLETED", res.Code, res.Body)
	}
	h.cancel("m-1", third)
	wantProblem(t, get(other), 410, session.ReasonSessionCanceled)
	wantProblem(t, get(third), 410, session.ReasonSessionCanceled)
}

// TestDocument003ChildShownUntilItsRetentionEnds: README, "childSession
// (id, checkoutSessionStatus, createdAt, expiresAt, expired) when the
// session has a child, in any state, until the child's own retention ends
// (a child closed early is then gone, as at its own endpoints, though its
// parent may still be open and linked to it)". A child canceled at once is
// shown CANCELED inside its open parent until its retainUntil, and from then
// on neither there nor at its own endpoint (404), while the parent is open.
func TestDocument003ChildShownUntilItsRetentionEnds(t *testing.T) {
	eachStore(t, testDocument003ChildShownUntilItsRetentionEnds)
}

func testDocument003ChildShownUntilItsRetentionEnds(t *testing.T, h *harness) {
	user := h.token("m-1", auth.ScopeUser)
	parent := h.create("m-1", nil)
	child := h.create("m-1", map[string]any{"amount": 1, "currency": "EUR", "parentSessionId": parent})
	h.cancel("m-1", child) // retainUntil: t0 + RESULT_RETENTION (15 min); the parent lives 30
	tests := []struct {
		at        time.Duration
		wantChild bool
		wantOwn   int
	}{
		{time.Minute, true, 410},
		{15*time.Minute - time.Second, true, 410},
		{15 * time.Minute, false, 404},
		{29 * time.Minute, false, 404},
	}
	for _, tt := range tests {
		h.clock.Set(t0.Add(tt.at))
		res := h.do("GET", "/v1/checkout-sessions/"+parent, user, nil, "X-Merchant-Id", "m-1")
		if res.Code != 200 {
			t.Fatalf("t0+%v: 003 of the open parent = %d %s; want 200", tt.at, res.Code, res.Body)
		}
		cs := res.json(t)["data"].(map[string]any)["checkoutSession"].(map[string]any)
		got, shown := cs["childSession"].(map[string]any)
		if shown != tt.wantChild || shown && (got["id"] != child || got["checkoutSessionStatus"] != "CANCELED") {
			t.Errorf("t0+%v: childSession = %v; want shown %v (CANCELED)", tt.at, cs["childSession"], tt.wantChild)
		}
		if own := h.do("GET", "/v1/checkout-sessions/"+child, user, nil, "X-Merchant-Id", "m-1"); own.Code != tt.wantOwn {
			t.Errorf("t0+%v: 003 of the child = %d; want %d", tt.at, own.Code, tt.wantOwn)
		}
	}
}

// TestDocument004DeclineReasonsAlwaysAnObject: the record shows
// "decline_reasons": { "category": "string", "reasons": [ … ] }, and "ERROR
// - some processing error has happened (please refer to the field
// decline_reasons)". A client reading .category never meets null: category
// is null and reasons [] when the processor gave none, on every status.
func TestDocument004DeclineReasonsAlwaysAnObject(t *testing.T) {
	eachStore(t, testDocument004DeclineReasonsAlwaysAnObject)
}

func testDocument004DeclineReasonsAlwaysAnObject(t *testing.T, h *harness) {
	read := h.token("m-1", auth.ScopeSessionsRead)
	none := map[string]any{"category": nil, "reasons": []any{}}
	tests := []struct {
		name   string
		events []map[string]any
		status string
		want   map[string]any
	}{
		{"created", nil, "CREATED", none},
		{"in progress", []map[string]any{{"status": "PROCESSING"}}, "IN_PROGRESS", none},
		{"error without reasons", []map[string]any{{"status": "FAILED"}}, "ERROR", none},
		{"error with a category only", []map[string]any{{"status": "FAILED", "declineReasons": map[string]any{"category": "RISK"}}}, "ERROR", map[string]any{"category": "RISK", "reasons": []any{}}},
		{"error with reasons", []map[string]any{{"status": "FAILED", "declineReasons": map[string]any{"category": "RISK", "reasons": []string{"score too high", "velocity"}}}}, "ERROR",
			map[string]any{"category": "RISK", "reasons": []any{"score too high", "velocity"}}},
		{"completed", []map[string]any{{"status": "AUTHORISED"}}, "COMPLETED", none},
		{"canceled", nil, "CANCELED", none},
	}
	ids := map[string]string{}
	for _, tt := range tests {
		id := h.create("m-1", nil)
		ids[tt.name] = id
		for _, ev := range tt.events {
			h.event(id, ev)
		}
		if tt.status == "CANCELED" {
			h.cancel("m-1", id)
		}
	}
	var list []map[string]any
	if err := json.Unmarshal(h.do("GET", "/pps/api/v1/session-record?createdDate=2026-11-23", read, nil).Body.Bytes(), &list); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := h.do("GET", "/pps/api/v1/session-record/"+ids[tt.name], read, nil).json(t)
			if got["session_status"] != tt.status || !reflect.DeepEqual(got["decline_reasons"], tt.want) {
				t.Errorf("record = %v %v; want %s with decline_reasons %v", got["session_status"], got["decline_reasons"], tt.status, tt.want)
			}
			for _, r := range list {
				if r["session_id"] == ids[tt.name] && !reflect.DeepEqual(r, got) {
					t.Errorf("list record = %v; want the record %v", r, got)
				}
			}
		})
	}
}

// TestDocument003InitAsSpringBindsABoolean: "Add init=true to include
// appearance and cardCategories in the response. These fields are omitted
// by default". docs/design.md §6: "an empty value is absent (false),
// characters up to U+0020 at either end are trimmed and of repeated
// values the first counts". The service behind the document is Spring, which binds the
// optional boolean with StringToBooleanConverter: trimmed (Java's trim:
// every character up to U+0020), empty is absent, true/on/yes/1 and
// false/off/no/0 in any case, anything else 400; a repeated parameter is
// read from its first value.
func TestDocument003InitAsSpringBindsABoolean(t *testing.T) {
	eachStore(t, testDocument003InitAsSpringBindsABoolean)
}

func testDocument003InitAsSpringBindsABoolean(t *testing.T, h *harness) {
	user := h.token("m-1", auth.ScopeUser)
	id := h.create("m-1", map[string]any{"amount": 1, "currency": "EUR", "appearance": map[string]any{"theme": "dark"}, "cardCategories": []string{"CREDIT"}})
	const on, off, bad = "on", "off", "400"
	tests := []struct{ query, want string }{
		{"", off}, {"init=true", on}, {"init=false", off},
		{"init=TRUE", on}, {"init=True", on}, {"init=tRuE", on}, {"init=FALSE", off},
		{"init=on", on}, {"init=ON", on}, {"init=off", off}, {"init=Off", off},
		{"init=yes", on}, {"init=YES", on}, {"init=no", off}, {"init=No", off},
		{"init=1", on}, {"init=0", off},
		// Empty or blank: absent.
		{"init=", off}, {"init", off}, {"init=+", off}, {"init=%20%09", off},
		// Trimmed as Java trims: spaces, tabs, newlines, NUL and every other
		// control character at either end.
		{"init=+true+", on}, {"init=%09TRUE%0A", on}, {"init=%00yes%1F", on}, {"init=%0D%0A0", off},
		// The first of several values decides, as Spring reads a String[].
		{"init=true&init=false", on}, {"init=no&init=yes", off}, {"init=yes&init=maybe", on}, {"init=&init=true", off},
		// Other parameters and names are not init.
		{"Init=true", off}, {"x=1&init=on&y=2", on}, {"init%3Dtrue", off}, {"in%69t=true", on},
		// Anything else is 400.
		{"init=maybe", bad}, {"init=2", bad}, {"init=-1", bad}, {"init=01", bad}, {"init=1.0", bad},
		{"init=t", bad}, {"init=y", bad}, {"init=n", bad}, {"init=truee", bad}, {"init=true%00x", bad},
		{"init=tr%20ue", bad}, {"init=true,false", bad}, {"init=true;x", bad},
		// Unicode that looks or folds like the words: Java's toLowerCase
		// maps none of these to them.
		{"init=ye%C5%BF", bad}, {"init=%EF%BD%94rue", bad}, {"init=%C2%A0true", bad}, {"init=true%E3%80%80", bad},
		{"init=%EF%BC%91", bad}, {"init=tru%C3%A9", bad}, {"init=%FF", bad},
		// Not percent-encoding.
		{"init=%", bad}, {"init=%zz", bad}, {"init=tru%e", bad},
		{"init=" + strings.Repeat("a", 8000), bad},
	}
	for _, tt := range tests {
		res := h.do("GET", "/v1/checkout-sessions/"+id+"?"+tt.query, user, nil, "X-Merchant-Id", "m-1")
		if tt.want == bad {
			p := wantProblem(t, res, 400, session.ReasonValidation)
			if p["field"] != "init" {
				t.Errorf("?%s: field = %v; want init", tt.query, p["field"])
			}
			continue
		}
		if res.Code != 200 {
			t.Errorf("?%s = %d %s; want 200", tt.query, res.Code, res.Body)
			continue
		}
		cs := res.json(t)["data"].(map[string]any)["checkoutSession"].(map[string]any)
		_, appearance := cs["appearance"]
		_, categories := cs["cardCategories"]
		if appearance != (tt.want == on) || categories != (tt.want == on) {
			t.Errorf("?%s: appearance %v, cardCategories %v; want both %v", tt.query, appearance, categories, tt.want == on)
		}
		if tt.want == on && (!reflect.DeepEqual(cs["appearance"], map[string]any{"theme": "dark"}) || !reflect.DeepEqual(cs["cardCategories"], []any{"CREDIT"})) {
			t.Errorf("?%s: appearance %v, cardCategories %v; want the session's", tt.query, cs["appearance"], cs["cardCategories"])
		}
	}
}

// TestDocument003ExpiredChallenges: "Session Expiration - Returns 401 if the
// session has expired", and RFC 9110 §15.5.2: "The server generating a 401
// response MUST send a WWW-Authenticate header field containing at least
// one challenge applicable to the target resource." 003 takes a bearer
// token; the token was good, so no RFC 6750 error="invalid_token".
func TestDocument003ExpiredChallenges(t *testing.T) { eachStore(t, testDocument003ExpiredChallenges) }

func testDocument003ExpiredChallenges(t *testing.T, h *harness) {
	user := h.token("m-1", auth.ScopeUser)
	id := h.create("m-1", nil)
	h.clock.Set(t0.Add(30 * time.Minute))
	res := h.do("GET", "/v1/checkout-sessions/"+id, user, nil, "X-Merchant-Id", "m-1")
	wantProblem(t, res, 401, session.ReasonSessionExpired)
	if got := res.Header().Values("WWW-Authenticate"); len(got) != 1 || got[0] != `Bearer realm="paysessions"` {
		t.Errorf("WWW-Authenticate = %q; want [Bearer realm=\"paysessions\"]", got)
	}
	// Every other 401 of the document carries its challenge too: without
	// a token, the bare challenge; with a refused one, RFC 6750's
	// error="invalid_token".
	for _, tt := range []struct{ tok, want string }{
		{"", `Bearer realm="paysessions"`},
		{"not-a-jwt", `Bearer realm="paysessions", error="invalid_token"`},
		{h.iss.MustMint(devtoken.Claims{MerchantID: "m-1", Scopes: []string{auth.ScopeUser}, Audience: "someone-else"}), `Bearer realm="paysessions", error="invalid_token"`},
	} {
		res := h.do("GET", "/v1/checkout-sessions/"+id, tt.tok, nil, "X-Merchant-Id", "m-1")
		if res.Code != 401 || res.Header().Get("WWW-Authenticate") != tt.want {
			t.Errorf("token %.10q: %d WWW-Authenticate %q; want 401 with %s", tt.tok, res.Code, res.Header().Get("WWW-Authenticate"), tt.want)
		}
	}
}

// TestDocument001GuidForms: "paymentId true guid". ASP.NET binds a guid
// route value with Guid.TryParse, which reads 32 digits (N), with dashes
// (D), in braces (B), in parentheses (P) and the hexadecimal structure (X),
// in any case, trimming white space at either end. Every such form reads
// the same payment; a GUID that is not one of ours is 404 in 001's
// envelope, and so is anything else: "404 Not Found When the payment cannot
// be found" is the only answer 001 lists for a payment (401 and 403 are the
// caller's), and an ASP.NET route constrained to a guid answers 404 for a
// segment that is none.
func TestDocument001GuidForms(t *testing.T) { eachStore(t, testDocument001GuidForms) }

func testDocument001GuidForms(t *testing.T, h *harness) {
	tok := h.token("m-1", auth.ScopePaymentRead)
	id := h.create("m-1", nil)
	n := strings.ReplaceAll(id, "-", "")
	up := strings.ToUpper(id)
	x := "{0x" + n[:8] + ",0x" + n[8:12] + ",0x" + n[12:16] + ",{0x" + n[16:18] + ",0x" + n[18:20] + ",0x" + n[20:22] + ",0x" + n[22:24] + ",0x" + n[24:26] + ",0x" + n[26:28] + ",0x" + n[28:30] + ",0x" + n[30:32] + "}}"
	mixed := func(s string) string {
		b := []byte(s)
		for i := range b {
			if i%2 == 0 && 'a' <= b[i] && b[i] <= 'f' {
				b[i] -= 'a' - 'A'
			}
		}
		return string(b)
	}
	found := []string{
		id, up, mixed(id), n, strings.ToUpper(n),
		"{" + id + "}", "{" + up + "}", "(" + id + ")", "(" + mixed(id) + ")",
		x, strings.ToUpper(x), strings.ReplaceAll(x, "0x", "0X"),
		" " + id, id + " ", "\t{" + id + "}\n", "\u00a0" + n + "\u3000", "\u2028(" + id + ")\u0085", "\v\f\r" + x,
	}
	for _, form := range found {
		res := h.doPath("GET", "/v2.0/payments/"+form+"/status", tok)
		if res.Code != 200 {
			t.Errorf("%q = %d %s; want 200", form, res.Code, res.Body)
			continue
		}
		if got := res.json(t)["data"].(map[string]any)["paymentId"]; got != id {
			t.Errorf("%q: paymentId = %v; want %s", form, got, id)
		}
	}
	// As they arrive: percent-encoded braces in a request line, decoded in
	// the path value.
	for _, target := range []string{"%7B" + id + "%7D", "%7b" + up + "%7d", "%28" + id + "%29", "%20" + n + "%20", "%7B0x" + x[3:len(x)-2] + "%7D%7D"} {
		if res := h.do("GET", "/v2.0/payments/"+target+"/status", tok, nil); res.Code != 200 {
			t.Errorf("request line %q = %d %s; want 200", target, res.Code, res.Body)
		}
	}
	// A GUID of no payment of ours, in each form: 404 in the envelope.
	other := "7d1541fa-5747-429a-a6a0-1939f4d88028"
	for _, form := range []string{other, strings.ReplaceAll(other, "-", ""), "{" + other + "}", "(" + strings.ToUpper(other) + ")"} {
		res := h.doPath("GET", "/v2.0/payments/"+form+"/status", tok)
		wantEnvelope(t, res, 404, session.ReasonSessionNotFound)
	}
	// Hostile and almost-right forms.
	refused := []string{
		"{" + id + ")", "(" + id + "}", "{" + id, id + "}", "{{" + id + "}}", "[" + id + "]", "<" + id + ">",
		"{ " + id + "}", "{" + id + " }", id[:8] + " " + id[9:], n + "0", n[:31], id + "0", id[:35],
		"0x" + id[2:], "+" + id[1:], id[:9] + "0x" + id[11:], // .NET's compatibility forms: not read
		"{0x1,0x2,0x3,{0x4,0x5,0x6,0x7,0x8,0x9,0xa,0xb}}", strings.Replace(x, ",", " ,", 1), strings.Replace(x, "0x", "0y", 1),
		strings.Replace(x, "}}", "} }", 1), strings.Replace(x, ",{", ",(", 1),
		"g" + id[1:], strings.ReplaceAll(id, "-", "_"), id[:35] + "\uff41", "\uff11" + id[1:], // a full-width letter or digit in place of an ASCII one
		id + "\x00", "\x00" + id, id + "\u200b", "\ufeff" + id, id + "\xff", "\xc0\xaf" + n,
		"4111111111111111", "4111-1111-1111-1111", "00000000000000000000000000000000000", "../" + id, "%7B" + id + "%7D",
		strings.Repeat("f", 5000),
	}
	for _, form := range refused {
		res := h.doPath("GET", "/v2.0/payments/"+form+"/status", tok)
		if res.Code == http.StatusNotFound && res.Body.String() == httpapi.GatewayNotFound {
			continue // a form that splits the path matches no route
		}
		wantEnvelope(t, res, 404, session.ReasonSessionNotFound)
	}
}

// wantEnvelope checks document 001's error answer: the ApiResponse envelope
// with data null and one notification with code.
func wantEnvelope(t testing.TB, res response, status int, code string) map[string]any {
	t.Helper()
	if res.Code != status || res.Header().Get("Content-Type") != "application/json" {
		t.Errorf("= %d %s %s; want %d application/json", res.Code, res.Header().Get("Content-Type"), res.Body, status)
		return nil
	}
	b := res.json(t)
	n, _ := b["notifications"].([]any)
	if _, has := b["data"]; !has || b["data"] != nil || b["message"] != "The operation failed." || len(n) != 1 || n[0].(map[string]any)["code"] != code {
		t.Errorf("body = %v; want the envelope with data null and a %s notification", b, code)
	}
	return b
}

// TestDocument001MethodNotAllowedInEnvelope: "The endpoint returns our
// ApiResponse envelope", and so does another method on its path (with
// Allow), as the function behind 001's path answers it.
func TestDocument001MethodNotAllowedInEnvelope(t *testing.T) {
	eachStore(t, testDocument001MethodNotAllowedInEnvelope)
}

func testDocument001MethodNotAllowedInEnvelope(t *testing.T, h *harness) {
	id := h.create("m-1", nil)
	for _, method := range []string{"POST", "PUT", "PATCH", "DELETE", "OPTIONS"} {
		for _, path := range []string{"/v2.0/payments/" + id + "/status", "/v2.0/payments/{" + id + "}/status", "/v2.0/payments/not-a-guid/status"} {
			res := h.doPath(method, path, h.token("m-1", auth.ScopePaymentRead))
			wantEnvelope(t, res, 405, session.ReasonMethodNotAllowed)
			if got := res.Header().Get("Allow"); got != "GET, HEAD" {
				t.Errorf("%s %s: Allow = %q; want GET, HEAD", method, path, got)
			}
			if res.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("%s %s: Cache-Control = %q; want no-store", method, path, res.Header().Get("Cache-Control"))
			}
		}
	}
	// Elsewhere a 405 stays a problem document.
	res := h.do("DELETE", "/payment-sessions/"+id, "", nil)
	wantProblem(t, res, 405, session.ReasonMethodNotAllowed)
	if res.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("002 Allow = %q; want GET, HEAD", res.Header().Get("Allow"))
	}
}

// TestDocument001ReasonsInItsOwnWords: the sample's history reads "Payment
// created.", "Started processing payment.", "The payment was sent to the
// payment provider.", "Payment status updated to RedirectRequired via reply
// message from the payment provider." and "Payment status updated to
// Authorised via reply message from the payment provider.". A payment that
// goes the same way with processor events that give no reason reads
// exactly so; the native API keeps the canonical reasons; no change the
// service makes itself (expiry, cancels, parent and child) shows a
// canonical status name in 001.
func TestDocument001ReasonsInItsOwnWords(t *testing.T) {
	eachStore(t, testDocument001ReasonsInItsOwnWords)
}

func testDocument001ReasonsInItsOwnWords(t *testing.T, h *harness) {
	tok := h.token("m-1", auth.ScopePaymentRead)
	id := h.create("m-1", nil)
	for _, s := range []string{"PROCESSING", "SENT", "REQUIRES_ACTION", "AUTHORISED"} {
		h.clock.Advance(time.Second)
		h.event(id, map[string]any{"status": s})
	}
	data := h.do("GET", "/v2.0/payments/"+id+"/status", tok, nil).json(t)["data"].(map[string]any)
	var got []string
	for _, e := range data["history"].([]any) {
		e := e.(map[string]any)
		got = append(got, e["status"].(string)+": "+e["statusReason"].(string))
	}
	want := []string{
		"Pending: Payment created.",
		"Processing: Started processing payment.",
		"Sent: The payment was sent to the payment provider.",
		"RedirectRequired: Payment status updated to RedirectRequired via reply message from the payment provider.",
		"Authorised: Payment status updated to Authorised via reply message from the payment provider.",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("history =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if data["statusReason"] != "Payment status updated to Authorised via reply message from the payment provider." {
		t.Errorf("statusReason = %v", data["statusReason"])
	}
	native := h.do("GET", "/sessions/"+id, h.merchantToken("m-1"), nil).json(t)
	if native["statusReason"] != session.ProcessorReason(session.Authorised) {
		t.Errorf("native statusReason = %v; want the canonical %q", native["statusReason"], session.ProcessorReason(session.Authorised))
	}

	// The service's own changes, every kind.
	h.clock.Set(t0)
	canceled := h.create("m-1", nil)
	h.cancel("m-1", canceled)
	requested := h.create("m-1", nil)
	h.event(requested, map[string]any{"status": "AUTHORISED"})
	h.cancel("m-1", requested)
	parent := h.create("m-1", nil)
	child := h.create("m-1", map[string]any{"amount": 1, "currency": "EUR", "parentSessionId": parent})
	h.cancel("m-1", parent) // closes the child
	authParent := h.create("m-1", nil)
	authChild := h.create("m-1", map[string]any{"amount": 1, "currency": "EUR", "parentSessionId": authParent})
	h.event(authChild, map[string]any{"status": "AUTHORISED"}) // authorises the parent
	procParent := h.create("m-1", nil)
	procChild := h.create("m-1", map[string]any{"amount": 1, "currency": "EUR", "parentSessionId": procParent})
	h.event(procParent, map[string]any{"status": "CANCELED"})
	everyStatus := h.create("m-1", nil)
	for _, s := range []string{"PROCESSING", "SENT", "REQUEST_RECEIVED", "REQUIRES_ACTION", "OTP_PENDING", "CREATED", "AUTHORISED", "SETTLED", "FRAUD_CANCELLATION_REQUESTED", "CANCELED"} {
		h.event(everyStatus, map[string]any{"status": s})
	}
	failed := h.create("m-1", nil)
	h.event(failed, map[string]any{"status": "FAILED"})
	expiring := h.create("m-1", nil)
	last := map[string]string{
		canceled:   "Payment cancelled by the merchant.",
		requested:  "Payment cancellation requested by the merchant.",
		parent:     "Payment cancelled by the merchant.",
		child:      "Payment cancelled because its parent payment was closed.",
		authParent: "Payment status updated to Authorised by its child payment " + authChild + ".",
		expiring:   "Payment expired before it was completed.",
		failed:     "Payment status updated to Failed via reply message from the payment provider.",
	}
	reads := []string{canceled, requested, parent, child, authParent, authChild, procParent, procChild, everyStatus, failed, expiring}
	for i, id := range reads {
		if id == expiring {
			h.clock.Set(t0.Add(30 * time.Minute)) // the closed ones are gone by then
		} else {
			h.clock.Set(t0.Add(time.Duration(i) * time.Second))
		}
		res := h.do("GET", "/v2.0/payments/"+id+"/status", tok, nil)
		if res.Code != 200 {
			t.Errorf("001 of %s = %d %s", id, res.Code, res.Body)
			continue
		}
		data := res.json(t)["data"].(map[string]any)
		reasons := []string{data["statusReason"].(string)}
		for _, e := range data["history"].([]any) {
			reasons = append(reasons, e.(map[string]any)["statusReason"].(string))
		}
		for _, r := range reasons {
			for _, s := range session.Statuses {
				if strings.Contains(r, string(s)) {
					t.Errorf("001 of %s shows %q; a canonical name (%s) in 001's reasons", id, r, s)
				}
			}
		}
		if w, ok := last[id]; ok && reasons[len(reasons)-1] != w {
			t.Errorf("001 of %s: last reason %q; want %q", id, reasons[len(reasons)-1], w)
		}
	}
}

// TestDocuments002And004OpaqueIDs: 002 "paymentSessionId string required
// The unique identifier of the payment session to retrieve"; 004
// "session_id": "string". An id in these documents is an opaque string: one
// that is not ours is a session not found, 404, not a malformed request.
// A value that cannot be one of our ids never reaches DynamoDB.
//
// On storetest.Memory the store's reads are counted (so -short runs hold
// it), on DynamoDB Local every call the client makes.
func TestDocuments002And004OpaqueIDs(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		clock := storetest.NewClock(t0)
		st := &readCounting{harnessStore: storetest.NewMemory(session.DefaultPolicy, clock.Now)}
		testDocuments002And004OpaqueIDs(t, serveStore(t, st, clock), func() int { return int(st.reads.Swap(0)) })
	})
	t.Run("dynamodb", func(t *testing.T) {
		calls := &storetest.CallCounter{}
		h := newHarnessWith(t, store.ClientOptions{APIOptions: []func(*middleware.Stack) error{calls.APIOption}})
		testDocuments002And004OpaqueIDs(t, h, func() int { return len(calls.Take()) })
	})
}

// readCounting counts the reads of sessions and keys its store is asked
// for.
type readCounting struct {
	harnessStore
	reads atomic.Int64
}

func (s *readCounting) GetOwned(ctx context.Context, merchantID, id string) (*session.Session, error) {
	s.reads.Add(1)
	return s.harnessStore.GetOwned(ctx, merchantID, id)
}

func (s *readCounting) GetRecord(ctx context.Context, merchantID, id string) (*session.Session, error) {
	s.reads.Add(1)
	return s.harnessStore.GetRecord(ctx, merchantID, id)
}

func (s *readCounting) GetWithChild(ctx context.Context, merchantID, id string) (v, child *session.Session, err error) {
	s.reads.Add(1)
	return s.harnessStore.GetWithChild(ctx, merchantID, id)
}

func (s *readCounting) APIKey(ctx context.Context, id string) (*store.APIKey, error) {
	s.reads.Add(1)
	return s.harnessStore.APIKey(ctx, id)
}

// testDocuments002And004OpaqueIDs is TestDocuments002And004OpaqueIDs on h,
// whose store reads (DynamoDB calls) since the last call reads returns.
func testDocuments002And004OpaqueIDs(t *testing.T, h *harness, reads func() int) {
	read := h.token("m-1", auth.ScopeSessionsRead)
	key := h.apiKey("m-1", auth.ScopeSessionsRead)
	id := h.create("m-1", nil)
	h.do("GET", "/payment-sessions/"+id, "", nil, "X-Api-Key", key) // the key is cached from here on
	ids := []string{
		"not-a-uuid", "string", "0", "d2e3f4a5-b6c7-8901-2345-012345678901x", "{" + id + "}", strings.ReplaceAll(id, "-", ""),
		"4111111111111111", "4111 1111 1111 1111", "SESSION#" + id, id + "#SESSION", "' OR 1=1 --", "${jndi:ldap:x}",
		"\x00", id + "\x00", "\u202e" + id, "é", "\xff\xfe", "%", "...", strings.Repeat("a", 5000),
	}
	for _, bad := range ids {
		reads()
		wantProblem(t, h.doPath("GET", "/payment-sessions/"+bad, "", "X-Api-Key", key), 404, session.ReasonSessionNotFound)
		wantProblem(t, h.doPath("GET", "/pps/api/v1/session-record/"+bad, read), 404, session.ReasonSessionNotFound)
		if got := reads(); got != 0 {
			t.Errorf("%q: store reads (DynamoDB calls): got %d; want 0", bad, got)
		}
	}
	// A UUID is read: the count above is no count of nothing.
	reads()
	wantProblem(t, h.do("GET", "/pps/api/v1/session-record/7d1541fa-5747-429a-a6a0-1939f4d88028", read, nil), 404, session.ReasonSessionNotFound)
	if got := reads(); got == 0 {
		t.Errorf("a UUID of no session: store reads (DynamoDB calls): got %d; want at least 1", got)
	}
	// A UUID of no session is read, and not found.
	for _, unknown := range []string{"7d1541fa-5747-429a-a6a0-1939f4d88028", "7D1541FA-5747-429A-A6A0-1939F4D88028"} {
		wantProblem(t, h.do("GET", "/payment-sessions/"+unknown, "", nil, "X-Api-Key", key), 404, session.ReasonSessionNotFound)
		wantProblem(t, h.do("GET", "/pps/api/v1/session-record/"+unknown, read, nil), 404, session.ReasonSessionNotFound)
	}
	// Ours, in either case, is found, and the answer names it as stored,
	// never as the request spelled it: docs/design.md §3, "`id` (a
	// lower-case UUID v4, which is also 000's `sessionGuid`, 001's
	// `paymentId`, 002's `paymentSessionId`, 003's `id` and 004's
	// `session_id`)"; the answers' SessionUuid in docs/openapi.yaml: "A
	// session id as the service writes it, lower case."
	for _, form := range []string{id, strings.ToUpper(id)} {
		for _, c := range []struct {
			doc, field string
			res        response
		}{
			{"002", "paymentSessionId", h.do("GET", "/payment-sessions/"+form, "", nil, "X-Api-Key", key)},
			{"004", "session_id", h.do("GET", "/pps/api/v1/session-record/"+form, read, nil)},
		} {
			if c.res.Code != 200 {
				t.Errorf("%s %s: status got %d; want 200", c.doc, form, c.res.Code)
				continue
			}
			if got := c.res.json(t)[c.field]; got != id {
				t.Errorf("%s %s: %s got %v; want %v", c.doc, form, c.field, got, id)
			}
		}
	}
	// Documents whose ids are GUIDs still refuse a malformed one with 400.
	wantProblem(t, h.do("GET", "/v1/session/not-a-uuid", read, nil), 400, session.ReasonValidation)
	wantProblem(t, h.do("GET", "/v1/checkout-sessions/not-a-uuid", h.token("m-1", auth.ScopeUser), nil, "X-Merchant-Id", "m-1"), 400, session.ReasonValidation)
	// Credentials are still checked first.
	wantProblem(t, h.do("GET", "/payment-sessions/not-a-uuid", "", nil), 401, session.ReasonUnauthenticated)
}

// TestDocument002HostedShowsItsURLs: 002's returnUrl is "Present when
// hosted is true", and so is cancelUrl. A session cannot be hosted without
// them (400 naming the missing one), so every hosted session 002 shows has
// both, and one that is not hosted has neither.
func TestDocument002HostedShowsItsURLs(t *testing.T) { eachStore(t, testDocument002HostedShowsItsURLs) }

func testDocument002HostedShowsItsURLs(t *testing.T, h *harness) {
	tok := h.merchantToken("m-1")
	const back, cart = "https://shop.example/order/confirmation", "https://shop.example/order/checkout"
	for _, tt := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"hosted": true}, "returnUrl"},
		{map[string]any{"hosted": true, "cancelUrl": cart}, "returnUrl"},
		{map[string]any{"hosted": true, "returnUrl": back}, "cancelUrl"},
		{map[string]any{"hosted": true, "returnUrl": "", "cancelUrl": cart}, "returnUrl"},
	} {
		tt.body["amount"], tt.body["currency"] = 1, "EUR"
		p := wantProblem(t, h.do("POST", "/sessions", tok, tt.body), 400, session.ReasonValidation)
		if p["field"] != tt.field {
			t.Errorf("%v: field = %v; want %s", tt.body, p["field"], tt.field)
		}
	}
	key := h.apiKey("m-1", auth.ScopeSessionsRead)
	hosted := h.create("m-1", map[string]any{"amount": 1, "currency": "EUR", "hosted": true, "returnUrl": back, "cancelUrl": cart})
	embedded := h.create("m-1", map[string]any{"amount": 1, "currency": "EUR", "returnUrl": back, "cancelUrl": cart})
	got := h.do("GET", "/payment-sessions/"+hosted, "", nil, "X-Api-Key", key).json(t)
	if got["hosted"] != true || got["returnUrl"] != back || got["cancelUrl"] != cart {
		t.Errorf("hosted session = %v; want hosted true with returnUrl %s and cancelUrl %s", got, back, cart)
	}
	got = h.do("GET", "/payment-sessions/"+embedded, "", nil, "X-Api-Key", key).json(t)
	_, hasReturn := got["returnUrl"]
	_, hasCancel := got["cancelUrl"]
	if got["hosted"] != false || hasReturn || hasCancel {
		t.Errorf("embedded session = %v; want hosted false without returnUrl or cancelUrl", got)
	}
}

// TestUnmatchedPathAnswersAsAPIGateway: on AWS a request that matches no
// route of the HTTP API never reaches a Lambda; API Gateway answers 404
// {"message":"Not Found"} itself, and so does the local server. A known
// path with another method reaches its function, which answers 405 with
// Allow.
func TestUnmatchedPathAnswersAsAPIGateway(t *testing.T) {
	eachStore(t, testUnmatchedPathAnswersAsAPIGateway)
}

func testUnmatchedPathAnswersAsAPIGateway(t *testing.T, h *harness) {
	tok := h.merchantToken("m-1")
	id := h.create("m-1", nil)
	for _, c := range []struct{ method, path string }{
		{"GET", "/"}, {"GET", "/nope"}, {"POST", "/nope"}, {"DELETE", "/v2.0/payments"}, {"GET", "/sessions/"},
		{"GET", "/sessions/" + id + "/"}, {"GET", "/v2.0/payments/" + id}, {"GET", "/v2.0/payments/" + id + "/status/x"},
		{"GET", "/pps/api/v1/session-record/"}, {"GET", "/SESSIONS/" + id}, {"GET", "/v1/session"}, {"PUT", "/api-keys/a/b"},
	} {
		res := h.do(c.method, c.path, tok, nil)
		t.Run(c.method+" "+c.path, func(t *testing.T) { wantGatewayNotFound(t, res) })
	}
	res := h.do("DELETE", "/sessions/"+id, tok, nil)
	wantProblem(t, res, 405, session.ReasonMethodNotAllowed)
	if res.Header().Get("Allow") != "GET, HEAD" || res.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("405 headers = %v; want Allow: GET, HEAD and Cache-Control: no-store", res.Header())
	}
	// The log still has one line for it, with the request id.
	lines := logLines(t, h.logs.String())
	var seen bool
	for _, l := range lines {
		if l["path"] == "/nope" && l["status"] == 404.0 && l["request_id"] != "" {
			seen = true
		}
	}
	if !seen {
		t.Errorf("no log line for the unmatched request")
	}
}

// TestDocument004QueryReadAsSentOrRefused: document 004's list takes
// "createdDate ... A date, formatted as yyyy-MM-dd", and docs/design.md §6:
// "A missing or malformed `createdDate`, `limit` or `cursor` is 400". A
// parameter is read from the query as a servlet container splits it (on
// '&' only): a value that is not valid percent-encoding, or that holds a
// ';', is a malformed value, never a parameter that was not sent. Before,
// "limit=2;x" and "limit=%zz" were dropped by Go's query parser and the
// client that asked for a page of 2 got the whole day. A cursor sent twice
// (openapi.yaml's cursor: "The `cursor` of the previous page's `Link`
// header", one value) is malformed as limit sent twice is, never one of
// them taken.
func TestDocument004QueryReadAsSentOrRefused(t *testing.T) {
	eachStore(t, testDocument004QueryReadAsSentOrRefused)
}

func testDocument004QueryReadAsSentOrRefused(t *testing.T, h *harness) {
	read := h.token("m-1", auth.ScopeSessionsRead)
	for range 3 {
		h.create("m-1", nil)
	}
	const day = "createdDate=2026-11-23"
	// A cursor this list made: sent twice, even the same one twice, it is
	// as malformed as limit sent twice (which page is asked for?).
	cur := nextCursor(t, h.do("GET", "/pps/api/v1/session-record?"+day+"&limit=1", read, nil))
	bad := []struct{ query, field string }{
		{day + "&limit=1&cursor=" + cur + "&cursor=" + cur, "cursor"},
		{day + "&cursor=" + cur + "&curs%6Fr=" + cur, "cursor"},
		{day + "&limit=%zz", "limit"},
		{day + "&limit=2;x", "limit"},
		{day + "&limit=2%3Bx", "limit"},
		{day + "&limit=%", "limit"},
		{day + "&limit=1&limit=%zz", "limit"},
		{day + "&limit=2&limit=3", "limit"}, // two pages asked: which one is malformed
		{day + "&limit=2&limit=2", "limit"},
		{day + "&cursor=%zz", "cursor"},
		{day + "&cursor=abc;x", "cursor"},
		{day + "&limit=1&cursor=%", "cursor"},
		{"createdDate=2026-11-23;x=1", "createdDate"},
		{"createdDate=%zz", "createdDate"},
		{day + "&createdDate=%zz", "createdDate"},
		{day + "&createdDate=2026-11-23;x", "createdDate"},
	}
	for _, tt := range bad {
		res := h.do("GET", "/pps/api/v1/session-record?"+tt.query, read, nil)
		if res.Code != 400 {
			t.Errorf("?%s = %d %.80s; want 400 naming %s", tt.query, res.Code, res.Body, tt.field)
			continue
		}
		p := wantProblem(t, res, 400, session.ReasonValidation)
		if p["field"] != tt.field {
			t.Errorf("?%s: field = %v; want %s", tt.query, p["field"], tt.field)
		}
	}
	// Names are decoded as a servlet decodes them; parameters the list does
	// not read are not judged.
	good := []struct {
		query string
		n     int
		link  bool
	}{
		{day, 3, false},
		{day + "&lim%69t=1", 1, true},
		{"created%44ate=2026-11-23&limit=2", 2, true},
		{day + "&x=%zz", 3, false},
		{day + "&x=1;y", 3, false},
		{day + "&limit=3", 3, false},
	}
	for _, tt := range good {
		res := h.do("GET", "/pps/api/v1/session-record?"+tt.query, read, nil)
		var list []any
		if res.Code != 200 || json.Unmarshal(res.Body.Bytes(), &list) != nil {
			t.Errorf("?%s = %d %s; want 200 and an array", tt.query, res.Code, res.Body)
			continue
		}
		if len(list) != tt.n || (res.Header().Get("Link") != "") != tt.link {
			t.Errorf("?%s: %d records, Link %q; want %d, a Link %v", tt.query, len(list), res.Header().Get("Link"), tt.n, tt.link)
		}
	}
}
