package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/apitarget"
	"github.com/paysessions/paysessions/shared/config"
	"github.com/paysessions/paysessions/shared/doctext"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestMain builds the bootstraps the start-api targets run once for the
// whole binary (apitarget), and removes them at the end, with the binaries
// buildOnce built.
func TestMain(m *testing.M) {
	code := apitarget.Main(m)
	if builds.dir != "" {
		os.RemoveAll(builds.dir)
	}
	os.Exit(code)
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// runKindsAtOnce runs f once per kind, each as a subtest named by the kind
// (as apitarget.Run does), the kinds side by side, and returns when both
// have ended: for suites that mostly wait (timers, the other target's
// emulators), so that their waits overlap. Code after it sees both kinds
// done (a Diff's Check).
func runKindsAtOnce(t *testing.T, f func(t *testing.T, k apitarget.Kind)) {
	t.Helper()
	var wg sync.WaitGroup
	for _, k := range apitarget.Kinds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.Run(string(k), func(t *testing.T) { f(t, k) })
		}()
	}
	wg.Wait()
}

// freePort is a free port for a server run as its own process (PORT) or
// on a HOST under test. It is closed again before that server listens, so
// another test's server or emulator could take it in between: a server
// run() starts in this test process gets a listener instead.
func freePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return fmt.Sprint(l.Addr().(*net.TCPAddr).Port)
}

// listener is a listener on a free loopback port, for run(): held open
// from here until the server serves on it, so no other test can take the
// port in between. run() closes it, and so does the test's end.
func listener(t *testing.T) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// startServer runs the local server as `make run` does, on a free port and
// a fresh table, until the test ends: on a listener of its own, or, when
// env sets HOST (the setting under test), on HOST and a free PORT as make
// run listens. That port is freePort's, closed again before run() listens:
// one another server took in between (run() refused, EADDRINUSE) is
// picked again, up to three times in all, as startOnAFreePort does for a
// server run as its own process.
func startServer(t *testing.T, env map[string]string) (base string, out *lockedBuffer) {
	t.Helper()
	var cancel context.CancelFunc
	var done chan error
	for attempt := 1; ; attempt++ {
		vars := map[string]string{
			"DYNAMODB_ENDPOINT": storetest.Endpoint(t),
			"TABLE_NAME":        fmt.Sprintf("localapi-%d-%d", os.Getpid(), time.Now().UnixNano()),
		}
		var ln net.Listener
		if env["HOST"] == "" {
			ln = listener(t)
		} else {
			vars["PORT"] = freePort(t)
		}
		for k, v := range env {
			vars[k] = v
		}
		var ctx context.Context
		ctx, cancel = context.WithCancel(context.Background())
		out = &lockedBuffer{}
		ready := make(chan string, 1)
		done = make(chan error, 1)
		go func() { done <- run(ctx, func(k string) string { return vars[k] }, ln, out, out, ready) }()
		select {
		case base = <-ready:
		case err := <-done:
			cancel()
			if ln == nil && attempt < 3 && errors.Is(err, syscall.EADDRINUSE) {
				t.Logf("run() on PORT %s: another server took the port first; starting it on another\n%s", vars["PORT"], out)
				continue
			}
			t.Fatalf("run() = %v before it was ready; output:\n%s", err, out)
		case <-time.After(60 * time.Second):
			cancel()
			t.Fatal("server not ready after 60s")
		}
		break
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run() after Ctrl-C = %v; want a clean stop", err)
		}
	})
	return base, out
}

// paddedCreate is a create body of exactly n bytes, its orderId the fill
// byte repeated to make up the length.
func paddedCreate(n int, fill byte) string {
	const head, tail = `{"amount":1,"currency":"EUR","orderId":"`, `"}`
	return head + strings.Repeat(string(fill), n-len(head)-len(tail)) + tail
}

type client struct {
	t     *testing.T
	base  string
	token string
}

// create makes a session with body and answers its id; anything but 201
// ends the test.
func (c client) create(body string) string {
	c.t.Helper()
	code, s := c.call("POST", "/sessions", body)
	if code != 201 {
		c.t.Fatalf("create = %d %v", code, s)
	}
	return s["id"].(string)
}

func (c client) call(method, path string, body string) (int, map[string]any) {
	c.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(res.Body).Decode(&m)
	return res.StatusCode, m
}

func mint(t *testing.T, base, query string) string {
	t.Helper()
	res, err := http.Get(base + "/local/token?" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET /local/token = %d %s", res.StatusCode, b)
	}
	return string(b)
}

// TestLocalServerLifecycle is the walk-through, on the local server
// and on make start-api's stack: mint a token, create a session, move it
// through statuses, read it back; an untouched session expires by itself
// (reads EXPIRED, writes 409) and is gone after the retention (404), with
// no sweeper (its timer, an hour, never fires here).
func TestLocalServerLifecycle(t *testing.T) {
	// Mostly sleeps: beside the other waiting tests (after the rest).
	t.Parallel()
	runKindsAtOnce(t, func(t *testing.T, k apitarget.Kind) {
		// Writes are refused WRITE_GUARD before expiry and before the end of
		// retention. Each write's call to DynamoDB is cut off four fifths
		// of WRITE_GUARD after it began (README), its outcome unknown
		// (503): at WRITE_GUARD=1s that was 0.8 s, which DynamoDB Local
		// under -race on a loaded machine outlasted ("event SETTLED =
		// 503", 1 of 5 runs beside a CPU hog; every run with that write
		// held 0.9 s). At 3 s it is 2.4 s. The create and four events
		// below have expiry less the band to land: 2 s, then 3 s, were
		// outlasted beside a CPU hog and a second package's tests ("event
		// AUTHORISED = 409 SESSION_EXPIRED", 1 of 5), so 7 s. The sleeps
		// wait out the idle session's expiry, then its retention.
		const expiry, retention, guard = 10 * time.Second, 6 * time.Second, 3 * time.Second
		tg := apitarget.Start(t, k, apitarget.Options{Env: map[string]string{
			"SESSION_EXPIRY": expiry.String(), "RESULT_RETENTION": retention.String(), "WRITE_GUARD": guard.String(), "SWEEP_INTERVAL": "1h",
		}})
		base := tg.URL
		merchant := client{t, base, mint(t, base, "merchant_id=m-1&scope=sessions:read%20sessions:write")}
		processor := client{t, base, mint(t, base, "merchant_id=&scope=sessions:process")}
		// On start-api the events function's first request is its cold
		// start (its emulator and runtime started), which took 0.6-1 s on
		// a loaded machine: it is made here, before the window opens, on
		// a session that does not exist.
		if code, s := processor.call("POST", "/sessions/"+uuid.NewString()+"/events", `{"status":"PROCESSING"}`); code != 404 {
			t.Fatalf("event on an unknown session = %d %v; want 404", code, s)
		}

		code, s := merchant.call("POST", "/sessions", `{"amount":8800,"currency":"ZAR","orderId":"o-1"}`)
		if code != 201 {
			t.Fatalf("create = %d %v", code, s)
		}
		id := s["id"].(string)
		for _, st := range []string{"PROCESSING", "REQUIRES_ACTION", "AUTHORISED", "SETTLED"} {
			if code, s := processor.call("POST", "/sessions/"+id+"/events", `{"status":"`+st+`"}`); code != 200 || s["status"] != st {
				t.Fatalf("event %s = %d %v", st, code, s)
			}
		}
		code, s = merchant.call("GET", "/sessions/"+id, "")
		if code != 200 || s["status"] != "SETTLED" || len(s["history"].([]any)) != 5 {
			t.Fatalf("GET = %d %v; want SETTLED with 5 history entries", code, s)
		}

		code, s = merchant.call("POST", "/sessions", `{"amount":100,"currency":"EUR"}`)
		if code != 201 {
			t.Fatalf("create = %d %v", code, s)
		}
		idle := s["id"].(string)
		time.Sleep(expiry + 100*time.Millisecond)
		if code, s := merchant.call("GET", "/sessions/"+idle, ""); code != 200 || s["status"] != "EXPIRED" {
			t.Errorf("GET after SESSION_EXPIRY = %d %v; want EXPIRED", code, s)
		}
		if code, s := processor.call("POST", "/sessions/"+idle+"/events", `{"status":"AUTHORISED"}`); code != 409 || s["code"] != "SESSION_EXPIRED" {
			t.Errorf("event after expiry = %d %v; want 409 SESSION_EXPIRED", code, s)
		}
		time.Sleep(retention + 100*time.Millisecond)
		if code, s := merchant.call("GET", "/sessions/"+idle, ""); code != 404 {
			t.Errorf("GET after RESULT_RETENTION = %d %v; want 404", code, s)
		}
		if code, _ := merchant.call("GET", "/sessions/"+id, ""); code != 404 {
			t.Errorf("GET of the settled session after its retention = %d; want 404", code)
		}
	})
}

// TestStartUpBanner: make run's banner shows how to mint a token.
func TestStartUpBanner(t *testing.T) {
	_, out := startServer(t, nil)
	if !strings.Contains(out.String(), "/local/token") {
		t.Errorf("start-up banner lacks the token curl line:\n%s", out)
	}
}

// TestDevelopmentIssuerOnTheNetworkWarns: with the development issuer and
// a HOST other hosts can reach, the banner says that /local/token mints
// tokens for them too.
func TestDevelopmentIssuerOnTheNetworkWarns(t *testing.T) {
	for _, tc := range []struct {
		host string
		dev  bool
		want bool
	}{
		{"127.0.0.1", true, false},
		{"localhost", true, false},
		{"::1", true, false},
		{"127.0.0.2", true, false},
		{"0.0.0.0", true, true},
		{"::", true, true},
		{"192.168.1.20", true, true},
		{"0.0.0.0", false, false}, // an identity provider of the user's own: no /local/token
	} {
		var out strings.Builder
		banner(&out, "http://127.0.0.1:3000", config.Config{}, config.Local{Host: tc.host}, tc.dev)
		if got := strings.Contains(out.String(), "warning:"); got != tc.want {
			t.Errorf("HOST=%s, development issuer %v: warning %v; want %v\n%s", tc.host, tc.dev, got, tc.want, out.String())
		}
	}
}

func TestPortBusy(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := fmt.Sprint(l.Addr().(*net.TCPAddr).Port)
	err = run(context.Background(), func(k string) string {
		return map[string]string{"PORT": port, "DYNAMODB_ENDPOINT": "http://127.0.0.1:1"}[k]
	}, nil, io.Discard, io.Discard, nil)
	if err == nil || !strings.Contains(err.Error(), "PORT") {
		t.Errorf("run() on a busy port = %v; want an error that suggests PORT", err)
	}
}

// TestNoEngineAtTheEndpoint: DYNAMODB_ENDPOINT set (as the README's SAM
// CLI recipe sets it) with nothing there stops start-up with a message that
// names the setting, not only the SDK's "connection refused".
func TestNoEngineAtTheEndpoint(t *testing.T) {
	endpoint := "http://127.0.0.1:" + freePort(t) // closed again: nothing listens
	err := run(context.Background(), func(k string) string {
		return map[string]string{"DYNAMODB_ENDPOINT": endpoint}[k]
	}, listener(t), io.Discard, io.Discard, nil)
	if err == nil || !strings.Contains(err.Error(), "DYNAMODB_ENDPOINT="+endpoint) {
		t.Errorf("run() with nothing at DYNAMODB_ENDPOINT = %v; want an error naming DYNAMODB_ENDPOINT=%s", err, endpoint)
	}
}

// TestCtrlCDuringStartUpIsQuiet: Ctrl-C while start-up still waits for
// DynamoDB is the user's stop, as it is once the server runs: run returns
// nil (the command exits 0 and prints nothing), not "context canceled"
// with a hint about DYNAMODB_ENDPOINT (exit 1, and make's "Error 1").
func TestCtrlCDuringStartUpIsQuiet(t *testing.T) {
	endpoint, reached := storetest.SilentEngine(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out lockedBuffer
	done := make(chan error, 1)
	env := map[string]string{"DYNAMODB_ENDPOINT": endpoint}
	ln := listener(t)
	go func() {
		done <- run(ctx, func(k string) string { return env[k] }, ln, &out, &out, nil)
	}()
	select {
	case <-reached: // start-up is waiting on DynamoDB
	case err := <-done:
		t.Fatalf("run() = %v before start-up reached DynamoDB; output:\n%s", err, &out)
	case <-time.After(30 * time.Second):
		t.Fatal("start-up never called DynamoDB")
	}
	cancel() // Ctrl-C
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run() after Ctrl-C during start-up = %v; want nil (a quiet stop)", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run() did not return after Ctrl-C")
	}
	if strings.Contains(out.String(), "context canceled") {
		t.Errorf("output after Ctrl-C holds %q:\n%s", "context canceled", &out)
	}
}

func TestBadSettingStopsStartUp(t *testing.T) {
	err := run(context.Background(), func(k string) string {
		return map[string]string{"SESSION_EXPIRY": "soon"}[k]
	}, nil, io.Discard, io.Discard, nil)
	if err == nil || !strings.Contains(err.Error(), "SESSION_EXPIRY") {
		t.Errorf("run() with SESSION_EXPIRY=soon = %v; want an error naming it", err)
	}
}

// TestBadCPUProfileNamesItsVariable: README's Configuration lists
// LOCALAPI_CPUPROFILE ("`make run`: a file to write a CPU profile of the
// whole run to") and says "A bad value stops start-up with a message
// naming the variable". A file that could not be created stopped start-up
// as `localapi: open /no/such/folder/cpu.prof: no such file or directory`,
// naming no variable.
func TestBadCPUProfileNamesItsVariable(t *testing.T) {
	const quote = "A bad value stops start-up with a message naming the variable."
	if text := doctext.Section(t, "Configuration"); !strings.Contains(text, quote) || !strings.Contains(text, "`LOCALAPI_CPUPROFILE`") {
		t.Fatalf("README's Configuration no longer says %q of a LOCALAPI_CPUPROFILE row; update this test", quote)
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		name, value string
		refused     bool
	}{
		{"unset: no profile", "", false},
		{"a file in a folder that exists", filepath.Join(dir, "cpu.prof"), false},
		{"a file in a folder that does not exist", filepath.Join(dir, "missing", "cpu.prof"), true},
		{"a folder", dir, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stop, err := startCPUProfile(func(k string) string {
				return map[string]string{"LOCALAPI_CPUPROFILE": tc.value}[k]
			})
			if err == nil {
				stop()
			}
			if got := err != nil; got != tc.refused {
				t.Fatalf("startCPUProfile(LOCALAPI_CPUPROFILE=%q) = %v; refused %v; want %v", tc.value, err, got, tc.refused)
			}
			if tc.refused && !strings.Contains(err.Error(), "LOCALAPI_CPUPROFILE") {
				t.Errorf("startCPUProfile(LOCALAPI_CPUPROFILE=%q) = %v; want an error naming LOCALAPI_CPUPROFILE", tc.value, err)
			}
		})
	}
}

// TestLocalSweeperStoresExpiry, on the local server and on make
// start-api's stack: with a short SESSION_EXPIRY, an untouched session is
// stored as EXPIRED, and an expired parent's child too, by the first run
// that starts the guard band or more after its expiry (the sweeper's first
// instant, store.Expire) and is not cut short (README, "a session is swept
// at its first run after expiring plus the band"): at most the band, one
// interval and that run's own time after expiresAt. A run cut short (its
// deadline is a quarter of the 1 s interval before its end here) leaves the
// rest to the next run, so the wall-clock wait keeps slack; on the local
// server, whose summary lines say when each run started and whether it was
// complete, the rule itself is checked. A second run at once (EventBridge
// Scheduler delivers at least once) changes nothing.
//
// The targets sweep 8 expiry partitions (EXPIRY_SHARDS), not the default
// 64: a complete run reads every partition within its 0.75 s, and 64
// partitions' queries under -race on a busy machine took 3.1-3.2 s. Beside
// a CPU hog and other packages, 2 of 35 runs failed so: no run complete
// (each cut at 0.87 s), a session stored as CREATED 7.2 s after expiry and
// "a sweep run now, five times" cut five times; or a run cut with two
// expiry writes in flight, which landed counted as Deferred, not Expired,
// so the runs' lines said 1 of 3 (r102-flakes6; 0 of 30 with 8). How the
// sweeper takes turns over many partitions, and runs cut short, are
// shared/sweep's tests; here the number only sets the work of one run.
func TestLocalSweeperStoresExpiry(t *testing.T) {
	// Mostly waits for the expiry: beside the other waiting tests.
	t.Parallel()
	// Each write's DynamoDB call is cut off four fifths of WRITE_GUARD
	// after it began (README), its outcome unknown (503): at 1s that was
	// 0.8 s, which a create's TransactWriteItems held 0.9 s outlasted
	// ("create child = 503", as TestLocalServerLifecycle's event met
	// under load). At 3 s it is 2.4 s; the child's create has the 3 s
	// before its parent's band.
	const guard = 3 * time.Second
	runKindsAtOnce(t, func(t *testing.T, k apitarget.Kind) {
		tg := apitarget.Start(t, k, apitarget.Options{Env: map[string]string{
			"SESSION_EXPIRY": "6s", "WRITE_GUARD": guard.String(), "RESULT_RETENTION": "30s", "SWEEP_INTERVAL": "1s",
			"EXPIRY_SHARDS": "8",
		}})
		base := tg.URL
		c := client{t, base, mint(t, base, "merchant_id=m-1&scope=sessions:read%20sessions:write")}
		code, s := c.call("POST", "/sessions", `{"amount":1,"currency":"EUR"}`)
		if code != 201 {
			t.Fatalf("create = %d %v", code, s)
		}
		lone := s["id"].(string)
		code, s = c.call("POST", "/sessions", `{"amount":1,"currency":"EUR"}`)
		if code != 201 {
			t.Fatalf("create parent = %d %v", code, s)
		}
		parent := s["id"].(string)
		code, s = c.call("POST", "/sessions", `{"amount":1,"currency":"EUR","parentSessionId":"`+parent+`"}`)
		if code != 201 {
			t.Fatalf("create child = %d %v", code, s)
		}
		child := s["id"].(string)
		expiresAt, _ := time.Parse(time.RFC3339Nano, s["expiresAt"].(string))

		st := tg.Store(t)
		stored := func(id string) *session.Session {
			var v *session.Session
			_ = st.Transact(context.Background(), func(tx *store.Txn) error {
				var err error
				v, err = tx.Get(id)
				return err
			})
			return v
		}
		status := func(id string) session.Status {
			if v := stored(id); v != nil {
				return v.Status
			}
			return ""
		}
		// Within the guard band (3 s) and one interval (1 s) of the
		// expiry, plus slack for runs cut short on a busy machine.
		deadline := expiresAt.Add(guard + time.Second + 3*time.Second)
		for _, id := range []string{lone, parent, child} {
			for status(id) != session.Expired && time.Now().Before(deadline) {
				time.Sleep(100 * time.Millisecond)
			}
			if got := status(id); got != session.Expired {
				t.Errorf("%s stored as %s %s after expiry; want EXPIRED", id, got, time.Since(expiresAt).Round(time.Millisecond))
			}
		}
		if k == apitarget.Local {
			// The child expires last (no later than its parent, which
			// was created after the lone session).
			checkFirstCompleteRunExpired(t, tg.Logs, expiresAt.Add(guard), 3)
		}

		before := map[string]*session.Session{}
		for _, id := range []string{lone, parent, child} {
			before[id] = stored(id)
		}
		// A run cut short by its deadline (a quarter of the 1 s interval
		// before its end, which 64 shards' queries under -race on a busy
		// machine can pass: Complete false, nothing failed) is no answer
		// to whether a run changes them: the next is tried, up to five.
		var err error
		for range 5 {
			if err = tg.Sweep(context.Background()); err == nil {
				break
			}
		}
		if err != nil {
			t.Errorf("a sweep run now, five times: %v", err)
		}
		for id, want := range before {
			if got := stored(id); !reflect.DeepEqual(got, want) {
				t.Errorf("%s after a second sweep = %+v; want it unchanged: %+v", id, got, want)
			}
		}
	})
}

// checkFirstCompleteRunExpired checks, by the local server's sweep summary
// lines in logs, that the first run that started at or after due and was
// complete (every shard read to its end, nothing deferred), and the runs
// before it, expired want sessions in all. A run's start is its line's time
// less its SweepDurationMs (its clock reading for the query is taken just
// after its start).
// A run cut short is allowed to leave sessions to the next; a complete run
// after the band that does not find them (a query bound later than
// expiresAt + WRITE_GUARD, a timer that skips runs) fails, however busy the
// machine. A run's line is written after its writes land: logs is read
// again until the lines decide it (a few seconds at most).
func checkFirstCompleteRunExpired(t *testing.T, logs func() string, due time.Time, want int) {
	t.Helper()
	// The line's time is read a little after the run's duration (a
	// preemption under -race can make that milliseconds): a run counts as
	// started after due only clear of it. A bound one band late still
	// fails by far.
	const slack = 50 * time.Millisecond
	type run struct {
		Time     time.Time
		Msg      string
		Expired  int     `json:"SessionsExpired"`
		Deferred int     `json:"SessionsDeferred"`
		Duration float64 `json:"SweepDurationMs"`
		Complete bool
	}
	// judge returns the runs up to the first complete one after due, how
	// many they expired, and whether the lines decide the check.
	judge := func() (runs []string, expired int, decided bool) {
		for _, line := range strings.Split(logs(), "\n") {
			var r run
			if json.Unmarshal([]byte(line), &r) != nil || r.Msg != "sweep" {
				continue
			}
			start := r.Time.Add(-time.Duration(r.Duration * float64(time.Millisecond)))
			expired += r.Expired
			if !r.Complete {
				// A run cut off at its deadline counts a write still in
				// flight as deferred, not expired, though it may land
				// (shared/sweep's Result.Deferred): the next run then no
				// longer finds the session, and the expired counts alone
				// came up short (r102-flakes6: a run found 3, expired 1,
				// deferred 2, and each later run found 0). Such a
				// session was written or is left to the next run, which
				// finds it and counts it expired: counting a cut run's
				// deferrals keeps the check a lower bound. A sweeper
				// bound one band late still finds nothing by then.
				expired += r.Deferred
			}
			runs = append(runs, fmt.Sprintf("started %s complete=%t expired=%d deferred=%d", start.Format("15:04:05.000"), r.Complete, r.Expired, r.Deferred))
			if r.Complete && !start.Before(due.Add(slack)) {
				return runs, expired, true
			}
		}
		return runs, expired, expired >= want
	}
	runs, expired, decided := judge()
	for until := time.Now().Add(5 * time.Second); !decided && time.Now().Before(until); {
		time.Sleep(50 * time.Millisecond)
		runs, expired, decided = judge()
	}
	if expired < want {
		t.Errorf("by the first complete sweep run started at or after expiresAt + WRITE_GUARD (%s), the runs expired %d of %d sessions; want all (runs cut short may leave them to the next); runs:\n%s",
			due.Format("15:04:05.000"), expired, want, strings.Join(runs, "\n"))
	}
}

// TestListenHosts: the README's HOST is "the local servers' address", and
// any IP address or localhost is accepted. Whatever HOST is, the banner's
// URL reaches the server, and a token minted there is accepted: the
// development issuer's JWKS URL, which the server fetches from itself,
// must be on the address it listens on. Before, the base URL was always
// http://127.0.0.1:<PORT>, so with HOST=::1 the banner pointed nowhere and
// every token failed (the JWKS fetch found no server).
func TestListenHosts(t *testing.T) {
	for _, host := range []string{"127.0.0.1", "localhost", "::1", "0.0.0.0"} {
		t.Run(host, func(t *testing.T) {
			if ip := net.ParseIP(host); ip != nil && ip.To4() == nil {
				if l, err := net.Listen("tcp", net.JoinHostPort(host, "0")); err != nil {
					t.Fatalf("this machine has no %s to listen on: %v", host, err)
				} else {
					l.Close()
				}
			}
			base, _ := startServer(t, map[string]string{"HOST": host})
			// README's HOST row: the development issuer's keys are fetched
			// "over plain http, which they accept only from a loopback
			// host", and the server fetches them from its own URL: HOST=0.0.0.0
			// is reached at 127.0.0.1, never at http://0.0.0.0 (not a
			// loopback host).
			if h, _, err := net.SplitHostPort(strings.TrimPrefix(base, "http://")); err != nil || !config.PlainHTTPHost(h) {
				t.Errorf("HOST=%s: base URL %s; want one on a loopback host", host, base)
			}
			c := client{t, base, mint(t, base, "merchant_id=m-1")}
			if code, s := c.call("POST", "/sessions", `{"amount":100,"currency":"EUR"}`); code != 201 {
				t.Errorf("HOST=%s: create at %s with a token minted there = %d %v; want 201", host, base, code, s)
			}
		})
	}
}

// TestWrongEndpointIsTheReadmes: README's Troubleshooting quotes what
// `make run` prints when DYNAMODB_ENDPOINT names no running engine (the
// start of the message, then the SDK's words, which vary, then the hint),
// so a user who searches the README for it finds the entry. The README's
// endpoint is DynamoDB Local's usual http://127.0.0.1:8000.
func TestWrongEndpointIsTheReadmes(t *testing.T) {
	// The server on a listener of its own; the endpoint a free port, closed
	// again: nothing listens.
	endpoint := "http://127.0.0.1:" + freePort(t)
	vars := map[string]string{"DYNAMODB_ENDPOINT": endpoint}
	err := run(context.Background(), func(k string) string { return vars[k] }, listener(t), io.Discard, io.Discard, nil)
	if err == nil {
		t.Fatalf("run() with DYNAMODB_ENDPOINT=%s, where nothing listens = nil; want the create-table error", endpoint)
	}
	// What main prints: "localapi: " and the error.
	printed := strings.ReplaceAll("localapi: "+err.Error(), endpoint, "http://127.0.0.1:8000")
	const start = "localapi: create table payment-sessions: operation error DynamoDB: CreateTable, "
	const hint = "(is DynamoDB Local running at DYNAMODB_ENDPOINT=http://127.0.0.1:8000? unset DYNAMODB_ENDPOINT to have one started)"
	if !strings.HasPrefix(printed, start) || !strings.HasSuffix(printed, hint) {
		t.Fatalf("make run prints %q; want it to start %q and end %q, as the README quotes it", printed, start, hint)
	}
	text := doctext.Section(t, "Troubleshooting")
	if want := "`" + start + "... " + hint + "`"; !strings.Contains(text, want) {
		t.Errorf("README's Troubleshooting does not quote what make run prints for a wrong DYNAMODB_ENDPOINT: got no %s", want)
	}
}

// TestPortInUseIsTheReadmes: README's Troubleshooting quotes the message
// `make run` prints when its port is taken, so a user who searches the
// README for what the terminal says finds it. The message names the port;
// the README's is make run's default, 3000. Before, the README quoted a
// shortened form ("listen on 127.0.0.1:3000: address already in use") that
// is not what the command prints.
func TestPortInUseIsTheReadmes(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	vars := map[string]string{"PORT": port, "DYNAMODB_ENDPOINT": "http://127.0.0.1:1"}
	err = run(context.Background(), func(k string) string { return vars[k] }, nil, io.Discard, io.Discard, nil)
	if err == nil {
		t.Fatalf("run() on a taken port = nil; want the listen error")
	}
	// What main prints: "localapi: " and the error.
	printed := strings.ReplaceAll("localapi: "+err.Error(), port, "3000")
	text := doctext.Section(t, "Troubleshooting")
	if want := "`" + printed + "`"; !strings.Contains(text, want) {
		t.Errorf("README's Troubleshooting does not quote what make run prints on a taken port: got no %s", want)
	}
}

// TestServerStoppingOnItsOwnEndsRun: run "serves until ctx ends", or until
// the server stops serving on its own (localserver's Served: "the server's
// error if it stopped serving on its own"): then make run exits with that
// error rather than staying up, serving nothing, until Ctrl-C.
func TestServerStoppingOnItsOwnEndsRun(t *testing.T) {
	vars := map[string]string{
		"DYNAMODB_ENDPOINT": storetest.Endpoint(t),
		"TABLE_NAME":        fmt.Sprintf("localapi-%d-%d", os.Getpid(), time.Now().UnixNano()),
	}
	ln := listener(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, func(k string) string { return vars[k] }, ln, io.Discard, io.Discard, ready) }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("run() = %v before it was ready", err)
	case <-time.After(60 * time.Second):
		t.Fatal("server not ready after 60s")
	}
	ln.Close() // its Accept fails: the server stops serving
	select {
	case err := <-done:
		if err == nil {
			t.Errorf("run() after its listener closed got %v; want the server's error", err)
		}
	case <-time.After(10 * time.Second):
		cancel()
		<-done
		t.Errorf("run() still serving 10s after its listener closed; want it ended with the server's error")
	}
}

// TestNoEngineAtTheEndpointHidesItsSecrets: the hint naming
// DYNAMODB_ENDPOINT shows it as the banner does. README, Security: "The
// local servers' start-up banners, written where their logs go, show it
// (and DYNAMODB_ENDPOINT) so too", its user information and query as
// xxxxx. Before, the create-table error quoted the value whole, a
// password, a token as user name or a key in the query included.
func TestNoEngineAtTheEndpointHidesItsSecrets(t *testing.T) {
	endpoint := "http://tokUSER:tokPASS@127.0.0.1:" + freePort(t) + "/?k=tokQUERY"
	err := run(context.Background(), func(k string) string {
		return map[string]string{"DYNAMODB_ENDPOINT": endpoint}[k]
	}, listener(t), io.Discard, io.Discard, nil)
	if err == nil || !strings.Contains(err.Error(), "DYNAMODB_ENDPOINT="+config.ShownURL(endpoint)) || strings.Contains(err.Error(), "tok") {
		t.Errorf("run() with nothing at DYNAMODB_ENDPOINT = %v; want an error naming DYNAMODB_ENDPOINT=%s, no tok* in it", err, config.ShownURL(endpoint))
	}
}
