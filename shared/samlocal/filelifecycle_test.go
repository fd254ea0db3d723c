package samlocal

import (
	"maps"
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
