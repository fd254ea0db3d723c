package functions_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/app"
	"github.com/paysessions/paysessions/shared/app/apptest"
	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/config"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
	"github.com/paysessions/paysessions/shared/sweep"
)

// recordingTransport records each DynamoDB request's IAM actions before
// forwarding it unchanged.
type recordingTransport struct{ rec *dynamoRecorder }

func (rt recordingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	_ = r.Body.Close()
	rt.rec.record(r.Header.Get("X-Amz-Target"), body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	return http.DefaultTransport.RoundTrip(r)
}

// TestFamilyPathsStayInsideTheirPolicies drives the paths of the code that
// the events/ samples (and so the bootstrap test) never reach — a child
// session's life under its parent, idempotent replays, a parent's close
// that closes its child, document 003's parent-with-child read — through
// each function's own handler, and checks every DynamoDB action they need
// is one its IAM policy grants (dynamoActions, which template.yaml grants
// exactly). "For the ConditionCheck action, you can use the
// dynamodb:ConditionCheckItem permission in IAM policies" (AWS, "Using IAM
// with DynamoDB transactions"): a child's settlement under a parent that
// already shows the money checks the parent's version with a ConditionCheck,
// which PutItem does not authorise.
func TestFamilyPathsStayInsideTheirPolicies(t *testing.T) {
	ctx := context.Background()
	db := storetest.Client(t, store.ClientOptions{})
	table := storetest.NewTable(t, db)
	iss, jwksURL := devIssuer(t)
	token := iss.MustMint(devtoken.Claims{MerchantID: apptest.Merchant, Scopes: []string{
		auth.ScopeSessionsRead, auth.ScopeSessionsWrite, auth.ScopeSessionsProcess, auth.ScopeUser,
	}})
	cfg, err := config.Load(func(k string) string {
		return map[string]string{
			"TABLE_NAME": table, "DYNAMODB_ENDPOINT": storetest.Endpoint(t),
			"JWKS_URL": jwksURL, "JWT_ISSUER": testIssuer, "JWT_AUDIENCE": testAudience, "LOG_LEVEL": "error",
		}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	// One App per function, as each Lambda has its own, recording what
	// that function asks of DynamoDB.
	patterns := map[string]string{
		"create-session": httpapi.PatternCreateSession, "post-session-event": httpapi.PatternPostEvent,
		"cancel-session": httpapi.PatternCancelSession, "checkout-session": httpapi.PatternCheckoutSession,
	}
	handlers := map[string]http.Handler{}
	recs := map[string]*dynamoRecorder{}
	for fn, pattern := range patterns {
		rec := &dynamoRecorder{}
		a, err := app.New(ctx, cfg, app.Options{Log: io.Discard, HTTPClient: &http.Client{Transport: recordingTransport{rec}}})
		if err != nil {
			t.Fatal(err)
		}
		rt, ok := httpapi.RouteOf(pattern, a.Deps())
		if !ok {
			t.Fatalf("no route %s", pattern)
		}
		handlers[fn], recs[fn] = httpapi.NewRouter(rt), rec
	}
	do := func(fn, method, path, body string, header map[string]string, want int) map[string]any {
		t.Helper()
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+token)
		if body != "" {
			r.Header.Set("Content-Type", "application/json")
		}
		for k, v := range header {
			r.Header.Set(k, v)
		}
		w := httptest.NewRecorder()
		handlers[fn].ServeHTTP(w, r)
		if w.Code != want {
			t.Fatalf("%s %s %s: got %d; want %d (%s)", fn, method, path, w.Code, want, w.Body)
		}
		var out map[string]any
		_ = json.Unmarshal(w.Body.Bytes(), &out)
		return out
	}
	create := func(parent string) string {
		t.Helper()
		body := `{"orderId":"o-` + uuid.NewString()[:8] + `","amount":100,"currency":"ZAR"`
		if parent != "" {
			body += `,"parentSessionId":"` + parent + `"`
		}
		body += `}`
		key := map[string]string{"Idempotency-Key": uuid.NewString()}
		out := do("create-session", http.MethodPost, "/sessions", body, key, http.StatusCreated)
		id, _ := out["id"].(string)
		if id == "" {
			t.Fatalf("create: no id in %v", out)
		}
		// The same request again is the remembered answer.
		do("create-session", http.MethodPost, "/sessions", body, key, http.StatusCreated)
		return id
	}
	event := func(id, status string) {
		t.Helper()
		do("post-session-event", http.MethodPost, "/sessions/"+id+"/events",
			`{"status":"`+status+`","eventId":"`+uuid.NewString()+`"}`, nil, http.StatusOK)
	}

	// A child is authorised (its parent moves with it), then settled under
	// a parent its own processor has settled since (the parent is checked,
	// not written); another is authorised, then its cancel requested by the
	// merchant (the parent, showing its money, follows).
	parent := create("")
	child := create(parent)
	do("checkout-session", http.MethodGet, "/v1/checkout-sessions/"+parent, "", map[string]string{"X-Merchant-Id": apptest.Merchant}, http.StatusOK)
	event(child, "AUTHORISED")
	event(parent, "SETTLED")
	event(child, "SETTLED")
	parent4 := create("")
	child4 := create(parent4)
	event(child4, "AUTHORISED")
	do("cancel-session", http.MethodPost, "/sessions/"+child4+"/cancel", `{}`, nil, http.StatusOK)
	// A parent's cancel, and a processor's close of a parent, close their
	// open child.
	parent2 := create("")
	create(parent2)
	do("cancel-session", http.MethodPost, "/sessions/"+parent2+"/cancel", `{"reason":"buyer left"}`, nil, http.StatusOK)
	parent3 := create("")
	create(parent3)
	event(parent3, "FAILED")

	for fn, rec := range recs {
		got := rec.actions()
		rec.mu.Lock()
		requests := slices.Clone(rec.requests)
		rec.mu.Unlock()
		t.Logf("%s called DynamoDB: %v", fn, requests)
		for _, g := range got {
			if !slices.Contains(dynamoActions[fn], g) {
				t.Errorf("%s needs %v, which its policy does not grant; got %v; want a subset of %v", fn, g, got, dynamoActions[fn])
			}
		}
		rec.checkKeys(t, fn)
	}
	// The paths this test exists for were reached.
	for fn, want := range map[string]string{
		"post-session-event": "TransactWriteItems(PutItem,ConditionCheckItem)",
		"checkout-session":   "TransactGetItems(GetItem,GetItem)",
		"cancel-session":     "TransactWriteItems(PutItem,PutItem)",
	} {
		if !slices.Contains(recs[fn].requests, want) {
			t.Errorf("%s: requests %v; want one %s", fn, recs[fn].requests, want)
		}
	}
}

// faultyRecordingTransport records each DynamoDB request's IAM actions,
// then sends it, losing the answer of every UpdateItem after it landed.
type faultyRecordingTransport struct{ rec *dynamoRecorder }

func (rt faultyRecordingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	_ = r.Body.Close()
	target := r.Header.Get("X-Amz-Target")
	rt.rec.record(target, body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	if target == "DynamoDB_20120810.UpdateItem" {
		return storetest.AnswerLost(http.DefaultTransport, r)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestSweeperReadBackStaysInsideItsPolicy: docs/design.md §4, "a write
// whose outcome is unknown (its answers lost, a 5xx) is judged by the
// session read back, so an expiry that landed is not counted as an error".
// The read back is a consistent GetItem of the session; the sweeper's IAM
// policy must grant it, or in AWS every such read is AccessDenied and
// every expiry whose answer was lost is counted as an error (SweepErrors,
// its alarm) though it landed. The bootstrap test's clean run never
// reaches this path.
func TestSweeperReadBackStaysInsideItsPolicy(t *testing.T) {
	ctx := context.Background()
	db := storetest.Client(t, store.ClientOptions{})
	table := storetest.NewTable(t, db)
	now := time.Now()
	clock := func() time.Time { return now }
	seed := store.New(db, table, session.DefaultPolicy, 4, clock)
	amount := int64(100)
	v := session.New(&session.Draft{Amount: &amount, Currency: "EUR"}, apptest.Merchant, uuid.NewString(), "tok",
		now.Add(-session.DefaultPolicy.Expiry-time.Minute), session.DefaultPolicy)
	if err := seed.ImportAll(ctx, []*session.Session{v}); err != nil {
		t.Fatal(err)
	}
	rec := &dynamoRecorder{}
	st := store.New(storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: faultyRecordingTransport{rec}}, MaxAttempts: 2}),
		table, session.DefaultPolicy, 4, clock)
	r := sweep.New(st, slog.New(slog.NewJSONHandler(io.Discard, nil)), clock).Run(ctx)
	if r.Expired != 1 || r.Errors != 0 {
		t.Errorf("Run() = %+v; want the expiry whose answers were lost counted expired", r)
	}
	rec.mu.Lock()
	requests := slices.Clone(rec.requests)
	rec.mu.Unlock()
	if !slices.Contains(requests, "GetItem") {
		t.Fatalf("requests %v; want the read back (GetItem): the test tests nothing", requests)
	}
	for _, g := range rec.actions() {
		if !slices.Contains(dynamoActions["expiry-sweeper"], g) {
			t.Errorf("expiry-sweeper needs %v, which its policy does not grant; want a subset of %v (requests %v)", g, dynamoActions["expiry-sweeper"], requests)
		}
	}
	rec.checkKeys(t, "expiry-sweeper")
}
