// Command smoke is `make smoke API_URL=… TOKEN=… PROC_TOKEN=…`: a short
// end-to-end check of a running API (package smoke). API_URL is the base
// URL: the ApiUrl output of make deploy, or make start-api's / make run's.
// TOKEN is a merchant's bearer token (merchant_id; scopes sessions:read
// sessions:write Payment.Read user apikeys:write), PROC_TOKEN a
// processor's (sessions:process); against make run or make start-api both
// may be left out and are minted at their GET /local/token. The tokens are
// read from the environment, never from the command line, and never
// printed.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/paysessions/paysessions/shared/smoke"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	base := os.Getenv("API_URL")
	if base == "" {
		fmt.Fprintln(os.Stderr, "smoke: set API_URL, e.g. make smoke API_URL=http://127.0.0.1:3000 (and TOKEN=… PROC_TOKEN=… for a deployed stack)")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	err := smoke.Run(ctx, smoke.Config{
		BaseURL: base, Token: os.Getenv("TOKEN"), ProcessorToken: os.Getenv("PROC_TOKEN"), Out: os.Stdout,
	})
	if err != nil {
		os.Exit(1)
	}
}
