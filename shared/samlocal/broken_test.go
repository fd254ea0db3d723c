package samlocal

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"sync/atomic"
	"testing"
	"time"
)

// TestAFailedEmulatorIsNotUsedAgain: an instance, like a Lambda instance,
// "resets it [the function] after a timeout or a crash" (instance's doc),
// and the emulator does that itself: after a function error, its own
// timeout answer ("Task timed out after", given just after the function's
// Timeout) or its 502 ("An init failure or a runtime that exited; the
// emulator resets it") the instance takes the next invocation. An emulator
// that does not answer, cuts its answer short or answers another status
// "can take no more invocations" (invocation.broken): it is stopped, and
// the next invocation starts a new instance. Each row's emulator is a fake
// endpoint over a process standing for the emulator.
func TestAFailedEmulatorIsNotUsedAgain(t *testing.T) {
	const timeout = time.Second
	hangUp := func(w http.ResponseWriter) {
		c, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			c.Close()
		}
	}
	for _, tt := range []struct {
		name   string
		first  func(w http.ResponseWriter) // the first invocation's answer
		starts int                         // instances started for two invocations
	}{
		{"a success", func(w http.ResponseWriter) { _, _ = w.Write([]byte(`{"statusCode":200}`)) }, 1},
		{"a function error", func(w http.ResponseWriter) {
			_, _ = w.Write([]byte(`{"errorMessage":"boom","errorType":"errorString"}`))
		}, 1},
		{"the emulator's timeout, just after the function's", func(w http.ResponseWriter) {
			time.Sleep(timeout + 300*time.Millisecond)
			_, _ = w.Write([]byte(`Task timed out after 1.00 seconds`))
		}, 1},
		{"the emulator's 502", func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte(`{"errorMessage":"exit status 2","errorType":"Runtime.ExitError"}`))
		}, 1},
		{"no answer", func(w http.ResponseWriter) { hangUp(w) }, 2},
		{"an answer cut short", func(w http.ResponseWriter) {
			w.Header().Set("Content-Length", "100")
			_, _ = w.Write([]byte(`{"statusCo`))
			http.NewResponseController(w).Flush()
			hangUp(w)
		}, 2},
		{"another status", func(w http.ResponseWriter) { w.WriteHeader(http.StatusInternalServerError) }, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var requests atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if requests.Add(1) == 1 {
					tt.first(w)
					return
				}
				_, _ = w.Write([]byte(`{"statusCode":200}`))
			}))
			defer srv.Close()
			fn := &Function{LogicalID: "FakeFunction", Timeout: timeout}
			bootstrap := fakeBootstrap(t) // there: a 502 is the runtime's, not a bootstrap gone
			var starts atomic.Int32
			p := newPool(fn, 1, func(context.Context) (*instance, error) {
				starts.Add(1)
				cmd := exec.Command("sleep", "60")
				cmd.SysProcAttr = sysProcAttr()
				if err := cmd.Start(); err != nil {
					return nil, err
				}
				inst := &instance{fn: fn, bootstrap: bootstrap, cmd: cmd, invokeURL: srv.URL, client: &http.Client{}, done: make(chan struct{})}
				go func() { _ = cmd.Wait(); close(inst.done) }()
				return inst, nil
			})
			defer p.close()
			for i := range 2 {
				if _, err := p.invoke(context.Background(), []byte(`{}`), ""); err != nil {
					t.Fatalf("invocation %d: %v", i+1, err)
				}
			}
			if got := int(starts.Load()); got != tt.starts {
				t.Errorf("instances started for two invocations = %d; want %d", got, tt.starts)
			}
		})
	}
}
