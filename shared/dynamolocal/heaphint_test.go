package dynamolocal_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/doctext"
	"github.com/paysessions/paysessions/shared/dynamolocal"
)

// outOfHeap is what a JVM started with -XX:+ExitOnOutOfMemoryError writes
// as its heap runs out (DynamoDB Local under _JAVA_OPTIONS=-Xmx16m on make
// run's first sweep, measured).
const outOfHeap = "Terminating due to java.lang.OutOfMemoryError: Java heap space"

// exitedAfter runs body as a served engine (sh -c), waits for it to end
// and returns Exited's answer, which must be ErrEngineExited.
func exitedAfter(t *testing.T, body string) error {
	t.Helper()
	e := dynamolocal.EngineWithOutputOf(t, exec.Command("sh", "-c", body))
	select {
	case <-e.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("the engine runs on 30 s after it should have exited")
	}
	err := e.Exited()
	if !errors.Is(err, dynamolocal.ErrEngineExited) {
		t.Errorf("Exited() = %v; want ErrEngineExited", err)
	}
	return err
}

// TestHeapRanOutSaysWhatToDo: README, Troubleshooting: "`Terminating due
// to java.lang.OutOfMemoryError: Java heap space` is a heap too small: the
// servers start the engine with `-Xmx1g`, and a `-Xmx` in `_JAVA_OPTIONS`
// ... wins over it ... Unset it, or raise it." A fresh user who met it
// (_JAVA_OPTIONS=-Xmx16m make run) was told only the JVM's line and the
// exit status: nothing named the setting or what to do. An engine whose
// heap ran out is ErrHeapRanOut, beside ErrEngineExited, whether it ran
// out while serving (Exited) or while it started (Start), and only then.
func TestHeapRanOutSaysWhatToDo(t *testing.T) {
	for _, tc := range []struct {
		name        string
		javaOptions string
		output      string
		want        bool
	}{
		{"the heap _JAVA_OPTIONS set ran out", "-Xmx16m", outOfHeap, true},
		{"the engine's own heap ran out", "", outOfHeap, true},
		{"an engine that ended otherwise", "-Xmx16m", "Exception in thread \"main\" java.lang.IllegalStateException: boom", false},
		{"the heap ran out, the GC spending all its time", "", "Terminating due to java.lang.OutOfMemoryError: GC overhead limit exceeded", true},
		// Not the heap: _JAVA_OPTIONS=-XX:MaxMetaspaceSize=16m ended make
		// run's engine at start with this line, and the message said
		// "its Java heap ran out (-Xmx1g): start again", which fails
		// again the same way (r96-review).
		{"the class metadata ran out", "-XX:MaxMetaspaceSize=16m", "Terminating due to java.lang.OutOfMemoryError: Metaspace", false},
		{"no thread could be made", "", "Terminating due to java.lang.OutOfMemoryError: unable to create native thread: possibly out of memory or process/resource limits reached", false},
	} {
		t.Run("while serving: "+tc.name, func(t *testing.T) {
			t.Setenv("_JAVA_OPTIONS", tc.javaOptions)
			err := exitedAfter(t, "echo '"+tc.output+"' >&2; exit 3")
			if got := errors.Is(err, dynamolocal.ErrHeapRanOut); got != tc.want {
				t.Errorf("Exited() = %v: ErrHeapRanOut %v; want %v", err, got, tc.want)
			}
		})
		t.Run("while starting: "+tc.name, func(t *testing.T) {
			exitingJava(t, tc.output)
			t.Setenv("_JAVA_OPTIONS", tc.javaOptions)
			// A registry that fails every download, should one be tried.
			reg := httptest.NewServer(http.NotFoundHandler())
			defer reg.Close()
			t.Setenv("npm_config_registry", reg.URL)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			e, err := dynamolocal.Start(ctx, dynamolocal.Options{Dir: dynamolocal.InstalledEngine(t)})
			if err == nil {
				e.Stop()
				t.Fatal("Start() = an engine; want an error")
			}
			if got := errors.Is(err, dynamolocal.ErrHeapRanOut); got != tc.want {
				t.Errorf("Start() = %v: ErrHeapRanOut %v; want %v", err, got, tc.want)
			}
		})
	}
}

// TestHintsAreTheReadmes: README's Troubleshooting quotes what the servers
// add to the engine's last line when its heap ran out or it was killed
// from outside, so that a user who searches for it finds the entry.
func TestHintsAreTheReadmes(t *testing.T) {
	text := strings.Join(strings.Fields(doctext.Section(t, "Troubleshooting")), " ")
	for _, tc := range []struct {
		hint error
		then string // the start of what the hint says to do
	}{
		{dynamolocal.ErrHeapRanOut, ": _JAVA_OPTIONS="},
		{dynamolocal.ErrKilled, ": start again"},
	} {
		if want := ": " + tc.hint.Error() + tc.then; !strings.Contains(text, want) {
			t.Errorf("README's Troubleshooting does not quote %q", want)
		}
	}
}
