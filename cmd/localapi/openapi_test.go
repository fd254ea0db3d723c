package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/apitarget"
	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/racemode"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// The OpenAPI tests check docs/openapi.yaml against the real service: every
// exchange below is a real request to the local server, validated on the
// way out (does the request conform to the document?) and on the way back
// (does the response: status, headers, media type, body?). A coverage
// table of (method, path template, status) makes sure every documented
// status of every endpoint was seen, and that nothing undocumented was.

const specPath = "../../docs/openapi.yaml"

// otherMethod stands, in the coverage table, for any method a path does not
// serve: the document's path items name their 405 answer in the extension
// x-method-not-allowed.
const otherMethod = "OTHER"

const extMethodNotAllowed = "x-method-not-allowed"

func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(specPath)
	if err != nil {
		t.Fatalf("load %s: %v", specPath, err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("%s is OpenAPI %s; want 3.1", specPath, doc.OpenAPI)
	}
	// Examples are checked by TestOpenAPIExamplesMatchTheirSchemas, every
	// one with its place named; doc.Validate would stop at the first and
	// skips those of headers and extensions.
	if err := doc.Validate(loader.Context, openapi3.DisableExamplesValidation()); err != nil {
		t.Fatalf("%s is not a valid OpenAPI document: %v", specPath, err)
	}
	return doc
}

// TestOpenAPIDocumentsEveryRoute: the document's operations are exactly the
// routes the service mounts.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	doc := loadSpec(t)
	var got, want []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			got = append(got, method+" "+path)
		}
	}
	for _, rt := range httpapi.Routes(httpapi.Deps{}) {
		want = append(want, rt.Pattern)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("documented operations = %v; want the routes %v", got, want)
	}
}

// coverKey is one row of the coverage table.
type coverKey struct {
	method string
	path   string
	status int
}

func (k coverKey) String() string { return fmt.Sprintf("%s %s %d", k.method, k.path, k.status) }

// checker sends exchanges to one server and validates them against the
// document.
type checker struct {
	doc    *openapi3.T
	router routers.Router
	base   string
	cover  *coverage
	client *http.Client
	// diff, when set, gets every answer, as kind's.
	diff *apitarget.Diff
	kind apitarget.Kind
}

type coverage struct {
	mu   sync.Mutex
	seen map[coverKey]int
}

func (c *coverage) add(k coverKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen[k]++
}

// newChecker returns a checker for the server at base, routing with the
// document's paths on that server.
func newChecker(t *testing.T, doc *openapi3.T, base string, cov *coverage) *checker {
	t.Helper()
	d := *doc
	d.Servers = openapi3.Servers{{URL: base}}
	r, err := gorillamux.NewRouter(&d)
	if err != nil {
		t.Fatalf("router: %v", err)
	}
	// The client sends only the Accept-Encoding an exchange names: Go's
	// transport would otherwise ask for gzip itself and take the coding off
	// the answer, Content-Encoding included, before any check saw it.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.DisableCompression = true
	return &checker{doc: &d, router: r, base: base, cover: cov, client: &http.Client{Timeout: 30 * time.Second, Transport: transport}}
}

// exchange is one real request and what it must get.
type exchange struct {
	name   string
	method string
	path   string // with the query
	header http.Header
	body   string
	// status is the status the server must answer.
	status int
	// code is the error body's machine-readable code ("" for a success).
	code string
	// badReq says the request does not conform to the document (a
	// malformed id, body, parameter or missing credentials): request
	// validation must then fail, and otherwise pass.
	badReq bool
}

// result is what came back.
type result struct {
	status int
	header http.Header
	body   any
}

func (r result) str(keys ...string) string {
	v := r.body
	for _, k := range keys {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	s, _ := v.(string)
	return s
}

// hdr builds a header from name-value pairs.
func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

func bearer(token string, kv ...string) http.Header {
	return hdr(append([]string{"Authorization", "Bearer " + token}, kv...)...)
}

func apiKey(key string, kv ...string) http.Header {
	return hdr(append([]string{"X-Api-Key", key}, kv...)...)
}

func (c *checker) request(ex exchange) *http.Request {
	var body io.Reader
	if ex.body != "" {
		body = strings.NewReader(ex.body)
	}
	req, err := http.NewRequest(ex.method, c.base+ex.path, body)
	if err != nil {
		panic(err)
	}
	for k, vs := range ex.header {
		req.Header[k] = slices.Clone(vs)
	}
	if ex.body != "" && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

// do runs ex against the server and validates both directions. It reports
// with t.Errorf only, so it may run in parallel goroutines.
func (c *checker) do(t *testing.T, ex exchange) result {
	t.Helper()
	ctx := context.Background()
	vreq := c.request(ex)
	route, params, err := c.router.FindRoute(vreq)
	// kin-openapi's gorillamux router matches the escaped path and returns
	// path parameters still percent-encoded; an OpenAPI path parameter's
	// value is the decoded one (what the server's PathValue reads).
	for k, v := range params {
		if u, err := url.PathUnescape(v); err == nil {
			params[k] = u
		}
	}
	method := ex.method
	switch {
	case errors.Is(err, routers.ErrMethodNotAllowed):
		route = c.methodNotAllowedRoute(t, vreq)
		if route == nil {
			return result{}
		}
		method = otherMethod
	case err != nil:
		t.Errorf("%s: %s %s matches no documented path: %v", ex.name, ex.method, ex.path, err)
		return result{}
	default:
		in := &openapi3filter.RequestValidationInput{
			Request: vreq, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: authenticate, MultiError: true},
		}
		err := openapi3filter.ValidateRequest(ctx, in)
		if got := err != nil; got != ex.badReq {
			t.Errorf("%s: request violates the document = %v; want %v (%v)", ex.name, got, ex.badReq, err)
		}
	}

	res, err := c.client.Do(c.request(ex))
	if err != nil {
		t.Errorf("%s: %v", ex.name, err)
		return result{}
	}
	if res.Uncompressed {
		// The transport asked for gzip on its own and took the coding off:
		// the Content-Encoding the service sent is hidden from the checks
		// below (and from the targets' comparison).
		t.Errorf("%s: the client's transport decompressed the answer; the service's Content-Encoding was not seen", ex.name)
	}
	raw, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Errorf("%s: read body: %v", ex.name, err)
	}
	if res.Header.Get("Content-Encoding") == "gzip" {
		// The document describes the representation; gzip is its coding.
		if raw, err = gunzip(raw); err != nil {
			t.Errorf("%s: gzip body: %v", ex.name, err)
		}
	}
	c.diff.Add(c.kind, ex.name, res.StatusCode, res.Header, raw)
	r := result{status: res.StatusCode, header: res.Header}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			t.Errorf("%s: body is not JSON: %v: %s", ex.name, err, raw)
		}
	}
	if res.StatusCode != ex.status {
		t.Errorf("%s: %s %s = %d; want %d (%s)", ex.name, ex.method, ex.path, res.StatusCode, ex.status, raw)
	}
	if got := errorCode(r.body); got != ex.code {
		t.Errorf("%s: error code = %q; want %q (%s)", ex.name, got, ex.code, raw)
	}

	rin := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route}
	err = openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
		RequestValidationInput: rin,
		Status:                 res.StatusCode,
		Header:                 res.Header,
		Body:                   io.NopCloser(bytes.NewReader(raw)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	})
	if err != nil {
		t.Errorf("%s: %s %s → %d does not match the document: %v\nbody: %s", ex.name, ex.method, ex.path, res.StatusCode, err, raw)
	}
	c.cover.add(coverKey{method, route.Path, res.StatusCode})
	if resp := route.Operation.Responses.Status(res.StatusCode); resp != nil && resp.Value != nil {
		for _, name := range undocumentedHeaders(resp.Value, res.StatusCode, res.Header) {
			t.Errorf("%s: %s %s → %d has %s: %q, which the document does not declare on that response", ex.name, ex.method, ex.path, res.StatusCode, name, res.Header.Get(name))
		}
	}
	return r
}

// framingHeaders are the message's own: HTTP's framing and the media type
// (the response's content map names it), never declared as headers
// (OpenAPI: "If a response header is defined with the name
// "Content-Type", it SHALL be ignored").
var framingHeaders = []string{"Content-Type", "Content-Length", "Transfer-Encoding", "Connection", "Date"}

// proseHeaders are on every answer of the paths and said so once, in
// info.description, not per response; Apigw-Requestid is API Gateway's
// own (make start-api's too), not the service's.
var proseHeaders = []string{"Strict-Transport-Security", "Apigw-Requestid"}

// undocumentedHeaders are the headers of an answer that the response it
// matched does not declare. kin-openapi's ValidateResponse checks the
// declared ones (present when required, values by their schemas) but not
// the others, so a header a client must act on (Retry-After, Location,
// Link, WWW-Authenticate, Idempotent-Replayed, Accept-Encoding, Vary,
// Content-Encoding...) could be sent and left out of the document; a
// client generator then never exposes it. Allow, on a 405, is checked by
// checkAllow.
func undocumentedHeaders(resp *openapi3.Response, status int, h http.Header) []string {
	var out []string
	for name := range h {
		declared := func(k string) bool { return strings.EqualFold(k, name) }
		switch {
		case slices.ContainsFunc(framingHeaders, declared), slices.ContainsFunc(proseHeaders, declared):
		case status == http.StatusMethodNotAllowed && declared("Allow"):
		case slices.ContainsFunc(slices.Collect(maps.Keys(resp.Headers)), declared):
		default:
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

func gunzip(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// errorCode is the machine-readable code of an error body: a problem's
// code, or the first notification's code of document 001's envelope.
func errorCode(body any) string {
	m, _ := body.(map[string]any)
	if code, ok := m["code"].(string); ok {
		return code
	}
	if ns, ok := m["notifications"].([]any); ok && len(ns) > 0 {
		n, _ := ns[0].(map[string]any)
		code, _ := n["code"].(string)
		return code
	}
	return ""
}

// methodNotAllowedRoute is the route that validates a 405: the content the
// path item names in x-method-not-allowed, with the headers every answer
// of the service carries. Allow, which must list exactly the methods the
// path item documents, is checked by checkAllow.
func (c *checker) methodNotAllowedRoute(t *testing.T, req *http.Request) *routers.Route {
	t.Helper()
	var found *routers.Route
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodDelete, http.MethodPut, http.MethodPatch} {
		probe := req.Clone(req.Context())
		probe.Method = m
		if rt, _, err := c.router.FindRoute(probe); err == nil {
			found = rt
			break
		}
	}
	if found == nil {
		t.Errorf("%s %s: no documented method on this path", req.Method, req.URL.Path)
		return nil
	}
	content, err := methodNotAllowedContent(c.doc, found.PathItem)
	if err != nil {
		t.Errorf("%s: %v", found.Path, err)
		return nil
	}
	resp := openapi3.NewResponse().WithDescription("Method Not Allowed")
	resp.Content = content
	resp.Headers = openapi3.Headers{}
	for name, component := range map[string]string{"X-Request-Id": "XRequestId", "Cache-Control": "CacheControl", "X-Content-Type-Options": "XContentTypeOptions"} {
		resp.Headers[name] = c.doc.Components.Headers[component]
	}
	op := &openapi3.Operation{Responses: openapi3.NewResponses(openapi3.WithStatus(http.StatusMethodNotAllowed, &openapi3.ResponseRef{Value: resp}))}
	return &routers.Route{Spec: c.doc, Server: found.Server, Path: found.Path, PathItem: found.PathItem, Method: req.Method, Operation: op}
}

// methodNotAllowedContent is a path item's x-method-not-allowed: a content
// map (media type → schema, a $ref to components.schemas) of the 405 a
// method the path does not serve gets. OpenAPI has no place for it, so the
// document names it in this extension.
func methodNotAllowedContent(doc *openapi3.T, item *openapi3.PathItem) (openapi3.Content, error) {
	ext, ok := item.Extensions[extMethodNotAllowed]
	if !ok {
		return nil, fmt.Errorf("no %s", extMethodNotAllowed)
	}
	raw, err := json.Marshal(ext)
	if err != nil {
		return nil, err
	}
	var content openapi3.Content
	if err := json.Unmarshal(raw, &content); err != nil {
		return nil, fmt.Errorf("%s is not a content map: %v", extMethodNotAllowed, err)
	}
	if len(content) != 1 {
		return nil, fmt.Errorf("%s has %d media types; want the one the 405 is sent as", extMethodNotAllowed, len(content))
	}
	for mt, m := range content {
		if m == nil || m.Schema == nil {
			return nil, fmt.Errorf("%s: %s has no schema", extMethodNotAllowed, mt)
		}
		name, ok := strings.CutPrefix(m.Schema.Ref, "#/components/schemas/")
		s := doc.Components.Schemas[name]
		if !ok || s == nil || s.Value == nil {
			return nil, fmt.Errorf("%s: %s's schema is %q; want a $ref to a schema in components", extMethodNotAllowed, mt, m.Schema.Ref)
		}
		m.Schema = s
	}
	return content, nil
}

// authenticate is the request validator's check of the security
// requirements: the credentials the scheme names are present and well
// formed, and a bearer JWT carries the scopes the operation lists (read
// from its claims, unverified: the server verifies it). An API key's scopes
// are not visible in the key, so only its presence is checked.
func authenticate(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	r := in.RequestValidationInput.Request
	switch s := in.SecurityScheme; {
	case s.Type == "http" && strings.EqualFold(s.Scheme, "bearer"):
		scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
			return errors.New("no bearer token")
		}
		scopes, err := tokenScopes(token)
		if err != nil {
			return err
		}
		for _, want := range in.Scopes {
			if !slices.Contains(scopes, want) {
				return fmt.Errorf("the token lacks the scope %s", want)
			}
		}
		return nil
	case s.Type == "apiKey" && s.In == "header":
		if r.Header.Get(s.Name) == "" {
			return fmt.Errorf("no %s header", s.Name)
		}
		return nil
	default:
		return fmt.Errorf("unexpected security scheme %s", in.SecuritySchemeName)
	}
}

// tokenScopes reads the scope claim of a JWT without verifying it.
func tokenScopes(token string) ([]string, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errors.New("the bearer token is not a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, fmt.Errorf("the bearer token's payload: %w", err)
	}
	var claims struct {
		Scope string `json:"scope"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return nil, fmt.Errorf("the bearer token's claims: %w", err)
	}
	return strings.Fields(claims.Scope), nil
}

// documented is the coverage table the document promises: every status of
// every operation, and 405 for other methods on each path that names it.
func documented(doc *openapi3.T) map[coverKey]bool {
	out := map[coverKey]bool{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for code := range op.Responses.Map() {
				status, err := strconv.Atoi(code)
				if err != nil {
					status = -1 // "default" or a range: never seen, so reported
				}
				out[coverKey{method, path, status}] = true
			}
		}
		if _, ok := item.Extensions[extMethodNotAllowed]; ok {
			out[coverKey{otherMethod, path, http.StatusMethodNotAllowed}] = true
		}
	}
	return out
}

// faultProxy stands between the server and DynamoDB Local: it passes
// requests through, or answers every one with the fault set.
type faultProxy struct {
	next   http.Handler
	fault  atomic.Pointer[dynamoFault]
	faults atomic.Int64
}

type dynamoFault struct {
	name   string
	status int
	body   string
}

var (
	faultServerError = &dynamoFault{"HTTP 500", http.StatusInternalServerError,
		`{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}`}
	faultThrottling = &dynamoFault{"ThrottlingException", http.StatusBadRequest,
		`{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate of requests exceeds the allowed throughput."}`}
	faultNoTable = &dynamoFault{"ResourceNotFoundException", http.StatusBadRequest,
		`{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"}`}
)

func (p *faultProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f := p.fault.Load()
	if f == nil {
		p.next.ServeHTTP(w, r)
		return
	}
	_, _ = io.Copy(io.Discard, r.Body)
	p.faults.Add(1)
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.WriteHeader(f.status)
	_, _ = io.WriteString(w, f.body)
}

func newFaultProxy(t *testing.T) (*faultProxy, string) {
	t.Helper()
	target, err := url.Parse(storetest.Endpoint(t))
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{next: storetest.ReverseProxy(target)}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return p, srv.URL
}

// TestOpenAPIMatchesRealResponses runs every endpoint to every status it
// documents, on the local server and on make start-api's stack, each time
// on two targets: one on DynamoDB Local, one behind a proxy that can make
// DynamoDB fail. Then every exchange's answer on the local server must be
// the stack's (apitarget.Diff). Its concurrency (the kinds at once into
// one Diff, each fault phase's exchanges at once through one checker, the
// fault proxy, the local server and the stack's gateway in this process)
// is checked under the detector by TestOpenAPIFaultsAtOnce.
func TestOpenAPIMatchesRealResponses(t *testing.T) {
	racemode.OnlyWithoutDetector(t)
	diff := apitarget.NewDiff("hcpToken", "paymentCode")
	// The kinds run at once (each mostly waits on its targets, the faults'
	// retries and the expiry below); each reads the document for itself,
	// so that no validator state is shared between them.
	runKindsAtOnce(t, func(t *testing.T, k apitarget.Kind) {
		doc := loadSpec(t)
		cov := &coverage{seen: map[coverKey]int{}}

		proxy, proxyURL := newFaultProxy(t)
		// The second target's sessions expire after 6 s (just over the
		// default WRITE_GUARD, whose write deadline leaves the SDK all its
		// attempts in the fault phases), so one is expired soon after those
		// are over.
		faultBase := apitarget.Start(t, k, apitarget.Options{Env: map[string]string{"DYNAMODB_ENDPOINT": proxyURL, "SESSION_EXPIRY": "6s", "RESULT_RETENTION": "1h"}}).URL
		base := apitarget.Start(t, k, apitarget.Options{}).URL

		checker := func(base string) *checker {
			c := newChecker(t, doc, base, cov)
			c.diff, c.kind = diff, k
			return c
		}
		t.Run("main", func(t *testing.T) {
			exerciseMain(t, checker(base), mint(t, faultBase, "merchant_id=m-1"))
		})
		t.Run("faults", func(t *testing.T) { exerciseFaults(t, checker(faultBase), proxy) })

		// Both directions: nothing documented went untested, nothing
		// undocumented was answered.
		want := documented(doc)
		var missing, extra []string
		for k := range want {
			if cov.seen[k] == 0 {
				missing = append(missing, k.String())
			}
		}
		for k := range cov.seen {
			if !want[k] {
				extra = append(extra, k.String())
			}
		}
		sort.Strings(missing)
		sort.Strings(extra)
		if len(missing) > 0 {
			t.Errorf("documented but never exercised:\n  %s", strings.Join(missing, "\n  "))
		}
		if len(extra) > 0 {
			t.Errorf("answered but not documented:\n  %s", strings.Join(extra, "\n  "))
		}
		t.Log("coverage (method path: status×exchanges):\n" + coverageTable(cov.seen))
	})
	t.Logf("%d exchanges compared between the targets", diff.Check(t))
}

// TestOpenAPIFaultsAtOnce is TestOpenAPIMatchesRealResponses' concurrency
// at a small scale, under the race detector where that test is not: the
// kinds at once into one Diff, and on each one fault phase's every
// endpoint at once through one checker (its router, kin-openapi's
// validation, the coverage) and the fault proxy, each handler's SDK
// retrying at once in the local server (this process) or behind the
// stack's gateway (this process too).
func TestOpenAPIFaultsAtOnce(t *testing.T) {
	storetest.RequireEngine(t) // each kind's targets would skip, leaving nothing to compare
	diff := apitarget.NewDiff("hcpToken", "paymentCode")
	runKindsAtOnce(t, func(t *testing.T, k apitarget.Kind) {
		doc := loadSpec(t)
		cov := &coverage{seen: map[coverKey]int{}}
		proxy, proxyURL := newFaultProxy(t)
		base := apitarget.Start(t, k, apitarget.Options{Env: map[string]string{"DYNAMODB_ENDPOINT": proxyURL}}).URL
		c := newChecker(t, doc, base, cov)
		c.diff, c.kind = diff, k
		tok := mint(t, base, "merchant_id=m-1")
		proc := mint(t, base, "merchant_id=&scope=sessions:process")
		r := c.do(t, exchange{name: "create a key", method: "POST", path: "/api-keys", header: bearer(tok), body: `{"scopes":["sessions:read"]}`, status: 201})
		keyID, key := r.str("keyId"), r.str("key")
		id := c.do(t, exchange{name: "create a session", method: "POST", path: "/sessions", header: bearer(tok), body: `{"amount":1,"currency":"EUR"}`, status: 201}).str("id")
		exchanges := faultExchanges(tok, proc, key, keyID, id, time.Now().UTC().Format(time.DateOnly))
		faultPhase(t, c, proxy, faultServerError, http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE", exchanges)
		n := 0
		for key, count := range cov.seen {
			if key.status == http.StatusServiceUnavailable {
				n += count
			}
		}
		if n != len(exchanges) {
			t.Errorf("503s counted = %d; want %d", n, len(exchanges))
		}
	})
	// The two creations and the phase's 12.
	if got, want := diff.Check(t), 14; got != want {
		t.Errorf("exchanges compared = %d; want %d", got, want)
	}
}

func coverageTable(seen map[coverKey]int) string {
	rows := map[string][]string{}
	for k, n := range seen {
		row := k.method + " " + k.path
		rows[row] = append(rows[row], fmt.Sprintf("%d×%d", k.status, n))
	}
	names := make([]string, 0, len(rows))
	for r := range rows {
		names = append(names, r)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, r := range names {
		sort.Strings(rows[r])
		fmt.Fprintf(&b, "  %-50s %s\n", r, strings.Join(rows[r], " "))
	}
	return b.String()
}

// exerciseMain runs every endpoint on the main server to its success and
// client-error statuses. foreign is a well-formed token from another
// issuer.
func exerciseMain(t *testing.T, c *checker, foreign string) {
	base := c.base
	all := mint(t, base, "merchant_id=m-1")
	other := mint(t, base, "merchant_id=m-2")
	noScope := mint(t, base, "merchant_id=m-1&scope=profile")
	noMerchant := mint(t, base, "merchant_id=&scope=sessions:read%20sessions:write%20Payment.Read%20user%20apikeys:write")
	keysOnly := mint(t, base, "merchant_id=m-1&scope=apikeys:write")
	proc := mint(t, base, "merchant_id=&scope=sessions:process")
	unknown := uuid.NewString()
	big := `{"amount":1,"currency":"EUR","orderId":"` + strings.Repeat("x", httpapi.MaxBodyBytes) + `"}`

	// Setup, validated like everything else: API keys and sessions in
	// every state the endpoints render differently.
	key := func(scopes string) (string, string) {
		t.Helper()
		r := c.do(t, exchange{name: "create key " + scopes, method: "POST", path: "/api-keys", header: bearer(all), body: `{"scopes":` + scopes + `}`, status: 201})
		if r.header.Get("Location") != "/api-keys/"+r.str("keyId") {
			t.Errorf("POST /api-keys Location = %q; want /api-keys/%s", r.header.Get("Location"), r.str("keyId"))
		}
		return r.str("keyId"), r.str("key")
	}
	_, readKey := key(`["sessions:read","sessions:read"]`)
	writeID, writeKey := key(`["sessions:write"]`)
	doomedID, _ := key(`["sessions:read","sessions:write"]`)

	create := func(name string, h http.Header, body string) string {
		t.Helper()
		r := c.do(t, exchange{name: name, method: "POST", path: "/sessions", header: h, body: body, status: 201})
		id := r.str("id")
		if r.header.Get("Location") != "/sessions/"+id {
			t.Errorf("%s: Location = %q; want /sessions/%s", name, r.header.Get("Location"), id)
		}
		return id
	}
	event := func(id, body string) {
		t.Helper()
		c.do(t, exchange{name: "event " + body, method: "POST", path: "/sessions/" + id + "/events", header: bearer(proc), body: body, status: 200})
	}
	fullBody := `{"orderId":"e3f4a5b6-c7d8-9012-3456-123456789012","amount":8800,"currency":"ZAR","paymentMethod":"Card","paymentScenario":"Payment",` +
		`"callGuid":"a0dc3aca-92f7-4cac-9f12-208a2916be7d","paymentProvider":"STRIPE","provider":{"checkoutSessionId":"cs_test_a1b2c3d4","checkoutUrl":"https://checkout.stripe.com/c/pay/cs_test_a1b2c3d4"},` +
		`"hosted":true,"returnUrl":"https://example.com/order/confirmation","cancelUrl":"https://example.com/order/checkout",` +
		`"savePaymentProfile":true,"paymentProfileId":"f4a5b6c7-d8e9-0123-4567-234567890123","metadata":{"source":"mobile_app"},` +
		`"partnerTransactionId":"ptx-77","shopBuyerId":"buyer-42","appearance":{"theme":"dark"},"cardCategories":["CREDIT","DEBIT"],` +
		`"paymentMethodDetails":{"type":"CARD","brand":"VISA","last4":"1111"}}`
	full := create("create with every field", bearer(all, "Idempotency-Key", "order-1001"), fullBody)
	replay := c.do(t, exchange{name: "idempotent replay", method: "POST", path: "/sessions", header: bearer(all, "Idempotency-Key", "order-1001"), body: fullBody, status: 201})
	if replay.str("id") != full || replay.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay = id %s, Idempotent-Replayed %q; want id %s, true", replay.str("id"), replay.header.Get("Idempotent-Replayed"), full)
	}
	event(full, `{"status":"PROCESSING","reason":"Started processing payment."}`)
	event(full, `{"status":"REQUIRES_ACTION","actionUrl":"https://auth.payments.example/?id=2c5b9188"}`)
	event(full, `{"status":"AUTHORISED","eventId":"evt-3","transactionId":"20220211-0013-0000-0382","providerSessionGuid":"7d1541fa-5747-429a-a6a0-1939f4d88028","resultData":{"decision":"ACCEPT","reasonCode":"100"}}`)

	plain := create("create with an API key", apiKey(writeKey), `{"amount":100,"currency":"EUR"}`)
	failed := create("create for a failure", bearer(all), `{"amount":1,"currency":"EUR","transactionId":"t-1","partnerTransactionId":"p-1","shopBuyerId":"b-1"}`)
	event(failed, `{"status":"FAILED","declineReasons":{"category":"RISK","reasons":["score too high"]}}`)
	noReasons := create("create for a failure without reasons", bearer(all), `{"amount":1,"currency":"EUR"}`)
	event(noReasons, `{"status":"FAILED","declineReasons":{"category":"RISK"}}`)
	canceled := create("create to cancel", bearer(all), `{"amount":1,"currency":"EUR"}`)
	authorised := create("create to cancel once authorised", bearer(all), `{"amount":1,"currency":"EUR"}`)
	event(authorised, `{"status":"AUTHORISED"}`)
	parent := create("create a parent", bearer(all), `{"amount":1,"currency":"EUR","paymentMethodDetails":null}`)
	child := create("create a child", bearer(all), `{"amount":1,"currency":"EUR","parentSessionId":"`+strings.ToUpper(parent)+`"}`)
	day := strings.Split(c.do(t, exchange{name: "read the day", method: "GET", path: "/pps/api/v1/session-record/" + full, header: bearer(all), status: 200}).str("created_date"), "T")[0]

	// Merchant m-2's day is too large for one plain answer: 90 records of
	// one UTC day (should it turn midnight while they are made, 90 of the
	// new one), every text at its longest, all '<' (6 bytes in the body, 7
	// in Lambda's response). How many are made depends on the clock, so
	// their exchanges are checked but not compared between the targets.
	lt := strings.Repeat("<", 255)
	reasons := `"` + strings.Repeat("<", 500) + `"` + strings.Repeat(`,"`+strings.Repeat("<", 500)+`"`, 19)
	bulk := *c
	bulk.diff = nil
	otherDay, perDay := "", map[string]int{}
	for perDay[otherDay] < 90 {
		r := bulk.do(t, exchange{name: "create a large record", method: "POST", path: "/sessions", header: bearer(other), body: `{"amount":1,"currency":"EUR","partnerTransactionId":"` + lt + `","shopBuyerId":"` + lt + `"}`, status: 201})
		bulk.do(t, exchange{name: "event on a large record", method: "POST", path: "/sessions/" + r.str("id") + "/events", header: bearer(proc),
			body: `{"status":"FAILED","transactionId":"` + lt + `","declineReasons":{"category":"` + lt + `","reasons":[` + reasons + `]}}`, status: 200})
		otherDay, _, _ = strings.Cut(r.str("createdAt"), "T")
		perDay[otherDay]++
	}

	list := c.do(t, exchange{name: "list page 1", method: "GET", path: "/pps/api/v1/session-record?createdDate=" + day + "&limit=1", header: bearer(all), status: 200})
	next := regexp.MustCompile(`^<([^>]+)>; rel="next"$`).FindStringSubmatch(list.header.Get("Link"))
	if next == nil {
		t.Fatalf("list with limit=1 has Link %q; want a next page", list.header.Get("Link"))
	}

	tests := []exchange{
		// POST /sessions
		{name: "create: amount missing", method: "POST", path: "/sessions", header: bearer(all), body: `{"currency":"EUR"}`, status: 400, code: "VALIDATION_FAILED", badReq: true},
		{name: "create: not JSON", method: "POST", path: "/sessions", header: bearer(all), body: `{"amount":`, status: 400, code: "MALFORMED_JSON", badReq: true},
		{name: "create: unknown field", method: "POST", path: "/sessions", header: bearer(all), body: `{"amount":1,"currency":"EUR","colour":"red"}`, status: 400, code: "VALIDATION_FAILED", badReq: true},
		{name: "create: card number", method: "POST", path: "/sessions", header: bearer(all), body: `{"amount":100,"currency":"EUR","metadata":{"note":"4111 1111 1111 1111"}}`, status: 400, code: "CARD_NUMBER_REFUSED"},
		{name: "create: bad Idempotency-Key", method: "POST", path: "/sessions", header: bearer(all, "Idempotency-Key", "two words"), body: `{"amount":1,"currency":"EUR"}`, status: 400, code: "VALIDATION_FAILED", badReq: true},
		{name: "create: unknown parent", method: "POST", path: "/sessions", header: bearer(all), body: `{"amount":1,"currency":"EUR","parentSessionId":"` + unknown + `"}`, status: 400, code: "VALIDATION_FAILED"},
		{name: "create: no credentials", method: "POST", path: "/sessions", body: `{"amount":1,"currency":"EUR"}`, status: 401, code: "UNAUTHENTICATED", badReq: true},
		{name: "create: not a bearer token", method: "POST", path: "/sessions", header: hdr("Authorization", "Basic dXNlcjpwYXNz"), body: `{"amount":1,"currency":"EUR"}`, status: 401, code: "UNAUTHENTICATED", badReq: true},
		{name: "create: another issuer's token", method: "POST", path: "/sessions", header: bearer(foreign), body: `{"amount":1,"currency":"EUR"}`, status: 401, code: "UNAUTHENTICATED"},
		{name: "create: unknown API key", method: "POST", path: "/sessions", header: apiKey("psk_0123456789abcdef_" + strings.Repeat("0", 64)), body: `{"amount":1,"currency":"EUR"}`, status: 401, code: "UNAUTHENTICATED"},
		{name: "create: token without scope", method: "POST", path: "/sessions", header: bearer(noScope), body: `{"amount":1,"currency":"EUR"}`, status: 403, code: "INSUFFICIENT_SCOPE", badReq: true},
		{name: "create: read-only API key", method: "POST", path: "/sessions", header: apiKey(readKey), body: `{"amount":1,"currency":"EUR"}`, status: 403, code: "INSUFFICIENT_SCOPE"},
		{name: "create: no merchant", method: "POST", path: "/sessions", header: bearer(noMerchant), body: `{"amount":1,"currency":"EUR"}`, status: 403, code: "MERCHANT_REQUIRED"},
		{name: "create: key reused", method: "POST", path: "/sessions", header: bearer(all, "Idempotency-Key", "order-1001"), body: `{"amount":1,"currency":"EUR"}`, status: 409, code: "IDEMPOTENCY_KEY_REUSED"},
		{name: "create: parent has a child", method: "POST", path: "/sessions", header: bearer(all), body: `{"amount":1,"currency":"EUR","parentSessionId":"` + parent + `"}`, status: 409, code: "CHILD_SESSION_EXISTS"},
		{name: "create: parent closed", method: "POST", path: "/sessions", header: bearer(all), body: `{"amount":1,"currency":"EUR","parentSessionId":"` + failed + `"}`, status: 409, code: "PARENT_NOT_OPEN"},
		{name: "create: body over 64 KiB", method: "POST", path: "/sessions", header: bearer(all), body: big, status: 413, code: "BODY_TOO_LARGE", badReq: true},
		{name: "create: text/plain", method: "POST", path: "/sessions", header: bearer(all, "Content-Type", "text/plain"), body: `{"amount":1,"currency":"EUR"}`, status: 415, code: "UNSUPPORTED_MEDIA_TYPE", badReq: true},
		{name: "create: Content-Encoding gzip", method: "POST", path: "/sessions", header: bearer(all, "Content-Encoding", "gzip"), body: `{"amount":1,"currency":"EUR"}`, status: 415, code: "UNSUPPORTED_MEDIA_TYPE"},

		// GET /sessions/{sessionId}
		{name: "get", method: "GET", path: "/sessions/" + full, header: bearer(all), status: 200},
		{name: "get: upper-case id", method: "GET", path: "/sessions/" + strings.ToUpper(child), header: bearer(all), status: 200},
		{name: "get: parent with a child", method: "GET", path: "/sessions/" + parent, header: bearer(all), status: 200},
		{name: "get with an API key", method: "GET", path: "/sessions/" + failed, header: apiKey(readKey), status: 200},
		{name: "get: failed without reasons", method: "GET", path: "/sessions/" + noReasons, header: bearer(all), status: 200},
		{name: "get: bad id", method: "GET", path: "/sessions/123", header: bearer(all), status: 400, code: "VALIDATION_FAILED", badReq: true},
		{name: "get: no credentials", method: "GET", path: "/sessions/" + full, status: 401, code: "UNAUTHENTICATED", badReq: true},
		{name: "get: token without scope", method: "GET", path: "/sessions/" + full, header: bearer(noScope), status: 403, code: "INSUFFICIENT_SCOPE", badReq: true},
		{name: "get: write-only API key", method: "GET", path: "/sessions/" + full, header: apiKey(writeKey), status: 403, code: "INSUFFICIENT_SCOPE"},
		{name: "get: unknown", method: "GET", path: "/sessions/" + unknown, header: bearer(all), status: 404, code: "SESSION_NOT_FOUND"},
		{name: "get: another merchant's", method: "GET", path: "/sessions/" + full, header: bearer(other), status: 404, code: "SESSION_NOT_FOUND"},

		// POST /sessions/{sessionId}/events
		{name: "event: applied before", method: "POST", path: "/sessions/" + full + "/events", header: bearer(proc), body: `{"status":"AUTHORISED","eventId":"evt-3"}`, status: 200},
		{name: "event: bad id", method: "POST", path: "/sessions/x/events", header: bearer(proc), body: `{"status":"PROCESSING"}`, status: 400, code: "VALIDATION_FAILED", badReq: true},
		{name: "event: unknown status", method: "POST", path: "/sessions/" + plain + "/events", header: bearer(proc), body: `{"status":"DONE"}`, status: 400, code: "VALIDATION_FAILED", badReq: true},
		{name: "event: card number", method: "POST", path: "/sessions/" + plain + "/events", header: bearer(proc), body: `{"status":"PROCESSING","transactionId":"5500-0000-0000-0004"}`, status: 400, code: "CARD_NUMBER_REFUSED"},
		{name: "event: no credentials", method: "POST", path: "/sessions/" + plain + "/events", body: `{"status":"PROCESSING"}`, status: 401, code: "UNAUTHENTICATED", badReq: true},
		{name: "event: API key", method: "POST", path: "/sessions/" + plain + "/events", header: apiKey(writeKey), body: `{"status":"PROCESSING"}`, status: 401, code: "UNAUTHENTICATED", badReq: true},
		{name: "event: token without scope", method: "POST", path: "/sessions/" + plain + "/events", header: bearer(noScope), body: `{"status":"PROCESSING"}`, status: 403, code: "INSUFFICIENT_SCOPE", badReq: true},
		{name: "event: unknown", method: "POST", path: "/sessions/" + unknown + "/events", header: bearer(proc), body: `{"status":"PROCESSING"}`, status: 404, code: "SESSION_NOT_FOUND"},
		{name: "event: invalid transition", method: "POST", path: "/sessions/" + failed + "/events", header: bearer(proc), body: `{"status":"PROCESSING"}`, status: 409, code: "INVALID_TRANSITION"},
		{name: "event: EXPIRED", method: "POST", path: "/sessions/" + plain + "/events", header: bearer(proc), body: `{"status":"EXPIRED"}`, status: 409, code: "INVALID_TRANSITION"},
		{name: "event: body over 64 KiB", method: "POST", path: "/sessions/" + plain + "/events", header: bearer(proc), body: big, status: 413, code: "BODY_TOO_LARGE", badReq: true},
		{name: "event: text/plain", method: "POST", path: "/sessions/" + plain + "/events", header: bearer(proc, "Content-Type", "text/plain"), body: `{"status":"PROCESSING"}`, status: 415, code: "UNSUPPORTED_MEDIA_TYPE", badReq: true},

		// POST /sessions/{sessionId}/cancel
		{name: "cancel without a body", method: "POST", path: "/sessions/" + canceled + "/cancel", header: bearer(all), status: 200},
		{name: "cancel once authorised, with an API key", method: "POST", path: "/sessions/" + authorised + "/cancel", header: apiKey(writeKey), body: `{"reason":"Buyer changed their mind."}`, status: 200},
		{name: "cancel: bad id", method: "POST", path: "/sessions/" + full + "x/cancel", header: bearer(all), status: 400, code: "VALIDATION_FAILED", badReq: true},
		{name: "cancel: reason not a string", method: "POST", path: "/sessions/" + plain + "/cancel", header: bearer(all), body: `{"reason":5}`, status: 400, code: "VALIDATION_FAILED", badReq: true},
		{name: "cancel: no credentials", method: "POST", path: "/sessions/" + plain + "/cancel", status: 401, code: "UNAUTHENTICATED", badReq: true},
		{name: "cancel: token without scope", method: "POST", path: "/sessions/" + plain + "/cancel", header: bearer(noScope), status: 403, code: "INSUFFICIENT_SCOPE", badReq: true},
		{name: "cancel: another merchant's", method: "POST", path: "/sessions/" + plain + "/cancel", header: bearer(other), status: 404, code: "SESSION_NOT_FOUND"},
		{name: "cancel: failed session", method: "POST", path: "/sessions/" + failed + "/cancel", header: bearer(all), status: 409, code: "INVALID_TRANSITION"},
		{name: "cancel: body over 64 KiB", method: "POST", path: "/sessions/" + plain + "/cancel", header: bearer(all), body: big, status: 413, code: "BODY_TOO_LARGE", badReq: true},
		{name: "cancel: text/plain", method: "POST", path: "/sessions/" + plain + "/cancel", header: bearer(all, "Content-Type", "text/plain"), body: `{}`, status: 415, code: "UNSUPPORTED_MEDIA_TYPE", badReq: true},

		// 000 GET /v1/session/{sessionGuid}
		{name: "000 finished", method: "GET", path: "/v1/session/" + full, header: bearer(all), status: 200},
		{name: "000 initial", method: "GET", path: "/v1/session/" + plain, header: bearer(all), status: 200},
		{name: "000 error", method: "GET", path: "/v1/session/" + failed, header: bearer(all), status: 200},
		{name: "000 bad id", method: "GET", path: "/v1/session/zzzzzzzz-3810-49e7-9f74-47318ce4e1a0", header: bearer(all), status: 400, code: "VALIDATION_FAILED", badReq: true},
		{name: "000 no credentials", method: "GET", path: "/v1/session/" + full, status: 401, code: "UNAUTHENTICATED", badReq: true},
		{name: "000 API key", method: "GET", path: "/v1/session/" + full, header: apiKey(readKey), status: 401, code: "UNAUTHENTICATED", badReq: true},
		{name: "000 token without scope", method: "GET", path: "/v1/session/" + full, header: bearer(noScope), status: 403, code: "INSUFFICIENT_SCOPE", badReq: true},
		{name: "000 no merchant", method: "GET", path: "/v1/session/" + full, header: bearer(noMerchant), status: 403, code: "MERCHANT_REQUIRED"},
		{name: "000 unknown", method: "GET", path: "/v1/session/" + unknown, header: bearer(all), status: 404, code: "SESSION_NOT_FOUND"},

		// 001 GET /v2.0/payments/{paymentId}/status
		{name: "001", method: "GET", path: "/v2.0/payments/" + full + "/status", header: bearer(all), status: 200},
		{name: "001 canceled", method: "GET", path: "/v2.0/payments/" + canceled + "/status", header: bearer(all), status: 200},
		{name: "001 in braces", method: "GET", path: "/v2.0/payments/%7B" + strings.ToUpper(full) + "%7D/status", header: bearer(all), status: 200},
		{name: "001 in parentheses", method: "GET", path: "/v2.0/payments/(" + full + ")/status", header: bearer(all), status: 200},
		{name: "001 32 digits", method: "GET", path: "/v2.0/payments/" + strings.ReplaceAll(full, "-", "") + "/status", header: bearer(all), status: 200},
		{name: "001 unknown", method: "GET", path: "/v2.0/payments/" + unknown + "/status", header: bearer(all), status: 404, code: "SESSION_NOT_FOUND"},
		{name: "001 bad id", method: "GET", path: "/v2.0/payments/" + full[:35] + "/status", header: bearer(all), status: 404, code: "SESSION_NOT_FOUND", badReq: true},
		{name: "001 no credentials", method: "GET", path: "/v2.0/payments/" + full + "/status", status: 401, code: "UNAUTHENTICATED", badReq: true},
		{name: "001 token without scope", method: "GET", path: "/v2.0/payments/" + full + "/status", header: bearer(noScope), status: 403, code: "INSUFFICIENT_SCOPE", badReq: true},
		{name: "001 no merchant", method: "GET", path: "/v2.0/payments/" + full + "/status", header: bearer(noMerchant), status: 403, code: "MERCHANT_REQUIRED"},
		{name: "001 another merchant's", method: "GET", path: "/v2.0/payments/" + full + "/status", header: bearer(other), status: 404, code: "SESSION_NOT_FOUND"},

		// 002 GET /payment-sessions/{paymentSessionId}
		{name: "002 hosted", method: "GET", path: "/payment-sessions/" + full, header: apiKey(readKey), status: 200},
		{name: "002 not hosted", method: "GET", path: "/payment-sessions/" + plain, header: apiKey(readKey), status: 200},
		{name: "002 not one of our ids", method: "GET", path: "/payment-sessions/" + unknown + "-0", header: apiKey(readKey), status: 404, code: "SESSION_NOT_FOUND"},
		{name: "002 no credentials", method: "GET", path: "/payment-sessions/" + full, status: 401, code: "UNAUTHENTICATED", badReq: true},
		{name: "002 bearer token only", method: "GET", path: "/payment-sessions/" + full, header: bearer(all), status: 401, code: "UNAUTHENTICATED", badReq: true},
		{name: "002 malformed API key", method: "GET", path: "/payment-sessions/" + full, header: apiKey("not-a-key"), status: 401, code: "UNAUTHENTICATED"},
		{name: "002 write-only key", method: "GET", path: "/payment-sessions/" + full, header: apiKey(writeKey), status: 403, code: "INSUFFICIENT_SCOPE"},
		{name: "002 unknown", method: "GET", path: "/payment-sessions/" + unknown, header: apiKey(readKey), status: 404, code: "SESSION_NOT_FOUND"},

		// 003 GET /v1/checkout-sessions/{checkoutSessionId}
		{name: "003 init=true", method: "GET", path: "/v1/checkout-sessions/" + full + "?init=true", header: bearer(all, "X-Merchant-Id", "m-1"), status: 200},
		{name: "003 parent with child", method: "GET", path: "/v1/checkout-sessions/" + parent, header: bearer(all, "X-Merchant-Id", "m-1"), status: 200},
		{name: "003 init=false, failed", method: "GET", path: "/v1/checkout-sessions/" + failed + "?init=false", header: bearer(all, "X-Merchant-Id", "m-1"), status: 200},
		{name: "003 init=true, nothing set", method: "GET", path: "/v1/checkout-sessions/" + child + "?init=true", header: bearer(all, "X-Merchant-Id", "m-1"), status: 200},
		{name: "003 bad id", method: "GET", path: "/v1/checkout-sessions/" + full + "0", header: bearer(all, "X-Merchant-Id", "m-1"), status: 400, code: "VALIDATION_FAILED", badReq: true},
		{name: "003 no X-Merchant-Id", method: "GET", path: "/v1/checkout-sessions/" + full, header: bearer(all), status: 400, code: "VALIDATION_FAILED", badReq: true},
		{name: "003 card number in X-Merchant-Id", method: "GET", path: "/v1/checkout-sessions/" + full, header: bearer(all, "X-Merchant-Id", "4111 1111 1111 1111"), status: 400, code: "CARD_NUMBER_REFUSED"},
		{name: "003 init=YES", method: "GET", path: "/v1/checkout-sessions/" + full + "?init=YES", header: bearer(all, "X-Merchant-Id", "m-1"), status: 200},
		{name: "003 bad init", method: "GET", path: "/v1/checkout-sessions/" + full + "?init=maybe", header: bearer(all, "X-Merchant-Id", "m-1"), status: 400, code: "VALIDATION_FAILED", badReq: true},
		{name: "003 cancel requested", method: "GET", path: "/v1/checkout-sessions/" + authorised, header: bearer(all, "X-Merchant-Id", "m-1"), status: 410, code: "SESSION_CANCELED"},
		{name: "003 no credentials", method: "GET", path: "/v1/checkout-sessions/" + full, header: hdr("X-Merchant-Id", "m-1"), status: 401, code: "UNAUTHENTICATED", badReq: true},
		{name: "003 token without scope", method: "GET", path: "/v1/checkout-sessions/" + full, header: bearer(noScope, "X-Merchant-Id", "m-1"), status: 403, code: "INSUFFICIENT_SCOPE", badReq: true},
		{name: "003 another merchant in X-Merchant-Id", method: "GET", path: "/v1/checkout-sessions/" + full, header: bearer(all, "X-Merchant-Id", "m-2"), status: 403, code: "MERCHANT_MISMATCH"},
		// Any value other than the caller's merchant is 403, one no merchant
		// id can be included (a space inside, 129 characters): the document
		// must not make such a value a malformed (400) parameter.
		{name: "003 X-Merchant-Id no merchant can have", method: "GET", path: "/v1/checkout-sessions/" + full, header: bearer(all, "X-Merchant-Id", "m 1"), status: 403, code: "MERCHANT_MISMATCH"},
		{name: "003 X-Merchant-Id of 129 characters", method: "GET", path: "/v1/checkout-sessions/" + full, header: bearer(all, "X-Merchant-Id", strings.Repeat("m", 129)), status: 403, code: "MERCHANT_MISMATCH"},
		{name: "003 unknown", method: "GET", path: "/v1/checkout-sessions/" + unknown, header: bearer(all, "X-Merchant-Id", "m-1"), status: 404, code: "SESSION_NOT_FOUND"},
		{name: "003 canceled", method: "GET", path: "/v1/checkout-sessions/" + canceled, header: bearer(all, "X-Merchant-Id", "m-1"), status: 410, code: "SESSION_CANCELED"},

		// 004 GET /pps/api/v1/session-record
		{name: "004 list: next page", method: "GET", path: next[1], header: bearer(all), status: 200},
		{name: "004 list: whole day", method: "GET", path: "/pps/api/v1/session-record?createdDate=" + day, header: bearer(all, "Accept-Encoding", "identity"), status: 200},
		{name: "004 list: whole day, gzip", method: "GET", path: "/pps/api/v1/session-record?createdDate=" + day, header: bearer(all, "Accept-Encoding", "gzip"), status: 200},
		{name: "004 list: a page of 1000", method: "GET", path: "/pps/api/v1/session-record?createdDate=" + day + "&limit=1000", header: bearer(all), status: 200},
		{name: "004 list: too large for one answer", method: "GET", path: "/pps/api/v1/session-record?createdDate=" + otherDay, header: bearer(other, "Accept-Encoding", "identity"), status: 400, code: "LIST_TOO_LARGE"},
		{name: "004 list: the same day, gzip", method: "GET", path: "/pps/api/v1/session-record?createdDate=" + otherDay, header: bearer(other, "Accept-Encoding", "br;q=1, gzip;q=0.5"), status: 200},
		{name: "004 list: empty day", method: "GET", path: "/pps/api/v1/session-record?createdDate=2001-01-01", header: bearer(all), status: 200},
		{name: "004 list: no createdDate", method: "GET", path: "/pps/api/v1/session-record", header: bearer(all), status: 400, code: "VALIDATION_FAILED", badReq: true},
		{name: "004 list: month 13", method: "GET", path: "/pps/api/v1/session-record?createdDate=2026-13-01", header: bearer(all), status: 400, code: "VALIDATION_FAILED", badReq: true},
		// format: date is RFC 3339's full-date, whose day is bounded by its
		// month: kin-openapi reads it so from v0.153 (v0.152 checked the
		// digits' layout alone).
		{name: "004 list: 30 February", method: "GET", path: "/pps/api/v1/session-record?createdDate=2026-02-30", header: bearer(all), status: 400, code: "VALIDATION_FAILED", badReq: true},
		{name: "004 list: limit 0", method: "GET", path: "/pps/api/v1/session-record?createdDate=" + day + "&limit=0", header: bearer(all), status: 400, code: "VALIDATION_FAILED", badReq: true},
		{name: "004 list: limit 1001", method: "GET", path: "/pps/api/v1/session-record?createdDate=" + day + "&limit=1001", header: bearer(all), status: 400, code: "VALIDATION_FAILED", badReq: true},
		{name: "004 list: not our cursor", method: "GET", path: "/pps/api/v1/session-record?createdDate=" + day + "&cursor=abc", header: bearer(all), status: 400, code: "VALIDATION_FAILED"},
		{name: "004 list: no credentials", method: "GET", path: "/pps/api/v1/session-record?createdDate=" + day, status: 401, code: "UNAUTHENTICATED", badReq: true},
		{name: "004 list: token without scope", method: "GET", path: "/pps/api/v1/session-record?createdDate=" + day, header: bearer(noScope), status: 403, code: "INSUFFICIENT_SCOPE", badReq: true},
		{name: "004 list: no merchant", method: "GET", path: "/pps/api/v1/session-record?createdDate=" + day, header: bearer(noMerchant), status: 403, code: "MERCHANT_REQUIRED"},

		// 004 GET /pps/api/v1/session-record/{sessionId}
		{name: "004 error with reasons", method: "GET", path: "/pps/api/v1/session-record/" + failed, header: bearer(all), status: 200},
		{name: "004 error without reasons", method: "GET", path: "/pps/api/v1/session-record/" + noReasons, header: bearer(all), status: 200},
		{name: "004 canceled", method: "GET", path: "/pps/api/v1/session-record/" + canceled, header: bearer(all), status: 200},
		{name: "004 not one of our ids", method: "GET", path: "/pps/api/v1/session-record/%20", header: bearer(all), status: 404, code: "SESSION_NOT_FOUND"},
		{name: "004 no credentials", method: "GET", path: "/pps/api/v1/session-record/" + full, status: 401, code: "UNAUTHENTICATED", badReq: true},
		{name: "004 token without scope", method: "GET", path: "/pps/api/v1/session-record/" + full, header: bearer(noScope), status: 403, code: "INSUFFICIENT_SCOPE", badReq: true},
		{name: "004 unknown", method: "GET", path: "/pps/api/v1/session-record/" + unknown, header: bearer(all), status: 404, code: "SESSION_NOT_FOUND"},

		// POST /api-keys
		{name: "key: no scopes", method: "POST", path: "/api-keys", header: bearer(all), body: `{"scopes":[]}`, status: 400, code: "VALIDATION_FAILED", badReq: true},
		{name: "key: scope not for keys", method: "POST", path: "/api-keys", header: bearer(all), body: `{"scopes":["sessions:process"]}`, status: 400, code: "VALIDATION_FAILED", badReq: true},
		{name: "key: not JSON", method: "POST", path: "/api-keys", header: bearer(all), body: `scopes`, status: 400, code: "MALFORMED_JSON", badReq: true},
		{name: "key: no credentials", method: "POST", path: "/api-keys", body: `{"scopes":["sessions:read"]}`, status: 401, code: "UNAUTHENTICATED", badReq: true},
		{name: "key: with an API key", method: "POST", path: "/api-keys", header: apiKey(writeKey), body: `{"scopes":["sessions:read"]}`, status: 401, code: "UNAUTHENTICATED", badReq: true},
		{name: "key: token without scope", method: "POST", path: "/api-keys", header: bearer(noScope), body: `{"scopes":["sessions:read"]}`, status: 403, code: "INSUFFICIENT_SCOPE", badReq: true},
		{name: "key: no merchant", method: "POST", path: "/api-keys", header: bearer(noMerchant), body: `{"scopes":["sessions:read"]}`, status: 403, code: "MERCHANT_REQUIRED"},
		{name: "key: a scope its creator lacks", method: "POST", path: "/api-keys", header: bearer(keysOnly), body: `{"scopes":["sessions:read"]}`, status: 403, code: "INSUFFICIENT_SCOPE"},
		{name: "key: with expiresAt", method: "POST", path: "/api-keys", header: bearer(all), body: `{"scopes":["sessions:read"],"expiresAt":"` + time.Now().Add(90*24*time.Hour).UTC().Format(time.RFC3339) + `"}`, status: 201},
		{name: "key: expiresAt past", method: "POST", path: "/api-keys", header: bearer(all), body: `{"scopes":["sessions:read"],"expiresAt":"2020-01-01T00:00:00Z"}`, status: 400, code: "VALIDATION_FAILED"},
		{name: "key: expiresAt over a year", method: "POST", path: "/api-keys", header: bearer(all), body: `{"scopes":["sessions:read"],"expiresAt":"` + time.Now().Add(400*24*time.Hour).UTC().Format(time.RFC3339) + `"}`, status: 400, code: "VALIDATION_FAILED"},
		{name: "key: body over 64 KiB", method: "POST", path: "/api-keys", header: bearer(all), body: `{"scopes":["` + strings.Repeat("s", httpapi.MaxBodyBytes) + `"]}`, status: 413, code: "BODY_TOO_LARGE", badReq: true},
		{name: "key: text/plain", method: "POST", path: "/api-keys", header: bearer(all, "Content-Type", "text/plain"), body: `{"scopes":["sessions:read"]}`, status: 415, code: "UNSUPPORTED_MEDIA_TYPE", badReq: true},

		// DELETE /api-keys/{keyId}
		{name: "revoke", method: "DELETE", path: "/api-keys/" + doomedID, header: bearer(all), status: 204},
		{name: "revoke: again", method: "DELETE", path: "/api-keys/" + doomedID, header: bearer(all), status: 204},
		{name: "revoke: unknown", method: "DELETE", path: "/api-keys/0123456789abcdef", header: bearer(all), status: 404, code: "NOT_FOUND"},
		{name: "revoke: bad id", method: "DELETE", path: "/api-keys/ABCDEF0123456789", header: bearer(all), status: 400, code: "VALIDATION_FAILED", badReq: true},
		{name: "revoke: no credentials", method: "DELETE", path: "/api-keys/" + doomedID, status: 401, code: "UNAUTHENTICATED", badReq: true},
		{name: "revoke: token without scope", method: "DELETE", path: "/api-keys/" + doomedID, header: bearer(noScope), status: 403, code: "INSUFFICIENT_SCOPE", badReq: true},
		{name: "revoke: another merchant's", method: "DELETE", path: "/api-keys/" + writeID, header: bearer(other), status: 404, code: "NOT_FOUND"},

		// 405 on every path
		{name: "405 /sessions", method: "GET", path: "/sessions", header: bearer(all), status: 405, code: "METHOD_NOT_ALLOWED"},
		{name: "405 /sessions/{id}", method: "DELETE", path: "/sessions/" + full, header: bearer(all), status: 405, code: "METHOD_NOT_ALLOWED"},
		{name: "405 events", method: "GET", path: "/sessions/" + full + "/events", header: bearer(all), status: 405, code: "METHOD_NOT_ALLOWED"},
		{name: "405 cancel", method: "PUT", path: "/sessions/" + full + "/cancel", header: bearer(all), status: 405, code: "METHOD_NOT_ALLOWED"},
		{name: "405 000", method: "POST", path: "/v1/session/" + full, header: bearer(all), status: 405, code: "METHOD_NOT_ALLOWED"},
		{name: "405 001", method: "DELETE", path: "/v2.0/payments/" + full + "/status", header: bearer(all), status: 405, code: "METHOD_NOT_ALLOWED"},
		{name: "405 002", method: "PATCH", path: "/payment-sessions/" + full, header: apiKey(readKey), status: 405, code: "METHOD_NOT_ALLOWED"},
		{name: "405 003", method: "POST", path: "/v1/checkout-sessions/" + full, header: bearer(all), status: 405, code: "METHOD_NOT_ALLOWED"},
		{name: "405 004 list", method: "POST", path: "/pps/api/v1/session-record", header: bearer(all), status: 405, code: "METHOD_NOT_ALLOWED"},
		{name: "405 004 record", method: "PUT", path: "/pps/api/v1/session-record/" + full, header: bearer(all), status: 405, code: "METHOD_NOT_ALLOWED"},
		{name: "405 /api-keys", method: "GET", path: "/api-keys", header: bearer(all), status: 405, code: "METHOD_NOT_ALLOWED"},
		{name: "405 /api-keys/{keyId}", method: "GET", path: "/api-keys/" + doomedID, header: bearer(all), status: 405, code: "METHOD_NOT_ALLOWED"},
	}
	for _, tt := range tests {
		r := c.do(t, tt)
		if r.status == http.StatusMethodNotAllowed {
			checkAllow(t, c, tt, r)
		}
	}

	// The cancels' results and the page's records, as the documents say.
	check := func(name string, got, want any) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s = %v; want %v", name, got, want)
		}
	}
	check("status after cancel", c.do(t, exchange{name: "read canceled", method: "GET", path: "/sessions/" + canceled, header: bearer(all), status: 200}).str("status"), "CANCELED")
	check("status after cancel once authorised", c.do(t, exchange{name: "read cancel requested", method: "GET", path: "/sessions/" + authorised, header: bearer(all), status: 200}).str("status"), "CANCEL_REQUESTED")
	page, _ := list.body.([]any)
	check("records on a page of limit=1", len(page), 1)
}

// checkAllow: a 405's Allow lists exactly the methods the document has for
// the path.
func checkAllow(t *testing.T, c *checker, ex exchange, r result) {
	t.Helper()
	req := c.request(ex)
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
		probe := req.Clone(req.Context())
		probe.Method = m
		if rt, _, err := c.router.FindRoute(probe); err == nil {
			var want []string
			for method := range rt.PathItem.Operations() {
				want = append(want, method)
				// HEAD is GET without the body (RFC 9110 §9.3.2): the
				// service serves it wherever it serves GET, and OpenAPI
				// documents only the GET.
				if method == http.MethodGet {
					want = append(want, http.MethodHead)
				}
			}
			slices.Sort(want)
			if got := r.header.Get("Allow"); got != strings.Join(want, ", ") {
				t.Errorf("%s: Allow = %q; want %q", ex.name, got, strings.Join(want, ", "))
			}
			return
		}
	}
}

// exerciseFaults runs every endpoint on a server whose DynamoDB fails:
// 500 when DynamoDB refuses the request as the caller's fault (here: no
// such table), 503 with Retry-After when it answers HTTP 500 or throttles
// past the SDK's retries. It also reads a session that has expired, which
// document 003 answers 401 SESSION_EXPIRED.
func exerciseFaults(t *testing.T, c *checker, proxy *faultProxy) {
	base := c.base
	tok := mint(t, base, "merchant_id=m-1")
	proc := mint(t, base, "merchant_id=&scope=sessions:process")
	r := c.do(t, exchange{name: "create a key", method: "POST", path: "/api-keys", header: bearer(tok), body: `{"scopes":["sessions:read"]}`, status: 201})
	keyID, key := r.str("keyId"), r.str("key")
	r = c.do(t, exchange{name: "create a session", method: "POST", path: "/sessions", header: bearer(tok), body: `{"amount":1,"currency":"EUR"}`, status: 201})
	id := r.str("id")
	expiresAt, err := time.Parse(time.RFC3339Nano, r.str("expiresAt"))
	if err != nil {
		t.Fatalf("expiresAt %q: %v", r.str("expiresAt"), err)
	}
	day := expiresAt.UTC().Format(time.DateOnly)

	for _, tt := range []struct {
		fault  *dynamoFault
		status int
		code   string
	}{
		{faultNoTable, http.StatusInternalServerError, "INTERNAL_ERROR"},
		{faultServerError, http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE"},
		{faultThrottling, http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE"},
	} {
		faultPhase(t, c, proxy, tt.fault, tt.status, tt.code, faultExchanges(tok, proc, key, keyID, id, day))
	}

	time.Sleep(time.Until(expiresAt.Add(10 * time.Millisecond)))
	for _, tt := range []exchange{
		{name: "expired: 003", method: "GET", path: "/v1/checkout-sessions/" + id, header: bearer(tok, "X-Merchant-Id", "m-1"), status: 401, code: "SESSION_EXPIRED"},
		{name: "expired: event", method: "POST", path: "/sessions/" + id + "/events", header: bearer(proc), body: `{"status":"AUTHORISED"}`, status: 409, code: "SESSION_EXPIRED"},
		{name: "expired: cancel", method: "POST", path: "/sessions/" + id + "/cancel", header: bearer(tok), status: 409, code: "SESSION_EXPIRED"},
		{name: "expired: get", method: "GET", path: "/sessions/" + id, header: bearer(tok), status: 200},
		{name: "expired: 000", method: "GET", path: "/v1/session/" + id, header: bearer(tok), status: 200},
		{name: "expired: 001", method: "GET", path: "/v2.0/payments/" + id + "/status", header: bearer(tok), status: 200},
		{name: "expired: 002", method: "GET", path: "/payment-sessions/" + id, header: apiKey(key), status: 200},
		{name: "expired: 004", method: "GET", path: "/pps/api/v1/session-record/" + id, header: bearer(tok), status: 200},
		{name: "unknown path", method: "GET", path: "/nope", header: bearer(tok), status: 404},
	} {
		if tt.path == "/nope" {
			checkNoEndpoint(t, c, tt)
			continue
		}
		r := c.do(t, tt)
		if tt.code == "SESSION_EXPIRED" && tt.status == 401 && r.header.Get("WWW-Authenticate") != `Bearer realm="paysessions"` {
			t.Errorf("%s: WWW-Authenticate = %q; want the bearer challenge", tt.name, r.header.Get("WWW-Authenticate"))
		}
	}
}

// faultExchanges are exerciseFaults' requests, one an endpoint, for the
// merchant's token tok, the processor's proc, the API key key (keyID) and
// the session id created on day.
func faultExchanges(tok, proc, key, keyID, id, day string) []exchange {
	return []exchange{
		{name: "create", method: "POST", path: "/sessions", header: bearer(tok), body: `{"amount":1,"currency":"EUR"}`},
		{name: "get", method: "GET", path: "/sessions/" + id, header: bearer(tok)},
		{name: "event", method: "POST", path: "/sessions/" + id + "/events", header: bearer(proc), body: `{"status":"PROCESSING"}`},
		{name: "cancel", method: "POST", path: "/sessions/" + id + "/cancel", header: bearer(tok)},
		{name: "000", method: "GET", path: "/v1/session/" + id, header: bearer(tok)},
		{name: "001", method: "GET", path: "/v2.0/payments/" + id + "/status", header: bearer(tok)},
		{name: "002", method: "GET", path: "/payment-sessions/" + id, header: apiKey(key)},
		{name: "003", method: "GET", path: "/v1/checkout-sessions/" + id + "?init=true", header: bearer(tok, "X-Merchant-Id", "m-1")},
		{name: "004 list", method: "GET", path: "/pps/api/v1/session-record?createdDate=" + day, header: bearer(tok)},
		{name: "004 record", method: "GET", path: "/pps/api/v1/session-record/" + id, header: bearer(tok)},
		{name: "create key", method: "POST", path: "/api-keys", header: bearer(tok), body: `{"scopes":["sessions:read"]}`},
		{name: "revoke key", method: "DELETE", path: "/api-keys/" + keyID, header: bearer(tok)},
	}
}

// faultPhase sends exchanges all at once through c while the proxy
// answers DynamoDB's every call with fault: each must get status and
// code, and each endpoint's one DynamoDB call must have met the fault as
// many times as the SDK tries it.
func faultPhase(t *testing.T, c *checker, proxy *faultProxy, fault *dynamoFault, status int, code string, exchanges []exchange) {
	t.Helper()
	proxy.fault.Store(fault)
	before := proxy.faults.Load()
	start := time.Now()
	var wg sync.WaitGroup
	for _, ex := range exchanges {
		ex.name = fault.name + ": " + ex.name
		ex.status, ex.code = status, code
		wg.Go(func() {
			r := c.do(t, ex)
			if status == http.StatusServiceUnavailable && r.header.Get("Retry-After") == "" {
				t.Errorf("%s: 503 without Retry-After", ex.name)
			}
		})
	}
	wg.Wait()
	proxy.fault.Store(nil)
	// Each endpoint makes one DynamoDB call, which the SDK tries 5
	// times when the fault is retryable, once when it is not.
	attempts := int64(5)
	if status == http.StatusInternalServerError {
		attempts = 1
	}
	if got, want := proxy.faults.Load()-before, attempts*int64(len(exchanges)); got < want {
		t.Errorf("%s: DynamoDB calls failed = %d; want at least %d (the SDK's attempts)", fault.name, got, want)
	}
	t.Logf("%s: %d exchanges in %v", fault.name, len(exchanges), time.Since(start).Round(time.Millisecond))
}

// checkNoEndpoint checks the answer to a path the document does not have
// against the document's words: "A request on any other path never
// reaches the service: API Gateway answers it 404 `{"message":"Not
// Found"}` (`application/json`) without the headers above". OpenAPI has no
// object for an answer to a path it does not list, so the body is compared
// here, byte for byte, with the one the description quotes.
func checkNoEndpoint(t *testing.T, c *checker, ex exchange) {
	t.Helper()
	req := c.request(ex)
	if _, _, err := c.router.FindRoute(req); !errors.Is(err, routers.ErrPathNotFound) {
		t.Errorf("%s: FindRoute = %v; want %v", ex.name, err, routers.ErrPathNotFound)
	}
	res, err := c.client.Do(req)
	if err != nil {
		t.Errorf("%s: %v", ex.name, err)
		return
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	c.diff.Add(c.kind, ex.name, res.StatusCode, res.Header, raw)
	if res.StatusCode != ex.status {
		t.Errorf("%s: status = %d; want %d", ex.name, res.StatusCode, ex.status)
	}
	for _, k := range []string{"Cache-Control", "X-Content-Type-Options", "X-Request-Id", "Strict-Transport-Security"} {
		if v := res.Header.Get(k); v != "" {
			t.Errorf("%s: %s = %q; API Gateway's own answer has none", ex.name, k, v)
		}
	}
	const body = `{"message":"Not Found"}`
	if !strings.Contains(c.doc.Info.Description, "`"+body+"` (`application/json`)") {
		t.Errorf("info.description does not quote API Gateway's answer %s (application/json)", body)
	}
	if got := res.Header.Get("Content-Type"); got != "application/json" {
		t.Errorf("%s: Content-Type = %q; want application/json", ex.name, got)
	}
	if string(raw) != body {
		t.Errorf("%s: body = %s; want %s", ex.name, raw, body)
	}
}
