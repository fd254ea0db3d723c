package samlocal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/paysessions/paysessions/shared/config"
	"github.com/paysessions/paysessions/shared/store"
)

// EnvFile is an --env-vars file (events/env.json): values for every
// function under "Parameters", and for one function under its logical id.
type EnvFile map[string]map[string]string

// ReadEnvFile reads an --env-vars file; a missing file is an empty one.
// Each value becomes the string SAM CLI makes of it (envValue).
func ReadEnvFile(name string) (EnvFile, error) {
	raw, err := os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return EnvFile{}, nil
	}
	if err != nil {
		return nil, err
	}
	if !utf8.Valid(raw) { // json.Unmarshal would read such bytes as U+FFFD; SAM CLI's Python cannot decode them
		return nil, fmt.Errorf("%s: not UTF-8", name)
	}
	var parsed map[string]map[string]json.RawMessage
	if err := json.Unmarshal(raw, &parsed); err != nil {
		return nil, fmt.Errorf("%s: want {\"Parameters\": {...}, \"<LogicalId>\": {...}}: %w", name, err)
	}
	f := make(EnvFile, len(parsed))
	for scope, vars := range parsed {
		if vars == nil { // SAM CLI refuses a section that is not an object (OverridesNotWellDefinedError)
			return nil, fmt.Errorf("%s: %q is null; want an object of variables", name, scope)
		}
		f[scope] = make(map[string]string, len(vars))
		for k, v := range vars {
			f[scope][k] = envValue(v)
		}
	}
	return f, nil
}

// envValue is the string SAM CLI passes for v, a value of an --env-vars
// file: json.load reads it, and EnvironmentVariables._stringify_value
// (samcli/local/lambdafn/env_vars.py) makes a string as it is, true and
// false "true" and "false", null, an object or an array "", and a number
// what Python's str() writes for the int or float json.load made of it.
func envValue(v json.RawMessage) string {
	var x any
	d := json.NewDecoder(bytes.NewReader(v))
	d.UseNumber()
	if err := d.Decode(&x); err != nil {
		return ""
	}
	switch x := x.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case json.Number:
		if !strings.ContainsAny(string(x), ".eE") {
			if x == "-0" {
				return "0"
			}
			return string(x)
		}
		f, _ := strconv.ParseFloat(string(x), 64) // ±Inf past float64, as Python's float()
		return pythonFloat(f)
	}
	return ""
}

// pythonFloat is Python's repr (and str) of f: the shortest digits that
// read back as f, in positional notation with at least one digit after the
// point while the point falls between 4 places left of the first digit and
// 16 right of it, otherwise d.ddde±XX.
func pythonFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	sign := ""
	if math.Signbit(f) {
		sign, f = "-", -f
	}
	mant, exp, _ := strings.Cut(strconv.FormatFloat(f, 'e', -1, 64), "e")
	digits := strings.Replace(mant, ".", "", 1)
	e, _ := strconv.Atoi(exp)
	point := e + 1 // digits are 0.digits × 10^point
	switch {
	case point <= -4 || point > 16:
		m := digits[:1]
		if len(digits) > 1 {
			m += "." + digits[1:]
		}
		es := "+"
		if e < 0 {
			es, e = "-", -e
		}
		return fmt.Sprintf("%s%se%s%02d", sign, m, es, e)
	case point <= 0:
		return sign + "0." + strings.Repeat("0", -point) + digits
	case point < len(digits):
		return sign + digits[:point] + "." + digits[point:]
	default:
		return sign + digits + strings.Repeat("0", point-len(digits)) + ".0"
	}
}

// EnvInput is what a function's environment is made from, besides the
// template.
type EnvInput struct {
	// ParameterOverrides are template parameter values (sam local
	// --parameter-overrides); parameters without one take their default.
	ParameterOverrides map[string]string
	// Shell looks up the environment the command runs in (os.LookupEnv).
	Shell func(string) (string, bool)
	// File is the --env-vars file.
	File EnvFile
	// Stack are the values of the stack make start-api started: the
	// engine's endpoint, the table it created, the issuer it serves.
	Stack map[string]string
	// Dir is the folder the function runs in (its bootstrap's,
	// emulatorDir), from which it reads a relative file name, as Lambda
	// reads one from /var/task; "" is the working folder.
	Dir string
}

// SAM CLI's values for pseudo parameters in a local run
// (samcli/lib/intrinsic_resolver/intrinsics_symbol_table.py); the region is
// the shell's AWS_REGION when set.
var pseudoParameters = map[string]string{
	"AWS::AccountId": "123456789012",
	"AWS::Partition": "aws",
	"AWS::Region":    "us-east-1",
	"AWS::StackName": "local",
	"AWS::StackId":   "arn:aws:cloudformation:us-east-1:123456789012:stack/local/51af3dc0-da77-11e4-872e-1234567db123",
	"AWS::URLSuffix": "localhost",
}

// Environment returns the variables fn's process gets, and the env-file
// entries it ignored. It follows SAM CLI (samcli/local/lambdafn/env_vars.py
// and samcli/commands/local/lib/local_lambda.py), lowest priority first:
//
//  1. the AWS_* variables of a Lambda environment: the function's name,
//     memory, timeout, handler, log group, the region and credentials
//     (the shell's AWS_REGION and AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
//     / AWS_SESSION_TOKEN when set, else SAM's placeholders);
//  2. every variable the template declares for fn (Globals, then its own),
//     with its value resolved as SAM CLI resolves it: a Ref to a parameter is
//     its override or default, a pseudo parameter SAM's local value, a Ref
//     to anything else that logical id; Fn::Sub is substituted the same way;
//     any other intrinsic function is "";
//  3. the shell's value of a declared variable;
//  4. File's "Parameters", then its section for fn, for declared variables
//     only: SAM CLI drops an override of a variable the template does not
//     declare, and so does this (ignored lists them);
//
// and, last, what make start-api adds to SAM's rules: 5. Stack, for
// declared variables, because the functions must use the stack it started.
func (t *Template) Environment(fn *Function, in EnvInput) (env map[string]string, ignored []string) {
	shell := in.Shell
	if shell == nil {
		shell = func(string) (string, bool) { return "", false }
	}
	region := "us-east-1"
	if r, ok := shell("AWS_REGION"); ok && r != "" {
		region = r
	}
	key, secret := "defaultkey", "defaultsecret"
	if k, ok := shell("AWS_ACCESS_KEY_ID"); ok && k != "" {
		if s, ok := shell("AWS_SECRET_ACCESS_KEY"); ok && s != "" {
			key, secret = k, s
		}
	}
	env = map[string]string{
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(fn.MemoryMB),
		"AWS_LAMBDA_FUNCTION_TIMEOUT":     strconv.Itoa(int(fn.Timeout.Seconds())),
		"AWS_LAMBDA_FUNCTION_HANDLER":     "bootstrap",
		"AWS_LAMBDA_FUNCTION_NAME":        fn.LogicalID,
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_LOG_GROUP_NAME":       "aws/lambda/" + fn.LogicalID,
		"AWS_LAMBDA_LOG_STREAM_NAME":      "$LATEST",
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"AWS_REGION":                      region,
		"AWS_DEFAULT_REGION":              region,
		"AWS_ACCESS_KEY_ID":               key,
		"AWS_SECRET_ACCESS_KEY":           secret,
		"AWS_ACCOUNT_ID":                  pseudoParameters["AWS::AccountId"],
		// What Lambda's provided runtimes set for every function.
		"TZ":   ":UTC",
		"LANG": "en_US.UTF-8",
		"PATH": "/usr/local/bin:/usr/bin:/bin",
	}
	if tok, ok := shell("AWS_SESSION_TOKEN"); ok && tok != "" && key != "defaultkey" {
		env["AWS_SESSION_TOKEN"] = tok
	}
	if fn.LogGroup != nil {
		if lg := t.resolve(fn.LogGroup, in.ParameterOverrides, region); lg != "" {
			env["AWS_LAMBDA_LOG_GROUP_NAME"] = lg
		}
	}
	for k, v := range fn.Environment {
		env[k] = t.resolve(v, in.ParameterOverrides, region)
		if s, ok := shell(k); ok {
			env[k] = s
		}
	}
	for _, scope := range []string{"Parameters", fn.LogicalID} {
		for _, k := range slices.Sorted(maps.Keys(in.File[scope])) {
			if _, declared := fn.Environment[k]; !declared {
				ignored = append(ignored, fmt.Sprintf("%s.%s", scope, k))
				continue
			}
			env[k] = in.File[scope][k]
		}
	}
	for k, v := range in.Stack {
		if _, declared := fn.Environment[k]; declared {
			env[k] = v
		}
	}
	return env, ignored
}

var subVariable = regexp.MustCompile(`\$\{([^}!][^}]*)\}`)

// resolve is a template value as a string, as SAM CLI's local intrinsic
// resolver makes it.
func (t *Template) resolve(v any, overrides map[string]string, region string) string {
	ref := func(name string) (string, bool) {
		if s, ok := overrides[name]; ok {
			return s, true
		}
		if p, ok := t.Parameters[name]; ok && p.HasDefault {
			return p.Default, true
		}
		if name == "AWS::Region" {
			return region, true
		}
		if s, ok := pseudoParameters[name]; ok {
			return s, true
		}
		return name, !strings.Contains(name, ".")
	}
	switch v := v.(type) {
	case string:
		return v
	case map[string]any:
		if len(v) != 1 {
			return ""
		}
		if name, ok := v["Ref"].(string); ok {
			s, _ := ref(name)
			return s
		}
		if tpl, ok := v["Fn::Sub"].(string); ok {
			return subVariable.ReplaceAllStringFunc(tpl, func(m string) string {
				if s, ok := ref(m[2 : len(m)-1]); ok {
					return s
				}
				return m
			})
		}
	}
	return ""
}

// StartFailure names the settings the functions' start-up refuses in the
// environment fn runs with, sorted; nil when it starts: a GOMEMLIMIT the
// Go runtime cannot read (goMemLimitRefused), which stops the bootstrap
// before any code of ours runs, what config.Load, which every function
// runs first, refuses, and then an AWS_CA_BUNDLE the store's client
// cannot read (store.CABundleRoots). Such a function answers each request 500
// and logs its failure per try, as on Lambda (README, Configuration), so
// the banner says so before the first request does: events/env.json can
// give one function a value the stack's own settings never see.
func (t *Template) StartFailure(fn *Function, in EnvInput) []string {
	env, _ := t.Environment(fn, in)
	var names []string
	if goMemLimitRefused(env["GOMEMLIMIT"]) {
		names = append(names, "GOMEMLIMIT")
	}
	// A value no process can be given stops the emulator itself
	// (startInstance), whatever config.Load makes of it: an AWS_CA_BUNDLE
	// holding a NUL, with a plain-http engine, which nothing reads, had
	// every request 500 under a banner with no NOT STARTING line
	// (r103-regress).
	for _, k := range slices.Sorted(maps.Keys(env)) {
		if envError(k, env[k]) != nil && !slices.Contains(names, k) {
			names = append(names, k)
		}
	}
	_, err := config.Load(func(k string) string { return env[k] })
	if err == nil {
		// Then the store's client, which reads AWS_CA_BUNDLE for an https
		// engine (r102-review: a function given one it cannot read by
		// events/env.json got no NOT STARTING line).
		// A relative name is read where the function runs (in.Dir), as the
		// function reads it: read from start-api's own folder, a bundle
		// found there was no NOT STARTING line while every function failed
		// on it (r103-lambda).
		bundle := env["AWS_CA_BUNDLE"]
		if bundle != "" && in.Dir != "" && !filepath.IsAbs(bundle) {
			bundle = filepath.Join(in.Dir, bundle)
		}
		if _, err := store.CABundleRoots(env["DYNAMODB_ENDPOINT"], bundle); err != nil && !slices.Contains(names, "AWS_CA_BUNDLE") {
			names = append(names, "AWS_CA_BUNDLE")
		}
		slices.Sort(names)
		return names
	}
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	for _, e := range errs {
		var se *config.SettingError
		name := "its environment"
		if errors.As(e, &se) {
			name = se.Name
		}
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// goMemLimitRefused reports whether the Go runtime stops a program at
// start with GOMEMLIMIT v ("fatal error: malformed GOMEMLIMIT"): as its
// readGOMEMLIMIT and parseByteCount read it, v is empty, "off", or a
// byte count of at most math.MaxInt64, digits as strconv.ParseInt reads
// them in base 10 with B, KiB, MiB, GiB or TiB after them, or none.
// make start-api's GetSessionFunction given GOMEMLIMIT "bogus" by
// events/env.json answered every request 500 with no NOT STARTING line
// (r102-review).
func goMemLimitRefused(v string) bool {
	if v == "" || v == "off" {
		return false
	}
	digits, mult := v, uint64(1)
	switch {
	case v[len(v)-1] >= '0' && v[len(v)-1] <= '9':
	case len(v) >= 2 && v[len(v)-1] == 'B' && v[len(v)-2] >= '0' && v[len(v)-2] <= '9':
		digits = v[:len(v)-1]
	case len(v) >= 4 && strings.HasSuffix(v, "iB"):
		power := strings.IndexByte("KMGT", v[len(v)-3]) + 1
		if power == 0 {
			return true
		}
		for range power {
			mult *= 1024
		}
		digits = v[:len(v)-3]
	default:
		return true
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	return err != nil || n < 0 || uint64(n) > math.MaxInt64/mult
}

// LifecycleSettings are the variables that set a session's lifecycle
// (config.Load): the banner's lifecycle line gives the stack's own.
var LifecycleSettings = []string{"SESSION_EXPIRY", "RESULT_RETENTION", "WRITE_GUARD"}

// FileLifecycle returns the LifecycleSettings to which in.File gives fn
// another value than fn gets without the file (the stack's, the shell's,
// the template's), with the value fn runs with: what a banner giving the
// stack's own settings does not show.
func (t *Template) FileLifecycle(fn *Function, in EnvInput) map[string]string {
	with, _ := t.Environment(fn, in)
	in.File = nil
	without, _ := t.Environment(fn, in)
	got := map[string]string{}
	for _, k := range LifecycleSettings {
		if v, ok := with[k]; ok && v != without[k] {
			got[k] = v
		}
	}
	return got
}

// maxEnvString is the longest NAME=value string a process's environment
// can hold on Linux: MAX_ARG_STRLEN, 32 pages of 4 KiB, counts the string's
// terminating NUL, and execve fails with E2BIG past it.
const maxEnvString = 32*4096 - 1

// EnvironmentError is a function's variable whose value no process's
// environment can hold (a NUL byte, or a NAME=value string over
// maxEnvString): its emulator cannot be started with it.
type EnvironmentError struct {
	Name   string
	Reason string
}

// Error names the variable and why no process can be given it.
func (e *EnvironmentError) Error() string {
	return fmt.Sprintf("its environment's %s %s, which no process's environment can hold", e.Name, e.Reason)
}

// envError is the EnvironmentError of variable name with value v, or nil
// when a process's environment can hold it.
func envError(name, v string) *EnvironmentError {
	switch {
	case strings.IndexByte(v, 0) >= 0:
		return &EnvironmentError{Name: name, Reason: "holds a NUL byte"}
	case len(name)+1+len(v) > maxEnvString:
		return &EnvironmentError{Name: name, Reason: fmt.Sprintf("is %d bytes long (NAME=value at most %d)", len(v), maxEnvString)}
	}
	return nil
}
