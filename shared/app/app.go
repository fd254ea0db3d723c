// Package app wires the service from its configuration: the logger, the
// DynamoDB client and store, the authenticator, and the Lambda adapter.
// Each function's main and the local server build one App at start-up; an
// App makes no network call until it serves a request.
package app

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/config"
	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/store"
)

// App is the wired service.
type App struct {
	Config config.Config
	Logger *slog.Logger
	Store  *store.Store
	Auth   *auth.Authenticator // nil when no JWKS_URL is configured
	Now    func() time.Time
}

// Options adjust New for tests and the local server.
type Options struct {
	// Log is where JSON logs go; nil means standard output.
	Log io.Writer
	// HTTPClient replaces the DynamoDB client's transport (fault injection).
	HTTPClient *http.Client
	// Now replaces the clock of the store, the handlers and the API-key
	// cache. Bearer tokens stay on the real clock (their exp and nbf, the
	// token cache's ages), as the issuers that mint them do (devtoken), so
	// a test's clock moved on does not expire its tokens.
	Now func() time.Time
	// Store adjusts the store (tests: the list's time budget).
	Store []store.Option
}

// gcPercent is the service's GOGC. A request allocates ~80 KB (most of it
// in the SDK and JWT parsing) over a live heap of a few MB, so the default
// GOGC of 100 collects very often; 200 halves the collections for a few
// more MB of heap (BENCHMARKS.md, "load").
const gcPercent = 200

// TuneGC applies gcPercent and, in Lambda, a soft memory limit of 3/4 of
// the function's memory, so the heap that GOGC lets grow can never push the
// function out of memory. GOGC or GOMEMLIMIT set in the environment win.
// New calls it; `make bench`'s load peers (the raw GetItem loop and the
// bare net/http server) call it too, so that they make the service's SDK
// call under the service's GC setting.
func TuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		if mb, err := strconv.Atoi(os.Getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")); err == nil && mb > 0 {
			debug.SetMemoryLimit(int64(mb) << 20 * 3 / 4)
		}
	}
}

// New builds the App from cfg. It makes no network call.
func New(ctx context.Context, cfg config.Config, o Options) (*App, error) {
	TuneGC()
	if o.Log == nil {
		o.Log = os.Stdout
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	logger := slog.New(slog.NewJSONHandler(lineSafe{o.Log}, &slog.HandlerOptions{Level: cfg.LogLevel}))
	co := store.ClientOptions{Endpoint: cfg.DynamoDBEndpoint}
	if o.HTTPClient != nil {
		co.HTTPClient = o.HTTPClient
	}
	db, err := store.NewClient(ctx, co)
	if err != nil {
		return nil, err
	}
	a := &App{
		Config: cfg,
		Logger: logger,
		Store:  store.New(db, cfg.TableName, cfg.Policy(), cfg.ExpiryShards, o.Now, append([]store.Option{store.ListShards(cfg.ListShards)}, o.Store...)...),
		Now:    o.Now,
	}
	if cfg.JWKSURL != "" {
		jwt := auth.NewJWTVerifier(auth.JWTConfig{
			JWKSURL: cfg.JWKSURL, Issuer: cfg.JWTIssuer, Audience: cfg.JWTAudience, Logger: logger,
		})
		a.Auth = auth.New(jwt, auth.NewAPIKeyVerifier(a.Store, o.Now))
	}
	return a, nil
}

// Deps are the handlers' dependencies.
func (a *App) Deps() httpapi.Deps {
	return httpapi.Deps{Store: a.Store, Auth: a.Auth, Now: a.Now}
}

// LambdaHandler is what lambda.Start runs for an API function: API Gateway
// HTTP API (payload 2.0) events, through the api-proxy adapter, to the
// route's handler behind the common middleware.
type LambdaHandler func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// answerReserve is how long before the invocation's deadline a request's
// context ends, at most; half the invocation's time when that is shorter
// (Lambda's shortest timeout, 1 s, would otherwise leave a request none:
// every DynamoDB call cut off as it began, 503). At its deadline Lambda
// ends the invocation and API Gateway answers a bare 500, while the SDK's
// own limits (5 attempts of up to 3 s) are longer than the API functions'
// 10 s timeout: ending the context first cuts off a hung DynamoDB call in
// time to answer 503 with Retry-After.
const answerReserve = time.Second

// AnswerContext returns the context a request is served under in an
// invocation whose context is ctx: it ends answerReserve (or half the time
// left, if less) before ctx's deadline, so that whatever is still waiting
// then is answered 503 with Retry-After before the invocation ends. A ctx
// without a deadline is returned as it is. The Lambda handler applies it
// to each invocation, and the local server of make run to the deadline it
// gives each request (the Timeout of the function serving its route).
func AnswerContext(ctx context.Context) (context.Context, context.CancelFunc) {
	d, ok := ctx.Deadline()
	if !ok {
		return ctx, func() {}
	}
	return context.WithDeadline(ctx, d.Add(-min(answerReserve, time.Until(d)/2)))
}

// Lambda adapts routes for lambda.Start. Each request's context ends
// answerReserve (or half its time, if less) before the invocation's
// deadline (AnswerContext).
func (a *App) Lambda(routes ...httpapi.Route) LambdaHandler {
	// The request lines carry the token metrics, by the stack's name.
	h := httpapi.Middleware(a.Logger, lambdaRequestID, httpapi.NewRouter(routes...), httpapi.TokenMetrics(a.Config.StackName))
	proxy := httpadapter.NewV2(h).ProxyWithContext
	return func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (res events.APIGatewayV2HTTPResponse, err error) {
		defer func() {
			// A handler that cut its response short (http.ErrAbortHandler,
			// which the middleware logs as the request's one line and
			// passes on, as net/http's server expects) fails the
			// invocation: API Gateway answers 500, as it would to the
			// panic, but the container serves on, as net/http's server
			// does, where the panic would end the process after an
			// unstructured stack trace.
			if p := recover(); p != nil {
				if p != http.ErrAbortHandler {
					panic(p)
				}
				res, err = events.APIGatewayV2HTTPResponse{}, errAborted
			}
		}()
		ctx, cancel := AnswerContext(ctx)
		defer cancel()
		if ev.RawPath == "" {
			ev.RawPath = ev.RequestContext.HTTP.Path
		}
		ev.RawPath = encodePath(ev.RawPath)
		ev.RawQueryString = encodeQuery(ev.RawQueryString)
		convertible(&ev)
		return proxy(ctx, ev)
	}
}

// errAborted fails an invocation whose handler aborted its response.
var errAborted = errors.New("the handler aborted its response")

// encodePath percent-encodes a path as an HTTP API delivers it. API
// Gateway's HTTP APIs decode the path before they build the event (rawPath
// and pathParameters alike; REST APIs and function URLs do not), and the
// api-proxy adapter pastes rawPath into a URL and parses it: a client's %25,
// %3F, %23 or %01 arrived as a bare %, ?, # or control character, and the
// adapter either failed (an invocation error, API Gateway's 500, and an
// unstructured log line holding the path) or split the path at the ? or #
// (a path id ending "?init=true" read as 003's init view). Encoding each
// segment makes the handler see exactly the path API Gateway decoded, so
// the id it reads is the pathParameter API Gateway matched, and a hostile
// one is refused as any bad id is.
func encodePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// encodeQuery percent-encodes the bytes of a raw query string that the
// api-proxy adapter cannot parse as a query: control characters and DEL,
// and '#'. The adapter pastes rawQueryString after the path and parses the
// URL; a control character made it fail, and so did a '#' followed by a
// bad escape ("x=1#%zz"), while any other '#' cut the query short as a
// fragment. A failure is an invocation error (API Gateway's 500) with no
// request log line, and the adapter and the Lambda runtime print the whole
// URL, query included, in four unstructured lines: a card number or a key
// in the query reached the logs. Encoded, the handler reads the query API
// Gateway delivered, and refuses what it does not accept as any bad value.
func encodeQuery(q string) string {
	const hexDigits = "0123456789ABCDEF"
	var b []byte
	for i := 0; i < len(q); i++ {
		c := q[i]
		if c >= 0x20 && c != 0x7f && c != '#' {
			if b != nil {
				b = append(b, c)
			}
			continue
		}
		if b == nil {
			b = append(make([]byte, 0, len(q)+8), q[:i]...)
		}
		b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
	}
	if b == nil {
		return q
	}
	return string(b)
}

// convertible makes an event that API Gateway never sends one the api-proxy
// adapter can turn into a request: a body marked isBase64Encoded that is
// not standard base64, a method that is not an HTTP token, a domainName
// that is not a host. The adapter failed such an event (an invocation
// error, API Gateway's bare 500, no request log line) and it and the Lambda
// runtime printed the method, host and path, a card number or key in them
// included, in unstructured lines. Now the route answers it as any bad
// request: the undecodable body becomes one invalid UTF-8 byte (a body the
// route reads is refused as malformed JSON; a GET ignores it), the method
// one no route has (405 with Allow), and the domainName none (the service
// builds no absolute URL from it).
func convertible(ev *events.APIGatewayV2HTTPRequest) {
	if ev.IsBase64Encoded {
		if b, err := base64.StdEncoding.DecodeString(ev.Body); err == nil {
			ev.Body, ev.IsBase64Encoded = string(b), false
		} else {
			ev.Body, ev.IsBase64Encoded = "\xff", false
		}
	}
	if m := ev.RequestContext.HTTP.Method; strings.IndexFunc(m, func(r rune) bool { return !isTokenChar(r) }) >= 0 {
		ev.RequestContext.HTTP.Method = "INVALID"
	}
	if d := ev.RequestContext.DomainName; d != "" && !plainHost(d) {
		if u, err := url.Parse("https://" + d); err != nil || u.Host != d || u.Path != "" || u.User != nil {
			ev.RequestContext.DomainName = ""
		}
	}
}

// plainHost reports whether d is made only of letters, digits, '-' and
// '.', as every domain name API Gateway sends is: such a name needs no
// parsing (convertible runs on every invocation).
func plainHost(d string) bool {
	for i := 0; i < len(d); i++ {
		c := d[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// isTokenChar reports whether r may appear in an HTTP token (RFC 9110
// §5.6.2), which a method is.
func isTokenChar(r rune) bool {
	return r < 0x7f && r > 0x20 && !strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r)
}

// MustRoute is what lambda.Start runs for the API function of the route
// table's route at pattern (an httpapi.Pattern* constant): that route
// alone, its handler made from the App (httpapi.RouteOf). A pattern the
// table lacks is a start-up failure (fatal), never a function that answers
// nothing.
func (a *App) MustRoute(pattern string) LambdaHandler {
	rt, ok := httpapi.RouteOf(pattern, a.Deps())
	if !ok {
		fatal(fmt.Errorf("httpapi's route table has no route %q", pattern))
	}
	return a.Lambda(rt)
}

// lambdaRequestID is API Gateway's request id (what its access log shows),
// else the Lambda invocation's.
func lambdaRequestID(r *http.Request) string {
	if rc, ok := core.GetAPIGatewayV2ContextFromContext(r.Context()); ok && rc.RequestID != "" {
		return rc.RequestID
	}
	if lc, ok := lambdacontext.FromContext(r.Context()); ok {
		return lc.AwsRequestID
	}
	return ""
}

// fatal reports a start-up failure and exits: one JSON line on standard
// error, written by log/slog as every other line (the configured logger may
// not exist yet), and, inside Lambda, an init error through the Runtime
// API, so the invocation fails with the message instead of a bare timeout.
func fatal(err error) {
	slog.New(slog.NewJSONHandler(lineSafe{os.Stderr}, nil)).Error("start-up failed", "error", err.Error())
	if api := os.Getenv("AWS_LAMBDA_RUNTIME_API"); api != "" {
		body, _ := json.Marshal(map[string]any{"errorMessage": err.Error(), "errorType": "ConfigError", "stackTrace": []string{}})
		req, _ := http.NewRequest(http.MethodPost, "http://"+api+"/2018-06-01/runtime/init/error", bytes.NewReader(body))
		req.Header.Set("Lambda-Runtime-Function-Error-Type", "Runtime.ConfigError")
		req.Header.Set("Content-Type", "application/json")
		c := http.Client{Timeout: 2 * time.Second}
		if resp, err := c.Do(req); err == nil {
			resp.Body.Close()
		}
	}
	os.Exit(1)
}

// MustLoadAPI is an API function's start-up: it reads the settings from
// the environment (the JWT settings included), builds the App, and on any
// error reports it (fatal) and exits, so the function fails at init with the
// message rather than on its first request.
func MustLoadAPI(ctx context.Context) *App {
	return mustLoad(ctx, config.Config.RequireJWT)
}

// MustLoadSweeper is the sweeper's start-up: as MustLoadAPI, without the
// JWT settings it does not use.
func MustLoadSweeper(ctx context.Context) *App {
	return mustLoad(ctx, func(config.Config) error { return nil })
}

func mustLoad(ctx context.Context, check func(config.Config) error) *App {
	cfg, err := config.Load(os.Getenv)
	if err == nil {
		err = check(cfg)
	}
	if err != nil {
		fatal(err)
	}
	a, err := New(ctx, cfg, Options{})
	if err != nil {
		fatal(err)
	}
	return a
}
