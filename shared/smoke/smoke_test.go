package smoke

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/doctext"
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

// TestDocumentWordsAreTheDesigns: each row of documentWords is its
// status's row of docs/design.md §5's table, cell for cell as written
// there. The smoke once compared the service's words with the service's
// own shared/statemap, so a wrong row there passed both; the document is
// what the words must be.
func TestDocumentWordsAreTheDesigns(t *testing.T) {
	design := doctext.File(t, "docs/design.md")
	for status, w := range documentWords {
		row := "| " + strings.Join([]string{string(status), w.V1Session, w.PaymentStatus, w.PaymentSession, w.Checkout, w.SessionRecord}, " | ") + " |"
		if !strings.Contains(design, row) {
			t.Errorf("documentWords[%s] is the row %q; want docs/design.md §5's row for %s, quoted", status, row, status)
		}
	}
}

// TestListWalkEnds: a day's list whose Link rel="next" never ends (each
// page naming a new cursor) fails the smoke after maxPages pages, rather
// than walking until the 3-minute context of make smoke ends it.
func TestListWalkEnds(t *testing.T) {
	var pages atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := pages.Add(1)
		w.Header().Set("Link", fmt.Sprintf(`</pps/api/v1/session-record?createdDate=2026-12-02&cursor=c%d>; rel="next"`, n))
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `[]`)
	}))
	defer srv.Close()
	r := &runner{c: Config{Client: srv.Client(), Out: io.Discard, ListWait: time.Minute}, base: srv.URL, maxPages: 5}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := r.findInList(ctx, nil, "d2f1f3a8-6c1e-4c39-9d7b-3b1f0e0f4a11", "2026-12-02")
	if err == nil || ctx.Err() != nil {
		t.Fatalf("findInList over endless pages = %v (context %v); want an error before the context ends", err, ctx.Err())
	}
	if got := pages.Load(); got != 5 {
		t.Errorf("pages read = %d; want %d (maxPages)", got, 5)
	}
}
