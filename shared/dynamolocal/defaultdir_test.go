package dynamolocal

import (
	"os"
	"path/filepath"
	"testing"
)

// TestDefaultDirOutsideAModule: Options.Dir's doc: "Default:
// $DYNAMODB_LOCAL_DIR, else .dynamodb-local at the module root, else the
// user cache folder"; README: a relative DYNAMODB_LOCAL_DIR is taken from
// the repository's root, "outside any module, the working folder".
func TestDefaultDirOutsideAModule(t *testing.T) {
	work := t.TempDir()
	t.Chdir(work)
	if root, ok := moduleRoot(); ok {
		if os.Getenv("CI") != "" {
			t.Fatalf("the temporary folder %s is inside the module at %s", work, root)
		}
		t.Skipf("the temporary folder %s is inside the module at %s", work, root)
	}
	cache := filepath.Join(work, "cache")
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Setenv("HOME", filepath.Join(work, "home"))
	for _, tc := range []struct {
		env  string
		want string
	}{
		{"", filepath.Join(cache, "paysessions", "dynamodb-local")},
		{"cache/ddb", "cache/ddb"},
	} {
		t.Run(tc.env, func(t *testing.T) {
			t.Setenv("DYNAMODB_LOCAL_DIR", tc.env)
			if got := DefaultDir(); got != tc.want {
				t.Errorf("DefaultDir() with DYNAMODB_LOCAL_DIR=%q outside a module = %q; want %q", tc.env, got, tc.want)
			}
		})
	}
}
