package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/app"
	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/config"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// sampleSessionID is the session the events/ samples name.
const sampleSessionID = "6f1c2b8e-3d4a-4e5f-9a7b-0c1d2e3f4a5b"

// sampleMerchant owns the seeded sample session.
const sampleMerchant = "merchant-1"

// fixture is an App as a Lambda builds it, on a fresh table, with a test
// identity provider, and the sample session seeded.
type fixture struct {
	app   *app.App
	iss   *devtoken.Issuer
	logs  *bytes.Buffer
	token string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db := storetest.Client(t, store.ClientOptions{})
	table := storetest.NewTable(t, db)
	iss, err := devtoken.New("https://issuer.test", "paysessions", jwa.RS256())
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
	logs := &bytes.Buffer{}
	a, err := app.New(context.Background(), cfg, app.Options{Log: logs})
	if err != nil {
		t.Fatal(err)
	}
	amount := int64(8800)
	seed := session.New(&session.Draft{Amount: &amount, Currency: "ZAR", OrderID: "order-1000"}, sampleMerchant, sampleSessionID, "hcp", time.Now(), cfg.Policy())
	if _, err := a.Store.Create(context.Background(), seed, nil, 0, nil); err != nil {
		t.Fatal(err)
	}
	token := iss.MustMint(devtoken.Claims{MerchantID: sampleMerchant, Scopes: []string{
		auth.ScopeSessionsRead, auth.ScopeSessionsWrite, auth.ScopeSessionsProcess,
		auth.ScopeAPIKeysWrite, auth.ScopePaymentRead, auth.ScopeUser,
	}})
	return &fixture{app: a, iss: iss, logs: logs, token: token}
}

// loadEvent reads an events/ sample, with the token placeholder filled in.
func loadEvent(t *testing.T, name, token string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "events", name))
	if err != nil {
		t.Fatal(err)
	}
	raw = bytes.ReplaceAll(raw, []byte("REPLACE_WITH_TOKEN"), []byte(token))
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return ev
}

func routeFor(t *testing.T, a *app.App, routeKey string) httpapi.Route {
	t.Helper()
	for _, rt := range httpapi.Routes(a.Deps()) {
		if rt.Pattern == routeKey {
			return rt
		}
	}
	t.Fatalf("no route serves %q", routeKey)
	return httpapi.Route{}
}

// TestEventSamplesThroughLambdaHandler feeds each events/ sample to the
// Lambda handler its function builds (the api-proxy V2 adapter in front of
// the route) and checks the answer.
func TestEventSamplesThroughLambdaHandler(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		file   string
		status int
		check  func(t *testing.T, body map[string]any)
	}{
		{"create-session.json", 201, func(t *testing.T, b map[string]any) {
			if b["orderId"] != "order-1001" || b["merchantId"] != sampleMerchant {
				t.Errorf("created %v", b)
			}
		}},
		{"get-session.json", 200, func(t *testing.T, b map[string]any) {
			if b["id"] != sampleSessionID || b["status"] != "CREATED" {
				t.Errorf("got %v", b)
			}
		}},
		{"post-session-event.json", 200, func(t *testing.T, b map[string]any) {
			if b["status"] != "AUTHORISED" || b["transactionId"] != "20220211-0013-0000-0382" {
				t.Errorf("after event %v", b)
			}
		}},
		{"cancel-session.json", 200, func(t *testing.T, b map[string]any) {
			if b["status"] != "CANCEL_REQUESTED" {
				t.Errorf("after cancel %v", b)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			ev := loadEvent(t, tt.file, f.token)
			h := f.app.Lambda(routeFor(t, f.app, ev.RouteKey))
			res, err := h(context.Background(), ev)
			if err != nil {
				t.Fatalf("handler error = %v", err)
			}
			if res.StatusCode != tt.status {
				t.Fatalf("status = %d %s; want %d", res.StatusCode, res.Body, tt.status)
			}
			if res.IsBase64Encoded {
				t.Errorf("response body base64-encoded; want plain JSON")
			}
			if res.Headers["Cache-Control"] != "no-store" || res.Headers["X-Content-Type-Options"] != "nosniff" || res.Headers["Content-Type"] != "application/json" {
				t.Errorf("headers = %v", res.Headers)
			}
			if res.Headers["X-Request-Id"] != ev.RequestContext.RequestID {
				t.Errorf("X-Request-Id = %q; want API Gateway's %q", res.Headers["X-Request-Id"], ev.RequestContext.RequestID)
			}
			var body map[string]any
			if err := json.Unmarshal([]byte(res.Body), &body); err != nil {
				t.Fatalf("body %q: %v", res.Body, err)
			}
			tt.check(t, body)
		})
	}
	if strings.Contains(f.logs.String(), f.token) {
		t.Errorf("logs contain the bearer token")
	}
	if !strings.Contains(f.logs.String(), `"request_id":"Xk3p9gHYoAMEbvQ="`) {
		t.Errorf("logs lack API Gateway's request id:\n%s", f.logs)
	}
}
