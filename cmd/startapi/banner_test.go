package main

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/config"
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

// TestBannerNamesTheIntervalTheSweeperRunsAt: the banner's schedule line
// says how often the stack invokes the schedule here (Stack.Every), not
// only the template's expression: with SWEEP_INTERVAL=5s the sweeper runs
// every 5 s, and a banner reading "schedule rate(1 minute)" alone told the
// user it ran once a minute.
func TestBannerNamesTheIntervalTheSweeperRunsAt(t *testing.T) {
	sch := samlocal.Schedule{Expression: "rate(1 minute)", Input: "{}"}
	tpl := &samlocal.Template{Functions: []*samlocal.Function{{LogicalID: "SweeperFunction", Schedules: []samlocal.Schedule{sch}}}}
	tests := []struct {
		every time.Duration
		want  string // the sweeper's line ends so
	}{
		{time.Minute, "schedule rate(1 minute)"},
		{5 * time.Second, "schedule rate(1 minute), invoked every 5s here (SWEEP_INTERVAL)"},
		{2 * time.Hour, "schedule rate(1 minute), invoked every 2h0m0s here (SWEEP_INTERVAL)"},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		banner(&out, &samlocal.Stack{URL: "http://127.0.0.1:3000", Template: tpl, Every: map[samlocal.Schedule]time.Duration{sch: tt.every}})
		var got string
		for _, l := range strings.Split(out.String(), "\n") {
			if strings.HasPrefix(l, "  SweeperFunction ") {
				got = strings.TrimSpace(strings.TrimPrefix(l, "  SweeperFunction "))
			}
		}
		if got != tt.want {
			t.Errorf("Every %s: the sweeper's banner line = %q; want %q", tt.every, got, tt.want)
		}
	}
}

// TestBannerNamesTheLifecycleSettings: the lifecycle line gives each of
// the functions' settings its own value (as make run's banner does).
func TestBannerNamesTheLifecycleSettings(t *testing.T) {
	cfg := config.Config{SessionExpiry: 15 * time.Minute, ResultRetention: 48 * time.Hour, WriteGuard: 5 * time.Second}
	var out bytes.Buffer
	banner(&out, &samlocal.Stack{URL: "http://127.0.0.1:3000", Template: &samlocal.Template{}, Config: cfg})
	want := "  lifecycle:  open sessions expire after 15m0s; results kept 48h0m0s; writes refused 5s before each end (WRITE_GUARD)\n"
	if !strings.Contains(out.String(), want) {
		t.Errorf("banner got %q; want it to contain %q", out.String(), want)
	}
}

// TestBannerHidesJWKSURLSecrets: README: "Logs and start-up errors show
// `JWKS_URL` with its user information and query as `xxxxx`". The
// banner, on the same terminal or file as the logs, printed it as set.
func TestBannerHidesJWKSURLSecrets(t *testing.T) {
	var out bytes.Buffer
	st := &samlocal.Stack{URL: "http://127.0.0.1:3000", Template: &samlocal.Template{}}
	st.Config.JWKSURL = "https://user:s3cretpw@idp.example/jwks?code=k3ysecret"
	st.DynamoDBEndpoint = "http://u:dbs3cret@127.0.0.1:8000/?k=dbk3y"
	banner(&out, st)
	for _, secret := range []string{"s3cretpw", "k3ysecret", "dbs3cret", "dbk3y"} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("banner got %q; want no %q in it", out.String(), secret)
		}
	}
}

// writeCounter counts the Write calls a writer gets.
type writeCounter struct{ writes int }

func (w *writeCounter) Write(p []byte) (int, error) { w.writes++; return len(p), nil }

// TestBannerIsOneWrite: the banner is written while the stack already
// serves, to the terminal its functions' and access log lines go to, so it
// is written in one Write, which a log line cannot split (make run's
// banner was split by a request line, seen by r89-fresh).
func TestBannerIsOneWrite(t *testing.T) {
	sch := samlocal.Schedule{Expression: "rate(1 minute)"}
	tpl := &samlocal.Template{Functions: []*samlocal.Function{{LogicalID: "ExpirySweeperFunction", Schedules: []samlocal.Schedule{sch}}}}
	for _, iss := range []*devtoken.Issuer{nil, {}} {
		var w writeCounter
		banner(&w, &samlocal.Stack{URL: "http://127.0.0.1:3000", Template: tpl, Issuer: iss})
		if w.writes != 1 {
			t.Errorf("issuer %v: banner made %d writes; want 1", iss != nil, w.writes)
		}
	}
}

// TestBannerNamesEnvJSONLifecycle: the functions run with the lifecycle
// settings events/env.json gives them, which the lifecycle line (the
// stack's own) does not show: r99-regress read "open sessions expire
// after 30m0s" in the banner of a stack whose sessions expired after 20 s
// (env.json's SESSION_EXPIRY). A line after it names each such value and
// the functions that run with it.
func TestBannerNamesEnvJSONLifecycle(t *testing.T) {
	tpl := &samlocal.Template{Functions: []*samlocal.Function{{LogicalID: "CreateSessionFunction"}, {LogicalID: "GetSessionFunction"}, {LogicalID: "ExpirySweeperFunction"}}}
	cfg := config.Config{SessionExpiry: 30 * time.Minute, ResultRetention: 15 * time.Minute, WriteGuard: 5 * time.Second}
	for _, c := range []struct {
		name string
		fl   map[string]map[string]string
		want string
	}{
		{"none", nil, ""},
		{"every function, and one of its own", map[string]map[string]string{
			"CreateSessionFunction": {"SESSION_EXPIRY": "20s"},
			"GetSessionFunction":    {"SESSION_EXPIRY": "12s", "RESULT_RETENTION": "12s"},
			"ExpirySweeperFunction": {"SESSION_EXPIRY": "12s", "RESULT_RETENTION": "12s"},
		}, "  env.json:   the functions named run with events/env.json's SESSION_EXPIRY=12s (ExpirySweeperFunction, GetSessionFunction), SESSION_EXPIRY=20s (CreateSessionFunction), RESULT_RETENTION=12s (ExpirySweeperFunction, GetSessionFunction)\n"},
		{"every function", map[string]map[string]string{
			"CreateSessionFunction": {"WRITE_GUARD": "2s"},
			"GetSessionFunction":    {"WRITE_GUARD": "2s"},
			"ExpirySweeperFunction": {"WRITE_GUARD": "2s"},
		}, "  env.json:   the functions named run with events/env.json's WRITE_GUARD=2s (every function)\n"},
	} {
		got := bannerLines(&samlocal.Stack{URL: "http://127.0.0.1:3000", Template: tpl, Config: cfg, FileLifecycle: c.fl}, "  env.json:")
		if got != c.want {
			t.Errorf("%s: banner's env.json line %q; want %q", c.name, got, c.want)
		}
	}
}

// TestBannerNamesFunctionsThatWillNotStart: events/env.json can give a
// function a setting its start-up refuses (r100-fresh: WRITE_GUARD
// "bogus"); make start-api started, its banner listing the value as the
// one the function runs with, and each request to that function was a
// 500. The banner says which functions will not start, and by which
// settings, and says nothing when every function starts.
func TestBannerNamesFunctionsThatWillNotStart(t *testing.T) {
	tpl := &samlocal.Template{Functions: []*samlocal.Function{{LogicalID: "CreateSessionFunction"}, {LogicalID: "GetSessionFunction"}}}
	for _, c := range []struct {
		name     string
		failures map[string][]string
		want     string
	}{
		{"none", nil, ""},
		{"one", map[string][]string{"GetSessionFunction": {"WRITE_GUARD"}},
			"  NOT STARTING: GetSessionFunction refuses WRITE_GUARD: each request to such a function is answered 500 and logs \"start-up failed\" naming the setting, as on Lambda\n"},
		{"every function, two settings", map[string][]string{"GetSessionFunction": {"LOG_LEVEL", "WRITE_GUARD"}, "CreateSessionFunction": {"LOG_LEVEL", "WRITE_GUARD"}},
			"  NOT STARTING: every function refuses LOG_LEVEL, WRITE_GUARD: each request to such a function is answered 500 and logs \"start-up failed\" naming the setting, as on Lambda\n"},
		{"two groups", map[string][]string{"GetSessionFunction": {"WRITE_GUARD"}, "CreateSessionFunction": {"LOG_LEVEL"}},
			"  NOT STARTING: CreateSessionFunction refuses LOG_LEVEL; GetSessionFunction refuses WRITE_GUARD: each request to such a function is answered 500 and logs \"start-up failed\" naming the setting, as on Lambda\n"},
	} {
		got := bannerLines(&samlocal.Stack{URL: "http://127.0.0.1:3000", Template: tpl, StartFailures: c.failures}, "  NOT STARTING:")
		if got != c.want {
			t.Errorf("%s: banner's NOT STARTING line %q; want %q", c.name, got, c.want)
		}
	}
}

// TestBannerListsNoValueAFunctionThatWillNotStartRunsWith: the env.json
// line names the functions that run with each value events/env.json gave
// them; a function whose start-up refuses its settings runs with none, and
// r102-seeds013 measured make start-api's banner naming SessionV1Function
// as running with WRITE_GUARD=bogus beside the NOT STARTING line that said
// it refuses it (every request to it was a 500), the listing
// TestBannerNamesFunctionsThatWillNotStart's r100-fresh found. Such a
// function is named by the NOT STARTING line alone.
func TestBannerListsNoValueAFunctionThatWillNotStartRunsWith(t *testing.T) {
	tpl := &samlocal.Template{Functions: []*samlocal.Function{{LogicalID: "CreateSessionFunction"}, {LogicalID: "GetSessionFunction"}, {LogicalID: "SessionV1Function"}}}
	cfg := config.Config{SessionExpiry: 30 * time.Minute, ResultRetention: 15 * time.Minute, WriteGuard: 5 * time.Second}
	for _, c := range []struct {
		name     string
		fl       map[string]map[string]string
		failures map[string][]string
		want     string
	}{
		{"the only one given a value will not start",
			map[string]map[string]string{"SessionV1Function": {"WRITE_GUARD": "bogus"}},
			map[string][]string{"SessionV1Function": {"WRITE_GUARD"}}, ""},
		{"another starts with its value",
			map[string]map[string]string{"SessionV1Function": {"WRITE_GUARD": "bogus"}, "GetSessionFunction": {"WRITE_GUARD": "2s"}},
			map[string][]string{"SessionV1Function": {"WRITE_GUARD"}},
			"  env.json:   the functions named run with events/env.json's WRITE_GUARD=2s (GetSessionFunction)\n"},
		{"refused for a setting the file did not give",
			map[string]map[string]string{"SessionV1Function": {"SESSION_EXPIRY": "3s"}, "CreateSessionFunction": {"SESSION_EXPIRY": "3s"}},
			map[string][]string{"SessionV1Function": {"LOG_LEVEL"}},
			"  env.json:   the functions named run with events/env.json's SESSION_EXPIRY=3s (CreateSessionFunction)\n"},
		{"every function that starts is not every function",
			map[string]map[string]string{"SessionV1Function": {"WRITE_GUARD": "2s"}, "GetSessionFunction": {"WRITE_GUARD": "2s"}, "CreateSessionFunction": {"WRITE_GUARD": "2s"}},
			map[string][]string{"SessionV1Function": {"LOG_LEVEL"}},
			"  env.json:   the functions named run with events/env.json's WRITE_GUARD=2s (CreateSessionFunction, GetSessionFunction)\n"},
	} {
		got := bannerLines(&samlocal.Stack{URL: "http://127.0.0.1:3000", Template: tpl, Config: cfg, FileLifecycle: c.fl, StartFailures: c.failures}, "  env.json:")
		if got != c.want {
			t.Errorf("%s: banner's env.json line %q; want %q", c.name, got, c.want)
		}
	}
}

// bannerLines is the lines of s's banner that start with prefix, each with
// its newline.
func bannerLines(s *samlocal.Stack, prefix string) string {
	var out bytes.Buffer
	banner(&out, s)
	got := ""
	for _, l := range strings.SplitAfter(out.String(), "\n") {
		if strings.HasPrefix(l, prefix) {
			got += l
		}
	}
	return got
}
