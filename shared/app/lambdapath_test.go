package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/paysessions/paysessions/shared/app"
	"github.com/paysessions/paysessions/shared/httpapi"
)

// TestTuneGCIsTheConfigurationTable: of `GOGC` and `GOMEMLIMIT`, README,
// Configuration: "`200`; in Lambda, 3/4 of the function's memory", and
// README, Configuration: "a value set wins over the service's". Lambda tells a
// function its memory in AWS_LAMBDA_FUNCTION_MEMORY_SIZE (MB); outside
// Lambda there is none, and no memory limit is set. The process's own
// settings are put back after each row.
func TestTuneGCIsTheConfigurationTable(t *testing.T) {
	const sentinelGC, sentinelLimit = 77, int64(1) << 40
	gc0 := debug.SetGCPercent(100)
	limit0 := debug.SetMemoryLimit(-1)
	t.Cleanup(func() {
		debug.SetGCPercent(gc0)
		debug.SetMemoryLimit(limit0)
	})
	cases := []struct {
		name                     string
		gogc, gomemlimit, memory string // "" is unset
		wantGC                   int
		wantLimit                int64
	}{
		{"in Lambda, 128 MB", "", "", "128", 200, 128 << 20 * 3 / 4},
		{"in Lambda, 1024 MB", "", "", "1024", 200, 768 << 20},
		{"in Lambda, 10240 MB", "", "", "10240", 200, 7680 << 20},
		{"outside Lambda", "", "", "", 200, sentinelLimit},
		{"no memory (0 MB): not a Lambda's, no limit", "", "", "0", 200, sentinelLimit},
		{"GOGC set wins", "50", "", "128", sentinelGC, 96 << 20},
		{"GOGC=off set wins", "off", "", "128", sentinelGC, 96 << 20},
		{"GOMEMLIMIT set wins", "", "100MiB", "128", 200, sentinelLimit},
		{"both set win", "50", "100MiB", "1024", sentinelGC, sentinelLimit},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range map[string]string{"GOGC": c.gogc, "GOMEMLIMIT": c.gomemlimit, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": c.memory} {
				t.Setenv(k, v)
				if v == "" {
					os.Unsetenv(k)
				}
			}
			// What the runtime would hold had it read the variables: the
			// service must leave it as it is.
			debug.SetGCPercent(sentinelGC)
			debug.SetMemoryLimit(sentinelLimit)
			app.TuneGC()
			if got := debug.SetGCPercent(sentinelGC); got != c.wantGC {
				t.Errorf("GC percent: got %v; want %v", got, c.wantGC)
			}
			if got := debug.SetMemoryLimit(-1); got != c.wantLimit {
				t.Errorf("memory limit: got %v; want %v", got, c.wantLimit)
			}
		})
	}
}

// TestAnswerContextKeepsItsReserve: README, "a request's context ends 1 s
// before the invocation's deadline (the one the Lambda runtime gives,
// whatever the function's `Timeout`; half the invocation's time when that
// is less, so Lambda's shortest timeout, 1 s, still leaves a request 0.5
// s)". The reserve is exact where the second applies; where half applies
// it is half the time left when AnswerContext ran, which lies between the
// time left before the call and after it (no timing tolerance).
func TestAnswerContextKeepsItsReserve(t *testing.T) {
	cases := []struct {
		name    string
		timeout time.Duration // 0: no deadline
		half    bool          // the reserve is half the time left
	}{
		{"API function, 10 s", 10 * time.Second, false},
		{"the day list, 15 s", 15 * time.Second, false},
		{"3 s", 3 * time.Second, false},
		{"Lambda's shortest, 1 s", time.Second, true},
		{"1.5 s", 1500 * time.Millisecond, true},
		{"no deadline", 0, false},
	}
	for _, c := range cases {
		parent, cancelParent := context.Background(), context.CancelFunc(func() {})
		if c.timeout > 0 {
			parent, cancelParent = context.WithTimeout(context.Background(), c.timeout)
		}
		d, hasDeadline := parent.Deadline()
		before := time.Now()
		ctx, cancel := app.AnswerContext(parent)
		after := time.Now()
		got, ok := ctx.Deadline()
		switch {
		case !hasDeadline:
			if ok || ctx != parent {
				t.Errorf("%s: deadline %v (%v), same context %v; want the context as it is", c.name, got, ok, ctx == parent)
			}
		case !ok:
			t.Errorf("%s: no deadline; want one", c.name)
		case !c.half:
			if reserve := d.Sub(got); reserve != time.Second {
				t.Errorf("%s: reserve got %v; want %v", c.name, reserve, time.Second)
			}
		default:
			reserve, most, least := d.Sub(got), d.Sub(before)/2, d.Sub(after)/2
			if reserve < least || reserve > most {
				t.Errorf("%s: reserve got %v; want half the time left, %v to %v", c.name, reserve, least, most)
			}
		}
		cancel()
		cancelParent()
	}
}

// echoed is what the echo route saw of a request.
type echoed struct {
	ID    string              `json:"id"`
	Query map[string][]string `json:"query"`
}

// echoRoute serves get-session.json's route and tells what its handler
// read: the path's sessionId and the query.
func echoRoute() httpapi.Route {
	return httpapi.Route{Pattern: httpapi.PatternGetSession, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(echoed{ID: r.PathValue("sessionId"), Query: r.URL.Query()})
	})}
}

// TestLambdaHandsTheHandlerWhatAPIGatewayDelivered: the handler behind the
// adapter reads the event's path, query and request id as API Gateway
// delivered them. Paths arrive decoded, and docs/design.md §10: "a
// client's `%2525`, `%253F` or `%01` stays inside the path id it was sent
// in", whether the
// path comes in rawPath or, in an event without it (a hand-edited `sam
// local invoke` event), in requestContext.http.path, which the adapter
// would paste unencoded. README: "In Lambda, a control character, DEL or
// `#` in the query string API Gateway delivers is percent-encoded before
// the adapter parses the URL" (each to its own escape: the handler reads
// the byte delivered). The request id is, by lambdaRequestID's doc
// comment, "API Gateway's request id (what its access log shows), else the
// Lambda invocation's", and README: "Every response of the service
// carries" `X-Request-Id`.
func TestLambdaHandsTheHandlerWhatAPIGatewayDelivered(t *testing.T) {
	f := newFixture(t)
	h := f.app.Lambda(echoRoute())
	const lambdaID = "5f0c3a6e-1b2d-4c3e-8f9a-0b1c2d3e4f5a"
	cases := []struct {
		name      string
		edit      func(*events.APIGatewayV2HTTPRequest)
		lambda    bool // the invocation's context carries Lambda's request id
		wantID    string
		wantQuery map[string][]string
		wantReqID string // "": the event's requestContext.requestId
	}{
		{"the sample", func(*events.APIGatewayV2HTTPRequest) {}, false, sampleSessionID, map[string][]string{}, ""},
		{"a decoded ? in rawPath", func(e *events.APIGatewayV2HTTPRequest) {
			e.RawPath = "/sessions/a?init=true"
		}, false, "a?init=true", map[string][]string{}, ""},
		{"no rawPath, a decoded ? in the path", func(e *events.APIGatewayV2HTTPRequest) {
			e.RawPath, e.RequestContext.HTTP.Path = "", "/sessions/a?init=true"
		}, false, "a?init=true", map[string][]string{}, ""},
		{"no rawPath, a decoded % in the path", func(e *events.APIGatewayV2HTTPRequest) {
			e.RawPath, e.RequestContext.HTTP.Path = "", "/sessions/100%25"
		}, false, "100%25", map[string][]string{}, ""},
		{"DEL in the query", func(e *events.APIGatewayV2HTTPRequest) {
			e.RawQueryString = "x=a\x7fb"
		}, false, sampleSessionID, map[string][]string{"x": {"a\x7fb"}}, ""},
		{"a vertical tab and a backspace in the query", func(e *events.APIGatewayV2HTTPRequest) {
			e.RawQueryString = "x=\x0b&y=\x08"
		}, false, sampleSessionID, map[string][]string{"x": {"\x0b"}, "y": {"\x08"}}, ""},
		{"NUL and US (0x1f), the first and last control characters, in the query", func(e *events.APIGatewayV2HTTPRequest) {
			e.RawQueryString = "x=a\x00b&y=a\x1fb"
		}, false, sampleSessionID, map[string][]string{"x": {"a\x00b"}, "y": {"a\x1fb"}}, ""},
		{"# in the query", func(e *events.APIGatewayV2HTTPRequest) {
			e.RawQueryString = "x=1#2&y=3"
		}, false, sampleSessionID, map[string][]string{"x": {"1#2"}, "y": {"3"}}, ""},
		{"API Gateway's request id before Lambda's", func(*events.APIGatewayV2HTTPRequest) {}, true, sampleSessionID, map[string][]string{}, ""},
		{"no API Gateway request id: Lambda's", func(e *events.APIGatewayV2HTTPRequest) {
			e.RequestContext.RequestID = ""
		}, true, sampleSessionID, map[string][]string{}, lambdaID},
	}
	for _, c := range cases {
		ev := f.event(t, "get-session.json", "")
		c.edit(&ev)
		ctx := context.Background()
		if c.lambda {
			ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: lambdaID})
		}
		mark := f.logMark()
		res, err := h(ctx, ev)
		if err != nil {
			t.Errorf("%s: invocation error %v; want an answer", c.name, err)
			continue
		}
		var got echoed
		if err := json.Unmarshal([]byte(res.Body), &got); res.StatusCode != 200 || err != nil {
			t.Errorf("%s: got %d %s; want 200 from the route", c.name, res.StatusCode, res.Body)
			continue
		}
		if got.ID != c.wantID {
			t.Errorf("%s: sessionId got %q; want %q", c.name, got.ID, c.wantID)
		}
		if len(got.Query) != len(c.wantQuery) {
			t.Errorf("%s: query got %q; want %q", c.name, got.Query, c.wantQuery)
		}
		for k, v := range c.wantQuery {
			if strings.Join(got.Query[k], "\n") != strings.Join(v, "\n") {
				t.Errorf("%s: query %s got %q; want %q", c.name, k, got.Query[k], v)
			}
		}
		wantReqID := c.wantReqID
		if wantReqID == "" {
			wantReqID = ev.RequestContext.RequestID
		}
		if got := res.Headers["X-Request-Id"]; got != wantReqID {
			t.Errorf("%s: X-Request-Id got %q; want %q", c.name, got, wantReqID)
		}
		if line := f.onlyLineSince(t, mark); line["request_id"] != wantReqID {
			t.Errorf("%s: log line's request_id got %v; want %q", c.name, line["request_id"], wantReqID)
		}
	}
}

// TestLogLevelIsApplied: `LOG_LEVEL` is, by docs/design.md §9, "`debug`,
// `info`, `warn`, `error`", and the request's one line is an INFO line: at warn
// and error, an answered request writes none.
func TestLogLevelIsApplied(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		level string
		lines int
	}{{"debug", 1}, {"info", 1}, {"warn", 0}, {"error", 0}}
	for _, c := range cases {
		env := map[string]string{
			"TABLE_NAME": f.app.Config.TableName, "DYNAMODB_ENDPOINT": f.app.Config.DynamoDBEndpoint,
			"JWKS_URL": f.app.Config.JWKSURL, "JWT_ISSUER": f.app.Config.JWTIssuer, "JWT_AUDIENCE": f.app.Config.JWTAudience,
			"LOG_LEVEL": c.level,
		}
		a, logs := loggingApp(t, env)
		res, err := a.Lambda(echoRoute())(context.Background(), f.event(t, "get-session.json", ""))
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("%s: got %d, %v; want 200", c.level, res.StatusCode, err)
		}
		if got := strings.Count(logs.String(), "\n"); got != c.lines {
			t.Errorf("LOG_LEVEL=%s: got %v lines; want %v\n%s", c.level, got, c.lines, logs.String())
		}
	}
}

// TestMustRouteWithoutItsRouteFailsStartUp: MustRoute's doc comment, "A
// pattern the table lacks is a start-up failure (fatal), never a function
// that answers nothing": the process exits non-zero after one JSON line on
// standard error (run here as a child process of the test binary).
func TestMustRouteWithoutItsRouteFailsStartUp(t *testing.T) {
	if pattern := os.Getenv("APP_TEST_MUSTROUTE"); pattern != "" {
		a := &app.App{Now: time.Now}
		a.MustRoute(pattern)
		os.Exit(0)
	}
	cases := []struct {
		pattern string
		code    int
	}{
		{"GET /nowhere/{id}", 1},
		{httpapi.PatternGetSession, 0},
	}
	for _, c := range cases {
		// The child runs this package's TestMain too (storetest.Main): under
		// -short, as make test-short runs with no Java, it must not start an
		// engine either; otherwise it inherits the parent's DYNAMODB_ENDPOINT.
		cmd := exec.Command(os.Args[0], "-test.run=^TestMustRouteWithoutItsRouteFailsStartUp$", "-test.short="+strconv.FormatBool(testing.Short()))
		cmd.Env = append(os.Environ(), "APP_TEST_MUSTROUTE="+c.pattern, "AWS_LAMBDA_RUNTIME_API=")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		_ = cmd.Run()
		if got := cmd.ProcessState.ExitCode(); got != c.code {
			t.Errorf("%s: exit code got %v; want %v (%s)", c.pattern, got, c.code, stderr.String())
		}
		var line struct{ Level, Msg string }
		err := json.Unmarshal([]byte(strings.TrimSpace(stderr.String())), &line)
		if got := err == nil && line.Level == "ERROR" && line.Msg == "start-up failed"; got != (c.code != 0) {
			t.Errorf("%s: a start-up failure line got %v; want %v (%q)", c.pattern, got, c.code != 0, stderr.String())
		}
	}
}
