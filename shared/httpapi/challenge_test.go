package httpapi_test

import (
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/session"
)

// Challenges of the service's two schemes.
const (
	bearerOnly    = `Bearer realm="paysessions"`
	bearerInvalid = `Bearer realm="paysessions", error="invalid_token"`
	apiKeyOnly    = `ApiKey realm="paysessions", header="X-Api-Key"`
)

// TestRFC6750Challenges: RFC 6750 §3, "If the protected resource request
// included an access token and failed authentication, the resource server
// SHOULD include the "error" attribute"; §3.1, "invalid_token: The access
// token provided is expired, revoked, malformed, or invalid for other
// reasons. The resource SHOULD respond with the HTTP 401 (Unauthorized)
// status code"; "insufficient_scope: The request requires higher
// privileges than provided by the access token. The resource server SHOULD
// respond with the HTTP 403 (Forbidden) status code and MAY include the
// "scope" attribute with the scope necessary to access the protected
// resource"; and "If the request lacks any authentication information
// (e.g., the client was unaware that authentication is necessary or
// attempted using an unsupported authentication method), the resource
// server SHOULD NOT include an error code". On every endpoint, in every
// error shape (problem+json, document 001's envelope), the body unchanged;
// an API key (not an OAuth token) gets no RFC 6750 code, nor a 403 that is
// not about scope.
func TestRFC6750Challenges(t *testing.T) { eachStore(t, testRFC6750Challenges) }

func testRFC6750Challenges(t *testing.T, h *harness) {
	id := h.create("m-1", nil)
	expired := h.iss.MustMint(devtoken.Claims{MerchantID: "m-1", Scopes: devtoken.AllScopes, IssuedAt: time.Now().Add(-2 * time.Hour)})
	otherAudience := h.iss.MustMint(devtoken.Claims{MerchantID: "m-1", Scopes: devtoken.AllScopes, Audience: "someone-else"})
	noScope := h.token("m-1", "nothing:useful")
	readKey := h.apiKey("m-1", auth.ScopeSessionsRead)
	const badKey = "psk_0123456789abcdef_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

	type call struct {
		method, path string
		body         any
		scope        string // the route's scope
		bearer, key  bool   // credentials the route takes
		headers      []string
	}
	calls := []call{
		{"GET", "/v1/session/" + id, nil, auth.ScopeSessionsRead, true, false, nil},
		{"GET", "/v2.0/payments/" + id + "/status", nil, auth.ScopePaymentRead, true, false, nil},
		{"GET", "/payment-sessions/" + id, nil, auth.ScopeSessionsRead, false, true, nil},
		{"GET", "/v1/checkout-sessions/" + id, nil, auth.ScopeUser, true, false, []string{"X-Merchant-Id", "m-1"}},
		{"GET", "/pps/api/v1/session-record?createdDate=2026-01-01", nil, auth.ScopeSessionsRead, true, false, nil},
		{"GET", "/pps/api/v1/session-record/" + id, nil, auth.ScopeSessionsRead, true, false, nil},
		{"POST", "/sessions", map[string]any{"amount": 100, "currency": "ZAR", "orderId": "o"}, auth.ScopeSessionsWrite, true, true, nil},
		{"GET", "/sessions/" + id, nil, auth.ScopeSessionsRead, true, true, nil},
		{"POST", "/sessions/" + id + "/events", map[string]any{"status": "PROCESSING"}, auth.ScopeSessionsProcess, true, false, nil},
		{"POST", "/sessions/" + id + "/cancel", nil, auth.ScopeSessionsWrite, true, true, nil},
		{"POST", "/api-keys", map[string]any{"scopes": []string{"sessions:read"}}, auth.ScopeAPIKeysWrite, true, false, nil},
		{"DELETE", "/api-keys/0123456789abcdef", nil, auth.ScopeAPIKeysWrite, true, false, nil},
	}
	// challenge is the route's 401 challenge, with bearer as its Bearer part.
	challenge := func(c call, bearer string) string {
		switch {
		case c.bearer && c.key:
			return bearer + ", " + apiKeyOnly
		case c.bearer:
			return bearer
		default:
			return apiKeyOnly
		}
	}
	envelope := func(c call) bool { return c.path == "/v2.0/payments/"+id+"/status" }
	for _, c := range calls {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			type attempt struct {
				name    string
				token   string
				headers []string
				status  int
				want    string // WWW-Authenticate; "" none
			}
			attempts := []attempt{
				{"no credentials", "", nil, 401, challenge(c, bearerOnly)},
				{"an unsupported scheme", "", []string{"Authorization", "Basic dXNlcjpwYXNz"}, 401, challenge(c, bearerOnly)},
			}
			if c.bearer {
				attempts = append(attempts,
					attempt{"a malformed token", "not-a-jwt", nil, 401, challenge(c, bearerInvalid)},
					attempt{"an expired token", expired, nil, 401, challenge(c, bearerInvalid)},
					attempt{"another audience's token", otherAudience, nil, 401, challenge(c, bearerInvalid)},
					attempt{"a token twice", "", []string{"Authorization", "Bearer " + noScope + ", Bearer " + noScope}, 401, challenge(c, bearerOnly)},
					attempt{"a token without the scope", noScope, nil, 403, `Bearer realm="paysessions", error="insufficient_scope", scope="` + c.scope + `"`},
				)
			} else {
				// A bearer token where only a key is taken is no credential
				// of this endpoint's.
				attempts = append(attempts, attempt{"a token where only a key is taken", "not-a-jwt", nil, 401, apiKeyOnly})
			}
			if c.key {
				attempts = append(attempts, attempt{"an unknown key", "", []string{"X-Api-Key", badKey}, 401, challenge(c, bearerOnly)})
				if c.scope != auth.ScopeSessionsRead {
					attempts = append(attempts, attempt{"a key without the scope", "", []string{"X-Api-Key", readKey}, 403, ""})
				}
			}
			for _, a := range attempts {
				res := h.do(c.method, c.path, a.token, c.body, append(append([]string{}, c.headers...), a.headers...)...)
				if res.Code != a.status {
					t.Errorf("%s: status %d %s; want %d", a.name, res.Code, res.Body, a.status)
					continue
				}
				if got := res.Header().Values("WWW-Authenticate"); a.want == "" && len(got) != 0 || a.want != "" && (len(got) != 1 || got[0] != a.want) {
					t.Errorf("%s: WWW-Authenticate %q; want %q", a.name, got, a.want)
				}
				code := session.ReasonUnauthenticated
				if a.status == 403 {
					code = session.ReasonInsufficientScope
				}
				if envelope(c) {
					wantEnvelopeCode(t, res, code)
				} else {
					wantProblem(t, res, a.status, code)
				}
			}
		})
	}

	// Not about scope: a token acting for no merchant, another merchant in
	// 003's X-Merchant-Id.
	for _, tt := range []struct {
		name, path, token string
		headers           []string
		code              string
	}{
		{"no merchant_id", "/sessions/" + id, h.token("", auth.ScopeSessionsRead), nil, session.ReasonMerchantRequired},
		{"003's merchant mismatch", "/v1/checkout-sessions/" + id, h.token("m-1", auth.ScopeUser), []string{"X-Merchant-Id", "m-2"}, session.ReasonMerchantMismatch},
	} {
		res := h.do("GET", tt.path, tt.token, nil, tt.headers...)
		wantProblem(t, res, 403, tt.code)
		if got := res.Header().Values("WWW-Authenticate"); len(got) != 0 {
			t.Errorf("%s: WWW-Authenticate %q; want none (not a scope the token lacks)", tt.name, got)
		}
	}

	// A key asked for with a scope its creator lacks: the token needs
	// apikeys:write and every scope the key is to hold.
	res := h.do("POST", "/api-keys", h.token("m-1", auth.ScopeAPIKeysWrite, auth.ScopeSessionsRead), map[string]any{"scopes": []string{"sessions:read", "sessions:write"}})
	wantProblem(t, res, 403, session.ReasonInsufficientScope)
	if got, want := res.Header().Get("WWW-Authenticate"), `Bearer realm="paysessions", error="insufficient_scope", scope="apikeys:write sessions:read sessions:write"`; got != want {
		t.Errorf("POST /api-keys beyond the token's scopes: WWW-Authenticate %q; want %q", got, want)
	}
	// A token without apikeys:write is refused before its body is read:
	// README's "`apikeys:write` alone for a token that lacks it".
	res = h.do("POST", "/api-keys", h.token("m-1", auth.ScopeSessionsRead), map[string]any{"scopes": []string{"sessions:read", "sessions:write"}})
	wantProblem(t, res, 403, session.ReasonInsufficientScope)
	if got, want := res.Header().Get("WWW-Authenticate"), `Bearer realm="paysessions", error="insufficient_scope", scope="apikeys:write"`; got != want {
		t.Errorf("POST /api-keys without apikeys:write: WWW-Authenticate %q; want %q", got, want)
	}
}

// wantEnvelopeCode checks document 001's error envelope: data null and one
// notification with code.
func wantEnvelopeCode(t testing.TB, res response, code string) {
	t.Helper()
	if ct := res.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q; want application/json", ct)
	}
	b := res.json(t)
	notes, _ := b["notifications"].([]any)
	data, hasData := b["data"]
	if !hasData || data != nil || len(notes) != 1 || notes[0].(map[string]any)["code"] != code {
		t.Errorf("envelope = %v; want data null and one notification with code %s", b, code)
	}
}
