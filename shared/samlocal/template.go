// Package samlocal runs template.yaml's HTTP API on this machine the way
// `sam local start-api` does, without Docker: it reads the template (the
// functions, their HttpApi routes and schedules, their environment as SAM
// CLI resolves it), builds every function's bootstrap for the host, runs
// each under the real Lambda Runtime Interface Emulator (aws-lambda-rie, a
// tool pinned in go.mod), and serves the API as API Gateway's HTTP API does:
// payload format 2.0 events, its route matching, its own 400, 404, 413, 500 and
// 503 answers. make start-api (cmd/startapi) is this package behind a
// command line; tests start a Stack in-process.
package samlocal

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Template is what a local run needs from template.yaml.
type Template struct {
	// Parameters maps each parameter to its default ("" and false when it
	// has none).
	Parameters map[string]Parameter
	// Functions are the AWS::Serverless::Function resources, by logical id.
	Functions []*Function
	// AccessLogFormat is the HTTP API's access log format, if any.
	AccessLogFormat string
}

// Parameter is a template parameter.
type Parameter struct {
	Default    string
	HasDefault bool
}

// Function is one AWS::Serverless::Function, Globals applied.
type Function struct {
	LogicalID string
	// Package is the Go package the Makefile's build-<LogicalID> target
	// builds (BuildMethod: makefile), e.g. ./functions/get-session, as make
	// itself resolves the target (a pattern rule or one of its own); Name
	// is its last element, the name `go build -o dir/` gives its binary.
	Package, Name string
	Routes        []RouteKey
	// IntegrationTimeouts is each route's TimeoutInMillis, where its
	// HttpApi event sets one (integrationTimeout).
	IntegrationTimeouts map[RouteKey]time.Duration
	Schedules           []Schedule
	Timeout             time.Duration
	MemoryMB            int
	// Environment is Environment.Variables, the function's over Globals',
	// with values as written (strings, or intrinsic functions as maps).
	Environment map[string]any
	// LogGroup is LoggingConfig.LogGroup as written.
	LogGroup any
}

// integrationTimeout is how long API Gateway waits for fn on route: the
// route's TimeoutInMillis, else HTTP APIs' 30 s.
func (fn *Function) integrationTimeout(route RouteKey) time.Duration {
	if d, ok := fn.IntegrationTimeouts[route]; ok {
		return d
	}
	return maxIntegrationTimeout
}

// RouteKey is an HttpApi event's route: a method (or ANY) and a path.
type RouteKey struct{ Method, Path string }

// String is the route key as API Gateway writes it: "GET /pets/{id}".
func (r RouteKey) String() string { return r.Method + " " + r.Path }

// Schedule is a ScheduleV2 (EventBridge Scheduler) event.
type Schedule struct {
	Expression string // e.g. rate(1 minute)
	Input      string // the event the target receives
}

// Rate is the interval of a rate() Expression; false for any other
// expression (cron(), at()).
func (s Schedule) Rate() (time.Duration, bool) { return parseRate(s.Expression) }

// Lambda's defaults when neither the function nor Globals set a value.
const (
	defaultTimeout  = 3 * time.Second
	defaultMemoryMB = 128
)

// ReadTemplate reads dir/template.yaml, and asks dir/Makefile which package
// each function's build target builds (make -n, so it needs make, as SAM's
// makefile build does).
func ReadTemplate(dir string) (*Template, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "template.yaml"))
	if err != nil {
		return nil, err
	}
	root, err := DecodeCFN(raw)
	if err != nil {
		return nil, fmt.Errorf("template.yaml: %w", err)
	}
	t := &Template{Parameters: map[string]Parameter{}}
	params, _ := root["Parameters"].(map[string]any)
	for name, p := range params {
		d, ok := lookup(p, "Default")
		s, _ := d.(string)
		t.Parameters[name] = Parameter{Default: s, HasDefault: ok}
	}
	global, _ := lookup(root, "Globals", "Function")
	globalVars, _ := lookup(global, "Environment", "Variables")
	resources, _ := root["Resources"].(map[string]any)
	for id, r := range resources {
		typ, _ := lookup(r, "Type")
		switch typ {
		case "AWS::Serverless::HttpApi":
			if err := servedAPI(id, r); err != nil {
				return nil, err
			}
			if f, ok := lookup(r, "Properties", "AccessLogSettings", "Format"); ok {
				t.AccessLogFormat, _ = f.(string)
			}
		case "AWS::Serverless::Function":
			fn, err := readFunction(dir, id, r, global, globalVars)
			if err != nil {
				return nil, err
			}
			t.Functions = append(t.Functions, fn)
		}
	}
	slices.SortFunc(t.Functions, func(a, b *Function) int { return strings.Compare(a.LogicalID, b.LogicalID) })
	return t, nil
}

func readFunction(dir, id string, r, global, globalVars any) (*Function, error) {
	props, _ := lookup(r, "Properties")
	fn := &Function{LogicalID: id, Environment: map[string]any{}}
	if m, _ := lookup(r, "Metadata", "BuildMethod"); m != "makefile" {
		return nil, fmt.Errorf("template.yaml: %s: Metadata.BuildMethod is %v; only makefile builds are supported", id, m)
	}
	pkg, err := BuildPackage(dir, id)
	if err != nil {
		return nil, err
	}
	fn.Package, fn.Name = pkg, path.Base(pkg)

	setting := func(name string) (any, bool) {
		if v, ok := lookup(props, name); ok {
			return v, true
		}
		return lookup(global, name)
	}
	fn.Timeout = defaultTimeout
	if v, ok := setting("Timeout"); ok {
		s, _ := v.(string)
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("template.yaml: %s: Timeout %v is not a whole number of seconds", id, v)
		}
		fn.Timeout = time.Duration(n) * time.Second
	}
	fn.MemoryMB = defaultMemoryMB
	if v, ok := setting("MemorySize"); ok {
		s, _ := v.(string)
		n, err := strconv.Atoi(s)
		if err != nil || n < 128 {
			return nil, fmt.Errorf("template.yaml: %s: MemorySize %v is not a number of MB", id, v)
		}
		fn.MemoryMB = n
	}
	// SAM's Globals: a map property (Environment.Variables) is merged, the
	// function's entries winning.
	if m, ok := globalVars.(map[string]any); ok {
		for k, v := range m {
			fn.Environment[k] = v
		}
	}
	if m, ok := lookup(props, "Environment", "Variables"); ok {
		vars, _ := m.(map[string]any)
		for k, v := range vars {
			fn.Environment[k] = v
		}
	}
	fn.LogGroup, _ = lookup(props, "LoggingConfig", "LogGroup")

	events, _ := lookup(props, "Events")
	evs, _ := events.(map[string]any)
	for _, name := range slices.Sorted(maps.Keys(evs)) {
		ev := evs[name]
		typ, _ := lookup(ev, "Type")
		switch typ {
		case "HttpApi":
			method, _ := lookup(ev, "Properties", "Method")
			p, _ := lookup(ev, "Properties", "Path")
			ms, _ := method.(string)
			ps, _ := p.(string)
			if ms == "" || ps == "" {
				return nil, fmt.Errorf("template.yaml: %s.%s: an HttpApi event needs Method and Path (the $default route is not supported)", id, name)
			}
			timeout, err := servedRoute(id+"."+name, ev)
			if err != nil {
				return nil, err
			}
			ms = strings.ToUpper(ms)
			if ms == "X-AMAZON-APIGATEWAY-ANY-METHOD" {
				ms = "ANY"
			}
			key := RouteKey{Method: ms, Path: ps}
			fn.Routes = append(fn.Routes, key)
			if timeout > 0 {
				if fn.IntegrationTimeouts == nil {
					fn.IntegrationTimeouts = map[RouteKey]time.Duration{}
				}
				fn.IntegrationTimeouts[key] = timeout
			}
		case "ScheduleV2", "Schedule":
			expr, _ := lookup(ev, "Properties", "ScheduleExpression")
			input, _ := lookup(ev, "Properties", "Input")
			es, _ := expr.(string)
			is, _ := input.(string)
			fn.Schedules = append(fn.Schedules, Schedule{Expression: es, Input: is})
		default:
			return nil, fmt.Errorf("template.yaml: %s.%s: event type %v is not supported", id, name, typ)
		}
	}
	return fn, nil
}

// errUnsupportedGateway is a template setting of the HTTP API, or of one
// of its routes, that the local gateway does not serve as API Gateway does
// (servedAPI, servedRoute).
var errUnsupportedGateway = errors.New("not served by the local gateway as API Gateway serves it")

// servedAPI checks an AWS::Serverless::HttpApi for settings the local
// gateway cannot serve as AWS does, which would pass every local test and
// change the API on AWS alone: a stage other than $default (its name
// becomes the first segment of every URL and of rawPath, so each
// function's own router answers 404), a CorsConfiguration (API Gateway
// answers preflights itself and adds CORS headers), an authorizer (it
// refuses requests before any function), an OpenAPI definition (its routes,
// not the functions' events).
func servedAPI(id string, r any) error {
	if v, ok := lookup(r, "Properties", "StageName"); ok && v != "$default" {
		return fmt.Errorf("template.yaml: %s: StageName %v: %w (only the $default stage, whose rawPath is the path sent)", id, v, errUnsupportedGateway)
	}
	for _, name := range []string{"CorsConfiguration", "DefinitionBody", "DefinitionUri"} {
		if _, ok := lookup(r, "Properties", name); ok {
			return fmt.Errorf("template.yaml: %s: %s: %w", id, name, errUnsupportedGateway)
		}
	}
	if _, ok := lookup(r, "Properties", "Auth", "Authorizers"); ok {
		return fmt.Errorf("template.yaml: %s: Auth.Authorizers: %w (API Gateway would refuse requests before any function)", id, errUnsupportedGateway)
	}
	if _, ok := lookup(r, "Properties", "Auth", "DefaultAuthorizer"); ok {
		return fmt.Errorf("template.yaml: %s: Auth.DefaultAuthorizer: %w (API Gateway would refuse requests before any function)", id, errUnsupportedGateway)
	}
	return nil
}

// minIntegrationTimeout is the shortest TimeoutInMillis an HTTP API takes
// (50 ms; the longest is maxIntegrationTimeout).
const minIntegrationTimeout = 50 * time.Millisecond

// servedRoute checks an HttpApi event for settings the local gateway
// cannot serve as AWS does: a payload format other than 2.0 (it always
// sends 2.0), an authorizer other than NONE, and a TimeoutInMillis that is
// not a whole number of milliseconds from 50 to 30000 (API Gateway's
// range; a parameter's value is not resolved). It returns the route's
// integration timeout when the event sets one, else 0.
func servedRoute(name string, ev any) (time.Duration, error) {
	if v, ok := lookup(ev, "Properties", "PayloadFormatVersion"); ok && v != "2.0" {
		return 0, fmt.Errorf("template.yaml: %s: PayloadFormatVersion %v: %w (it sends format 2.0)", name, v, errUnsupportedGateway)
	}
	if v, ok := lookup(ev, "Properties", "Auth", "Authorizer"); ok && v != "NONE" {
		return 0, fmt.Errorf("template.yaml: %s: Auth.Authorizer %v: %w (API Gateway would refuse requests before the function)", name, v, errUnsupportedGateway)
	}
	v, ok := lookup(ev, "Properties", "TimeoutInMillis")
	if !ok {
		return 0, nil
	}
	s, _ := v.(string)
	ms, err := strconv.Atoi(s)
	d := time.Duration(ms) * time.Millisecond
	if err != nil || s != strconv.Itoa(ms) || d < minIntegrationTimeout || d > maxIntegrationTimeout {
		return 0, fmt.Errorf("template.yaml: %s: TimeoutInMillis %v: %w (a whole number from %d to %d)", name, v, errUnsupportedGateway, minIntegrationTimeout.Milliseconds(), maxIntegrationTimeout.Milliseconds())
	}
	return d, nil
}

// BuildPackage is the Go package dir/Makefile's build-<id> target builds
// (SAM's makefile build method runs that target for function id), e.g.
// ./functions/get-session: make resolves the target, pattern rules
// included, and prints its recipe without running it (make -n); the
// package is the last argument of the recipe's one go build.
func BuildPackage(dir, id string) (string, error) {
	target := "build-" + id
	cmd := exec.Command("make", "-n", "--no-print-directory", target, "ARTIFACTS_DIR=/artifacts")
	cmd.Dir = dir
	// Not the flags of a make this runs under (make test): its jobserver
	// and its -n or -k would reach this make.
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k != "MAKEFLAGS" && k != "MFLAGS" && k != "MAKELEVEL" {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("make -n %s: %w: %s", target, err, strings.TrimSpace(stderr.String()))
	}
	var pkgs []string
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if GoBuild(f) >= 0 && strings.HasPrefix(f[len(f)-1], "./") {
			pkgs = append(pkgs, path.Clean(f[len(f)-1]))
		}
	}
	if len(pkgs) != 1 {
		return "", fmt.Errorf("make %s runs %d go builds of a ./package; want one:\n%s", target, len(pkgs), out)
	}
	return "./" + pkgs[0], nil
}

// GoBuild is the index of "build" in the words f of a shell command line
// that runs a go build: its command, after any NAME=value assignments, is
// followed by "build"; else -1. The command is whatever the Makefile's
// $(GO) is (go, a versioned toolchain such as go1.26.8 or gotip, a path),
// so it is not matched by name: a developer's GO=go1.26.8 made every
// function unbuildable to the local tools.
func GoBuild(f []string) int {
	i := 0
	for i < len(f) {
		name, _, ok := strings.Cut(f[i], "=")
		if !ok || name == "" || strings.ContainsAny(name, "/-.") {
			break
		}
		i++
	}
	if i+1 < len(f) && f[i+1] == "build" {
		return i + 1
	}
	return -1
}

// DecodeCFN decodes a CloudFormation template written in YAML into maps,
// slices and strings, its short tags (!Ref, !Sub, !GetAtt, ...) in their
// long forms ({"Ref": ...}, {"Fn::Sub": ...}), as CloudFormation reads
// them. The template test reads template.yaml with it too.
func DecodeCFN(raw []byte) (map[string]any, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("empty document")
	}
	root, ok := cfnValue(doc.Content[0]).(map[string]any)
	if !ok {
		return nil, fmt.Errorf("not a mapping")
	}
	return root, nil
}

// cfnValue turns a YAML node into maps, slices and strings, CloudFormation's
// short tags (!Ref, !Sub, !GetAtt, ...) into their long forms
// ({"Ref": ...}, {"Fn::Sub": ...}).
func cfnValue(n *yaml.Node) any {
	var v any
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil
		}
		return cfnValue(n.Content[0])
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			m[n.Content[i].Value] = cfnValue(n.Content[i+1])
		}
		v = m
	case yaml.SequenceNode:
		l := []any{}
		for _, c := range n.Content {
			l = append(l, cfnValue(c))
		}
		v = l
	case yaml.AliasNode:
		return cfnValue(n.Alias)
	default:
		v = n.Value
	}
	if tag, ok := strings.CutPrefix(n.Tag, "!"); ok && !strings.HasPrefix(tag, "!") {
		if s, ok := v.(string); ok && tag == "GetAtt" {
			a, b, _ := strings.Cut(s, ".")
			v = []any{a, b}
		}
		if tag == "Ref" || tag == "Condition" {
			return map[string]any{tag: v}
		}
		return map[string]any{"Fn::" + tag: v}
	}
	return v
}

// lookup walks nested maps.
func lookup(v any, keys ...string) (any, bool) {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[k]; !ok {
			return nil, false
		}
	}
	return v, true
}
