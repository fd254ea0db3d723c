package samlocal

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestReadTemplateRefusesGatewaySettingsItCannotServe: make start-api is
// "the template's API as AWS runs it", and its gateway serves one shape of
// HTTP API: the $default stage (rawPath is the path the client sent),
// routes from the functions' HttpApi events, no CORS, no authorizer, payload
// format 2.0 and the 30 s integration timeout. A template setting any of
// these otherwise is served differently on AWS, where every local test
// passed: a StageName puts "/<stage>" in front of rawPath (the functions'
// own routers answer every request 404), a CorsConfiguration has API
// Gateway answer preflights itself, an authorizer refuses requests before
// the function, a DefinitionBody routes by its own document, a
// PayloadFormatVersion "1.0" sends events the adapter cannot read. Each is
// refused, naming the setting, as an unsupported event type or build method
// is; the settings it does serve ($default named, 2.0, Authorizer NONE, a
// route's TimeoutInMillis from 50 to 30000, API Gateway's range, which it
// waits instead of 30 s: TestRouteIntegrationTimeout) are read.
func TestReadTemplateRefusesGatewaySettingsItCannotServe(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(testStack, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	mk, err := os.ReadFile(filepath.Join(testStack, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	// apiProps and eventProps are where a row's lines go: the HttpApi's
	// Properties, and the first HttpApi event's (GET /items/{itemId}).
	const apiProps = "  Api:\n    Type: AWS::Serverless::HttpApi\n    Properties:\n"
	const eventProps = "            ApiId: !Ref Api\n            Method: GET\n            Path: /items/{itemId}\n"
	for _, tt := range []struct {
		name, at, lines string
		refused         bool
	}{
		{"the template as it is", apiProps, "", false},
		{"StageName $default", apiProps, "      StageName: $default\n", false},
		{"StageName prod", apiProps, "      StageName: prod\n", true},
		{"StageName from a parameter", apiProps, "      StageName: !Ref Greeting\n", true},
		{"CorsConfiguration", apiProps, "      CorsConfiguration:\n        AllowOrigins: ['*']\n", true},
		{"CorsConfiguration true", apiProps, "      CorsConfiguration: true\n", true},
		{"a JWT authorizer", apiProps, "      Auth:\n        DefaultAuthorizer: Jwt\n        Authorizers:\n          Jwt:\n            IdentitySource: $request.header.Authorization\n            JwtConfiguration:\n              issuer: https://issuer.example\n              audience: [a]\n", true},
		{"a DefinitionBody", apiProps, "      DefinitionBody:\n        openapi: 3.0.1\n", true},
		{"a DefinitionUri", apiProps, "      DefinitionUri: api.yaml\n", true},
		{"PayloadFormatVersion 2.0", eventProps, "            PayloadFormatVersion: \"2.0\"\n", false},
		{"PayloadFormatVersion 1.0", eventProps, "            PayloadFormatVersion: \"1.0\"\n", true},
		{"TimeoutInMillis 30000", eventProps, "            TimeoutInMillis: 30000\n", false},
		{"TimeoutInMillis 5000 (served: the route's own timeout)", eventProps, "            TimeoutInMillis: 5000\n", false},
		{"TimeoutInMillis 50", eventProps, "            TimeoutInMillis: 50\n", false},
		{"TimeoutInMillis 49", eventProps, "            TimeoutInMillis: 49\n", true},
		{"TimeoutInMillis 30001", eventProps, "            TimeoutInMillis: 30001\n", true},
		{"TimeoutInMillis 5s", eventProps, "            TimeoutInMillis: 5s\n", true},
		{"TimeoutInMillis from a parameter", eventProps, "            TimeoutInMillis: !Ref Greeting\n", true},
		{"an event's Authorizer NONE", eventProps, "            Auth:\n              Authorizer: NONE\n", false},
		{"an event's authorizer", eventProps, "            Auth:\n              Authorizer: Jwt\n", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if strings.Count(string(raw), tt.at) != 1 {
				t.Fatalf("the test template has %d places for the row's lines; want 1", strings.Count(string(raw), tt.at))
			}
			dir := t.TempDir()
			tpl := strings.Replace(string(raw), tt.at, tt.at+tt.lines, 1)
			if err := os.WriteFile(filepath.Join(dir, "template.yaml"), []byte(tpl), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "Makefile"), mk, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ReadTemplate(dir)
			if got := err != nil; got != tt.refused {
				t.Fatalf("ReadTemplate refused: got %v (%v); want %v", got, err, tt.refused)
			}
			if tt.refused && !errors.Is(err, errUnsupportedGateway) {
				t.Errorf("error: got %v; want one wrapping errUnsupportedGateway", err)
			}
		})
	}
}

// TestRouteIntegrationTimeout: a route's TimeoutInMillis is its integration
// timeout, as on AWS: past it API Gateway answers 503 whatever the function
// is still doing. The gateway waited 30 s on every route, so a route of the
// template with a shorter one was answered late here and 503 on AWS. The
// template's value is read (ReadTemplate), and a slower function on that
// route is API Gateway's 503 once it passes; the template's other routes
// keep 30 s.
func TestRouteIntegrationTimeout(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(testStack, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	mk, err := os.ReadFile(filepath.Join(testStack, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	const at = "            ApiId: !Ref Api\n            Method: GET\n            Path: /items/{itemId}\n"
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "template.yaml"), []byte(strings.Replace(string(raw), at, at+"            TimeoutInMillis: 400\n", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Makefile"), mk, 0o644); err != nil {
		t.Fatal(err)
	}
	tpl, err := ReadTemplate(dir)
	if err != nil {
		t.Fatal(err)
	}
	fn := function(t, tpl, "EchoFunction")
	for _, tt := range []struct {
		route RouteKey
		want  time.Duration
	}{
		{RouteKey{"GET", "/items/{itemId}"}, 400 * time.Millisecond},
		{RouteKey{"ANY", "/items/{itemId}"}, maxIntegrationTimeout},
	} {
		if got := fn.integrationTimeout(tt.route); got != tt.want {
			t.Errorf("%s: integration timeout got %v; want %v", tt.route, got, tt.want)
		}
	}

	// The route's function answers only once the test has the gateway's
	// answer: past 400 ms, 503, while the function still runs. Its Timeout
	// (a minute) and the gateway's default integration timeout (30 s) are
	// far beyond the check's liveness bound (10 s), which a gateway that
	// waited for either fails. Before, the function slept 1.5 s and the
	// answer had to come within 1.4 s of wall time.
	release := make(chan struct{})
	var released sync.Once
	unblock := func() { released.Do(func() { close(release) }) }
	defer unblock()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
		_, _ = w.Write([]byte(`{"statusCode":200,"body":"late"}`))
	}))
	defer srv.Close()
	defer unblock() // before srv.Close, which waits for the handler
	fn.Timeout = time.Minute
	start := func(context.Context) (*instance, error) {
		cmd := exec.Command("true")
		if err := cmd.Run(); err != nil {
			return nil, err
		}
		done := make(chan struct{})
		close(done)
		return &instance{fn: fn, cmd: cmd, invokeURL: srv.URL, client: srv.Client(), done: done}, nil
	}
	fake := &Function{LogicalID: fn.LogicalID, Timeout: fn.Timeout, Routes: []RouteKey{{Method: "GET", Path: "/items/{itemId}"}}, IntegrationTimeouts: fn.IntegrationTimeouts}
	rt, err := newRouter([]*Function{fake})
	if err != nil {
		t.Fatal(err)
	}
	s := &Stack{Template: &Template{Functions: []*Function{fake}}, router: rt, log: io.Discard,
		pools: map[string]*pool{fake.LogicalID: newPool(fake, 1, start)}}
	w := httptest.NewRecorder()
	began := time.Now()
	s.ServeHTTP(w, httptest.NewRequest("GET", "/items/1", nil))
	unblock()
	if took := time.Since(began); w.Code != http.StatusServiceUnavailable || took > 10*time.Second {
		t.Errorf("a function still running on a route of TimeoutInMillis 400: got %d %q after %v; want API Gateway's 503 before the function ends", w.Code, w.Body, took)
	}
}
