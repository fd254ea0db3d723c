package functions_test

import (
	"os"
	"os/exec"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/app/apptest"
	"github.com/paysessions/paysessions/shared/samlocal"
)

// lambdaGOARCH is Go's name for each of Lambda's instruction set
// architectures (a function's Architectures; x86_64 when it names none).
var lambdaGOARCH = map[string]string{"arm64": "arm64", "x86_64": "amd64"}

// functionSetting is a function's own value of a property, else the
// template's Globals.Function value (nil: neither sets it).
func functionSetting(tpl map[string]any, fn map[string]any, key string) any {
	if v := apptest.Field("Properties", key)(fn); v != nil {
		return v
	}
	return apptest.Field("Globals", "Function", key)(tpl)
}

// TestBuildTargetsEachFunctionsRuntime: what SAM's makefile build of a
// function runs (make build-<LogicalId>) makes the binary that function's
// runtime and architecture can execute: a static linux executable named
// bootstrap, for the instruction set of its Architectures. Nothing but AWS
// checks that: the local tools and the bootstrap tests build for this
// machine (samlocal.Build), so an arm64 template deploying the Makefile's
// amd64 binaries (or the reverse) passed every test and failed every
// invocation in Lambda (exec format error). Lambda Developer Guide,
// "Deploy Go Lambda functions with .zip file archives"
// (https://docs.aws.amazon.com/lambda/latest/dg/golang-package.html),
// builds for the OS-only runtimes with
// `GOOS=linux GOARCH=arm64 go build -tags lambda.norpc -o bootstrap main.go`
// for arm64 and `GOARCH=amd64` for x86_64; the executable must be named
// bootstrap. CGO_ENABLED=0: a cgo binary would need the build machine's C
// library, which provided.al2023's may not match.
func TestBuildTargetsEachFunctionsRuntime(t *testing.T) {
	tpl := readTemplate(t)
	byID := functionOf(t, tpl)
	out := t.TempDir()
	for id, fn := range resourcesOfType(tpl, "AWS::Serverless::Function") {
		dir, ok := byID[id]
		if !ok {
			continue // functionOf reported it
		}
		if rt := functionSetting(tpl, fn, "Runtime"); rt != "provided.al2023" {
			t.Errorf("%s: Runtime %v; want provided.al2023 (an OS-only runtime running the bootstrap executable)", id, rt)
		}
		archs := toStrings(functionSetting(tpl, fn, "Architectures"))
		if archs == nil {
			archs = []string{"x86_64"} // Lambda's default
		}
		wantArch, known := lambdaGOARCH[archs[0]]
		if len(archs) != 1 || !known {
			t.Errorf("%s: Architectures %v; want one of arm64, x86_64", id, archs)
			continue
		}
		cmd := exec.Command("make", "-n", "--no-print-directory", "build-"+id, "ARTIFACTS_DIR="+out)
		cmd.Dir = root
		for _, kv := range os.Environ() { // not the flags of a make running this test
			if k, _, _ := strings.Cut(kv, "="); k != "MAKEFLAGS" && k != "MFLAGS" && k != "MAKELEVEL" {
				cmd.Env = append(cmd.Env, kv)
			}
		}
		printed, err := cmd.Output()
		if err != nil {
			t.Errorf("%s: make -n build-%s: %v", id, id, err)
			continue
		}
		var builds [][]string
		for _, line := range strings.Split(string(printed), "\n") {
			f := shellWords(line)
			if samlocal.GoBuild(f) >= 0 {
				builds = append(builds, f)
			}
		}
		if len(builds) != 1 {
			t.Errorf("%s: make build-%s runs %d go builds; want 1:\n%s", id, id, len(builds), printed)
			continue
		}
		f := builds[0]
		env := map[string]string{}
		for _, w := range f[:samlocal.GoBuild(f)-1] {
			if k, v, ok := strings.Cut(w, "="); ok {
				env[k] = v
			}
		}
		want := map[string]string{"GOOS": "linux", "GOARCH": wantArch, "CGO_ENABLED": "0"}
		for k, v := range want {
			if env[k] != v {
				t.Errorf("%s (Architectures %v): make build-%s sets %s=%q; want %s=%s:\n%s", id, archs, id, k, env[k], k, v, printed)
			}
		}
		o := slices.Index(f, "-o")
		if got, want := "", path.Join(out, "bootstrap"); o < 0 || o+1 >= len(f) || path.Clean(f[o+1]) != want {
			if o >= 0 && o+1 < len(f) {
				got = f[o+1]
			}
			t.Errorf("%s: make build-%s writes %q; want %s (the executable an OS-only runtime runs)", id, id, got, want)
		}
		if got := f[len(f)-1]; path.Clean(got) != "functions/"+dir {
			t.Errorf("%s: make build-%s builds %s; want ./functions/%s", id, id, got, dir)
		}
	}
}

// initLimit is how long Lambda lets an on-demand function's Init phase run
// before it tries again within the invocation: "The Init phase is limited
// to 10 seconds. If all three tasks do not complete within 10 seconds,
// Lambda retries the Init phase at the time of the first function
// invocation with the configured function timeout." (Lambda Developer
// Guide, "Understanding the Lambda execution environment lifecycle").
const initLimit = 10

// httpAPIIntegrationLimit is an HTTP API's integration timeout, the most
// it can wait for a function (API Gateway Developer Guide, "Amazon API
// Gateway quotas", HTTP APIs: maximum integration timeout 30 seconds, not
// adjustable), and the default when an event sets no TimeoutInMillis.
const httpAPIIntegrationLimit = 30000

// TestAPIFunctionsAnswerBeforeTheirIntegrationTimeout: a function behind
// the HTTP API ends, at the latest, before API Gateway stops waiting for
// it, a cold start included (an Init that used its 10 s and is retried
// within the invocation: initLimit plus the function's Timeout). Past the
// integration timeout API Gateway answers the client 503 while the
// function runs on: a create or an event that then lands was answered as
// failed, and its retry is a second write. No test ran any function under
// API Gateway's clock, so a Timeout raised past it (a slow day list) would
// have deployed. Each event's own TimeoutInMillis, when set, is the limit.
func TestAPIFunctionsAnswerBeforeTheirIntegrationTimeout(t *testing.T) {
	tpl := readTemplate(t)
	apis := 0
	for id, fn := range resourcesOfType(tpl, "AWS::Serverless::Function") {
		timeout := 3 // Lambda's default
		if v := functionSetting(tpl, fn, "Timeout"); v != nil {
			n, err := strconv.Atoi(toString(v))
			if err != nil {
				t.Errorf("%s: Timeout %v; want a whole number of seconds", id, v)
				continue
			}
			timeout = n
		}
		events, _ := apptest.Field("Properties", "Events")(fn).(map[string]any)
		for name, ev := range events {
			if apptest.Field("Type")(ev) != "HttpApi" {
				continue
			}
			apis++
			limit := httpAPIIntegrationLimit
			if v := apptest.Field("Properties", "TimeoutInMillis")(ev); v != nil {
				ms, err := strconv.Atoi(toString(v))
				if err != nil || ms < 50 || ms > httpAPIIntegrationLimit {
					t.Errorf("%s.%s: TimeoutInMillis %v; want a whole number from 50 to %d", id, name, v, httpAPIIntegrationLimit)
					continue
				}
				limit = ms
			}
			if worst := (initLimit + timeout) * 1000; worst > limit {
				t.Errorf("%s.%s: Timeout %d s plus a retried Init (%d s) is %d ms; want at most the integration timeout, %d ms", id, name, timeout, initLimit, worst, limit)
			}
		}
	}
	if apis == 0 {
		t.Fatal("template.yaml has no HttpApi event: this test reads it wrongly")
	}
}
