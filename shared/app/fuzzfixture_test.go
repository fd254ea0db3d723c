package app_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/app"
	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/config"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// lambdaFuzz is what the Lambda-path fuzz targets share: a clock, a token
// issuer and its key set, an App on them (its request log lines in logs),
// a verifier of the issuer's tokens, and the events/ samples (the API
// Gateway events: one per route) with their credentials filled in: a token
// of sampleMerchant with every scope, and the API key seed stores.
type lambdaFuzz struct {
	clock   *storetest.Clock
	app     *app.App
	logs    *bytes.Buffer
	jwt     *auth.JWTVerifier
	samples []events.APIGatewayV2HTTPRequest
	keyHash [sha256.Size]byte
}

func newLambdaFuzz(f *testing.F) *lambdaFuzz {
	f.Helper()
	x := &lambdaFuzz{clock: storetest.NewClock(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)), logs: new(bytes.Buffer)}
	var iss *devtoken.Issuer
	var jwksURL string
	x.app, iss, jwksURL = offlineApp(f, app.Options{Log: x.logs, Now: x.clock.Now})
	x.jwt = auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwksURL, Issuer: "https://issuer.test", Audience: "paysessions", Logger: x.app.Logger})
	token := iss.MustMint(devtoken.Claims{MerchantID: sampleMerchant, Scopes: []string{
		auth.ScopeSessionsRead, auth.ScopeSessionsWrite, auth.ScopeSessionsProcess,
		auth.ScopeAPIKeysWrite, auth.ScopePaymentRead, auth.ScopeUser,
	}})
	_, key, _ := auth.NewAPIKey()
	secret := key[len("psk_")+17:]
	x.keyHash = sha256.Sum256([]byte(secret))
	names, _ := filepath.Glob(filepath.Join("..", "..", "events", "*.json"))
	for _, name := range names {
		raw, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		raw = bytes.ReplaceAll(raw, []byte("REPLACE_WITH_TOKEN"), []byte(token))
		raw = bytes.ReplaceAll(raw, []byte("REPLACE_WITH_API_KEY"), []byte("psk_feedfacecafebeef_"+secret))
		var ev events.APIGatewayV2HTTPRequest
		if json.Unmarshal(raw, &ev) != nil || ev.RouteKey == "" {
			continue // not an API Gateway event (env.json, the sweeper's)
		}
		x.samples = append(x.samples, ev)
	}
	return x
}

// seed stores what the samples expect: their API key (sessions:read) and
// their session.
func (x *lambdaFuzz) seed(tb testing.TB, mem *storetest.Memory) {
	tb.Helper()
	if err := mem.CreateAPIKey(context.Background(), &store.APIKey{ID: "feedfacecafebeef", MerchantID: sampleMerchant, Scopes: []string{auth.ScopeSessionsRead}, SecretHash: x.keyHash[:], CreatedAt: x.clock.Now()}); err != nil {
		tb.Fatal(err)
	}
	amount := int64(8800)
	if _, _, err := mem.Create(context.Background(), session.New(&session.Draft{Amount: &amount, Currency: "ZAR"}, sampleMerchant, sampleSessionID, "hcp", x.clock.Now(), session.DefaultPolicy), nil, 0, nil); err != nil {
		tb.Fatal(err)
	}
}

// offlineApp is the App of a table behind a closed port (no engine: for
// what is answered before any DynamoDB call), its bearer tokens those of
// a development issuer it returns with its JWKS URL.
func offlineApp(tb testing.TB, opts app.Options) (*app.App, *devtoken.Issuer, string) {
	tb.Helper()
	iss, err := devtoken.New("https://issuer.test", "paysessions", jwa.RS256())
	if err != nil {
		tb.Fatal(err)
	}
	jwks := httptest.NewServer(iss)
	tb.Cleanup(jwks.Close)
	env := map[string]string{"TABLE_NAME": "offline", "DYNAMODB_ENDPOINT": "http://127.0.0.1:1",
		"JWKS_URL": jwks.URL, "JWT_ISSUER": "https://issuer.test", "JWT_AUDIENCE": "paysessions"}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		tb.Fatal(err)
	}
	a, err := app.New(context.Background(), cfg, opts)
	if err != nil {
		tb.Fatal(err)
	}
	return a, iss, jwks.URL
}
