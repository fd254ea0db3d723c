package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/config"
	"github.com/paysessions/paysessions/shared/smoke"
)

// TestBannerTryItLinesRunAsPrinted: the banner's "Try it" lines, pasted
// into a shell, mint a token and create a session, whatever HOST is, and
// its make smoke line names the server, against which the smoke passes
// (the line was missing, where make start-api's banner has one). Run
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
			base, out := startServer(t, map[string]string{"HOST": host})
			var lines []string
			smokeLine := ""
			for _, l := range strings.Split(out.String(), "\n") {
				if strings.HasPrefix(l, "  TOKEN=") || strings.HasPrefix(l, "  curl ") {
					lines = append(lines, strings.TrimSpace(l))
				}
				if strings.HasPrefix(l, "  make smoke ") {
					smokeLine = strings.TrimSpace(l)
				}
			}
			if len(lines) != 2 || smokeLine == "" {
				t.Fatalf("banner's Try it lines = %q, %q; want the token line, the create line and make smoke's:\n%s", lines, smokeLine, out)
			}
			got, err := exec.Command(bash, "-O", "failglob", "-e", "-c", strings.Join(lines, "\n")).CombinedOutput()
			if err != nil {
				t.Fatalf("bash -O failglob %q: %v\n%s", lines, err, got)
			}
			var created struct{ Status string }
			if err := json.Unmarshal(got, &created); err != nil || created.Status != "CREATED" {
				t.Errorf("the create line answered %s; want a session with status CREATED", got)
			}
			// make smoke's line, as a shell reads it (make stubbed to
			// print its API_URL), names this server, and the smoke it
			// starts passes against it (in-process here: go run would
			// compile cmd/smoke).
			apiURL, err := exec.Command(bash, "-O", "failglob", "-e", "-c", "make() { printf '%s' \"${2#API_URL=}\"; }\n"+smokeLine).CombinedOutput()
			if err != nil || string(apiURL) != base {
				t.Fatalf("bash -O failglob %q: API_URL %q, %v; want %q", smokeLine, apiURL, err, base)
			}
			var smokeOut bytes.Buffer
			if err := smoke.Run(context.Background(), smoke.Config{BaseURL: string(apiURL), Out: &smokeOut}); err != nil {
				t.Errorf("make smoke against make run: %v; want it to pass:\n%s", err, &smokeOut)
			}
		})
	}
}

// TestBannerNamesTheLifecycleSettings: the banner's lifecycle line gives
// each setting its own value. README: "`make run` runs the same sweep
// every `SWEEP_INTERVAL`", so "sweep every" is that interval; the write
// guard "(WRITE_GUARD)" is its own.
func TestBannerNamesTheLifecycleSettings(t *testing.T) {
	cfg := config.Config{SessionExpiry: 15 * time.Minute, ResultRetention: 48 * time.Hour, WriteGuard: 5 * time.Second}
	var out strings.Builder
	banner(&out, "http://127.0.0.1:3000", cfg, config.Local{Host: "127.0.0.1", SweepInterval: 7 * time.Second}, true)
	for _, want := range []string{"expire after 15m0s", "results kept 48h0m0s", "writes refused 5s before each end (WRITE_GUARD)", "sweep every 7s\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("banner got %q; want it to contain %q", out.String(), want)
		}
	}
}

// TestBannerHidesJWKSURLSecrets: the start-up banner, which make run
// writes to the same output as its log lines (`nohup make run > run.log`),
// shows JWKS_URL as every log line does. README: "Logs and start-up errors
// show `JWKS_URL` with its user information and query as `xxxxx`". It
// printed `JWKS_URL` as set, password and query key included.
func TestBannerHidesJWKSURLSecrets(t *testing.T) {
	cfg := config.Config{JWKSURL: "https://user:s3cretpw@idp.example/jwks?code=k3ysecret", DynamoDBEndpoint: "http://u:dbs3cret@127.0.0.1:8000/?k=dbk3y", JWTIssuer: "https://idp.example", JWTAudience: "a"}
	var out strings.Builder
	banner(&out, "http://127.0.0.1:3000", cfg, config.Local{Host: "127.0.0.1", SweepInterval: time.Minute}, false)
	for _, secret := range []string{"s3cretpw", "k3ysecret", "dbs3cret", "dbk3y"} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("banner got %q; want no %q in it", out.String(), secret)
		}
	}
	if want := config.ShownURL(cfg.JWKSURL); !strings.Contains(out.String(), want) {
		t.Errorf("banner got %q; want it to contain %q", out.String(), want)
	}
}

// writeCounter counts the Write calls a writer gets.
type writeCounter struct{ writes int }

func (w *writeCounter) Write(p []byte) (int, error) { w.writes++; return len(p), nil }

// TestBannerIsOneWrite: the banner is written while the server already
// serves, to the terminal its request lines go to (stdout and stderr are
// both the terminal under make run), so it is written in one Write, which
// a request line cannot split. Written line by line, a request sent as the
// server came up landed between "paysessions API listening on ..." and
// "DynamoDB: ..." (seen on a fresh clone's make run, r89-fresh).
func TestBannerIsOneWrite(t *testing.T) {
	for _, dev := range []bool{true, false} {
		var w writeCounter
		banner(&w, "http://127.0.0.1:3000", config.Config{}, config.Local{Host: "0.0.0.0", SweepInterval: time.Minute}, dev)
		if w.writes != 1 {
			t.Errorf("dev=%v: banner made %d writes; want 1", dev, w.writes)
		}
	}
}
