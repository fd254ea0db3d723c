package localserver

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

// TestAnswerSentWithItsLength: API Gateway has a function's whole answer
// before it sends it, and sends it with its Content-Length, never chunked
// (make start-api does so too: samlocal's response.write); make run's
// answers are the same, a body over net/http's 2 KB chunking buffer (a
// document-002 session with a large provider, a document-004 day)
// included, and a HEAD's length is the one GET's body has.
func TestAnswerSentWithItsLength(t *testing.T) {
	body := bytes.Repeat([]byte("x"), 10_000)
	srv := httptest.NewServer(servedAsOnMakeRun(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body)
	})))
	defer srv.Close()
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		req, err := http.NewRequest(method, srv.URL+"/payment-sessions/x", nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if te := res.TransferEncoding; len(te) != 0 {
			t.Errorf("%s: Transfer-Encoding = %q; want none (the answer sent whole)", method, te)
		}
		if cl := res.Header.Get("Content-Length"); cl != strconv.Itoa(len(body)) {
			t.Errorf("%s: Content-Length = %q; want %d", method, cl, len(body))
		}
		if want := map[string]int{http.MethodGet: len(body), http.MethodHead: 0}[method]; len(got) != want {
			t.Errorf("%s: %d body bytes; want %d", method, len(got), want)
		}
	}
}
