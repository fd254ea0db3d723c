package functions_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/app/apptest"
	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
)

// TestBootstrapsAnswerBeforeTheirDeadline: every function's real bootstrap,
// its DynamoDB client as deployed (each attempt cut at 3 s, five of them),
// against a DynamoDB that never answers, posts its own answer to the
// Runtime API before the invocation's deadline (Lambda-Runtime-Deadline-Ms):
// the API functions a 503 with Retry-After, the sweeper its result with
// its summary line written. Past the deadline Lambda ends the invocation,
// API Gateway answers the client a bare 500, and the sweeper's metrics are
// lost. The deadline is 4 s, a short timeout an operator might set; the
// template's (10, 15 and 55 s) are kept by the same rules. The functions
// run at once, so the test takes one deadline.
func TestBootstrapsAnswerBeforeTheirDeadline(t *testing.T) {
	bins := buildBootstraps(t)
	stop := make(chan struct{})
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // DynamoDB never answers
		case <-stop:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(hung.Close)
	t.Cleanup(func() { close(stop) })
	iss, jwksURL := devIssuer(t)
	token := iss.MustMint(devtoken.Claims{MerchantID: sampleMerchant, Scopes: []string{
		auth.ScopeSessionsRead, auth.ScopeSessionsWrite, auth.ScopeSessionsProcess,
		auth.ScopeAPIKeysWrite, auth.ScopePaymentRead, auth.ScopeUser,
	}})
	_, apiKey, _ := auth.NewAPIKey() // looked up in DynamoDB: it hangs
	day := time.Now().UTC().Format(time.DateOnly)

	functions := []string{"expiry-sweeper"}
	for _, s := range apptest.Samples {
		functions = append(functions, s.Function)
	}
	procs := map[string]*process{}
	for _, name := range functions {
		procs[name] = startBootstrap(t, bins, name, map[string]string{
			"TABLE_NAME": "paysessions", "DYNAMODB_ENDPOINT": hung.URL,
			"JWKS_URL": jwksURL, "JWT_ISSUER": testIssuer, "JWT_AUDIENCE": testAudience,
		})
	}
	type answer struct {
		outcome
		at  time.Time
		err string
	}
	// Each process has asked for its invocation before the deadline is
	// set: in Lambda an invocation's deadline runs from the invocation,
	// not from the sandbox's init. Set as the processes started (all at
	// once, on a loaded machine), it ran through their inits: with the
	// invocations handed out 3.5 s after it was set, the sweeper answered
	// 24 ms after it (r105-flakes9).
	for _, name := range functions {
		procs[name].checkIdle(t)
	}
	answers := map[string]*answer{}
	deadline := time.Now().Add(4 * time.Second)
	var wg sync.WaitGroup
	for _, name := range functions {
		p, got := procs[name], &answer{}
		answers[name] = got
		inv := invocation{
			id: uuid.NewString(), payload: sample(t, name, token, apiKey, day), deadline: deadline,
			arn: "arn:aws:lambda:us-east-1:123456789012:function:" + name,
		}
		wg.Go(func() {
			wait := time.NewTimer(bootstrapWait)
			defer wait.Stop()
			select {
			case p.api.invokes <- inv:
			case <-p.exited:
				got.err = "exited before taking its invocation"
				return
			case <-wait.C:
				got.err = "never asked for an invocation"
				return
			}
			select {
			case got.outcome = <-p.api.outcomes:
				got.at = time.Now()
			case <-p.exited:
				got.err = "exited during its invocation"
			case <-wait.C:
				got.err = "never answered"
			}
		})
	}
	wg.Wait()
	for _, name := range functions {
		got, p := answers[name], procs[name]
		if got.err != "" {
			t.Errorf("%s %s\n%s", name, got.err, p.logs())
			continue
		}
		if !got.at.Before(deadline) {
			t.Errorf("%s answered %v after its deadline; want before it\n%s", name, got.at.Sub(deadline), p.logs())
		}
		if got.kind != "response" {
			t.Errorf("%s posted an invocation %s %s; want a response\n%s", name, got.kind, got.body, p.logs())
			continue
		}
		if name == "expiry-sweeper" {
			if !strings.Contains(p.stdout.String(), `"msg":"sweep"`) {
				t.Errorf("%s wrote no summary line\n%s", name, p.logs())
			}
			continue
		}
		var res events.APIGatewayV2HTTPResponse
		if err := json.Unmarshal(got.body, &res); err != nil {
			t.Fatalf("%s: response %s: %v", name, got.body, err)
		}
		if res.StatusCode != http.StatusServiceUnavailable || res.Headers["Retry-After"] == "" {
			t.Errorf("%s: got %d, Retry-After %q; want 503 with Retry-After (body %s)\n%s", name, res.StatusCode, res.Headers["Retry-After"], res.Body, p.logs())
		}
	}
}
