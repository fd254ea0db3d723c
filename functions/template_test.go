package functions_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/app"
	"github.com/paysessions/paysessions/shared/app/apptest"
	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/config"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/samlocal"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/sweep"
)

// The template test reads template.yaml and checks it against the code in
// both directions: functions and their build targets, HTTP routes, the
// table, IAM permissions, the parts of a production stack, and the sam
// local environment file.

const root = ".."

// readTemplate parses template.yaml, turning CloudFormation's short tags
// (!Ref, !GetAtt, !Sub, ...) into their long forms ({"Ref": ...}).
func readTemplate(t testing.TB) map[string]any {
	t.Helper()
	decoded.Lock()
	defer decoded.Unlock()
	if decoded.doc == nil {
		raw, err := os.ReadFile(filepath.Join(root, "template.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := samlocal.DecodeCFN(raw)
		if err != nil {
			t.Fatalf("template.yaml: %v", err)
		}
		decoded.doc = doc
	}
	return copyCFN(decoded.doc).(map[string]any)
}

// decoded holds template.yaml as DecodeCFN read it, once per test binary
// (over thirty tests read it; decoding it under -race was most of what
// several of them spent). Each test gets its own copy (copyCFN), so one
// that changes its tree changes no other's.
var decoded struct {
	sync.Mutex
	doc map[string]any
}

// copyCFN copies what DecodeCFN returns: maps, slices, strings and nil.
func copyCFN(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = copyCFN(e)
		}
		return m
	case []any:
		l := make([]any, len(v))
		for i, e := range v {
			l[i] = copyCFN(e)
		}
		return l
	case string, nil:
		return v
	default:
		panic(fmt.Sprintf("copyCFN: %T is not what DecodeCFN returns", v))
	}
}

func resourcesOfType(tpl map[string]any, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range tpl["Resources"].(map[string]any) {
		if apptest.Field("Type")(r) == typ {
			out[id] = r.(map[string]any)
		}
	}
	return out
}

// functionDirs lists functions/<dir> holding a main package.
func functionDirs(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(root + "/functions")
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			if _, err := os.Stat(filepath.Join(root, "functions", e.Name(), "main.go")); err == nil {
				dirs = append(dirs, e.Name())
			}
		}
	}
	return dirs
}

// logicalID is the LogicalId template.yaml gives functions/<dir>: the
// directory in CamelCase followed by Function (get-session is
// GetSessionFunction, session-v1 SessionV1Function). The Makefile's
// build-%Function rule maps a LogicalId back to its directory; this test
// holds the template, functions/ and the Makefile to that one rule.
func logicalID(dir string) string {
	var b strings.Builder
	for _, w := range strings.Split(dir, "-") {
		if w != "" {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	return b.String() + "Function"
}

// functionOf maps each template function's logical id to its directory
// under functions/: the package make's build-<LogicalId> target builds,
// as SAM's makefile build runs it (samlocal.BuildPackage).
func functionOf(t *testing.T, tpl map[string]any) map[string]string {
	t.Helper()
	out := map[string]string{}
	for id, r := range resourcesOfType(tpl, "AWS::Serverless::Function") {
		if apptest.Field("Metadata", "BuildMethod")(r) != "makefile" {
			t.Errorf("%s: Metadata.BuildMethod = %v; want makefile", id, apptest.Field("Metadata", "BuildMethod")(r))
		}
		pkg, err := samlocal.BuildPackage(root, id)
		if err != nil {
			t.Errorf("%s: sam build could not build it: %v", id, err)
			continue
		}
		dir, ok := strings.CutPrefix(pkg, "./functions/")
		if !ok || strings.Contains(dir, "/") {
			t.Errorf("%s: make build-%s builds %s; want a ./functions/<dir> package", id, id, pkg)
			continue
		}
		out[id] = dir
	}
	return out
}

// TestEveryFunctionHasOneResourceAndBuildTarget: each functions/<dir> is
// one function of the template, named by the rule (logicalID), which the
// Makefile's pattern rule builds from that directory; make build builds
// each directory once, through the same targets.
func TestEveryFunctionHasOneResourceAndBuildTarget(t *testing.T) {
	tpl := readTemplate(t)
	byID := functionOf(t, tpl)
	count := map[string]int{}
	for _, dir := range byID {
		count[dir]++
	}
	dirs := functionDirs(t)
	for _, dir := range dirs {
		if count[dir] != 1 {
			t.Errorf("functions/%s has %d function resources in template.yaml; want 1, %s", dir, count[dir], logicalID(dir))
		}
	}
	for id, dir := range byID {
		if _, err := os.Stat(filepath.Join(root, "functions", dir, "main.go")); err != nil {
			t.Errorf("%s builds functions/%s, which has no main.go", id, dir)
		}
		if want := logicalID(dir); id != want {
			t.Errorf("%s builds functions/%s; want it named %s (the directory in CamelCase, then Function): make build and make invoke-%s name it so", id, dir, want, dir)
		}
		// A log group per function, named for it: a copied resource that
		// kept another's name would fail the deployment.
		lg, _ := apptest.Field("Resources", id, "Properties", "LoggingConfig", "LogGroup", "Ref")(tpl).(string)
		if name := toStrings(apptest.Field("Resources", lg, "Properties", "LogGroupName", "Fn::Sub")(tpl)); len(name) != 1 || !strings.HasSuffix(name[0], "/"+dir) {
			t.Errorf("%s logs to %s, named %v; want a log group named .../%s", id, lg, name, dir)
		}
	}
	cmd := exec.Command("make", "-n", "--no-print-directory", "build")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "MAKEFLAGS=", "MAKELEVEL=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make -n build: %v\n%s", err, out)
	}
	built := regexp.MustCompile(`(?m)\bgo\S* build .* -o 'bin/([a-z0-9-]+)/bootstrap' \./functions/([a-z0-9-]+)$`).FindAllStringSubmatch(string(out), -1)
	var got []string
	for _, m := range built {
		if m[1] != m[2] {
			t.Errorf("make build builds functions/%s into bin/%s", m[2], m[1])
		}
		got = append(got, m[2])
	}
	if !slices.Equal(got, dirs) {
		t.Errorf("make build builds %v; want each of functions/ once, %v\n%s", got, dirs, out)
	}
	glob := apptest.Field("Globals", "Function")(tpl)
	for k, want := range map[string]string{"Runtime": "provided.al2023", "Handler": "bootstrap", "CodeUri": ".", "Tracing": "Active"} {
		if got := apptest.Field(k)(glob); got != want {
			t.Errorf("Globals.Function.%s = %v; want %s", k, got, want)
		}
	}
	if a := apptest.Field("Architectures")(glob); !slices.Equal(toStrings(a), []string{"arm64"}) {
		t.Errorf("Globals.Function.Architectures = %v; want [arm64]", a)
	}
}

// patternConstants reads the values of the Pattern* constants of package
// httpapi from its source.
func patternConstants(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	inspectSource(t, token.NewFileSet(), filepath.Join(root, "shared", "httpapi"), func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok {
			return true
		}
		for i, name := range vs.Names {
			if strings.HasPrefix(name.Name, "Pattern") && i < len(vs.Values) {
				if lit, ok := vs.Values[i].(*ast.BasicLit); ok {
					out[name.Name], _ = strconv.Unquote(lit.Value)
				}
			}
		}
		return true
	})
	return out
}

// inspectSource walks the syntax of every non-test Go file in dir with
// ast.Inspect and fn.
func inspectSource(t *testing.T, fset *token.FileSet, dir string, fn func(ast.Node) bool) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, fn)
	}
}

// mainPattern is the route a function's main.go serves: the
// httpapi.Pattern* constant it names in a.MustRoute(...) ("" for none). A
// main names its route and nothing else of package httpapi: the route
// table pairs the pattern with its handler, so a main that made a handler
// itself could pair a route with another's.
func mainPattern(t *testing.T, dir string, patterns map[string]string) string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(root, "functions", dir, "main.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	named := map[*ast.SelectorExpr]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		if fn, ok := call.Fun.(*ast.SelectorExpr); ok && fn.Sel.Name == "MustRoute" {
			var arg *ast.SelectorExpr
			pattern := ""
			if len(call.Args) == 1 {
				arg, _ = call.Args[0].(*ast.SelectorExpr)
			}
			if arg != nil {
				if x, ok := arg.X.(*ast.Ident); ok && x.Name == "httpapi" {
					pattern = patterns[arg.Sel.Name]
				}
			}
			if pattern == "" {
				t.Errorf("functions/%s: MustRoute(%v); want one httpapi.Pattern* constant", dir, call.Args)
				return true
			}
			named[arg] = true
			found = append(found, pattern)
		}
		return true
	})
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok && !named[sel] {
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == "httpapi" {
				t.Errorf("functions/%s names httpapi.%s; want only its route's pattern, in MustRoute: the route table (httpapi.Routes) makes its handler", dir, sel.Sel.Name)
			}
		}
		return true
	})
	if len(found) > 1 {
		t.Errorf("functions/%s serves %d routes; want one", dir, len(found))
	}
	if len(found) == 0 {
		return ""
	}
	return found[0]
}

// TestRoutesMatchTheCode: each API function has exactly the route its
// main.go names, plus ANY on the same path (so a known path with another
// method reaches the function's router, which answers 405 with Allow, rather
// than API Gateway's 404); every route of the route table (httpapi.Routes)
// is in the template and the template has no route the table lacks; no path
// belongs to two functions.
func TestRoutesMatchTheCode(t *testing.T) {
	tpl := readTemplate(t)
	byID := functionOf(t, tpl)
	patterns := patternConstants(t)
	templateRoutes := map[string]string{} // "METHOD /path" -> logical id
	pathOwner := map[string]string{}      // "/path" -> logical id
	for id, r := range resourcesOfType(tpl, "AWS::Serverless::Function") {
		var routes, anys []string
		events, _ := apptest.Field("Properties", "Events")(r).(map[string]any)
		for name, ev := range events {
			switch apptest.Field("Type")(ev) {
			case "HttpApi":
				if ref := apptest.Field("Properties", "ApiId", "Ref")(ev); ref != "HttpApi" {
					t.Errorf("%s.%s: ApiId = %v; want !Ref HttpApi", id, name, ref)
				}
				method, _ := apptest.Field("Properties", "Method")(ev).(string)
				path, _ := apptest.Field("Properties", "Path")(ev).(string)
				route := method + " " + path
				if method == "ANY" {
					anys = append(anys, path)
				} else {
					routes = append(routes, route)
				}
				if prev, dup := templateRoutes[route]; dup {
					t.Errorf("route %s is on %s and %s", route, prev, id)
				}
				templateRoutes[route] = id
				if prev, ok := pathOwner[path]; ok && prev != id {
					t.Errorf("path %s is on %s and %s: its ANY route could reach only one", path, prev, id)
				}
				pathOwner[path] = id
			case "ScheduleV2":
				if apptest.Field("Properties", "ScheduleExpression")(ev) != "rate(1 minute)" || apptest.Field("Properties", "FlexibleTimeWindow", "Mode")(ev) != "OFF" {
					t.Errorf("%s.%s = %v; want rate(1 minute) with the flexible window off", id, name, ev)
				}
				// README: "rate(1 minute), flexible window off, no
				// retries". "EventBridge Scheduler invokes your Lambda
				// function asynchronously" (Lambda Developer Guide), and
				// Lambda retries a failed asynchronous invocation on its
				// own: both retry settings must be 0.
				if apptest.Field("Properties", "RetryPolicy", "MaximumRetryAttempts")(ev) != "0" || apptest.Field("Properties", "EventInvokeConfig", "MaximumRetryAttempts")(r) != "0" {
					t.Errorf("%s: scheduler retries %v, Lambda asynchronous retries %v; want 0 and 0", id,
						apptest.Field("Properties", "RetryPolicy", "MaximumRetryAttempts")(ev), apptest.Field("Properties", "EventInvokeConfig", "MaximumRetryAttempts")(r))
				}
			default:
				t.Errorf("%s.%s: event type %v", id, name, apptest.Field("Type")(ev))
			}
		}
		if _, ok := byID[id]; !ok {
			continue // functionOf said why
		}
		want := mainPattern(t, byID[id], patterns)
		switch {
		case want == "" && len(routes)+len(anys) > 0:
			t.Errorf("%s has routes %v and ANY %v but functions/%s serves none", id, routes, anys, byID[id])
		case want != "" && (len(routes) != 1 || routes[0] != want):
			t.Errorf("%s routes = %v; functions/%s serves %q", id, routes, byID[id], want)
		case want != "":
			_, path, _ := strings.Cut(want, " ")
			if !slices.Equal(anys, []string{path}) {
				t.Errorf("%s has ANY routes on %v; want exactly ANY %s beside %s", id, anys, path, want)
			}
			// What the console lists the function as.
			if d := apptest.Field("Properties", "Description")(r); d != want {
				t.Errorf("%s: Description %v; want its route, %s", id, d, want)
			}
		}
	}
	code := map[string]bool{}
	for _, rt := range httpapi.Routes(httpapi.Deps{}) {
		code[rt.Pattern] = true
		if _, ok := templateRoutes[rt.Pattern]; !ok {
			t.Errorf("the route table (httpapi.Routes) has %s; template.yaml has no such route", rt.Pattern)
		}
	}
	for route, id := range templateRoutes {
		if !code[route] && !strings.HasPrefix(route, "ANY ") {
			t.Errorf("template.yaml routes %s to %s; the route table (httpapi.Routes) has no such route", route, id)
		}
	}
}

func TestTableMatchesTheStore(t *testing.T) {
	tpl := readTemplate(t)
	tables := resourcesOfType(tpl, "AWS::DynamoDB::Table")
	if len(tables) != 1 {
		t.Fatalf("template has %d tables; want 1", len(tables))
	}
	var props map[string]any
	for id, r := range tables {
		props = r["Properties"].(map[string]any)
		// README, "Deploy": "retained on stack deletion and replacement".
		if r["DeletionPolicy"] != "Retain" || r["UpdateReplacePolicy"] != "Retain" {
			t.Errorf("%s: DeletionPolicy %v, UpdateReplacePolicy %v; want Retain and Retain", id, r["DeletionPolicy"], r["UpdateReplacePolicy"])
		}
	}
	// README, "Encryption at rest": the AWS managed key aws/dynamodb unless
	// TableKmsKeyArn names one (SSEEnabled with SSEType KMS and no
	// KMSMasterKeyId is the AWS managed key; SSEEnabled false is the AWS
	// owned key, which the README says was not chosen).
	if apptest.Field("SSESpecification", "SSEType")(props) != "KMS" {
		t.Errorf("SSESpecification.SSEType = %v; want KMS", apptest.Field("SSESpecification", "SSEType")(props))
	}
	def := store.TableDefinition("x")

	attrs := map[string]string{}
	for _, a := range props["AttributeDefinitions"].([]any) {
		attrs[apptest.Field("AttributeName")(a).(string)] = apptest.Field("AttributeType")(a).(string)
	}
	wantAttrs := map[string]string{}
	for _, a := range def.AttributeDefinitions {
		wantAttrs[*a.AttributeName] = string(a.AttributeType)
	}
	equalJSON(t, "AttributeDefinitions", attrs, wantAttrs)

	keys := func(ks any) []string {
		var out []string
		for _, k := range ks.([]any) {
			out = append(out, apptest.Field("AttributeName")(k).(string)+" "+apptest.Field("KeyType")(k).(string))
		}
		return out
	}
	var wantKeys []string
	for _, k := range def.KeySchema {
		wantKeys = append(wantKeys, *k.AttributeName+" "+string(k.KeyType))
	}
	equalJSON(t, "KeySchema", keys(props["KeySchema"]), wantKeys)

	type index struct {
		Keys       []string
		Projection string
		NonKey     []string
	}
	gsis := map[string]index{}
	for _, g := range props["GlobalSecondaryIndexes"].([]any) {
		ix := index{Keys: keys(apptest.Field("KeySchema")(g)), Projection: apptest.Field("Projection", "ProjectionType")(g).(string)}
		ix.NonKey = toStrings(apptest.Field("Projection", "NonKeyAttributes")(g))
		sort.Strings(ix.NonKey)
		gsis[apptest.Field("IndexName")(g).(string)] = ix
	}
	wantGSIs := map[string]index{}
	for _, g := range def.GlobalSecondaryIndexes {
		ix := index{Projection: string(g.Projection.ProjectionType), NonKey: slices.Clone(g.Projection.NonKeyAttributes)}
		for _, k := range g.KeySchema {
			ix.Keys = append(ix.Keys, *k.AttributeName+" "+string(k.KeyType))
		}
		sort.Strings(ix.NonKey)
		wantGSIs[*g.IndexName] = ix
	}
	equalJSON(t, "GlobalSecondaryIndexes", gsis, wantGSIs)

	if got := props["BillingMode"]; got != string(def.BillingMode) {
		t.Errorf("BillingMode = %v; want %s", got, def.BillingMode)
	}
	if apptest.Field("TimeToLiveSpecification", "AttributeName")(props) != store.TTLAttribute || apptest.Field("TimeToLiveSpecification", "Enabled")(props) != "true" {
		t.Errorf("TimeToLiveSpecification = %v; want %s enabled", props["TimeToLiveSpecification"], store.TTLAttribute)
	}
	if apptest.Field("PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled")(props) != "true" {
		t.Errorf("point-in-time recovery is not on")
	}
}

// policyGrants reads a function's DynamoDB grants from its Policies.
func policyGrants(t *testing.T, id string, r map[string]any) []grant {
	t.Helper()
	var out []grant
	policies, _ := apptest.Field("Properties", "Policies")(r).([]any)
	for _, p := range policies {
		if isTableKeyPolicy(p) {
			continue // KMS through DynamoDB, no DynamoDB grant: TestTableKeyIsUsableByEveryFunction
		}
		stmts, ok := apptest.Field("Statement")(p).([]any)
		if !ok {
			t.Errorf("%s: policy %v is not an inline statement list", id, p)
			continue
		}
		for _, s := range stmts {
			res := apptest.Field("Resource")(s)
			index := ""
			switch {
			case slices.Equal(toStrings(apptest.Field("Fn::GetAtt")(res)), []string{"SessionsTable", "Arn"}):
			case apptest.Field("Fn::Sub")(res) != nil:
				sub := apptest.Field("Fn::Sub")(res).(string)
				ix, ok := strings.CutPrefix(sub, "${SessionsTable.Arn}/index/")
				if !ok {
					t.Errorf("%s: resource %s is not the table or one of its indexes", id, sub)
				}
				index = ix
			default:
				t.Errorf("%s: resource %v is not the table or one of its indexes", id, res)
			}
			for _, a := range toStrings(apptest.Field("Action")(s)) {
				out = append(out, grant{Action: a, Index: index})
			}
		}
	}
	return out
}

func TestPermissionsAreExactlyWhatTheCodeCalls(t *testing.T) {
	tpl := readTemplate(t)
	byID := functionOf(t, tpl)
	seen := map[string]bool{}
	for id, r := range resourcesOfType(tpl, "AWS::Serverless::Function") {
		dir, ok := byID[id]
		if !ok {
			continue // functionOf said why
		}
		seen[dir] = true
		want, ok := dynamoActions[dir]
		if !ok {
			t.Errorf("functions/%s has no entry in dynamoActions (iam_test.go)", dir)
			continue
		}
		got := policyGrants(t, id, r)
		sortGrants(got)
		want = slices.Clone(want)
		sortGrants(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s (functions/%s) grants %v; its code calls %v", id, dir, got, want)
		}
	}
	for dir := range dynamoActions {
		if !seen[dir] {
			t.Errorf("dynamoActions names functions/%s, which has no function in template.yaml", dir)
		}
	}
}

func sortGrants(g []grant) {
	sort.Slice(g, func(i, j int) bool { return g[i].Action+g[i].Index < g[j].Action+g[j].Index })
}

// TestProductionStack checks the parts a deployed stack needs beyond the
// functions: throttling, access logs, log retention everywhere, parameters,
// outputs and alarms.
func TestProductionStack(t *testing.T) {
	tpl := readTemplate(t)
	apis := resourcesOfType(tpl, "AWS::Serverless::HttpApi")
	if len(apis) != 1 {
		t.Fatalf("template has %d HTTP APIs; want 1", len(apis))
	}
	logGroups := resourcesOfType(tpl, "AWS::Logs::LogGroup")
	for id, lg := range logGroups {
		if apptest.Field("Properties", "RetentionInDays")(lg) == nil {
			t.Errorf("log group %s has no retention", id)
		}
	}
	for _, api := range apis {
		if apptest.Field("Properties", "DefaultRouteSettings", "ThrottlingRateLimit")(api) == nil || apptest.Field("Properties", "DefaultRouteSettings", "ThrottlingBurstLimit")(api) == nil {
			t.Errorf("the HTTP API has no default route throttling")
		}
		dest := apptest.Field("Properties", "AccessLogSettings", "DestinationArn", "Fn::GetAtt")(api)
		if l := toStrings(dest); len(l) == 0 || logGroups[l[0]] == nil {
			t.Errorf("the HTTP API's access log goes to %v; want a log group of the template", dest)
		}
	}
	for id, r := range resourcesOfType(tpl, "AWS::Serverless::Function") {
		lg := apptest.Field("Properties", "LoggingConfig", "LogGroup", "Ref")(r)
		if name, _ := lg.(string); logGroups[name] == nil {
			t.Errorf("%s logs to %v; want a log group of the template (with retention)", id, lg)
		}
		if mem := apptest.Field("Properties", "MemorySize")(r); mem == nil && apptest.Field("Globals", "Function", "MemorySize")(tpl) == nil {
			t.Errorf("%s has no memory size", id)
		}
	}
	if apptest.Field("Globals", "Function", "MemorySize")(tpl) != "128" || apptest.Field("Globals", "Function", "Timeout")(tpl) == nil {
		t.Errorf("Globals: MemorySize %v, Timeout %v; want 128 MB API functions with a timeout", apptest.Field("Globals", "Function", "MemorySize")(tpl), apptest.Field("Globals", "Function", "Timeout")(tpl))
	}
	for _, p := range []string{"SessionExpiry", "ResultRetention", "JwksUrl", "JwtIssuer", "JwtAudience"} {
		if apptest.Field("Parameters", p)(tpl) == nil {
			t.Errorf("parameter %s missing", p)
		}
	}
	for _, o := range []string{"ApiUrl", "TableName"} {
		if apptest.Field("Outputs", o)(tpl) == nil {
			t.Errorf("output %s missing", o)
		}
	}
	for id, tbl := range resourcesOfType(tpl, "AWS::DynamoDB::Table") {
		if apptest.Field("Properties", "DeletionProtectionEnabled")(tbl) != "true" || apptest.Field("Properties", "SSESpecification", "SSEEnabled")(tbl) != "true" {
			t.Errorf("table %s: DeletionProtectionEnabled %v, SSEEnabled %v; want both", id, apptest.Field("Properties", "DeletionProtectionEnabled")(tbl), apptest.Field("Properties", "SSESpecification", "SSEEnabled")(tbl))
		}
	}
	for id, api := range apis {
		if apptest.Field("Properties", "DefaultRouteSettings", "DetailedMetricsEnabled")(api) != "true" {
			t.Errorf("%s: per-route (detailed) metrics are off; the latency alarms need them", id)
		}
		format, _ := apptest.Field("Properties", "AccessLogSettings", "Format")(api).(string)
		var line map[string]string
		filled := regexp.MustCompile(`\$context\.[A-Za-z.]+`).ReplaceAllString(format, "x")
		if err := json.Unmarshal([]byte(filled), &line); err != nil {
			t.Errorf("%s: the access log format is not a JSON object of strings: %v", id, err)
		}
		// README, Deploy: "a JSON access log (request id, route, status,
		// latencies, $context.integrationErrorMessage and
		// $context.error.message, the reason of API Gateway's own
		// answers)" (r68-mut-cfg: dropping integrationError or a latency
		// lived).
		for _, v := range []string{"$context.error.message", "$context.status", "$context.apiId", "$context.routeKey", "$context.requestId",
			"$context.integrationErrorMessage", "$context.responseLatency", "$context.integrationLatency"} {
			if !strings.Contains(format, `"`+v+`"`) {
				t.Errorf("%s: the access log does not record %s", id, v)
			}
		}
		// README, Security: "a token, key, secret or card number never
		// reaches a log". The access log is a log too, written by API
		// Gateway before any code of ours can redact it: it may record only
		// values API Gateway makes itself, never text the client chose. A
		// method is any token (`4111-1111-1111-1111` is one) and reaches an
		// ANY route, so $context.httpMethod is out, as are the path, the
		// user agent and the like; routeKey names the method of every real
		// route, and the function's own log line names the method, redacted.
		gatewayMade := map[string]bool{
			"$context.requestId": true, "$context.identity.sourceIp": true, "$context.requestTime": true,
			"$context.routeKey": true, "$context.status": true, "$context.responseLength": true,
			"$context.responseLatency": true, "$context.integrationLatency": true,
			"$context.integrationErrorMessage": true, "$context.error.message": true, "$context.apiId": true,
		}
		for _, v := range regexp.MustCompile(`\$context\.[A-Za-z.]+`).FindAllString(format, -1) {
			if !gatewayMade[v] {
				t.Errorf("%s: the access log records %s, which the client can fill with any text (a card number)", id, v)
			}
		}
	}
	alarms := resourcesOfType(tpl, "AWS::CloudWatch::Alarm")
	dims := func(a map[string]any) map[string]any {
		out := map[string]any{}
		ds, _ := apptest.Field("Properties", "Dimensions")(a).([]any) // none on a metric-math alarm
		for _, d := range ds {
			out[apptest.Field("Name")(d).(string)] = apptest.Field("Value")(d)
		}
		return out
	}
	// Every route has a p99 latency alarm on its detailed metrics.
	latency := map[string]bool{}
	var heartbeat, throttled bool
	filters := resourcesOfType(tpl, "AWS::Logs::MetricFilter")
	for id, a := range alarms {
		d := dims(a)
		switch apptest.Field("Properties", "MetricName")(a) {
		case "Latency":
			if apptest.Field("Properties", "ExtendedStatistic")(a) != "p99" || apptest.Field("Ref")(d["ApiId"]) != "HttpApi" || d["Stage"] != "$default" {
				t.Errorf("%s: want p99 of the HTTP API's $default stage", id)
			}
			latency[fmt.Sprint(d["Method"], " ", d["Resource"])] = true
		case "Invocations":
			// A schedule that stops firing leaves no data: missing data
			// must page.
			heartbeat = apptest.Field("Ref")(d["FunctionName"]) == "ExpirySweeperFunction" &&
				apptest.Field("Properties", "TreatMissingData")(a) == "breaching" && apptest.Field("Properties", "ComparisonOperator")(a) == "LessThanThreshold"
		}
		for _, f := range filters {
			mt := apptest.Field("Properties", "MetricTransformations")(f).([]any)[0]
			if apptest.Field("MetricName")(mt) == apptest.Field("Properties", "MetricName")(a) && apptest.Field("MetricNamespace")(mt) == apptest.Field("Properties", "Namespace")(a) &&
				strings.Contains(apptest.Field("Properties", "FilterPattern")(f).(string), `$.status = "429"`) &&
				apptest.Field("Properties", "LogGroupName", "Ref")(f) == "HttpApiAccessLogs" && apptest.Field("Ref")(d["ApiId"]) == "HttpApi" {
				throttled = true
			}
		}
	}
	for _, r := range resourcesOfType(tpl, "AWS::Serverless::Function") {
		events, _ := apptest.Field("Properties", "Events")(r).(map[string]any)
		for _, ev := range events {
			if apptest.Field("Type")(ev) == "HttpApi" && apptest.Field("Properties", "Method")(ev) != "ANY" {
				route := fmt.Sprint(apptest.Field("Properties", "Method")(ev), " ", apptest.Field("Properties", "Path")(ev))
				if !latency[route] {
					t.Errorf("route %s has no p99 latency alarm", route)
				}
			}
		}
	}
	if !heartbeat || !throttled {
		t.Errorf("alarms: sweeper heartbeat (missing data breaching) %v, 429s from the access log %v; want both", heartbeat, throttled)
	}
	var sweeper, fivexx bool
	for _, a := range alarms {
		switch apptest.Field("Properties", "MetricName")(a) {
		case "SweepErrors":
			sweeper = apptest.Field("Properties", "Namespace")(a) == "paysessions"
		case "5xx":
			fivexx = apptest.Field("Properties", "Namespace")(a) == "AWS/ApiGateway"
		}
	}
	if !sweeper || !fivexx {
		t.Errorf("alarms: sweeper errors %v, API 5xx %v; want both", sweeper, fivexx)
	}
}

// readVariables returns the environment variables a function reads: the
// ones config.Load asks for (every function loads its settings through it;
// the local servers' own settings are config.LoadLocal's).
func readVariables(t *testing.T) map[string]bool {
	t.Helper()
	read := map[string]bool{}
	_, _ = config.Load(func(k string) string { read[k] = true; return "" })
	if len(read) == 0 {
		t.Fatal("config.Load read no variable")
	}
	for name := range variablesReadOutsideConfig(t) {
		if !lambdaProvided[name] {
			read[name] = true
		}
	}
	return read
}

// lambdaProvided are the variables Lambda itself sets in every function's
// environment (the Lambda developer guide, "Defined runtime environment
// variables": reserved, a template cannot declare them).
var lambdaProvided = map[string]bool{
	"AWS_REGION": true, "AWS_DEFAULT_REGION": true,
	"AWS_ACCESS_KEY_ID": true, "AWS_SECRET_ACCESS_KEY": true, "AWS_SESSION_TOKEN": true,
	"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": true, "AWS_LAMBDA_RUNTIME_API": true,
}

// variablesReadOutsideConfig finds every os.Getenv and os.LookupEnv of a
// constant name in the non-test code the functions are built from (this
// module's packages among their dependencies), so a variable read outside
// config.Load (GOGC in shared/app, AWS_CA_BUNDLE in the store's client)
// is held to the template too. It maps each name to where it is read.
func variablesReadOutsideConfig(t *testing.T) map[string]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-f", `{{if .Module}}{{if eq .Module.Path "github.com/paysessions/paysessions"}}{{.Dir}}{{end}}{{end}}`, "./...")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	found := map[string]string{}
	fset := token.NewFileSet()
	// One directory a line: a path may hold spaces (a checkout under
	// "My Projects"), so the output is not split at white space.
	for dir := range strings.Lines(string(out)) {
		dir = strings.TrimRight(dir, "\r\n")
		if dir == "" {
			continue
		}
		inspectSource(t, fset, dir, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "Getenv" && sel.Sel.Name != "LookupEnv") {
				return true
			}
			if pkg, ok := sel.X.(*ast.Ident); !ok || pkg.Name != "os" {
				return true
			}
			if lit, ok := call.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if name, err := strconv.Unquote(lit.Value); err == nil {
					found[name] = fset.Position(call.Pos()).String()
				}
			}
			return true
		})
	}
	if _, ok := found["AWS_REGION"]; !ok {
		t.Fatalf("found no os.Getenv(\"AWS_REGION\") in the functions' code (the store's client reads it): the scan is broken; found %v", found)
	}
	return found
}

// declaredVariables maps each function's logical id to the environment
// variables the template declares for it (Globals, then its own), with
// their values.
func declaredVariables(tpl map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	global, _ := apptest.Field("Globals", "Function", "Environment", "Variables")(tpl).(map[string]any)
	for id, r := range resourcesOfType(tpl, "AWS::Serverless::Function") {
		vars := map[string]any{}
		for k, v := range global {
			vars[k] = v
		}
		own, _ := apptest.Field("Properties", "Environment", "Variables")(r).(map[string]any)
		for k, v := range own {
			vars[k] = v
		}
		out[id] = vars
	}
	return out
}

// TestEveryVariableTheCodeReadsIsDeclared: SAM CLI passes a function only
// the variables its template declares (samcli/local/lambdafn/env_vars.py:
// "Customers define the name of the environment variables along with
// default values, if any, when creating the function"), and make start-api
// does the same, so a variable the code reads but the template does not
// declare could never be set under sam local: every function reads each of
// config.Load's variables and each variable its code reads elsewhere (but
// those Lambda sets itself), and each is declared for each function; the
// template declares nothing the code does not read.
func TestEveryVariableTheCodeReadsIsDeclared(t *testing.T) {
	read := readVariables(t)
	for id, vars := range declaredVariables(readTemplate(t)) {
		for k := range read {
			if _, ok := vars[k]; !ok {
				t.Errorf("%s reads %s (config.Load, or os.Getenv in its code), but template.yaml does not declare it for %s: sam local would never pass it", id, k, id)
			}
		}
		for k := range vars {
			if !read[k] {
				t.Errorf("template.yaml declares %s for %s, but no function reads it (config.Load, or os.Getenv in its code)", k, id)
			}
		}
		// docs/design.md §9: DYNAMODB_ENDPOINT is "empty in AWS".
		if v, ok := vars["DYNAMODB_ENDPOINT"]; ok && v != "" {
			t.Errorf("%s: DYNAMODB_ENDPOINT = %v in template.yaml; want empty: in AWS the SDK finds DynamoDB itself", id, v)
		}
		// README, Configuration: AWS_CA_BUNDLE, GOGC and GOMEMLIMIT are "declared empty in the template so that sam
		// local can pass an override" (r68-mut-cfg: AWS_CA_BUNDLE set to a
		// file lived).
		for _, k := range []string{"AWS_CA_BUNDLE", "GOGC", "GOMEMLIMIT"} {
			if v, ok := vars[k]; ok && v != "" {
				t.Errorf("%s: %s got %v in template.yaml; want empty (README: declared empty in the template so that sam local can pass an override)", id, k, v)
			}
		}
	}
}

// TestSamLocalEnvironment: events/env.json, which points the functions in
// sam local (and make start-api) at DynamoDB Local, sets only variables the
// template declares for the functions it names ("Parameters" names them
// all): SAM CLI silently drops an override of an undeclared variable. The
// file is read as make start-api reads it, so a value that is not a string
// ("GOGC": 300, which SAM passes as 300) is checked, not a parse error.
func TestSamLocalEnvironment(t *testing.T) {
	env, err := samlocal.ReadEnvFile(filepath.Join(root, "events", "env.json"))
	if err != nil {
		t.Fatal(err)
	}
	declared := declaredVariables(readTemplate(t))
	for scope, vars := range env {
		ids := []string{scope}
		if scope == "Parameters" {
			ids = slices.Sorted(maps.Keys(declared))
		} else if _, ok := declared[scope]; !ok {
			t.Errorf("env.json section %s is neither Parameters nor a function of the template", scope)
			continue
		}
		for k := range vars {
			for _, id := range ids {
				if _, ok := declared[id][k]; !ok {
					t.Errorf("env.json %s sets %s, which template.yaml does not declare for %s: sam local would drop it", scope, k, id)
				}
			}
		}
	}
	// SAM's containers reach DynamoDB Local on the host as
	// host.docker.internal (add_host host-gateway): SAM CLI ignores
	// --docker-network host since 1.87.0 (README, "sam local").
	ep, err := url.Parse(env["Parameters"]["DYNAMODB_ENDPOINT"])
	if err != nil || ep.Scheme != "http" || ep.Hostname() != "host.docker.internal" {
		t.Errorf("env.json DYNAMODB_ENDPOINT = %q; want DynamoDB Local on the host, seen from SAM's container", env["Parameters"]["DYNAMODB_ENDPOINT"])
	}
	sc, err := os.ReadFile(filepath.Join(root, "samconfig.toml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, section := range []string{"[local.local_start_api.parameters]", "[local.local_invoke.parameters]"} {
		_, body, ok := strings.Cut(string(sc), section)
		body, _, _ = strings.Cut(body, "\n[")
		if !ok || !strings.Contains(body, `add_host = ["host.docker.internal:host-gateway"]`) || !strings.Contains(body, `env_vars = "events/env.json"`) {
			t.Errorf("samconfig.toml %s: want env_vars = \"events/env.json\" and add_host host.docker.internal:host-gateway", section)
		}
	}
}

func toStrings(v any) []string {
	var out []string
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
	case []string:
		out = v
	case string:
		out = []string{v}
	}
	return out
}

func equalJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Errorf("template %s = %s;\nthe store defines %s", what, g, w)
	}
}

// TestAlarmsWatchMetricsTheCodeEmits: every metric an alarm watches in the
// paysessions namespace, its own metric or one of a metric-math alarm's
// MetricStat queries, is one the code really emits, with exactly the
// dimensions (names and values) it is emitted with; an alarm on a metric
// nobody emits (a renamed metric, a dimension the code does not send) stays
// at INSUFFICIENT_DATA, or OK under TreatMissingData notBreaching, forever
// ("CloudWatch treats each unique combination of dimensions as a separate
// metric", CloudWatch User Guide). The sweeper's summary line and the API's
// request lines, Embedded Metric Format documents, are produced by a real
// run and real requests; the metric filters' metrics are the template's
// own. Any other namespace must be AWS's own (AWS/...), and an alarm whose
// metrics this cannot see (none named, or an expression that finds its
// own: SEARCH, a Metrics Insights query) fails it, so no alarm is passed
// over unchecked.
func TestAlarmsWatchMetricsTheCodeEmits(t *testing.T) {
	// A DynamoDB whose expiry index is empty: the run queries it and
	// reports.
	ddbSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_, _ = io.WriteString(w, `{"Items":[],"Count":0,"ScannedCount":0}`)
	}))
	t.Cleanup(ddbSrv.Close)
	db, err := store.NewClient(context.Background(), store.ClientOptions{Endpoint: ddbSrv.URL})
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	sw := sweep.New(store.New(db, "t", session.DefaultPolicy, 1, time.Now), slog.New(slog.NewJSONHandler(&logs, nil)), time.Now)
	// As functions/expiry-sweeper runs it on Lambda: its metrics carry the
	// name Lambda gives the function, which an alarm names by a Ref to
	// the function's resource (physicalName).
	physicalName := func(id string) string { return "paysessions-" + id + "-1A2B3C4D5E6F" }
	sw.FunctionName = physicalName("ExpirySweeperFunction")
	if r := sw.Run(context.Background()); !r.Complete {
		t.Fatalf("sweep run = %+v; want complete", r)
	}
	type metric struct{ Namespace, Name, Dimensions string }
	// emf reads the metrics log lines declare as EMF documents.
	emf := func(lines []map[string]any) map[metric]bool {
		out := map[metric]bool{}
		for _, line := range lines {
			for _, d := range toAnys(apptest.Field("_aws", "CloudWatchMetrics")(line)) {
				for _, set := range toAnys(apptest.Field("Dimensions")(d)) {
					var dims []string
					for _, name := range toStrings(set) {
						dims = append(dims, fmt.Sprintf("%s=%v", name, line[name]))
					}
					sort.Strings(dims)
					for _, m := range toAnys(apptest.Field("Metrics")(d)) {
						out[metric{fmt.Sprint(apptest.Field("Namespace")(d)), fmt.Sprint(apptest.Field("Name")(m)), strings.Join(dims, ",")}] = true
					}
				}
			}
		}
		return out
	}
	emitted := emf(jsonLines(t, logs.String()))
	if len(emitted) == 0 {
		t.Fatalf("the sweeper's run logged no EMF metric:\n%s", logs.String())
	}
	// The API's token metrics ride on its request lines (STACK_NAME set,
	// as the template sets it): a token of the provider, one of another
	// audience and one of a key the JWKS does not hold, each counting one
	// (TestMisconfiguredTokenCheckPages has every case).
	const stack = "paysessions-prod"
	api := emf(apiMetricLines(t, ddbSrv.URL, stack))
	if len(api) != 3 {
		t.Fatalf("the API's request lines carry metrics %v; want 3 (TokensVerified, TokensMisaddressed, TokensOfUnknownKeys)", slices.Collect(maps.Keys(api)))
	}
	maps.Copy(emitted, api)
	tpl := readTemplate(t)
	for _, f := range resourcesOfType(tpl, "AWS::Logs::MetricFilter") {
		for _, mt := range apptest.Field("Properties", "MetricTransformations")(f).([]any) {
			var dims []string
			for _, d := range apptest.Field("Dimensions")(mt).([]any) {
				// A filter's dimension takes its value from the log line:
				// an alarm names the value it expects there.
				dims = append(dims, apptest.Field("Key")(d).(string)+"=*")
			}
			sort.Strings(dims)
			emitted[metric{apptest.Field("MetricNamespace")(mt).(string), apptest.Field("MetricName")(mt).(string), strings.Join(dims, ",")}] = true
		}
	}
	// value is what a dimension's value is in AWS: a function's Ref is its
	// name, the stack's name the one the lines above were written with.
	value := func(v any) any {
		if ref, ok := apptest.Field("Ref")(v).(string); ok {
			if ref == "AWS::StackName" {
				return stack
			}
			if apptest.Field("Resources", ref, "Type")(tpl) == "AWS::Serverless::Function" {
				return physicalName(ref)
			}
		}
		return v
	}
	searches := regexp.MustCompile(`(?i)\bSEARCH\s*\(|\bSELECT\b`)
	for id, a := range resourcesOfType(tpl, "AWS::CloudWatch::Alarm") {
		p := apptest.Field("Properties")(a)
		// The metrics it watches: its own (Namespace, MetricName,
		// Dimensions), or its MetricStat queries' (Metrics).
		watched := []any{}
		if apptest.Field("MetricName")(p) != nil || apptest.Field("Namespace")(p) != nil {
			watched = append(watched, p)
		}
		for _, q := range toAnys(apptest.Field("Metrics")(p)) {
			if m := apptest.Field("MetricStat", "Metric")(q); m != nil {
				watched = append(watched, m)
			}
			if e, ok := apptest.Field("Expression")(q).(string); ok && searches.MatchString(e) {
				t.Errorf("alarm %s: query %v = %q finds its metrics itself, which this test cannot check; name them in MetricStat queries", id, apptest.Field("Id")(q), e)
			}
		}
		if len(watched) == 0 {
			t.Errorf("alarm %s names no metric (neither its own nor a MetricStat query's): this test cannot check what it watches", id)
		}
		for _, m := range watched {
			ns, _ := apptest.Field("Namespace")(m).(string)
			if ns != "paysessions" {
				if !strings.HasPrefix(ns, "AWS/") {
					t.Errorf("alarm %s watches namespace %v, neither paysessions nor AWS's own (AWS/...)", id, apptest.Field("Namespace")(m))
				}
				continue // AWS's own metrics
			}
			var dims, wild []string
			for _, d := range toAnys(apptest.Field("Dimensions")(m)) {
				name := fmt.Sprint(apptest.Field("Name")(d))
				dims = append(dims, fmt.Sprintf("%s=%v", name, value(apptest.Field("Value")(d))))
				wild = append(wild, name+"=*")
			}
			sort.Strings(dims)
			sort.Strings(wild)
			name := fmt.Sprint(apptest.Field("MetricName")(m))
			if !emitted[metric{ns, name, strings.Join(dims, ",")}] && !emitted[metric{ns, name, strings.Join(wild, ",")}] {
				t.Errorf("alarm %s watches %s %s %v, which nothing emits; emitted: %v", id, ns, name, dims, slices.Collect(maps.Keys(emitted)))
			}
		}
	}
}

// apiMetricLines are the log lines an API function (GET
// /sessions/{sessionId}, built as its Lambda is: config.Load, app.New, its
// handler) writes for three bearer tokens that each count toward a token
// metric, with STACK_NAME=stack and the table at ddbURL.
func apiMetricLines(t *testing.T, ddbURL, stack string) []map[string]any {
	t.Helper()
	idp, jwksURL := devIssuer(t)
	stranger, err := devtoken.New(testIssuer, testAudience, jwa.ES256())
	if err != nil {
		t.Fatal(err)
	}
	claims := devtoken.Claims{MerchantID: sampleMerchant, Scopes: []string{auth.ScopeSessionsRead}}
	elsewhere := claims
	elsewhere.Audience = "another-api"
	env := map[string]string{
		"TABLE_NAME": "sessions", "DYNAMODB_ENDPOINT": ddbURL,
		"JWKS_URL": jwksURL, "JWT_ISSUER": testIssuer, "JWT_AUDIENCE": testAudience,
		"STACK_NAME": stack,
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	a, err := app.New(context.Background(), cfg, app.Options{Log: &logs})
	if err != nil {
		t.Fatal(err)
	}
	handler := a.MustRoute(httpapi.PatternGetSession)
	var out []map[string]any
	for _, token := range []string{idp.MustMint(claims), idp.MustMint(elsewhere), stranger.MustMint(claims)} {
		logs.Reset()
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(sample(t, "get-session", token, "", ""), &ev); err != nil {
			t.Fatal(err)
		}
		if _, err := handler(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
		for _, line := range jsonLines(t, logs.String()) {
			if line["_aws"] != nil {
				out = append(out, line)
			}
		}
	}
	return out
}

// TestTemplateDefaultsAreTheCodes: a variable the template sets from a
// parameter gets, by default, the value the code defaults to (or, for a
// fixed value, that value), so a stack deployed with its defaults behaves
// as the README's configuration table says.
func TestTemplateDefaultsAreTheCodes(t *testing.T) {
	tpl := readTemplate(t)
	def, err := config.Load(func(k string) string { return map[string]string{"TABLE_NAME": "sessions"}[k] })
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"SESSION_EXPIRY": def.SessionExpiry.String(), "RESULT_RETENTION": def.ResultRetention.String(),
		"WRITE_GUARD": def.WriteGuard.String(), "EXPIRY_SHARDS": strconv.Itoa(def.ExpiryShards),
		"LIST_SHARDS": strconv.Itoa(def.ListShards), "LOG_LEVEL": strings.ToLower(def.LogLevel.String()),
	}
	global, _ := apptest.Field("Globals", "Function", "Environment", "Variables")(tpl).(map[string]any)
	for k, w := range want {
		v := global[k]
		if ref, ok := apptest.Field("Ref")(v).(string); ok {
			v = apptest.Field("Parameters", ref, "Default")(tpl)
		}
		s := fmt.Sprint(v)
		if s == "" {
			// Empty is unset: the code's own default (config.Load).
			s = w
		}
		if d, err := time.ParseDuration(s); err == nil {
			s = d.String()
		}
		if s != w {
			t.Errorf("%s defaults to %v in template.yaml; the code's default is %s", k, v, w)
		}
	}
	// The defaults are values the settings admit: within config.Ranges, in
	// whole milliseconds, so the parameters' patterns admit them too.
	for k, d := range map[string]time.Duration{"SESSION_EXPIRY": def.SessionExpiry, "RESULT_RETENTION": def.ResultRetention, "WRITE_GUARD": def.WriteGuard} {
		if r := config.Ranges[k]; d < r.Min || d > r.Max || d%config.Grid != 0 {
			t.Errorf("%s defaults to %s; config.Ranges admits %s..%s in whole %s", k, d, r.Min, r.Max, time.Millisecond)
		}
	}
}

// TestTemplateDurationPatternsAreTheCodes: each lifecycle duration
// parameter's AllowedPattern admits a one-unit value exactly when
// config.Load's range for its variable does, so a deploy with a value every
// function would refuse at start-up (SessionExpiry 0s, WriteGuard 2m) fails
// in CloudFormation instead. Values are swept in each unit over both ends
// of the range and far beyond them.
func TestTemplateDurationPatternsAreTheCodes(t *testing.T) {
	tpl := readTemplate(t)
	global, _ := apptest.Field("Globals", "Function", "Environment", "Variables")(tpl).(map[string]any)
	units := []struct {
		name string
		size time.Duration
	}{{"ms", time.Millisecond}, {"s", time.Second}, {"m", time.Minute}, {"h", time.Hour}, {"us", time.Microsecond}}
	for env, r := range config.Ranges {
		ref, _ := apptest.Field("Ref")(global[env]).(string)
		pattern, _ := apptest.Field("Parameters", ref, "AllowedPattern")(tpl).(string)
		if ref == "" || pattern == "" {
			t.Errorf("%s: not a parameter with an AllowedPattern in template.yaml (Ref %q)", env, ref)
			continue
		}
		re, err := regexp.Compile(pattern)
		if err != nil {
			t.Errorf("%s: AllowedPattern %q: %v", ref, pattern, err)
			continue
		}
		checked := 0
		for _, u := range units {
			var ns []int64
			for n := int64(0); n <= 130; n++ {
				ns = append(ns, n)
			}
			for _, edge := range []int64{int64(r.Min / u.size), int64(r.Max / u.size)} {
				for d := int64(-3); d <= 3; d++ {
					ns = append(ns, edge+d, edge*10+d)
				}
			}
			for n := int64(1); n < 4*int64(r.Max/u.size); n = n*3 + 1 {
				ns = append(ns, n)
			}
			for _, n := range ns {
				if n < 0 {
					continue
				}
				v := strconv.FormatInt(n, 10) + u.name
				d := time.Duration(n) * u.size
				want := u.name != "us" && d >= r.Min && d <= r.Max
				if got := re.MatchString(v); got != want {
					t.Errorf("%s = %s: template admits %v; want %v (config admits %s..%s)", ref, v, got, want, r.Min, r.Max)
				}
				checked++
			}
		}
		if checked < 500 {
			t.Errorf("%s: only %d values checked", ref, checked)
		}
	}
}

// TestWarmThroughputIsValidForEveryParameter resolves the table's and the
// indexes' WarmThroughput for each way of setting the warm parameters and
// holds it to AWS::DynamoDB::Table's WarmThroughput: ReadUnitsPerSecond and
// WriteUnitsPerSecond, each "Minimum: 1", each optional, at least one when
// the property is there ("You can increase the warm throughput value for
// read operations, write operations, or both", DynamoDB Developer Guide).
// Each parameter other than 0 must reach its property: a pre-warming that
// is silently dropped shows only on launch day, as throttling.
func TestWarmThroughputIsValidForEveryParameter(t *testing.T) {
	tpl := readTemplate(t)
	var table map[string]any
	for _, r := range resourcesOfType(tpl, "AWS::DynamoDB::Table") {
		table = r["Properties"].(map[string]any)
	}
	conds := tpl["Conditions"].(map[string]any)
	noValue := &struct{}{}
	for _, params := range []map[string]string{
		{"TableWarmReadUnits": "0", "TableWarmWriteUnits": "0", "IndexWarmWriteUnits": "0"},
		{"TableWarmReadUnits": "20000", "TableWarmWriteUnits": "0", "IndexWarmWriteUnits": "0"},
		{"TableWarmReadUnits": "0", "TableWarmWriteUnits": "8000", "IndexWarmWriteUnits": "0"},
		{"TableWarmReadUnits": "20000", "TableWarmWriteUnits": "8000", "IndexWarmWriteUnits": "40000"},
	} {
		var cond func(v any) bool
		var eval func(v any) any
		cond = func(v any) bool {
			m := v.(map[string]any)
			switch {
			case m["Fn::Not"] != nil:
				return !cond(m["Fn::Not"].([]any)[0])
			case m["Fn::Equals"] != nil:
				a := m["Fn::Equals"].([]any)
				return fmt.Sprint(eval(a[0])) == fmt.Sprint(eval(a[1]))
			case m["Fn::And"] != nil, m["Fn::Or"] != nil:
				and := m["Fn::And"] != nil
				list, _ := m["Fn::And"].([]any)
				if !and {
					list = m["Fn::Or"].([]any)
				}
				for _, c := range list {
					if cond(c) != and {
						return !and
					}
				}
				return and
			case m["Condition"] != nil:
				return cond(conds[m["Condition"].(string)])
			}
			t.Fatalf("condition %v: not understood", v)
			return false
		}
		eval = func(v any) any {
			switch v := v.(type) {
			case map[string]any:
				if ref, ok := v["Ref"].(string); ok && len(v) == 1 {
					if ref == "AWS::NoValue" {
						return noValue
					}
					if p, ok := params[ref]; ok {
						return p
					}
					return "ref:" + ref
				}
				if f, ok := v["Fn::If"].([]any); ok {
					if cond(conds[f[0].(string)]) {
						return eval(f[1])
					}
					return eval(f[2])
				}
				out := map[string]any{}
				for k, x := range v {
					if r := eval(x); r != noValue {
						out[k] = r
					}
				}
				return out
			case []any:
				var out []any
				for _, x := range v {
					if r := eval(x); r != noValue {
						out = append(out, r)
					}
				}
				return out
			}
			return v
		}
		check := func(where string, wt any, want map[string]string) {
			got := map[string]string{}
			if wt != noValue && wt != nil {
				m, ok := wt.(map[string]any)
				if !ok || len(m) == 0 {
					t.Errorf("%v: %s WarmThroughput = %v; want an object with ReadUnitsPerSecond, WriteUnitsPerSecond or both", params, where, wt)
					return
				}
				for k, v := range m {
					n, err := strconv.Atoi(fmt.Sprint(v))
					if (k != "ReadUnitsPerSecond" && k != "WriteUnitsPerSecond") || err != nil || n < 1 {
						t.Errorf("%v: %s WarmThroughput.%s = %v; want ReadUnitsPerSecond or WriteUnitsPerSecond, an integer of at least 1", params, where, k, v)
					}
					got[k] = fmt.Sprint(v)
				}
			}
			if !maps.Equal(got, want) {
				t.Errorf("%v: %s WarmThroughput = %v; want %v", params, where, got, want)
			}
		}
		want := map[string]string{}
		if p := params["TableWarmReadUnits"]; p != "0" {
			want["ReadUnitsPerSecond"] = p
		}
		if p := params["TableWarmWriteUnits"]; p != "0" {
			want["WriteUnitsPerSecond"] = p
		}
		check("the table's", eval(table["WarmThroughput"]), want)
		wantIndex := map[string]string{}
		if p := params["IndexWarmWriteUnits"]; p != "0" {
			wantIndex["WriteUnitsPerSecond"] = p
		}
		for _, gsi := range table["GlobalSecondaryIndexes"].([]any) {
			check(fmt.Sprint("index ", apptest.Field("IndexName")(gsi), "'s"), eval(apptest.Field("WarmThroughput")(gsi)), wantIndex)
		}
	}
}

// TestWarmThroughputParametersAdmitWhatDynamoDBTakes: each warm parameter
// admits 0 (the default: its property left out, DynamoDB's start kept) or
// a whole number DynamoDB takes for an on-demand table or index, and
// nothing else. "New on-demand tables will be able to sustain up to 4,000
// writes per second and 12,000 reads per second" (DynamoDB Developer
// Guide, "Pre-warming a table for on-demand capacity mode"; README,
// "Launch-day capacity", says the same of each index), and warm throughput
// can be increased, never decreased: CreateTable and UpdateTable refuse a
// lower value ("Requested WriteUnitsPerSecond for WarmThroughput for table
// is lower than initial throughput for OnDemand", as moto models it).
// Before, the three were Numbers with MinValue 0: CloudFormation admitted
// 1 to 11,999 reads and 1 to 3,999 writes (and 12000.5, 1.2e4), which
// passed every check here and failed only at deploy, in DynamoDB, rolling
// back the whole stack update that carried them.
func TestWarmThroughputParametersAdmitWhatDynamoDBTakes(t *testing.T) {
	tpl := readTemplate(t)
	for _, tt := range []struct {
		param string
		start int // DynamoDB's start for a new on-demand table or index
	}{
		{"TableWarmReadUnits", 12000},
		{"TableWarmWriteUnits", 4000},
		{"IndexWarmWriteUnits", 4000},
	} {
		p, ok := apptest.Field("Parameters", tt.param)(tpl).(map[string]any)
		if !ok {
			t.Errorf("parameter %s: not in template.yaml", tt.param)
			continue
		}
		if got := toString(p["Default"]); got != "0" {
			t.Errorf("parameter %s: Default got %s; want 0 (DynamoDB's start kept)", tt.param, got)
		}
		values := []string{"0", "1", "100", "3999", "4000", "4001", "11999", "12000", "12001", "20000", "40000", "1000000",
			"00", "0.0", "-1", "012000", "+12000", "12000.0", "12000.5", "1.2e4", "1e5", " 12000", "12000 ", "", "x"}
		for _, v := range values {
			n, err := strconv.Atoi(v)
			canonical := err == nil && strconv.Itoa(n) == v
			want := v == "0" || canonical && n >= tt.start
			if got := cfnAdmits(t, p, v); got != want {
				t.Errorf("parameter %s = %q: CloudFormation admits %v; want %v (0, or a whole number of at least %d)", tt.param, v, got, want, tt.start)
			}
		}
	}
}

// TestReadTemplateGivesEachItsOwnCopy: readTemplate's copy is the template
// as DecodeCFN reads it, and a test that changes its copy changes no other
// test's.
func TestReadTemplateGivesEachItsOwnCopy(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := samlocal.DecodeCFN(raw)
	if err != nil {
		t.Fatal(err)
	}
	first := readTemplate(t)
	if !reflect.DeepEqual(first, want) {
		t.Fatal("readTemplate's copy differs from DecodeCFN's template")
	}
	first["Resources"].(map[string]any)["Changed"] = "by this test"
	first["Parameters"] = nil
	if got := readTemplate(t); !reflect.DeepEqual(got, want) {
		t.Errorf("after one copy changed, readTemplate's next copy differs from DecodeCFN's template")
	}
}
