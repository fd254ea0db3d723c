package dynamolocal_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/dynamolocal"
)

// TestJavaThatDoesNotAnswerIsBroken: README's Troubleshooting: "`java too
// old: ...` (or `... does not run`): the first `java` on `PATH` is older
// than 17, or broken". A java that never answers `java -version` (a wrapper
// waiting on something) is broken: make run said, after a minute of
// silence, only `dynamolocal: /…/java -version: context deadline
// exceeded`, naming neither Java's requirement nor what to do. It is
// ErrJavaTooOld ("does not run") once the wait ends; a Ctrl-C during that
// wait (the caller's context) stays the caller's, not a verdict on Java.
//
// A wrapper that runs its command as a child, without exec, as a shell
// script does, left that child holding java -version's output once the
// wrapper was killed: Start waited for the child to end by itself (30 s
// with a bound of 300 ms, or a Ctrl-C at 300 ms; forever for a child that
// waits forever), so the message never came and a Ctrl-C did not stop
// make run (r96-review). The whole of java -version is stopped at the
// bound, and no process of it is left.
func TestJavaThatDoesNotAnswerIsBroken(t *testing.T) {
	const (
		execs   = "#!/bin/sh\nexec sleep 30\n"
		forks   = "#!/bin/sh\nsleep 30 &\necho $! > \"$0.pid\"\nwait\n"
		bound   = 300 * time.Millisecond
		noBound = time.Minute
	)
	for _, tc := range []struct {
		name        string
		script      string        // the java on PATH
		timeout     time.Duration // checkJava's bound
		cancelAfter time.Duration // when the caller's context ends; 0: never
		wantBroken  bool
		wantCtx     error
	}{
		{"java -version never answers", execs, bound, 0, true, nil},
		{"the caller stops while java -version runs", execs, noBound, bound, false, context.Canceled},
		{"a wrapper's child never answers", forks, bound, 0, true, nil},
		{"the caller stops while a wrapper's child runs", forks, noBound, bound, false, context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bin := t.TempDir()
			java := filepath.Join(bin, "java")
			if err := os.WriteFile(java, []byte(tc.script), 0o755); err != nil {
				t.Fatal(err)
			}
			t.Setenv("PATH", bin+string(os.PathListSeparator)+"/usr/bin:/bin")
			reg := httptest.NewServer(http.NotFoundHandler())
			defer reg.Close()
			t.Setenv("npm_config_registry", reg.URL)
			restore := dynamolocal.SetJavaVersionTimeout(tc.timeout)
			defer restore()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.cancelAfter > 0 {
				time.AfterFunc(tc.cancelAfter, cancel)
			}
			start := time.Now()
			e, err := dynamolocal.Start(ctx, dynamolocal.Options{Dir: t.TempDir()})
			if err == nil {
				e.Stop()
				t.Fatal("Start() = an engine; want an error")
			}
			if took := time.Since(start); took > 10*time.Second {
				t.Errorf("Start() took %v; want it to give up on java -version at its bound", took)
			}
			if pid, err := os.ReadFile(java + ".pid"); err == nil {
				if alive := processLives(strings.TrimSpace(string(pid)), 5*time.Second); alive {
					t.Errorf("java -version's child %s still runs after Start() returned; want it stopped", pid)
				}
			}
			if got := errors.Is(err, dynamolocal.ErrJavaTooOld); got != tc.wantBroken {
				t.Errorf("Start() = %v: ErrJavaTooOld %v; want %v", err, got, tc.wantBroken)
			}
			if tc.wantCtx != nil && !errors.Is(err, tc.wantCtx) {
				t.Errorf("Start() = %v; want %v", err, tc.wantCtx)
			}
		})
	}
}

// processLives reports whether process pid still runs (not a zombie)
// after waiting up to wait for it to end.
func processLives(pid string, wait time.Duration) bool {
	n, err := strconv.Atoi(pid)
	if err != nil {
		return false
	}
	for deadline := time.Now().Add(wait); ; time.Sleep(50 * time.Millisecond) {
		stat, err := os.ReadFile("/proc/" + pid + "/stat")
		gone := errors.Is(syscall.Kill(n, 0), syscall.ESRCH) || (err == nil && strings.Contains(string(stat), ") Z "))
		if gone || time.Now().After(deadline) {
			return !gone
		}
	}
}
