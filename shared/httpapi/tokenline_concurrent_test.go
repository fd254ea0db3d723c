package httpapi_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/httpapi"
)

// TestTokenLinesOfConcurrentRequests: one Middleware with TokenMetrics
// serving many requests at once (the local servers serve concurrently, and
// the EMF directives are built once per Middleware and shared by every
// line) writes each request exactly one line, carrying its own count and
// no other: the metric at the root, set to 1, and the _aws block naming
// exactly that metric under namespace paysessions with the dimensions
// Service and Stack. A line of a request that counted nothing carries no
// metrics. Run under -race, it also finds any state the lines share and
// write.
func TestTokenLinesOfConcurrentRequests(t *testing.T) {
	iss, err := devtoken.New(testIssuer, testAudience, jwa.ES256())
	if err != nil {
		t.Fatal(err)
	}
	// A key the JWKS does not hold: its tokens count TokensOfUnknownKeys.
	stranger, err := devtoken.New(testIssuer, testAudience, jwa.ES256())
	if err != nil {
		t.Fatal(err)
	}
	jwks := httptest.NewServer(iss)
	t.Cleanup(jwks.Close)
	authn := auth.New(auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: testIssuer, Audience: testAudience}), nil)
	logs := &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	h := httpapi.Middleware(logger, func(r *http.Request) string { return r.Header.Get("X-Test-Id") }, httpapi.NewRouter(httpapi.Route{
		Pattern: "GET /t",
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, err := httpapi.Authenticate(r, authn, auth.Rule{Bearer: true}); err != nil {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}),
	}), httpapi.TokenMetrics("stack-1"))

	const n = 64
	type request struct{ id, token, metric string }
	var reqs []request
	for i := range n {
		id := fmt.Sprintf("req-%d", i)
		switch i % 4 {
		case 0: // a token of its own: verified afresh
			reqs = append(reqs, request{id, iss.MustMint(devtoken.Claims{Subject: id, MerchantID: "m-1"}), "TokensVerified"})
		case 1:
			reqs = append(reqs, request{id, iss.MustMint(devtoken.Claims{Subject: id, MerchantID: "m-1", Audience: "another"}), "TokensMisaddressed"})
		case 2:
			// README: "`TokensOfUnknownKeys`, a token whose `kid` the key
			// set, fetched fine, does not hold": its line names that
			// metric in its _aws block too, or CloudWatch makes no metric of
			// it (the directives were built for the other two only).
			reqs = append(reqs, request{id, stranger.MustMint(devtoken.Claims{Subject: id, MerchantID: "m-1"}), "TokensOfUnknownKeys"})
		default: // no credential: nothing counted
			reqs = append(reqs, request{id, "", ""})
		}
	}
	var wg sync.WaitGroup
	for _, rq := range reqs {
		wg.Go(func() {
			req := httptest.NewRequest("GET", "/t", nil)
			req.Header.Set("X-Test-Id", rq.id)
			if rq.token != "" {
				req.Header.Set("Authorization", "Bearer "+rq.token)
			}
			h.ServeHTTP(httptest.NewRecorder(), req)
		})
	}
	wg.Wait()

	lines := map[string]map[string]any{}
	for _, l := range logLines(t, logs.String()) {
		id, _ := l["request_id"].(string)
		if _, dup := lines[id]; dup {
			t.Errorf("request %s: two lines", id)
		}
		lines[id] = l
	}
	if len(lines) != n {
		t.Errorf("%d request lines; want %d", len(lines), n)
	}
	metrics := []string{"TokensVerified", "TokensMisaddressed", "TokensOfUnknownKeys"}
	for _, rq := range reqs {
		l, ok := lines[rq.id]
		if !ok {
			t.Errorf("request %s: no line", rq.id)
			continue
		}
		for _, m := range metrics {
			if _, has := l[m]; has != (m == rq.metric) {
				t.Errorf("request %s: line %v; want only %q counted", rq.id, l, rq.metric)
			}
		}
		if rq.metric == "" {
			if _, has := l["_aws"]; has || l["Stack"] != nil || l["Service"] != nil {
				t.Errorf("request %s: line %v; want no metrics", rq.id, l)
			}
			continue
		}
		aws, _ := l["_aws"].(map[string]any)
		if got, want := fmt.Sprint(aws["CloudWatchMetrics"]), fmt.Sprintf("[map[Dimensions:[[Service Stack]] Metrics:[map[Name:%s Unit:Count]] Namespace:paysessions]]", rq.metric); got != want {
			t.Errorf("request %s: CloudWatchMetrics %s; want %s", rq.id, got, want)
		}
		if _, ok := aws["Timestamp"].(float64); !ok || l[rq.metric] != 1.0 || l["Service"] != "api" || l["Stack"] != "stack-1" {
			t.Errorf("request %s: line %v; want %s = 1, Service=api, Stack=stack-1, an _aws Timestamp", rq.id, l, rq.metric)
		}
	}
}
