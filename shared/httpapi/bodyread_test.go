package httpapi_test

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/session"
)

// brokenBody yields its bytes, then fails: a connection lost mid-body.
type brokenBody struct{ r io.Reader }

func (b brokenBody) Read(p []byte) (int, error) {
	if n, _ := b.r.Read(p); n > 0 {
		return n, nil
	}
	return 0, io.ErrUnexpectedEOF
}

// TestBodyIsReadWholeOrRefused: a request body is taken only when it was
// read to its end within the limit (decodeJSON: "at most MaxBodyBytes
// (413)"; docs/openapi.yaml: "The body of a POST is at most 64 KiB (65536
// bytes); a larger one is answered 413"). A body longer than its
// Content-Length said is 413 when it runs past the limit, never read as its
// first 64 KiB (here a complete object, then spaces); a body whose read
// fails is 400 MALFORMED_JSON, never created from the part that arrived.
func TestBodyIsReadWholeOrRefused(t *testing.T) {
	h := newMemoryHarness(t)
	tok := h.merchantToken("m-1")
	const fits = `{"amount":1,"currency":"EUR"}`
	tests := []struct {
		name   string
		body   io.Reader
		status int
		code   string
	}{
		{"past the limit, longer than said", strings.NewReader(fits + strings.Repeat(" ", httpapi.MaxBodyBytes)), 413, session.ReasonBodyTooLarge},
		{"broken after a complete object", brokenBody{strings.NewReader(fits)}, 400, session.ReasonMalformedJSON},
		// The limit to the byte (docs/openapi.yaml: "at most 64 KiB (65536
		// bytes)"): a body longer than said is read up to it, and one byte
		// more is 413 (r95-mutate: with the reader's limit one byte higher,
		// 65537 bytes were taken, 201).
		{"at the limit, longer than said", strings.NewReader(fits + strings.Repeat(" ", httpapi.MaxBodyBytes-len(fits))), 201, ""},
		{"one byte past the limit, longer than said", strings.NewReader(fits + strings.Repeat(" ", httpapi.MaxBodyBytes+1-len(fits))), 413, session.ReasonBodyTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/sessions", tt.body)
			r.ContentLength = int64(len(fits)) + 1 // what the client said
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Authorization", "Bearer "+tok)
			w := httptest.NewRecorder()
			h.handler.ServeHTTP(w, r)
			if tt.code == "" {
				if w.Code != tt.status {
					t.Errorf("status %d %s; want %d", w.Code, w.Body, tt.status)
				}
				return
			}
			wantProblem(t, response{w}, tt.status, tt.code)
		})
	}
}
