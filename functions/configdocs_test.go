package functions_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/config"
)

// documentedVariables returns the variables named in the first cell of the
// rows of the first table after heading in the Markdown file name (a cell
// may name several: "`PORT`, `HOST`").
func documentedVariables(t *testing.T, name, heading string) map[string]bool {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, name))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(raw), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("%s has no heading %q", name, heading)
	}
	out := map[string]bool{}
	inTable := false
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "|") {
			if inTable {
				break
			}
			continue
		}
		inTable = true
		cells := strings.Split(line, "|")
		if len(cells) < 2 {
			continue
		}
		for _, part := range strings.Split(cells[1], "`") {
			if part != "" && strings.Trim(part, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == "" {
				out[part] = true
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s: no variable in the table under %q", name, heading)
	}
	return out
}

// TestEveryVariableTheCodeReadsIsDocumented: the README's configuration
// table is "the complete list" (docs/design.md §9), so every variable a
// function reads (config.Load, and os.Getenv in its code: readVariables)
// and every one the local servers add (config.LoadLocal) has a row there;
// and every variable of the service's own (config.Load's but GOGC, which
// is Go's, left to the README) has a row in docs/design.md §9's table. A
// variable added to the code without a row (STACK_NAME nearly was) is one
// no deployer learns of.
func TestEveryVariableTheCodeReadsIsDocumented(t *testing.T) {
	readme := documentedVariables(t, "README.md", "## Configuration")
	design := documentedVariables(t, filepath.Join("docs", "design.md"), "## 9. Configuration")
	own := map[string]bool{}
	_, _ = config.Load(func(k string) string { own[k] = true; return "" })
	_, _ = config.LoadLocal(func(k string) string { own[k] = true; return "" })
	all := readVariables(t)
	for k := range own {
		all[k] = true
	}
	for k := range all {
		if !readme[k] {
			t.Errorf("the code reads %s, but README.md's configuration table has no row for it", k)
		}
	}
	for k := range own {
		if k != "GOGC" && !design[k] {
			t.Errorf("shared/config reads %s, but docs/design.md §9's table has no row for it", k)
		}
	}
}

// TestTableNameRuleIsDocumented: a TABLE_NAME start-up refuses is
// refused by a rule (DynamoDB's table names), and the README's row for
// TABLE_NAME states it, as the rows of the other settings state their
// ranges: what start-up says it wants is in the row (its backticks aside).
func TestTableNameRuleIsDocumented(t *testing.T) {
	_, err := config.Load(func(k string) string { return map[string]string{"TABLE_NAME": "a b"}[k] })
	var se *config.SettingError
	if !errors.As(err, &se) || se.Name != "TABLE_NAME" || se.Want == "" {
		t.Fatalf("Load(TABLE_NAME=\"a b\") = %v; want a SettingError of TABLE_NAME saying what it wants", err)
	}
	raw, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, "| `TABLE_NAME` |") {
			if !strings.Contains(strings.ReplaceAll(line, "`", ""), se.Want) {
				t.Errorf("README's TABLE_NAME row does not say what start-up wants, %q: %s", se.Want, line)
			}
			return
		}
	}
	t.Errorf("README has no TABLE_NAME row")
}
