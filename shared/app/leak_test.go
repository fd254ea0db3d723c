package app_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/paysessions/paysessions/shared/app"
	"github.com/paysessions/paysessions/shared/httpapi"
)

// answerLosingTransport forwards each DynamoDB call to the engine; while
// lose is set, it then holds the answer until the call's context ends and
// returns the context's error: the call landed (a write is applied) and its
// answer was lost, as when a Lambda's deadline or a gone client cuts a
// request mid-call.
type answerLosingTransport struct {
	next     http.RoundTripper
	lose     atomic.Bool
	inFlight atomic.Int64 // calls not yet returned
}

func (t *answerLosingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.inFlight.Add(1)
	defer t.inFlight.Add(-1)
	res, err := t.next.RoundTrip(r)
	if err != nil || !t.lose.Load() {
		return res, err
	}
	res.Body.Close()
	<-r.Context().Done()
	return nil, r.Context().Err()
}

// settledGoroutines waits until at most want goroutines run, and returns
// how many run then (more than want once wait has passed).
func settledGoroutines(want int, wait time.Duration) int {
	end := time.Now().Add(wait)
	for {
		runtime.GC()
		n := runtime.NumGoroutine()
		if n <= want || time.Now().After(end) {
			return n
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestLambdaContainerLeaksNoGoroutines: a warm container serves thousands
// of invocations, and whatever one leaves running stays, frozen between
// invocations, until the container dies. Every route's sample is invoked
// through the Lambda handler (httpadapter's ProxyWithContext, as
// functions/*/main.go wire it) again and again: answered normally, refused
// (no credentials), with its context canceled before it starts (the client
// gone), cut by the invocation's deadline mid-call with the call landed
// and its answer lost, and panicking. No DynamoDB call is still under way
// when an invocation returns (on Lambda it would run frozen into the next
// one), and after each round the goroutines return to the count after the
// first round.
func TestLambdaContainerLeaksNoGoroutines(t *testing.T) {
	f := newFixture(t)
	tr := &answerLosingTransport{next: http.DefaultTransport.(*http.Transport).Clone()}
	a, err := app.New(context.Background(), f.app.Config, app.Options{Log: f.logs, Now: f.clock.Now, HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		t.Fatal(err)
	}
	handlers := map[string]app.LambdaHandler{}
	for _, rt := range httpapi.Routes(a.Deps()) {
		handlers[rt.Pattern] = a.Lambda(rt)
	}
	panics := a.Lambda(httpapi.Route{Pattern: httpapi.PatternGetSession, Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("boom")
	})})
	names, err := filepath.Glob(filepath.Join("..", "..", "events", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var evs []events.APIGatewayV2HTTPRequest
	for _, name := range names {
		if base := filepath.Base(name); base != "env.json" && base != "expiry-sweeper.json" {
			evs = append(evs, f.event(t, base, ""))
		}
	}
	getEv := f.event(t, "get-session.json", "")
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	returned := func(what string) {
		if n := tr.inFlight.Load(); n != 0 {
			t.Errorf("%s: %d DynamoDB calls still under way when the invocation returned; want 0", what, n)
		}
	}
	round := func() {
		for _, ev := range evs {
			h := handlers[ev.RouteKey]
			if h == nil {
				t.Fatalf("no route serves %q", ev.RouteKey)
			}
			if _, err := h(context.Background(), ev); err != nil {
				t.Fatalf("%s: handler error %v", ev.RouteKey, err)
			}
			returned(ev.RouteKey)
			bare := ev
			bare.Headers = map[string]string{}
			for k, v := range ev.Headers {
				if !strings.EqualFold(k, "authorization") && !strings.EqualFold(k, "x-api-key") {
					bare.Headers[k] = v
				}
			}
			if res, err := h(context.Background(), bare); err != nil || res.StatusCode != http.StatusUnauthorized {
				t.Fatalf("%s without credentials = %d, %v; want 401", ev.RouteKey, res.StatusCode, err)
			}
			if _, err := h(canceled, ev); err != nil {
				t.Fatalf("%s canceled: handler error %v", ev.RouteKey, err)
			}
			returned(ev.RouteKey + " canceled")
			// The invocation's deadline 100 ms after it starts: the
			// handler's context ends half of it (AnswerContext's reserve,
			// less than answerReserve here) before, 50 ms in. A longer
			// deadline only holds each call's lost answer longer.
			tr.lose.Store(true)
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			_, err := h(ctx, ev)
			cancel()
			tr.lose.Store(false)
			if err != nil {
				t.Fatalf("%s cut mid-call: handler error %v", ev.RouteKey, err)
			}
			returned(ev.RouteKey + " cut mid-call")
		}
		if res, err := panics(context.Background(), getEv); err != nil || res.StatusCode != http.StatusInternalServerError {
			t.Fatalf("panic = %d, %v; want 500", res.StatusCode, err)
		}
		tr.next.(*http.Transport).CloseIdleConnections()
	}
	round()
	base := settledGoroutines(0, time.Second) // after the first round: connections, the JWKS fetch
	base = settledGoroutines(base, 0)
	for i := 0; i < 5; i++ {
		round()
	}
	if n := settledGoroutines(base, 10*time.Second); n > base {
		_ = pprof.Lookup("goroutine").WriteTo(os.Stderr, 1)
		t.Errorf("goroutines after 5 more rounds got %d; want at most %d, as after the first", n, base)
	}
}

// TestWriteCutMidCallIsAnsweredHonestly: a write whose invocation is cut by
// its deadline after DynamoDB applied it, its answer lost, may not be
// answered as done (200/201: the handler cannot know) nor as a server
// fault (500: it may have landed); it is 503 with Retry-After, and the
// client's retry (the same Idempotency-Key, the same eventId) answers as
// the first would have, the change made once.
func TestWriteCutMidCallIsAnsweredHonestly(t *testing.T) {
	f := newFixture(t)
	tr := &answerLosingTransport{next: http.DefaultTransport.(*http.Transport).Clone()}
	a, err := app.New(context.Background(), f.app.Config, app.Options{Log: f.logs, Now: f.clock.Now, HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		t.Fatal(err)
	}
	handler := func(pattern string) app.LambdaHandler {
		rt, ok := httpapi.RouteOf(pattern, a.Deps())
		if !ok {
			t.Fatalf("no route %q", pattern)
		}
		return a.Lambda(rt)
	}
	cut := func(h app.LambdaHandler, ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
		t.Helper()
		tr.lose.Store(true)
		defer tr.lose.Store(false)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second+100*time.Millisecond)
		defer cancel()
		res, err := h(ctx, ev)
		if err != nil {
			t.Fatalf("handler error %v", err)
		}
		return res
	}
	create, event, get := handler(httpapi.PatternCreateSession), handler(httpapi.PatternPostEvent), handler(httpapi.PatternGetSession)

	res := cut(create, f.event(t, "create-session.json", ""))
	if res.StatusCode != http.StatusServiceUnavailable || res.Headers["Retry-After"] == "" {
		t.Fatalf("create cut mid-call got %d (Retry-After %q) %s; want 503 with Retry-After", res.StatusCode, res.Headers["Retry-After"], res.Body)
	}
	res, err = create(context.Background(), f.event(t, "create-session.json", ""))
	if err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("create retried got %d %s, %v; want 201", res.StatusCode, res.Body, err)
	}
	id, _ := decode(t, res).(map[string]any)["id"].(string)

	res = cut(event, f.event(t, "post-session-event.json", id))
	if res.StatusCode != http.StatusServiceUnavailable || res.Headers["Retry-After"] == "" {
		t.Fatalf("event cut mid-call got %d (Retry-After %q) %s; want 503 with Retry-After", res.StatusCode, res.Headers["Retry-After"], res.Body)
	}
	res, err = event(context.Background(), f.event(t, "post-session-event.json", id))
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("event retried got %d %s, %v; want 200", res.StatusCode, res.Body, err)
	}
	res, err = get(context.Background(), f.event(t, "get-session.json", id))
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("get got %d %s, %v; want 200", res.StatusCode, res.Body, err)
	}
	s := decode(t, res).(map[string]any)
	if h, _ := s["history"].([]any); s["status"] != "AUTHORISED" || len(h) != 2 {
		t.Errorf("session after the retried event got status %v, %d history entries; want AUTHORISED, 2 (created, authorised once)", s["status"], len(h))
	}
}
