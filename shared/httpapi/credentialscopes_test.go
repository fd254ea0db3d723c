package httpapi_test

// What each credential may do, exactly: every endpoint × each scope alone,
// in each claim a token may carry it in, a few combinations, scope strings
// that only look like a scope, and each kind of API key the service makes.
// And another merchant's session in every state it can be in, asked about
// by a merchant whose id differs from its owner's only by case, as well as
// by another: always an unknown session.

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go/middleware"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// csRoute is a row of docs/design.md §2's endpoint table: the scope the
// endpoint needs and the credentials it takes, as the table writes them.
type csRoute struct {
	row     string // the table's row, quoted
	scope   string
	bearer  bool // "Bearer JWT" / "JWT"
	apiKey  bool // "X-Api-Key" / "API key"
	success int
	// request is the endpoint's request on m-1's resources; fresh asks for
	// a target of its own (an expected success changes state).
	request func(fresh bool) (method, path string, body any, headers []string)
}

// csCredential is a credential of m-1's: the header that carries it, and
// the scopes the service must read from it (nil with refused: a token or
// key that must be refused outright, 401).
type csCredential struct {
	name    string
	header  string // Authorization or X-Api-Key
	value   string
	scopes  []string
	refused bool
}

// TestEachCredentialDoesWhatDesignSaysNoMoreNoLess: docs/design.md §2's
// table ("| 7 | POST /sessions (optional Idempotency-Key) | JWT or API key,
// sessions:write | native |", ...), docs/design.md §7: "Claims used: sub,
// scope (space-separated) or scp (an array, or space-separated; when both
// are present they must name the same scopes), merchant_id. Scopes are RFC
// 6749 scope-tokens, split at U+0020 only", and "scopes from sessions:read
// and sessions:write, and never more than the creating token holds (403
// otherwise)"; RFC 6749 §3.3: "space-delimited, case-sensitive strings".
// Each of m-1's credentials gets, on every endpoint, exactly what the table
// gives it: the endpoint's success when it is a kind the endpoint takes
// and carries the endpoint's scope (exactly: case, prefix, suffix,
// look-alike and wildcard spellings are other, unknown scopes: 403), 401
// for a kind the endpoint does not take or a credential that is refused,
// 403 INSUFFICIENT_SCOPE otherwise. POST /api-keys asks for a
// sessions:read key, which a creator without sessions:read may not make
// (403). No API key, whatever its scopes, makes a key.
func TestEachCredentialDoesWhatDesignSaysNoMoreNoLess(t *testing.T) {
	eachStore(t, testEachCredentialDoesWhatDesignSaysNoMoreNoLess)
}

func testEachCredentialDoesWhatDesignSaysNoMoreNoLess(t *testing.T, h *harness) {
	const (
		read    = auth.ScopeSessionsRead
		write   = auth.ScopeSessionsWrite
		process = auth.ScopeSessionsProcess
		keys    = auth.ScopeAPIKeysWrite
		payment = auth.ScopePaymentRead
		user    = auth.ScopeUser
	)
	shared := h.create("m-1", nil)
	target := func(fresh bool) string {
		if fresh {
			return h.create("m-1", nil)
		}
		return shared
	}
	day := h.clock.Now().UTC().Format(time.DateOnly)
	revocable := h.do("POST", "/api-keys", h.token("m-1", keys, read), map[string]any{"scopes": []string{read}}).json(t)["keyId"].(string)
	get := func(prefix, suffix string, headers ...string) func(bool) (string, string, any, []string) {
		return func(fresh bool) (string, string, any, []string) {
			return http.MethodGet, prefix + target(fresh) + suffix, nil, headers
		}
	}
	routes := []csRoute{
		{"| 1 | `GET /v1/session/{sessionGuid}` | bearer JWT, `sessions:read` |", read, true, false, 200, get("/v1/session/", "")},
		{"| 2 | `GET /v2.0/payments/{paymentId}/status` | bearer JWT, `Payment.Read` |", payment, true, false, 200, get("/v2.0/payments/", "/status")},
		{"| 3 | `GET /payment-sessions/{paymentSessionId}` | `X-Api-Key` with `sessions:read` |", read, false, true, 200, get("/payment-sessions/", "")},
		{"| 4 | `GET /v1/checkout-sessions/{checkoutSessionId}` (optional `init`) | bearer JWT, `user`, and `X-Merchant-Id` |", user, true, false, 200,
			get("/v1/checkout-sessions/", "?init=true", "X-Merchant-Id", "m-1")},
		{"| 5 | `GET /pps/api/v1/session-record?createdDate=yyyy-MM-dd` | bearer JWT, `sessions:read` |", read, true, false, 200,
			func(bool) (string, string, any, []string) {
				return http.MethodGet, "/pps/api/v1/session-record?createdDate=" + day, nil, nil
			}},
		{"| 6 | `GET /pps/api/v1/session-record/{sessionId}` | bearer JWT, `sessions:read` |", read, true, false, 200, get("/pps/api/v1/session-record/", "")},
		{"| 7 | `POST /sessions` (optional `Idempotency-Key`) | JWT or API key, `sessions:write` |", write, true, true, 201,
			func(bool) (string, string, any, []string) {
				return http.MethodPost, "/sessions", map[string]any{"amount": 100, "currency": "EUR"}, nil
			}},
		{"| 8 | `GET /sessions/{sessionId}` | JWT or API key, `sessions:read` |", read, true, true, 200, get("/sessions/", "")},
		{"| 9 | `POST /sessions/{sessionId}/events` | JWT, `sessions:process` |", process, true, false, 200,
			func(fresh bool) (string, string, any, []string) {
				return http.MethodPost, "/sessions/" + target(fresh) + "/events", map[string]any{"status": "PROCESSING"}, nil
			}},
		{"| 10 | `POST /sessions/{sessionId}/cancel` | JWT or API key, `sessions:write` |", write, true, true, 200,
			func(fresh bool) (string, string, any, []string) {
				return http.MethodPost, "/sessions/" + target(fresh) + "/cancel", map[string]any{}, nil
			}},
		{"| 11 | `POST /api-keys` | JWT, `apikeys:write` |", keys, true, false, 201,
			func(bool) (string, string, any, []string) {
				return http.MethodPost, "/api-keys", map[string]any{"scopes": []string{read}}, nil
			}},
		// Revoking m-1's own key is 204 every time (DELETE is idempotent).
		{"| 12 | `DELETE /api-keys/{keyId}` | JWT, `apikeys:write` |", keys, true, false, 204,
			func(bool) (string, string, any, []string) {
				return http.MethodDelete, "/api-keys/" + revocable, nil, nil
			}},
	}

	var creds []csCredential
	bearer := func(name string, extra map[string]any, scopes []string, refused bool) {
		tok := h.iss.MustMint(devtoken.Claims{MerchantID: "m-1", Extra: extra})
		creds = append(creds, csCredential{name, "Authorization", "Bearer " + tok, scopes, refused})
	}
	for _, s := range []string{read, write, process, keys, payment, user} {
		bearer("scope "+s, map[string]any{"scope": s}, []string{s}, false)
		bearer("scp array "+s, map[string]any{"scp": []string{s}}, []string{s}, false)
		bearer("scp string "+s, map[string]any{"scp": s}, []string{s}, false)
	}
	bearer("read and write", map[string]any{"scope": read + " " + write}, []string{read, write}, false)
	bearer("apikeys:write and read", map[string]any{"scp": []string{keys, read}}, []string{keys, read}, false)
	bearer("every scope, scope and scp agreeing", map[string]any{"scope": strings.Join([]string{read, write, process, keys, payment, user}, " "),
		"scp": []string{user, payment, keys, process, write, read}}, []string{read, write, process, keys, payment, user}, false)
	bearer("repeated", map[string]any{"scope": read + " " + read}, []string{read}, false)
	bearer("runs of spaces around", map[string]any{"scope": "  " + read + "  "}, []string{read}, false)
	// Scope-tokens that are not ours: valid spellings of other scopes.
	for _, s := range []string{"SESSIONS:READ", "Sessions:Read", "sessions:read:x", "sessions:rea", "xsessions:read", "sessions:read,sessions:write",
		"sessions:read;sessions:write", "sessions:read+sessions:write", "sessions%3Aread", "payment.read", "PAYMENT.READ", "Payment.Read.All",
		"User", "USER", "users", "sessions:*", "sessions", "*", "apikeys:*", "apikeys", "admin", "openid"} {
		bearer("scope "+s, map[string]any{"scope": s}, []string{s}, false)
		bearer("scp "+s, map[string]any{"scp": []string{s}}, []string{s}, false)
	}
	// No scope the service reads.
	bearer("empty scope", map[string]any{"scope": ""}, nil, false)
	bearer("empty scp", map[string]any{"scp": []string{}}, nil, false)
	for _, claim := range []string{"Scope", "SCP", "scopes", "permissions", "roles", "scope "} {
		bearer("claim "+claim, map[string]any{claim: read + " " + write + " " + process + " " + keys}, nil, false)
	}
	// Not scope-tokens (RFC 6749 §3.3), or two readings: the token is
	// refused.
	for name, s := range map[string]string{
		"fullwidth colon":     "sessions\uff1aread",
		"Cyrillic e":          "s\u0435ssions:read",
		"zero-width space":    read + "\u200b",
		"tab separator":       "openid\t" + read,
		"line feed separator": "openid\n" + read,
		"NBSP separator":      "openid\u00a0" + read,
		"ideographic space":   "openid\u3000" + read,
		"quoted":              `"` + read + `"`,
		"backslash":           `sessions\:read`,
	} {
		bearer("scope "+name, map[string]any{"scope": s}, nil, true)
		bearer("scp "+name, map[string]any{"scp": []string{s}}, nil, true)
	}
	bearer("scp element of two scopes", map[string]any{"scp": []string{read + " " + write}}, nil, true)
	bearer("scope and scp differ", map[string]any{"scope": read, "scp": []string{write}}, nil, true)
	// Each kind of key the service makes, and what is not a key.
	for _, ks := range [][]string{{read}, {write}, {read, write}} {
		k := h.apiKey("m-1", ks...)
		name := strings.Join(ks, "+")
		creds = append(creds,
			csCredential{"API key " + name, "X-Api-Key", k, ks, false},
			csCredential{"API key " + name + " upper-cased", "X-Api-Key", strings.ToUpper(k), nil, true},
			csCredential{"API key " + name + " as a bearer token", "Authorization", "Bearer " + k, nil, true})
	}
	revoked := h.do("POST", "/api-keys", h.token("m-1", keys, read, write), map[string]any{"scopes": []string{read, write}}).json(t)
	if res := h.do("DELETE", "/api-keys/"+revoked["keyId"].(string), h.token("m-1", keys), nil); res.Code != 204 {
		t.Fatalf("revoke: %d %s", res.Code, res.Body)
	}
	creds = append(creds, csCredential{"API key read+write, revoked", "X-Api-Key", revoked["key"].(string), nil, true})

	for _, rt := range routes {
		for _, c := range creds {
			isKey := c.header == "X-Api-Key"
			takes := isKey && rt.apiKey || !isKey && rt.bearer
			want := rt.success
			wantCode := ""
			switch {
			case !takes || c.refused:
				want, wantCode = 401, session.ReasonUnauthenticated
			case !slices.Contains(c.scopes, rt.scope),
				rt.scope == keys && rt.success == 201 && !slices.Contains(c.scopes, read):
				want, wantCode = 403, session.ReasonInsufficientScope
			}
			method, path, body, headers := rt.request(want == rt.success)
			res := h.do(method, path, "", body, append([]string{c.header, c.value}, headers...)...)
			if res.Code != want || want != rt.success && csCodeOf(res) != wantCode {
				t.Errorf("%s\n  with %s: %d %s; want %d %s", rt.row, c.name, res.Code, res.Body, want, wantCode)
			}
		}
	}
}

// csCodeOf is an error answer's machine-readable code: problem+json's
// "code", or document 001's first notification's.
func csCodeOf(res response) string {
	var b struct {
		Code          string `json:"code"`
		Notifications []struct {
			Code string `json:"code"`
		} `json:"notifications"`
	}
	if json.Unmarshal(res.Body.Bytes(), &b) != nil {
		return ""
	}
	if b.Code == "" && len(b.Notifications) > 0 {
		return b.Notifications[0].Code
	}
	return b.Code
}

// TestAnotherMerchantsSessionInAnyStateIsAnUnknownOne: docs/design.md §7,
// "a caller sees only its own merchant's sessions; another merchant's
// session answers exactly as an unknown one (404)", whatever state that
// session is in: open, authorised, settled, canceled, expired, past its
// retention (DynamoDB Local never deletes it), a parent with a child, a
// child, and named in upper case. Its owner is m-2, and M-1, a merchant
// whose id differs from the caller's (m-1) only by case: merchant ids are
// compared byte for byte, so M-1's sessions are another merchant's. Every
// endpoint that names a session answers m-1 about each as about an unknown
// id (the status, the headers that matter, the body but for the request
// id) with the same DynamoDB calls: an extra call is a timing oracle.
func TestAnotherMerchantsSessionInAnyStateIsAnUnknownOne(t *testing.T) {
	calls := &storetest.CallCounter{}
	h := newHarnessWith(t, store.ClientOptions{APIOptions: []func(*middleware.Stack) error{calls.APIOption}})
	proc := h.processorToken()
	event := func(id, status string) {
		if res := h.do("POST", "/sessions/"+id+"/events", proc, map[string]any{"status": status}); res.Code != 200 {
			t.Fatalf("%s on %s: %d %s", status, id, res.Code, res.Body)
		}
	}
	// victim is another merchant's session; status is what it must still
	// be at the end ("": not read back).
	type victim struct{ name, id, owner, status string }
	var victims []victim
	owners := []string{"m-2", "M-1"}
	for _, m := range owners {
		victims = append(victims, victim{m + " past its retention", h.create(m, nil), m, ""})
	}
	h.clock.Advance(50 * time.Minute) // past 30 min expiry + 15 min retention
	for _, m := range owners {
		victims = append(victims, victim{m + " expired", h.create(m, nil), m, ""})
	}
	h.clock.Advance(31 * time.Minute)
	for _, m := range owners {
		open := h.create(m, nil)
		canceled := h.create(m, nil)
		if res := h.do("POST", "/sessions/"+canceled+"/cancel", h.merchantToken(m), nil); res.Code != 200 {
			t.Fatalf("cancel: %d %s", res.Code, res.Body)
		}
		authorised := h.create(m, nil)
		event(authorised, "AUTHORISED")
		settled := h.create(m, nil)
		event(settled, "AUTHORISED")
		event(settled, "SETTLED")
		parent := h.create(m, nil)
		child := h.create(m, map[string]any{"amount": 1, "currency": "EUR", "parentSessionId": parent})
		victims = append(victims,
			victim{m + " open", open, m, "CREATED"}, victim{m + " open, upper case", strings.ToUpper(open), m, "CREATED"},
			victim{m + " canceled", canceled, m, "CANCELED"}, victim{m + " authorised", authorised, m, "AUTHORISED"},
			victim{m + " settled", settled, m, "SETTLED"}, victim{m + " parent with a child", parent, m, "CREATED"},
			victim{m + " child", child, m, "CREATED"})
	}
	const unknown = "0f2c9b7e-5d4a-4c1b-9e8f-7a6b5c4d3e2f"

	endpoints := ownersRequests(h, unknown)
	for _, e := range endpoints {
		for _, v := range victims {
			calls.Take()
			mine := e.do(unknown)
			unknownCalls := strings.Join(calls.Take(), " ")
			other := e.do(v.id)
			theirCalls := strings.Join(calls.Take(), " ")
			if mine.Code != 404 && mine.Code != 400 {
				t.Fatalf("%s: an unknown session = %d %s; want 404 (or 400 for a parentSessionId)", e.name, mine.Code, mine.Body)
			}
			if got, want := answerOf(other), answerOf(mine); got != want {
				t.Errorf("%s: %s's session answered\n%s\nan unknown one\n%s; want the same", e.name, v.name, got, want)
			}
			if theirCalls != unknownCalls {
				t.Errorf("%s: DynamoDB calls for %s's session %q; for an unknown one %q; want the same", e.name, v.name, theirCalls, unknownCalls)
			}
		}
	}
	// Nothing of theirs moved.
	for _, v := range victims {
		if v.status == "" {
			continue
		}
		if got := h.do("GET", "/sessions/"+v.id, h.merchantToken(v.owner), nil).json(t)["status"]; got != v.status {
			t.Errorf("%s's session is %v; want %s, untouched", v.name, got, v.status)
		}
	}
}
