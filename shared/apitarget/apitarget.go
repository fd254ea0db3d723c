// Package apitarget starts the API for a test in each of the two ways it is
// served on this machine, behind one type, so that an HTTP-level suite runs
// unchanged against both:
//
//   - "local": the local server of make run (package localserver), every
//     handler on one net/http server in the test's process;
//   - "start-api": make start-api's stack (package samlocal), template.yaml's
//     real bootstraps, built for this machine, under the Lambda Runtime
//     Interface Emulator behind the HTTP API emulation.
//
// A Target is a base URL, the issuer whose tokens it accepts, the table and
// DynamoDB endpoint it uses (to seed or read what a request left), a way to
// run the expiry sweeper now, and its logs; it stops when the test ends. Run
// runs a suite once per kind, as subtests named by the kind.
//
// Where the two answer differently, one of them is wrong, and AWS's
// behaviour is the truth: the real binaries behind API Gateway, as the
// stack emulates it.
//
// The bootstraps are built once per test binary (a package's TestMain calls
// Main, which removes them at the end), from make test's own build when
// SeedEnv names it (BuildBootstraps); a stack then starts in well under a
// second and each function's emulator on its first request, so a suite gets
// a target of its own, with its own settings and a fresh table.
package apitarget

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/paysessions/paysessions/shared/config"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/localserver"
	"github.com/paysessions/paysessions/shared/samlocal"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// Kind is a way the API is served.
type Kind string

// The kinds.
const (
	// Local is the local server (make run).
	Local Kind = "local"
	// StartAPI is make start-api's stack of real bootstraps.
	StartAPI Kind = "start-api"
)

// Kinds are every kind, in the order Run runs them.
var Kinds = []Kind{Local, StartAPI}

// Run runs f once per kind, each as a subtest named by the kind.
func Run(t *testing.T, f func(t *testing.T, k Kind)) {
	t.Helper()
	for _, k := range Kinds {
		t.Run(string(k), func(t *testing.T) { f(t, k) })
	}
}

// Main runs a test binary's tests with DynamoDB available (storetest.Main),
// then removes the bootstraps the start-api targets ran. Use it from
// TestMain: os.Exit(apitarget.Main(m)).
func Main(m *testing.M) int {
	code := storetest.Main(m)
	if kit.dir != "" {
		os.RemoveAll(kit.dir)
	}
	return code
}

// Options configure a target.
type Options struct {
	// Env are the settings, as make run and make start-api read them
	// (SESSION_EXPIRY, RESULT_RETENTION, WRITE_GUARD, SWEEP_INTERVAL,
	// DYNAMODB_ENDPOINT, ...). Nothing else of the process's environment is
	// read. DYNAMODB_ENDPOINT defaults to the test's engine, TABLE_NAME to a
	// fresh table, deleted when the test ends; PORT and HOST are not used
	// (the target listens on a free loopback port).
	Env map[string]string
	// Issuer, when set, is the identity provider the target trusts:
	// JWKS_URL is a loopback server of its JWKS (the one kind of plain-http
	// JWKS URL the service accepts), JWT_ISSUER and JWT_AUDIENCE its own.
	// nil: the target is its own development issuer, minting at
	// GET /local/token.
	Issuer *devtoken.Issuer
}

// Target is a running API.
type Target struct {
	Kind Kind
	// URL is the API's base URL.
	URL string
	// TableName and DynamoDBEndpoint are the table the API uses and where.
	TableName        string
	DynamoDBEndpoint string
	// Config is the service's settings as the target resolved them (the
	// functions' own, for start-api).
	Config config.Config
	// Issuer signs the tokens the target accepts: Options.Issuer, or the
	// target's development issuer.
	Issuer *devtoken.Issuer

	logs  *buffer
	sweep func(context.Context) error
	stop  func() error
	once  sync.Once
	err   error
}

// Start starts a target of kind k, stopped when t ends (or by Close).
func Start(t testing.TB, k Kind, o Options) *Target {
	t.Helper()
	env := map[string]string{"DYNAMODB_ENDPOINT": storetest.Endpoint(t)}
	if o.Issuer != nil {
		jwks := httptest.NewServer(o.Issuer)
		t.Cleanup(jwks.Close)
		env["JWKS_URL"] = jwks.URL + devtoken.JWKSPath
		env["JWT_ISSUER"] = o.Issuer.Issuer
		env["JWT_AUDIENCE"] = o.Issuer.Audience
	}
	for key, v := range o.Env {
		env[key] = v
	}
	delete(env, "PORT")
	delete(env, "HOST")
	if env["TABLE_NAME"] == "" {
		env["TABLE_NAME"] = fmt.Sprintf("api-%s-%d-%d", k, os.Getpid(), tableSeq.Add(1))
		db := client(t, env["DYNAMODB_ENDPOINT"])
		name := env["TABLE_NAME"]
		t.Cleanup(func() {
			_, _ = db.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(name)})
		})
	}
	getenv := func(key string) string { return env[key] }

	var bootstraps, emulator string
	var tpl *samlocal.Template
	if k == StartAPI {
		// Before the start-up budget: the first start-api target of a test
		// binary builds every bootstrap and the emulator (build's own
		// 10-minute budget), which on a fresh machine's empty build cache,
		// under the rest of make test, took most of the 5 minutes below and
		// left CreateTable none.
		bootstraps, emulator, tpl = build(t)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tg := &Target{Kind: k, logs: &buffer{}}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	begin := time.Now()
	switch k {
	case Local:
		s, err := localserver.Start(ctx, localserver.Options{Getenv: getenv, Out: tg.logs, Log: tg.logs, Listener: ln})
		if err != nil {
			ln.Close()
			t.Fatalf("start the local server: %v", err)
		}
		tg.URL, tg.TableName, tg.DynamoDBEndpoint, tg.Config, tg.Issuer = s.URL, s.TableName, s.DynamoDBEndpoint, s.Config, s.Issuer
		tg.sweep = func(ctx context.Context) error {
			if r := s.Sweep(ctx); r.Errors > 0 || !r.Complete {
				return fmt.Errorf("sweep: %+v", r)
			}
			return nil
		}
		tg.stop = s.Close
	case StartAPI:
		s, err := samlocal.Start(ctx, samlocal.Options{
			Dir: kit.root, Getenv: getenv, Bootstraps: bootstraps, Emulator: emulator, Listener: ln, Log: tg.logs,
			Template: tpl,
		})
		if err != nil {
			ln.Close()
			t.Fatalf("start the start-api stack: %v", err)
		}
		tg.URL, tg.TableName, tg.DynamoDBEndpoint, tg.Config, tg.Issuer = s.URL, s.TableName, s.DynamoDBEndpoint, s.Config, s.Issuer
		var sweeper string
		for _, fn := range s.Template.Functions {
			if len(fn.Schedules) > 0 {
				sweeper = fn.LogicalID
			}
		}
		tg.sweep = func(ctx context.Context) error { return s.InvokeSchedule(ctx, sweeper) }
		tg.stop = s.Close
	default:
		t.Fatalf("apitarget: no kind %q", k)
	}
	if o.Issuer != nil {
		tg.Issuer = o.Issuer
	}
	t.Logf("%s target on %s (table %s) started in %v", k, tg.URL, tg.TableName, time.Since(begin).Round(time.Millisecond))
	t.Cleanup(func() {
		if err := tg.Close(); err != nil {
			t.Errorf("stop the %s target: %v", k, err)
		}
		if t.Failed() {
			logs := tg.logs.String()
			var notices []string
			for _, line := range strings.Split(logs, "\n") {
				if strings.HasPrefix(line, "start-api  ") {
					notices = append(notices, line)
				}
			}
			t.Logf("the %s target's own notices (start-api: why the gateway answered for a function):\n%s\nits log, last lines:\n%s",
				k, strings.Join(notices, "\n"), tail(logs, 60))
		}
	})
	return tg
}

// Close stops the target: the server, and for start-api every emulator and
// function process; it waits for them. Safe to call twice.
func (tg *Target) Close() error {
	tg.once.Do(func() { tg.err = tg.stop() })
	return tg.err
}

// Sweep runs the expiry sweeper now and waits for it: the local server's
// sweep, or the sweeper function invoked with its schedule's event, as
// EventBridge Scheduler invokes it.
func (tg *Target) Sweep(ctx context.Context) error { return tg.sweep(ctx) }

// Logs is everything the target has logged: the JSON log lines of the
// handlers (of every function, for start-api, with its emulator's output
// and the HTTP API's access log).
func (tg *Target) Logs() string { return tg.logs.String() }

// DB is a DynamoDB client for the target's engine.
func (tg *Target) DB(t testing.TB) *dynamodb.Client {
	t.Helper()
	return client(t, tg.DynamoDBEndpoint)
}

// Store reads and writes the target's table as the API does (its lifecycle
// policy and shards), on the real clock, which is the target's.
func (tg *Target) Store(t testing.TB) *store.Store {
	t.Helper()
	cfg := tg.Config
	return store.New(tg.DB(t), cfg.TableName, cfg.Policy(), cfg.ExpiryShards, time.Now, store.ListShards(cfg.ListShards))
}

var tableSeq atomic.Int64

// client is a test's client of the engine at endpoint, each attempt cut
// off at storetest.AttemptTimeout, as storetest.Client's: the service's
// 3 s (store.NewClient's default) failed a test's seeding on a loaded
// engine (r106-flakes10), and a test reading what a request left is no
// request path.
func client(t testing.TB, endpoint string) *dynamodb.Client {
	t.Helper()
	db, err := store.NewClient(context.Background(), store.ClientOptions{Endpoint: endpoint, AttemptTimeout: storetest.AttemptTimeout})
	if err != nil {
		t.Fatalf("DynamoDB client for %s: %v", endpoint, err)
	}
	return db
}

// kit is what every start-api target of a test binary shares: the
// repository, its template read once (each stack reading it again ran 13
// make -n, about 2 s of each start on a loaded machine), the bootstraps
// built once, and the emulator.
var kit struct {
	once     sync.Once
	root     string
	tpl      *samlocal.Template
	dir      string
	emulator string
	err      error
}

// build returns the directory of the bootstraps of every function of
// template.yaml, built for this machine as make start-api builds them, the
// emulator, and the template; all once per test binary.
func build(t testing.TB) (dir, emulator string, tpl *samlocal.Template) {
	t.Helper()
	kit.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		if kit.root, kit.err = samlocal.ModuleRoot(); kit.err != nil {
			return
		}
		tpl, err := samlocal.ReadTemplate(kit.root)
		if err != nil {
			kit.err = err
			return
		}
		kit.tpl = tpl
		var pkgs []string
		seen := map[string]bool{}
		for _, fn := range tpl.Functions {
			if !seen[fn.Package] {
				seen[fn.Package] = true
				pkgs = append(pkgs, fn.Package)
			}
		}
		if kit.dir, kit.err = os.MkdirTemp("", "apitarget-bootstraps-"); kit.err != nil {
			return
		}
		if kit.err = BuildBootstraps(ctx, kit.root, kit.dir, pkgs); kit.err != nil {
			return
		}
		kit.emulator, kit.err = samlocal.FindEmulator(ctx, kit.root)
	})
	if kit.err != nil {
		t.Fatalf("build the bootstraps: %v", kit.err)
	}
	return kit.dir, kit.emulator, kit.tpl
}

// SeedEnv names a directory of bootstraps built before the tests, which
// BuildBootstraps starts from: make test builds every function once, with
// the deployment's flags, for all the test binaries that run them (each
// linked all 13 again before: about 9 CPU seconds a binary).
const SeedEnv = "APITARGET_BOOTSTRAPS"

// BuildBootstraps builds pkgs into dir as samlocal.Build does. When SeedEnv
// names a directory, its files are first copied into dir, and the same go
// build then links only the binaries that are not up to date: go keeps a
// file only when the build ID it carries is the one of the link go would
// run now (from every package's compiled content, the flags and the
// toolchain), as go install keeps an installed command. A seed saves the
// links; it cannot leave a binary older than the source. The files are
// copied, not linked: a link that rewrites a file in place (go does when it
// cannot rename one) must not reach the seed.
func BuildBootstraps(ctx context.Context, root, dir string, pkgs []string) error {
	if seed := os.Getenv(SeedEnv); seed != "" {
		if err := copyFiles(dir, seed); err != nil {
			return fmt.Errorf("%s=%s: %w", SeedEnv, seed, err)
		}
	}
	return samlocal.Build(ctx, root, dir, pkgs)
}

// copyFiles copies the regular files of src into dst, executable.
func copyFiles(dst, src string) error {
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		if err := copyFile(filepath.Join(dst, e.Name()), filepath.Join(src, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// buffer is a log written by the target while the test reads it.
type buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
