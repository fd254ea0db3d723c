package main

import (
	"bytes"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestCommandRunsBesideTheEngine: the package doc's second form,
// "dynamodb-local -- go test ./...    # run the command with
// DYNAMODB_ENDPOINT set, then stop", is `make test`'s: the command sees
// the engine's endpoint, its output is the terminal's, and its exit status
// is the run's (make test fails when go test does). A command that cannot
// run at all fails the run too, at once: the engine is not started (nor
// downloaded, on a first run) for a command that cannot run beside it.
func TestCommandRunsBesideTheEngine(t *testing.T) {
	t.Parallel()
	storetest.RequireEngine(t)
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	bin := buildBinary(t, goTool)
	for _, tt := range []struct {
		name    string
		command []string
		exit    int
		stdout  string // with the engine's endpoint put in for %s
		engine  bool   // the engine started
	}{
		{"a command that fails", []string{"sh", "-c", `echo "endpoint=$DYNAMODB_ENDPOINT"; exit 3`}, 3, "endpoint=%s\n", true},
		{"a command that cannot run", []string{"/nonexistent/command"}, 1, "", false},
		{"a command not on PATH", []string{"no-such-command-on-path"}, 1, "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(bin, append([]string{"-port", "0", "--"}, tt.command...)...)
			cmd.Env = environWithout("DYNAMODB_ENDPOINT")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			exit := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				exit = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if exit != tt.exit {
				t.Errorf("exit status %d; want %d\n%s", exit, tt.exit, &stderr)
			}
			if want := strings.ReplaceAll(tt.stdout, "%s", engineEndpoint(stderr.String())); stdout.String() != want {
				t.Errorf("standard output %q; want %q", &stdout, want)
			}
			if started := strings.Contains(stderr.String(), "DynamoDB Local at"); started != tt.engine {
				t.Errorf("engine started: %v; want %v\n%s", started, tt.engine, &stderr)
			}
		})
	}
}

// TestEngineLostUnderTheCommandIsSaid: the engine can exit while the
// command runs (its heap run out: dynamolocal's
// TestEngineWhoseHeapRunsOutExits; killed), and the command's failures are
// then 503s that do not say why. The run says that the engine exited, and
// how; the exit status stays the command's.
//
// The run learns of the exit once it has reaped the engine, and looks when
// the command ends. The command killed the engine and exited a fixed second
// later: a JVM's teardown and its reaping racing that second (without it,
// 5 runs of 5 said nothing). It now waits until the engine is reaped (kill
// -0 still finds a zombie) before that second, which is left for the run to
// note the exit it has reaped; a bound of 60 s ends the wait as exit 5.
func TestEngineLostUnderTheCommandIsSaid(t *testing.T) {
	t.Parallel()
	storetest.RequireEngine(t)
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	bin := buildBinary(t, goTool)
	// The engine's port is the one its endpoint names (-port 0: the
	// engine picks it: engineEndpoint).
	kill := `port=${DYNAMODB_ENDPOINT##*:}; pid=$(pgrep -f "DynamoDBLocal.jar.* -port $port\$") && kill -KILL $pid || exit 5
i=0; while kill -0 $pid 2>/dev/null; do i=$((i+1)); [ $i -le 1200 ] || exit 5; sleep 0.05; done
sleep 1; exit 4`
	cmd := exec.Command(bin, "-port", "0", "--", "sh", "-c", kill)
	cmd.Env = environWithout("DYNAMODB_ENDPOINT")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 4 {
		t.Fatalf("run = %v; want the command's exit status 4\n%s", err, &stderr)
	}
	if !strings.Contains(stderr.String(), "DynamoDB Local exited (signal: killed)") {
		t.Errorf("standard error %q; want it to say DynamoDB Local exited (signal: killed)", &stderr)
	}
}
