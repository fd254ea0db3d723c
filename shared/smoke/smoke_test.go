package smoke

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// refusingTransport fails every request and counts them.
type refusingTransport struct{ calls int }

func (t *refusingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	t.calls++
	return nil, errors.New("no request expected")
}

// TestRunSaysWhyItRefusesTheURL: an API_URL that is not an http(s) URL (a
// newcomer's host:port without its scheme) is refused before any request,
// and the refusal is printed as every other failure is: make smoke's
// command prints nothing else, so a silent refusal was a bare exit 1.
func TestRunSaysWhyItRefusesTheURL(t *testing.T) {
	for _, base := range []string{"", "127.0.0.1:3000", "localhost:3000", "ftp://127.0.0.1:3000", "httpx://127.0.0.1:3000", "http://", "http:/127.0.0.1:3000", "/sessions",
		// A query or fragment would end up before every path the test
		// appends: GET /?x=1/local/token…, a misleading 404 later.
		"http://127.0.0.1:3000?x=1", "http://127.0.0.1:3000/?", "http://127.0.0.1:3000/#top"} {
		t.Run(base, func(t *testing.T) {
			var out bytes.Buffer
			rt := &refusingTransport{}
			err := Run(context.Background(), Config{BaseURL: base, Client: &http.Client{Transport: rt}, Out: &out})
			if err == nil {
				t.Fatalf("Run(%q) = nil; want an error", base)
			}
			if rt.calls != 0 {
				t.Errorf("Run(%q) made %d requests; want 0", base, rt.calls)
			}
			if got := out.String(); !strings.HasPrefix(got, "FAIL: ") || strings.Count(got, "\n") != 1 {
				t.Errorf("Run(%q) printed %q; want one FAIL: line", base, got)
			}
		})
	}
}
