package dynamolocal_test

import (
	"context"
	"errors"
	"net"
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

// exitingJava puts a java on a PATH of its own that passes the version
// check as Java 17 and, run as the engine, prints output and exits 1, as
// a JVM that cannot bind its port or load the engine's classes does. It
// returns a function counting how many times the engine was started.
func exitingJava(t *testing.T, output string) (starts func() int) {
	t.Helper()
	bin := t.TempDir()
	count := filepath.Join(bin, "starts")
	script := "#!/bin/sh\n" +
		"if [ \"$1\" = -version ]; then echo 'openjdk version \"17.0.15\" 2025-04-15' >&2; exit 0; fi\n" +
		"echo x >> '" + count + "'\n" +
		"echo '" + output + "' >&2\n" +
		"exit 1\n"
	if err := os.WriteFile(filepath.Join(bin, "java"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+"/usr/bin:/bin")
	return func() int {
		b, _ := os.ReadFile(count)
		return strings.Count(string(b), "x")
	}
}

// TestStartNamesWhyTheJVMExited: Start's doc: "With Options.Port 0 the
// port is picked free, released and given to the JVM, which binds it a
// few seconds later; another process may take it in between, so a JVM
// that exits on that bind is started again on a new port (a few times)".
// A port the caller fixed is not picked again: a JVM that exits on its
// bind is ErrPortInUse at once. A JVM that cannot load the engine's
// classes is ErrJavaTooOld ("DynamoDB Local needs Java 17 or later").
// Each row's engine is a package of the engine's shape, installed
// (InstalledEngine), run by a java that exits: no engine or Java needed.
func TestStartNamesWhyTheJVMExited(t *testing.T) {
	const bind = `Exception in thread "main" java.io.IOException: Failed to bind to 0.0.0.0/0.0.0.0:8000 Caused by: java.net.BindException: Address already in use`
	const classes = `Exception in thread "main" java.lang.UnsupportedClassVersionError: com/amazonaws/services/dynamodbv2/local/main/ServerMain has been compiled by a more recent version of the Java Runtime`
	free := func(t *testing.T) int {
		l, err := net.Listen("tcp", ":0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return l.Addr().(*net.TCPAddr).Port
	}
	for _, tt := range []struct {
		name      string
		output    string
		fixedPort bool
		want      error
		starts    int
	}{
		{"a fixed port taken at the JVM's bind", bind, true, dynamolocal.ErrPortInUse, 1},
		{"a picked port taken at every bind", bind, false, dynamolocal.ErrPortInUse, 4},
		{"classes of a newer Java", classes, false, dynamolocal.ErrJavaTooOld, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			starts := exitingJava(t, tt.output)
			// A registry that fails every download, should one be tried.
			reg := httptest.NewServer(http.NotFoundHandler())
			defer reg.Close()
			t.Setenv("npm_config_registry", reg.URL)
			port := 0
			if tt.fixedPort {
				port = free(t)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			e, err := dynamolocal.Start(ctx, dynamolocal.Options{Dir: dynamolocal.InstalledEngine(t), Port: port})
			if err == nil {
				e.Stop()
				t.Fatal("Start() = an engine; want an error")
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("Start() = %v; want %v", err, tt.want)
			}
			if got := starts(); got != tt.starts {
				t.Errorf("engine started %d times; want %d", got, tt.starts)
			}
		})
	}
}

// TestStartStoppedWhileTheEngineStartsLeavesNoJVM: README: Ctrl-C "stops
// `make run` quietly at any moment, start-up included: the local server
// stops what it started (DynamoDB Local included)". Start's context ending
// while the JVM starts (alive, not yet answering) stops that JVM before
// Start returns. The engine is a package of the engine's shape, installed
// (InstalledEngine), run by a java that sleeps: no engine or Java needed.
// That java writes its pid whole before its file appears (a rename, as
// lifecycle_test's does): the test cancels on seeing the file, and a file
// written in place was seen between the shell's open and its write when
// the shell was descheduled there, Start then stopped it, and the file
// read empty ("strconv.Atoi: parsing \"\"", with the write held back 1 s).
func TestStartStoppedWhileTheEngineStartsLeavesNoJVM(t *testing.T) {
	dir := dynamolocal.InstalledEngine(t)
	bin := t.TempDir()
	pidFile := filepath.Join(bin, "pid")
	script := "#!/bin/sh\n" +
		"if [ \"$1\" = -version ]; then echo 'openjdk version \"17.0.15\" 2025-04-15' >&2; exit 0; fi\n" +
		"echo $$ > '" + pidFile + ".tmp' && mv '" + pidFile + ".tmp' '" + pidFile + "'\n" +
		"exec sleep 120\n"
	if err := os.WriteFile(filepath.Join(bin, "java"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+"/usr/bin:/bin")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for {
			if _, err := os.Stat(pidFile); err == nil {
				cancel()
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	e, err := dynamolocal.Start(ctx, dynamolocal.Options{Dir: dir})
	if err == nil {
		e.Stop()
		t.Fatal("Start() = an engine; want the context's error")
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Start() = %v; want context.Canceled", err)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
		t.Errorf("the JVM (pid %d) after Start returned: kill -0 = %v; want it gone (ESRCH)", pid, err)
	}
}
