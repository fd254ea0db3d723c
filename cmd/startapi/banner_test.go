package main

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/samlocal"
)

// TestBannerTryItLinesPasteIntoAShell: the banner's "Try it" lines are
// read by a shell as printed, with HOST=::1 too. Checked by bash with
// failglob, as zsh (macOS's shell) runs every line by default ("no matches
// found"), with curl and make stubbed: the create's URL and make smoke's
// API_URL were printed unquoted, so http://[::1]:3000's [::1] was a glob
// matching no file and zsh refused both lines.
func TestBannerTryItLinesPasteIntoAShell(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatalf("this test needs bash: %v", err)
	}
	iss, err := devtoken.New("http://127.0.0.1:3000", "paysessions-local", jwa.RS256())
	if err != nil {
		t.Fatal(err)
	}
	for _, base := range []string{"http://127.0.0.1:3000", "http://[::1]:3000"} {
		t.Run(base, func(t *testing.T) {
			var out bytes.Buffer
			banner(&out, &samlocal.Stack{URL: base, Template: &samlocal.Template{}, Issuer: iss})
			var lines []string
			for _, l := range strings.Split(out.String(), "\n") {
				if strings.HasPrefix(l, "  TOKEN=") || strings.HasPrefix(l, "  curl ") || strings.HasPrefix(l, "  make smoke ") {
					lines = append(lines, strings.TrimSpace(l))
				}
			}
			if len(lines) != 3 {
				t.Fatalf("banner's Try it lines = %q; want the token, create and smoke lines:\n%s", lines, out.String())
			}
			script := "curl() { :; }\nmake() { :; }\n" + strings.Join(lines, "\n")
			if got, err := exec.Command(bash, "-O", "failglob", "-e", "-c", script).CombinedOutput(); err != nil {
				t.Errorf("bash -O failglob %q: %v; want exit 0\n%s", lines, err, got)
			}
		})
	}
}
