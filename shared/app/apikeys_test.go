package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/paysessions/paysessions/shared/app"
	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/httpapi"
)

// lambdaCall runs one API Gateway event through the Lambda handler a's
// function for pattern builds, with the headers as API Gateway delivers
// them (lower-case names).
func lambdaCall(t *testing.T, a *app.App, pattern, path string, headers map[string]string, body string) events.APIGatewayV2HTTPResponse {
	t.Helper()
	method, _, _ := strings.Cut(pattern, " ")
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: pattern, RawPath: path, Headers: headers, Body: body,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RequestID: "req-1", RouteKey: pattern, Stage: "$default",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: path, Protocol: "HTTP/1.1", SourceIP: "203.0.113.10"},
		},
	}
	res, err := a.MustRoute(pattern)(context.Background(), ev)
	if err != nil {
		t.Fatalf("%s %s: handler error = %v", method, path, err)
	}
	return res
}

// TestAPIKeyLifecycleAcrossLambdaContainers: docs/design.md §7 on the
// Lambda path, where each route is its own function and so its own
// container and key cache. A key made and revoked by the API-key
// functions' container is refused by a reader's container that cached it
// at most 30 s after the reader looked it up ("a looked-up API key at most
// 30 s of wall-clock time"), and from its expiresAt at once, cached or not.
// Malformed keys, sent as API Gateway delivers headers, are 401; no key's
// secret is in any answer but its creation's, nor in any log line.
func TestAPIKeyLifecycleAcrossLambdaContainers(t *testing.T) {
	f := newFixture(t)
	f.createSample(t)
	t0 := f.clock.Now()
	keysLogs, readerLogs := f.logs, &bytes.Buffer{}
	keys := f.app // POST and DELETE /api-keys
	reader, err := app.New(context.Background(), f.app.Config, app.Options{Log: readerLogs, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	admin := map[string]string{"authorization": "Bearer " + f.token, "content-type": "application/json"}
	create := func(body string) (key, id string) {
		t.Helper()
		res := lambdaCall(t, keys, httpapi.PatternCreateAPIKey, "/api-keys", admin, body)
		if res.StatusCode != 201 {
			t.Fatalf("POST /api-keys %s = %d %s; want 201", body, res.StatusCode, res.Body)
		}
		var b struct{ Key, KeyID string }
		if err := json.Unmarshal([]byte(res.Body), &b); err != nil {
			t.Fatal(err)
		}
		return b.Key, b.KeyID
	}
	var answers []string // every answer but the creations'
	read := func(key string) int {
		t.Helper()
		h := map[string]string{"x-api-key": key}
		res := lambdaCall(t, reader, httpapi.PatternPaymentSession, "/payment-sessions/"+sampleSessionID, h, "")
		native := lambdaCall(t, reader, httpapi.PatternGetSession, "/sessions/"+sampleSessionID, h, "")
		if native.StatusCode != res.StatusCode {
			t.Errorf("key %.24q…: GET /sessions = %d, 002 = %d; want the same", key, native.StatusCode, res.StatusCode)
		}
		answers = append(answers, res.Body, native.Body)
		return res.StatusCode
	}

	// Revocation: seen by the reader within 30 s of its lookup.
	key, id := create(`{"scopes":["sessions:read"]}`)
	f.clock.Set(t0.Add(time.Second))
	if got := read(key); got != 200 {
		t.Fatalf("a new key: got %d; want 200", got)
	}
	res := lambdaCall(t, keys, httpapi.PatternDeleteAPIKey, "/api-keys/"+id, admin, "")
	if res.StatusCode != 204 {
		t.Fatalf("DELETE = %d %s; want 204", res.StatusCode, res.Body)
	}
	answers = append(answers, res.Body)
	f.clock.Set(t0.Add(time.Second + auth.APIKeyCacheTTL))
	if got := read(key); got != 401 {
		t.Errorf("30 s after the reader looked the key up, revoked meanwhile: got %d; want 401", got)
	}
	// Another merchant cannot revoke, nor reach, a key; its revocation
	// again is 204.
	other := map[string]string{"authorization": "Bearer " + f.iss.MustMint(devtoken.Claims{MerchantID: "m-other", Scopes: []string{auth.ScopeAPIKeysWrite}})}
	key2, id2 := create(`{"scopes":["sessions:read"],"expiresAt":"` + t0.Add(5*time.Minute).Format(time.RFC3339Nano) + `"}`)
	if res := lambdaCall(t, keys, httpapi.PatternDeleteAPIKey, "/api-keys/"+id2, other, ""); res.StatusCode != 404 {
		t.Errorf("another merchant's DELETE = %d %s; want 404", res.StatusCode, res.Body)
	}
	if res := lambdaCall(t, keys, httpapi.PatternDeleteAPIKey, "/api-keys/"+id, admin, ""); res.StatusCode != 204 {
		t.Errorf("DELETE again = %d %s; want 204", res.StatusCode, res.Body)
	}

	// Expiry: at expiresAt the reader refuses the key it has cached.
	expires := t0.Add(5 * time.Minute)
	f.clock.Set(expires.Add(-time.Nanosecond))
	if got := read(key2); got != 200 {
		t.Fatalf("1 ns before expiresAt: got %d; want 200", got)
	}
	f.clock.Set(expires)
	if got := read(key2); got != 401 {
		t.Errorf("at expiresAt, cached: got %d; want 401", got)
	}

	// Malformed keys, and keys that are not one of ours.
	live, liveID := create(`{"scopes":["sessions:read"]}`)
	if got := read(live); got != 200 {
		t.Fatalf("a live key: got %d; want 200", got)
	}
	secret := live[len("psk_"+liveID+"_"):]
	for _, bad := range []string{
		"PSK_" + liveID + "_" + secret,
		"Psk_" + liveID + "_" + secret,
		"psk_" + strings.ToUpper(liveID) + "_" + secret,
		"psk_" + liveID + "_" + strings.ToUpper(secret),
		"psk_" + liveID + "__" + secret,
		"psk__" + liveID + "_" + secret,
		"psk_" + liveID + "_" + secret + "_",
		"psk_" + liveID + "_" + secret[:63],
		"psk_" + liveID + "_" + secret + "0",
		"psk_" + liveID + "_" + secret[:63] + "é",
		"psk_" + liveID + "_" + secret[:62] + "\u00a0",
		"psk_" + liveID + "_4111111111111111",
		"psk_" + liveID + "_" + strings.Repeat("4111111111111111", 4),
		"psk_" + liveID + "_" + strings.Repeat(secret, 128),
		"psk_" + liveID,
		liveID + "_" + secret,
		secret,
		"psk-" + liveID + "-" + secret,
		"Bearer " + live,
		live + ",",
		live + "," + live,
	} {
		if got := read(bad); got != 401 {
			t.Errorf("X-Api-Key %.40q…: got %d; want 401", bad, got)
		}
	}
	// The live key is not disturbed by them, nor is a key sent as a bearer
	// token accepted where a token is.
	if got := read(live); got != 200 {
		t.Errorf("the live key after the malformed ones: got %d; want 200", got)
	}
	asBearer := lambdaCall(t, reader, httpapi.PatternGetSession, "/sessions/"+sampleSessionID, map[string]string{"authorization": "Bearer " + live}, "")
	if asBearer.StatusCode != 401 {
		t.Errorf("the key as a bearer token: got %d; want 401", asBearer.StatusCode)
	}
	answers = append(answers, asBearer.Body)
	for k, v := range asBearer.Headers {
		answers = append(answers, k+": "+v)
	}

	for _, s := range []string{key, key2, live} {
		sec := s[strings.LastIndex(s, "_")+1:]
		for _, a := range answers {
			if strings.Contains(a, sec) {
				t.Errorf("an answer holds a key's secret: %.200s", a)
			}
		}
		for name, logs := range map[string]string{"keys": keysLogs.String(), "reader": readerLogs.String()} {
			if strings.Contains(logs, sec) || strings.Contains(logs, sec[:32]) {
				t.Errorf("the %s container's log holds a key's secret", name)
			}
		}
	}
}
