// Package localserver is the local server `make run` starts, as a library:
// every endpoint on one HTTP server through the same handlers the Lambdas
// run, DynamoDB Local (started and stopped here unless DYNAMODB_ENDPOINT
// points at an engine), the table created if missing, and the expiry
// sweeper on a timer (SWEEP_INTERVAL). Without JWKS_URL it is its own
// identity provider: it serves a development JWKS and mints tokens at
// GET /local/token (only on this server, never in a Lambda).
//
// cmd/localapi runs it; tests start it in-process, as they start make
// start-api's stack with samlocal.Start.
package localserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/paysessions/paysessions/shared/app"
	"github.com/paysessions/paysessions/shared/config"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/dynamolocal"
	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/samlocal"
	"github.com/paysessions/paysessions/shared/sweep"
)

// Options configure Start. The zero value reads the process's environment
// and writes to standard output.
type Options struct {
	// Getenv reads the settings: the service's (config.Load) and the local
	// server's own (config.LoadLocal: PORT, HOST, SWEEP_INTERVAL). nil is
	// os.Getenv.
	Getenv func(string) string
	// Out receives the server's notices for a person (starting DynamoDB
	// Local); nil discards them.
	Out io.Writer
	// Log receives the JSON logs, one line per request and per sweep; nil
	// is standard output.
	Log io.Writer
	// Listener, when set, is where the API is served; PORT and HOST are
	// then not used.
	Listener net.Listener
	// BodyTimeout bounds the wait for a request's body, from the end of
	// its head, as make start-api bounds it; 0 is
	// samlocal.DefaultBodyTimeout (10 s). A body not in by then is
	// answered 408 (httpapi.GatewayRequestTimeout) and its connection
	// closed.
	BodyTimeout time.Duration
}

// Server is a running local server.
type Server struct {
	// URL is the base URL, e.g. http://127.0.0.1:3000.
	URL string
	// TableName and DynamoDBEndpoint are the table the handlers use (it
	// exists) and where.
	TableName        string
	DynamoDBEndpoint string
	// Issuer is the development identity provider, whose JWKS and
	// GET /local/token the server serves; nil when JWKS_URL was given.
	Issuer *devtoken.Issuer
	// Config is the service's settings, as the server resolved them; Local
	// the server's own.
	Config config.Config
	Local  config.Local

	srv     *http.Server
	ln      *samlocal.OnceClosed // what srv serves, closed by Close
	served  chan error           // Serve's end, or the engine's exit (room for both)
	closing chan struct{}
	engine  *dynamolocal.Engine
	sweeper *sweep.Sweeper
	sweepMu sync.Mutex // one sweep at a time: the timer's or Sweep's
	stopBg  context.CancelFunc
	bgDone  chan struct{}
	once    sync.Once
	err     error
}

// Start starts the server and returns once it accepts requests. ctx bounds
// the start-up only; Close stops the server.
func Start(ctx context.Context, o Options) (_ *Server, err error) {
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	out := o.Out
	if out == nil {
		out = io.Discard
	}
	env := config.WithLocalDefaults(getenv)
	cfg, cerr := config.Load(env)
	local, lerr := config.LoadLocal(env)
	if err := errors.Join(cerr, lerr); err != nil {
		return nil, err
	}
	s := &Server{Local: local, served: make(chan error, 2), closing: make(chan struct{}), bgDone: make(chan struct{})}
	defer func() {
		if err != nil {
			// An engine that exited once it answered is the cause of
			// what failed after (a CreateTable refused), which alone
			// would read as a DYNAMODB_ENDPOINT naming no engine.
			if s.engine != nil {
				if exited := s.engine.Exited(); exited != nil {
					err = fmt.Errorf("%w: %w", err, exited)
				}
			}
			_ = s.Close()
		}
	}()
	ln := o.Listener
	if ln == nil {
		if ln, err = local.Listen(); err != nil {
			return nil, err
		}
	}
	s.ln = samlocal.CloseOnce(ln)
	ln = s.ln
	// The URL names the address listened on (HOST=::1 is http://[::1]:3000),
	// 127.0.0.1 for every interface: the development issuer's JWKS, which
	// the server fetches from itself, is under it.
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	s.URL = "http://" + net.JoinHostPort(host, port)
	s.srv = newHTTPServer()
	// Until Serve runs, Close must close the listener itself.
	listening := ln
	defer func() {
		if err != nil && listening != nil {
			listening.Close()
		}
	}()

	if cfg.DynamoDBEndpoint == "" {
		fmt.Fprintln(out, "Starting DynamoDB Local...")
		// Progress: a download (the first run's, about 50 MB) says where
		// it comes from and where it went, rather than leaving the
		// terminal silent; a run that finds the engine installed says
		// nothing of downloads.
		if s.engine, err = dynamolocal.Start(ctx, dynamolocal.Options{Progress: out}); err != nil {
			return nil, err
		}
		engineStarted(s.engine)
		cfg.DynamoDBEndpoint = s.engine.Endpoint
	}

	// Without JWKS_URL the server is its own identity provider.
	if s.Issuer, err = devtoken.Configure(&cfg, s.URL); err != nil {
		return nil, err
	}
	if err := cfg.RequireJWT(); err != nil {
		return nil, err
	}
	s.Config, s.TableName, s.DynamoDBEndpoint = cfg, cfg.TableName, cfg.DynamoDBEndpoint
	a, err := app.New(ctx, cfg, app.Options{Log: o.Log})
	if err != nil {
		return nil, err
	}
	tctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := a.Store.CreateTable(tctx); err != nil {
		if s.engine == nil {
			// The engine is the user's: say which setting named it.
			return nil, fmt.Errorf("%w (is DynamoDB Local running at DYNAMODB_ENDPOINT=%s? unset DYNAMODB_ENDPOINT to have one started)", err, config.ShownURL(cfg.DynamoDBEndpoint))
		}
		return nil, err
	}

	functions := httpapi.Routes(a.Deps())
	routes := functions
	if s.Issuer != nil {
		routes = append(routes[:len(routes):len(routes)], s.Issuer.Routes()...)
	}
	logged := func(h http.Handler) http.Handler {
		return httpapi.Middleware(a.Logger, func(*http.Request) string { return "" }, h)
	}
	served, err := invocations(functions, logged(httpapi.NewRouter(routes...)))
	if err != nil {
		return nil, err
	}
	s.srv.Handler = asDelivered(routes, functions, logged, served, bodyBound(o.BodyTimeout))
	listening = nil
	go func() { s.served <- s.srv.Serve(ln) }()
	if s.engine != nil {
		// An engine that exits while the server serves (its heap run
		// out, killed) ends the serving: every request would be a 503
		// after the SDK's retries, with nothing said.
		go s.engine.ReportExit(s.closing, s.served)
	}
	s.sweeper = sweep.New(a.Store, a.Logger, a.Now)
	bg, stop := context.WithCancel(context.Background())
	s.stopBg = stop
	go s.sweepEvery(bg, local.SweepInterval)
	return s, nil
}

// engineStarted is called with the engine Start started, once it answers
// and before the server uses it: a test's hook (it kills the engine there).
var engineStarted = func(*dynamolocal.Engine) {}

// newHTTPServer is the server Start serves on, its Handler not yet set:
// a head must be in within 10 s (ReadHeaderTimeout), as a body within its
// bound of the head (bodyBound), and make start-api's server is the same.
// MaxHeaderBytes is Go's default (1 MiB), set here so that no one takes
// it for API Gateway's quota: it counts every byte of the head, names and
// line ends too, and Go reads 4096 bytes past it, so near the quota it
// would refuse heads AWS takes. asDelivered refuses what AWS does
// (httpapi.MaxGatewayHead). A head past Go's bound never reaches a
// handler: net/http answers it itself (README's 431 row says so).
// DisableGeneralOptionsHandler: `OPTIONS *` is a path no route matches,
// API Gateway's 404 with its request line like `GET *`, not net/http's
// own empty 200.
func newHTTPServer() *http.Server {
	return &http.Server{ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: http.DefaultMaxHeaderBytes, DisableGeneralOptionsHandler: true}
}

// bodyBound is the bound on a request's body for Options.BodyTimeout
// asked: asked if over 0, else samlocal.DefaultBodyTimeout (10 s).
func bodyBound(asked time.Duration) time.Duration {
	if asked <= 0 {
		return samlocal.DefaultBodyTimeout
	}
	return asked
}

// functionTimeouts are the Timeout template.yaml gives the function that
// serves each route (the Globals' 10 s, the day list's 15 s): on AWS the
// deadline of each request's Lambda invocation. A table rather than the
// template read at start-up: the local server runs without the repository
// (a copied bin/localapi), and make start-api's reading of the template
// asks make which package each function builds (make -n, once a
// function). TestRequestsHaveTheirFunctionsDeadline holds it equal to the
// template, as make start-api reads it (samlocal.ReadTemplate).
var functionTimeouts = map[string]time.Duration{
	httpapi.PatternCreateSession:   10 * time.Second,
	httpapi.PatternGetSession:      10 * time.Second,
	httpapi.PatternPostEvent:       10 * time.Second,
	httpapi.PatternCancelSession:   10 * time.Second,
	httpapi.PatternV1Session:       10 * time.Second,
	httpapi.PatternPaymentStatus:   10 * time.Second,
	httpapi.PatternPaymentSession:  10 * time.Second,
	httpapi.PatternCheckoutSession: 10 * time.Second,
	httpapi.PatternSessionRecords:  15 * time.Second,
	httpapi.PatternSessionRecord:   10 * time.Second,
	httpapi.PatternCreateAPIKey:    10 * time.Second,
	httpapi.PatternDeleteAPIKey:    10 * time.Second,
}

// invocations serves h each request on a path of functions' routes as the
// function at that path serves it on AWS: within a Lambda invocation whose
// deadline is the function's Timeout (functionTimeouts) from the request's
// start, the request's context cut as the Lambda handler cuts it
// (app.AnswerContext: 1 s before the deadline, half the time if less). So
// what waits past it is answered as on AWS, 503 with Retry-After (an event
// with an eventId refused in the band longer before expiresAt than the
// request's time, a DynamoDB call that hangs), and the day list's budget
// is bounded as there. By path, whatever the method: the template gives
// each function an ANY route beside its own, so its 405s are the
// function's too. Other paths (the development issuer's) have no deadline.
// A route of functions with no timeout is an error: it would be served
// with none.
func invocations(functions []httpapi.Route, h http.Handler) (http.Handler, error) {
	timeouts := map[string]time.Duration{} // path pattern -> its function's Timeout
	for _, rt := range functions {
		timeout, ok := functionTimeouts[rt.Pattern]
		if !ok {
			return nil, fmt.Errorf("localserver: no function timeout for route %s (template.yaml's Timeout of the function that serves it)", rt.Pattern)
		}
		_, p, _ := strings.Cut(rt.Pattern, " ")
		timeouts[p] = timeout
	}
	routeOf := routePaths(functions)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The answer is sent whole, with its Content-Length, once the
		// function has returned, as API Gateway sends a Lambda proxy
		// response (and make start-api does): net/http sent a body over
		// its 2 KB buffer chunked, without a length, and a HEAD's without
		// either.
		ans := &wholeAnswer{ResponseWriter: w}
		timeout, ok := timeouts[routeOf(r.URL.Path)]
		if !ok {
			h.ServeHTTP(ans, r)
			ans.send()
			return
		}
		// API Gateway invokes the function with the whole body in hand:
		// the invocation's time starts once its last byte is in.
		// asDelivered, which h is served behind, has read it whole
		// (samlocal.ReadBody), before the deadline is set, not the handler
		// within it.
		// Its deadline alone ends it: a synchronous Lambda invocation is
		// not stopped when its caller goes away, so a client's hang-up or
		// half-close (which Go's server takes for one, ending r's context)
		// does not cancel the function's work part-way (a create's write).
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), timeout)
		defer cancel()
		ctx, cut := app.AnswerContext(ctx)
		defer cut()
		ans.invoke(h, r.WithContext(ctx))
	}), nil
}

// invoke serves r with h as a function's invocation, then sends the
// answer. A handler that cut its answer short (http.ErrAbortHandler, which
// httpapi.Middleware passes on for a panic after the answer began) fails
// the invocation (app.Lambda returns an error): API Gateway answers its
// own 500 (httpapi.GatewayInternalError) and sends nothing of the
// function's answer, its headers included, as make start-api does. Let
// through, the abort made net/http close the connection without a byte.
func (a *wholeAnswer) invoke(h http.Handler, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			if p != http.ErrAbortHandler {
				panic(p)
			}
			clear(a.ResponseWriter.Header())
			a.status = 0
			a.body.Reset()
			httpapi.WriteGatewayAnswer(a, http.StatusInternalServerError, httpapi.GatewayInternalError)
			a.send()
		}
	}()
	h.ServeHTTP(a, r)
	a.send()
}

// wholeAnswer holds a handler's answer until it returns, then sends it
// with its Content-Length (invocations). A status without a body (1xx,
// 204, 304) gets none; a HEAD's is the length GET's body has, as
// samlocal's response.write sends it on make start-api.
type wholeAnswer struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (a *wholeAnswer) WriteHeader(code int) {
	if a.status == 0 {
		a.status = code
	}
}

func (a *wholeAnswer) Write(p []byte) (int, error) {
	if a.status == 0 {
		a.status = http.StatusOK
	}
	return a.body.Write(p)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (a *wholeAnswer) Unwrap() http.ResponseWriter { return a.ResponseWriter }

func (a *wholeAnswer) send() {
	if a.status == 0 {
		a.status = http.StatusOK
	}
	if a.status >= 200 && a.status != http.StatusNoContent && a.status != http.StatusNotModified {
		a.ResponseWriter.Header().Set("Content-Length", strconv.Itoa(a.body.Len()))
	}
	a.ResponseWriter.WriteHeader(a.status)
	_, _ = a.ResponseWriter.Write(a.body.Bytes())
}

// Served returns the server's error if it stopped serving on its own, or
// dynamolocal.ErrEngineExited once the engine the server started exits
// while it serves.
func (s *Server) Served() <-chan error { return s.served }

// Sweep runs the expiry sweep now, as the timer runs it, limited to one
// sweep interval, and waits for it to end. Runs take turns: the interval
// counts from the run's own start, not from a wait behind another run.
func (s *Server) Sweep(ctx context.Context) sweep.Result {
	s.sweepMu.Lock()
	defer s.sweepMu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, s.Local.SweepInterval)
	defer cancel()
	return s.sweeper.Run(ctx)
}

// sweepEvery runs the expiry sweep on a timer, as EventBridge Scheduler runs
// the sweeper Lambda in AWS, each run limited to one interval.
func (s *Server) sweepEvery(ctx context.Context, interval time.Duration) {
	defer close(s.bgDone)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.Sweep(ctx)
		}
	}
}

// drainTimeout is how long Close lets requests under way finish.
const drainTimeout = 5 * time.Second

// Close stops serving (letting requests under way finish, for up to
// drainTimeout, then closing the connections of those that did not),
// stops the sweeper, and DynamoDB Local if the server started it. Safe to
// call twice.
func (s *Server) Close() error {
	s.once.Do(func() {
		close(s.closing) // before the engine's Stop: no exit to report
		if s.stopBg != nil {
			s.stopBg()
			<-s.bgDone
		}
		if s.srv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), drainTimeout)
			err := s.srv.Shutdown(ctx)
			cancel()
			if errors.Is(err, context.DeadlineExceeded) {
				// A request still under way after drainTimeout (a client
				// that stalls its body or its headers) is cut off: its
				// connection closed, so its handler's read fails and its
				// goroutine ends. The server stopped as asked; that is no
				// failure of the stop (Ctrl-C exits 0).
				err = s.srv.Close()
			}
			if err != nil && !errors.Is(err, http.ErrServerClosed) {
				s.err = err
			}
			// Shutdown reports the listener's close only if Serve had it
			// (samlocal.OnceClosed): its failure is the stop's either way.
			if lerr := s.ln.Close(); s.err == nil {
				s.err = lerr
			}
		}
		if s.engine != nil {
			s.engine.Stop()
		}
	})
	return s.err
}

// asDelivered hands h each request as a function's handler receives it on
// AWS, where API Gateway builds the event and the api-proxy adapter builds
// the request from it:
//   - a request whose request line and header values add up to more than
//     HTTP APIs' quota (httpapi.MaxGatewayHead, 10240 bytes, counted by
//     httpapi.GatewayHeadSize) is API Gateway's own 431
//     (httpapi.GatewayHeaderTooLarge), before anything else: its body is
//     not read, and no handler runs;
//   - the path decoded twice, as HTTP APIs deliver rawPath
//     (httpapi.GatewayPath): a client's %2F or %252F is a separator by the
//     time the function routes it, so "/sessions/a%2Fb" matches no route
//     (404) rather than naming an id "a/b" (400); the path ends at a ? the
//     first decoding makes ("/sessions/<id>%3Fx" reads <id>); and a path
//     whose second decoding fails (a client's %25) is API Gateway's own
//     400, which no function sees. API Gateway routes by the first
//     decoding and the function it reaches by the second, with its own
//     route alone: where the two decodings differ (a client's %25xx) and
//     do not match the same route (a %252F, a %2573 in a literal
//     segment), it is a 404 in API Gateway's shape, as on AWS;
//   - the body read whole first, before the path is routed (one sent
//     chunked up to one byte past HTTP APIs' payload quota:
//     samlocal.ReadBody, as make start-api reads it):
//     one that cannot be read (broken framing, fewer bytes than its
//     Content-Length) is API Gateway's own 400, which no function sees,
//     whatever the route, method or credentials, as an HTTP API buffers the
//     whole body before it routes the request (make start-api reads it so),
//     and the function's deadline starts once it is in (invocations);
//   - a body not in within bodyTimeout of the end of the head (a client
//     that announced a Content-Length, or began a chunked body, and
//     stalled) is answered 408 (httpapi.GatewayRequestTimeout), the
//     connection closed, no function reached: API Gateway buffers the body
//     before it invokes a function, so none waits on a client, and a
//     local server should not hold a connection for ever;
//   - a body over that quota (samlocal.MaxRequestBody, 10 MB) is API
//     Gateway's own 413 (samlocal.GatewayTooLarge), on every path and
//     method; and so is one over httpapi.MaxBodyBytes on a path one of
//     functions' routes (the template's) takes, whatever the method (the
//     function's ANY route), when the event API Gateway would build of it
//     is over Lambda's quota on an invocation's request
//     (samlocal.EventSize, samlocal.MaxEventSize): Lambda refuses it, and
//     no function sees it (a read, which never reads its body, once
//     answered 200 here, and a create its own 413);
//   - the method upper-cased, as the adapter builds the request with
//     strings.ToUpper(requestContext.http.method) (aws-lambda-go-api-proxy,
//     core/requestv2.go): "get" is GET there, and here. An unknown method
//     stays unknown (405 with Allow).
//
// Each answer given in API Gateway's stead (the 431, the 413, the 408,
// the 400s, the 404) is served through logged (the middleware h is wrapped
// in), so the request has its one log line as every other does
// (httpapi.GatewayAnswer): the method and path as sent, no route, nothing
// of its headers, timed from the end of its head (httpapi.WithHeadRead),
// the wait for its body included, as make start-api's access line times
// it; so is the router's 404 for a path no route takes, API Gateway's
// answer too. A request a route takes (a function's, its 405 included) is
// timed from the function's start, as in Lambda, whose invocation begins
// once API Gateway has the whole body.
func asDelivered(routes, functions []httpapi.Route, logged func(http.Handler) http.Handler, h http.Handler, bodyTimeout time.Duration) http.Handler {
	var (
		headTooLarge = logged(httpapi.GatewayAnswer(http.StatusRequestHeaderFieldsTooLarge, httpapi.GatewayHeaderTooLarge, nil))
		tooLarge     = logged(httpapi.GatewayAnswer(http.StatusRequestEntityTooLarge, samlocal.GatewayTooLarge, nil))
		badRequest   = logged(httpapi.GatewayAnswer(http.StatusBadRequest, httpapi.GatewayBadRequest, nil))
		timedOut     = logged(httpapi.GatewayAnswer(http.StatusRequestTimeout, httpapi.GatewayRequestTimeout, nil))
		notFound     = logged(httpapi.GatewayAnswer(http.StatusNotFound, httpapi.GatewayNotFound, httpapi.GatewayNotFoundError()))
	)
	routeOf := routePaths(routes)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// An answer in API Gateway's stead (asDelivered's own, or the
		// router's 404 for a path no route takes) is logged as timed from
		// here, the end of the head, not from after the wait for the body;
		// a routed one from its function's start (httpapi.WithHeadRead).
		r = r.WithContext(httpapi.WithHeadRead(r.Context(), time.Now()))
		if httpapi.GatewayHeadSize(r) > httpapi.MaxGatewayHead {
			headTooLarge.ServeHTTP(w, r)
			return
		}
		if r.ContentLength > samlocal.MaxRequestBody {
			tooLarge.ServeHTTP(w, r)
			return
		}
		n, body, err := samlocal.ReadBody(w, r, bodyTimeout)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			// The connection cannot be read further: the rest of the
			// body may still come.
			w.Header().Set("Connection", "close")
			timedOut.ServeHTTP(w, r)
			return
		}
		if err != nil {
			badRequest.ServeHTTP(w, r)
			return
		}
		if n > samlocal.MaxRequestBody {
			tooLarge.ServeHTTP(w, r)
			return
		}
		routed, raw, ok := httpapi.GatewayPath(r.URL.EscapedPath())
		if !ok {
			badRequest.ServeHTTP(w, r)
			return
		}
		// An event's size can reach Lambda's quota only with a body over
		// the service's own limit (the head is at most 10240 bytes, and
		// JSON at most sextuples a byte): smaller ones are not sized.
		if n > httpapi.MaxBodyBytes {
			if key, params, found := functionRoute(functions, r.Method, routed); found {
				if samlocal.EventSize(r, body, key, params) > samlocal.MaxEventSize {
					tooLarge.ServeHTTP(w, r)
					return
				}
			}
		}
		if routed != raw {
			if rt := routeOf(routed); rt == "" || rt != routeOf(raw) {
				notFound.ServeHTTP(w, r)
				return
			}
		}
		if r.URL.RawPath != "" || r.URL.Path != raw || r.Method != strings.ToUpper(r.Method) {
			r = r.Clone(r.Context())
			r.URL.Path, r.URL.RawPath = raw, "" // the path as delivered: each '/' a separator
			r.Method = strings.ToUpper(r.Method)
		}
		h.ServeHTTP(w, r)
	})
}

// routePaths returns what matches a path to the path pattern of the route
// of routes that takes it, whatever the method ("" for none).
func routePaths(routes []httpapi.Route) func(path string) string {
	paths := http.NewServeMux()
	seen := map[string]bool{}
	for _, rt := range routes {
		_, p, _ := strings.Cut(rt.Pattern, " ")
		if !seen[p] {
			seen[p] = true
			paths.Handle(p, http.NotFoundHandler())
		}
	}
	return func(path string) string {
		_, pattern := paths.Handler(&http.Request{Method: http.MethodGet, URL: &url.URL{Path: path}})
		return pattern
	}
}

// functionRoute returns the route of the template an HTTP API matches for
// method and path (routed: the path's first decoding), as make start-api's
// gateway matches it: the key of the function's route of that method, or
// else of its ANY route (the template gives every function one beside its
// own), and the path parameters, decoded once more. Every route of
// functions is a path of literal segments and {name} segments, one path
// to a function.
func functionRoute(functions []httpapi.Route, method, routed string) (samlocal.RouteKey, map[string]string, bool) {
	segs := strings.Split(routed, "/")
	for _, rt := range functions {
		m, p, _ := strings.Cut(rt.Pattern, " ")
		want := strings.Split(p, "/")
		if len(want) != len(segs) {
			continue
		}
		params := map[string]string{}
		for i, w := range want {
			if name, ok := strings.CutPrefix(w, "{"); ok && strings.HasSuffix(name, "}") && segs[i] != "" {
				v, err := url.PathUnescape(segs[i])
				if err != nil {
					v = segs[i]
				}
				params[strings.TrimSuffix(name, "}")] = v
			} else if w != segs[i] {
				params = nil
				break
			}
		}
		if params == nil {
			continue
		}
		if m != method {
			m = "ANY"
		}
		return samlocal.RouteKey{Method: m, Path: p}, params, true
	}
	return samlocal.RouteKey{}, nil, false
}
