package app_test

import (
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// maxInitAllocs is the most allocations a package of the functions may make
// while it is initialised: literal tables and sentinel errors fit, work
// does not (compiling the API key expiry's regexp alone made 207).
const maxInitAllocs = 64

// TestColdStartInitsDoNoWork: every Lambda function pays for its packages'
// initialisation at each cold start, so a package the functions link does
// no work there ("no work in init()", package-level initialisers included):
// a regexp, a client or a computed table is built on first use or by the
// function's start-up instead. The test binary links the same packages as
// the API functions (this package's tests are all external, so its own
// initialisation is the function's); GODEBUG=inittrace=1 reports each
// package's allocations.
func TestColdStartInitsDoNoWork(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", `{{if and (not .Standard) (ne .Name "main")}}{{.ImportPath}}{{end}}`,
		"github.com/paysessions/paysessions/functions/...").Output()
	if err != nil {
		t.Fatalf("go list the functions' packages: %v", err)
	}
	linked := map[string]bool{}
	for _, p := range strings.Fields(string(out)) {
		if strings.HasPrefix(p, "github.com/paysessions/paysessions/") {
			linked[p] = true
		}
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.short")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	trace, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("run the test binary with inittrace: %v\n%s", err, trace)
	}
	line := regexp.MustCompile(`(?m)^init (\S+) @.* (\d+) allocs$`)
	seen := 0
	for _, m := range line.FindAllStringSubmatch(string(trace), -1) {
		if !linked[m[1]] {
			continue
		}
		seen++
		if allocs, _ := strconv.Atoi(m[2]); allocs > maxInitAllocs {
			t.Errorf("%s's initialisation made %d allocations; want at most %d", m[1], allocs, maxInitAllocs)
		}
	}
	// auth, config, dialect, httpapi, session, statemap and store have
	// package-level initialisers; a trace that names none of them was not
	// read.
	if seen < 5 {
		t.Errorf("inittrace named %d of the functions' packages; want at least 5\n%s", seen, trace)
	}
}
