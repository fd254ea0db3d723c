package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/paysessions/paysessions/shared/httpapi"
)

// TestSecurityHeadersAreTheDocumentsWords holds the headers every answer of
// the service carries to README's and docs/openapi.yaml's own words, not to
// the package's constants: "Every response of the service carries
// `Cache-Control: no-store`, `X-Content-Type-Options: nosniff`,
// `Strict-Transport-Security: max-age=63072000; includeSubDomains` and
// `X-Request-Id`" (README, "Errors"). A success, a refusal and a 405 alike.
func TestSecurityHeadersAreTheDocumentsWords(t *testing.T) {
	if httpapi.HSTS != "max-age=63072000; includeSubDomains" {
		t.Errorf("HSTS: got %q; want %q", httpapi.HSTS, "max-age=63072000; includeSubDomains")
	}
	h := newMemoryHarness(t)
	tok := h.merchantToken("m-1")
	id := h.create("m-1", nil)
	for _, tt := range []struct {
		method, path, token string
		status              int
	}{
		{"GET", "/sessions/" + id, tok, http.StatusOK},
		{"GET", "/sessions/" + id, "", http.StatusUnauthorized},
		{"DELETE", "/sessions/" + id, tok, http.StatusMethodNotAllowed},
	} {
		res := h.do(tt.method, tt.path, tt.token, nil)
		if res.Code != tt.status {
			t.Errorf("%s %s: got status %d; want %d", tt.method, tt.path, res.Code, tt.status)
		}
		for k, want := range map[string]string{
			"Cache-Control":             "no-store",
			"X-Content-Type-Options":    "nosniff",
			"Strict-Transport-Security": "max-age=63072000; includeSubDomains",
		} {
			if got := res.Header().Values(k); len(got) != 1 || got[0] != want {
				t.Errorf("%s %s: got %s %q; want %q", tt.method, tt.path, k, got, want)
			}
		}
		if res.Header().Get("X-Request-Id") == "" {
			t.Errorf("%s %s: got no X-Request-Id; want the request's id", tt.method, tt.path)
		}
	}
}
