// Command startapi is `make start-api`: the template's API as `sam local
// start-api` runs it, without Docker. Every function of template.yaml is
// built for this machine and runs as its real bootstrap under the Lambda
// Runtime Interface Emulator, behind an emulation of API Gateway's HTTP API
// (package samlocal). It takes make run's variables (PORT, HOST, JWKS_URL,
// JWT_ISSUER, JWT_AUDIENCE, SESSION_EXPIRY, RESULT_RETENTION,
// SWEEP_INTERVAL, DYNAMODB_ENDPOINT, TABLE_NAME), plus LAMBDA_CONCURRENCY
// (instances per function, default 2). Ctrl-C (or SIGTERM, or SIGHUP: a
// closed terminal, unless nohup started it) stops every process it started.
//
// To drive it from a test as a subprocess: set PORT, TABLE_NAME and
// DYNAMODB_ENDPOINT (so the URL, table and engine are known), wait until
// GET /local/token answers 200 (it mints the tokens too), and stop it with
// SIGINT; in-process, use samlocal.Start.
package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/paysessions/paysessions/shared/config"
	"github.com/paysessions/paysessions/shared/dynamolocal"
	"github.com/paysessions/paysessions/shared/samlocal"
)

func main() {
	// SIGHUP is a closed terminal: a stop like Ctrl-C, so that go build's
	// compilers, the emulators and DynamoDB Local are stopped in order, not
	// orphaned or killed with start-api (unless nohup started it:
	// dynamolocal.StopSignals).
	ctx, stop := signal.NotifyContext(context.Background(), dynamolocal.StopSignals()...)
	defer stop()
	// `make start-api | tee log` stopped by Ctrl-C or a closed terminal: tee
	// ends too, and a write to stdout or stderr would kill start-api (Go's
	// default for a broken pipe on fd 1 or 2) before it stopped what it
	// started. Ignored, such writes fail (EPIPE) and the stop carries on.
	signal.Ignore(syscall.SIGPIPE)
	// The bootstraps go under bin/ (make clean removes it), not a temporary
	// directory a killed start-api could not remove.
	o := samlocal.Options{Log: os.Stderr, BuildDir: filepath.Join("bin", "start-api")}
	if err := run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "start-api:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends, then stops the stack.
//
// ctx ending (Ctrl-C, SIGTERM, SIGHUP) is the user's stop at any moment, as for
// make run (cmd/localapi): during start-up too, whatever error start-up
// then met (its calls canceled, a go build or make the same Ctrl-C
// interrupted), run returns nil once Start has stopped what it started, so
// the command exits 0 saying nothing. Under make, which prints "Error N"
// for a recipe that exits N, that is the quiet stop a user expects: make,
// sent the same Ctrl-C, is itself killed by SIGINT, so the shell still sees
// the interrupt's status (130).
func run(ctx context.Context, o samlocal.Options, out io.Writer) error {
	fmt.Fprintln(out, "Starting: building the functions, starting DynamoDB Local if needed...")
	s, err := samlocal.Start(ctx, o)
	if err != nil {
		if ctx.Err() != nil {
			return nil // stopped during start-up; Start closed what it had started
		}
		return err
	}
	banner(out, s)
	select {
	case <-ctx.Done():
	case err = <-s.Served():
	}
	fmt.Fprintln(out, "Stopping every function, emulator and engine...")
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	return err
}

// banner writes the start-up banner in one Write: the stack already
// serves, and its log lines go to the same terminal, where one written
// between two of the banner's lines split it.
func banner(w io.Writer, s *samlocal.Stack) {
	out := new(bytes.Buffer)
	defer func() { _, _ = w.Write(out.Bytes()) }()
	fmt.Fprintf(out, "\npaysessions API (template.yaml, %d functions under aws-lambda-rie, up to %d instances each) on %s\n", len(s.Template.Functions), s.Concurrency, s.URL)
	for _, fn := range s.Template.Functions {
		var routes, anys []string
		for _, r := range fn.Routes {
			if r.Method == "ANY" {
				anys = append(anys, r.String())
			} else {
				routes = append(routes, r.String())
			}
		}
		routes = append(routes, anys...)
		for _, sch := range fn.Schedules {
			// How often it runs here: SWEEP_INTERVAL, when set, over the
			// template's rate().
			line := "schedule " + sch.Expression
			if every, ok := s.Every[sch]; ok {
				if rate, isRate := sch.Rate(); !isRate || rate != every {
					line += fmt.Sprintf(", invoked every %s here (SWEEP_INTERVAL)", every)
				}
			}
			routes = append(routes, line)
		}
		fmt.Fprintf(out, "  %-26s %s\n", fn.LogicalID, strings.Join(routes, ", "))
	}
	// URL settings as every log line shows them (config.ShownURL): the
	// banner goes where the logs go, and a URL may carry a secret.
	fmt.Fprintf(out, "  DynamoDB:   %s (table %s)\n", config.ShownURL(s.DynamoDBEndpoint), s.TableName)
	fmt.Fprintf(out, "  lifecycle:  open sessions expire after %s; results kept %s; writes refused %s before each end (WRITE_GUARD)\n", s.Config.SessionExpiry, s.Config.ResultRetention, s.Config.WriteGuard)
	if line := fileLifecycle(s); line != "" {
		fmt.Fprintf(out, "  env.json:   the functions named run with events/env.json's %s\n", line)
	}
	if line := startFailures(s); line != "" {
		fmt.Fprintf(out, "  NOT STARTING: %s: each request to such a function is answered 500 and logs \"start-up failed\" naming the setting, as on Lambda\n", line)
	}
	if s.Issuer != nil {
		fmt.Fprintf(out, "  auth:       development issuer %s (JWKS %s)\n\n", s.Config.JWTIssuer, s.Config.JWKSURL)
		fmt.Fprintf(out, "Try it:\n")
		fmt.Fprintf(out, "  TOKEN=$(curl -s '%s/local/token?merchant_id=merchant-1')\n", s.URL)
		fmt.Fprintf(out, "  curl -s -X POST '%s/sessions' -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' -d '{\"amount\":8800,\"currency\":\"ZAR\",\"orderId\":\"order-1\"}'\n", s.URL)
		fmt.Fprintf(out, "  make smoke API_URL='%s'\n\n", s.URL)
	} else {
		fmt.Fprintf(out, "  auth:       JWKS %s, issuer %s, audience %s\n\n", config.ShownURL(s.Config.JWKSURL), s.Config.JWTIssuer, s.Config.JWTAudience)
	}
	fmt.Fprintln(out, "Logs (functions, emulators, access log) on standard error. Press Ctrl-C to stop.")
}

// startFailures names the functions whose start-up refuses a setting in
// the environment they run with (Stack.StartFailures), grouped by the
// settings refused ("GetSessionFunction refuses WRITE_GUARD"), or "" when
// every function starts: events/env.json can give a function a value the
// stack's own settings never see, and the banner listed it as the one the
// function runs with while every request to it was a 500 (r100-fresh).
func startFailures(s *samlocal.Stack) string {
	byNames := map[string][]string{}
	for fn, names := range s.StartFailures {
		k := strings.Join(names, ", ")
		byNames[k] = append(byNames[k], fn)
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(byNames)) {
		fns := slices.Sorted(slices.Values(byNames[k]))
		who := strings.Join(fns, ", ")
		if len(fns) == len(s.Template.Functions) {
			who = "every function"
		}
		parts = append(parts, fmt.Sprintf("%s refuses %s", who, k))
	}
	return strings.Join(parts, "; ")
}

// fileLifecycle names the lifecycle settings events/env.json gave
// functions over the stack's own (Stack.FileLifecycle), each value with
// the functions that run with it ("every function" when all do), or ""
// when it gave none: the lifecycle line is the stack's, and a function
// given another SESSION_EXPIRY by the file runs with that one. A function
// that will not start (Stack.StartFailures) runs with no value: the NOT
// STARTING line names it, and this one did as running with the very
// WRITE_GUARD its start-up refused (r102-seeds013).
func fileLifecycle(s *samlocal.Stack) string {
	var parts []string
	for _, k := range samlocal.LifecycleSettings {
		byValue := map[string][]string{}
		for fn, settings := range s.FileLifecycle {
			if _, fails := s.StartFailures[fn]; fails {
				continue
			}
			if v, ok := settings[k]; ok {
				byValue[v] = append(byValue[v], fn)
			}
		}
		for _, v := range slices.Sorted(maps.Keys(byValue)) {
			fns := slices.Sorted(slices.Values(byValue[v]))
			who := strings.Join(fns, ", ")
			if len(fns) == len(s.Template.Functions) {
				who = "every function"
			}
			parts = append(parts, fmt.Sprintf("%s=%s (%s)", k, v, who))
		}
	}
	return strings.Join(parts, ", ")
}
