package dynamolocal_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
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
func TestJavaThatDoesNotAnswerIsBroken(t *testing.T) {
	for _, tc := range []struct {
		name        string
		timeout     time.Duration // checkJava's bound
		cancelAfter time.Duration // when the caller's context ends; 0: never
		wantBroken  bool
		wantCtx     error
	}{
		{"java -version never answers", 300 * time.Millisecond, 0, true, nil},
		{"the caller stops while java -version runs", time.Minute, 300 * time.Millisecond, false, context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bin := t.TempDir()
			if err := os.WriteFile(filepath.Join(bin, "java"), []byte("#!/bin/sh\nexec sleep 30\n"), 0o755); err != nil {
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
			if took := time.Since(start); took > 20*time.Second {
				t.Errorf("Start() took %v; want it to give up on java -version at its bound", took)
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
