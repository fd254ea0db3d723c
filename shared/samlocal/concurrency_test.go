package samlocal

import (
	"context"
	"fmt"
	"net"
	"os"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestLambdaConcurrencyIsOneToSixteen: README's Configuration:
// "`LAMBDA_CONCURRENCY` | `2` | `make start-api`: instances per function
// (1..16)". Both ends start a stack with that many instances a function;
// a value past either end is refused (each row otherwise as
// startTestStack starts a stack).
func TestLambdaConcurrencyIsOneToSixteen(t *testing.T) {
	for _, tt := range []struct {
		value string
		ok    bool
	}{
		{"0", false},
		{"17", false},
		{"1", true},
		{"16", true},
	} {
		t.Run(tt.value, func(t *testing.T) {
			if tt.ok {
				s, _ := startTestStack(t, 0, map[string]string{"LAMBDA_CONCURRENCY": tt.value})
				if got := s.Concurrency; got != map[string]int{"1": 1, "16": 16}[tt.value] {
					t.Errorf("LAMBDA_CONCURRENCY=%s: Concurrency = %d; want %s", tt.value, got, tt.value)
				}
				return
			}
			// Everything else as startTestStack starts a stack.
			bins, rie := testBootstraps(t)
			env := map[string]string{
				"LAMBDA_CONCURRENCY": tt.value,
				"DYNAMODB_ENDPOINT":  storetest.Endpoint(t),
				"TABLE_NAME":         fmt.Sprintf("samlocal-%d-%d", os.Getpid(), tableSeq.Add(1)),
			}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			s, err := Start(ctx, Options{Dir: testStack, Getenv: func(k string) string { return env[k] }, Bootstraps: bins, Emulator: rie, Listener: ln})
			if err == nil {
				s.Close()
				t.Fatalf("LAMBDA_CONCURRENCY=%s: Start() = a stack; want it refused", tt.value)
			}
		})
	}
}
