package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/app"
	"github.com/paysessions/paysessions/shared/store"
)

// Load budgets.
const (
	loadConcurrency = 32
	maxP50Ratio     = 1.2
	maxPeakRSSBytes = 60_000_000
	heyVersion      = "v0.1.5"
	loadRounds      = 5
)

// medianLoad is the median of each figure over runs; errors and requests
// are summed.
func medianLoad(runs []loadResult) loadResult {
	var rps, p50, p99, engine, client, server []float64
	var out loadResult
	for _, r := range runs {
		rps, p50, p99 = append(rps, r.rps), append(p50, r.p50), append(p99, r.p99)
		engine, client, server = append(engine, r.cpu.engine), append(client, r.cpu.client), append(server, r.cpu.server)
		out.requests += r.requests
		out.errors += r.errors
	}
	out.rps, out.p50, out.p99 = medianOf(rps), medianOf(p50), medianOf(p99)
	out.cpu = cpuPerRequest{engine: medianOf(engine), client: medianOf(client), server: medianOf(server)}
	return out
}

type loadResult struct {
	rps, p50, p99 float64 // requests/s, seconds
	requests      int
	errors        int
	cpu           cpuPerRequest
}

// cpuPerRequest is the CPU time (user and system, seconds) each process
// spent during a run, divided by the run's successful requests: the
// engine's JVM, the load's client (the raw peer's own process, or hey)
// and the local server (zero in raw runs).
type cpuPerRequest struct{ engine, client, server float64 }

// heyRun puts hey's load on url for d and reads its figures, with the CPU
// the engine (pid engine), the server (pid server) and hey itself spent.
func heyRun(hey string, server, engine int, token, url string, d time.Duration) (loadResult, error) {
	e0, err := procCPU(engine)
	if err != nil {
		return loadResult{}, err
	}
	s0, err := procCPU(server)
	if err != nil {
		return loadResult{}, err
	}
	cmd := exec.Command(hey, "-z", d.String(), "-c", strconv.Itoa(loadConcurrency), "-H", "Authorization: Bearer "+token, url)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return loadResult{}, fmt.Errorf("hey: %v\n%s", err, out)
	}
	e1, err := procCPU(engine)
	if err != nil {
		return loadResult{}, err
	}
	s1, err := procCPU(server)
	if err != nil {
		return loadResult{}, err
	}
	r, err := parseHey(out)
	if err != nil {
		return r, err
	}
	if ok := float64(r.requests - r.errors); ok > 0 {
		client := (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
		r.cpu = cpuPerRequest{engine: (e1 - e0) / ok, client: client / ok, server: (s1 - s0) / ok}
	}
	return r, nil
}

// procCPU is the user and system CPU time, in seconds, process pid has
// used so far (/proc/<pid>/stat, utime and stime in clock ticks of 1/100 s,
// the value of USER_HZ on every Linux architecture Go supports).
func procCPU(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces:
	// fields are counted after its closing one.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields after the name", pid, len(f))
	}
	utime, err1 := strconv.ParseFloat(f[11], 64)
	stime, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: utime %q, stime %q", pid, f[11], f[12])
	}
	return (utime + stime) / 100, nil
}

// selfCPU is this process's user and system CPU time so far, in seconds.
func selfCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// runLoad puts the local server (with DynamoDB Local) under hey's load on a
// GET endpoint, against a plain Go program doing the same consistent
// GetItem at the same concurrency against the same engine.
func runLoad(s *suite, d time.Duration) error {
	hey, err := s.installHey()
	if err != nil {
		return err
	}
	table := fmt.Sprintf("bench-load-%d", time.Now().UnixNano())
	srv, base, err := s.startServer("localapi", "./cmd/localapi", table, "paysessions API listening on ")
	if err != nil {
		return err
	}
	defer func() { _ = srv.Process.Signal(os.Interrupt); _ = srv.Wait() }()
	token, err := httpGet(base + "/local/token?merchant_id=bench&scope=sessions:read%20sessions:write&ttl=1h")
	if err != nil {
		return err
	}
	req, _ := http.NewRequest("POST", base+"/sessions", strings.NewReader(`{"amount":8800,"currency":"ZAR","orderId":"bench"}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	var created struct{ ID string }
	_ = json.NewDecoder(res.Body).Decode(&created)
	res.Body.Close()
	if created.ID == "" {
		return fmt.Errorf("could not create the session to read")
	}

	// The second peer serves the same GetItem through the smallest net/http
	// server, on the same table (created by the local server above).
	floor, floorBase, err := s.startServer("floorserver", "./cmd/bench/floorserver", table, "floorserver listening on ")
	if err != nil {
		return err
	}
	defer func() { _ = floor.Process.Kill(); _ = floor.Wait() }()

	url := base + "/sessions/" + created.ID
	floorURL := floorBase + "/sessions/" + created.ID
	// A fresh engine's JVM is still compiling its hot paths during its
	// first seconds of load (one served ~1,000 GetItems/s in its first 10 s
	// and ~3,000/s after), which made the first round's raw run slow and
	// its ratio flattering. One unrecorded run of each warms the engine,
	// the server and both connection pools first.
	fmt.Fprintf(s.log, "  warm-up: raw GetItem, hey on the bare server, hey on the local server, %s each (not recorded) ...\n", d)
	if _, err := rawGetItem(s.endpoint, s.engine, table, created.ID, d); err != nil {
		return err
	}
	if _, err := heyRun(hey, floor.Process.Pid, s.engine, token, floorURL, d); err != nil {
		return err
	}
	warm, err := heyRun(hey, srv.Process.Pid, s.engine, token, url, d)
	if err != nil {
		return err
	}
	// The machine is shared and noisy: the raw peer, the bare server and
	// the service take turns, loadRounds times each (every other round in
	// the reverse order), and their medians are compared.
	raws, floorRuns, ourRuns, err := runRounds(loadRounds, func(round int, k loadKind) (loadResult, error) {
		fmt.Fprintf(s.log, "  round %d: %s, %d clients, %s ...\n", round, k, loadConcurrency, d)
		switch k {
		case rawRun:
			return rawGetItem(s.endpoint, s.engine, table, created.ID, d)
		case bareRun:
			return heyRun(hey, floor.Process.Pid, s.engine, token, floorURL, d)
		default:
			return heyRun(hey, srv.Process.Pid, s.engine, token, url, d)
		}
	}, func(round int, raw, bare, ours loadResult) {
		fmt.Fprintf(s.log, "  round %d: p50 raw %s, bare %s, server %s; CPU per request raw %s + %s, bare %s, server %s\n", round,
			msS(raw.p50), msS(bare.p50), msS(ours.p50), msS(raw.cpu.engine), msS(raw.cpu.client), heyCPU(bare), heyCPU(ours))
	})
	if err != nil {
		return err
	}
	rss, err := peakRSS(srv.Process.Pid)
	if err != nil {
		return err
	}
	for _, r := range loadRows(d, warm, raws, floorRuns, ourRuns, rss) {
		s.add(r)
	}
	return nil
}

// loadKind is one of the three runs of a load round.
type loadKind int

const (
	rawRun    loadKind = iota // the raw GetItem peer
	bareRun                   // hey on the bare server
	serverRun                 // hey on the local server
)

func (k loadKind) String() string {
	switch k {
	case rawRun:
		return "raw GetItem"
	case bareRun:
		return "hey on the bare server's GET /sessions/{id}"
	default:
		return "hey on GET /sessions/{id}"
	}
}

// roundOrder is the order of round's three runs (rounds count from 1):
// raw GetItem, bare server, local server in odd rounds, the reverse in
// even ones, so that what drifts within a round (the engine's JVM, a
// neighbour's load) falls on each side of a ratio in turn, and the local
// server does not always run right after the bare server.
func roundOrder(round int) []loadKind {
	if round%2 == 0 {
		return []loadKind{serverRun, bareRun, rawRun}
	}
	return []loadKind{rawRun, bareRun, serverRun}
}

// runRounds runs n rounds of the three runs, each round in roundOrder's
// order, and returns each run's results by round (raws[i], floorRuns[i]
// and ourRuns[i] are round i+1's, so that a round's ratios pair runs of
// that round); done is told each round's three results as it ends.
func runRounds(n int, run func(round int, k loadKind) (loadResult, error), done func(round int, raw, bare, ours loadResult)) (raws, floorRuns, ourRuns []loadResult, err error) {
	for round := 1; round <= n; round++ {
		var got [3]loadResult
		for _, k := range roundOrder(round) {
			if got[k], err = run(round, k); err != nil {
				return nil, nil, nil, err
			}
		}
		raws, floorRuns, ourRuns = append(raws, got[rawRun]), append(floorRuns, got[bareRun]), append(ourRuns, got[serverRun])
		done(round, got[rawRun], got[bareRun], got[serverRun])
	}
	return raws, floorRuns, ourRuns, nil
}

// loadRows are the load part's rows, from its rounds: raws (the raw
// GetItem), floorRuns (the bare server) and ourRuns (the local server),
// run in turn round by round (runRounds), each of d, after the warm-up whose local
// server run is warm; rss is the local server's peak resident set.
func loadRows(d time.Duration, warm loadResult, raws, floorRuns, ourRuns []loadResult, rss int64) []row {
	var rows []row
	raw, bare, ours := medianLoad(raws), medianLoad(floorRuns), medianLoad(ourRuns)
	rows = append(rows, row{Part: "load", Figure: fmt.Sprintf("raw consistent GetItem, 32 clients: throughput, p50, p99 (median of %d runs of %s)", len(raws), d), Measured: fmt.Sprintf("%.0f/s, %s, %s", raw.rps, msS(raw.p50), msS(raw.p99))})
	rows = append(rows, row{Part: "load", Figure: fmt.Sprintf("local server GET /sessions/{id}, hey, 32 clients: throughput, p50, p99 (median of %d runs of %s)", len(ourRuns), d), Measured: fmt.Sprintf("%.0f/s, %s, %s", ours.rps, msS(ours.p50), msS(ours.p99))})
	rows = append(rows, row{Part: "load", Figure: fmt.Sprintf("bare net/http server, same GetItem, hey, 32 clients: throughput, p50, p99 (median of %d runs of %s)", len(floorRuns), d), Measured: fmt.Sprintf("%.0f/s, %s, %s", bare.rps, msS(bare.p50), msS(bare.p99))})
	// The budget judges the ratio of the medians; each round's own ratio
	// (runs of the same round) is shown as the spread.
	rows = append(rows, ratioRow("load", "local server p50 vs raw GetItem p50", fmt.Sprintf("≤ %.1f×", maxP50Ratio), maxP50Ratio, ours.p50/raw.p50, roundP50Ratios(ourRuns, raws), ""))
	// What the HTTP hop alone costs on this machine, and what the service
	// adds to it: the two factors of the ratio above.
	rows = append(rows, row{Part: "load", Figure: "bare net/http server p50 vs raw GetItem p50 (the hop alone)", Measured: p50Ratio(floorRuns, raws)})
	rows = append(rows, row{Part: "load", Figure: "local server p50 vs bare net/http server p50 (the service's own part)", Measured: p50Ratio(ourRuns, floorRuns)})
	// Where the CPU went, per request and by process (medians of the
	// rounds): on two saturated cores this, not the service's own code
	// path, is what the p50 ratio follows (BENCHMARKS.md's narrative).
	rows = append(rows, row{Part: "load", Figure: "CPU per request, raw runs: engine + the peer's process", Measured: fmt.Sprintf("%s + %s = %s", msS(raw.cpu.engine), msS(raw.cpu.client), msS(raw.cpu.engine+raw.cpu.client))})
	rows = append(rows, row{Part: "load", Figure: "CPU per request, bare server runs: engine + bare server + hey", Measured: heyCPU(bare)})
	rows = append(rows, row{Part: "load", Figure: "CPU per request, server runs: engine + server + hey", Measured: heyCPU(ours)})
	rows = append(rows, loadErrorsRow(warm, ourRuns))
	rows = append(rows, peerErrorsRow(raws, floorRuns))
	rows = append(rows, sizeRow("load", "peak RSS of the local server", rss, maxPeakRSSBytes))
	return rows
}

// loadErrorsRow is the errors budget of the local server's load runs: the
// warm-up's included, whose latencies are not recorded but whose errors
// are errors under load.
func loadErrorsRow(warm loadResult, runs []loadResult) row {
	all := medianLoad(append([]loadResult{warm}, runs...))
	return row{Part: "load", Figure: fmt.Sprintf("errors under load (%d requests, the warm-up's included)", all.requests), Budget: "0", Measured: fmt.Sprint(all.errors), Pass: pass(all.errors == 0)}
}

// peerErrorsRow: the peers' errors in the rounds the ratios are taken
// from. A failed call is missing from the raw peer's latencies, and a bare
// server's error answer is in hey's, so a peer with errors did other work
// than the local server: the ratios against it measure nothing, and the
// part fails.
func peerErrorsRow(raws, floorRuns []loadResult) row {
	raw, bare := medianLoad(raws), medianLoad(floorRuns)
	return row{Part: "load", Figure: fmt.Sprintf("errors of the peers (%d raw GetItems, %d requests to the bare server; the ratios above hold only against peers without errors)", raw.requests, bare.requests),
		Budget: "0", Measured: fmt.Sprintf("raw GetItem %d, bare server %d", raw.errors, bare.errors), Pass: pass(raw.errors == 0 && bare.errors == 0)}
}

// p50Ratio is the ratio of the medians' p50s, with each round's own
// ratio (a[i] against b[i]) as the spread.
func p50Ratio(a, b []loadResult) string {
	mid := medianLoad(a).p50 / medianLoad(b).p50
	lo, hi := mid, mid
	if r := roundP50Ratios(a, b); len(r) > 0 {
		lo, hi = slices.Min(r), slices.Max(r)
	}
	return fmt.Sprintf("%.2f× (rounds %.2f–%.2f)", mid, lo, hi)
}

// roundP50Ratios is each round's own p50 ratio, a[i] against b[i].
func roundP50Ratios(a, b []loadResult) []float64 {
	var r []float64
	for i := range min(len(a), len(b)) {
		r = append(r, a[i].p50/b[i].p50)
	}
	return r
}

// heyCPU is a hey run's CPU per request by process.
func heyCPU(r loadResult) string {
	return fmt.Sprintf("%s + %s + %s = %s", msS(r.cpu.engine), msS(r.cpu.server), msS(r.cpu.client), msS(r.cpu.engine+r.cpu.server+r.cpu.client))
}

// startServer builds the program in pkg, starts it on a free port with the
// engine and table, and waits for its line that starts with banner (the
// base URL follows it). Its logs are discarded.
func (s *suite) startServer(name, pkg, table, banner string) (*exec.Cmd, string, error) {
	bin := filepath.Join(s.work, name)
	if err := s.run(nil, "go", "build", "-buildvcs=false", "-o", bin, pkg); err != nil {
		return nil, "", fmt.Errorf("build %s: %w", name, err)
	}
	port, err := freePort()
	if err != nil {
		return nil, "", err
	}
	srv := exec.Command(bin)
	srv.Env = append(os.Environ(), "PORT="+port, "DYNAMODB_ENDPOINT="+s.endpoint, "TABLE_NAME="+table, "SWEEP_INTERVAL=1h")
	stdout, _ := srv.StdoutPipe()
	srv.Stderr = io.Discard
	if err := srv.Start(); err != nil {
		return nil, "", err
	}
	base, err := waitBanner(stdout, banner)
	if err != nil {
		_ = srv.Process.Kill()
		_ = srv.Wait()
		return nil, "", err
	}
	return srv, base, nil
}

// installHey installs the load generator into bin/ once.
func (s *suite) installHey() (string, error) {
	bin := filepath.Join(s.root, "bin")
	hey := filepath.Join(bin, "hey")
	if _, err := os.Stat(hey); err == nil {
		return hey, nil
	}
	fmt.Fprintf(s.log, "  installing hey %s into bin/ ...\n", heyVersion)
	if err := s.run([]string{"GOBIN=" + bin}, "go", "install", "github.com/rakyll/hey@"+heyVersion); err != nil {
		return "", fmt.Errorf("go install hey: %w", err)
	}
	return hey, nil
}

// waitBanner reads the server's output up to its "listening" line, then
// discards the rest without looking at it (cheaply: the reader shares the
// machine with what it measures).
func waitBanner(r io.Reader, banner string) (string, error) {
	lines := make(chan string)
	go func() {
		br := bufio.NewReader(r)
		for {
			l, err := br.ReadString('\n')
			if err != nil {
				return
			}
			if base, ok := strings.CutPrefix(strings.TrimSpace(l), banner); ok {
				lines <- base
				_, _ = io.Copy(io.Discard, br)
				return
			}
		}
	}()
	select {
	case b := <-lines:
		return b, nil
	case <-time.After(60 * time.Second):
		return "", fmt.Errorf("local server not ready after 60 s")
	}
}

func httpGet(url string) (string, error) {
	res, err := http.Get(url)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return string(b), err
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port), nil
}

// rawGetItem is the peer: the same consistent GetItem the endpoint makes, at
// the same concurrency, straight to the engine with the service's client
// and the service's GC setting (app.TuneGC: at Go's default GOGC the SDK's
// client side of a call spent ~30 % more CPU, which the peer paid on the
// cores it shares with the engine, and the ratio credited to the service).
// It also reads the CPU the engine (pid engine) and this process spent.
func rawGetItem(endpoint string, engine int, table, id string, d time.Duration) (loadResult, error) {
	app.TuneGC()
	db, err := store.NewClient(context.Background(), store.ClientOptions{Endpoint: endpoint})
	if err != nil {
		return loadResult{}, err
	}
	in := &dynamodb.GetItemInput{
		TableName: aws.String(table), ConsistentRead: aws.Bool(true),
		Key: map[string]ddb.AttributeValue{
			"pk": &ddb.AttributeValueMemberS{Value: "SESSION#" + id},
			"sk": &ddb.AttributeValueMemberS{Value: "SESSION"},
		},
	}
	var mu sync.Mutex
	var lat []float64
	errs := 0
	e0, err := procCPU(engine)
	if err != nil {
		return loadResult{}, err
	}
	c0 := selfCPU()
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	for c := 0; c < loadConcurrency; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []float64
			bad := 0
			// Each worker calls at least once: one that first ran after
			// stop (a loaded machine, a short d) made no call, and with
			// every worker late the peer failed with no successful call.
			for first := true; first || time.Now().Before(stop); first = false {
				t := time.Now()
				out, err := db.GetItem(context.Background(), in)
				if err != nil || out.Item == nil {
					bad++
					continue
				}
				mine = append(mine, time.Since(t).Seconds())
			}
			mu.Lock()
			lat = append(lat, mine...)
			errs += bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	c1 := selfCPU()
	e1, err := procCPU(engine)
	if err != nil {
		return loadResult{}, err
	}
	sort.Float64s(lat)
	if len(lat) == 0 {
		return loadResult{}, fmt.Errorf("raw GetItem: no successful call")
	}
	ok := float64(len(lat))
	return loadResult{rps: ok / d.Seconds(), p50: lat[len(lat)/2], p99: lat[len(lat)*99/100], requests: len(lat) + errs, errors: errs,
		cpu: cpuPerRequest{engine: (e1 - e0) / ok, client: (c1 - c0) / ok}}, nil
}

var (
	heyRPS     = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	heyPct     = regexp.MustCompile(`(?m)^\s+(\d+)%+ in ([\d.]+) secs`)
	heyStatus  = regexp.MustCompile(`(?m)^\s+\[(\d+)\]\s+(\d+) responses`)
	heyErrLine = regexp.MustCompile(`(?m)^\s+\[(\d+)\]\s+Get .*$`)
)

func parseHey(out []byte) (loadResult, error) {
	var r loadResult
	m := heyRPS.FindSubmatch(out)
	if m == nil {
		return r, fmt.Errorf("hey output without Requests/sec:\n%s", out)
	}
	r.rps, _ = strconv.ParseFloat(string(m[1]), 64)
	for _, p := range heyPct.FindAllSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(string(p[2]), 64)
		switch string(p[1]) {
		case "50":
			r.p50 = v
		case "99":
			r.p99 = v
		}
	}
	for _, st := range heyStatus.FindAllSubmatch(out, -1) {
		n, _ := strconv.Atoi(string(st[2]))
		r.requests += n
		if string(st[1]) != "200" {
			r.errors += n
		}
	}
	for _, e := range heyErrLine.FindAllSubmatch(out, -1) {
		n, _ := strconv.Atoi(string(e[1]))
		r.requests += n
		r.errors += n
	}
	if bytes.Contains(out, []byte("Error distribution")) && r.errors == 0 {
		r.errors = 1 // an error line hey printed that the pattern did not read
	}
	if r.p50 == 0 {
		return r, fmt.Errorf("hey output without a latency distribution:\n%s", out)
	}
	return r, nil
}

// peakRSS reads the process's peak resident set (VmHWM).
func peakRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no VmHWM for process %d", pid)
}

func msS(sec float64) string { return fmt.Sprintf("%.2f ms", sec*1000) }
