package store_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/paysessions/paysessions/shared/store"
)

// sdkBody is a request body as smithy-go hands it to the transport (its
// safeReadCloser around a bytes.Reader): a Read after Close answers 0,
// io.EOF; a WriteTo after Close answers io.EOF as an error, and holds the
// body's lock while it writes, so a Close never lands partway through it.
// closeAfter closes it once that many bytes were read through Read: the
// SDK closing the body between two of the transport's reads.
type sdkBody struct {
	mu         sync.Mutex
	r          *bytes.Reader
	read       int
	closeAfter int
	closed     bool
}

func (b *sdkBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, io.EOF
	}
	n, err := b.r.Read(p[:min(len(p), max(b.closeAfter-b.read, 1))])
	if b.read += n; b.read >= b.closeAfter {
		b.closed = true
	}
	return n, err
}

func (b *sdkBody) WriteTo(w io.Writer) (int64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, io.EOF
	}
	return b.r.WriteTo(w)
}

func (b *sdkBody) Close() error { b.mu.Lock(); b.closed = true; b.mu.Unlock(); return nil }

// TestClosedBodyNeverEndsARequestShort: closedBodyEnds hands the
// transport a body without its WriteTo, whose Read after Close answers
// the end; that is safe only where the transport knows the body's length
// (a body ended short of Content-Length fails the write). A body of
// unknown length (sent chunked) closed partway would end as a valid,
// truncated request, so such a body is handed over as it is: the server
// gets the whole body, or no request. (DynamoDB's requests always have a
// known length.)
func TestClosedBodyNeverEndsARequestShort(t *testing.T) {
	whole := strings.Repeat("x", 100_000)
	tests := []struct {
		name   string
		length int64 // the request's ContentLength
	}{
		{"length known", int64(len(whole))},
		{"length unknown (chunked)", -1},
		// net/http: "For client requests, a value of 0 with a non-nil
		// Body is also treated as unknown": sent chunked too.
		{"length 0 with a body (unknown, chunked)", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []int
			var mu sync.Mutex
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, err := io.ReadAll(r.Body)
				if err == nil { // a request the server read whole, as valid
					mu.Lock()
					got = append(got, len(b))
					mu.Unlock()
				}
			}))
			defer srv.Close()
			req, err := http.NewRequest(http.MethodPost, srv.URL, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Body, req.ContentLength = &sdkBody{r: bytes.NewReader([]byte(whole)), closeAfter: 1000}, tt.length
			c := store.ClosedBodyEnds(&http.Client{Transport: &http.Transport{}})
			if res, err := c.Do(req); err == nil {
				res.Body.Close()
			}
			srv.Close() // every handler has returned
			for _, n := range got {
				if n != len(whole) {
					t.Errorf("the server read a valid request of %d bytes; want the whole body (%d) or no request", n, len(whole))
				}
			}
		})
	}
}
