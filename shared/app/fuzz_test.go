package app_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"log"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/paysessions/paysessions/shared/app"
	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// FuzzLambdaEvent sends hostile bytes in every place of a payload 2.0
// event API Gateway fills from the client (method, rawPath, rawQueryString,
// a header, the body, plain or base64) through each function's Lambda
// handler, with a card number appended to each of them. Whatever the bytes,
// the invocation answers (never an invocation error, API Gateway's bare
// 500), never with a 5xx, in exactly one request log line; no card number
// reaches that line, an answer's body or header, or the standard logger the
// api-proxy adapter and the Lambda runtime print to; and no answer header
// holds a CR or LF. The store is storetest.Memory, so it needs no
// DynamoDB Local (make fuzz).
func FuzzLambdaEvent(f *testing.F) {
	const card = "4111111111111111"
	x := newLambdaFuzz(f)
	clock, a, logs := x.clock, x.app, x.logs
	mem := storetest.NewMemory(session.DefaultPolicy, clock.Now)
	x.seed(f, mem)
	routes := httpapi.Routes(httpapi.Deps{Store: mem, Auth: auth.New(x.jwt, auth.NewAPIKeyVerifier(mem, clock.Now)), Now: clock.Now})
	// The events/ samples, one per route, with their credentials.
	var samples []events.APIGatewayV2HTTPRequest
	handlers := map[string]app.LambdaHandler{}
	for _, ev := range x.samples {
		for _, rt := range routes {
			if rt.Pattern == ev.RouteKey {
				handlers[ev.RouteKey] = a.Lambda(rt)
				samples = append(samples, ev)
			}
		}
	}
	if len(samples) != len(routes) {
		f.Fatalf("%d samples for %d routes", len(samples), len(routes))
	}
	var printed bytes.Buffer
	log.SetOutput(&printed)
	f.Cleanup(func() { log.SetOutput(os.Stderr) })

	f.Add(uint8(0), "POST", "/sessions", "", "idempotency-key", "k-1", []byte(`{"amount":1,"currency":"EUR"}`), false)
	f.Add(uint8(1), "get", "/sessions/%zz", "x=1#%zz", "content-type", "application/json; charset=utf-16", []byte("\xef\xbb\xbf{}"), true)
	f.Add(uint8(2), "4111 1111", "/v2.0/payments/{x}/status", "init=true;x", "authorization", "Bearer a,Bearer b", []byte(`{"a":1,"\u0061":2}`), false)
	f.Add(uint8(3), "DELETE", "/sessions/../x", "createdDate=2026-11-23&limit=1&limit=2", "x-api-key", "psk_\u00a0", []byte("{\"x\":\"\x00\"}"), true)
	uuids := regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)
	f.Fuzz(func(t *testing.T, which uint8, method, rawPath, rawQuery, header, value string, body []byte, b64 bool) {
		ev := samples[int(which)%len(samples)]
		ev.Headers = make(map[string]string, len(ev.Headers)+1)
		for k, v := range samples[int(which)%len(samples)].Headers {
			ev.Headers[k] = v
		}
		ev.RequestContext.HTTP.Method = method
		ev.RawPath = rawPath + "/" + card
		ev.RequestContext.HTTP.Path = ev.RawPath
		ev.RawQueryString = rawQuery + "&pan=" + card
		ev.Headers[strings.ToLower(header)] = value + card
		ev.Body, ev.IsBase64Encoded = string(body)+card, false
		if b64 {
			ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(append(body, card...)), true
		}
		logs.Reset()
		printed.Reset()
		res, err := handlers[ev.RouteKey](context.Background(), ev)
		if err != nil {
			t.Fatalf("invocation error %v; want an answer", err)
		}
		if res.StatusCode >= 500 {
			t.Fatalf("status %d %s; want no 5xx", res.StatusCode, res.Body)
		}
		if n := strings.Count(logs.String(), "\n"); n != 1 {
			t.Fatalf("%d log lines %q; want one", n, logs.String())
		}
		if printed.Len() > 0 {
			t.Fatalf("the standard logger printed %q; want nothing", printed.String())
		}
		if strings.Contains(uuids.ReplaceAllString(logs.String(), ""), card) {
			t.Fatalf("the log line holds the card number: %s", logs.String())
		}
		if strings.Contains(uuids.ReplaceAllString(res.Body, ""), card) {
			t.Fatalf("the answer echoes the card number: %s", res.Body)
		}
		for k, v := range res.Headers {
			if strings.Contains(v, card) || strings.ContainsAny(v, "\r\n") {
				t.Fatalf("answer header %s: %q", k, v)
			}
		}
	})
}
