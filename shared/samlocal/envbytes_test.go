package samlocal

import (
	"cmp"
	"context"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
)

// TestStartFailureNamesAValueNoProcessCanBeGiven: events/env.json can give
// a function a value that no process's environment can hold, a NUL byte
// ("\u0000" in its JSON) or a NAME=value string over the kernel's bound
// for one (MAX_ARG_STRLEN, 128 KiB with its terminating NUL: execve fails
// with E2BIG), in a setting the function's start-up does not refuse (an
// AWS_CA_BUNDLE with a plain-http engine, which the store never reads).
// r103-regress gave make start-api's GetSessionFunction
// {"AWS_CA_BUNDLE": "x\u0000y"}: the stack started with no NOT STARTING
// line, and every request to the function was 500, the log saying only
// "start aws-lambda-rie for GetSessionFunction: exec: environment
// variable contains NUL". StartFailure names such a setting as it names
// one config.Load refuses.
func TestStartFailureNamesAValueNoProcessCanBeGiven(t *testing.T) {
	declared := map[string]any{"TABLE_NAME": "payment-sessions", "DYNAMODB_ENDPOINT": "", "AWS_CA_BUNDLE": "", "LOG_LEVEL": "info", "GOMEMLIMIT": ""}
	tpl := &Template{}
	fn := &Function{LogicalID: "GetSessionFunction", Environment: declared}
	// The longest value AWS_CA_BUNDLE can have: "AWS_CA_BUNDLE=" and
	// the value and a NUL in maxEnvString+1 bytes.
	longest := strings.Repeat("a", maxEnvString-len("AWS_CA_BUNDLE="))
	for _, c := range []struct {
		name     string
		values   map[string]string
		want     []string
		endpoint string // the stack's engine; plain http when ""
	}{
		{"a NUL byte", map[string]string{"AWS_CA_BUNDLE": "x\x00y"}, []string{"AWS_CA_BUNDLE"}, ""},
		{"a NUL byte alone", map[string]string{"AWS_CA_BUNDLE": "\x00"}, []string{"AWS_CA_BUNDLE"}, ""},
		{"one byte over the bound", map[string]string{"AWS_CA_BUNDLE": longest + "a"}, []string{"AWS_CA_BUNDLE"}, ""},
		{"at the bound", map[string]string{"AWS_CA_BUNDLE": longest}, nil, ""},
		{"a NUL and a refused log level", map[string]string{"AWS_CA_BUNDLE": "\x00", "LOG_LEVEL": "loud"}, []string{"AWS_CA_BUNDLE", "LOG_LEVEL"}, ""},
		{"a NUL in a refused log level", map[string]string{"LOG_LEVEL": "info\x00"}, []string{"LOG_LEVEL"}, ""},
		{"an undeclared variable's NUL", map[string]string{"NOT_DECLARED": "\x00"}, nil, ""},
		// Each setting is named once, however many rules refuse it, and
		// the names are sorted whichever rule found each.
		{"a NUL in GOMEMLIMIT", map[string]string{"GOMEMLIMIT": "1GiB\x00"}, []string{"GOMEMLIMIT"}, ""},
		{"a NUL in an https engine's CA bundle", map[string]string{"AWS_CA_BUNDLE": "x\x00y"}, []string{"AWS_CA_BUNDLE"}, "https://127.0.0.1:8000"},
		{"a NUL and a refused GOMEMLIMIT", map[string]string{"AWS_CA_BUNDLE": "\x00", "GOMEMLIMIT": "bogus"}, []string{"AWS_CA_BUNDLE", "GOMEMLIMIT"}, ""},
	} {
		in := EnvInput{
			Shell: func(string) (string, bool) { return "", false },
			File:  EnvFile{"GetSessionFunction": c.values},
			Stack: map[string]string{"DYNAMODB_ENDPOINT": cmp.Or(c.endpoint, "http://127.0.0.1:8000")},
		}
		if got := tpl.StartFailure(fn, in); !slices.Equal(got, c.want) {
			t.Errorf("%s: StartFailure = %v; want %v", c.name, got, c.want)
		}
	}
}

// TestInstanceStartNamesAValueNoProcessCanBeGiven: an instance given such a
// value cannot start, and its error (the request's log line and the access
// log's integrationError) names the variable, where it said only "exec:
// environment variable contains NUL" (or "argument list too long"),
// naming none.
func TestInstanceStartNamesAValueNoProcessCanBeGiven(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	fn := &Function{LogicalID: "GetSessionFunction"}
	for _, c := range []struct {
		name string
		env  map[string]string
	}{
		{"a NUL byte", map[string]string{"TZ": ":UTC", "AWS_CA_BUNDLE": "x\x00y"}},
		{"over the bound", map[string]string{"TZ": ":UTC", "AWS_CA_BUNDLE": strings.Repeat("a", maxEnvString)}},
	} {
		inst, err := startInstance(context.Background(), self, self, fn, c.env, io.Discard)
		if inst != nil {
			inst.stop()
		}
		var ee *EnvironmentError
		if !errors.As(err, &ee) || ee.Name != "AWS_CA_BUNDLE" {
			t.Errorf("%s: startInstance error = %v; want an EnvironmentError naming AWS_CA_BUNDLE", c.name, err)
		}
	}
}
