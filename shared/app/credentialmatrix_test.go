package app_test

// Every credential against every route, on the Lambda path: each route is
// its own function (its own App, so its own token and key caches, as a
// container on AWS), reached through the api-proxy adapter with headers
// as API Gateway delivers them. The answers are derived from
// docs/design.md §2 and §7 by a reference written from the contract's
// words (cmWant), not from the code's rules.

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/app"
	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/session"
)

// The matrix's merchants: cmOwner owns every resource a request names.
const (
	cmOwner = "m-1"
	cmOther = "m-2"
)

var cmAllScopes = []string{
	auth.ScopeSessionsRead, auth.ScopeSessionsWrite, auth.ScopeSessionsProcess,
	auth.ScopeAPIKeysWrite, auth.ScopePaymentRead, auth.ScopeUser,
}

// cmIdentity is what a credential is, as the contract reads it: a bearer
// token or an API key, valid or not, acting for a merchant ("" for none)
// with scopes.
type cmIdentity struct {
	valid    bool
	merchant string
	scopes   []string
}

// cmCredential is a credential case: the Authorization and X-Api-Key
// values sent ("" for none) and what each is.
type cmCredential struct {
	name          string
	authorization string
	key           string
	token, apiKey cmIdentity
}

// cmRoute is a row of docs/design.md §2's table.
type cmRoute struct {
	pattern  string
	scopes   []string // what the caller must hold (POST /api-keys: apikeys:write and the key's sessions:read)
	bearer   bool
	apiKey   bool
	merchant bool // acts for a merchant: every route but events
	header   bool // reads X-Merchant-Id (003)
	success  int
	// request builds the route's request on target (an m-1 session, or an
	// m-1 API key id for DELETE /api-keys).
	request func(target string) (path, body string)
	// other is the answer when a merchant other than the target's owner
	// acts: 404 (an unknown one), or the route's success on its own data.
	other int
}

// cmWant is the answer the contract gives: status and code.
type cmWant struct {
	status int
	code   string
	actor  string // on success, the merchant the answer must be about ("" for none to check)
}

// cmRef is the reference: docs/design.md §7, "On an endpoint that takes
// both, a request with a bearer token is judged by the token alone"; an
// endpoint that takes one kind ignores the other (README); "a token that
// carries a merchant_id acts for that merchant whatever its scopes";
// "sessions:process (processors) may report events on any merchant's
// session and needs no merchant_id"; "another merchant's session answers
// exactly as an unknown one (404)"; document 003's X-Merchant-Id is
// required, one value, and must be the caller's (400, 403).
func cmRef(rt cmRoute, c cmCredential, merchantHeader *string) cmWant {
	var who cmIdentity
	switch {
	case rt.bearer && c.authorization != "":
		who = c.token
	case rt.apiKey && c.key != "":
		who = c.apiKey
	default:
		return cmWant{401, session.ReasonUnauthenticated, ""}
	}
	if !who.valid {
		return cmWant{401, session.ReasonUnauthenticated, ""}
	}
	for _, s := range rt.scopes {
		if !slices.Contains(who.scopes, s) {
			return cmWant{403, session.ReasonInsufficientScope, ""}
		}
	}
	if rt.merchant && who.merchant == "" {
		return cmWant{403, session.ReasonMerchantRequired, ""}
	}
	if rt.header {
		switch {
		case merchantHeader == nil || strings.Trim(*merchantHeader, " \t") == "" || strings.Contains(*merchantHeader, ","):
			return cmWant{400, session.ReasonValidation, ""}
		case *merchantHeader != who.merchant:
			return cmWant{403, session.ReasonMerchantMismatch, ""}
		}
	}
	if who.merchant != "" && who.merchant != cmOwner {
		switch rt.other {
		case 404:
			code := session.ReasonSessionNotFound
			if rt.pattern == httpapi.PatternDeleteAPIKey {
				code = session.ReasonNotFound
			}
			return cmWant{404, code, ""}
		default:
			return cmWant{rt.other, "", who.merchant}
		}
	}
	actor := who.merchant
	if actor == "" {
		actor = cmOwner // a processor acts on the owner's session
	}
	return cmWant{rt.success, "", actor}
}

func cmRoutes() []cmRoute {
	const (
		read    = auth.ScopeSessionsRead
		write   = auth.ScopeSessionsWrite
		process = auth.ScopeSessionsProcess
		keys    = auth.ScopeAPIKeysWrite
	)
	get := func(prefix, suffix string) func(string) (string, string) {
		return func(id string) (string, string) { return prefix + id + suffix, "" }
	}
	return []cmRoute{
		{httpapi.PatternV1Session, []string{read}, true, false, true, false, 200, get("/v1/session/", ""), 404},
		{httpapi.PatternPaymentStatus, []string{auth.ScopePaymentRead}, true, false, true, false, 200, get("/v2.0/payments/", "/status"), 404},
		{httpapi.PatternPaymentSession, []string{read}, false, true, true, false, 200, get("/payment-sessions/", ""), 404},
		{httpapi.PatternCheckoutSession, []string{auth.ScopeUser}, true, false, true, true, 200, get("/v1/checkout-sessions/", ""), 404},
		{httpapi.PatternSessionRecords, []string{read}, true, false, true, false, 200,
			func(string) (string, string) { return "/pps/api/v1/session-record?createdDate=2026-11-23", "" }, 200},
		{httpapi.PatternSessionRecord, []string{read}, true, false, true, false, 200, get("/pps/api/v1/session-record/", ""), 404},
		{httpapi.PatternCreateSession, []string{write}, true, true, true, false, 201,
			func(string) (string, string) { return "/sessions", `{"amount":100,"currency":"EUR"}` }, 201},
		{httpapi.PatternGetSession, []string{read}, true, true, true, false, 200, get("/sessions/", ""), 404},
		{httpapi.PatternPostEvent, []string{process}, true, false, false, false, 200,
			func(id string) (string, string) { return "/sessions/" + id + "/events", `{"status":"PROCESSING"}` }, 404},
		{httpapi.PatternCancelSession, []string{write}, true, true, true, false, 200,
			func(id string) (string, string) { return "/sessions/" + id + "/cancel", `{}` }, 404},
		{httpapi.PatternCreateAPIKey, []string{keys, read}, true, false, true, false, 201,
			func(string) (string, string) { return "/api-keys", `{"scopes":["sessions:read"]}` }, 201},
		{httpapi.PatternDeleteAPIKey, []string{keys}, true, false, true, false, 204,
			func(id string) (string, string) { return "/api-keys/" + id, "" }, 404},
	}
}

// cmMatrix is the matrix's world: one App per route (a container each),
// the identity provider, and m-1's resources.
type cmMatrix struct {
	f          *fixture
	containers map[string]app.LambdaHandler
	day        string
}

func (m *cmMatrix) call(t *testing.T, pattern, path, body string, headers map[string]string) events.APIGatewayV2HTTPResponse {
	t.Helper()
	method, _, _ := strings.Cut(pattern, " ")
	raw, query, _ := strings.Cut(path, "?")
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: pattern, RawPath: raw, RawQueryString: query, Headers: headers, Body: body,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RequestID: "req-1", RouteKey: pattern, Stage: "$default",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: raw, Protocol: "HTTP/1.1", SourceIP: "203.0.113.10"},
		},
	}
	res, err := m.containers[pattern](context.Background(), ev)
	if err != nil {
		t.Fatalf("%s %s: handler error = %v", method, path, err)
	}
	return res
}

// newSession stores a fresh session of merchant, created now.
func (m *cmMatrix) newSession(t *testing.T, merchant string) string {
	t.Helper()
	amount := int64(8800)
	v := session.New(&session.Draft{Amount: &amount, Currency: "ZAR"}, merchant, uuid.NewString(), "hcp", m.f.clock.Now(), m.f.app.Config.Policy())
	if _, _, err := m.f.app.Store.Create(context.Background(), v, nil, 0, nil); err != nil {
		t.Fatal(err)
	}
	return v.ID
}

// newKey makes merchant's API key with scopes through POST /api-keys.
func (m *cmMatrix) newKey(t *testing.T, merchant string, scopes ...string) (id, key string) {
	t.Helper()
	tok := m.f.iss.MustMint(devtoken.Claims{MerchantID: merchant, Scopes: append([]string{auth.ScopeAPIKeysWrite}, scopes...)})
	b, _ := json.Marshal(map[string]any{"scopes": scopes})
	res := m.call(t, httpapi.PatternCreateAPIKey, "/api-keys", string(b), map[string]string{"authorization": "Bearer " + tok, "content-type": "application/json"})
	if res.StatusCode != 201 {
		t.Fatalf("POST /api-keys = %d %s; want 201", res.StatusCode, res.Body)
	}
	var k struct{ KeyID, Key string }
	if err := json.Unmarshal([]byte(res.Body), &k); err != nil {
		t.Fatal(err)
	}
	return k.KeyID, k.Key
}

func newCMMatrix(t *testing.T) *cmMatrix {
	t.Helper()
	f := newFixture(t)
	m := &cmMatrix{f: f, containers: map[string]app.LambdaHandler{}, day: f.clock.Now().Format(time.DateOnly)}
	for _, rt := range cmRoutes() {
		a, err := app.New(context.Background(), f.app.Config, app.Options{Log: f.logs, Now: f.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		m.containers[rt.pattern] = a.MustRoute(rt.pattern)
	}
	return m
}

// cmCodeOf is an error answer's code: problem+json's, or document 001's
// first notification's.
func cmCodeOf(body string) string {
	var b struct {
		Code          string `json:"code"`
		Notifications []struct {
			Code string `json:"code"`
		} `json:"notifications"`
	}
	if json.Unmarshal([]byte(body), &b) != nil {
		return ""
	}
	if b.Code == "" && len(b.Notifications) > 0 {
		return b.Notifications[0].Code
	}
	return b.Code
}

// cmActor is the merchant a success's answer is about ("" when the
// answer names none, or names several).
func cmActor(t *testing.T, rt cmRoute, body string) string {
	t.Helper()
	switch rt.pattern {
	case httpapi.PatternDeleteAPIKey:
		return ""
	case httpapi.PatternSessionRecords:
		var recs []map[string]any
		if err := json.Unmarshal([]byte(body), &recs); err != nil {
			t.Fatalf("list body %.200q: %v", body, err)
		}
		return "" // a list names no one merchant; the matrix checks that another merchant's list never holds m-1's session
	}
	var b map[string]any
	if err := json.Unmarshal([]byte(body), &b); err != nil {
		t.Fatalf("body %.200q: %v", body, err)
	}
	if s, ok := b["merchantId"].(string); ok {
		return s
	}
	return ""
}

// TestEveryCredentialOnEveryRouteThroughLambda: every route × each kind of
// credential (a merchant's token with every scope, with some, with
// sessions:process; a processor's token, with and without every other
// scope; each kind of API key; another merchant's token and key; a revoked
// key; a token for another audience or of another issuer; a bearer token
// and an API key sent together, of one merchant or two, the token bad or
// short of the scope) × X-Merchant-Id absent, the
// owner's, another merchant's, and malformed. Each answer is exactly the
// reference's (cmRef): status and code, and on success the merchant the
// answer is about. A request that is refused changes nothing: the
// session or key it named is as it was. X-Merchant-Id never changes who
// acts, on any route.
func TestEveryCredentialOnEveryRouteThroughLambda(t *testing.T) {
	m := newCMMatrix(t)
	const (
		read  = auth.ScopeSessionsRead
		write = auth.ScopeSessionsWrite
		proc  = auth.ScopeSessionsProcess
		keys  = auth.ScopeAPIKeysWrite
	)
	tok := func(merchant string, scopes ...string) (string, cmIdentity) {
		return "Bearer " + m.f.iss.MustMint(devtoken.Claims{MerchantID: merchant, Scopes: scopes}), cmIdentity{true, merchant, scopes}
	}
	key := func(merchant string, scopes ...string) (string, cmIdentity) {
		_, k := m.newKey(t, merchant, scopes...)
		return k, cmIdentity{true, merchant, scopes}
	}
	var creds []cmCredential
	addToken := func(name string, v string, id cmIdentity) {
		creds = append(creds, cmCredential{name: name, authorization: v, token: id})
	}
	addKey := func(name string, v string, id cmIdentity) {
		creds = append(creds, cmCredential{name: name, key: v, apiKey: id})
	}
	mintAdd := func(name, merchant string, scopes ...string) {
		v, id := tok(merchant, scopes...)
		addToken(name, v, id)
	}
	keyAdd := func(name, merchant string, scopes ...string) {
		v, id := key(merchant, scopes...)
		addKey(name, v, id)
	}
	both := func(name string, a string, aid cmIdentity, k string, kid cmIdentity) {
		creds = append(creds, cmCredential{name: name, authorization: a, token: aid, key: k, apiKey: kid})
	}
	m1All, m1AllID := tok(cmOwner, cmAllScopes...)
	m2All, m2AllID := tok(cmOther, cmAllScopes...)
	m1Keys, m1KeysID := tok(cmOwner, keys)
	procTok, procID := tok("", proc)
	addToken("m-1 token, every scope", m1All, m1AllID)
	mintAdd("m-1 token, read and write", cmOwner, read, write)
	addToken("m-1 token, apikeys:write only", m1Keys, m1KeysID)
	mintAdd("m-1 token, sessions:process only", cmOwner, proc)
	mintAdd("m-1 token, no scope", cmOwner)
	addToken("m-2 token, every scope", m2All, m2AllID)
	addToken("processor token", procTok, procID)
	mintAdd("processor token, every scope", "", cmAllScopes...)
	m1RW, m1RWID := key(cmOwner, read, write)
	m2RW, m2RWID := key(cmOther, read, write)
	keyAdd("m-1 key, read", cmOwner, read)
	keyAdd("m-1 key, write", cmOwner, write)
	addKey("m-1 key, read and write", m1RW, m1RWID)
	addKey("m-2 key, read and write", m2RW, m2RWID)
	revokedID, revoked := m.newKey(t, cmOwner, read, write)
	if res := m.call(t, httpapi.PatternDeleteAPIKey, "/api-keys/"+revokedID, "", map[string]string{"authorization": m1Keys}); res.StatusCode != 204 {
		t.Fatalf("revoke: %d %s", res.StatusCode, res.Body)
	}
	addKey("m-1 key, revoked", revoked, cmIdentity{})
	both("m-1 token + m-2 key", m1All, m1AllID, m2RW, m2RWID)
	both("m-2 token + m-1 key", m2All, m2AllID, m1RW, m1RWID)
	both("processor token + m-1 key", procTok, procID, m1RW, m1RWID)
	both("m-1 apikeys:write token + m-1 key", m1Keys, m1KeysID, m1RW, m1RWID)
	both("bad token + m-1 key", "Bearer x.y.z", cmIdentity{}, m1RW, m1RWID)
	both("m-1 key as bearer + m-1 key", "Bearer "+m1RW, cmIdentity{}, m1RW, m1RWID)
	both("m-1 token + revoked key", m1All, m1AllID, revoked, cmIdentity{})
	// Tokens signed by the service's own identity provider but not for it:
	// docs/design.md §7 ("with the issuer (`JWT_ISSUER`) and audience
	// (`JWT_AUDIENCE`) required"), so invalid whatever they carry, and
	// judged alone beside a good key.
	otherAud := "Bearer " + m.f.iss.MustMint(devtoken.Claims{MerchantID: cmOwner, Scopes: cmAllScopes, Audience: "another-api"})
	otherIss := "Bearer " + m.f.iss.MustMint(devtoken.Claims{MerchantID: cmOwner, Scopes: cmAllScopes, Issuer: "https://another-issuer.example"})
	addToken("m-1 token for another audience, every scope", otherAud, cmIdentity{})
	addToken("m-1 token of another issuer, every scope", otherIss, cmIdentity{})
	both("m-1 token for another audience + m-1 key", otherAud, cmIdentity{}, m1RW, m1RWID)

	str := func(s string) *string { return &s }
	headers := []struct {
		name  string
		value *string
	}{
		{"no X-Merchant-Id", nil},
		{"X-Merchant-Id m-1", str(cmOwner)},
		{"X-Merchant-Id m-2", str(cmOther)},
		{"X-Merchant-Id empty", str("")},
		{"X-Merchant-Id m-2,m-1", str(cmOther + "," + cmOwner)},
		{"X-Merchant-Id m-1 and NBSP", str(cmOwner + "\u00a0")},
	}

	shared := m.newSession(t, cmOwner)
	for _, rt := range cmRoutes() {
		writes := rt.pattern == httpapi.PatternCancelSession || rt.pattern == httpapi.PatternPostEvent || rt.pattern == httpapi.PatternDeleteAPIKey
		for _, c := range creds {
			for _, hd := range headers {
				want := cmRef(rt, c, hd.value)
				target := shared
				switch {
				case rt.pattern == httpapi.PatternDeleteAPIKey:
					target, _ = m.newKey(t, cmOwner, read)
				case writes:
					target = m.newSession(t, cmOwner)
				}
				path, body := rt.request(target)
				h := map[string]string{}
				if body != "" {
					h["content-type"] = "application/json"
				}
				if c.authorization != "" {
					h["authorization"] = c.authorization
				}
				if c.key != "" {
					h["x-api-key"] = c.key
				}
				if hd.value != nil {
					h["x-merchant-id"] = *hd.value
				}
				res := m.call(t, rt.pattern, path, body, h)
				cell := fmt.Sprintf("%s with %s, %s", rt.pattern, c.name, hd.name)
				if res.StatusCode != want.status || want.code != "" && cmCodeOf(res.Body) != want.code {
					t.Errorf("%s: %d %.300s; want %d %s", cell, res.StatusCode, res.Body, want.status, want.code)
					continue
				}
				if want.code == "" && want.actor != "" {
					if got := cmActor(t, rt, res.Body); got != "" && got != want.actor {
						t.Errorf("%s: the answer is about merchant %q; want %q", cell, got, want.actor)
					}
				}
				if rt.pattern == httpapi.PatternSessionRecords && res.StatusCode == 200 && want.actor != cmOwner && strings.Contains(res.Body, shared) {
					t.Errorf("%s: m-2's list holds m-1's session", cell)
				}
				if want.code != "" && writes {
					m.unchanged(t, cell, rt, target)
				}
			}
		}
	}
}

// unchanged checks that a refused write left its target as it was: the
// session CREATED with its one history entry, the key still working.
func (m *cmMatrix) unchanged(t *testing.T, cell string, rt cmRoute, target string) {
	t.Helper()
	if rt.pattern == httpapi.PatternDeleteAPIKey {
		k, err := m.f.app.Store.APIKey(context.Background(), target)
		if err != nil || k.RevokedAt != nil {
			t.Errorf("%s: refused, but the key is now %+v, %v; want it live", cell, k, err)
		}
		return
	}
	v, err := m.f.app.Store.Get(context.Background(), target)
	if err != nil {
		t.Fatalf("%s: %v", cell, err)
	}
	if v.Status != session.Created || len(v.History) != 1 {
		t.Errorf("%s: refused, but the session is now %s with %d history entries; want CREATED with 1", cell, v.Status, len(v.History))
	}
}
