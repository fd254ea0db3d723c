package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// wantEnvelopeError checks document 001's error answer: "Errors, a 405 on
// 001's path included, use the same envelope with data: null and a
// notification carrying the code and message" (docs/design.md §6),
// application/json, with the status and code given.
func wantEnvelopeError(t *testing.T, name string, res *httptest.ResponseRecorder, status int, code string) {
	t.Helper()
	if res.Code != status {
		t.Errorf("%s = %d %s; want %d in document 001's envelope", name, res.Code, res.Body, status)
		return
	}
	if ct := res.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s: Content-Type = %q; want application/json (document 001's envelope)", name, ct)
	}
	var b struct {
		Message       string            `json:"message"`
		Notifications []json.RawMessage `json:"notifications"`
		Data          json.RawMessage   `json:"data"`
	}
	if err := json.Unmarshal(res.Body.Bytes(), &b); err != nil || b.Message != "The operation failed." || string(b.Data) != "null" || len(b.Notifications) != 1 {
		t.Errorf("%s: body = %s; want document 001's envelope with data null and one notification", name, res.Body)
		return
	}
	var n struct{ Code string }
	if err := json.Unmarshal(b.Notifications[0], &n); err != nil || n.Code != code {
		t.Errorf("%s: notification = %s; want code %s", name, b.Notifications[0], code)
	}
}

// TestLargeBodyOnAPathThatTakesNone: a request with another method on a
// known path "reaches its function ... and is answered 405 with Allow", on
// document 001's path in 001's envelope. The size of a body the path
// never reads does not change that: a POST of more than 64 KiB to 001's
// path was answered 413 as a problem document (not 001's envelope), where
// the same POST sent chunked was the 405. 413 stays the answer of the
// routes that read a body.
func TestLargeBodyOnAPathThatTakesNone(t *testing.T) {
	h := newMemoryHarness(t)
	tok := h.token("m-1", auth.ScopeSessionsRead, auth.ScopeSessionsWrite, auth.ScopePaymentRead)
	id := h.create("m-1", nil)
	big := strings.Repeat("x", 70<<10)
	send := func(method, path string, chunked bool) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, path, strings.NewReader(big))
		if chunked {
			r.ContentLength = -1
		}
		r.Header.Set("Authorization", "Bearer "+tok)
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.handler.ServeHTTP(w, r)
		return w
	}
	for _, chunked := range []bool{false, true} {
		for _, method := range []string{"POST", "PUT", "PATCH"} {
			name := method + " 70 KiB to 001's path (chunked " + map[bool]string{false: "no", true: "yes"}[chunked] + ")"
			res := send(method, "/v2.0/payments/"+id+"/status", chunked)
			wantEnvelopeError(t, name, res, http.StatusMethodNotAllowed, session.ReasonMethodNotAllowed)
			if got := res.Header().Get("Allow"); got != "GET, HEAD" {
				t.Errorf("%s: Allow = %q; want GET, HEAD", name, got)
			}
			res = send(method, "/v1/session/"+id, chunked)
			if res.Code != http.StatusMethodNotAllowed || res.Header().Get("Allow") != "GET, HEAD" {
				t.Errorf("%s 70 KiB to 000's path (chunked %v) = %d %s; want 405 with Allow: GET, HEAD", method, chunked, res.Code, res.Body)
			}
		}
		if res := send("POST", "/sessions", chunked); res.Code != http.StatusRequestEntityTooLarge || res.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("POST 70 KiB to /sessions (chunked %v) = %d %s; want 413 problem", chunked, res.Code, res.Body)
		}
		// README: "body over 64 KiB on a route that takes one": a GET
		// route takes none, so the body it never reads does not make its
		// answer a 413 (a router that sized every method's body refused a
		// GET of a session with 70 KiB attached).
		if res := send("GET", "/sessions/"+id, chunked); res.Code != http.StatusOK {
			t.Errorf("GET /sessions/{id} with 70 KiB (chunked %v): got %d %s; want %d", chunked, res.Code, res.Body, http.StatusOK)
		}
	}
}

// panickingStore is a store whose reads panic: a bug in the read path.
type panickingStore struct{ *storetest.Memory }

func (panickingStore) Get(context.Context, string) (*session.Session, error) { panic("boom") }

func (panickingStore) GetOwned(context.Context, string, string) (*session.Session, error) {
	panic("boom")
}

func (panickingStore) GetRecord(context.Context, string, string) (*session.Session, error) {
	panic("boom")
}

// TestPanicOn001IsAnEnvelope500: document 001's errors "use the same
// envelope with data: null" (docs/design.md §6), and docs/openapi.yaml
// declares its 500 in the envelope; a panic on 001's path was answered as a
// problem document. Other paths keep the problem document. Either way the
// panic is logged and its text is never returned.
func TestPanicOn001IsAnEnvelope500(t *testing.T) {
	clock := storetest.NewClock(t0)
	h := serveStore(t, panickingStore{storetest.NewMemory(session.DefaultPolicy, clock.Now)}, clock)
	tok := h.token("m-1", auth.ScopeSessionsRead, auth.ScopePaymentRead)
	id := uuid.NewString()

	res := h.do("GET", "/v2.0/payments/"+id+"/status", tok, nil)
	wantEnvelopeError(t, "001 read that panics", res.ResponseRecorder, http.StatusInternalServerError, session.ReasonInternal)
	res = h.do("GET", "/v1/session/"+id, tok, nil)
	wantProblem(t, res, http.StatusInternalServerError, session.ReasonInternal)
	for _, r := range []response{res} {
		if strings.Contains(r.Body.String(), "boom") {
			t.Errorf("the answer leaks the panic: %s", r.Body)
		}
	}
	if !strings.Contains(h.logs.String(), "boom") {
		t.Errorf("the panic is not logged:\n%s", h.logs)
	}
}
