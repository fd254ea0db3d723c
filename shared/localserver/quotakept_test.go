package localserver

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/samlocal"
)

// countingReader counts the bytes read of a body.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestAnAnnouncedBodyOverTheQuotaIsRefusedUnread: on make run, a request
// whose Content-Length is over HTTP APIs' payload quota
// (samlocal.MaxRequestBody) is API Gateway's 413 at once, no byte of its
// body read (asDelivered). TestLocalBodyQuotaIsAtMostTenMB sends it over a
// connection without the race detector; this reaches the same code in
// memory, in the race pass.
func TestAnAnnouncedBodyOverTheQuotaIsRefusedUnread(t *testing.T) {
	h := servedAsOnMakeRunWithin(t, time.Minute, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the function was reached; want API Gateway's 413")
	}))
	body := &countingReader{r: bytes.NewReader(make([]byte, 16))}
	r := httptest.NewRequest("POST", "/nowhere", body)
	r.ContentLength = samlocal.MaxRequestBody + 1
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusRequestEntityTooLarge || w.Body.String() != samlocal.GatewayTooLarge {
		t.Errorf("answer %d %s; want %d %s", w.Code, w.Body, http.StatusRequestEntityTooLarge, samlocal.GatewayTooLarge)
	}
	if body.n != 0 {
		t.Errorf("%d bytes of the body read; want none", body.n)
	}
}
