package functions_test

// The bootstrap test builds every function's real bootstrap binary, as the
// deployment builds it but for this machine, and runs it against a Lambda
// Runtime API served by the test, with a recording proxy between the
// binary and DynamoDB Local. It proves each binary starts, serves its
// events/ sample end to end, calls only the DynamoDB actions its IAM
// policy grants (dynamoActions), stays idle waiting for the next
// invocation, and that a bad setting fails the init with a message naming
// it.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"
	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/apitarget"
	"github.com/paysessions/paysessions/shared/app/apptest"
	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
	"github.com/paysessions/paysessions/shared/sweep"
)

// The events/ samples name this session, merchant, API key id and API
// Gateway request id.
const (
	sampleSessionID = "6f1c2b8e-3d4a-4e5f-9a7b-0c1d2e3f4a5b"
	sampleMerchant  = apptest.Merchant
	sampleKeyID     = "0123456789abcdef"
	sampleRequestID = "Xk3p9gHYoAMEbvQ="

	testIssuer   = "https://issuer.test"
	testAudience = "paysessions"

	// How long the test waits for a binary to take an invocation, answer
	// it, or exit.
	bootstrapWait = 30 * time.Second
)

// buildBootstraps returns the directory holding every functions/<dir>
// main package built for this machine with the deployment's flags
// (apitarget.BuildBootstraps, the Makefile's LAMBDA_BUILD flags), one
// binary per function named by its directory. They are built once per test
// binary, in one go build (which under make test links only what its seed
// does not hold up to date), and shared by the tests that run them
// (TestMain removes them).
func buildBootstraps(t *testing.T) string {
	t.Helper()
	storetest.RequireEngine(t) // they run against DynamoDB Local
	bootstraps.once.Do(func() {
		start := time.Now()
		if bootstraps.dir, bootstraps.err = os.MkdirTemp("", "bootstraps-"); bootstraps.err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		bootstraps.err = apitarget.BuildBootstraps(ctx, root, bootstraps.dir, []string{"./functions/..."})
		bootstraps.took = time.Since(start)
	})
	if bootstraps.err != nil {
		t.Fatal(bootstraps.err)
	}
	t.Logf("the bootstraps were built in %v (once per test binary)", bootstraps.took.Round(time.Millisecond))
	return bootstraps.dir
}

// output is a file a process writes its stdout or stderr to. The process
// writes into the file itself (a *os.File given to exec.Cmd is handed
// over, not copied through a pipe by a goroutine), so whatever it wrote
// before it posted an answer to the Runtime API is in the file when the
// test reads it. With a pipe the copy could lag the answer, and a test
// looking for the request's log line failed now and then.
type output struct{ f *os.File }

func newOutput(t *testing.T, name string) *output {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return &output{f: f}
}

func (o *output) String() string {
	b, err := os.ReadFile(o.f.Name())
	if err != nil {
		return fmt.Sprintf("(reading %s: %v)", o.f.Name(), err)
	}
	return string(b)
}

// invocation is one event the Runtime API hands out.
type invocation struct {
	id       string
	payload  []byte
	deadline time.Time
	arn      string
}

// outcome is what the function posted for an invocation.
type outcome struct {
	id   string
	kind string // "response" or "error"
	body []byte
}

// initError is what the function posted to /runtime/init/error.
type initError struct {
	body      []byte
	errorType string // the Lambda-Runtime-Function-Error-Type header
}

// runtimeAPI serves the Lambda Runtime API to one function process: next
// hands out the invocations the test queues, one at a time, and blocks
// while there is none, as Lambda does between invocations.
type runtimeAPI struct {
	srv      *httptest.Server
	invokes  chan invocation
	outcomes chan outcome
	quit     chan struct{}
	nexts    atomic.Int32

	mu         sync.Mutex
	initErrors []initError
	misrouted  []string
}

func newRuntimeAPI(t *testing.T) *runtimeAPI {
	t.Helper()
	a := &runtimeAPI{invokes: make(chan invocation), outcomes: make(chan outcome, 16), quit: make(chan struct{})}
	const base = "/2018-06-01/runtime"
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+base+"/invocation/next", func(w http.ResponseWriter, r *http.Request) {
		a.nexts.Add(1)
		select {
		case inv := <-a.invokes:
			h := w.Header()
			h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
			h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
			h.Set("Lambda-Runtime-Invoked-Function-Arn", inv.arn)
			h.Set("Lambda-Runtime-Trace-Id", "Root=1-6b040ea0-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=0")
			h.Set("Content-Type", "application/json")
			_, _ = w.Write(inv.payload)
		case <-r.Context().Done():
		case <-a.quit:
			http.Error(w, "runtime shutting down", http.StatusInternalServerError)
		}
	})
	post := func(kind string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			a.outcomes <- outcome{id: r.PathValue("id"), kind: kind, body: body}
			w.WriteHeader(http.StatusAccepted)
		}
	}
	mux.HandleFunc("POST "+base+"/invocation/{id}/response", post("response"))
	mux.HandleFunc("POST "+base+"/invocation/{id}/error", post("error"))
	mux.HandleFunc("POST "+base+"/init/error", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		a.mu.Lock()
		a.initErrors = append(a.initErrors, initError{body: body, errorType: r.Header.Get("Lambda-Runtime-Function-Error-Type")})
		a.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.misrouted = append(a.misrouted, r.Method+" "+r.URL.Path)
		a.mu.Unlock()
		http.NotFound(w, r)
	})
	a.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		close(a.quit)
		a.srv.Close()
	})
	return a
}

// dynamoRecorder records the IAM actions of the DynamoDB requests it
// forwards.
type dynamoRecorder struct {
	mu       sync.Mutex
	requests []string // operations, in order, for the report
	grants   []grant  // IAM actions (and indexes) they need
	keys     []keyUse // the table's items they touch: action and key kind
	errs     []string // forwarding errors and requests it could not read
}

// keyUse is one item of the table an action touches, by the kind of its
// partition key ("SESSION#", "APIKEY#", "IDEMPOTENCY#"): what IAM's
// dynamodb:LeadingKeys condition sees.
type keyUse struct {
	Action string
	Kind   string
}

// keyKind is a partition key's kind: the key up to and including its
// first '#'.
func keyKind(pk string) string {
	if i := strings.IndexByte(pk, '#'); i >= 0 {
		return pk[:i+1]
	}
	return pk
}

// itemKey is an item (or a key) of a request: its pk.
type itemKey struct {
	Key  map[string]struct{ S string }
	Item map[string]struct{ S string }
}

func (k itemKey) pk() string {
	if v, ok := k.Key["pk"]; ok {
		return v.S
	}
	return k.Item["pk"].S
}

// itemActions maps a TransactWriteItems or TransactGetItems element to the
// action IAM authorises it as.
var itemActions = map[string]string{
	"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
	"ConditionCheck": "ConditionCheckItem", "Get": "GetItem",
}

func (d *dynamoRecorder) record(target string, body []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	op, ok := strings.CutPrefix(target, "DynamoDB_20120810.")
	if !ok {
		d.errs = append(d.errs, fmt.Sprintf("request with X-Amz-Target %q", target))
		return
	}
	var in struct {
		IndexName     string
		TransactItems []map[string]itemKey
		RequestItems  map[string]struct {
			Keys []map[string]struct{ S string }
		}
		itemKey
	}
	if err := json.Unmarshal(body, &in); err != nil {
		d.errs = append(d.errs, fmt.Sprintf("%s body: %v", op, err))
		return
	}
	switch op {
	case "TransactWriteItems", "TransactGetItems":
		var kinds []string
		for _, it := range in.TransactItems {
			for k, item := range it {
				a, ok := itemActions[k]
				if !ok {
					a = "unknown item kind " + k
				}
				kinds = append(kinds, a)
				d.grants = append(d.grants, grant{"dynamodb:" + a, ""})
				d.keys = append(d.keys, keyUse{"dynamodb:" + a, keyKind(item.pk())})
			}
		}
		d.requests = append(d.requests, op+"("+strings.Join(kinds, ",")+")")
	default:
		d.grants = append(d.grants, grant{"dynamodb:" + op, in.IndexName})
		switch {
		case in.IndexName != "":
			// A query of an index: LeadingKeys would be the index's
			// partition key; the policy names the index instead.
		case op == "BatchGetItem":
			for _, ri := range in.RequestItems {
				for _, k := range ri.Keys {
					d.keys = append(d.keys, keyUse{"dynamodb:" + op, keyKind(k["pk"].S)})
				}
			}
		default:
			d.keys = append(d.keys, keyUse{"dynamodb:" + op, keyKind(in.pk())})
		}
		if in.IndexName != "" {
			op += "(" + in.IndexName + ")"
		}
		d.requests = append(d.requests, op)
	}
}

// actions returns the distinct grants recorded, sorted.
func (d *dynamoRecorder) actions() []grant {
	d.mu.Lock()
	defer d.mu.Unlock()
	g := slices.Clone(d.grants)
	sortGrants(g)
	return slices.Compact(g)
}

// checkKeys checks each item the function touched is of a kind its
// policy's LeadingKeys condition admits for the action (itemKinds).
func (d *dynamoRecorder) checkKeys(t *testing.T, name string) {
	t.Helper()
	d.mu.Lock()
	keys := slices.Clone(d.keys)
	d.mu.Unlock()
	for _, k := range keys {
		if !slices.Contains(itemKinds[name][k.Action], k.Kind) {
			t.Errorf("%s: %s of a %q item, which its policy's LeadingKeys does not admit; want one of %v", name, k.Action, k.Kind, itemKinds[name][k.Action])
		}
	}
}

// newDynamoProxy is a reverse proxy to the test's DynamoDB engine that
// records each request. It forwards the request's bytes and headers as
// they are, Host included, so the SDK's signature still matches them.
func newDynamoProxy(t *testing.T) (*httptest.Server, *dynamoRecorder) {
	t.Helper()
	target, err := url.Parse(storetest.Endpoint(t))
	if err != nil {
		t.Fatal(err)
	}
	rec := &dynamoRecorder{}
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = pr.In.Host
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			rec.mu.Lock()
			rec.errs = append(rec.errs, "forward "+r.Header.Get("X-Amz-Target")+": "+err.Error())
			rec.mu.Unlock()
			w.WriteHeader(http.StatusBadGateway)
		},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		rec.record(r.Header.Get("X-Amz-Target"), body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, rec
}

// process is one running bootstrap binary with its Runtime API.
type process struct {
	name           string
	api            *runtimeAPI
	stdout, stderr *output
	invoked        int
	exited         chan struct{}
	state          *os.ProcessState // set before exited is closed
}

// startBootstrap starts functions/<name>'s binary from bins with exactly
// env (nothing of the test's environment) plus AWS_LAMBDA_RUNTIME_API and
// the variables Lambda sets. The process is killed when the test ends.
func startBootstrap(t *testing.T, bins, name string, env map[string]string) *process {
	t.Helper()
	p := &process{name: name, api: newRuntimeAPI(t), stdout: newOutput(t, name+".stdout"), stderr: newOutput(t, name+".stderr"), exited: make(chan struct{})}
	full := map[string]string{
		"AWS_LAMBDA_RUNTIME_API":          strings.TrimPrefix(p.api.srv.URL, "http://"),
		"AWS_LAMBDA_FUNCTION_NAME":        name,
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
		"AWS_REGION":                      "us-east-1",
		"AWS_ACCESS_KEY_ID":               "local",
		"AWS_SECRET_ACCESS_KEY":           "local",
		"_HANDLER":                        "bootstrap",
	}
	for k, v := range env {
		full[k] = v
	}
	cmd := exec.Command(filepath.Join(bins, name))
	for k, v := range full {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	sort.Strings(cmd.Env)
	cmd.Stdout, cmd.Stderr = p.stdout.f, p.stderr.f
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		_ = cmd.Wait()
		p.state = cmd.ProcessState
		close(p.exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.exited
	})
	return p
}

func (p *process) logs() string {
	return fmt.Sprintf("--- %s stdout:\n%s--- %s stderr:\n%s", p.name, p.stdout, p.name, p.stderr)
}

// invoke hands payload to the process as its next invocation and returns
// what it posted back.
func (p *process) invoke(t *testing.T, payload []byte) outcome {
	t.Helper()
	inv := invocation{
		id: uuid.NewString(), payload: payload, deadline: time.Now().Add(time.Minute),
		arn: "arn:aws:lambda:us-east-1:123456789012:function:" + p.name,
	}
	timeout := time.NewTimer(bootstrapWait)
	defer timeout.Stop()
	select {
	case p.api.invokes <- inv:
	case <-p.exited:
		t.Fatalf("%s exited (%v) before taking its invocation\n%s", p.name, p.state, p.logs())
	case <-timeout.C:
		t.Fatalf("%s did not ask for an invocation in %v\n%s", p.name, bootstrapWait, p.logs())
	}
	p.invoked++
	select {
	case o := <-p.api.outcomes:
		if o.id != inv.id {
			t.Errorf("%s posted its %s for invocation %q; want %q", p.name, o.kind, o.id, inv.id)
		}
		return o
	case <-p.exited:
		t.Fatalf("%s exited (%v) during its invocation\n%s", p.name, p.state, p.logs())
	case <-timeout.C:
		t.Fatalf("%s did not answer in %v\n%s", p.name, bootstrapWait, p.logs())
	}
	return outcome{}
}

// checkIdle checks the process, having answered every invocation, is
// waiting in next for another and has not exited.
func (p *process) checkIdle(t *testing.T) {
	t.Helper()
	want := int32(p.invoked + 1)
	deadline := time.After(bootstrapWait)
wait:
	for p.api.nexts.Load() < want {
		select {
		case <-p.exited:
			break wait
		case <-deadline:
			break wait
		case <-time.After(5 * time.Millisecond):
		}
	}
	select {
	case <-p.exited:
		t.Errorf("%s exited (%v) after %d invocations; want it idle in next\n%s", p.name, p.state, p.invoked, p.logs())
		return
	default:
	}
	if got := p.api.nexts.Load(); got != want {
		t.Errorf("%s called next %d times after %d invocations; got %v; want %v", p.name, got, p.invoked, got, want)
	}
	p.api.mu.Lock()
	defer p.api.mu.Unlock()
	if len(p.api.initErrors) > 0 || len(p.api.misrouted) > 0 {
		t.Errorf("%s posted init errors %q and unknown requests %q; want none", p.name, p.api.initErrors, p.api.misrouted)
	}
}

// checkDynamo checks the recorder saw requests, all forwarded, and that
// each needs an action functions/<name>'s IAM policy grants.
func checkDynamo(t *testing.T, name string, rec *dynamoRecorder) {
	t.Helper()
	got := rec.actions()
	rec.mu.Lock()
	requests, errs := slices.Clone(rec.requests), slices.Clone(rec.errs)
	rec.mu.Unlock()
	t.Logf("%s called DynamoDB: %v; actions %v", name, requests, got)
	if len(errs) > 0 {
		t.Errorf("%s: DynamoDB proxy errors: got %v; want none", name, errs)
	}
	if len(got) == 0 {
		t.Errorf("%s: no DynamoDB request recorded; got %v; want at least one", name, got)
	}
	want, ok := dynamoActions[name]
	if !ok {
		t.Errorf("functions/%s has no entry in dynamoActions (iam_test.go)", name)
	}
	for _, g := range got {
		if !slices.Contains(want, g) {
			t.Errorf("%s needs %v, which its policy does not grant; got %v; want a subset of %v", name, g, got, want)
		}
	}
	rec.checkKeys(t, name)
}

// sample reads events/<name>.json with its placeholders filled in and its
// createdDate query, if any, set to day.
func sample(t *testing.T, name, token, apiKey, day string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, "events", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	raw = bytes.ReplaceAll(raw, []byte("REPLACE_WITH_TOKEN"), []byte(token))
	raw = bytes.ReplaceAll(raw, []byte("REPLACE_WITH_API_KEY"), []byte(apiKey))
	return createdDate.ReplaceAll(raw, []byte("${1}"+day))
}

var createdDate = regexp.MustCompile(`(createdDate(?:=|"\s*:\s*"))\d{4}-\d{2}-\d{2}`)

// TestBootstrapBinaries runs each function's real bootstrap through the
// Lambda Runtime API: the API functions on their events/ samples, in an
// order that walks the sample session through its life (as
// shared/app's TestEventSamplesThroughLambdaHandler does in-process), the
// sweeper on its scheduler payload, and start-ups with bad settings.
func TestBootstrapBinaries(t *testing.T) {
	bins := buildBootstraps(t)
	dirs := functionDirs(t)
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(bins, d)); err != nil {
			t.Fatalf("go build made no binary for functions/%s: %v", d, err)
		}
	}
	t.Run("api", func(t *testing.T) { testAPIBootstraps(t, bins, dirs) })
	t.Run("sweeper", func(t *testing.T) { testSweeperBootstrap(t, bins) })
	t.Run("init-errors", func(t *testing.T) { testInitErrors(t, bins) })
}

// devIssuer starts a development identity provider for the test, its JWKS
// served at the URL it returns.
func devIssuer(t *testing.T) (*devtoken.Issuer, string) {
	t.Helper()
	iss, err := devtoken.New(testIssuer, testAudience, jwa.ES256())
	if err != nil {
		t.Fatal(err)
	}
	jwks := httptest.NewServer(iss)
	t.Cleanup(jwks.Close)
	return iss, jwks.URL
}

func testAPIBootstraps(t *testing.T, bins string, dirs []string) {
	ctx := context.Background()
	db := storetest.Client(t, store.ClientOptions{})
	table := storetest.NewTable(t, db)
	st := store.New(db, table, session.DefaultPolicy, 16, time.Now)
	iss, jwksURL := devIssuer(t)
	token := iss.MustMint(devtoken.Claims{MerchantID: sampleMerchant, Scopes: []string{
		auth.ScopeSessionsRead, auth.ScopeSessionsWrite, auth.ScopeSessionsProcess,
		auth.ScopeAPIKeysWrite, auth.ScopePaymentRead, auth.ScopeUser,
	}})
	// The API key of the samples that use one, and the key
	// delete-api-key.json deletes.
	keyID, apiKey, hash := auth.NewAPIKey()
	for _, k := range []*store.APIKey{
		{ID: keyID, MerchantID: sampleMerchant, Scopes: []string{auth.ScopeSessionsRead}, SecretHash: hash, CreatedAt: time.Now()},
		{ID: sampleKeyID, MerchantID: sampleMerchant, Scopes: []string{auth.ScopeSessionsRead}, SecretHash: make([]byte, 32), CreatedAt: time.Now()},
	} {
		if err := st.CreateAPIKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	amount := int64(8800)
	seed := session.New(&session.Draft{Amount: &amount, Currency: "ZAR", OrderID: "order-1000", TransactionID: "tx-1"},
		sampleMerchant, sampleSessionID, "hcp", time.Now(), session.DefaultPolicy)
	if _, _, err := st.Create(ctx, seed, nil, 0, nil); err != nil {
		t.Fatal(err)
	}
	// session-records.json lists the sessions of a day: today's, the day
	// the sessions are created on.
	day := seed.CreatedAt.UTC().Format(time.DateOnly)

	tests := apptest.Samples
	covered := map[string]bool{"expiry-sweeper": true} // testSweeperBootstrap
	for _, tt := range tests {
		covered[tt.Function] = true
	}
	for _, d := range dirs {
		if !covered[d] {
			t.Errorf("functions/%s is not run by the bootstrap test: give its sample a row in apptest.Samples", d)
		}
	}

	// Start every function at once: each inits while the others do and
	// then waits in next for its invocation.
	procs := map[string]*process{}
	recs := map[string]*dynamoRecorder{}
	for _, tt := range tests {
		proxy, rec := newDynamoProxy(t)
		procs[tt.Function] = startBootstrap(t, bins, tt.Function, map[string]string{
			"TABLE_NAME": table, "DYNAMODB_ENDPOINT": proxy.URL,
			"JWKS_URL": jwksURL, "JWT_ISSUER": testIssuer, "JWT_AUDIENCE": testAudience,
		})
		recs[tt.Function] = rec
	}
	for _, tt := range tests {
		t.Run(tt.Function, func(t *testing.T) {
			p := procs[tt.Function]
			o := p.invoke(t, sample(t, tt.Function, token, apiKey, day))
			if o.kind != "response" {
				t.Fatalf("%s posted an invocation %s %s; want a response\n%s", tt.Function, o.kind, o.body, p.logs())
			}
			var res events.APIGatewayV2HTTPResponse
			if err := json.Unmarshal(o.body, &res); err != nil {
				t.Fatalf("response %s: %v", o.body, err)
			}
			if res.StatusCode != tt.Status {
				t.Fatalf("statusCode: got %v; want %v (body %s)\n%s", res.StatusCode, tt.Status, res.Body, p.logs())
			}
			if res.IsBase64Encoded {
				t.Errorf("isBase64Encoded: got %v; want %v", res.IsBase64Encoded, false)
			}
			for h, want := range map[string]string{
				"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "X-Request-Id": sampleRequestID,
			} {
				if got := res.Headers[h]; got != want {
					t.Errorf("%s: got %q; want %q", h, got, want)
				}
			}
			if tt.Check != nil {
				var body any
				if err := json.Unmarshal([]byte(res.Body), &body); err != nil {
					t.Fatalf("body %q: %v", res.Body, err)
				}
				if got := tt.Check(body); !reflect.DeepEqual(got, tt.Want) {
					t.Errorf("got %v; want %v (body %s)", got, tt.Want, res.Body)
				}
			} else if res.Body != "" {
				t.Errorf("body: got %q; want %q", res.Body, "")
			}
			p.checkIdle(t)
			checkDynamo(t, tt.Function, recs[tt.Function])
			logs := p.logs()
			if strings.Contains(logs, token) || strings.Contains(logs, apiKey) {
				t.Errorf("%s logged a credential\n%s", tt.Function, logs)
			}
			if want := `"request_id":"` + sampleRequestID + `"`; !strings.Contains(p.stdout.String(), want) {
				t.Errorf("%s logs lack %s\n%s", tt.Function, want, logs)
			}
		})
	}
}

// sweeperFunctionName is a name as CloudFormation gives the template's
// sweeper (it sets no FunctionName): the stack's, the logical id's and a
// random suffix, never the folder's "expiry-sweeper".
const sweeperFunctionName = "paysessions-staging-ExpirySweeperFunction-9QeLJ2bXkT4A"

func testSweeperBootstrap(t *testing.T, bins string) {
	ctx := context.Background()
	db := storetest.Client(t, store.ClientOptions{})
	table := storetest.NewTable(t, db)
	st := store.New(db, table, session.DefaultPolicy, 16, time.Now)
	// Three sessions expired 5 and 10 minutes ago and not swept yet, one
	// open.
	now := time.Now()
	amount := int64(100)
	var vs []*session.Session
	var expired []string
	for i, created := range []time.Time{now.Add(-35 * time.Minute), now.Add(-35 * time.Minute), now.Add(-40 * time.Minute), now} {
		v := session.New(&session.Draft{Amount: &amount, Currency: "ZAR", OrderID: fmt.Sprintf("order-%d", i)},
			"merchant-2", uuid.NewString(), "hcp", created, session.DefaultPolicy)
		vs = append(vs, v)
		if created.Before(now) {
			expired = append(expired, v.ID)
		}
	}
	if err := st.ImportAll(ctx, vs); err != nil {
		t.Fatal(err)
	}
	payload := sample(t, "expiry-sweeper", "", "", "")

	tests := []struct {
		name  string
		table string
		runs  []sweep.Result // what each invocation reports; nil: the invocation fails
	}{
		// The second run finds nothing: the first one's writes took the
		// sessions out of the expiry index. The first is 10 minutes behind
		// (its oldest session expired then; Lag is the least it may be,
		// the clock being the real one), the second not at all.
		{"sweeps", table, []sweep.Result{{Found: 3, Expired: 3, Complete: true, Lag: 10 * time.Minute}, {Complete: true}}},
		// A table that does not exist: no shard can be read, so the
		// invocation fails (through /invocation/{id}/error) and the
		// process stays up for the next.
		{"missing-table", table + "-missing", nil},
	}
	procs := map[string]*process{}
	recs := map[string]*dynamoRecorder{}
	for _, tt := range tests {
		proxy, rec := newDynamoProxy(t)
		procs[tt.name] = startBootstrap(t, bins, "expiry-sweeper", map[string]string{"TABLE_NAME": tt.table, "DYNAMODB_ENDPOINT": proxy.URL,
			"AWS_LAMBDA_FUNCTION_NAME": sweeperFunctionName})
		recs[tt.name] = rec
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := procs[tt.name]
			if tt.runs == nil {
				o := p.invoke(t, payload)
				var e struct{ ErrorMessage, ErrorType string }
				if err := json.Unmarshal(o.body, &e); err != nil {
					t.Fatalf("%s %s: %v", o.kind, o.body, err)
				}
				if o.kind != "error" || !strings.Contains(e.ErrorMessage, "sweep failed") {
					t.Errorf("got %s %s; want an error saying the sweep failed\n%s", o.kind, o.body, p.logs())
				}
			}
			for i, want := range tt.runs {
				o := p.invoke(t, payload)
				if o.kind != "response" {
					t.Fatalf("run %d: got %s %s; want a response\n%s", i+1, o.kind, o.body, p.logs())
				}
				var got sweep.Result
				if err := json.Unmarshal(o.body, &got); err != nil {
					t.Fatalf("run %d: result %s: %v", i+1, o.body, err)
				}
				got.ItemsRead, got.Duration = 0, 0
				window := session.DefaultPolicy.Retention - session.DefaultPolicy.WriteGuard
				if got.Lag < want.Lag || got.Lag > want.Lag+time.Minute || math.Abs(got.LagPercent-100*got.Lag.Seconds()/window.Seconds()) > 0.01 {
					t.Errorf("run %d: lag %v (%v %%); want from %v, as a share of %v (%s)", i+1, got.Lag, got.LagPercent, want.Lag, window, o.body)
				}
				got.Lag, got.LagPercent, want.Lag = 0, 0, 0
				if got != want {
					t.Errorf("run %d: got %+v; want %+v (%s)", i+1, got, want, o.body)
				}
			}
			if tt.runs != nil {
				// Its metrics are its own stack's: the summary line's EMF
				// dimensions name the function as Lambda names it
				// (AWS_LAMBDA_FUNCTION_NAME), which the template's sweeper
				// alarms watch (TestSweeperAlarmsWatchTheirOwnStack).
				var summaries int
				for line := range strings.Lines(p.logs()) {
					var doc struct {
						FunctionName string
						AWS          struct {
							CloudWatchMetrics []struct{ Dimensions [][]string }
						} `json:"_aws"`
					}
					if json.Unmarshal([]byte(line), &doc) != nil || len(doc.AWS.CloudWatchMetrics) == 0 {
						continue
					}
					summaries++
					if dims := fmt.Sprint(doc.AWS.CloudWatchMetrics[0].Dimensions); doc.FunctionName != sweeperFunctionName || dims != "[[Service FunctionName]]" {
						t.Errorf("summary line: FunctionName %q, dimensions %s; want %q, [[Service FunctionName]]: %s", doc.FunctionName, dims, sweeperFunctionName, line)
					}
				}
				if summaries != len(tt.runs) {
					t.Errorf("%d EMF summary lines; want %d\n%s", summaries, len(tt.runs), p.logs())
				}
				for _, id := range expired {
					out, err := db.GetItem(ctx, &dynamodb.GetItemInput{
						TableName: aws.String(table), ConsistentRead: aws.Bool(true),
						Key: map[string]ddb.AttributeValue{
							"pk": &ddb.AttributeValueMemberS{Value: "SESSION#" + id},
							"sk": &ddb.AttributeValueMemberS{Value: "SESSION"},
						},
					})
					if err != nil {
						t.Fatal(err)
					}
					status, _ := out.Item["status"].(*ddb.AttributeValueMemberS)
					if status == nil || status.Value != string(session.Expired) {
						t.Errorf("stored status of %s: got %v; want %v", id, status, session.Expired)
					}
				}
			}
			p.checkIdle(t)
			checkDynamo(t, "expiry-sweeper", recs[tt.name])
		})
	}
}

func testInitErrors(t *testing.T, bins string) {
	db := storetest.Client(t, store.ClientOptions{})
	table := storetest.NewTable(t, db)
	api := map[string]string{
		"TABLE_NAME": table, "DYNAMODB_ENDPOINT": storetest.Endpoint(t),
		"JWKS_URL": "http://127.0.0.1:1/jwks.json", "JWT_ISSUER": testIssuer, "JWT_AUDIENCE": testAudience,
	}
	with := func(base map[string]string, k, v string) map[string]string {
		m := map[string]string{}
		for bk, bv := range base {
			if bk != k {
				m[bk] = bv
			}
		}
		if v != "" {
			m[k] = v
		}
		return m
	}
	sweeper := map[string]string{"TABLE_NAME": table, "DYNAMODB_ENDPOINT": storetest.Endpoint(t)}
	tests := []struct {
		name string
		fn   string
		env  map[string]string
		want []string // in the init error's message
	}{
		{"no JWKS_URL", "get-session", with(api, "JWKS_URL", ""), []string{"JWKS_URL is required"}},
		{"SESSION_EXPIRY=soon", "create-session", with(api, "SESSION_EXPIRY", "soon"), []string{`SESSION_EXPIRY="soon" is invalid`}},
		{"no JWT settings", "session-records", with(with(api, "JWT_ISSUER", ""), "JWT_AUDIENCE", ""), []string{"JWT_ISSUER is required", "JWT_AUDIENCE is required"}},
		{"sweeper without TABLE_NAME", "expiry-sweeper", with(sweeper, "TABLE_NAME", ""), []string{"TABLE_NAME is required"}},
		{"sweeper with a bad DYNAMODB_ENDPOINT", "expiry-sweeper", with(sweeper, "DYNAMODB_ENDPOINT", "localhost:8000"), []string{"DYNAMODB_ENDPOINT"}},
	}
	// `JWKS_URL`, `JWT_ISSUER`, `JWT_AUDIENCE` are, by docs/design.md §9,
	// "required in Lambda", for every API function (each main's MustLoadAPI, not the
	// sweeper's MustLoadSweeper, which would start it without them).
	for _, s := range apptest.Samples {
		if s.Function != "get-session" {
			tests = append(tests, struct {
				name string
				fn   string
				env  map[string]string
				want []string
			}{"no JWKS_URL for " + s.Function, s.Function, with(api, "JWKS_URL", ""), []string{"JWKS_URL is required"}})
		}
	}
	procs := make([]*process, len(tests))
	for i, tt := range tests {
		procs[i] = startBootstrap(t, bins, tt.fn, tt.env)
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := procs[i]
			select {
			case <-p.exited:
			case <-time.After(bootstrapWait):
				t.Fatalf("%s still running %v after start; want it to fail its init\n%s", tt.fn, bootstrapWait, p.logs())
			}
			if code := p.state.ExitCode(); code == 0 {
				t.Errorf("exit code: got %v; want non-zero", code)
			}
			if n := p.api.nexts.Load(); n != 0 {
				t.Errorf("next called: got %v times; want %v", n, 0)
			}
			p.api.mu.Lock()
			initErrors := slices.Clone(p.api.initErrors)
			p.api.mu.Unlock()
			if len(initErrors) != 1 {
				t.Fatalf("init errors posted: got %v; want %v\n%s", len(initErrors), 1, p.logs())
			}
			var e struct{ ErrorMessage, ErrorType string }
			if err := json.Unmarshal(initErrors[0].body, &e); err != nil {
				t.Fatalf("init error %s: %v", initErrors[0].body, err)
			}
			if initErrors[0].errorType != "Runtime.ConfigError" {
				t.Errorf("Lambda-Runtime-Function-Error-Type: got %q; want %q", initErrors[0].errorType, "Runtime.ConfigError")
			}
			if e.ErrorType != "ConfigError" {
				t.Errorf("errorType: got %q; want %q", e.ErrorType, "ConfigError")
			}
			for _, w := range tt.want {
				if !strings.Contains(e.ErrorMessage, w) {
					t.Errorf("errorMessage: got %q; want it to contain %q", e.ErrorMessage, w)
				}
			}
			// The same message on standard error, as one JSON log line.
			var line struct{ Level, Msg, Error string }
			if err := json.Unmarshal([]byte(strings.TrimSpace(p.stderr.String())), &line); err != nil {
				t.Fatalf("stderr %q: %v", p.stderr, err)
			}
			if line.Level != "ERROR" || line.Msg != "start-up failed" || line.Error != e.ErrorMessage {
				t.Errorf("stderr: got %+v; want level ERROR, msg start-up failed, error %q", line, e.ErrorMessage)
			}
			// Written by log/slog, as every other line of the service
			// (its JSON handler's members in its order), not by hand.
			if got, want := memberNames(t, p.stderr.String()), []string{"time", "level", "msg", "error"}; !slices.Equal(got, want) {
				t.Errorf("stderr members: got %v; want %v", got, want)
			}
		})
	}
}

// memberNames returns the member names of the JSON object line, in order.
func memberNames(t *testing.T, line string) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(line))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("line %q: not a JSON object (%v)", line, err)
	}
	var names []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		names = append(names, tok.(string))
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
	}
	return names
}
