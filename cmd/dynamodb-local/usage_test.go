package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestAloneSaysHowToUseIt: `go run ./cmd/dynamodb-local` with no flags and
// no command runs the engine alone; it then says where the engine is and
// how to point the service at it, that Ctrl-C stops it and that it keeps
// nothing, and where the options are.
func TestAloneSaysHowToUseIt(t *testing.T) {
	var b strings.Builder
	serving(&b, "http://127.0.0.1:8123")
	for _, want := range []string{"DYNAMODB_ENDPOINT=http://127.0.0.1:8123 make run", "DYNAMODB_ENDPOINT=http://127.0.0.1:8123 go test", "Ctrl-C", "in memory", "-h"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("hint %q; want it to hold %q", b.String(), want)
		}
	}
}

// TestHelpShowsBothForms: -h names the engine alone and the command run
// beside it (`make test`'s form), not only the flags. -port's default is
// 0, "port to listen on (0 picks a free one)": a fixed default would make
// `make test`'s engine fail wherever that port is taken (flag's -h names a
// default other than the zero value as "(default N)" after the text).
func TestHelpShowsBothForms(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(buildBinary(t, goTool), "-h").CombinedOutput()
	if code := exitCode(err); code != 0 {
		t.Errorf("-h exit code = %d; want 0", code)
	}
	for _, want := range []string{"go run ./cmd/dynamodb-local [-port N] ", "-- <command", "-port", "port to listen on (0 picks a free one)\n"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("-h printed %q; want it to hold %q", out, want)
		}
	}
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}

// TestEngineServesWithBothCompilers: this command's engine serves for long
// under load (make test runs every package against it), where the JVM's C2
// serves faster than C1 alone, the engines' default (dynamolocal.Options'
// FullJIT); and it says on standard error what it downloads, on the port
// asked for.
func TestEngineServesWithBothCompilers(t *testing.T) {
	o := engineOptions(8123)
	if !o.FullJIT || o.Port != 8123 || o.Progress == nil {
		t.Errorf("engineOptions(8123) = %+v; want FullJIT, port 8123 and progress shown", o)
	}
}
