package samlocal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/paysessions/paysessions/shared/app"
	"github.com/paysessions/paysessions/shared/config"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/dynamolocal"
	"github.com/paysessions/paysessions/shared/httpapi"
)

// Options configure Start. The zero value runs the repository around the
// working directory with the process's environment.
type Options struct {
	// Dir is the repository: template.yaml, the Makefile, events/env.json
	// and the functions' packages; "" is the module root above the working
	// directory.
	Dir string
	// Getenv reads the settings: the variables of make run (PORT, HOST,
	// JWKS_URL, JWT_ISSUER, JWT_AUDIENCE, SESSION_EXPIRY, RESULT_RETENTION,
	// SWEEP_INTERVAL, DYNAMODB_ENDPOINT, TABLE_NAME) and LAMBDA_CONCURRENCY.
	// It is also the shell environment SAM CLI gives declared variables
	// (EXPIRY_SHARDS, LOG_LEVEL, ...). nil is os.Getenv.
	Getenv func(string) string
	// LookupEnv is that shell environment as SAM CLI reads it, telling a
	// variable set to "" from one not set: SAM gives a function a
	// declared variable's shell value whenever the shell has it
	// (os.environ), "" too. nil is os.LookupEnv with Getenv nil, else
	// Getenv with "" read as not set.
	LookupEnv func(string) (string, bool)
	// Bootstraps is a directory of bootstraps already built for this
	// machine (Build), one per function, named by its package's last
	// element; "" builds them.
	Bootstraps string
	// BuildDir is where they are built, relative to Dir unless absolute;
	// "" is a temporary directory, removed by Close.
	BuildDir string
	// Emulator is the aws-lambda-rie binary; "" is the tool go.mod pins.
	Emulator string
	// Concurrency is the number of instances each function may run at once
	// (each runs one invocation at a time; more wait). 0 is
	// LAMBDA_CONCURRENCY, else 2.
	Concurrency int
	// EnvFile is the --env-vars file; "" is events/env.json.
	EnvFile string
	// Log receives the functions' and emulators' output (each line
	// prefixed with the function's logical id), an access log line per
	// request in the template's format, and start-api's own notices. nil
	// discards them.
	Log io.Writer
	// Listener, when set, is where the API is served; PORT and HOST are
	// then not used.
	Listener net.Listener
	// BodyTimeout bounds the wait for a request's body, from the end of
	// its head, as make run bounds it; 0 is DefaultBodyTimeout. A body not
	// in by then is answered 408 (httpapi.GatewayRequestTimeout) and its
	// connection closed.
	BodyTimeout time.Duration
	// Template is Dir's template as ReadTemplate read it, for a caller
	// that starts many stacks of one repository (apitarget's tests) and
	// has read it once; nil reads it. A stack only reads it, so stacks may
	// share one. Reading it runs make -n once per function (BuildPackage):
	// 13 makes, about 2 s of a stack's start on a loaded machine.
	Template *Template
}

// shell is the shell environment SAM CLI gives the functions' declared
// variables from (Options.LookupEnv).
func (o Options) shell() func(string) (string, bool) {
	switch {
	case o.LookupEnv != nil:
		return o.LookupEnv
	case o.Getenv == nil:
		return os.LookupEnv
	}
	return func(k string) (string, bool) { v := o.Getenv(k); return v, v != "" }
}

// Stack is a running local API: the template's functions under the
// emulator behind an HTTP API gateway, DynamoDB Local when no endpoint was
// given, and the development issuer when no JWKS_URL was.
type Stack struct {
	// URL is the API's base URL, e.g. http://127.0.0.1:3000.
	URL string
	// TableName and DynamoDBEndpoint are the table the functions use (it
	// exists) and where.
	TableName        string
	DynamoDBEndpoint string
	// Issuer is the development identity provider, whose JWKS and
	// GET /local/token the stack serves; nil when JWKS_URL was given.
	Issuer *devtoken.Issuer
	// Config is the functions' settings, as the stack resolved them;
	// Local the stack's own.
	Config config.Config
	Local  config.Local
	// FileLifecycle is, per function (its LogicalID), the lifecycle
	// settings events/env.json gave it over Config's
	// (Template.FileLifecycle); nil when the file changes none.
	FileLifecycle map[string]map[string]string
	// StartFailures is, per function (its LogicalID), the settings its
	// start-up refuses in the environment it runs with
	// (Template.StartFailure); nil when every function starts.
	StartFailures map[string][]string
	// Template is what was read from template.yaml.
	Template *Template
	// Concurrency is the instances each function may run at once.
	Concurrency int
	// Every is how often the stack invokes each schedule of Template's
	// functions: SWEEP_INTERVAL when it is set, else the schedule's
	// rate() (Rate).
	Every map[Schedule]time.Duration

	issuer   http.Handler // Issuer's routes, when it is set
	log      io.Writer
	logMu    sync.Mutex
	gw       gateway
	router   *router
	pools    map[string]*pool
	engine   *dynamolocal.Engine
	srv      *http.Server
	ln       *OnceClosed // what srv serves, closed by Close
	served   chan error  // Serve's end, or the engine's exit (room for both)
	closing  chan struct{}
	tmpDir   string
	rieDir   string   // the stack's own copy of aws-lambda-rie (runEmulatorCopy)
	rieLock  *os.File // rieDir's lock, held while the stack runs
	bg       context.Context
	stopBg   context.CancelFunc
	bgWG     sync.WaitGroup
	closeErr error
	once     sync.Once

	bodyTimeout time.Duration // Options.BodyTimeout, DefaultBodyTimeout for 0
}

// ErrIssuerNotLoopback is Start's answer when the stack would be its own
// identity provider (no JWKS_URL) on an address that is not a loopback one:
// the functions accept a plain-http JWKS only from a loopback host.
var ErrIssuerNotLoopback = errors.New("samlocal: the development issuer must be on a loopback address")

// Start starts the stack and returns once the API accepts requests. ctx
// bounds the start-up only; Close stops the stack.
func Start(ctx context.Context, o Options) (_ *Stack, err error) {
	if !supported {
		return nil, errors.New("samlocal: the Lambda Runtime Interface Emulator runs only on Linux")
	}
	dir := o.Dir
	if dir == "" {
		if dir, err = ModuleRoot(); err != nil {
			return nil, err
		}
	}
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	env := config.WithLocalDefaults(getenv)
	cfg, cerr := config.Load(env)
	local, lerr := config.LoadLocal(env)
	if err := errors.Join(cerr, lerr); err != nil {
		return nil, err
	}
	tpl := o.Template
	if tpl == nil {
		if tpl, err = ReadTemplate(dir); err != nil {
			return nil, err
		}
	}
	rt, err := newRouter(tpl.Functions)
	if err != nil {
		return nil, fmt.Errorf("template.yaml: %w", err)
	}
	envFile := o.EnvFile
	if envFile == "" {
		envFile = filepath.Join(dir, "events", "env.json")
	}
	file, err := ReadEnvFile(envFile)
	if err != nil {
		return nil, err
	}
	concurrency := o.Concurrency
	if concurrency == 0 {
		concurrency = 2
		if v := getenv("LAMBDA_CONCURRENCY"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 16 {
				return nil, fmt.Errorf("LAMBDA_CONCURRENCY=%q is invalid: want an integer from 1 to 16", v)
			}
			concurrency = n
		}
	}
	logw := o.Log
	if logw == nil {
		logw = io.Discard
	}
	s := &Stack{
		Template: tpl, Local: local, Concurrency: concurrency,
		log: logw, router: rt, pools: map[string]*pool{}, served: make(chan error, 2), closing: make(chan struct{}),
		gw: gateway{accountID: pseudoParameters["AWS::AccountId"], apiID: apiIDAt(time.Now())},
	}
	if s.bodyTimeout = o.BodyTimeout; s.bodyTimeout <= 0 {
		s.bodyTimeout = DefaultBodyTimeout
	}
	s.bg, s.stopBg = context.WithCancel(context.Background())
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
	s.ln = CloseOnce(ln)
	ln = s.ln
	// Until Serve runs, a failed start-up must close the listener itself.
	listening := ln
	defer func() {
		if err != nil && listening != nil {
			listening.Close()
		}
	}()
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	s.URL = "http://" + net.JoinHostPort(host, port)
	s.srv = newHTTPServer(s)
	if cfg.JWKSURL == "" {
		// The functions will fetch the development issuer's keys at s.URL
		// and check JWKS_URL at start-up as in Lambda (config.Load): over
		// plain http, only from a loopback host. Anywhere else each would
		// exit at its first invocation, every request API Gateway's 500.
		jwks := s.URL + devtoken.JWKSPath
		if _, err := config.Load(func(k string) string {
			if k == "JWKS_URL" {
				return jwks
			}
			return env(k)
		}); err != nil {
			return nil, fmt.Errorf("%w: HOST=%s, and the functions refuse the development issuer's keys at %s (%v); listen on a loopback address, or on every interface (HOST=0.0.0.0 or ::, loopback included), or set JWKS_URL", ErrIssuerNotLoopback, local.Host, jwks, err)
		}
	}

	if cfg.DynamoDBEndpoint == "" {
		s.notice("starting DynamoDB Local")
		// Progress: a download (the first run's, about 50 MB) says where
		// it comes from and where it went, as make run's does; a run that
		// finds the engine installed says nothing of downloads.
		progress := &prefixWriter{mu: &s.logMu, w: logw, prefix: "start-api  "}
		if s.engine, err = dynamolocal.Start(ctx, dynamolocal.Options{Progress: progress}); err != nil {
			return nil, err
		}
		engineStarted(s.engine)
		cfg.DynamoDBEndpoint = s.engine.Endpoint
	}
	if s.Issuer, err = devtoken.Configure(&cfg, s.URL); err != nil {
		return nil, err
	}
	if s.Issuer != nil {
		// As make run serves them: the service's headers and error shapes.
		// The stack writes its own access log line, so the middleware's is
		// discarded.
		s.issuer = httpapi.Middleware(slog.New(slog.DiscardHandler), func(*http.Request) string { return "" }, httpapi.NewRouter(s.Issuer.Routes()...))
	}
	if err := cfg.RequireJWT(); err != nil {
		return nil, err
	}
	s.Config, s.TableName, s.DynamoDBEndpoint = cfg, cfg.TableName, cfg.DynamoDBEndpoint
	a, err := app.New(ctx, cfg, app.Options{Log: io.Discard})
	if err != nil {
		return nil, err
	}
	tctx, cancel := context.WithTimeout(ctx, time.Minute)
	err = a.Store.CreateTable(tctx)
	cancel()
	if err != nil {
		if s.engine == nil {
			// The engine is the user's: say which setting named it, in
			// make run's words (localserver.Start).
			return nil, fmt.Errorf("%w (is DynamoDB Local running at DYNAMODB_ENDPOINT=%s? unset DYNAMODB_ENDPOINT to have one started)", err, config.ShownURL(cfg.DynamoDBEndpoint))
		}
		return nil, err
	}

	bootstraps := o.Bootstraps
	if bootstraps == "" {
		bootstraps = o.BuildDir
		if bootstraps != "" && !filepath.IsAbs(bootstraps) {
			bootstraps = filepath.Join(dir, bootstraps)
		}
		if bootstraps == "" {
			if s.tmpDir, err = os.MkdirTemp("", "start-api-"); err != nil {
				return nil, err
			}
			bootstraps = s.tmpDir
		}
		var pkgs []string
		for _, fn := range tpl.Functions {
			if !slices.Contains(pkgs, fn.Package) {
				pkgs = append(pkgs, fn.Package)
			}
		}
		if err := os.MkdirAll(bootstraps, 0o755); err != nil {
			return nil, err
		}
		s.notice("%s", buildNotice(bootstraps, pkgs))
		if err := Build(ctx, dir, bootstraps, pkgs); err != nil {
			return nil, err
		}
	}
	rie := o.Emulator
	if rie == "" {
		if rie, err = FindEmulator(ctx, dir); err != nil {
			return nil, err
		}
		if s.rieDir, rie, s.rieLock, err = runEmulatorCopy(rie); err != nil {
			return nil, err
		}
	}

	// What the functions must be told of the stack: make run's variables,
	// as given or as the stack made them.
	stack := map[string]string{
		"TABLE_NAME": cfg.TableName, "DYNAMODB_ENDPOINT": cfg.DynamoDBEndpoint,
		"JWKS_URL": cfg.JWKSURL, "JWT_ISSUER": cfg.JWTIssuer, "JWT_AUDIENCE": cfg.JWTAudience,
	}
	for _, k := range []string{"SESSION_EXPIRY", "RESULT_RETENTION"} {
		if v := getenv(k); v != "" {
			stack[k] = v
		}
	}
	shell := o.shell()
	for _, fn := range tpl.Functions {
		bootstrap, err := filepath.Abs(filepath.Join(bootstraps, fn.Name))
		if err != nil {
			return nil, err
		}
		if _, err := os.Stat(bootstrap); err != nil {
			return nil, fmt.Errorf("%s: no bootstrap: %w", fn.LogicalID, err)
		}
		in := EnvInput{Shell: shell, File: file, Stack: stack, Dir: emulatorDir(bootstrap)}
		fenv, ignored := tpl.Environment(fn, in)
		if fl := tpl.FileLifecycle(fn, in); len(fl) > 0 {
			if s.FileLifecycle == nil {
				s.FileLifecycle = map[string]map[string]string{}
			}
			s.FileLifecycle[fn.LogicalID] = fl
		}
		if bad := tpl.StartFailure(fn, in); len(bad) > 0 {
			if s.StartFailures == nil {
				s.StartFailures = map[string][]string{}
			}
			s.StartFailures[fn.LogicalID] = bad
		}
		for _, k := range ignored {
			s.notice("%s sets %s, which template.yaml does not declare for %s: ignored, as SAM CLI ignores it", filepath.Base(envFile), k, fn.LogicalID)
		}
		s.pools[fn.LogicalID] = instancePool(fn, concurrency, rie, bootstrap, fenv, &s.logMu, logw)
	}

	listening = nil
	go func() { s.served <- s.srv.Serve(ln) }()
	if s.engine != nil {
		// An engine that exits while the stack serves (its heap run out,
		// killed) ends the serving: every function's call to it would be
		// a 503 after the SDK's retries, with nothing said.
		go s.engine.ReportExit(s.closing, s.served)
	}
	s.Every = map[Schedule]time.Duration{}
	for _, fn := range tpl.Functions {
		for _, sch := range fn.Schedules {
			set := getenv("SWEEP_INTERVAL") != ""
			interval, isRate := scheduleEvery(sch, local.SweepInterval, set)
			if !isRate && !set {
				s.notice("%s: schedule %q is not a rate(); invoking it every %s", fn.LogicalID, sch.Expression, interval)
			}
			s.Every[sch] = interval
			s.bgWG.Add(1)
			go s.schedule(fn, sch, interval)
		}
	}
	return s, nil
}

// engineStarted is called with the engine Start started, once it answers
// and before the stack uses it: a test's hook (it kills the engine there).
var engineStarted = func(*dynamolocal.Engine) {}

// newHTTPServer is the server Start serves h with. Its head's bound is
// the 10 s make run gives a head (README's 408 row: "the 10 s their
// ReadHeaderTimeout gives the head"). MaxHeaderBytes is Go's default (1
// MiB), well above API Gateway's quota, which ServeHTTP applies exactly
// (httpapi.MaxGatewayHead): Go's limit counts names and line ends too, and
// reads 4096 bytes past it. As make run's server, it leaves `OPTIONS *`
// to the handler (DisableGeneralOptionsHandler): a path no route matches.
func newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: http.DefaultMaxHeaderBytes, DisableGeneralOptionsHandler: true}
}

// Close stops the API, every emulator and function, and DynamoDB Local if
// the stack started it. It waits for them to exit. Safe to call twice.
func (s *Stack) Close() error {
	s.once.Do(func() {
		close(s.closing) // before the engine's Stop: no exit to report
		var errs []error
		s.stopBg()
		if s.srv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			err := s.srv.Shutdown(ctx)
			if err != nil && !errors.Is(err, http.ErrServerClosed) {
				errs = append(errs, err)
				_ = s.srv.Close()
			}
			cancel()
			// Shutdown reports the listener's close only if Serve had it
			// (OnceClosed): its failure is the stop's either way, once.
			if lerr := s.ln.Close(); lerr != nil && !errors.Is(err, lerr) {
				errs = append(errs, lerr)
			}
		}
		var wg sync.WaitGroup
		for _, p := range s.pools {
			wg.Add(1)
			go func() { defer wg.Done(); p.close() }()
		}
		wg.Wait()
		s.bgWG.Wait()
		if s.engine != nil {
			s.engine.Stop()
		}
		if s.tmpDir != "" {
			errs = append(errs, os.RemoveAll(s.tmpDir))
		}
		if s.rieDir != "" {
			errs = append(errs, os.RemoveAll(s.rieDir), s.rieLock.Close())
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// Served returns the server's error if it stopped serving on its own, or
// dynamolocal.ErrEngineExited once the engine the stack started exits
// while it serves.
func (s *Stack) Served() <-chan error { return s.served }

// InvokeSchedule invokes logicalID with its schedule's event now, as
// EventBridge Scheduler does, and waits for the outcome.
func (s *Stack) InvokeSchedule(ctx context.Context, logicalID string) error {
	p, ok := s.pools[logicalID]
	if !ok || len(p.fn.Schedules) == 0 {
		return fmt.Errorf("%s has no schedule", logicalID)
	}
	inv, err := p.invoke(ctx, []byte(p.fn.Schedules[0].Input), traceID(time.Now()))
	if err != nil {
		return err
	}
	if inv.failure != "" {
		return fmt.Errorf("%s: %s", logicalID, inv.failure)
	}
	return nil
}

// schedule invokes fn with sch's event every interval, asynchronously as
// EventBridge Scheduler invokes a Lambda target: a run still going does
// not delay the next.
func (s *Stack) schedule(fn *Function, sch Schedule, interval time.Duration) {
	defer s.bgWG.Done()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-s.bg.Done():
			return
		case <-t.C:
			s.bgWG.Add(1)
			go func() {
				defer s.bgWG.Done()
				inv, err := s.pools[fn.LogicalID].invoke(s.bg, []byte(sch.Input), traceID(time.Now()))
				switch {
				case errors.Is(err, errPoolClosed), errors.Is(err, context.Canceled):
				case err != nil:
					s.notice("%s: scheduled invocation: %v", fn.LogicalID, err)
				case inv.failure != "":
					s.notice("%s: scheduled invocation failed: %s", fn.LogicalID, inv.failure)
				}
			}()
		}
	}
}

// apiIDAt is the API id a stack started at now gives itself: "local" and
// a number under 100,000 in base 36, four digits (zeros in front), so that
// every stack's id, and every event's length, is that of EventSize's (as
// on AWS, where every API id has ten characters): make run then refuses an
// event over Lambda's quota at the byte make start-api does.
func apiIDAt(now time.Time) string {
	id := strconv.FormatInt(now.UnixMilli()%100000, 36)
	return "local" + strings.Repeat("0", 4-len(id)) + id
}

// scheduleEvery is how often the stack invokes sch: every sweepInterval
// (config.Local's SweepInterval) when SWEEP_INTERVAL is set, else at its
// rate(), else, for an expression that is not a rate(), every
// sweepInterval (SWEEP_INTERVAL's default). isRate says whether sch is a
// rate().
func scheduleEvery(sch Schedule, sweepInterval time.Duration, set bool) (every time.Duration, isRate bool) {
	rate, isRate := parseRate(sch.Expression)
	if set || !isRate {
		return sweepInterval, isRate
	}
	return rate, true
}

var rateExpr = regexp.MustCompile(`^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$`)

// parseRate reads an EventBridge rate() expression, whose interval must
// be within time.Duration's range: a larger one would wrap to a negative
// interval, which a ticker panics on. (Either unit form is read for any
// value: EventBridge's rules refuse rate(1 minutes) and rate(5 minute),
// but EventBridge Scheduler, which runs the template's ScheduleV2, states
// no such rule.)
func parseRate(expr string) (time.Duration, bool) {
	m := rateExpr.FindStringSubmatch(expr)
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n < 1 {
		return 0, false
	}
	unit := map[string]time.Duration{"minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour}[strings.TrimSuffix(m[2], "s")]
	if n > int(math.MaxInt64/int64(unit)) {
		return 0, false
	}
	return time.Duration(n) * unit, true
}

// ServeHTTP is API Gateway's HTTP API in front of the functions (payload
// format 2.0, the $default stage). The development issuer's two paths, when
// the stack serves it, come first; they exist only locally.
func (s *Stack) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	requestID := newRequestID()
	w.Header().Set("Apigw-Requestid", requestID)
	rec := &accessRecord{requestID: requestID, start: start, r: r}
	rw := &countingWriter{ResponseWriter: w}
	defer func() { s.logAccess(rec, rw) }()

	// A head over HTTP APIs' quota is refused first, before the body is
	// read: API Gateway has not read the body when it counts the head.
	if httpapi.GatewayHeadSize(r) > httpapi.MaxGatewayHead {
		rec.errorMessage = gatewayHeaderTooLarge.message
		gatewayHeaderTooLarge.write(rw)
		return
	}
	// A Content-Length over HTTP APIs' payload quota is over it before a
	// byte of the body arrives: answered at once, as make run answers it,
	// without waiting for (or buffering) a body that is refused whatever
	// it holds.
	if r.ContentLength > maxRequestBody {
		rec.errorMessage = gatewayTooLarge.message
		gatewayTooLarge.write(rw)
		return
	}
	// The body is read first, as API Gateway buffers it before it routes
	// the request (ReadBody, as make run reads it): one it cannot read is
	// its own 400 on every path, the development issuer's too (reached as
	// the service's routes are); one not in within the body's bound is
	// 408, the connection closed (the rest may still come).
	n, body, err := ReadBody(w, r, s.bodyTimeout)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		rw.Header().Set("Connection", "close")
		rec.errorMessage = gatewayRequestTimeout.message
		gatewayRequestTimeout.write(rw)
		return
	}
	if err != nil {
		rec.errorMessage = gatewayBadRequest.message
		gatewayBadRequest.write(rw)
		return
	}
	if n > maxRequestBody {
		rec.errorMessage = gatewayTooLarge.message
		gatewayTooLarge.write(rw)
		return
	}
	if s.issuer != nil {
		if ir, ok := issuerRequest(r); ok {
			s.issuer.ServeHTTP(rw, ir)
			return
		}
	}
	routed, _, ok := httpapi.GatewayPath(r.URL.EscapedPath())
	if !ok {
		rec.errorMessage = gatewayBadRequest.message
		gatewayBadRequest.write(rw)
		return
	}
	rt, params := s.router.match(r.Method, routed)
	if rt == nil {
		rec.errorMessage = gatewayNotFound.message
		gatewayNotFound.write(rw)
		return
	}
	rec.routeKey = rt.key.String()
	ev := s.gw.newEvent(r, body, rt, params, requestID, start)
	payload, err := json.Marshal(ev)
	if err != nil || len(payload) > maxInvokePayload {
		rec.errorMessage = gatewayTooLarge.message
		gatewayTooLarge.write(rw)
		return
	}
	// The client's leaving ends neither the wait for an instance nor the
	// invocation: API Gateway has the whole request and invokes the
	// function whatever the client does next (a create lands, and its
	// retry with the Idempotency-Key is the replay), and its 503 is the
	// 30 s integration timeout's alone. Bound by r.Context(), a client
	// that left was logged 503 "integration timeout" at once, and one
	// that left while waiting for a busy instance was never invoked.
	// The route's own TimeoutInMillis when its event sets one.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), min(integrationTimeout, rt.fn.integrationTimeout(rt.key)))
	defer cancel()
	istart := time.Now()
	inv, err := s.pools[rt.fn.LogicalID].invoke(ctx, payload, ev.Headers["x-amzn-trace-id"])
	rec.integrationLatency = time.Since(istart)
	rec.integrated = true
	switch {
	case err != nil && ctx.Err() != nil:
		rec.errorMessage, rec.integrationError = gatewayUnavailable.message, "integration timeout"
		gatewayUnavailable.write(rw)
		return
	case err != nil:
		s.notice("%s: %v", rt.fn.LogicalID, err)
		rec.errorMessage, rec.integrationError = gatewayInternal.message, err.Error()
		gatewayInternal.write(rw)
		return
	case inv.failure != "":
		s.notice("%s: request %s: %s", rt.fn.LogicalID, requestID, inv.failure)
		rec.errorMessage, rec.integrationError = gatewayInternal.message, inv.failure
		gatewayInternal.write(rw)
		return
	}
	res, err := parseResponse(inv.payload)
	if err != nil {
		s.notice("%s: request %s: %v", rt.fn.LogicalID, requestID, err)
		rec.errorMessage, rec.integrationError = gatewayInternal.message, err.Error()
		gatewayInternal.write(rw)
		return
	}
	rec.integrationStatus = res.status
	res.write(rw)
}

// issuerRequest reports whether r is for one of the development issuer's
// paths, and returns it as make run's server hands it to the same routes:
// read as the functions' requests are, the path decoded as an HTTP API
// delivers it (httpapi.GatewayPath: a %2F a separator, a %3F the end of the
// path) and the method upper-cased as the api-proxy adapter does. Matching
// Go's single decoding instead sent "/local%2Ftoken" to an issuer router
// that matched nothing (404, where make run answers), and a lower-case
// "get" was 405 here and 200 there.
func issuerRequest(r *http.Request) (*http.Request, bool) {
	routed, raw, ok := httpapi.GatewayPath(r.URL.EscapedPath())
	if !ok || routed != raw || (raw != devtoken.JWKSPath && raw != devtoken.TokenPath) {
		return nil, false
	}
	if r.URL.RawPath == "" && r.URL.Path == raw && r.Method == strings.ToUpper(r.Method) {
		return r, true
	}
	r = r.Clone(r.Context())
	r.URL.Path, r.URL.RawPath = raw, ""
	r.Method = strings.ToUpper(r.Method)
	return r, true
}

// notice writes one of start-api's own lines to the log.
func (s *Stack) notice(format string, args ...any) {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	fmt.Fprintf(s.log, "start-api  "+format+"\n", args...)
}

// instancePool is fn's pool of up to size emulators of rie running
// bootstrap under env, their output written to log under mu, each line
// prefixed with fn's logical id. Each emulator has its own line buffer:
// one shared by a function's instances joined a piece of one instance's
// line to another's (TestEachInstanceLogsWholeLines).
func instancePool(fn *Function, size int, rie, bootstrap string, env map[string]string, mu *sync.Mutex, log io.Writer) *pool {
	return newPool(fn, size, func(ctx context.Context) (*instance, error) {
		out := &prefixWriter{mu: mu, w: log, prefix: fn.LogicalID + "  "}
		return startInstance(ctx, rie, bootstrap, fn, env, out)
	})
}

// prefixWriter writes whole lines, each prefixed, under a lock shared by
// every writer of one log.
type prefixWriter struct {
	mu     *sync.Mutex
	w      io.Writer
	prefix string
	buf    []byte // the start of a line not yet ended
	line   []byte // the prefixed line being written, reused
}

// Write writes each line b ends, the piece held before it included, as one
// Write of its own to p.w, and holds what follows the last line break. Its
// work is linear in b: under the lock every function's lines and the
// access log share, a search that copied what was left for each line cost
// the square of a pipe's read (TestPrefixWriterWorkIsLinear).
func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for rest := b; ; {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			p.buf = append(p.buf, rest...)
			break
		}
		p.line = append(append(append(p.line[:0], p.prefix...), p.buf...), rest[:i+1]...)
		p.buf = p.buf[:0]
		_, _ = p.w.Write(p.line)
		rest = rest[i+1:]
	}
	return len(b), nil
}

// Flush writes what is left of a line cut off by its writer's end, as a
// line of its own.
func (p *prefixWriter) Flush() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.buf) > 0 {
		_, _ = io.WriteString(p.w, p.prefix+string(p.buf)+"\n")
		p.buf = nil
	}
}
