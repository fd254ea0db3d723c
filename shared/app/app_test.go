// Package app_test runs the wired service as Lambda runs it: each function's
// handler (the api-proxy adapter in front of its route) on API Gateway
// events, the events/ samples among them, against DynamoDB Local.
package app_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/app"
	"github.com/paysessions/paysessions/shared/app/apptest"
	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/config"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/dialect/dialecttest"
	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// The events/ samples name this session, merchant and API key id.
const (
	sampleSessionID = "6f1c2b8e-3d4a-4e5f-9a7b-0c1d2e3f4a5b"
	sampleMerchant  = apptest.Merchant
	sampleKeyID     = "0123456789abcdef"
)

// fixture is an App as a Lambda builds it, on a fresh table, with a test
// identity provider and a settable clock.
type fixture struct {
	app    *app.App
	clock  *storetest.Clock
	logs   *bytes.Buffer
	token  string
	apiKey string
	iss    *devtoken.Issuer
}

// fixtureIssuer is the identity provider of every fixture: made once, as
// a 2048-bit RSA key costs a fifth of a second or more under -race. Each
// fixture still has its own JWKS server, verifier and table, and no test
// makes two fixtures whose tokens must differ.
var fixtureIssuer = sync.OnceValues(func() (*devtoken.Issuer, error) {
	return devtoken.New("https://issuer.test", "paysessions", jwa.RS256())
})

func newFixture(t *testing.T, opts ...store.Option) *fixture {
	t.Helper()
	return newFixtureWith(t, app.Options{Store: opts})
}

// newFixtureWith is newFixture with o's store options and DynamoDB HTTP
// client (its log and clock are the fixture's).
func newFixtureWith(t *testing.T, o app.Options) *fixture {
	t.Helper()
	db := storetest.Client(t, store.ClientOptions{})
	table := storetest.NewTable(t, db)
	iss, err := fixtureIssuer()
	if err != nil {
		t.Fatal(err)
	}
	jwks := httptest.NewServer(iss)
	t.Cleanup(jwks.Close)
	env := map[string]string{
		"TABLE_NAME": table, "DYNAMODB_ENDPOINT": storetest.Endpoint(t),
		"JWKS_URL": jwks.URL, "JWT_ISSUER": "https://issuer.test", "JWT_AUDIENCE": "paysessions",
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	clock := storetest.NewClock(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	logs := &bytes.Buffer{}
	o.Log, o.Now = logs, clock.Now
	a, err := app.New(context.Background(), cfg, o)
	if err != nil {
		t.Fatal(err)
	}
	token := iss.MustMint(devtoken.Claims{MerchantID: sampleMerchant, Scopes: []string{
		auth.ScopeSessionsRead, auth.ScopeSessionsWrite, auth.ScopeSessionsProcess,
		auth.ScopeAPIKeysWrite, auth.ScopePaymentRead, auth.ScopeUser,
	}})
	// An API key for the samples that use one.
	_, key, _ := auth.NewAPIKey()
	secret := key[len("psk_")+17:]
	sum := sha256.Sum256([]byte(secret))
	if err := a.Store.CreateAPIKey(context.Background(), &store.APIKey{ID: "feedfacecafebeef", MerchantID: sampleMerchant, Scopes: []string{auth.ScopeSessionsRead}, SecretHash: sum[:], CreatedAt: clock.Now()}); err != nil {
		t.Fatal(err)
	}
	return &fixture{app: a, clock: clock, logs: logs, token: token, apiKey: "psk_feedfacecafebeef_" + secret, iss: iss}
}

// logMark is how many lines the fixture's log holds, for linesSince.
func (f *fixture) logMark() int { return strings.Count(f.logs.String(), "\n") }

// linesSince is the fixture's log lines written since mark (logMark).
func (f *fixture) linesSince(mark int) []string {
	return strings.Split(strings.TrimSuffix(f.logs.String(), "\n"), "\n")[mark:]
}

// onlyLineSince is the one log line written since mark, decoded; the test
// stops unless exactly one was.
func (f *fixture) onlyLineSince(t *testing.T, mark int) map[string]any {
	t.Helper()
	lines := f.linesSince(mark)
	if len(lines) != 1 {
		t.Fatalf("got %d log lines %q; want 1", len(lines), lines)
	}
	var line map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &line); err != nil {
		t.Fatal(err)
	}
	return line
}

// event reads an events/ sample with its placeholders filled in and, when
// id is not "", the sample session id replaced by id.
// createSample stores the sample events' session (sampleSessionID of
// sampleMerchant, 8800 ZAR), created now.
func (f *fixture) createSample(t *testing.T) {
	t.Helper()
	amount := int64(8800)
	v := session.New(&session.Draft{Amount: &amount, Currency: "ZAR"}, sampleMerchant, sampleSessionID, "hcp", f.clock.Now(), f.app.Config.Policy())
	if _, _, err := f.app.Store.Create(context.Background(), v, nil, 0, nil); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) event(t *testing.T, name, id string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "events", name))
	if err != nil {
		t.Fatal(err)
	}
	raw = bytes.ReplaceAll(raw, []byte("REPLACE_WITH_TOKEN"), []byte(f.token))
	raw = bytes.ReplaceAll(raw, []byte("REPLACE_WITH_API_KEY"), []byte(f.apiKey))
	if id != "" {
		raw = bytes.ReplaceAll(raw, []byte(sampleSessionID), []byte(id))
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return ev
}

// invoke runs ev through the Lambda handler of the route it names, as that
// route's function builds it.
func (f *fixture) invoke(t *testing.T, ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	t.Helper()
	for _, rt := range httpapi.Routes(f.app.Deps()) {
		if rt.Pattern == ev.RouteKey {
			res, err := f.app.Lambda(rt)(context.Background(), ev)
			if err != nil {
				t.Fatalf("handler error = %v", err)
			}
			if res.IsBase64Encoded {
				t.Errorf("response body base64-encoded; want plain JSON")
			}
			if res.Headers["Cache-Control"] != "no-store" || res.Headers["X-Content-Type-Options"] != "nosniff" {
				t.Errorf("headers = %v", res.Headers)
			}
			if res.Headers["X-Request-Id"] != ev.RequestContext.RequestID {
				t.Errorf("X-Request-Id = %q; want API Gateway's %q", res.Headers["X-Request-Id"], ev.RequestContext.RequestID)
			}
			return res
		}
	}
	t.Fatalf("no route serves %q", ev.RouteKey)
	return events.APIGatewayV2HTTPResponse{}
}

func decode(t *testing.T, res events.APIGatewayV2HTTPResponse) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(res.Body), &v); err != nil {
		t.Fatalf("body %q: %v", res.Body, err)
	}
	return v
}

// TestEventSamplesThroughLambdaHandler feeds each events/ sample to the
// Lambda handler its function builds (the api-proxy V2 adapter in front of
// the route) and checks the answer, in an order that walks a session
// through its life.
func TestEventSamplesThroughLambdaHandler(t *testing.T) {
	f := newFixture(t)
	amount := int64(8800)
	seed := session.New(&session.Draft{Amount: &amount, Currency: "ZAR", OrderID: "order-1000", TransactionID: "tx-1"}, sampleMerchant, sampleSessionID, "hcp", f.clock.Now(), f.app.Config.Policy())
	if _, _, err := f.app.Store.Create(context.Background(), seed, nil, 0, nil); err != nil {
		t.Fatal(err)
	}
	if err := f.app.Store.CreateAPIKey(context.Background(), &store.APIKey{ID: sampleKeyID, MerchantID: sampleMerchant, Scopes: []string{auth.ScopeSessionsRead}, SecretHash: make([]byte, 32), CreatedAt: f.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, tt := range apptest.Samples {
		file := tt.Function + ".json"
		seen[file] = true
		t.Run(file, func(t *testing.T) {
			res := f.invoke(t, f.event(t, file, ""))
			if res.StatusCode != tt.Status {
				t.Fatalf("status = %d %s; want %d", res.StatusCode, res.Body, tt.Status)
			}
			if tt.Check != nil {
				if got := tt.Check(decode(t, res)); !reflect.DeepEqual(got, tt.Want) {
					t.Errorf("got %v; want %v", got, tt.Want)
				}
			}
		})
	}
	samples, _ := filepath.Glob(filepath.Join("..", "..", "events", "*.json"))
	for _, s := range samples {
		if name := filepath.Base(s); !seen[name] && name != "env.json" && name != "expiry-sweeper.json" {
			t.Errorf("events/%s is not exercised by this test", name)
		}
	}
	if strings.Contains(f.logs.String(), f.token) || strings.Contains(f.logs.String(), f.apiKey) {
		t.Errorf("logs contain a credential")
	}
	if !strings.Contains(f.logs.String(), `"request_id":"Xk3p9gHYoAMEbvQ="`) {
		t.Errorf("logs lack API Gateway's request id:\n%s", f.logs)
	}
}

// TestDialectSamplesAnswerTheDocumentsExamples: each documented endpoint,
// through its Lambda handler and its events/ sample, answers the document's
// example for a session holding the example's data.
func TestDialectSamplesAnswerTheDocumentsExamples(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		file string
		ex   dialecttest.Example
	}{
		{"session-v1.json", dialecttest.V1Session()},
		{"payment-status.json", dialecttest.PaymentStatus()},
		{"payment-session.json", dialecttest.PaymentSession()},
		{"checkout-session.json", dialecttest.Checkout()},
		{"session-record.json", dialecttest.SessionRecord()},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			for _, v := range []*session.Session{tt.ex.Session, tt.ex.Child} {
				if v == nil {
					continue
				}
				if err := f.app.Store.Import(context.Background(), v); err != nil {
					t.Fatal(err)
				}
			}
			f.clock.Set(tt.ex.Now)
			res := f.invoke(t, f.event(t, tt.file, tt.ex.Session.ID))
			if res.StatusCode != 200 {
				t.Fatalf("status = %d %s", res.StatusCode, res.Body)
			}
			if got := decode(t, res); !reflect.DeepEqual(got, any(tt.ex.Want)) {
				t.Errorf("body = %s;\nwant %v", res.Body, tt.ex.Want)
			}
		})
	}
}

// loggingApp is the app that env configures, logging into the buffer it
// returns.
func loggingApp(t *testing.T, env map[string]string) (*app.App, *bytes.Buffer) {
	t.Helper()
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	logs := &bytes.Buffer{}
	a, err := app.New(context.Background(), cfg, app.Options{Log: logs})
	if err != nil {
		t.Fatal(err)
	}
	return a, logs
}
