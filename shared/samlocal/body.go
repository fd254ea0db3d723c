package samlocal

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// DefaultBodyTimeout is the local servers' bound on the wait for a
// request's body, from the end of its head (Options.BodyTimeout, make
// run's localserver.Options.BodyTimeout): the 10 s both give a request's
// head (ReadHeaderTimeout), and template.yaml's Globals Timeout (every API
// function's but SessionRecordsFunction's 15 s, document 004's). A body
// not in by then is answered 408 (httpapi.GatewayRequestTimeout) and its
// connection closed. API Gateway buffers a request's whole body before it
// invokes a function, so no function waits on a client; how long it waits
// for a stalled one, and what it answers, is not documented: the bound and
// the answer are the local servers' choice.
const DefaultBodyTimeout = 10 * time.Second

// ReadBody reads r's body whole, as API Gateway buffers it before it
// routes the request, within timeout (from now: the end of the head, for a
// handler called as the head is read) when w's connection can take a read
// deadline, and returns its length and bytes, which r's handler then reads
// from memory (r.Body is replaced): one with a Content-Length of at most
// HTTP APIs' payload quota (MaxRequestBody) into a buffer of that length
// (io.ReadAll would grow its buffer to about twice that), any other (sent
// chunked, or announcing more than the quota) up to one byte past the
// quota, which it puts back in front of the rest when the body is longer.
//
// It returns the error when that read fails (a body that ends before its
// Content-Length, a chunk size that is not hexadecimal, a chunk longer
// than its size): API Gateway answers a body it cannot read itself, so no
// function meets the failure. A read cut off by timeout fails with
// os.ErrDeadlineExceeded, as does any read that fails once timeout has
// passed (net/http reports a chunked body's trailer cut off by the
// deadline as "suspiciously long"): the caller answers 408 with
// Connection: close, as the rest of the body may still come. The deadline
// is lifted once the body is in (a function's time is its own), and only
// then: after a failed read, or a body over the quota whose rest is
// unread, it stays, so that the server's own reads of what is left
// (net/http's discard of an unread body, before it sends the answer) end
// by it too, and the connection is closed.
func ReadBody(w http.ResponseWriter, r *http.Request, timeout time.Duration) (n int64, _ []byte, err error) {
	if r.Body == nil || r.Body == http.NoBody {
		return 0, nil, nil
	}
	rc := http.NewResponseController(w)
	deadline := time.Now().Add(timeout)
	if rc.SetReadDeadline(deadline) == nil {
		defer func() {
			if err == nil && n <= MaxRequestBody {
				_ = rc.SetReadDeadline(time.Time{})
			}
			// A read that failed once the bound had passed failed by it,
			// whatever net/http made of the deadline's error: a chunked
			// body's trailer cut off by it is "suspiciously long".
			if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) && !time.Now().Before(deadline) {
				err = fmt.Errorf("%w (%w)", os.ErrDeadlineExceeded, err)
			}
		}()
	}
	if r.ContentLength >= 0 && r.ContentLength <= MaxRequestBody {
		body := make([]byte, r.ContentLength)
		if _, err := io.ReadFull(r.Body, body); err != nil {
			return r.ContentLength, nil, err
		}
		r.Body = inHand{bytes.NewReader(body)}
		return r.ContentLength, body, nil
	}
	var buf bytes.Buffer
	n, err = io.Copy(&buf, io.LimitReader(r.Body, MaxRequestBody+1))
	if err != nil {
		return n, nil, err
	}
	whole := buf.Bytes()
	if n <= MaxRequestBody {
		r.Body = inHand{bytes.NewReader(whole)} // the whole body: its end was read
	} else {
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(&buf, r.Body), r.Body}
	}
	return n, whole, nil
}

// inHand is a request body read whole by ReadBody, which the handler reads
// from memory.
type inHand struct{ *bytes.Reader }

func (inHand) Close() error { return nil }
