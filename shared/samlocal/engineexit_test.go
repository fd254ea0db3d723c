package samlocal

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/dynamolocal"
	"github.com/paysessions/paysessions/shared/stoptest"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestEngineExitStopsTheStack: make start-api starts DynamoDB Local for
// itself unless DYNAMODB_ENDPOINT names one. An engine that exited while
// the stack served (its heap run out, as with a small -Xmx in
// _JAVA_OPTIONS: dynamolocal's TestEngineWhoseHeapRunsOutExits; killed by
// hand) left every function's call to it a 503 after the SDK's retries,
// with nothing said. The stack now stops serving with the engine's exit
// (Served), as make run does (localserver's TestEngineExitStopsTheServer),
// and cmd/startapi prints it and exits 1.
func TestEngineExitStopsTheStack(t *testing.T) {
	storetest.RequireEngine(t)
	s, err := startWithOwnEngine(t, "engine-exit")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.engine == nil {
		t.Fatal("Start() without DYNAMODB_ENDPOINT started no engine; want one")
	}
	stoptest.CheckEngineExitEndsServing(t, s.engine.PID(), s.Served())
	if err := s.Close(); err != nil {
		t.Errorf("Close() after the engine exited = %v; want nil", err)
	}
}

// TestStackCloseIsNoEngineExit: the engine stopped by Close is no exit of
// its own: Served says nothing of it, as make run's server
// (localserver's TestCloseIsNoEngineExit). Every value Served gives is
// read: Serve's end comes first, and an exit reported would follow it.
func TestStackCloseIsNoEngineExit(t *testing.T) {
	storetest.RequireEngine(t)
	s, err := startWithOwnEngine(t, "engine-close")
	if err != nil {
		t.Fatal(err)
	}
	if s.engine == nil {
		s.Close()
		t.Fatal("Start() without DYNAMODB_ENDPOINT started no engine; want one")
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close() = %v; want nil", err)
	}
	stoptest.CheckCloseReportsNoEngineExit(t, s.Served())
}

// TestEngineExitDuringStartUpIsSaid: an engine that exits after it
// answered but before the stack serves failed make start-api with "create
// table payment-sessions: ... connection refused", README's words for a
// DYNAMODB_ENDPOINT that names no engine, as make run did
// (localserver's TestEngineExitDuringStartUpIsSaid). Start's error now
// carries the engine's exit (dynamolocal.ErrEngineExited).
func TestEngineExitDuringStartUpIsSaid(t *testing.T) {
	storetest.RequireEngine(t)
	defer func(f func(*dynamolocal.Engine)) { engineStarted = f }(engineStarted)
	engineStarted = stoptest.KillEngine(t)
	s, err := startWithOwnEngine(t, "engine-start")
	if err == nil {
		s.Close()
		t.Fatal("Start() with its engine killed = a stack; want an error")
	}
	if !errors.Is(err, dynamolocal.ErrEngineExited) {
		t.Errorf("Start() with its engine killed = %v; want ErrEngineExited", err)
	}
}

// startWithOwnEngine starts the test stack with its own DynamoDB Local (no
// DYNAMODB_ENDPOINT), its table named table.
func startWithOwnEngine(t *testing.T, table string) (*Stack, error) {
	t.Helper()
	bins, rie := testBootstraps(t)
	vars := map[string]string{"TABLE_NAME": table}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	return Start(ctx, Options{
		Dir: testStack, Getenv: func(k string) string { return vars[k] }, Bootstraps: bins, Emulator: rie,
		Concurrency: 1, Log: io.Discard, Listener: ln,
	})
}
