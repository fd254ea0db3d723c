package main

import (
	"encoding/json"
	"net"
	"os/exec"
	"strings"
	"testing"
)

// TestBannerTryItLinesRunAsPrinted: the banner's "Try it" lines, pasted
// into a shell, mint a token and create a session, whatever HOST is. Run
// by bash with failglob, as zsh (macOS's shell) runs every line by default
// ("no matches found"): with HOST=::1 the create's URL,
// http://[::1]:<port>/sessions, was printed unquoted, so its [::1] was a
// glob matching no file and zsh refused the line.
func TestBannerTryItLinesRunAsPrinted(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatalf("these tests need bash (README's prerequisites): %v", err)
	}
	for _, host := range []string{"127.0.0.1", "::1"} {
		t.Run(host, func(t *testing.T) {
			if l, err := net.Listen("tcp", net.JoinHostPort(host, "0")); err != nil {
				t.Fatalf("this machine has no %s to listen on: %v", host, err)
			} else {
				l.Close()
			}
			_, out := startServer(t, map[string]string{"HOST": host})
			var lines []string
			for _, l := range strings.Split(out.String(), "\n") {
				if strings.HasPrefix(l, "  TOKEN=") || strings.HasPrefix(l, "  curl ") {
					lines = append(lines, strings.TrimSpace(l))
				}
			}
			if len(lines) != 2 {
				t.Fatalf("banner's Try it lines = %q; want the token line and the create line:\n%s", lines, out)
			}
			got, err := exec.Command(bash, "-O", "failglob", "-e", "-c", strings.Join(lines, "\n")).CombinedOutput()
			if err != nil {
				t.Fatalf("bash -O failglob %q: %v\n%s", lines, err, got)
			}
			var created struct{ Status string }
			if err := json.Unmarshal(got, &created); err != nil || created.Status != "CREATED" {
				t.Errorf("the create line answered %s; want a session with status CREATED", got)
			}
		})
	}
}
