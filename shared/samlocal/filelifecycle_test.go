package samlocal

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestFileLifecycleNamesWhatEnvJSONChanged: events/env.json may set
// SESSION_EXPIRY, RESULT_RETENTION or WRITE_GUARD (declared variables), and
// the functions then run with its values, not the stack's own that the
// banner's lifecycle line gives: r99-regress started make start-api with
// {"Parameters": {"SESSION_EXPIRY": "12s", ...}, "CreateSessionFunction":
// {"SESSION_EXPIRY": "20s"}}, and a session created expired 20 s after,
// under a banner saying "open sessions expire after 30m0s".
// FileLifecycle names each value the file changed, and nothing when the
// shell's value wins (the stack passes SESSION_EXPIRY and
// RESULT_RETENTION as given) or the file repeats what the function has.
func TestFileLifecycleNamesWhatEnvJSONChanged(t *testing.T) {
	declared := map[string]any{"SESSION_EXPIRY": map[string]any{"Ref": "SessionExpiry"}, "RESULT_RETENTION": map[string]any{"Ref": "ResultRetention"}, "WRITE_GUARD": "", "LOG_LEVEL": "info"}
	tpl := &Template{Parameters: map[string]Parameter{
		"SessionExpiry":   {Default: "30m", HasDefault: true},
		"ResultRetention": {Default: "15m", HasDefault: true},
	}}
	create := &Function{LogicalID: "CreateSessionFunction", Environment: declared}
	get := &Function{LogicalID: "GetSessionFunction", Environment: declared}
	file := EnvFile{
		"Parameters":            {"SESSION_EXPIRY": "12s", "RESULT_RETENTION": "15m", "LOG_LEVEL": "debug"},
		"CreateSessionFunction": {"SESSION_EXPIRY": "20s", "WRITE_GUARD": "2s"},
	}
	for _, c := range []struct {
		name  string
		fn    *Function
		shell map[string]string
		stack map[string]string
		want  map[string]string
	}{
		{"function section over Parameters", create, nil, nil, map[string]string{"SESSION_EXPIRY": "20s", "WRITE_GUARD": "2s"}},
		{"Parameters", get, nil, nil, map[string]string{"SESSION_EXPIRY": "12s"}},
		{"the stack's SESSION_EXPIRY wins", get, map[string]string{"SESSION_EXPIRY": "6s"}, map[string]string{"SESSION_EXPIRY": "6s"}, map[string]string{}},
	} {
		in := EnvInput{
			Shell: func(k string) (string, bool) { v, ok := c.shell[k]; return v, ok },
			File:  file,
			Stack: c.stack,
		}
		if got := tpl.FileLifecycle(c.fn, in); !maps.Equal(got, c.want) {
			t.Errorf("%s: FileLifecycle = %v; want %v", c.name, got, c.want)
		}
	}
}

// TestStartFailureNamesWhatStartUpRefuses: events/env.json may give a
// function a value its start-up refuses (`WRITE_GUARD` `bogus`, or a
// guard band not shorter than the function's SESSION_EXPIRY), and make
// start-api started, its banner listing the value as the one the functions
// run with, while each of those functions answered every request 500 with
// a "start-up failed" line, as Lambda would (r100-fresh). StartFailure
// names the settings config.Load refuses in the environment fn runs with,
// and none when it starts.
func TestStartFailureNamesWhatStartUpRefuses(t *testing.T) {
	declared := map[string]any{"SESSION_EXPIRY": map[string]any{"Ref": "SessionExpiry"}, "RESULT_RETENTION": map[string]any{"Ref": "ResultRetention"}, "WRITE_GUARD": "", "LOG_LEVEL": "info", "TABLE_NAME": "payment-sessions", "GOMEMLIMIT": ""}
	tpl := &Template{Parameters: map[string]Parameter{
		"SessionExpiry":   {Default: "30m", HasDefault: true},
		"ResultRetention": {Default: "15m", HasDefault: true},
	}}
	fn := &Function{LogicalID: "GetSessionFunction", Environment: declared}
	for _, c := range []struct {
		name string
		file EnvFile
		want []string
	}{
		{"no file", nil, nil},
		{"good values", EnvFile{"GetSessionFunction": {"WRITE_GUARD": "2s", "SESSION_EXPIRY": "20s"}}, nil},
		{"not a duration", EnvFile{"GetSessionFunction": {"WRITE_GUARD": "bogus"}}, []string{"WRITE_GUARD"}},
		{"another function's section", EnvFile{"CreateSessionFunction": {"WRITE_GUARD": "bogus"}}, nil},
		{"Parameters", EnvFile{"Parameters": {"RESULT_RETENTION": "0s"}}, []string{"RESULT_RETENTION"}},
		{"a guard band not shorter", EnvFile{"GetSessionFunction": {"SESSION_EXPIRY": "10s", "WRITE_GUARD": "20s"}}, []string{"WRITE_GUARD"}},
		{"a log level", EnvFile{"GetSessionFunction": {"LOG_LEVEL": "loud"}}, []string{"LOG_LEVEL"}},
		{"two", EnvFile{"GetSessionFunction": {"WRITE_GUARD": "x", "LOG_LEVEL": "loud"}}, []string{"LOG_LEVEL", "WRITE_GUARD"}},
		// GOMEMLIMIT is read by the Go runtime before config.Load runs,
		// which stops at a value it cannot read (README, Configuration:
		// "any other value stops start-up"): make start-api's
		// GetSessionFunction given "bogus" answered every request 500
		// under a banner with no NOT STARTING line (r102-review).
		{"GOMEMLIMIT not Go's syntax", EnvFile{"GetSessionFunction": {"GOMEMLIMIT": "bogus"}}, []string{"GOMEMLIMIT"}},
		{"GOMEMLIMIT padded", EnvFile{"GetSessionFunction": {"GOMEMLIMIT": " 1GiB"}}, []string{"GOMEMLIMIT"}},
		{"GOMEMLIMIT in decimal units", EnvFile{"GetSessionFunction": {"GOMEMLIMIT": "1GB"}}, []string{"GOMEMLIMIT"}},
		{"GOMEMLIMIT negative", EnvFile{"GetSessionFunction": {"GOMEMLIMIT": "-1"}}, []string{"GOMEMLIMIT"}},
		{"GOMEMLIMIT past int64", EnvFile{"GetSessionFunction": {"GOMEMLIMIT": "8589934592GiB"}}, []string{"GOMEMLIMIT"}},
		{"GOMEMLIMIT a unit alone", EnvFile{"Parameters": {"GOMEMLIMIT": "MiB"}}, []string{"GOMEMLIMIT"}},
		{"GOMEMLIMIT in EiB", EnvFile{"GetSessionFunction": {"GOMEMLIMIT": "1EiB"}}, []string{"GOMEMLIMIT"}},
		{"GOMEMLIMIT in kiB", EnvFile{"GetSessionFunction": {"GOMEMLIMIT": "1kiB"}}, []string{"GOMEMLIMIT"}},
		{"GOMEMLIMIT and a log level", EnvFile{"GetSessionFunction": {"GOMEMLIMIT": "x", "LOG_LEVEL": "loud"}}, []string{"GOMEMLIMIT", "LOG_LEVEL"}},
		{"GOMEMLIMIT off", EnvFile{"GetSessionFunction": {"GOMEMLIMIT": "off"}}, nil},
		{"GOMEMLIMIT empty", EnvFile{"GetSessionFunction": {"GOMEMLIMIT": ""}}, nil},
		{"GOMEMLIMIT bytes", EnvFile{"GetSessionFunction": {"GOMEMLIMIT": "+104857600"}}, nil},
		{"GOMEMLIMIT B", EnvFile{"GetSessionFunction": {"GOMEMLIMIT": "100B"}}, nil},
		{"GOMEMLIMIT MiB", EnvFile{"GetSessionFunction": {"GOMEMLIMIT": "100MiB"}}, nil},
		{"GOMEMLIMIT TiB", EnvFile{"Parameters": {"GOMEMLIMIT": "8388607TiB"}}, nil},
	} {
		in := EnvInput{Shell: func(string) (string, bool) { return "", false }, File: c.file}
		if got := tpl.StartFailure(fn, in); !slices.Equal(got, c.want) {
			t.Errorf("%s: StartFailure = %v; want %v", c.name, got, c.want)
		}
	}
}

// TestEveryFunctionOfTheTemplateStarts: with the repository's
// template.yaml and events/env.json, and the values the stack gives, no
// function's start-up refuses a setting: the banner's NOT STARTING line
// (StartFailure) would otherwise warn on every make start-api.
func TestEveryFunctionOfTheTemplateStarts(t *testing.T) {
	tpl, err := ReadTemplate(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	file, err := ReadEnvFile(filepath.Join(repoRoot, "events", "env.json"))
	if err != nil {
		t.Fatal(err)
	}
	stack := map[string]string{
		"TABLE_NAME": "payment-sessions", "DYNAMODB_ENDPOINT": "http://127.0.0.1:8000",
		"JWKS_URL": "http://127.0.0.1:3000/.well-known/jwks.json", "JWT_ISSUER": "http://127.0.0.1:3000", "JWT_AUDIENCE": "paysessions-local",
	}
	if len(tpl.Functions) == 0 {
		t.Fatal("template.yaml: no functions read")
	}
	for _, fn := range tpl.Functions {
		in := EnvInput{Shell: func(string) (string, bool) { return "", false }, File: file, Stack: stack}
		if got := tpl.StartFailure(fn, in); got != nil {
			t.Errorf("%s: StartFailure = %v; want none", fn.LogicalID, got)
		}
	}
}

// TestStartFailureNamesACABundleTheFunctionCannotRead: with an https
// engine (DYNAMODB_ENDPOINT https, AWS_CA_BUNDLE in the shell), make
// start-api's GetSessionFunction given an AWS_CA_BUNDLE that cannot be
// read by events/env.json answered every request 500 and logged
// "start-up failed" naming AWS_CA_BUNDLE (store.NewClient reads it at
// start-up, after config.Load), under a banner with no NOT STARTING line
// (r102-review). A plain-http engine never reads the bundle.
func TestStartFailureNamesACABundleTheFunctionCannotRead(t *testing.T) {
	declared := map[string]any{"TABLE_NAME": "payment-sessions", "DYNAMODB_ENDPOINT": "", "AWS_CA_BUNDLE": ""}
	tpl := &Template{}
	fn := &Function{LogicalID: "GetSessionFunction", Environment: declared}
	dir := t.TempDir()
	missing, notPEM := filepath.Join(dir, "missing.pem"), filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, endpoint, bundle string
		want                   []string
	}{
		{"https, missing", "https://127.0.0.1:8443", missing, []string{"AWS_CA_BUNDLE"}},
		{"https, no PEM in it", "https://127.0.0.1:8443", notPEM, []string{"AWS_CA_BUNDLE"}},
		{"https, none given", "https://127.0.0.1:8443", "", nil},
		{"http, missing", "http://127.0.0.1:8000", missing, nil},
		{"HTTP, missing", "HTTP://127.0.0.1:8000", missing, nil},
	} {
		in := EnvInput{
			Shell: func(string) (string, bool) { return "", false },
			File:  EnvFile{"GetSessionFunction": {"AWS_CA_BUNDLE": c.bundle}},
			Stack: map[string]string{"DYNAMODB_ENDPOINT": c.endpoint},
		}
		if got := tpl.StartFailure(fn, in); !slices.Equal(got, c.want) {
			t.Errorf("%s: StartFailure = %v; want %v", c.name, got, c.want)
		}
	}
}
