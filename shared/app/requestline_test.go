package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/localserver"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// lockedLog is a log buffer the local server's goroutines write to.
type lockedLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedLog) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// tokenRequests are bearer requests of every kind the token check counts
// or not, minted by idp (the service's identity provider): which metric
// each one's line carries where the stack is named ("" none).
func tokenRequests(t *testing.T, idp *devtoken.Issuer) []struct{ name, token, metric string } {
	t.Helper()
	stranger, err := devtoken.New(idp.Issuer, idp.Audience, jwa.ES256())
	if err != nil {
		t.Fatal(err)
	}
	claims := devtoken.Claims{MerchantID: sampleMerchant, Scopes: []string{auth.ScopeSessionsRead}}
	good := idp.MustMint(claims)
	other := claims
	other.Audience = "another-api"
	expired := claims
	expired.Expires = time.Now().Add(-time.Hour)
	return []struct{ name, token, metric string }{
		{"verified", good, "TokensVerified"},
		{"cached", good, ""},
		{"misaddressed", idp.MustMint(other), "TokensMisaddressed"},
		{"unknown key", stranger.MustMint(claims), "TokensOfUnknownKeys"},
		{"expired", idp.MustMint(expired), ""},
		{"no credential", "", ""},
	}
}

// newLines returns the log lines written since before (a count of bytes).
func newLines(t *testing.T, logs string, before int) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSuffix(logs[before:], "\n"), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

// checkRequestLine checks that a request wrote exactly one line, its own,
// carrying metric in an EMF block (or none when metric is "").
func checkRequestLine(t *testing.T, where, name string, lines []map[string]any, requestID, metric string) {
	t.Helper()
	if len(lines) != 1 {
		t.Errorf("%s, %s: %d log lines %v; want exactly one, the request's", where, name, len(lines), lines)
		return
	}
	line := lines[0]
	if line["msg"] != "request" || requestID != "" && line["request_id"] != requestID {
		t.Errorf("%s, %s: line %v; want the request's line (request id %q)", where, name, line, requestID)
	}
	_, hasEMF := line["_aws"]
	if metric == "" {
		if hasEMF || line["Stack"] != nil {
			t.Errorf("%s, %s: line %v; want no metrics", where, name, line)
		}
		return
	}
	if !hasEMF || line[metric] != 1.0 || line["Service"] != "api" || line["Stack"] != "stack-1" {
		t.Errorf("%s, %s: line %v; want %s = 1 with Service=api, Stack=stack-1 and an _aws block", where, name, line, metric)
	}
}

// TestOneLinePerRequestWithItsTokenCount: every request writes exactly
// one log line (docs/design.md §7), the token metrics' requests too: a
// count rides on the request's own line, never on a line of its own, on
// the Lambda path (STACK_NAME set: the line carries it) and on the local
// server's mux (no metrics, even with STACK_NAME in its environment: the
// local server is no stack).
func TestOneLinePerRequestWithItsTokenCount(t *testing.T) {
	t.Run("lambda", func(t *testing.T) {
		db := storetest.Client(t, store.ClientOptions{})
		table := storetest.NewTable(t, db)
		idp, err := devtoken.New("https://issuer.test", "paysessions", jwa.ES256())
		if err != nil {
			t.Fatal(err)
		}
		jwks := httptest.NewServer(idp)
		t.Cleanup(jwks.Close)
		env := map[string]string{
			"TABLE_NAME": table, "DYNAMODB_ENDPOINT": storetest.Endpoint(t), "STACK_NAME": "stack-1",
			"JWKS_URL": jwks.URL, "JWT_ISSUER": "https://issuer.test", "JWT_AUDIENCE": "paysessions",
		}
		a, logs := loggingApp(t, env)
		handler := a.MustRoute(httpapi.PatternGetSession)
		for i, rq := range tokenRequests(t, idp) {
			var ev events.APIGatewayV2HTTPRequest
			ev.RouteKey, ev.RawPath = httpapi.PatternGetSession, "/sessions/"+sampleSessionID
			ev.RequestContext.HTTP.Method, ev.RequestContext.HTTP.Path = "GET", ev.RawPath
			ev.RequestContext.RequestID = fmt.Sprintf("req-%d", i)
			ev.PathParameters = map[string]string{"sessionId": sampleSessionID}
			if rq.token != "" {
				ev.Headers = map[string]string{"authorization": "Bearer " + rq.token}
			}
			before := logs.Len()
			if _, err := handler(context.Background(), ev); err != nil {
				t.Fatal(err)
			}
			checkRequestLine(t, "lambda", rq.name, newLines(t, logs.String(), before), ev.RequestContext.RequestID, rq.metric)
		}
	})
	t.Run("local", func(t *testing.T) {
		ln := listenLocal(t)
		env := map[string]string{
			"DYNAMODB_ENDPOINT": storetest.Endpoint(t), "STACK_NAME": "stack-1",
			"TABLE_NAME": fmt.Sprintf("requestline-%d", time.Now().UnixNano()),
		}
		logs := &lockedLog{}
		s, err := localserver.Start(context.Background(), localserver.Options{Getenv: func(k string) string { return env[k] }, Log: logs, Listener: ln})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		for _, rq := range tokenRequests(t, s.Issuer) {
			req, err := http.NewRequest("GET", s.URL+"/sessions/"+sampleSessionID, nil)
			if err != nil {
				t.Fatal(err)
			}
			if rq.token != "" {
				req.Header.Set("Authorization", "Bearer "+rq.token)
			}
			before := len(logs.String())
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			// The server fetches its development JWKS from itself: that
			// request has its own line, with no metrics either.
			var lines []map[string]any
			for _, l := range newLines(t, logs.String(), before) {
				if l["path"] == "/.well-known/jwks.json" {
					checkRequestLine(t, "local", "the JWKS fetch", []map[string]any{l}, "", "")
					continue
				}
				lines = append(lines, l)
			}
			checkRequestLine(t, "local", rq.name, lines, res.Header.Get("X-Request-Id"), "")
		}
	})
}

// listenLocal listens on a free loopback port of 3700-3799.
func listenLocal(t *testing.T) net.Listener {
	t.Helper()
	for p := 3700; p < 3800; p++ {
		if ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p)); err == nil {
			return ln
		}
	}
	t.Fatal("no free port in 3700-3799")
	return nil
}
