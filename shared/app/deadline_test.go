package app_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/app"
	"github.com/paysessions/paysessions/shared/httpapi"
)

// hangingTransport is a DynamoDB that never answers: each request waits
// until its context ends.
type hangingTransport struct{}

func (hangingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	<-r.Context().Done()
	return nil, r.Context().Err()
}

// TestAnswersBeforeTheLambdaDeadline: when DynamoDB hangs, a request is
// answered 503 with Retry-After before the invocation's deadline. Lambda
// does not wait for a late answer: at its deadline the invocation ends, and
// API Gateway answers the client a bare 500 (README: "A call that still
// fails is answered 503 with `Retry-After`, well inside the function's 10 s
// timeout"). The SDK's own limits (5 attempts of up to 3 s) are longer than
// that timeout, so the handler's context must end first.
func TestAnswersBeforeTheLambdaDeadline(t *testing.T) {
	f := newFixture(t)
	a, err := app.New(context.Background(), f.app.Config, app.Options{Log: f.logs, Now: f.clock.Now, HTTPClient: &http.Client{Transport: hangingTransport{}}})
	if err != nil {
		t.Fatal(err)
	}
	rt, ok := httpapi.RouteOf(httpapi.PatternGetSession, a.Deps())
	if !ok {
		t.Fatal("no get-session route")
	}
	deadline := time.Now().Add(3 * time.Second)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	res, err := a.Lambda(rt)(ctx, f.event(t, "get-session.json", ""))
	answered := time.Now()
	if err != nil {
		t.Fatalf("handler error = %v", err)
	}
	if res.StatusCode != http.StatusServiceUnavailable || res.Headers["Retry-After"] == "" {
		t.Errorf("got %d, Retry-After %q; want 503 with Retry-After (body %s)", res.StatusCode, res.Headers["Retry-After"], res.Body)
	}
	if !answered.Before(deadline) {
		t.Errorf("answered %v after the deadline; want before it", answered.Sub(deadline))
	}
}
