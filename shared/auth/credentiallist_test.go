package auth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"
	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/session"
)

// TestCredentialHeaderSentOnce: "`Authorization` and `X-Api-Key` carry one
// credential, sent once: a repeated header, or one holding a comma, is 401
// whatever its first value" (README, Security). An empty element is an
// element: a trailing or leading comma, or the header sent again empty, is
// a list too, not the credential alone. Each request is authenticated as
// the local server receives it (the fields as sent) and as a Lambda does:
// API Gateway joins a repeated header's values with commas ("Duplicate
// headers are combined with commas", payload format 2.0) and the real
// api-proxy adapter builds the request from that event (it splits the
// field again at each comma, but for Authorization, which it keeps whole).
// Both must answer alike. Before the fix, "<key>,", "Bearer <token>,",
// ", Bearer <token>" and a credential followed by an empty repeat were
// taken as the one credential.
func TestCredentialHeaderSentOnce(t *testing.T) {
	a, token, key := credentialAuthenticator(t)
	bearer := "Bearer " + token
	const ok, refused = session.Code(""), session.EUNAUTHORIZED
	tests := []credentialCase{
		{"the token", []string{bearer}, nil, ok},
		{"the key", nil, []string{key}, ok},
		{"the token, and an empty X-Api-Key", []string{bearer}, []string{""}, ok},
		{"the key, and an empty Authorization", []string{""}, []string{key}, ok},
		{"the token with a trailing comma", []string{bearer + ","}, nil, refused},
		{"a comma, then the token", []string{", " + bearer}, nil, refused},
		{"the token, then an empty Authorization", []string{bearer, ""}, nil, refused},
		{"an empty Authorization, then the token", []string{"", bearer}, nil, refused},
		{"the token twice", []string{bearer, bearer}, nil, refused},
		{"a bare comma as Authorization, and the key", []string{","}, []string{key}, refused},
		{"the key with a trailing comma", nil, []string{key + ","}, refused},
		{"a comma, then the key", nil, []string{"," + key}, refused},
		{"the key, then an empty X-Api-Key", nil, []string{key, ""}, refused},
		{"an empty X-Api-Key, then the key", nil, []string{"", key}, refused},
		{"the key twice in one field", nil, []string{key + ", " + key}, refused},
	}
	checkCredentialCases(t, a, tests)
}

// sentRequest is the request as the local server receives it.
func sentRequest(_ *testing.T, authz, keys []string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/sessions", nil)
	for _, v := range authz {
		r.Header.Add(auth.HeaderAuthorization, v)
	}
	for _, v := range keys {
		r.Header.Add(auth.HeaderAPIKey, v)
	}
	return r
}

// adaptedRequest is the request a Lambda's handler receives: API Gateway
// joins each repeated header with commas under its lower-case name, and
// the api-proxy adapter builds the request from the event.
func adaptedRequest(t *testing.T, authz, keys []string) *http.Request {
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RawPath: "/sessions", Headers: map[string]string{},
		RequestContext: events.APIGatewayV2HTTPRequestContext{DomainName: "api.example", HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: http.MethodGet, Path: "/sessions"}},
	}
	if authz != nil {
		ev.Headers["authorization"] = strings.Join(authz, ",")
	}
	if keys != nil {
		ev.Headers["x-api-key"] = strings.Join(keys, ",")
	}
	var acc core.RequestAccessorV2
	r, err := acc.EventToRequestWithContext(context.Background(), ev)
	if err != nil {
		t.Fatalf("the adapter: %v", err)
	}
	return r
}

// TestCredentialPaddedWithOtherWhiteSpace: a credential is "one token, one
// spelling" (README, Security), and the only white space HTTP puts around a
// field value is SP and HTAB (RFC 9110 §5.5's OWS), which the local server
// and API Gateway strip. Any other white space (NO-BREAK SPACE, NEL, LINE
// SEPARATOR, IDEOGRAPHIC SPACE, VT, FF) is part of the value, as it is for
// X-Merchant-Id (httpapi.merchantHeader): a token or key padded with it is
// another credential, refused, not the real one read through Unicode's
// idea of space. Before the fix, strings.TrimSpace took every padded row
// below for the credential itself.
func TestCredentialPaddedWithOtherWhiteSpace(t *testing.T) {
	a, token, key := credentialAuthenticator(t)
	const ok, refused = session.Code(""), session.EUNAUTHORIZED
	type row = credentialCase
	tests := []row{
		{"the token", []string{"Bearer " + token}, nil, ok},
		{"the key", nil, []string{key}, ok},
		{"the token after two spaces (RFC 6750: 1*SP)", []string{"Bearer  " + token}, nil, ok},
	}
	for _, pad := range []struct{ name, s string }{
		{"NO-BREAK SPACE", "\u00a0"}, {"NEL", "\u0085"}, {"LINE SEPARATOR", "\u2028"},
		{"IDEOGRAPHIC SPACE", "\u3000"}, {"VT", "\v"}, {"FF", "\f"},
	} {
		tests = append(tests,
			row{"the token then " + pad.name, []string{"Bearer " + token + pad.s}, nil, refused},
			row{pad.name + " then the token", []string{"Bearer " + pad.s + token}, nil, refused},
			row{"the key then " + pad.name, nil, []string{key + pad.s}, refused},
			row{pad.name + " then the key", nil, []string{pad.s + key}, refused},
		)
	}
	checkCredentialCases(t, a, tests)
}

// credentialCase is a request's credential headers and the code
// Authenticate must answer them with.
type credentialCase struct {
	name  string
	authz []string // Authorization fields, in order (nil: not sent)
	keys  []string // X-Api-Key fields
	want  session.Code
}

// credentialAuthenticator is an Authenticator that knows one API key of
// m-1's (key) and trusts an issuer that minted token (m-1, sessions:read).
func credentialAuthenticator(t *testing.T) (a *auth.Authenticator, token, key string) {
	t.Helper()
	iss := newIssuer(t, jwa.RS256())
	jwks := newJWKSServer(t, iss.JWKS())
	f := newFakeDynamo()
	keyID, key := fakeKey(7)
	f.put(keyID, key[len("psk_"+keyID+"_"):], false)
	a = auth.New(auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience}),
		auth.NewAPIKeyVerifier(newKeyStore(t, f), nil))
	return a, iss.MustMint(devtoken.Claims{MerchantID: "m-1", Scopes: []string{"sessions:read"}}), key
}

// checkCredentialCases authenticates each case for sessions:read as the
// local server receives it and as API Gateway's event reaches the adapter.
func checkCredentialCases(t *testing.T, a *auth.Authenticator, tests []credentialCase) {
	t.Helper()
	rule := auth.Rule{Scope: "sessions:read", Bearer: true, APIKey: true, Merchant: true}
	for _, tt := range tests {
		for _, via := range []struct {
			name    string
			request func(t *testing.T, authz, keys []string) *http.Request
		}{{"as sent", sentRequest}, {"through API Gateway and the adapter", adaptedRequest}} {
			t.Run(tt.name+"/"+via.name, func(t *testing.T) {
				_, _, err := a.Authenticate(via.request(t, tt.authz, tt.keys), rule)
				if got := session.ErrorCode(err); got != tt.want {
					t.Errorf("Authenticate: got %q (%v); want %q", got, err, tt.want)
				}
			})
		}
	}
}
