package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/paysessions/paysessions/shared/app"
	"github.com/paysessions/paysessions/shared/httpapi"
)

// BenchmarkOverheadParts takes BenchmarkLambdaPath/get-session apart, to
// show where its time over the GetItem floor goes; each part is the whole
// path less what the next one leaves out, so the differences of
// interleaved runs (old and new binaries, or one binary's rounds) read as
// the cost of each layer:
//
//   - event-decode/<event>: the harness's json.Unmarshal of the API Gateway
//     event, as aws-lambda-go decodes it (the JWT event and 002's API-key
//     event: the bearer token is most of the event's bytes);
//   - response-encode: the harness's json.Marshal of the response event;
//   - handler: the function's handler on a decoded event (the path less
//     the two above);
//   - store-only: the same Lambda wrapper, adapter, middleware, router and
//     log line around a handler that only reads the session from the store
//     (GetItem and its attributevalue decode) and answers {}: the handler
//     less auth, the path id's check and the rendering;
//   - getitem-only: as store-only around a bare SDK GetItem, the floor's
//     call: store-only less the store's decode.
//
// `make bench` does not run it (its -bench pattern does not match).
func BenchmarkOverheadParts(b *testing.B) {
	e := newBenchEnv(b)
	routes := map[string]httpapi.Route{}
	for _, rt := range httpapi.Routes(e.app.Deps()) {
		routes[rt.Pattern] = rt
	}
	db, in := e.floor(b)
	for _, name := range []string{"get-session", "payment-session"} {
		raw := e.eventJSON(b, name+".json")
		b.Run("event-decode/"+name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var ev events.APIGatewayV2HTTPRequest
				if err := json.Unmarshal(raw, &ev); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(e.eventJSON(b, "get-session.json"), &ev); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(time.Hour))
	defer cancel()
	full := e.app.Lambda(routes[ev.RouteKey])
	res, err := full(ctx, ev)
	if err != nil || res.StatusCode != http.StatusOK {
		b.Fatalf("warm-up = %d %s, %v", res.StatusCode, res.Body, err)
	}
	b.Run("response-encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(res); err != nil {
				b.Fatal(err)
			}
		}
	})
	// The handlers below fail the benchmark from inside the request: they
	// run on the benchmark's goroutine (the Lambda handler is synchronous).
	answer := func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{}`))
	}
	storeOnly := e.app.Lambda(httpapi.Route{Pattern: ev.RouteKey, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := e.app.Store.GetOwned(r.Context(), sampleMerchant, sampleSessionID); err != nil {
			b.Fatal(err)
		}
		answer(w)
	})})
	getItemOnly := e.app.Lambda(httpapi.Route{Pattern: ev.RouteKey, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if out, err := db.GetItem(r.Context(), in); err != nil || out.Item == nil {
			b.Fatalf("GetItem = %v, %v", out, err)
		}
		answer(w)
	})})
	for _, part := range []struct {
		name    string
		handler app.LambdaHandler
	}{{"handler", full}, {"store-only", storeOnly}, {"getitem-only", getItemOnly}} {
		b.Run(part.name, func(b *testing.B) {
			if res, err := part.handler(ctx, ev); err != nil || res.StatusCode != http.StatusOK {
				b.Fatalf("warm-up = %d %s, %v", res.StatusCode, res.Body, err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if res, err := part.handler(ctx, ev); err != nil || res.StatusCode != http.StatusOK {
					b.Fatalf("= %d %s, %v", res.StatusCode, res.Body, err)
				}
			}
		})
	}
}
