// Package storetest gives tests a real DynamoDB: DynamoDB Local, started once
// per test binary (or the one `make test` started, via DYNAMODB_ENDPOINT),
// and a fresh table per test; and Memory, an in-memory store with the
// store's semantics, for the tests of the handlers and the authenticator;
// and the tools of tests that act on a store: faults, interceptors, call
// counts, and a collector of what racing goroutines found wrong.
//
// Without an engine a test binary fails loudly, with one exception: under
// `go test -short` the tests that need DynamoDB are skipped and no engine
// starts, so the rest runs in seconds on a machine without Java. The skip
// never happens when CI is set: a CI run that passed -short by mistake
// still runs every test (or fails for want of an engine), never passes
// having skipped them.
package storetest

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/paysessions/paysessions/shared/dynamolocal"
	"github.com/paysessions/paysessions/shared/store"
)

// Main runs a test binary's tests with DynamoDB available: it uses
// DYNAMODB_ENDPOINT when set, else starts DynamoDB Local for the run and
// stops it after. Use it from TestMain: os.Exit(storetest.Main(m)).
//
// Under -short (and CI unset) it starts nothing: the tests that need
// DynamoDB skip themselves (RequireEngine), the others run.
func Main(m *testing.M) int {
	if !flag.Parsed() {
		flag.Parse() // testing.Short reads the flags
	}
	if os.Getenv("DYNAMODB_ENDPOINT") != "" || EngineSkipped() {
		return m.Run()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	e, err := dynamolocal.Start(ctx, dynamolocal.Options{})
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: these tests need DynamoDB Local and it could not start: %v\n"+
			"Run `make test` (it starts one engine for all packages) or set DYNAMODB_ENDPOINT.\n", err)
		return 1
	}
	defer e.Stop()
	os.Setenv("DYNAMODB_ENDPOINT", e.Endpoint)
	return m.Run()
}

// WaitingAtOnce lets n of the test binary's parallel tests (t.Parallel)
// run at once, where go test's default is GOMAXPROCS (2 on CI's and make
// test's machine), unless the command line set -parallel itself. For a
// package whose parallel tests mostly wait on real time (hung calls cut off
// by their deadlines, back-offs, a run's deadline), not on the CPU: two at a
// time, they ran one pair after another. Call it from TestMain, before Main.
func WaitingAtOnce(n int) {
	if !flag.Parsed() {
		flag.Parse()
	}
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		_ = flag.Set("test.parallel", strconv.Itoa(n))
	}
}

// EngineSkipped reports whether the tests that need DynamoDB are left out
// of this run: under -short, and never when CI is set (the environment
// variable every CI system sets), so CI cannot pass by skipping them.
func EngineSkipped() bool {
	return testing.Short() && os.Getenv("CI") == ""
}

// RequireEngine marks the calling test as one that needs DynamoDB Local (or
// what only it brings: the functions' bootstraps against a table, the local
// server, the start-api stack, Java): under -short it is skipped, and
// never when CI is set. Endpoint and Client call it; a test that needs the
// engine without them calls it first.
func RequireEngine(t testing.TB) {
	t.Helper()
	if EngineSkipped() {
		t.Skip("needs DynamoDB Local: skipped under -short (make test runs it)")
	}
}

// Endpoint returns the engine's URL; the test fails if there is none. Under
// -short the test is skipped (RequireEngine).
func Endpoint(t testing.TB) string {
	t.Helper()
	RequireEngine(t)
	ep := os.Getenv("DYNAMODB_ENDPOINT")
	if ep == "" {
		t.Fatal("DYNAMODB_ENDPOINT is not set: call storetest.Main from TestMain")
	}
	return ep
}

// AttemptTimeout is the cut-off of each attempt of a Client built on the
// store's own HTTP client (o.HTTPClient nil), where the service's is 3 s:
// a test waits for its engine's answer. DynamoDB Local on a loaded
// machine (load 25 on 2 cores, make test beside other work) answers
// seconds late, and a call whose five attempts were each cut off at 3 s
// failed a test's own setup ("BatchWriteItem, exceeded maximum number of
// attempts, 5 ... Client.Timeout exceeded while awaiting headers",
// r106-flakes10). It is a liveness bound only: a hung engine still fails
// the call. The tests of the 3 s cut-off itself build their client with
// store.NewClient.
const AttemptTimeout = 30 * time.Second

// Client returns a DynamoDB client for the test engine, its attempts cut
// off at AttemptTimeout unless o says otherwise. Under -short the test is
// skipped (RequireEngine).
func Client(t testing.TB, o store.ClientOptions) *dynamodb.Client {
	t.Helper()
	o.Endpoint = Endpoint(t)
	if o.HTTPClient == nil && o.AttemptTimeout == 0 {
		o.AttemptTimeout = AttemptTimeout
	}
	db, err := store.NewClient(context.Background(), o)
	if err != nil {
		t.Fatalf("NewClient() = %v", err)
	}
	return db
}

var tableSeq atomic.Int64

// NewTable creates a fresh, empty table for the calling test and deletes it
// when the test ends. It returns the table's name. TTL is off: DynamoDB
// Local deletes expired items within seconds (DynamoDB takes up to days),
// and a test's clock, not the engine's, must decide what has expired.
func NewTable(t testing.TB, db *dynamodb.Client) string {
	t.Helper()
	name := fmt.Sprintf("t%d-%d-%s", os.Getpid(), tableSeq.Add(1), sanitize(t.Name()))
	if len(name) > 200 {
		name = name[:200]
	}
	ctx := context.Background()
	if err := store.CreateTableWithoutTTL(ctx, db, name); err != nil {
		t.Fatalf("CreateTable(%s) = %v", name, err)
	}
	t.Cleanup(func() {
		_, _ = db.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(name)})
	})
	return name
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, s)
}

// Clock is a settable clock for tests, safe for concurrent use.
type Clock struct{ ns atomic.Int64 }

// NewClock returns a clock at t.
func NewClock(t time.Time) *Clock {
	c := &Clock{}
	c.Set(t)
	return c
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time { return time.Unix(0, c.ns.Load()).UTC() }

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) { c.ns.Store(t.UnixNano()) }

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// AdvanceTo moves the clock forward to t; a clock at or past t is left as
// it is, never moved back. For a clock many goroutines share, each waiting
// until one instant (a store.SettleWait): Advance by each wait asked,
// reckoned from a reading of the clock that another's move may since have
// passed, overshoots t, and a wait reckoned from an overshot reading is
// negative and moves it back, before where it started.
func (c *Clock) AdvanceTo(t time.Time) {
	to := t.UnixNano()
	for {
		cur := c.ns.Load()
		if cur >= to || c.ns.CompareAndSwap(cur, to) {
			return
		}
	}
}
