package samlocal

import (
	"os"
	"path/filepath"
	"testing"
)

// SAM CLI reads an --env-vars file with Python's json.load and makes each
// value a string as EnvironmentVariables._stringify_value does
// (samcli/local/lambdafn/env_vars.py): a string as it is, true and false as
// "true" and "false", a number as Python's str() writes the int or float
// json.load made of it, and null, an object or an array as "". So
// {"GetSessionFunction": {"GOGC": 300}} gives that function GOGC=300 under
// sam local start-api; make start-api must give the same, not refuse to start.
func TestReadEnvFileStringifiesAsSAMCLI(t *testing.T) {
	for _, tc := range []struct {
		value, want string
	}{
		{`"debug"`, "debug"},
		{`""`, ""},
		{`"\u0041"`, "A"},
		{`300`, "300"},
		{`-7`, "-7"},
		{`-0`, "0"},
		{`123456789012345678901234567890`, "123456789012345678901234567890"},
		{`true`, "true"},
		{`false`, "false"},
		{`null`, ""},
		{`{"Ref": "X"}`, ""},
		{`[1, 2]`, ""},
		{`1.5`, "1.5"},
		{`1.0`, "1.0"},
		{`0.0`, "0.0"},
		{`-0.0`, "-0.0"},
		{`2e3`, "2000.0"},
		{`1E2`, "100.0"},
		{`0.1`, "0.1"},
		{`0.0001`, "0.0001"},
		{`0.00001`, "1e-05"},
		{`1.25e-7`, "1.25e-07"},
		{`1e15`, "1000000000000000.0"},
		{`1e16`, "1e+16"},
		{`1.5e16`, "1.5e+16"},
		{`123e300`, "1.23e+302"},
		{`1e400`, "inf"},
		{`-1e400`, "-inf"},
	} {
		name := filepath.Join(t.TempDir(), "env.json")
		if err := os.WriteFile(name, []byte(`{"Parameters": {"V": `+tc.value+`}, "Fn": {"W": `+tc.value+`}}`), 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := ReadEnvFile(name)
		if err != nil {
			t.Errorf("%s: %v; want %q", tc.value, err, tc.want)
			continue
		}
		got, ok := f["Parameters"]["V"]
		if !ok || got != tc.want || f["Fn"]["W"] != tc.want {
			t.Errorf("%s: got %q (set %v), %q; want %q", tc.value, got, ok, f["Fn"]["W"], tc.want)
		}
	}
}

// SAM CLI refuses a file whose top-level values are not objects
// (OverridesNotWellDefinedError), and one json.load cannot read: JSON that
// does not parse, a byte-order mark, bytes that are not UTF-8 (Python
// decodes the file before it parses it; Go would read them as U+FFFD).
func TestReadEnvFileRefusesWhatSAMCLIRefuses(t *testing.T) {
	for _, content := range []string{
		`{"Parameters": "x"}`,
		`{"Parameters": [1]}`,
		`{"Parameters": 1}`,
		`{"Parameters": null}`,
		`{"Parameters": {}, "GetSessionFunction": null}`,
		`[]`,
		`{"Parameters": {"V": 1}`,
		`{"Parameters": {"V": 01}}`,
		"\uFEFF{\"Parameters\": {}}",
		"{\"Parameters\": {\"V\": \"a\xffb\"}}",
		"{\"Parameters\": {\"V\": \"\xc0\xaf\"}}",
	} {
		name := filepath.Join(t.TempDir(), "env.json")
		if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if f, err := ReadEnvFile(name); err == nil {
			t.Errorf("%s: got %v, no error; want an error", content, f)
		}
	}
}
