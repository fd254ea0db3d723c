// Command localapi runs the whole API on one local HTTP server, the way
// `make run` starts it (package localserver): every endpoint through the
// same handlers the Lambdas run, DynamoDB Local (started and stopped here
// unless DYNAMODB_ENDPOINT points at an engine), the table created if
// missing, and the expiry sweeper on a timer (SWEEP_INTERVAL). Without
// JWKS_URL it acts as its own identity provider: it serves a development
// JWKS and mints tokens at GET /local/token (only on this server, never in
// a Lambda).
package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/paysessions/paysessions/shared/config"
	"github.com/paysessions/paysessions/shared/dynamolocal"
	"github.com/paysessions/paysessions/shared/localserver"
)

func main() {
	// SIGHUP is a closed terminal: a stop like Ctrl-C, so that DynamoDB
	// Local is stopped, not killed with the server (unless nohup started
	// it: dynamolocal.StopSignals).
	ctx, stop := signal.NotifyContext(context.Background(), dynamolocal.StopSignals()...)
	defer stop()
	// `make run | tee log` stopped by Ctrl-C or a closed terminal: tee ends
	// too, and a write to stdout or stderr would kill the server (Go's
	// default for a broken pipe on fd 1 or 2) before it stopped DynamoDB
	// Local. Ignored, such writes fail (EPIPE) and the stop carries on.
	signal.Ignore(syscall.SIGPIPE)
	stopProfile, err := startCPUProfile(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "localapi:", err)
		os.Exit(1)
	}
	defer stopProfile()
	if err := run(ctx, os.Getenv, nil, os.Stdout, os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "localapi:", err)
		stopProfile()
		os.Exit(1)
	}
}

// startCPUProfile starts the CPU profile of the whole run that
// LOCALAPI_CPUPROFILE names, if it names one, for `make bench`'s
// investigations (go tool pprof); stop writes it out. A file it cannot
// write stops start-up naming the variable, as every bad setting does.
func startCPUProfile(getenv func(string) string) (stop func(), err error) {
	path := getenv("LOCALAPI_CPUPROFILE")
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("LOCALAPI_CPUPROFILE=%q: cannot write the CPU profile there: %w", path, err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("LOCALAPI_CPUPROFILE=%q: %w", path, err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// run serves until ctx ends. ready, when set, receives the base URL once
// the server accepts requests. ln, when set, is where it serves instead of
// HOST:PORT: tests hand it a listener already open, so that no other
// test's server can take the port between choosing it and listening on it
// (main passes nil; PORT=0 stays refused).
//
// ctx ending (Ctrl-C, SIGTERM, SIGHUP) is the user's stop at any moment: during
// start-up too, whatever error start-up then met (its calls canceled,
// DynamoDB Local interrupted by the same Ctrl-C), run stops what it
// started and returns nil, so the command exits 0 saying nothing. Under
// `make run` that is the quiet stop a user expects: make prints "Error N"
// for a recipe that exits N (130 included) and "Interrupt" for one killed
// by the signal, nothing for 0, and make, sent the same Ctrl-C, is itself
// killed by SIGINT, so the shell still sees the interrupt's status (130).
func run(ctx context.Context, getenv func(string) string, ln net.Listener, out, logs io.Writer, ready chan<- string) error {
	s, err := localserver.Start(ctx, localserver.Options{Getenv: getenv, Out: out, Log: logs, Listener: ln})
	if err != nil {
		if ctx.Err() != nil {
			return nil // stopped during start-up; Start closed what it had started
		}
		return err
	}
	banner(out, s.URL, s.Config, s.Local, s.Issuer != nil)
	if ready != nil {
		ready <- s.URL
	}
	select {
	case err = <-s.Served():
	case <-ctx.Done():
		fmt.Fprintln(out, "Shutting down...")
	}
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	return err
}

// loopback reports whether host (config.Local.Host: localhost or an IP
// address) is reachable from this machine only.
func loopback(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || ip != nil && ip.IsLoopback()
}

// banner writes the start-up banner in one Write: the server already
// serves, and its request lines go to the same terminal (stderr beside
// stdout), where one written between two of the banner's lines split it.
func banner(w io.Writer, base string, cfg config.Config, local config.Local, dev bool) {
	out := new(bytes.Buffer)
	defer func() { _, _ = w.Write(out.Bytes()) }()
	fmt.Fprintf(out, "\npaysessions API listening on %s\n", base)
	// URL settings as every log line shows them (config.ShownURL): the
	// banner goes where the logs go, and a URL may carry a secret.
	fmt.Fprintf(out, "  DynamoDB:   %s (table %s)\n", config.ShownURL(cfg.DynamoDBEndpoint), cfg.TableName)
	fmt.Fprintf(out, "  lifecycle:  open sessions expire after %s; results kept %s; writes refused %s before each end (WRITE_GUARD); sweep every %s\n", cfg.SessionExpiry, cfg.ResultRetention, cfg.WriteGuard, local.SweepInterval)
	if dev {
		fmt.Fprintf(out, "  auth:       development issuer %s (JWKS %s)\n", cfg.JWTIssuer, cfg.JWKSURL)
		if !loopback(local.Host) {
			// HOST=0.0.0.0 is how SAM CLI's containers reach the
			// development JWKS (README, make start-api), and it also lets
			// anyone who can reach this machine mint a token for any
			// merchant.
			fmt.Fprintf(out, "  warning:    HOST=%s serves /local/token, which mints a token for any merchant, to every host that can reach this one; use it only on a trusted network\n", local.Host)
		}
		fmt.Fprintln(out)
		fmt.Fprintf(out, "Try it:\n")
		fmt.Fprintf(out, "  TOKEN=$(curl -s '%s/local/token?merchant_id=merchant-1')\n", base)
		fmt.Fprintf(out, "  curl -s -X POST '%s/sessions' -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' -d '{\"amount\":8800,\"currency\":\"ZAR\",\"orderId\":\"order-1\"}'\n", base)
		fmt.Fprintf(out, "  make smoke API_URL='%s'\n\n", base)
	} else {
		fmt.Fprintf(out, "  auth:       JWKS %s, issuer %s, audience %s\n\n", config.ShownURL(cfg.JWKSURL), cfg.JWTIssuer, cfg.JWTAudience)
	}
	fmt.Fprintln(out, "Press Ctrl-C to stop.")
}
