package samlocal

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

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
	bins, rie := testBootstraps(t)
	vars := map[string]string{"TABLE_NAME": "engine-exit"}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	s, err := Start(ctx, Options{
		Dir: testStack, Getenv: func(k string) string { return vars[k] }, Bootstraps: bins, Emulator: rie,
		Concurrency: 1, Log: io.Discard, Listener: ln,
	})
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
