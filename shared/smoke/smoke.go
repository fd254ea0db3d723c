// Package smoke is a short end-to-end check of a running paysessions API:
// the ApiUrl of a deployed stack, make start-api or make run. It creates a
// session, reports a processor event (and its retry), reads the session
// natively and in all five documented shapes, cancels it, reads the five
// shapes again and finds it in its day's list, checking every status word
// against docs/design.md §5's words (documentWords, quoted there, not read
// from the service's own shared/statemap); the create is sent twice with
// its Idempotency-Key, and an API key made for document 002 is revoked at
// the end, beside a second key revoked before any use, which must then be
// refused. make smoke runs it (cmd/smoke); tests run it against make
// start-api's stack and make run's server.
package smoke

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/session"
)

// words are one canonical status's row of docs/design.md §5's table, its
// cells as written there: "| canonical | 000 `sessionState` | 001 `status`
// | 002 `status` | 003 `checkoutSessionStatus` | 004 `session_status` |".
type words struct {
	V1Session, PaymentStatus, PaymentSession, Checkout, SessionRecord string
}

// documentWords are docs/design.md §5's rows for the statuses the smoke
// passes through, quoted (TestDocumentWordsAreTheDesigns holds each row
// to the document), not taken from shared/statemap: the smoke compares
// the service with the documents' words, so a wrong statemap row fails it.
var documentWords = map[session.Status]words{
	session.Processing: {"InProgress", "Processing", "PENDING", "INITIATED", "IN_PROGRESS"},
	session.Canceled:   {"Finished", "Cancelled", "FAILED", "CANCELED (410 at its own endpoint)", "CANCELED"},
}

// checkoutGone is how §5 writes a 003 cell whose session its own endpoint
// answers with 410 instead of a body.
const checkoutGone = " (410 at its own endpoint)"

// maxListPages bounds one walk of the day's list (Link rel="next" pages):
// a list whose links never end fails the smoke rather than walking on.
const maxListPages = 200

// Config says where and as whom the smoke test runs.
type Config struct {
	// BaseURL is the API's base URL, e.g. https://abc123.execute-api.eu-west-1.amazonaws.com.
	BaseURL string
	// Token is a merchant's bearer token (a merchant_id claim) with the
	// scopes sessions:read, sessions:write, Payment.Read, user and
	// apikeys:write. ProcessorToken is a processor's, with
	// sessions:process. When both are empty they are minted at the API's
	// GET /local/token, which only make run and make start-api serve, for
	// a merchant of their own.
	Token, ProcessorToken string
	// Client makes the requests; nil is a client with a 30 s timeout.
	Client *http.Client
	// Out receives one line per step; nil discards them.
	Out io.Writer
	// ListWait bounds the wait for the session to appear in its day's
	// list, which reads an eventually consistent index; 0 is 30 s.
	ListWait time.Duration
}

// Run runs the smoke test and returns the first failure.
func Run(ctx context.Context, c Config) error {
	r := &runner{c: c, base: strings.TrimRight(c.BaseURL, "/"), start: time.Now(), maxPages: maxListPages}
	if r.c.Client == nil {
		r.c.Client = &http.Client{Timeout: 30 * time.Second}
	}
	if r.c.Out == nil {
		r.c.Out = io.Discard
	}
	if r.c.ListWait == 0 {
		r.c.ListWait = 30 * time.Second
	}
	// Refused before anything is printed but this line: make smoke's
	// command prints nothing of its own, so the FAIL line is all a user
	// who wrote host:port without http:// sees. A query or a fragment
	// would come before every path appended to the base (GET
	// /?x=1/local/token…, a 404 blamed on the API).
	if u, err := url.ParseRequestURI(r.base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		strings.ContainsAny(r.base, "?#") {
		return r.fail(fmt.Errorf("API_URL %q is not an http(s) base URL (no query or fragment) such as http://127.0.0.1:3000", c.BaseURL))
	}
	fmt.Fprintf(r.c.Out, "smoke test of %s\n", r.base)
	if err := r.tokens(ctx); err != nil {
		return r.fail(err)
	}
	if err := r.run(ctx); err != nil {
		return r.fail(err)
	}
	fmt.Fprintf(r.c.Out, "PASS: %d steps in %s\n", r.steps, time.Since(r.start).Round(time.Millisecond))
	return nil
}

type runner struct {
	c        Config
	maxPages int // maxListPages; tests set fewer
	base     string
	start    time.Time
	steps    int
}

func (r *runner) fail(err error) error {
	fmt.Fprintf(r.c.Out, "FAIL: %v\n", err)
	return err
}

// tokens mints the tokens at /local/token when none were given.
func (r *runner) tokens(ctx context.Context) error {
	switch {
	case r.c.Token != "" && r.c.ProcessorToken != "":
		return nil
	case r.c.Token != "" || r.c.ProcessorToken != "":
		return errors.New("give both TOKEN (a merchant's) and PROC_TOKEN (a processor's, scope sessions:process), or neither against make run / make start-api")
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	merchant := "smoke-" + hex.EncodeToString(b[:])
	mint := func(q string) (string, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.base+"/local/token?"+q, nil)
		if err != nil {
			return "", err
		}
		resp, err := r.c.Client.Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		if resp.StatusCode != http.StatusOK {
			return "", fmt.Errorf("no TOKEN and PROC_TOKEN given, and %s serves no development issuer (GET /local/token answered %d): pass the tokens of your identity provider", r.base, resp.StatusCode)
		}
		return strings.TrimSpace(string(body)), nil
	}
	var err error
	if r.c.Token, err = mint("merchant_id=" + merchant + "&scope=" + url.QueryEscape("sessions:read sessions:write Payment.Read user apikeys:write")); err != nil {
		return err
	}
	if r.c.ProcessorToken, err = mint("merchant_id=&scope=sessions:process"); err != nil {
		return err
	}
	fmt.Fprintf(r.c.Out, "  tokens minted at %s/local/token for merchant %s\n", r.base, merchant)
	return nil
}

// answer is one response.
type answer struct {
	status int
	header http.Header
	body   []byte
	took   time.Duration
}

// call makes one request; the step fails unless it answers want.
func (r *runner) call(ctx context.Context, step, method, path string, header map[string]string, body any, want int) (answer, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return answer{}, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.base+path, rd)
	if err != nil {
		return answer{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	start := time.Now()
	resp, err := r.c.Client.Do(req)
	if err != nil {
		return answer{}, fmt.Errorf("%s: %w", step, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	a := answer{status: resp.StatusCode, header: resp.Header, body: b, took: time.Since(start)}
	if err != nil {
		return a, fmt.Errorf("%s: reading the answer: %w", step, err)
	}
	if a.status != want {
		return a, fmt.Errorf("%s: answered %d; want %d: %s", step, a.status, want, excerpt(b))
	}
	return a, nil
}

// ok prints a passed step.
func (r *runner) ok(step string, a answer, detail string) {
	r.steps++
	fmt.Fprintf(r.c.Out, "  ok  %-52s %d %5d ms  %s\n", step, a.status, a.took.Milliseconds(), detail)
}

// field reads a string at a dotted path of a JSON object.
func field(body []byte, path string) (string, bool) {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return "", false
	}
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return "", false
		}
		v = m[k]
	}
	s, ok := v.(string)
	return s, ok
}

// expect checks that body's path holds want.
func expect(step string, body []byte, path, want string) error {
	got, ok := field(body, path)
	if !ok || got != want {
		return fmt.Errorf("%s: %s = %q; want %q: %s", step, path, got, want, excerpt(body))
	}
	return nil
}

func excerpt(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

func (r *runner) run(ctx context.Context) error {
	merchantAuth := map[string]string{"Authorization": "Bearer " + r.c.Token}
	procAuth := map[string]string{"Authorization": "Bearer " + r.c.ProcessorToken}
	orderID := "smoke-" + uuid.NewString()[:8]

	step := "POST /sessions"
	createHeader := map[string]string{"Authorization": "Bearer " + r.c.Token, "Idempotency-Key": "smoke-" + uuid.NewString()}
	createBody := map[string]any{"orderId": orderID, "amount": 100, "currency": "EUR", "paymentMethod": "Card", "metadata": map[string]string{"source": "smoke"}}
	a, err := r.call(ctx, step, http.MethodPost, "/sessions", createHeader, createBody, http.StatusCreated)
	if err != nil {
		return err
	}
	id, _ := field(a.body, "id")
	if _, err := uuid.Parse(id); err != nil {
		return fmt.Errorf("%s: id %q is not a UUID: %s", step, id, excerpt(a.body))
	}
	if loc := a.header.Get("Location"); loc != "/sessions/"+id {
		return fmt.Errorf("%s: Location %q; want /sessions/%s", step, loc, id)
	}
	if err := expect(step, a.body, "status", string(session.Created)); err != nil {
		return err
	}
	merchant, _ := field(a.body, "merchantId")
	created, _ := field(a.body, "createdAt")
	if merchant == "" || len(created) < 10 {
		return fmt.Errorf("%s: no merchantId or createdAt: %s", step, excerpt(a.body))
	}
	r.ok(step, a, "id "+id+", merchant "+merchant)

	// docs/design.md §2: "With an `Idempotency-Key`, a repeat of the same
	// request (same JSON content) replays the first answer byte for byte
	// with `Idempotent-Replayed: true`".
	step = "POST /sessions, same Idempotency-Key again"
	replay, err := r.call(ctx, step, http.MethodPost, "/sessions", createHeader, createBody, http.StatusCreated)
	if err != nil {
		return err
	}
	if !bytes.Equal(replay.body, a.body) {
		return fmt.Errorf("%s: answered %s; want the first answer byte for byte: %s", step, excerpt(replay.body), excerpt(a.body))
	}
	if got := replay.header.Get("Idempotent-Replayed"); got != "true" {
		return fmt.Errorf("%s: Idempotent-Replayed %q; want %q", step, got, "true")
	}
	if loc := replay.header.Get("Location"); loc != "/sessions/"+id {
		return fmt.Errorf("%s: Location %q; want /sessions/%s", step, loc, id)
	}
	r.ok(step, replay, "the same answer, replayed")

	event := map[string]any{"status": string(session.Processing), "eventId": "smoke-evt-" + uuid.NewString()[:8]}
	for _, s := range []string{"POST /sessions/{id}/events PROCESSING", "POST /sessions/{id}/events, same eventId again"} {
		if a, err = r.call(ctx, s, http.MethodPost, "/sessions/"+id+"/events", procAuth, event, http.StatusOK); err != nil {
			return err
		}
		if err := expect(s, a.body, "status", string(session.Processing)); err != nil {
			return err
		}
		r.ok(s, a, "status PROCESSING")
	}

	step = "GET /sessions/{id}"
	if a, err = r.call(ctx, step, http.MethodGet, "/sessions/"+id, merchantAuth, nil, http.StatusOK); err != nil {
		return err
	}
	var native struct {
		Status  string `json:"status"`
		History []any  `json:"history"`
	}
	if json.Unmarshal(a.body, &native) != nil || native.Status != string(session.Processing) || len(native.History) != 2 {
		return fmt.Errorf("%s: want PROCESSING with 2 history entries (the retried event applied once): %s", step, excerpt(a.body))
	}
	r.ok(step, a, "status PROCESSING, 2 history entries")

	step = "POST /api-keys"
	if a, err = r.call(ctx, step, http.MethodPost, "/api-keys", merchantAuth, map[string]any{"scopes": []string{"sessions:read"}}, http.StatusCreated); err != nil {
		return err
	}
	key, _ := field(a.body, "key")
	keyID, _ := field(a.body, "keyId")
	if !strings.HasPrefix(key, "psk_") || keyID == "" {
		return fmt.Errorf("%s: no key in the answer", step)
	}
	r.ok(step, a, "key "+keyID+" (sessions:read)")
	revoke := func(keyID string) error {
		s := "DELETE /api-keys/{keyId}"
		a, err := r.call(ctx, s, http.MethodDelete, "/api-keys/"+keyID, merchantAuth, nil, http.StatusNoContent)
		if err != nil {
			return err
		}
		r.ok(s, a, "revoked "+keyID)
		return nil
	}

	if err := r.shapes(ctx, id, merchant, key, session.Processing); err != nil {
		return errors.Join(err, revoke(keyID))
	}

	step = "POST /sessions/{id}/cancel"
	if a, err = r.call(ctx, step, http.MethodPost, "/sessions/"+id+"/cancel", merchantAuth, map[string]any{"reason": "smoke test"}, http.StatusOK); err != nil {
		return errors.Join(err, revoke(keyID))
	}
	if err := expect(step, a.body, "status", string(session.Canceled)); err != nil {
		return errors.Join(err, revoke(keyID))
	}
	r.ok(step, a, "status CANCELED")

	if err := r.shapes(ctx, id, merchant, key, session.Canceled); err != nil {
		return errors.Join(err, revoke(keyID))
	}
	if err := revoke(keyID); err != nil {
		return err
	}
	if err := r.revokedKeyRefused(ctx, merchantAuth, id, revoke); err != nil {
		return err
	}

	return r.findInList(ctx, merchantAuth, id, created[:10])
}

// shapes reads session id in the five documents' shapes and checks each
// status word against documentWords' row for status; key is an API key
// with sessions:read, for document 002.
func (r *runner) shapes(ctx context.Context, id, merchant, key string, status session.Status) error {
	words, ok := documentWords[status]
	if !ok {
		return fmt.Errorf("the smoke has no docs/design.md §5 words for %s", status)
	}
	merchantAuth := map[string]string{"Authorization": "Bearer " + r.c.Token}
	checkout, gone := strings.CutSuffix(words.Checkout, checkoutGone)
	for _, sh := range []struct {
		step, path string
		header     map[string]string
		idPath     string
		statusPath string
		want       string
		gone       bool // answered 410 SESSION_CANCELED instead
	}{
		{"GET /v1/session/{id}  (000)", "/v1/session/" + id, merchantAuth, "sessionGuid", "sessionState", words.V1Session, false},
		{"GET /v2.0/payments/{id}/status  (001)", "/v2.0/payments/" + id + "/status", merchantAuth, "data.paymentId", "data.status", words.PaymentStatus, false},
		{"GET /payment-sessions/{id}  (002)", "/payment-sessions/" + id, map[string]string{"X-Api-Key": key}, "paymentSessionId", "status", words.PaymentSession, false},
		{"GET /v1/checkout-sessions/{id}  (003)", "/v1/checkout-sessions/" + id, map[string]string{"Authorization": "Bearer " + r.c.Token, "X-Merchant-Id": merchant}, "data.checkoutSession.id", "data.checkoutSession.checkoutSessionStatus", checkout, gone},
		{"GET /pps/api/v1/session-record/{id}  (004)", "/pps/api/v1/session-record/" + id, merchantAuth, "session_id", "session_status", words.SessionRecord, false},
	} {
		if sh.gone {
			a, err := r.call(ctx, sh.step, http.MethodGet, sh.path, sh.header, nil, http.StatusGone)
			if err == nil {
				err = expect(sh.step, a.body, "code", session.ReasonSessionCanceled)
			}
			if err != nil {
				return err
			}
			r.ok(sh.step, a, sh.want+": 410 "+session.ReasonSessionCanceled)
			continue
		}
		a, err := r.call(ctx, sh.step, http.MethodGet, sh.path, sh.header, nil, http.StatusOK)
		if err == nil {
			err = expect(sh.step, a.body, sh.idPath, id)
		}
		if err == nil {
			err = expect(sh.step, a.body, sh.statusPath, sh.want)
		}
		if err != nil {
			return err
		}
		r.ok(sh.step, a, sh.statusPath+" "+sh.want)
	}
	return nil
}

// revokedKeyRefused makes a second key, revokes it before any use, and
// checks that document 002's read refuses it: 401 UNAUTHENTICATED. Never
// used, it is in no container's cache, so the refusal is due at once
// everywhere; a key used before its revocation may work on for a while
// (README, "API keys": "a revoked key stops working everywhere within 30
// s"), which a smoke would have to wait out.
func (r *runner) revokedKeyRefused(ctx context.Context, merchantAuth map[string]string, id string, revoke func(string) error) error {
	step := "POST /api-keys  (to revoke unused)"
	a, err := r.call(ctx, step, http.MethodPost, "/api-keys", merchantAuth, map[string]any{"scopes": []string{"sessions:read"}}, http.StatusCreated)
	if err != nil {
		return err
	}
	key, _ := field(a.body, "key")
	keyID, _ := field(a.body, "keyId")
	if !strings.HasPrefix(key, "psk_") || keyID == "" {
		return fmt.Errorf("%s: no key in the answer", step)
	}
	r.ok(step, a, "key "+keyID+" (sessions:read)")
	if err := revoke(keyID); err != nil {
		return err
	}
	step = "GET /payment-sessions/{id}  (002), revoked key"
	if a, err = r.call(ctx, step, http.MethodGet, "/payment-sessions/"+id, map[string]string{"X-Api-Key": key}, nil, http.StatusUnauthorized); err != nil {
		return err
	}
	if err := expect(step, a.body, "code", session.ReasonUnauthenticated); err != nil {
		return err
	}
	r.ok(step, a, "refused: "+session.ReasonUnauthenticated)
	return nil
}

// findInList reads the session's day (following Link rel="next" pages)
// until the session is there with its canceled status; the list reads an
// index that may lag the table.
func (r *runner) findInList(ctx context.Context, auth map[string]string, id, day string) error {
	want := documentWords[session.Canceled].SessionRecord
	step := "GET /pps/api/v1/session-record?createdDate=" + day
	deadline := time.Now().Add(r.c.ListWait)
	for {
		path := "/pps/api/v1/session-record?createdDate=" + day
		var last answer
		seen, status := 0, ""
		for pages := 0; path != ""; pages++ {
			if pages == r.maxPages {
				return fmt.Errorf("%s: still a Link rel=\"next\" after %d pages (%d records); want the day's list to end", step, pages, seen)
			}
			a, err := r.call(ctx, step, http.MethodGet, path, auth, nil, http.StatusOK)
			if err != nil {
				return err
			}
			last = a
			var records []map[string]any
			if err := json.Unmarshal(a.body, &records); err != nil {
				return fmt.Errorf("%s: not a JSON array of records: %s", step, excerpt(a.body))
			}
			seen += len(records)
			for _, rec := range records {
				if rec["session_id"] == id {
					status, _ = rec["session_status"].(string)
				}
			}
			path = strings.TrimPrefix(nextLink(a.header.Get("Link")), r.base)
		}
		if status == want {
			r.ok(step, last, fmt.Sprintf("found among %d records, session_status %s", seen, want))
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: session %s not listed with session_status %s after %s (found %q among %d records)", step, id, want, r.c.ListWait, status, seen)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// nextLink is the path of a Link header's rel="next" target, or "".
func nextLink(h string) string {
	for _, part := range strings.Split(h, ",") {
		target, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.Contains(params, `rel="next"`) {
			return strings.Trim(strings.TrimSpace(target), "<>")
		}
	}
	return ""
}
