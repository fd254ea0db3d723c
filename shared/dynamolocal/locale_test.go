package dynamolocal_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/dynamolocal"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestEngineReadsANonASCIIFolderInAnyLocale: the JVM decodes file names
// (its working folder among them) in the locale's charset, so in the C or
// POSIX locale (LANG=C, or no LANG at all, as in a fresh container) a
// clone under "my repo ü" was "my repo ??" to it, and the engine exited at
// once: "Error: An unexpected error occurred while trying to open file
// DynamoDBLocal.jar" (make run, r90). The JVM Start runs must see the
// folder it runs in as it is, whatever the locale.
func TestEngineReadsANonASCIIFolderInAnyLocale(t *testing.T) {
	storetest.RequireEngine(t) // Java, which make test-short does without
	java, err := exec.LookPath("java")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "my repo ü")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := "PATH=" + os.Getenv("PATH")
	for name, locale := range map[string][]string{
		"LANG=C":            {"LANG=C"},
		"no locale":         {},
		"LC_ALL=POSIX wins": {"LANG=C.UTF-8", "LC_ALL=POSIX"},
		// A LANG the machine has no locale for is the C locale to the
		// C library (Docker images often set LANG=en_US.UTF-8 so).
		"a locale not generated": {"LANG=xx_XX.UTF-8"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel() // a JVM start each: about a second on a busy machine
			cmd := exec.Command(java, "-XshowSettings:properties", "-version")
			cmd.Dir = dir
			cmd.Env = dynamolocal.EngineEnv(append([]string{path}, locale...), dir)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%v: java -XshowSettings:properties -version: %v\n%s", locale, err, out)
			}
			if want := "user.dir = " + dir + "\n"; !strings.Contains(string(out), want) {
				var seen []string
				for _, l := range strings.Split(string(out), "\n") {
					if l = strings.TrimSpace(l); strings.HasPrefix(l, "user.dir =") || strings.HasPrefix(l, "sun.jnu.encoding =") {
						seen = append(seen, l)
					}
				}
				t.Errorf("with %q the JVM does not see its folder as %q: %q", locale, dir, seen)
			}
		})
	}
}

// TestEngineEnvLeavesAnASCIIFolderAlone: the locale is changed only for
// a folder the JVM could misread; an ASCII one keeps the environment (and
// the user's locale) as it is.
func TestEngineEnvLeavesAnASCIIFolderAlone(t *testing.T) {
	environ := []string{"LANG=de_DE.UTF-8", "LC_ALL=C", "PATH=/bin"}
	if got := dynamolocal.EngineEnv(slices.Clone(environ), "/tmp/my repo/x"); !slices.Equal(got, environ) {
		t.Errorf("EngineEnv(%q, an ASCII folder) = %q; want it unchanged", environ, got)
	}
}

// TestEngineEnvSeesThroughALink: the JVM reads its folder as the C
// library's getcwd gives it, with every link resolved, so a folder reached
// through an ASCII link (DYNAMODB_LOCAL_DIR a link, or a clone opened as
// /tmp/repolink -> ".../a b ü/paysessions", whose os.Getwd is the link's
// path) is the folder it links to: with no locale variable the engine
// exited at once ("An unexpected error occurred while trying to open file
// DynamoDBLocal.jar", r90-paths), for the folder Start was given was ASCII
// and the locale was left as it was. The JVM check runs with the engine
// tests; the environment's, always.
func TestEngineEnvSeesThroughALink(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my repo ü")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	env := dynamolocal.EngineEnv([]string{"PATH=" + os.Getenv("PATH")}, link)
	if !slices.Contains(env, "LC_ALL=C.UTF-8") {
		t.Errorf("EngineEnv(no locale, an ASCII link to %q) = %q; want LC_ALL=C.UTF-8 in it", dir, env)
	}
	if testing.Short() {
		return
	}
	storetest.RequireEngine(t)
	java, err := exec.LookPath("java")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(java, "-XshowSettings:properties", "-version")
	cmd.Dir = link
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("java -XshowSettings:properties -version: %v\n%s", err, out)
	}
	if want := "user.dir = " + dir + "\n"; !strings.Contains(string(out), want) {
		t.Errorf("through the link the JVM does not see its folder as %q:\n%s", dir, out)
	}
}
