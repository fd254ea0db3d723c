package functions_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// samconfigTables reads samconfig.toml as its tables' keys and their values
// as written (`"paysessions"`, `true`): the file's plain form (a
// `[env.command.parameters]` header, then `key = value` lines). A line of
// another form fails the test, so a stack_name is never missed.
func samconfigTables(t *testing.T) map[string]map[string]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, "samconfig.toml"))
	if err != nil {
		t.Fatal(err)
	}
	header := regexp.MustCompile(`^\[([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)\]$`)
	pair := regexp.MustCompile(`^([A-Za-z0-9_-]+) = (.+)$`)
	tables := map[string]map[string]string{"": {}}
	table := ""
	for i, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		switch m, p := header.FindStringSubmatch(line), pair.FindStringSubmatch(line); {
		case line == "" || strings.HasPrefix(line, "#"):
		case m != nil:
			table = m[1]
			if tables[table] == nil {
				tables[table] = map[string]string{}
			}
		case p != nil:
			tables[table][p[1]] = p[2]
		default:
			t.Fatalf("samconfig.toml:%d: %q is neither a [table] nor key = value", i+1, line)
		}
	}
	return tables
}

// TestSyncNeverTargetsTheDeployStack: `sam sync` updates a stack without
// CloudFormation change sets (and, with watch, on every save): it is for
// development stacks, never the one `sam deploy` updates with its change
// set confirmed (confirm_changeset). In every environment of
// samconfig.toml, the stack sync would target (its own stack_name, else
// the environment's global one) is none of the stacks an environment's
// deploy section targets.
func TestSyncNeverTargetsTheDeployStack(t *testing.T) {
	tables := samconfigTables(t)
	stack := func(env, command string) string {
		if v, ok := tables[env+"."+command+".parameters"]["stack_name"]; ok {
			return v
		}
		return tables[env+".global.parameters"]["stack_name"]
	}
	envs := map[string]bool{}
	deployed := map[string]string{} // stack name: the environment that deploys it
	for name := range tables {
		env, rest, _ := strings.Cut(name, ".")
		if env == "" {
			continue
		}
		envs[env] = true
		if rest == "deploy.parameters" || rest == "deploy" {
			if s := stack(env, "deploy"); s != "" {
				deployed[s] = env
			}
		}
	}
	if len(deployed) == 0 {
		t.Fatalf("samconfig.toml: no deploy section names a stack; tables %v", tables)
	}
	for env := range envs {
		s := stack(env, "sync")
		if by, ok := deployed[s]; ok {
			t.Errorf("samconfig.toml: sam sync --config-env %s targets stack %s, which sam deploy --config-env %s updates; want a development stack of its own", env, s, by)
		}
	}
}
