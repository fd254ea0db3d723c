package app_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/paysessions/paysessions/shared/app"
	"github.com/paysessions/paysessions/shared/app/apptest"
	"github.com/paysessions/paysessions/shared/config"
	"github.com/paysessions/paysessions/shared/httpapi"
)

// hangingTransport is a DynamoDB that never answers: each request waits
// until its context ends.
type hangingTransport struct{}

func (hangingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	<-r.Context().Done()
	return nil, r.Context().Err()
}

// lostAnswerTransport sends each request to DynamoDB and never returns its
// answer: every write lands, and no caller learns it did.
type lostAnswerTransport struct{}

func (lostAnswerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if res, err := http.DefaultTransport.RoundTrip(r); err == nil {
		res.Body.Close()
	}
	<-r.Context().Done()
	return nil, r.Context().Err()
}

// TestEveryFunctionAnswersBeforeItsDeadline: every API function's Lambda
// handler, given an invocation deadline, answers the service's own 503
// with Retry-After before it, whatever hangs: DynamoDB (reads, writes, the
// API-key lookup), DynamoDB's answers after each write landed (a write
// never reported done unconfirmed), or the JWKS on a cold container. At
// the deadline Lambda ends the invocation and API Gateway answers a bare
// 500 (README, "API Gateway's and Lambda's limits"), and the SDK's own
// limits (5 attempts of up to 3 s) are longer than the template's 10 s:
// the handler's context ends answerReserve (1 s) before the deadline. The
// deadline here is 3 s, an operator's short timeout; the template's are
// longer and the same rule keeps them.
func TestEveryFunctionAnswersBeforeItsDeadline(t *testing.T) {
	f := newFixture(t)
	f.createSample(t)
	hungJWKS := make(chan struct{})
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hungJWKS:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(jwks.Close)
	t.Cleanup(func() { close(hungJWKS) })
	coldJWKS := f.app.Config
	coldJWKS.JWKSURL = jwks.URL

	faults := []struct {
		name   string
		cfg    config.Config
		client *http.Client // nil: DynamoDB Local as it is
		bearer bool         // only the samples with a bearer token meet the fault
	}{
		{"DynamoDB hangs", f.app.Config, &http.Client{Transport: hangingTransport{}}, false},
		{"DynamoDB's answers lost", f.app.Config, &http.Client{Transport: lostAnswerTransport{}}, false},
		{"JWKS hangs on a cold container", coldJWKS, nil, true},
	}
	for _, fault := range faults {
		t.Run(fault.name, func(t *testing.T) {
			// The faults run at once too: each waits out its deadline,
			// and each has its own App (its own log: a bytes.Buffer
			// takes one writer at a time).
			t.Parallel()
			a, err := app.New(context.Background(), fault.cfg, app.Options{Log: &bytes.Buffer{}, Now: f.clock.Now, HTTPClient: fault.client})
			if err != nil {
				t.Fatal(err)
			}
			// The samples run at once (a Lambda container serves one
			// invocation at a time; here each has its own deadline), so
			// the test takes one deadline, not one per function.
			type answer struct {
				res      events.APIGatewayV2HTTPResponse
				err      error
				answered time.Time
			}
			var wg sync.WaitGroup
			deadline := time.Now().Add(3 * time.Second)
			answers := map[string]*answer{}
			for _, s := range apptest.Samples {
				ev := f.event(t, s.Function+".json", "")
				if fault.bearer && ev.Headers["authorization"] == "" {
					continue
				}
				rt, ok := httpapi.RouteOf(ev.RouteKey, a.Deps())
				if !ok {
					t.Fatalf("no route %q", ev.RouteKey)
				}
				got := &answer{}
				answers[s.Function] = got
				wg.Go(func() {
					ctx, cancel := context.WithDeadline(context.Background(), deadline)
					defer cancel()
					got.res, got.err = a.Lambda(rt)(ctx, ev)
					got.answered = time.Now()
				})
			}
			wg.Wait()
			for function, got := range answers {
				if got.err != nil {
					t.Errorf("%s: handler error = %v", function, got.err)
					continue
				}
				if got.res.StatusCode != http.StatusServiceUnavailable || got.res.Headers["Retry-After"] == "" {
					t.Errorf("%s: got %d, Retry-After %q; want 503 with Retry-After (body %s)", function, got.res.StatusCode, got.res.Headers["Retry-After"], got.res.Body)
				}
				if !got.answered.Before(deadline) {
					t.Errorf("%s: answered %v after the deadline; want before it", function, got.answered.Sub(deadline))
				}
			}
		})
	}
}

// emptyDynamo answers every call at once with an empty JSON object: a
// GetItem that finds no item.
type emptyDynamo struct{}

func (emptyDynamo) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	return &http.Response{
		StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/x-amz-json-1.0"}},
		Body: io.NopCloser(strings.NewReader("{}")), Request: r,
	}, nil
}

// TestShortTimeoutLeavesTimeToServe: the time kept to answer before the
// invocation's deadline is at most half the invocation's, so a function an
// operator gives Lambda's shortest timeout (1 s) still serves. With a fixed
// 1 s kept, its requests' contexts ended as they began, and every request
// that reads DynamoDB was 503. DynamoDB here answers at once: an unknown
// session, 404.
func TestShortTimeoutLeavesTimeToServe(t *testing.T) {
	f := newFixture(t)
	a, err := app.New(context.Background(), f.app.Config, app.Options{Log: f.logs, Now: f.clock.Now, HTTPClient: &http.Client{Transport: emptyDynamo{}}})
	if err != nil {
		t.Fatal(err)
	}
	rt, ok := httpapi.RouteOf(httpapi.PatternGetSession, a.Deps())
	if !ok {
		t.Fatal("no get-session route")
	}
	for _, timeout := range []time.Duration{time.Second, 1500 * time.Millisecond} {
		deadline := time.Now().Add(timeout)
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		res, err := a.Lambda(rt)(ctx, f.event(t, "get-session.json", ""))
		answered := time.Now()
		cancel()
		if err != nil {
			t.Fatalf("%v: handler error = %v", timeout, err)
		}
		if res.StatusCode != http.StatusNotFound || !answered.Before(deadline) {
			t.Errorf("%v: got %d %s, %v before the deadline; want 404 before it", timeout, res.StatusCode, res.Body, deadline.Sub(answered))
		}
	}
}
