package samlocal

import (
	"testing"
)

// TestShellSetEmptyReachesTheFunction: SAM CLI gives a function a declared
// variable's shell value whenever the shell has it
// (samcli/local/lambdafn/env_vars.py overrides when the name is in
// os.environ), so `export STACK_NAME=` gives the functions STACK_NAME=""
// (no token metrics), not the template's "local". make start-api read a
// variable set to "" as not set (r86-sweeper: its lines still carried
// "Stack":"local").
func TestShellSetEmptyReachesTheFunction(t *testing.T) {
	t.Setenv("STACK_NAME", "")
	tpl := &Template{}
	fn := &Function{LogicalID: "F", Name: "f", Environment: map[string]any{"STACK_NAME": "local", "LOG_LEVEL": "info"}}
	tests := []struct {
		name      string
		o         Options
		stack     string
		stackSet  bool
		wantLevel string
	}{
		{"the process's environment", Options{}, "", true, "info"},
		{"a Getenv: empty is not set", Options{Getenv: func(k string) string { return map[string]string{"LOG_LEVEL": "debug"}[k] }}, "local", true, "debug"},
		{"a LookupEnv", Options{LookupEnv: func(k string) (string, bool) { return map[string]string{"STACK_NAME": ""}[k], k == "STACK_NAME" }}, "", true, "info"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, _ := tpl.Environment(fn, EnvInput{Shell: tt.o.shell()})
			got, ok := env["STACK_NAME"]
			if got != tt.stack || ok != tt.stackSet {
				t.Errorf("STACK_NAME = %q (set %v); want %q (set %v)", got, ok, tt.stack, tt.stackSet)
			}
			if env["LOG_LEVEL"] != tt.wantLevel {
				t.Errorf("LOG_LEVEL = %q; want %q", env["LOG_LEVEL"], tt.wantLevel)
			}
		})
	}
}
