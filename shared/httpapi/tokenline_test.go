package httpapi_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/httpapi"
)

// TestTokenCountRidesOnTheOneLine: with TokenMetrics, a request whose
// bearer token counted writes its one line carrying the count, whatever
// the handler then does (answers, panics before or after it began an
// answer, aborts) and whatever the logger's level (here ERROR, which drops
// the INFO lines that count nothing); a cached token's request writes its
// line as without the option.
func TestTokenCountRidesOnTheOneLine(t *testing.T) {
	iss, err := devtoken.New(testIssuer, testAudience, jwa.ES256())
	if err != nil {
		t.Fatal(err)
	}
	jwks := httptest.NewServer(iss)
	t.Cleanup(jwks.Close)
	authn := auth.New(auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: testIssuer, Audience: testAudience}), nil)
	handlers := []struct {
		name  string
		serve func(http.ResponseWriter)
		level string // the line's level
	}{
		{"answered", func(w http.ResponseWriter) { w.WriteHeader(http.StatusNoContent) }, "INFO"},
		{"a panic", func(http.ResponseWriter) { panic("boom") }, "ERROR"},
		{"a panic after headers", func(w http.ResponseWriter) { w.WriteHeader(http.StatusOK); panic("boom") }, "ERROR"},
		{"aborted", func(w http.ResponseWriter) { _, _ = w.Write([]byte("{")); panic(http.ErrAbortHandler) }, "ERROR"},
	}
	for _, hd := range handlers {
		var logs bytes.Buffer
		logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelError}))
		h := httpapi.Middleware(logger, func(*http.Request) string { return "req-1" }, httpapi.NewRouter(httpapi.Route{
			Pattern: "GET /t",
			Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if _, err := httpapi.Authenticate(r, authn, auth.Rule{Bearer: true}); err != nil {
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				hd.serve(w)
			}),
		}), httpapi.TokenMetrics("stack-1"))
		good := iss.MustMint(devtoken.Claims{Subject: hd.name, MerchantID: "m-1"}) // a token of its own: fresh once
		for _, tk := range []struct{ name, token, metric string }{
			{"fresh", good, "TokensVerified"},
			{"cached", good, ""},
			{"misaddressed", iss.MustMint(devtoken.Claims{MerchantID: "m-1", Audience: "another"}), "TokensMisaddressed"},
		} {
			logs.Reset()
			req := httptest.NewRequest("GET", "/t", nil)
			req.Header.Set("Authorization", "Bearer "+tk.token)
			func() {
				defer func() { _ = recover() }() // an abort goes on as http.ErrAbortHandler
				h.ServeHTTP(httptest.NewRecorder(), req)
			}()
			lines := logLines(t, logs.String())
			level := hd.level
			if tk.name == "misaddressed" {
				level = "INFO" // 401 before the handler's own doing
			}
			want := 1
			if tk.metric == "" && level == "INFO" {
				want = 0 // an INFO line that counts nothing, below ERROR
			}
			if len(lines) != want {
				t.Errorf("%s, %s token: %d lines %v; want %d", hd.name, tk.name, len(lines), lines, want)
				continue
			}
			if want == 0 {
				continue
			}
			l := lines[0]
			if l["msg"] != "request" || l["request_id"] != "req-1" || l["level"] != level {
				t.Errorf("%s, %s token: line %v; want the request's, at %s", hd.name, tk.name, l, level)
			}
			_, emf := l["_aws"]
			if tk.metric == "" {
				if emf || l["Stack"] != nil {
					t.Errorf("%s, %s token: line %v; want no metrics", hd.name, tk.name, l)
				}
				continue
			}
			if !emf || l[tk.metric] != 1.0 || l["Stack"] != "stack-1" || l["Service"] != "api" {
				t.Errorf("%s, %s token: line %v; want %s = 1, Service=api, Stack=stack-1, an _aws block", hd.name, tk.name, l, tk.metric)
			}
		}
	}
}
