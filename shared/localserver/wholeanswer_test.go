package localserver

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

// TestWholeAnswerIsWhatTheHandlerWrote: make run holds a function's answer
// until it returns (wholeAnswer) and must send what net/http would have
// sent for it, as API Gateway sends a Lambda's one status: the first
// status written wins (a later WriteHeader is superfluous), a Write before
// any WriteHeader is 200, a 204's and a 304's answer carries no
// Content-Length (RFC 9110 §8.6: none in a 204), and a path that is no
// function's (the development issuer's, a 404) is sent whole with its
// length too. r91-mutate's mutants W1 (the last status won), W2 (a Write
// set no status) and W7 (a path of no function sent chunked) survived
// every test; the 204 and 304 rows pin what net/http sends either way.
func TestWholeAnswerIsWhatTheHandlerWrote(t *testing.T) {
	big := bytes.Repeat([]byte("y"), 10_000)
	srv := httptest.NewServer(servedAsOnMakeRun(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("case") {
		case "twice":
			w.WriteHeader(http.StatusCreated)
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte("{}"))
		case "write-first":
			_, _ = w.Write([]byte("{}"))
			w.WriteHeader(http.StatusInternalServerError)
		case "204":
			w.WriteHeader(http.StatusNoContent)
		case "304":
			w.WriteHeader(http.StatusNotModified)
		default:
			_, _ = w.Write(big)
		}
	})))
	defer srv.Close()
	tests := []struct {
		path   string
		status int
		length string // the Content-Length header; "" none
	}{
		{"/payment-sessions/x?case=twice", http.StatusCreated, "2"},
		{"/payment-sessions/x?case=write-first", http.StatusOK, "2"},
		{"/payment-sessions/x?case=204", http.StatusNoContent, ""},
		{"/payment-sessions/x?case=304", http.StatusNotModified, ""},
		{"/no-function-here", http.StatusOK, strconv.Itoa(len(big))},
	}
	for _, tt := range tests {
		res, err := http.Get(srv.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != tt.status {
			t.Errorf("%s: status %d; want %d", tt.path, res.StatusCode, tt.status)
		}
		if _, sent := res.Header["Content-Length"]; res.Header.Get("Content-Length") != tt.length || sent != (tt.length != "") {
			t.Errorf("%s: Content-Length %q (sent %v); want %q", tt.path, res.Header.Get("Content-Length"), sent, tt.length)
		}
		if len(res.TransferEncoding) != 0 {
			t.Errorf("%s: Transfer-Encoding %q; want none", tt.path, res.TransferEncoding)
		}
	}
}
