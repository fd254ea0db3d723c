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

// deadlineRecorder is a ResponseRecorder whose connection takes read
// deadlines (http.ResponseController), as a served request's does: it
// records each one samlocal.ReadBody sets.
type deadlineRecorder struct {
	*httptest.ResponseRecorder
	deadlines []time.Time
}

func (d *deadlineRecorder) SetReadDeadline(t time.Time) error {
	d.deadlines = append(d.deadlines, t)
	return nil
}

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

// TestBodiesOverTheQuotaAreRefusedWithinTheirBound: on make run, a body
// over HTTP APIs' payload quota (samlocal.MaxRequestBody) is API Gateway's
// 413: one whose Content-Length is over it at once, no byte of it read;
// one sent chunked read to a byte past the quota, the body's bound set at
// the end of its head not lifted, so that net/http's read of what is left
// ends by it (samlocal.ReadBody). TestLocalBodyQuotaIsAtMostTenMB and
// TestAStalledBodyOverTheQuotaIsAnsweredWithinItsBound send such bodies
// over a connection without the race detector; this reaches the same code
// in memory, in the race pass.
func TestBodiesOverTheQuotaAreRefusedWithinTheirBound(t *testing.T) {
	h := servedAsOnMakeRunWithin(t, time.Minute, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the function was reached; want API Gateway's 413")
	}))
	t.Run("announced", func(t *testing.T) {
		body := &countingReader{r: bytes.NewReader(make([]byte, 16))}
		r := httptest.NewRequest("POST", "/nowhere", body)
		r.ContentLength = samlocal.MaxRequestBody + 1
		w := &deadlineRecorder{ResponseRecorder: httptest.NewRecorder()}
		h.ServeHTTP(w, r)
		if w.Code != http.StatusRequestEntityTooLarge || w.Body.String() != samlocal.GatewayTooLarge {
			t.Errorf("answer %d %s; want %d %s", w.Code, w.Body, http.StatusRequestEntityTooLarge, samlocal.GatewayTooLarge)
		}
		if body.n != 0 {
			t.Errorf("%d bytes of the body read; want none", body.n)
		}
	})
	t.Run("chunked", func(t *testing.T) {
		r := httptest.NewRequest("POST", "/nowhere", io.MultiReader(bytes.NewReader(make([]byte, samlocal.MaxRequestBody+1))))
		r.ContentLength = -1
		w := &deadlineRecorder{ResponseRecorder: httptest.NewRecorder()}
		h.ServeHTTP(w, r)
		if w.Code != http.StatusRequestEntityTooLarge || w.Body.String() != samlocal.GatewayTooLarge {
			t.Errorf("answer %d %s; want %d %s", w.Code, w.Body, http.StatusRequestEntityTooLarge, samlocal.GatewayTooLarge)
		}
		if len(w.deadlines) != 1 || w.deadlines[0].IsZero() {
			t.Errorf("read deadlines set %v; want the body's bound alone, not lifted", w.deadlines)
		}
	})
}
