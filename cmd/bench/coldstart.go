package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/paysessions/paysessions/shared/samlocal"
)

// Cold-start budgets.
const (
	maxBinaryBytes = 12_000_000 // 12 MB, linux/arm64 as deployed
	maxStartRatio  = 2.0        // start-up vs the hello-world function
	startRuns      = 15
)

// deployEnv is the environment the Makefile's LAMBDA_BUILD (what SAM's
// build of every function runs) gives go build; its flags are
// samlocal.BuildFlags. A test holds both to the Makefile, so that the sizes
// measured are the deployed bootstraps', not another build's.
var deployEnv = []string{"GOOS=linux", "GOARCH=arm64", "GOARM64=v8.0", "CGO_ENABLED=0"}

// runColdStart measures each function's bootstrap: its size built for
// linux/arm64 as deployed, and the time from exec to its first Runtime API
// `next` call, built the same way for this machine, against a hello-world
// aws-lambda-go function built the same way in the same run. It also checks
// that no function opens a connection before its first invocation.
func runColdStart(s *suite) error {
	flags := append([]string{"build"}, samlocal.BuildFlags...)
	arm := filepath.Join(s.work, "arm64") + string(filepath.Separator)
	host := filepath.Join(s.work, "host") + string(filepath.Separator)
	fmt.Fprintln(s.log, "  building the bootstraps (linux/arm64 and this machine) ...")
	if err := s.run(deployEnv, "go", append(flags, "-o", arm, "./functions/...", "./cmd/bench/hello")...); err != nil {
		return fmt.Errorf("arm64 build: %w", err)
	}
	if err := s.run([]string{"CGO_ENABLED=0"}, "go", append(flags, "-o", host, "./functions/...", "./cmd/bench/hello")...); err != nil {
		return fmt.Errorf("host build: %w", err)
	}
	entries, err := os.ReadDir(filepath.Join(s.root, "functions"))
	if err != nil {
		return err
	}
	var names []string
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(s.root, "functions", e.Name(), "main.go")); e.IsDir() && err == nil {
			names = append(names, e.Name())
		}
	}
	helloInfo, err := os.Stat(arm + "hello")
	if err != nil {
		return err
	}
	s.add(row{Part: "cold start", Figure: "hello-world bootstrap size, linux/arm64", Measured: mb(helloInfo.Size())})
	for _, n := range names {
		fi, err := os.Stat(arm + n)
		if err != nil {
			return err
		}
		s.add(sizeRow("cold start", "bootstrap size, linux/arm64: "+n, fi.Size(), maxBinaryBytes))
	}

	// A listener the functions are pointed at for DynamoDB and the JWKS:
	// any connection to it before the first invocation is a network call at
	// init.
	trap, err := newConnTrap()
	if err != nil {
		return err
	}
	defer trap.close()
	rt, err := newStartServer()
	if err != nil {
		return err
	}
	defer rt.close()
	env := startEnv(rt.addr, trap.url)
	times := map[string][]float64{}
	all := append([]string{"hello"}, names...)
	fmt.Fprintf(s.log, "  starting each of %d binaries %d times ...\n", len(all), startRuns)
	for i := 0; i < startRuns; i++ {
		for _, n := range all {
			d, err := rt.timeStart(host+n, env)
			if err != nil {
				return fmt.Errorf("%s: %w", n, err)
			}
			times[n] = append(times[n], float64(d))
		}
	}
	hello := medianOf(times["hello"])
	s.add(row{Part: "cold start", Figure: "hello-world: exec to first `next` (median of 15)", Measured: ms(hello)})
	for _, n := range names {
		s.add(startRow(n, times[n], times["hello"]))
	}
	for _, n := range all {
		if err := rt.checkInit(host+n, env); err != nil {
			return fmt.Errorf("%s: %w", n, err)
		}
	}
	s.add(initCallsRow(trap.count()))
	return nil
}

// initCallsRow is the budget of the connections the bootstraps opened
// before their first invocation: none.
func initCallsRow(n int64) row {
	return row{Part: "cold start", Figure: fmt.Sprintf("connections opened before the first invocation (all functions, all runs, and %s after the first `next` in one more run each)", initGrace), Budget: "0", Measured: fmt.Sprint(n), Pass: pass(n == 0)}
}

// startEnv is the functions' environment for the cold-start runs: the
// runtime API at runtimeAPI, and every endpoint a function could call
// (DynamoDB, the JWKS) at trapURL, so that a call at init is counted. The
// trap is also the proxy of every HTTP(S) call to a host other than this
// machine (Go's HTTP clients, the SDK's included, honour these variables
// and never proxy a loopback address such as the runtime API's): a call at
// init to an address the environment does not name (AWS's own DynamoDB
// endpoint, STS, the instance metadata service) is counted too, not made.
func startEnv(runtimeAPI, trapURL string) []string {
	return []string{
		"AWS_LAMBDA_RUNTIME_API=" + runtimeAPI, "AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local",
		"TABLE_NAME=bench", "DYNAMODB_ENDPOINT=" + trapURL, "JWKS_URL=" + trapURL + "/jwks.json",
		"JWT_ISSUER=https://issuer.bench", "JWT_AUDIENCE=paysessions", "PATH=" + os.Getenv("PATH"),
		"HTTP_PROXY=" + trapURL, "HTTPS_PROXY=" + trapURL, "NO_PROXY=",
	}
}

// startRow is the start-up row of function n: the median of its times
// against the median of the hello world's (the budget), measured in the
// same rounds, and the spread: each round's time against the hello
// world's of the same round, lowest and highest.
func startRow(n string, times, hello []float64) row {
	m := medianOf(times)
	var rounds []float64
	for i := range min(len(times), len(hello)) {
		rounds = append(rounds, times[i]/hello[i])
	}
	return ratioRow("cold start", "exec to first `next`: "+n, fmt.Sprintf("≤ %.1f× hello", maxStartRatio), maxStartRatio, m/medianOf(hello), rounds, "; "+ms(m))
}

// connTrap is a listener that counts the connections made to it.
type connTrap struct {
	ln  net.Listener
	url string
	n   atomic.Int64
}

func newConnTrap() (*connTrap, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	t := &connTrap{ln: ln, url: "http://" + ln.Addr().String()}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.n.Add(1)
			c.Close()
		}
	}()
	return t, nil
}

func (t *connTrap) count() int64 { return t.n.Load() }
func (t *connTrap) close()       { _ = t.ln.Close() }

// startServer is a Lambda Runtime API that only notes the first `next`
// call of each process.
type startServer struct {
	addr string
	srv  *http.Server
	next chan struct{}
}

func newStartServer() (*startServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &startServer{addr: ln.Addr().String(), next: make(chan struct{}, 1)}
	s.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/runtime/invocation/next") {
			select {
			case s.next <- struct{}{}:
			default:
			}
			<-r.Context().Done() // hold the call until the process is killed
			return
		}
		w.WriteHeader(http.StatusAccepted)
	})}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

func (s *startServer) close() { _ = s.srv.Close() }

// timeStart runs bin and returns the time from exec to its first `next`.
func (s *startServer) timeStart(bin string, env []string) (time.Duration, error) {
	cmd := exec.Command(bin)
	cmd.Env = env
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	select {
	case <-s.next:
		return time.Since(start), nil
	case <-time.After(10 * time.Second):
		return 0, fmt.Errorf("no `next` call within 10 s")
	}
}

// sizeRow is a row of a size in bytes whose budget is at most max, in MB
// with the decimals to show a size over it as over it.
func sizeRow(part, figure string, n, max int64) row {
	return row{Part: part, Figure: figure, Budget: fmt.Sprintf("≤ %d MB", max/1_000_000), Measured: ratioText(float64(n)/1e6, float64(max)/1e6) + " MB", Pass: pass(n <= max)}
}

func mb(n int64) string    { return fmt.Sprintf("%.2f MB", float64(n)/1e6) }
func ms(ns float64) string { return fmt.Sprintf("%.1f ms", ns/1e6) }

// initGrace is how long checkInit lets a process run after its first
// `next` call before killing it: time for what its init started in the
// background (a prefetch in a goroutine) to connect.
const initGrace = 300 * time.Millisecond

// checkInit runs bin up to its first `next` call and initGrace beyond it,
// so that a connection its init opens from a goroutine reaches the trap
// its environment points at. (The timed runs kill each process at its
// first `next`, which would miss it.)
func (s *startServer) checkInit(bin string, env []string) error {
	cmd := exec.Command(bin)
	cmd.Env = env
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	select {
	case <-s.next:
		time.Sleep(initGrace)
		return nil
	case <-time.After(10 * time.Second):
		return fmt.Errorf("no `next` call within 10 s")
	}
}
