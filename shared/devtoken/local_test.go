// Package devtoken_test tests the development issuer's routes as the local
// servers mount them.
package devtoken_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/config"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/doctext"
	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/session"
)

// TestLocalRoutesAnswerAsTheService mounts the development issuer's routes
// as both local servers do (Routes on an httpapi router inside
// httpapi.Middleware) and checks the README's claims for them: "Every
// response of the service carries Cache-Control: no-store,
// X-Content-Type-Options: nosniff, Strict-Transport-Security ... and
// X-Request-Id", and "Every error other than document 001's is RFC 9457
// application/problem+json with a machine-readable code, the field at fault
// for input errors, and the requestId of the request's log line".
func TestLocalRoutesAnswerAsTheService(t *testing.T) {
	iss, err := devtoken.New("http://127.0.0.1:3000", "paysessions-local", jwa.RS256())
	if err != nil {
		t.Fatal(err)
	}
	h := httpapi.Middleware(slog.New(slog.DiscardHandler), func(*http.Request) string { return "" }, httpapi.NewRouter(iss.Routes()...))

	tests := []struct {
		name, method, target string
		status               int
		contentType          string
		code, field, allow   string
	}{
		{"jwks", "GET", devtoken.JWKSPath, 200, "application/json", "", "", ""},
		{"token", "GET", devtoken.TokenPath + "?merchant_id=m-1&scope=sessions:read&ttl=5m", 200, "text/plain; charset=utf-8", "", "", ""},
		{"ttl not a duration", "GET", devtoken.TokenPath + "?ttl=soon", 400, "application/problem+json", session.ReasonValidation, "ttl", ""},
		{"ttl over a day", "GET", devtoken.TokenPath + "?ttl=25h", 400, "application/problem+json", session.ReasonValidation, "ttl", ""},
		{"ttl zero", "GET", devtoken.TokenPath + "?ttl=0s", 400, "application/problem+json", session.ReasonValidation, "ttl", ""},
		{"ttl negative", "GET", devtoken.TokenPath + "?ttl=-1h", 400, "application/problem+json", session.ReasonValidation, "ttl", ""},
		// README: "a bad `ttl` is a 400 problem document naming it, an
		// empty one included, as is a `merchant_id`, `scope` or `ttl` that
		// is not valid percent-encoding".
		// Go's own query parser drops a pair whose escape is bad, so each
		// of these minted a token with the default in the field's place:
		// merchant-1's, with every scope, whatever was asked.
		{"ttl a bad escape", "GET", devtoken.TokenPath + "?ttl=%zz", 400, "application/problem+json", session.ReasonValidation, "ttl", ""},
		// "never a bad value taken as not sent": ttl= with no value is
		// no duration (r81-readme1: it minted the 1 h default).
		{"ttl empty", "GET", devtoken.TokenPath + "?ttl=", 400, "application/problem+json", session.ReasonValidation, "ttl", ""},
		{"scope a bad escape", "GET", devtoken.TokenPath + "?scope=sessions:read%zz", 400, "application/problem+json", session.ReasonValidation, "scope", ""},
		{"merchant_id a bad escape", "GET", devtoken.TokenPath + "?merchant_id=m-9%zz", 400, "application/problem+json", session.ReasonValidation, "merchant_id", ""},
		// A parameter the issuer does not read is 400, never passed over:
		// merchant_id, scope and ttl each default when not sent (scope to
		// every scope), so a misspelled or differently written name
		// (Scope=, scp=, scopes=, merchant=, a name with a bad escape)
		// minted merchant-1's token with every scope, whatever was asked
		// (r90-authz). Empty pairs (a trailing &) name nothing.
		{"Scope", "GET", devtoken.TokenPath + "?merchant_id=m-1&Scope=sessions:read", 400, "application/problem+json", session.ReasonValidation, "", ""},
		{"scp", "GET", devtoken.TokenPath + "?merchant_id=m-1&scp=sessions:read", 400, "application/problem+json", session.ReasonValidation, "", ""},
		{"scopes", "GET", devtoken.TokenPath + "?scopes=sessions:read", 400, "application/problem+json", session.ReasonValidation, "", ""},
		{"merchant", "GET", devtoken.TokenPath + "?merchant=m-2&scope=user", 400, "application/problem+json", session.ReasonValidation, "", ""},
		{"name a bad escape", "GET", devtoken.TokenPath + "?sc%zzope=user", 400, "application/problem+json", session.ReasonValidation, "", ""},
		{"empty name", "GET", devtoken.TokenPath + "?=user", 400, "application/problem+json", session.ReasonValidation, "", ""},
		{"empty pairs", "GET", devtoken.TokenPath + "?&merchant_id=m-1&&scope=user&", 200, "text/plain; charset=utf-8", "", "", ""},
		{"escaped name", "GET", devtoken.TokenPath + "?%73cope=user", 200, "text/plain; charset=utf-8", "", "", ""},
		{"token by POST", "POST", devtoken.TokenPath, 405, "application/problem+json", session.ReasonMethodNotAllowed, "", "GET, HEAD"},
		{"jwks by DELETE", "DELETE", devtoken.JWKSPath, 405, "application/problem+json", session.ReasonMethodNotAllowed, "", "GET, HEAD"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.target, nil))
			res := rec.Result()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != tc.status {
				t.Fatalf("status = %d; want %d (%s)", res.StatusCode, tc.status, body)
			}
			for name, want := range map[string]string{
				"Content-Type":              tc.contentType,
				"Cache-Control":             "no-store",
				"X-Content-Type-Options":    "nosniff",
				"Strict-Transport-Security": httpapi.HSTS,
				"Allow":                     tc.allow,
			} {
				if got := res.Header.Get(name); got != want {
					t.Errorf("%s = %q; want %q", name, got, want)
				}
			}
			id := res.Header.Get("X-Request-Id")
			if id == "" {
				t.Error("no X-Request-Id")
			}
			if tc.code == "" {
				return
			}
			var p httpapi.Problem
			if err := json.Unmarshal(body, &p); err != nil {
				t.Fatalf("body %s: %v", body, err)
			}
			if p.Status != tc.status || p.Code != tc.code || p.Field != tc.field || p.RequestID != id {
				t.Errorf("problem = %+v; want status %d, code %s, field %q, requestId %s", p, tc.status, tc.code, tc.field, id)
			}
		})
	}
}

// TestTokenHandlerMints checks what a minted token carries: the query's
// merchant and scopes, none of a merchant for merchant_id= (a processor's
// token), and every scope when scope is absent (none for scope=).
func TestTokenHandlerMints(t *testing.T) {
	iss, err := devtoken.New("http://127.0.0.1:3000", "paysessions-local", jwa.ES256())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		query, merchant, scope string
	}{
		{"", "merchant-1", strings.Join(devtoken.AllScopes, " ")},
		{"merchant_id=m-9&scope=sessions:read%20user", "m-9", "sessions:read user"},
		{"merchant_id=&scope=sessions:process", "", "sessions:process"},
		// scope= names no scope, as merchant_id= names no merchant: a
		// developer checking that a token without scopes is refused
		// must get one (before, it carried every scope).
		{"merchant_id=m-1&scope=", "m-1", ""},
		{"merchant_id=m-1&scope=%20", "m-1", ""},
		// The query is split on '&' only, as the service's list reads
		// its own (README: "the query is split on `&` only, so a value
		// with a `;` ... is malformed, never taken as not sent"): Go's
		// parser dropped a pair holding ';', and a token asked for one
		// scope, or for merchant m-9, was merchant-1's with every scope.
		{"merchant_id=m-9;x&scope=sessions:read;x", "m-9;x", "sessions:read;x"},
		{"merchant_id=m-9&scope=sessions:read&scope=user", "m-9", "sessions:read"},
		// scope is split at U+0020 only, as the service splits a scope
		// claim (README: "a tab, line break, NBSP or other character in
		// `scope` or `scp` is 401, never a second scope"): a tab or an NBSP
		// stays in the claim, so a developer can see the service refuse
		// it. Split at every Unicode space, the tab made apikeys:write and
		// sessions:read two scopes, and the token was good.
		{"merchant_id=m-1&scope=apikeys:write%09sessions:read", "m-1", "apikeys:write\tsessions:read"},
		{"merchant_id=m-1&scope=apikeys:write%C2%A0sessions:read", "m-1", "apikeys:write\u00a0sessions:read"},
		{"merchant_id=m-1&scope=%20sessions:read%20%20user%20", "m-1", "sessions:read user"},
	}
	for _, tc := range tests {
		rec := httptest.NewRecorder()
		iss.TokenHandler().ServeHTTP(rec, httptest.NewRequest("GET", devtoken.TokenPath+"?"+tc.query, nil))
		if rec.Code != 200 {
			t.Fatalf("%q: status %d %s", tc.query, rec.Code, rec.Body)
		}
		parts := strings.Split(rec.Body.String(), ".")
		if len(parts) != 3 {
			t.Fatalf("%q: not a JWS: %s", tc.query, rec.Body)
		}
		var claims struct {
			MerchantID string `json:"merchant_id"`
			Scope      string `json:"scope"`
		}
		payload, err := base64.RawURLEncoding.DecodeString(parts[1])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(payload, &claims); err != nil {
			t.Fatal(err)
		}
		if claims.MerchantID != tc.merchant || claims.Scope != tc.scope {
			t.Errorf("%q: merchant_id %q, scope %q; want %q, %q", tc.query, claims.MerchantID, claims.Scope, tc.merchant, tc.scope)
		}
	}
}

// TestIssuerDefaultsOnlyWithoutJWKSURL holds README's Configuration row
// for JWT_ISSUER to the local servers: the default "the local server's URL
// locally" is the development issuer's, which runs only without
// JWKS_URL; with JWKS_URL set, JWT_ISSUER is required (`make run`
// answered `localapi: JWT_ISSUER is required: ...` where the row, before,
// promised the local server's URL). Configure is what both local servers
// run before config.RequireJWT.
func TestIssuerDefaultsOnlyWithoutJWKSURL(t *testing.T) {
	const row = "| `JWT_ISSUER` | the local server's URL locally without `JWKS_URL` (with it, required); required in Lambda |"
	if !strings.Contains(doctext.Section(t, "Configuration"), row) {
		t.Fatalf("README's Configuration has no row %q; update this test", row)
	}
	const base = "http://127.0.0.1:3000"
	for _, tc := range []struct {
		name, jwksURL, wantIssuer string
		refused                   bool
	}{
		{"without JWKS_URL: the local server's URL", "", base, false},
		{"with JWKS_URL: required", "https://idp.example/jwks.json", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config.Config{JWKSURL: tc.jwksURL, JWTAudience: "paysessions-local"}
			if _, err := devtoken.Configure(&cfg, base); err != nil {
				t.Fatal(err)
			}
			if cfg.JWTIssuer != tc.wantIssuer {
				t.Errorf("JWT_ISSUER after Configure = %q; want %q", cfg.JWTIssuer, tc.wantIssuer)
			}
			err := cfg.RequireJWT()
			var se *config.SettingError
			if refused := errors.As(err, &se) && se.Name == "JWT_ISSUER"; refused != tc.refused {
				t.Errorf("RequireJWT() = %v; JWT_ISSUER refused %v; want %v", err, refused, tc.refused)
			}
		})
	}
}
