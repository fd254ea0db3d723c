package samlocal

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/httpapi"
)

const (
	repoRoot  = "../.."
	testStack = "testdata/stack"
)

func readTestTemplate(t *testing.T) *Template {
	t.Helper()
	tpl, err := ReadTemplate(testStack)
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

func function(t *testing.T, tpl *Template, id string) *Function {
	t.Helper()
	for _, fn := range tpl.Functions {
		if fn.LogicalID == id {
			return fn
		}
	}
	t.Fatalf("template has no %s", id)
	return nil
}

func TestReadTemplateAppliesGlobals(t *testing.T) {
	tpl := readTestTemplate(t)
	echo, tick := function(t, tpl, "EchoFunction"), function(t, tpl, "TickFunction")
	tests := []struct {
		name      string
		got, want any
	}{
		{"Echo package", echo.Package, "./echo"},
		{"Echo binary", echo.Name, "echo"},
		{"Echo timeout (Globals)", echo.Timeout, 2 * time.Second},
		{"Tick timeout (its own)", tick.Timeout, 5 * time.Second},
		{"Echo memory (its own)", echo.MemoryMB, 256},
		{"Tick memory (Lambda's default)", tick.MemoryMB, 128},
		{"Echo OVERRIDDEN (its own over Globals')", echo.Environment["OVERRIDDEN"], "function"},
		{"Tick OVERRIDDEN (Globals)", tick.Environment["OVERRIDDEN"], "global"},
		{"Tick schedule", tick.Schedules, []Schedule{{Expression: "rate(1 minute)", Input: `{"source":"test.scheduler","task":"tick"}`}}},
		{"Greeting default", tpl.Parameters["Greeting"], Parameter{Default: "hello", HasDefault: true}},
		{"NoDefault", tpl.Parameters["NoDefault"], Parameter{}},
	}
	for _, tt := range tests {
		if !equal(tt.got, tt.want) {
			t.Errorf("%s = %#v; want %#v", tt.name, tt.got, tt.want)
		}
	}
	var routes []string
	for _, r := range echo.Routes {
		routes = append(routes, r.String())
	}
	slices.Sort(routes)
	want := []string{"ANY /items/{itemId}", "GET /files/{proxy+}", "GET /items/special", "GET /items/{itemId}", "POST /do/{action}"}
	if !slices.Equal(routes, want) {
		t.Errorf("Echo routes = %v; want %v", routes, want)
	}
	if !strings.Contains(tpl.AccessLogFormat, "$context.error.message") {
		t.Errorf("AccessLogFormat = %q; want the HttpApi's format", tpl.AccessLogFormat)
	}
}

func equal(a, b any) bool {
	switch a := a.(type) {
	case []Schedule:
		return slices.Equal(a, b.([]Schedule))
	}
	return a == b
}

// The repository's own template: every function builds a functions/<dir>
// main package, and every route the code serves is some function's route.
func TestReadsTheRepositoryTemplate(t *testing.T) {
	tpl, err := ReadTemplate(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	dirs, _ := filepath.Glob(filepath.Join(repoRoot, "functions", "*", "main.go"))
	if len(tpl.Functions) != len(dirs) || len(dirs) == 0 {
		t.Errorf("template has %d functions; functions/ has %d main packages", len(tpl.Functions), len(dirs))
	}
	routes := map[string]bool{}
	for _, fn := range tpl.Functions {
		if _, err := os.Stat(filepath.Join(repoRoot, fn.Package, "main.go")); err != nil || !strings.HasPrefix(fn.Package, "./functions/") {
			t.Errorf("%s builds %s: %v", fn.LogicalID, fn.Package, err)
		}
		for _, r := range fn.Routes {
			routes[r.String()] = true
		}
	}
	for _, rt := range httpapi.Routes(httpapi.Deps{}) {
		if !routes[rt.Pattern] {
			t.Errorf("the code serves %s; no function of the template has that route", rt.Pattern)
		}
	}
}

// BuildFlags are the Makefile's LAMBDA_BUILD flags, so the bootstraps
// start-api runs are built as the deployed ones are.
func TestBuildFlagsAreTheMakefiles(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^LAMBDA_BUILD\s*=.*\$\(GO\) build (.*) -o \$\(call shell_quote,\$\(value ARTIFACTS_DIR\)/bootstrap\)$`).FindSubmatch(raw)
	if m == nil {
		t.Fatal("no LAMBDA_BUILD line in the Makefile")
	}
	got := strings.ReplaceAll(string(m[1]), `"`, "")
	if want := strings.Join(BuildFlags, " "); got != want {
		t.Errorf("Makefile LAMBDA_BUILD flags %q; BuildFlags %q", got, want)
	}
}

func TestEnvironmentResolvesAsSAMCLI(t *testing.T) {
	tpl := readTestTemplate(t)
	file, err := ReadEnvFile(filepath.Join(testStack, "events", "env.json"))
	if err != nil {
		t.Fatal(err)
	}
	shell := map[string]string{"FROM_SHELL": "shell", "AWS_REGION": "eu-west-1", "UNDECLARED_IN_SHELL": "x"}
	in := EnvInput{
		Shell: func(k string) (string, bool) { v, ok := shell[k]; return v, ok },
		File:  file,
	}
	echo, tick := function(t, tpl, "EchoFunction"), function(t, tpl, "TickFunction")
	env, ignored := tpl.Environment(echo, in)
	want := map[string]string{
		"TABLE_NAME":                      "Table",     // a Ref to a resource is its logical id
		"GREETING":                        "hello",     // a parameter's default
		"NO_DEFAULT":                      "NoDefault", // no default, no override: SAM CLI's logical id
		"REGION_NAME":                     "eu-west-1",
		"SUBBED":                          "hello-local",
		"ARN":                             "", // an intrinsic SAM CLI does not resolve locally
		"OVERRIDDEN":                      "function",
		"FROM_SHELL":                      "shell",
		"FROM_FILE":                       "file",
		"DYNAMODB_ENDPOINT":               "",
		"AWS_REGION":                      "eu-west-1",
		"AWS_LAMBDA_FUNCTION_TIMEOUT":     "2",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
		"AWS_LAMBDA_FUNCTION_NAME":        "EchoFunction",
		"AWS_ACCESS_KEY_ID":               "defaultkey",
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("Echo %s = %q; want %q", k, env[k], v)
		}
	}
	for _, k := range []string{"NOT_DECLARED", "UNDECLARED_IN_SHELL"} {
		if _, ok := env[k]; ok {
			t.Errorf("Echo has %s; want only declared variables", k)
		}
	}
	if !slices.Equal(ignored, []string{"Parameters.NOT_DECLARED"}) {
		t.Errorf("ignored = %v; want [Parameters.NOT_DECLARED]", ignored)
	}

	in.File = file
	in.ParameterOverrides = map[string]string{"Greeting": "hi"}
	in.Stack = map[string]string{"TABLE_NAME": "stack-table", "NOT_DECLARED": "x"}
	env, _ = tpl.Environment(tick, in)
	for k, v := range map[string]string{"FROM_FILE": "tick-file", "GREETING": "hi", "TABLE_NAME": "stack-table", "SUBBED": "hi-local"} {
		if env[k] != v {
			t.Errorf("Tick %s = %q; want %q", k, env[k], v)
		}
	}
	if _, ok := env["NOT_DECLARED"]; ok {
		t.Errorf("Tick has NOT_DECLARED from the stack; want only declared variables")
	}
}

func TestParseRate(t *testing.T) {
	tests := []struct {
		expr string
		want time.Duration
		ok   bool
	}{
		{"rate(1 minute)", time.Minute, true},
		{"rate(5 minutes)", 5 * time.Minute, true},
		{"rate(2 hours)", 2 * time.Hour, true},
		{"rate(1 day)", 24 * time.Hour, true},
		{"rate(0 minutes)", 0, false},
		{"cron(0 12 * * ? *)", 0, false},
		{"rate(1 fortnight)", 0, false},
		{"rate(10 days)", 10 * 24 * time.Hour, true},
		// Past time.Duration's range (about 106,751 days) a product
		// wraps to a negative interval, which a ticker panics on.
		{"rate(106751 days)", 106751 * 24 * time.Hour, true},
		{"rate(106752 days)", 0, false},
		{"rate(99999999999999999999 days)", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseRate(tt.expr)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseRate(%q) = %v, %v; want %v, %v", tt.expr, got, ok, tt.want, tt.ok)
		}
	}
}

// BuildPackage asks make which package a function's build target builds,
// as SAM's makefile build runs it: the repository's one pattern rule, the
// test stack's targets of its own (two functions, one package), and a
// refusal for a function the Makefile cannot build or builds twice.
func TestBuildPackage(t *testing.T) {
	odd := t.TempDir()
	makefile := "build-TwoFunction:\n\tgo build -o $(ARTIFACTS_DIR)/a ./a\n\tgo build -o $(ARTIFACTS_DIR)/b ./b\n" +
		"build-NoneFunction:\n\tcp bootstrap $(ARTIFACTS_DIR)/\n"
	if err := os.WriteFile(filepath.Join(odd, "Makefile"), []byte(makefile), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		dir, id, want string
	}{
		{repoRoot, "GetSessionFunction", "./functions/get-session"},
		{repoRoot, "SessionV1Function", "./functions/session-v1"},
		{repoRoot, "CreateApiKeyFunction", "./functions/create-api-key"},
		{repoRoot, "ExpirySweeperFunction", "./functions/expiry-sweeper"},
		{repoRoot, "NoSuchFunction", ""}, // the rule's functions/no-such does not exist
		{repoRoot, "GetSession", ""},     // no rule makes build-GetSession
		{testStack, "EchoFunction", "./echo"},
		{testStack, "TickFunction", "./echo"},
		{odd, "TwoFunction", ""},
		{odd, "NoneFunction", ""},
	}
	for _, tt := range tests {
		got, err := BuildPackage(tt.dir, tt.id)
		if got != tt.want || (err == nil) != (tt.want != "") {
			t.Errorf("BuildPackage(%s, %s) = %q, %v; want %q", tt.dir, tt.id, got, err, tt.want)
		}
	}
	// The Makefile's go is $(GO): a developer's versioned toolchain
	// (golang.org/dl's go1.26.8, gotip), set for make test or make
	// start-api as GO=go1.26.8, reaches this make through the environment.
	for _, goCmd := range []string{"go1.26.8", "gotip", "/usr/lib/go-1.26/bin/go"} {
		t.Setenv("GO", goCmd)
		if got, err := BuildPackage(repoRoot, "GetSessionFunction"); got != "./functions/get-session" || err != nil {
			t.Errorf("BuildPackage with GO=%s = %q, %v; want ./functions/get-session", goCmd, got, err)
		}
	}
	t.Setenv("GO", "go")
	// Under make test, the outer make's flags are in the environment.
	t.Setenv("MAKEFLAGS", "q") // question mode: it would print no recipe
	t.Setenv("MAKELEVEL", "1")
	if got, err := BuildPackage(repoRoot, "GetSessionFunction"); got != "./functions/get-session" || err != nil {
		t.Errorf("BuildPackage under an outer make = %q, %v; want ./functions/get-session", got, err)
	}
}

// TestScheduleEvery: the stack invokes a schedule every SWEEP_INTERVAL
// when it is set, else at its rate(); an expression that is not a rate()
// at SWEEP_INTERVAL's default (README, "The schedule": "every
// `SWEEP_INTERVAL` (default: its schedule's `rate()`)"). Stack.Every,
// which make start-api's banner prints, is this.
func TestScheduleEvery(t *testing.T) {
	tests := []struct {
		expr     string
		interval time.Duration // config.Local's SweepInterval
		set      bool          // SWEEP_INTERVAL given
		want     time.Duration
		isRate   bool
	}{
		{"rate(1 minute)", time.Minute, false, time.Minute, true},
		{"rate(5 minutes)", time.Minute, false, 5 * time.Minute, true},
		{"rate(1 minute)", 5 * time.Second, true, 5 * time.Second, true},
		{"rate(5 minutes)", time.Minute, true, time.Minute, true},
		{"cron(0 12 * * ? *)", time.Minute, false, time.Minute, false},
		{"cron(0 12 * * ? *)", 2 * time.Second, true, 2 * time.Second, false},
	}
	for _, tt := range tests {
		got, isRate := scheduleEvery(Schedule{Expression: tt.expr}, tt.interval, tt.set)
		if got != tt.want || isRate != tt.isRate {
			t.Errorf("scheduleEvery(%q, %s, set %v) = %v, %v; want %v, %v", tt.expr, tt.interval, tt.set, got, isRate, tt.want, tt.isRate)
		}
	}
}
