package dynamolocal_test

import (
	"os"
	"os/exec"
	"reflect"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/dynamolocal"
)

// TestStopSignalsOnlyALiveEngine: Stop signals the engine's process group,
// and a reaped engine's id may be another program's group by now (pid_max
// is 32768 on many machines): make run's Ctrl-C after its engine had died
// stopped a process that had been given the engine's id. An engine that
// has exited must be sent nothing; a live one is asked (SIGTERM).
func TestStopSignalsOnlyALiveEngine(t *testing.T) {
	for _, tc := range []struct {
		name   string
		script string
		exited bool // wait for the engine to exit before Stop
		want   []syscall.Signal
	}{
		{"a live engine is asked to stop", "exec sleep 60", false, []syscall.Signal{syscall.SIGTERM}},
		{"an engine that exited is sent nothing", "exit 0", true, nil},
		{"an engine that failed is sent nothing", "exit 3", true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var sent []syscall.Signal
			restore := dynamolocal.SetSendSignal(func(next func(*os.Process, syscall.Signal) error, p *os.Process, sig syscall.Signal) error {
				mu.Lock()
				sent = append(sent, sig)
				mu.Unlock()
				return next(p, sig)
			})
			defer restore()
			e := dynamolocal.EngineOf(t, exec.Command("sh", "-c", tc.script))
			if tc.exited {
				select {
				case <-e.Done():
				case <-time.After(30 * time.Second):
					t.Fatal("the engine runs on 30 s after it should have exited")
				}
			}
			e.Stop()
			mu.Lock()
			defer mu.Unlock()
			if !reflect.DeepEqual(sent, tc.want) {
				t.Errorf("Stop sent %v; want %v", sent, tc.want)
			}
		})
	}
}
