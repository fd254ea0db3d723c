// Package httpapi_test tests the handlers over HTTP: the same suites on the
// local server and on start-api's real bootstraps (apitarget), and on the
// in-memory store where DynamoDB is not the point.
package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/apitarget"
	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestMain: DynamoDB for the binary, and the bootstraps the matrix's
// start-api target runs, built once and removed at the end (apitarget).
func TestMain(m *testing.M) { os.Exit(apitarget.Main(m)) }

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

const (
	testIssuer   = "https://issuer.test"
	testAudience = "paysessions-api"
)

// harness is the whole API on a fresh table, with a token issuer.
type harness struct {
	t       testing.TB
	db      *dynamodb.Client
	table   string
	clock   *storetest.Clock
	st      harnessStore
	iss     *devtoken.Issuer
	handler http.Handler
	logs    *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func newHarness(t testing.TB) *harness {
	t.Helper()
	return newHarnessWith(t, store.ClientOptions{})
}

// newHarnessWith builds the harness with the DynamoDB client's options
// (a fault-injecting transport, fewer retries).
func newHarnessWith(t testing.TB, co store.ClientOptions) *harness {
	t.Helper()
	return newHarnessPolicy(t, co, session.DefaultPolicy)
}

// newHarnessPolicy builds the harness with a lifecycle policy of its own
// (and store options).
func newHarnessPolicy(t testing.TB, co store.ClientOptions, policy session.Policy, opts ...store.Option) *harness {
	t.Helper()
	db := storetest.Client(t, co)
	table := storetest.NewTable(t, db)
	clock := storetest.NewClock(t0)
	// The list's time budget is real time: on a loaded machine a test about
	// something else must not run out of it (the budget's own tests set it).
	// The clock stands still unless a test moves it: a refusal in a guard
	// band reads again at once, where the store would sleep until
	// expiresAt in real time (up to the whole band; about 3 s a refusal
	// in TestLifecycleModel's runs on DynamoDB Local).
	opts = append([]store.Option{store.ListBudget(time.Hour), noSettleWait}, opts...)
	st := store.New(db, table, policy, 16, clock.Now, opts...)
	h := serveStore(t, st, clock)
	h.db, h.table = db, table
	return h
}

// serveStore builds the harness around st: a development issuer with its
// JWKS, the authenticator, and the route table behind the middleware,
// logging into the harness's buffer.
func serveStore(t testing.TB, st harnessStore, clock *storetest.Clock) *harness {
	t.Helper()
	iss, err := devtoken.New(testIssuer, testAudience, jwa.ES256())
	if err != nil {
		t.Fatal(err)
	}
	jwks := httptest.NewServer(iss)
	t.Cleanup(jwks.Close)
	authn := auth.New(
		auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: testIssuer, Audience: testAudience}),
		auth.NewAPIKeyVerifier(st, clock.Now),
	)
	logs := &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	routes := httpapi.Routes(httpapi.Deps{Store: st, Auth: authn, Now: clock.Now})
	h := httpapi.Middleware(logger, func(*http.Request) string { return "" }, httpapi.NewRouter(routes...))
	return &harness{t: t, clock: clock, st: st, iss: iss, handler: h, logs: logs}
}

func (h *harness) token(merchant string, scopes ...string) string {
	return h.iss.MustMint(devtoken.Claims{MerchantID: merchant, Scopes: scopes})
}

// merchantToken can read, create and cancel for merchant.
func (h *harness) merchantToken(merchant string) string {
	return h.token(merchant, auth.ScopeSessionsRead, auth.ScopeSessionsWrite)
}

func (h *harness) processorToken() string { return h.token("", auth.ScopeSessionsProcess) }

type response struct {
	*httptest.ResponseRecorder
}

func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body.Bytes(), &m); err != nil {
		t.Fatalf("response body %q is not a JSON object: %v", r.Body.String(), err)
	}
	return m
}

func (h *harness) do(method, path, token string, body any, headers ...string) response {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	r := httptest.NewRequest(method, path, rd)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			r.Header.Del(headers[i])
			continue
		}
		r.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	h.handler.ServeHTTP(w, r)
	return response{w}
}

// apiKey makes an API key for merchant with scopes and returns it. The
// token that makes it holds those scopes too: a key never has a scope its
// creator lacks.
func (h *harness) apiKey(merchant string, scopes ...string) string {
	h.t.Helper()
	res := h.do("POST", "/api-keys", h.token(merchant, append([]string{auth.ScopeAPIKeysWrite}, scopes...)...), map[string]any{"scopes": scopes})
	if res.Code != http.StatusCreated {
		h.t.Fatalf("POST /api-keys = %d %s; want 201", res.Code, res.Body)
	}
	return res.json(h.t)["key"].(string)
}

// seed stores v as it is, bypassing the lifecycle rules, for tests that need
// a session with a document's example values.
func (h *harness) seed(v *session.Session) {
	h.t.Helper()
	if err := h.st.Import(context.Background(), v); err != nil {
		h.t.Fatalf("seed: %v", err)
	}
}

// create makes a session for merchant and returns its id.
func (h *harness) create(merchant string, body any) string {
	h.t.Helper()
	if body == nil {
		body = map[string]any{"amount": 8800, "currency": "ZAR", "orderId": "order-1"}
	}
	res := h.do("POST", "/sessions", h.merchantToken(merchant), body)
	if res.Code != http.StatusCreated {
		h.t.Fatalf("POST /sessions = %d %s; want 201", res.Code, res.Body)
	}
	return res.json(h.t)["id"].(string)
}

// wantProblem checks an RFC 9457 problem response.
func wantProblem(t testing.TB, res response, status int, code string) map[string]any {
	t.Helper()
	if res.Code != status {
		t.Fatalf("status = %d (%s); want %d", res.Code, res.Body, status)
	}
	if ct := res.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type = %q; want application/problem+json", ct)
	}
	p := res.json(t)
	if p["code"] != code || int(p["status"].(float64)) != status || p["title"] == "" || p["type"] == nil || p["detail"] == "" {
		t.Errorf("problem = %v; want status %d code %s with type, title, detail", p, status, code)
	}
	return p
}
