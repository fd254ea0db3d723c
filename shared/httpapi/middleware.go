package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// MaxBodyBytes is the largest request body accepted (413 beyond).
const MaxBodyBytes = 64 << 10

type ctxKey struct{}

// requestInfo is what the request's single log line reports, filled in as
// the request is served.
type requestInfo struct {
	id       string
	merchant string
	subject  string
	err      error
	errors   errorWriter     // the error shape of the endpoint serving the request
	token    auth.TokenCount // what the bearer token's check counted (TokenMetrics)
}

func infoOf(ctx context.Context) *requestInfo {
	if ri, ok := ctx.Value(ctxKey{}).(*requestInfo); ok {
		return ri
	}
	return nil
}

// RequestID returns the id of the request being served, or "".
func RequestID(ctx context.Context) string {
	if ri := infoOf(ctx); ri != nil {
		return ri.id
	}
	return ""
}

func noteError(r *http.Request, err error) {
	if ri := infoOf(r.Context()); ri != nil {
		ri.err = err
	}
}

// notePrincipal records who called, for the log line. The subject (sub is
// the identity provider's, not ours to vet) is logged as an API key's
// record keeps it (storedSubject): as sent when it is clean text of at most
// maxStoredSubject characters with no card number, else "[redacted]", so
// an 8 KB sub cannot make every request's line 8 KB.
func notePrincipal(r *http.Request, p *auth.Principal) {
	if ri := infoOf(r.Context()); ri != nil {
		ri.merchant, ri.subject = loggedMerchant(p.MerchantID), storedSubject(p.Subject)
	}
}

// noteTokenCount records what the request's bearer token counted toward
// the token metrics, for the log line (TokenMetrics).
func noteTokenCount(r *http.Request, c auth.TokenCount) {
	if ri := infoOf(r.Context()); ri != nil {
		ri.token = c
	}
}

// Option adjusts Middleware.
type Option func(*options)

type options struct {
	stack string // TokenMetrics
}

// TokenMetrics makes the log line of a request whose bearer token counted
// toward the token metrics (auth.TokenCount: a token verified afresh,
// misaddressed, or of a key the JWKS lacks) also a CloudWatch Embedded
// Metric Format document counting it: namespace paysessions, dimensions
// Service=api and Stack=stack (STACK_NAME), the metric set to 1, written
// whatever the logger's level. The line stays the request's one line;
// every other line is as without the option. An empty stack (the local
// servers) carries no metrics.
func TokenMetrics(stack string) Option {
	return func(o *options) { o.stack = stack }
}

type headReadKey struct{}

// WithHeadRead returns ctx noting t as the time the server read the
// request's head, from which Middleware then times the log line (its
// latency_ms) of an answer given in API Gateway's stead, a request no route
// took (the line's "route" is "": the router's 404, or a
// GatewayAnswer), rather than from its own start. make run, which reads a
// request's whole body before routing it, as API Gateway buffers it
// (samlocal.ReadBody), sets it on every request, so that such lines count
// the wait for the body, as an access log does: a 408 after a 10 s stall
// logs 10 s, not 0. A routed line (a function's, its 405 included) is
// timed from Middleware's start, on make run as in Lambda: it times the
// function's work, which starts once the whole body is in.
func WithHeadRead(ctx context.Context, t time.Time) context.Context {
	return context.WithValue(ctx, headReadKey{}, t)
}

// HSTS is the Strict-Transport-Security every response carries: browsers
// reach the API over HTTPS only, for two years, on its subdomains too
// (RFC 6797; a browser ignores it on plain http, as on the local server).
const HSTS = "max-age=63072000; includeSubDomains"

// Middleware wraps the API's handler with what every response needs: a
// request id, the security headers (Cache-Control: no-store,
// X-Content-Type-Options: nosniff, Strict-Transport-Security), the body limit, the removal of headers
// only the Lambda adapter may set, panic recovery (a logged 500, the
// process keeps serving) and one structured log line per request. requestID
// returns the platform's request id (API Gateway's in Lambda); when it
// returns "", one is made.
func Middleware(logger *slog.Logger, requestID func(*http.Request) string, next http.Handler, opts ...Option) http.Handler {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	rl := requestLog{logger: logger, stack: o.stack}
	if rl.stack != "" {
		rl.directives = tokenDirectives()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		head, fromHead := r.Context().Value(headReadKey{}).(time.Time)
		ri := &requestInfo{id: requestID(r)}
		if ri.id == "" {
			ri.id = newRequestID()
		}
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, ri))
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Strict-Transport-Security", HSTS)
		h.Set("X-Request-Id", ri.id)
		stripProxyHeaders(r.Header)
		rec := &statusRecorder{ResponseWriter: w}

		defer func() {
			// The line is timed from the head for an answer no route gave
			// (WithHeadRead), else from here. r is the request the router
			// is given, on which ServeMux sets the route's Pattern.
			if fromHead && r.Pattern == "" {
				start = head
			}
			if p := recover(); p != nil {
				aborted := p == http.ErrAbortHandler
				what := "panic: " + loggedPanic(p)
				if aborted {
					what = "the handler aborted the response"
				}
				if rec.wrote {
					what += fmt.Sprintf(" after beginning status %d", rec.status)
				}
				if !aborted {
					what += "\n" + string(debug.Stack())
				}
				ri.err = session.Internal(errors.New(what))
				if aborted || rec.wrote {
					// The response was cut short: on purpose (the
					// handler's abort), or by a panic after it began,
					// when no error answer can follow what was written.
					// Whatever status it had begun, the client must not
					// take it for a whole response: the panic goes on as
					// http.ErrAbortHandler, so the server drops the
					// connection (net/http drops a 200 it has not flushed
					// without a byte sent) and, on Lambda, the invocation
					// fails (API Gateway's 500). The request still has
					// its one line: a failure, status 500 at ERROR, so a
					// metric filter on status >= 500 counts it; the error
					// names the status begun.
					rl.write(r, ri, http.StatusInternalServerError, time.Since(start))
					panic(http.ErrAbortHandler)
				}
				// In the error shape of the endpoint that panicked
				// (document 001's envelope on its path).
				answer := errorWriter(writeProblem)
				if ri.errors != nil {
					answer = ri.errors
				}
				if q := answerPanics(answer, rec, r, ri.err); q != nil {
					// The answer itself panicked, maybe half written: the
					// response is cut short as above, and the request
					// still has its one line.
					ri.err = session.Internal(fmt.Errorf("%s; answering it: panic: %s", what, loggedPanic(q)))
					rl.write(r, ri, http.StatusInternalServerError, time.Since(start))
					panic(http.ErrAbortHandler)
				}
			}
			rl.write(r, ri, rec.status, time.Since(start))
		}()

		// A body that says it is too large is refused before it is read by
		// the router, once it knows the route (a path that takes no body
		// answers 405, in its own error shape); bodies are read through
		// this limit.
		if r.Body != nil {
			r.Body = http.MaxBytesReader(rec, r.Body, MaxBodyBytes)
		}
		next.ServeHTTP(rec, r)
	})
}

// answerPanics writes err's answer and returns the value of a panic in
// doing so, or nil.
func answerPanics(answer errorWriter, w http.ResponseWriter, r *http.Request, err error) (p any) {
	defer func() { p = recover() }()
	answer(w, r, err)
	return nil
}

// loggedPanic is what a request's log line says of a panic's value: its
// text, unless the text may hold a card number or a credential (an API
// key, a key's secret, a bearer token, a session's hcpToken:
// session.HoldsCardNumber, holdsCredential), then [redacted] and its type.
// A panic's value can carry request data (panic(fmt.Sprintf("bad event
// %q", ev)), an error quoting its input), and neither may reach a log
// (docs/design.md §7). The stack beside it shows arguments as machine words.
//
// The value is judged in its %v text and in its %s text too: %v prints a
// []byte (alone or in a struct) as decimal numbers ("[52 49 49 49 ...]"),
// a card number no rule reads, where %s prints the bytes as text. A
// []rune (or a []uint16, any integer slice) is numbers in both, so each
// text is judged with its lists of numbers read as characters too
// (numbersAsText).
//
// A text longer than maxLoggedPanic bytes is logged as its first
// maxLoggedPanic bytes (cut at a character boundary), marked with its
// length: a 64 KB value must not make a 64 KB log line. The whole text is
// judged first, so a card number or credential straddling the cut redacts
// the value as it would uncut (its first digits never reach the log), and
// the cut text is judged again: a cut can make a card number of what was
// not one (the first 16 digits of a 20-digit reference).
//
// A value whose formatting panics (fmt recovers one such panic, quoting
// its value, but not a second one raised while formatting that value) is
// logged as [unprintable] and its type: loggedPanic runs in the deferred
// function that recovered the handler's panic, and a panic there would
// escape the middleware (net/http's own recovery would format it again
// and take the whole process down).
func loggedPanic(p any) (logged string) {
	defer func() {
		if recover() != nil {
			logged = fmt.Sprintf("[unprintable] (%T)", p)
		}
	}()
	s := fmt.Sprint(p)
	if holdsSecret(s) || holdsSecret(fmt.Sprintf("%s", p)) {
		return fmt.Sprintf("%s (%T)", redacted, p)
	}
	if len(s) <= maxLoggedPanic {
		return s
	}
	cut := maxLoggedPanic
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	if head := s[:cut]; !holdsSecret(head) {
		return fmt.Sprintf("%s... [truncated: %d bytes]", head, len(s))
	}
	return fmt.Sprintf("%s (%T)", redacted, p)
}

// holdsSecret reports whether s may hold a card number or a credential,
// as text or as the characters its lists of numbers code (numbersAsText).
func holdsSecret(s string) bool {
	if session.HoldsCardNumber(s) || holdsCredentialAsRead(s) {
		return true
	}
	t := numbersAsText(s)
	return t != "" && (session.HoldsCardNumber(t) || holdsCredentialAsRead(t))
}

// numbersAsText is the text coded by each list of decimal numbers in s, as
// fmt prints a []rune, a []uint16 or any integer slice or array with %v
// and %s alike ("[52 49 49 49]"; %s reads only bytes as text): each list
// read as the characters its numbers code, the lists one after another
// with a space between (a card number split across lists, one group to
// a list, stays one number). A list the cut of a long text left open (no
// closing bracket) is read too. A number that codes no character
// (negative, a surrogate, beyond U+10FFFF) is U+FFFD, which ends any run.
// "" when s holds no list. Linear in s: a list's scan stops at the first
// byte that cannot continue it, and the next starts after it.
func numbersAsText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '[' {
			continue
		}
		var text []rune
		n, digits, neg := 0, 0, false
		end := func() {
			if neg || n > utf8.MaxRune || !utf8.ValidRune(rune(n)) {
				n = utf8.RuneError
			}
			text = append(text, rune(n))
			n, digits, neg = 0, 0, false
		}
		j := i + 1
	scan:
		for ; j < len(s); j++ {
			switch c := s[j]; {
			case c >= '0' && c <= '9':
				if n <= utf8.MaxRune { // beyond it, it stays beyond
					n = n*10 + int(c-'0')
				}
				digits++
			case c == '-' && digits == 0 && !neg:
				neg = true
			case c == ' ' && digits > 0:
				end()
			case c == ']' && digits > 0:
				end()
				break scan
			default:
				break scan
			}
		}
		if j == len(s) && digits > 0 {
			end() // a list the cut left open
		}
		if len(text) > 0 {
			b.WriteString(string(text))
			b.WriteByte(' ')
		}
		i = j - 1
	}
	return b.String()
}

// maxLoggedPanic is how many bytes of a panic's text its log line keeps.
const maxLoggedPanic = 1024

func takesBody(method string) bool {
	return method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch
}

func tooLarge() error {
	return session.Errorf(session.ETOOLARGE, session.ReasonBodyTooLarge, "The request body is larger than %d bytes.", MaxBodyBytes)
}

// stripProxyHeaders removes X-GoLambdaProxy-* headers a client may have sent:
// aws-lambda-go-api-proxy uses that prefix for the API Gateway context in
// one of its modes, and nothing a client sends may pose as it.
func stripProxyHeaders(h http.Header) {
	const prefix = "x-golambdaproxy-"
	for k := range h {
		if len(k) >= len(prefix) && strings.EqualFold(k[:len(prefix)], prefix) {
			delete(h, k)
		}
	}
}

// requestLog writes the requests' log lines.
type requestLog struct {
	logger *slog.Logger
	stack  string // TokenMetrics; "": no metrics
	// directives are tokenDirectives(), when stack is set.
	directives [auth.TokenOfUnknownKey + 1]slog.Attr
}

// metricsService is the Service dimension of the API's token metrics.
const metricsService = "api"

// tokenDirectives are the EMF directives of the token metrics, by
// auth.TokenCount (none for auth.NotCounted): made once per Middleware
// with TokenMetrics (not at package init, which every cold start and the
// local servers would pay), the same on every line.
func tokenDirectives() [auth.TokenOfUnknownKey + 1]slog.Attr {
	var out [auth.TokenOfUnknownKey + 1]slog.Attr
	for c := auth.TokenVerified; c <= auth.TokenOfUnknownKey; c++ {
		out[c] = slog.Any("CloudWatchMetrics", []any{map[string]any{
			"Namespace":  "paysessions",
			"Dimensions": [][]string{{"Service", "Stack"}},
			"Metrics":    []map[string]string{{"Name": c.Metric(), "Unit": "Count"}},
		}})
	}
	return out
}

// write writes the request's log line. It names the route by its
// pattern ("GET /sessions/{sessionId}"; for a 405 the path pattern the path
// matched under another method, "/sessions/{sessionId}" (pathOf); "" when
// no route matched the path) and gives the
// path with every segment that may hold a card number or a credential
// redacted (loggedPath): a path is the client's text, and neither may
// reach the logs.
//
// A request whose bearer token counted toward the token metrics
// (TokenMetrics) has its line carry the count as an EMF document (the
// dimensions and the metric at the root, the _aws block naming them), and
// that line is written whatever the logger's level allows, as the
// sweeper's summary line is: it is the metrics, and LOG_LEVEL=warn must
// not silence TokenCheckMisconfiguredAlarm. Still one line per request.
func (rl *requestLog) write(r *http.Request, ri *requestInfo, status int, latency time.Duration) {
	if status == 0 {
		status = http.StatusOK
	}
	level := slog.LevelInfo
	attrs := []slog.Attr{
		slog.String("request_id", ri.id),
		slog.String("method", loggedMethod(r.Method)),
		slog.String("route", r.Pattern),
		slog.String("path", loggedPath(r.URL.Path)),
		slog.Int("status", status),
		slog.Float64("latency_ms", float64(latency.Microseconds())/1000),
	}
	if ri.merchant != "" {
		attrs = append(attrs, slog.String("merchant_id", ri.merchant))
	}
	if ri.subject != "" {
		attrs = append(attrs, slog.String("subject", ri.subject))
	}
	if ri.err != nil {
		attrs = append(attrs, slog.String("code", session.ErrorReason(ri.err)))
		if status >= 500 {
			level = slog.LevelError
			attrs = append(attrs, slog.String("error", store.LoggedError(ri.err)))
		}
	}
	if ri.token == auth.NotCounted || rl.stack == "" {
		rl.logger.LogAttrs(context.Background(), level, "request", attrs...)
		return
	}
	now := time.Now()
	rec := slog.NewRecord(now, level, "request", 0)
	rec.AddAttrs(attrs...)
	rec.AddAttrs(
		slog.String("Service", metricsService),
		slog.String("Stack", rl.stack),
		slog.Int(ri.token.Metric(), 1),
		slog.Group("_aws", slog.Int64("Timestamp", now.UnixMilli()), rl.directives[ri.token]),
	)
	// The handler, not the Logger: Logger.LogAttrs drops a record below
	// the handler's level before it is built.
	_ = rl.logger.Handler().Handle(context.Background(), rec)
}

// redacted stands for a path segment (or a method) that is not logged.
const redacted = "[redacted]"

// maxLoggedMethod is the longest method logged, and named in a 405's
// detail, as sent.
const maxLoggedMethod = 20

// loggedMethod is the request's method as the log line and a 405's detail
// show it: as sent when it is 1 to maxLoggedMethod ASCII letters (GET,
// PROPFIND), else [redacted]. A method is any token to HTTP, and the
// local server and the ANY routes take whatever the client sends:
// "4111-1111-1111-1111" or "PSK_<keyId>_<secret>" are tokens too, and
// neither a card number nor a credential may reach a log or be echoed
// (docs/design.md §3, §7). Letters alone can hold neither.
func loggedMethod(m string) string {
	if m == "" || len(m) > maxLoggedMethod {
		return redacted
	}
	for i := 0; i < len(m); i++ {
		if c := m[i]; !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return redacted
		}
	}
	return m
}

// loggedPath is path with [redacted] in place of each segment that holds a
// card number (also URL-encoded once more: session.HoldsCardNumber), and so
// every segment of a card number written across segments ('/' is a
// separator to the guard: /4111/1111/1111/1111), and of each segment that
// may hold a credential (mayHoldCredential).
//
// The path is searched once, left to right. A [redacted] segment ends any
// run of digits (its brackets and letters are no separator), and the card
// rule starts afresh after it; so once the segments a card number touches
// are redacted, nothing before them holds one, and the search resumes right
// after them, as it would from the start of the path rewritten. (Joining
// and searching the whole path again after each number cost the square of
// its length.)
//
// A path longer than maxLoggedPath bytes once redacted (short segments
// pass every rule, and a redacted one-digit segment grows tenfold) is
// logged as its whole redacted segments within maxLoggedPath bytes and a
// mark with the path's length: a log line stays bounded whatever the
// client sends.
func loggedPath(path string) string {
	p := redactedPath(path)
	if len(p) <= maxLoggedPath {
		return p
	}
	// Whole segments only: a card number's digit groups end at a '/', and
	// every segment a card number touches is already [redacted].
	p = p[:max(strings.LastIndexByte(p[:maxLoggedPath+1], '/'), 0)]
	return p + fmt.Sprintf("/... [truncated: %d bytes]", len(path))
}

// redactedPath is path with its segments redacted, as loggedPath says,
// uncut.
func redactedPath(path string) string {
	segs := strings.Split(path, "/")
	var written []string // segs as written, none redacted, when they may read otherwise
	if strings.ContainsAny(path, "%+\\") {
		written = strings.Split(path, "/")
	}
	changed := false
	for i, s := range segs {
		if mayHoldCredential(s) || session.HoldsCardNumber(s) {
			segs[i], changed = redacted, true
		}
	}
	changed = redactRuns(segs, segs) || changed
	changed = redactNormalisedRuns(segs, segs) || changed
	// Searched again as a URL decoder reads each segment, up to
	// session.MaxURLDecodings layers, each also in NFKC, as
	// session.HoldsCardNumber reads one segment: the path a function sees
	// is decoded twice (an HTTP API's rawPath; the local servers deliver it
	// so), so /4111%2F1111/1111%2F1111 was sent with its '/' encoded three
	// times and reads /4111/1111/1111/1111. A path without '%' or '+'
	// (every routed path) decodes to itself and is not searched again.
	changed = redactDecodings(segs, written, false) || changed
	// And, as HoldsCardNumber reads a segment too, as a JSON parser reads
	// it, its escapes undone, each layer's escapes before its URL
	// decoding: /4111\u00201111/1111\u00201111 is a card number the body
	// rule refuses. Only a path holding a '\\', or a '%' that may decode
	// to one, can read otherwise than above.
	if strings.ContainsAny(path, "\\%") {
		changed = redactDecodings(segs, written, true) || changed
	}
	// And, as HoldsCardNumber reads a segment since 2026-12-07, the path
	// as written and each reading above normalised to NFKC and decoded
	// again when normalising makes a '%', '\\' or '+' the reading did not
	// hold: /x/％34111/1111/1111/1111 is /x/%34111/1111/1111/1111 to a
	// reader that normalises before it decodes, 4111/1111/1111/1111
	// (logged as sent until r107-review). A path in NFKC (every ASCII
	// one) without a '%', '+' or '\\' reads as itself so.
	if written != nil || !session.InNFKC(path) {
		changed = redactNormalisedDecodings(segs, path) || changed
	}
	// Last, a key's secret or a token cut into segments, after the card
	// rule, whose redacted segments end such a run.
	changed = redactSplitSecretsAsRead(segs, path) || changed
	// And a token or a key's secret cut into pieces of which one is
	// redacted for itself (a long one: the header and claims, or more
	// than 32 of the secret's hex digits), searched with every piece as
	// written: [redacted] in its place ended the run there, and the pieces
	// after it (a signature cut into 20s) were logged (r93-logs). A piece
	// redacted as a card number too: a key's secret is random hex, whose
	// pieces may hold 13 to 19 decimal digits the card rule reads as one,
	// and the rest of the secret beside it was logged (r96-review). A
	// card number written with marks is no hex piece, and still ends a run.
	if changed {
		texts := strings.Split(path, "/")
		// As written and in each reading, as redactSplitSecretsAsRead
		// searches: %65yJ..., a '.' sent as %2E or a signature piece
		// holding %2F left the pieces logged (r93-review2).
		// Each reading is searched as read from the path, not with what
		// an earlier reading redacted, as the rounds reference does.
		// A key's secret too: a piece of more than 32 hex digits,
		// redacted for itself, ended its run, and the rest of the
		// secret beside it was logged (r96-design).
		search := func(ts []string) bool { return redactSplitSecrets(segs, slices.Clone(ts)) }
		changed = search(texts) || changed
		changed = searchReadings(texts, written, false, search) || changed
		if strings.ContainsAny(path, "\\%") {
			changed = searchReadings(texts, written, true, search) || changed
		}
	}
	if !changed {
		return path
	}
	return strings.Join(segs, "/")
}

// redactSplitSecretsAsRead searches the path for a secret cut into
// segments (redactSplitSecrets) as written, then in each reading
// redactDecodings searches for a card number: each segment URL-decoded up
// to session.MaxURLDecodings times, and, when the path holds a '\' or a
// '%', with its JSON escapes undone before each decoding. A function sees
// /p1%252Fp2%25252Fp3 as /p1/p2%2Fp3, whose second segment reads p2/p3
// once decoded. A path without '%' or '\' (every routed path) has no
// reading but as written. It redacts in segs and reports whether it
// redacted any.
func redactSplitSecretsAsRead(segs []string, path string) bool {
	search := func(texts []string) bool { return redactSplitSecrets(segs, texts) }
	changed := search(segs)
	if !strings.ContainsAny(path, "%+\\") {
		return changed // reads as written: every routed path
	}
	written := strings.Split(path, "/")
	changed = searchReadings(segs, written, false, search) || changed
	if strings.ContainsAny(path, "\\%") {
		changed = searchReadings(segs, written, true, search) || changed
	}
	return changed
}

// redactSplitSecrets redacts in segs every segment holding a piece of a
// secret cut by '/' into pieces each rule above keeps, texts[i] being what
// segment i reads as (a '/' within texts[i], a decoded %2F, cuts it too),
// and reports whether it redacted any. A function sees such pieces as
// segments when the '/' was sent as %252F (an HTTP API decodes the path
// twice), and make run logs them for the 404 of a path no route matches.
// Two secrets are searched, each in a run of consecutive pieces, empty
// ones between them kept, neither ending the run nor counted:
//   - a key's secret (64 random hex digits): a run of pieces that are each
//     only hex digits, holding more than maxLoggedRun hex digits in all,
//     decimal digits and letters both among them (a run of digits alone is
//     the card rule's to judge, and letters alone, "/a/b/c", are words);
//   - a token: a run of pieces of base64url characters and '.' that,
//     joined, holds a JWT's header (quotesCredential: "eyJ" up to a '.',
//     decoding to JSON) or an API key's prefix psk_.
//
// No route takes two ids in a row: each id stands between literal segments
// that are no hex (sessions, status, api-keys), and no id holds a 'J' or a
// '_', so a routed path's runs are neither. Only a run holding a 'J' or a
// '_' is joined (allocated) to be searched for a token.
//
// A dot-segment ("." or "..") between pieces is read as a URL resolver
// reads it (RFC 3986 §5.2.4): the pieces are searched with each dot
// segment taken as an empty piece, and, when there is a "..", once more
// with the dot segments removed ("a/../" read as nothing), so
// "/w/./d7--dLyPuc85LUgF8v3wG6AZnDhdDqG" is an hcpToken cut in two, as
// "/w/d7--dLyPuc85LUgF8v3wG6AZnDhdDqG" is (r99-authz: the '.' ended the
// run, and 31 of the token's 32 characters were logged). A dot segment
// itself is never redacted.
func redactSplitSecrets(segs, texts []string) bool {
	// The pieces' buffer is reused across calls (splitPieceBufs): each
	// reading of a path of many short segments is searched, and growing a
	// new one each time allocated twice the pieces per reading.
	pool := splitPieceBufs.Get().(*[]piece)
	ps := (*pool)[:0]
	defer func() { *pool = ps[:0]; splitPieceBufs.Put(pool) }()
	dot, dotdot := false, false
	for i, t := range texts {
		for p := range strings.SplitSeq(t, "/") {
			if isDotSegment(p) {
				dot, dotdot = true, dotdot || p == ".."
				p = ""
			}
			ps = append(ps, piece{p, i})
		}
	}
	if !dot {
		return redactSplitPieces(segs, texts, ps)
	}
	// The other readings are taken from texts before a search redacts in
	// it. A "." may also be a token's own '.' cut out by '/' on both
	// sides: the pieces of "H/./C/./S" join to the JWT H.C.S, which the
	// reading above (HCS) does not hold, so a token is searched for in
	// the pieces as written too (a dot segment ends no other run: it is
	// no hex or base64url piece), when a piece may start one (a 'J' or a
	// '_', as redactSplitTokens judges a run).
	tokens := slices.ContainsFunc(texts, func(t string) bool { return strings.ContainsAny(t, "J_") })
	var written, resolved []piece
	for i, t := range texts {
		if !tokens && !dotdot {
			break
		}
		for p := range strings.SplitSeq(t, "/") {
			if tokens {
				written = append(written, piece{p, i})
			}
			if !dotdot {
				continue
			}
			switch p {
			case ".":
			case "..":
				resolved = resolved[:max(len(resolved)-1, 0)]
			default:
				resolved = append(resolved, piece{p, i})
			}
		}
	}
	changed := redactSplitPieces(segs, texts, ps)
	if tokens {
		changed = redactSplitTokens(segs, texts, written) || changed
		if cut := markCut(nil, written, isTokenByte); cut != nil {
			changed = redactSplitTokens(segs, texts, cut) || changed
		}
		// And cut at '.' too: a piece whose marks around its
		// base64url characters end with a '.' ("eyJ...%.") is read
		// without them, before a dot segment that may be the token's
		// own '.', as markCut reads it.
		if cut := markCut(nil, written, isBase64URL); cut != nil {
			changed = redactSplitTokens(segs, texts, cut) || changed
		}
		// And cut at every mark inside a piece (innerMarkCut), as
		// redactSplitPieces reads the pieces.
		if cut := innerMarkCut(nil, written); cut != nil {
			changed = redactSplitTokens(segs, texts, cut) || changed
		}
	}
	if !dotdot {
		return changed
	}
	return redactSplitPieces(segs, texts, resolved) || changed
}

// splitPieceBufs holds redactSplitSecrets' buffers of pieces, reused.
var splitPieceBufs = sync.Pool{New: func() any { return new([]piece) }}

// redactSplitPieces is redactSplitSecrets' search of one reading of the
// path's pieces, ps, and of ps cut at marks (markCut): a secret cut by '/'
// may have a mark before its first piece or after its last in their
// segments, "~<32 hex>/<32 hex>.json", which made those pieces no hex or
// base64url piece (r100-mutate: logged whole on both local servers).
func redactSplitPieces(segs, texts []string, ps []piece) bool {
	changed := searchSplitPieces(segs, texts, ps)
	buf := markCuts.Get().(*[]piece)
	defer markCuts.Put(buf)
	if cut := markCut(*buf, ps, isBase64URL); cut != nil {
		*buf = cut[:0]
		changed = searchSplitPieces(segs, texts, cut) || changed
	}
	// Cut at marks other than '.' too, for a JWT's pieces, when a piece
	// holds a '.' (else the two cuts are one), into the same pieces: a
	// token's search alone, as a piece holding a '.' is no hex or
	// base64url piece, and the other pieces are as cut above.
	if slices.ContainsFunc(ps, func(p piece) bool { return strings.IndexByte(p.s, '.') >= 0 && !isDotSegment(p.s) }) {
		if cut := markCut(*buf, ps, isTokenByte); cut != nil {
			*buf = cut[:0]
			changed = redactSplitTokens(segs, texts, cut) || changed
		}
	}
	// And cut at every mark inside a piece, each read as a '/' is: a
	// secret cut both by '/' between segments and by marks inside them
	// (/payment-sessions/<16>;<16>/<16>;<16>, /sessions/<10>;<10>/<12>)
	// has pieces on both sides of a mark in one segment, where markCut
	// ends the run, and was logged whole on make run and by the functions
	// on make start-api, its '/' sent as %252F (r112-logs).
	if cut := innerMarkCut(*buf, ps); cut != nil {
		*buf = cut[:0]
		changed = searchSplitPieces(segs, texts, cut) || changed
	}
	return changed
}

// innerMarkCut is ps with each piece of two or more runs of base64url
// characters (and percent-escapes: runByte) read as those runs, one piece each, in its segment (the
// marks between and around them left out, read as cuts that end no run),
// written over dst; nil when no piece has two such runs. A piece that is
// [redacted], a dot segment, a route's literal segment or a GUID in a
// layout document 001 reads ({0x7A6A538D,0xAE75,...}, a run of "0x"
// pieces that could join to 32 characters) is kept whole. Linear in the
// pieces.
func innerMarkCut(dst, ps []piece) []piece {
	var out []piece
	for k, p := range ps {
		if !hasInnerMark(p.s) {
			if out != nil {
				out = append(out, p)
			}
			continue
		}
		if out == nil {
			out = append(slices.Grow(dst[:0], len(ps)+8), ps[:k]...)
		}
		for i := 0; i < len(p.s); {
			if runByte(p.s, i) == 0 {
				i++
				continue
			}
			j := i
			for j < len(p.s) && runByte(p.s, j) > 0 {
				j += runByte(p.s, j)
			}
			out = append(out, piece{p.s[i:j], p.seg})
			i = j
		}
	}
	return out
}

// runByte is how many bytes at s[i] continue one of innerMarkCut's runs: 1
// for a base64url character, 3 for a percent-escape (%2D), 0 for a mark.
// An escape is no mark: the readings decode it (a UUID with its dashes
// sent as %2D is an id, 0b8f2c1e%2D3a4d...), and a piece holding one is
// no piece of a secret as written.
func runByte(s string, i int) int {
	switch {
	case isBase64URL(s[i]):
		return 1
	case s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
		return 3
	}
	return 0
}

// hasInnerMark reports whether innerMarkCut reads s as its runs of
// base64url characters: s holds two or more, and is no [redacted], dot
// segment, route's literal segment or GUID.
func hasInnerMark(s string) bool {
	if s == redacted || isDotSegment(s) || routeLiterals[s] {
		return false
	}
	runs, in := 0, false
	for i := 0; i < len(s); {
		n := runByte(s, i)
		if n > 0 && !in {
			runs++
		}
		in = n > 0
		i += max(n, 1)
	}
	if runs < 2 {
		return false
	}
	_, guid := parseGUID(s)
	return !guid
}

// markCuts holds the pieces markCut writes, reused: a path of short
// segments, each with a mark, makes three pieces of each, in each reading.
var markCuts = sync.Pool{New: func() any { return new([]piece) }}

// markCut is ps with each piece that holds a byte not in (a mark) read as
// its longest prefix of bytes in, a piece that ends any run ("/", which no
// piece holds), and its longest suffix of bytes in (each left out when
// empty), written over dst (whose pieces it reuses); nil when that reading
// can find nothing ps does not (markCutJoins). A piece whose marks are all
// at its ends ("~x", "x;", "(x)") is read as the bytes between them, which
// join the pieces on both sides, and a piece of marks alone ("~") as an
// empty piece: a mark beside a '/' that cuts a secret, "<32 hex>~/<32
// hex>", "<16>/:<16>" or "<16>/~/<16>" of an hcpToken, put a break where
// the '/' already was, and the functions logged the whole secret under
// make start-api (r101-lambda). A dot segment and a route's literal
// segment (v2.0) are kept whole: neither is a piece of a secret. Linear in
// the pieces.
func markCut(dst, ps []piece, in func(byte) bool) []piece {
	if !markCutJoins(ps, in) {
		return nil
	}
	out := slices.Grow(dst[:0], 3*len(ps))
	for _, p := range ps {
		i, j, marked := markEnds(p.s, in)
		if !marked {
			out = append(out, p)
			continue
		}
		if a, b, ok := markedCore(p.s, in); ok {
			out = append(out, piece{p.s[a:b], p.seg})
			continue
		}
		if marksOnly(p.s, in) {
			out = append(out, piece{"", p.seg})
			continue
		}
		if i > 0 {
			out = append(out, piece{p.s[:i], p.seg})
		}
		out = append(out, piece{"/", p.seg})
		if j < len(p.s) {
			out = append(out, piece{p.s[j:], p.seg})
		}
	}
	return out
}

// markEnds is where s's longest prefix of bytes in ends (i) and its
// longest suffix of them starts (j), and whether markCut cuts s there: it
// holds a mark, and is no dot segment nor a route's literal segment.
func markEnds(s string, in func(byte) bool) (i, j int, marked bool) {
	for i < len(s) && in(s[i]) {
		i++
	}
	if i == len(s) || isDotSegment(s) || routeLiterals[s] {
		return i, i, false
	}
	j = len(s)
	for j > i && in(s[j-1]) {
		j--
	}
	return i, j, true
}

// markedCore is where the bytes in of s, a piece markEnds marks, start (a)
// and end (b), and whether they are all of s but marks at its ends: one or
// more bytes in, with no mark among them. A segment already [redacted] is
// none: it ends any run, as written.
func markedCore(s string, in func(byte) bool) (a, b int, ok bool) {
	if s == redacted {
		return 0, 0, false
	}
	for a < len(s) && !in(s[a]) {
		a++
	}
	b = len(s)
	for b > a && !in(s[b-1]) {
		b--
	}
	for k := a; k < b; k++ {
		if !in(s[k]) {
			return a, b, false
		}
	}
	return a, b, a < b
}

// marksOnly reports whether s, a piece markEnds marks, holds no byte in: a
// segment of marks alone ("~", ";;"), which markCut reads as an empty
// piece between the pieces beside it. [redacted] is not: it ends any run.
func marksOnly(s string, in func(byte) bool) bool {
	if s == redacted {
		return false
	}
	for i := 0; i < len(s); i++ {
		if in(s[i]) {
			return false
		}
	}
	return true
}

// markCutJoins reports whether markCut's reading of ps can find what ps
// read as it is cannot: every rule but the token one needs two or more
// non-empty pieces in a run, and a piece with a mark ended every run in
// ps, so only a prefix or suffix, or a piece whose marks are all at its
// ends read without them, or the pieces on both sides of a piece of marks
// alone, joined to a piece beside it (empty pieces
// between them aside), or one holding a 'J' or '_' (a token's, which
// redactSplitTokens judges alone), is new; a route's literal segment
// (v2.0 too) between them is read as a piece beside it. A path of short
// segments each with a mark and no such join ("½%252525/...") is not read
// again.
func markCutJoins(ps []piece, in func(byte) bool) bool {
	const (
		ended = iota // no piece, or one that ends a run
		whole        // a piece of bytes in
		part         // a marked piece's suffix
	)
	last := ended
	for _, p := range ps {
		if p.s == "" {
			continue
		}
		i, j, marked := markEnds(p.s, in)
		switch {
		case !marked && (i == len(p.s) || routeLiterals[p.s]):
			// A route's literal segment (v2.0 too, no base64url) lies
			// between a secret's pieces as the searches read them
			// (isHexOrRouteLiteral, isCutHCPTokenPieceOrRouteLiteral):
			// ~<32 hex>/v2.0/<32 hex> was logged whole (r100-review).
			if last == part {
				return true
			}
			last = whole
		case !marked:
			last = ended
		default:
			if a, b, ok := markedCore(p.s, in); ok {
				// Read as its bytes in, which join the pieces on both
				// sides (markCut).
				if last != ended || strings.ContainsAny(p.s[a:b], "J_") {
					return true
				}
				last = part
				continue
			}
			if marksOnly(p.s, in) {
				// Read as an empty piece: the pieces on its two
				// sides join (markCut).
				if last != ended {
					last = part
				}
				continue
			}
			if i > 0 && (last != ended || strings.ContainsAny(p.s[:i], "J_")) {
				return true
			}
			last = ended
			if j < len(p.s) {
				if strings.ContainsAny(p.s[j:], "J_") {
					return true
				}
				last = part
			}
		}
	}
	return false
}

// isTokenByte reports whether c is a base64url character or '.', a JWT's
// alphabet (isTokenPiece).
func isTokenByte(c byte) bool { return isBase64URL(c) || c == '.' }

// searchSplitPieces is redactSplitPieces' search of one reading, ps.
func searchSplitPieces(segs, texts []string, ps []piece) bool {
	changed := false
	// A key's secret: a run of hex pieces, a route's literal segment
	// (routeLiterals: sessions, cancel, v1, ...) between two of them
	// neither ending the run nor counted nor redacted. A word ended the
	// run, so /sessions/<32 hex>/cancel/<32 hex>, which GetSessionFunction
	// sees for /sessions/<32 hex>%252Fcancel%252F<32 hex> under make
	// start-api, logged a whole secret (r100-regress). No route's literal
	// is hex, and a routed path holds one id at most.
	for i := 0; i < len(ps); {
		run, next := nextRun(ps, i, isHexOrRouteLiteral)
		i = next
		digits, pieces, decimal, letter := 0, 0, false, false
		for _, p := range run {
			if h := gluedHex(p.s); h != "" {
				digits, pieces = digits+len(h), pieces+1
				decimal = decimal || strings.ContainsAny(h, "0123456789")
				letter = letter || strings.ContainsAny(h, "abcdefABCDEF")
			}
		}
		if pieces > 1 && digits > maxLoggedRun && decimal && letter {
			for k := range run {
				if gluedHex(run[k].s) != "" {
					changed = redactPieces(segs, texts, run[k:k+1]) || changed
				}
			}
		}
	}
	// A session's hcpToken (maxLoggedRun base64url characters, no '.'):
	// a run of pieces that are each base64url characters, none only hex
	// digits and dashes (an id) or lower-case letters and dashes (a word:
	// sessions, checkout-sessions), holding maxLoggedRun characters in
	// all, upper- and lower-case letters and digits among them. No routed
	// path has such a run: its ids are hex, its literals lower-case words
	// or v1, and no two of them make 32 characters.
	for i := 0; i < len(ps); {
		run, next := nextRun(ps, i, isHcpTokenPiece)
		i = next
		n, pieces, upper, lower, digit := 0, 0, false, false, false
		for _, p := range run {
			if p.s != "" {
				n, pieces = n+len(p.s), pieces+1
				upper = upper || strings.ContainsFunc(p.s, func(r rune) bool { return r >= 'A' && r <= 'Z' })
				lower = lower || strings.ContainsFunc(p.s, func(r rune) bool { return r >= 'a' && r <= 'z' })
				digit = digit || strings.ContainsAny(p.s, "0123456789")
			}
		}
		if pieces > 1 && n >= maxLoggedRun && upper && lower && digit {
			changed = redactPieces(segs, texts, run) || changed
		}
	}
	changed = redactCutHCPTokens(segs, texts, ps) || changed
	return redactSplitTokens(segs, texts, ps) || changed
}

// redactCutHCPTokens is redactSplitSecrets' search for a session's
// hcpToken cut where a piece it leaves is only hex digits or only
// lower-case letters, which the run above does not take (a cut after a
// token's first character, "a/UDVGsaXO160poDEOXAQYmhI_09bpXn5", or
// "aUDVG/sa/XO160poDEOXAQYmhI_09bpXn5": 7.5 % of single cuts of the tokens
// the service makes were logged as sent, r98-regress). In each run of
// pieces of base64url characters (empty pieces between them neither end
// the run nor count), every window of two or more non-empty pieces that
// joined hold exactly maxLoggedRun characters (an hcpToken's length),
// upper- and lower-case letters and digits among them, has its pieces
// redacted but a route's literal segments (routeLiterals: sessions, v1,
// ...), which stay as sent. A token's piece may be such a word
// ("L_QzYbA2iTUNwKrU/i/NdZB5Mj82yGDu/v1" was logged as sent while words
// ended the run, r99-regress); kept, it reveals no more than the word.
// No routed path holds such a window: its ids are UUIDs (36 characters)
// or hex key ids (16, no upper-case letter) between words, so its ids stay
// readable. A window holds at most maxLoggedRun pieces, so the search
// stays linear in the path; it allocates nothing.
func redactCutHCPTokens(segs, texts []string, ps []piece) bool {
	changed := false
	for i := 0; i < len(ps); {
		run, next := nextRun(ps, i, isCutHCPTokenPieceOrRouteLiteral)
		i = next
		// Each window is read three times: with a route's literal
		// segments as pieces of the token; with them left out, as words
		// put between its pieces ("/sessions/<16>/cancel/<16>", which
		// GetSessionFunction sees under make start-api for
		// /sessions/<16>%252Fcancel%252F<16>, was logged whole:
		// r100-regress), segments of '-' and '_' alone too; and with the
		// words left out but such segments counted, a token's own '-' or
		// '_' cut off into a segment beside a word
		// ("/sessions/<16>/cancel/-/<15>" was logged with 31 of its 32
		// characters: r104-sweeplogs).
		for _, skip := range [3]func(string) bool{skipNone, isFiller, isRouteLiteral} {
			changed = redactCutHCPTokenWindows(segs, texts, run, skip) || changed
		}
	}
	return changed
}

// redactCutHCPTokenWindows is redactCutHCPTokens' search of one run's
// windows; the segments skip reports (a route's literal segments, and
// segments of '-' and '_' alone: isFiller) are read as not there, as empty
// pieces are.
func redactCutHCPTokenWindows(segs, texts []string, run []piece, skip func(string) bool) bool {
	changed := false
	for a := range run {
		if run[a].s == "" || skip(run[a].s) || !isCutHCPTokenPiece(run[a].s) {
			continue
		}
		n, pieces, upper, lower, digit := 0, 0, false, false, false
		for b := a; b < len(run) && n < maxLoggedRun; b++ {
			p := run[b].s
			if p == "" || skip(p) {
				continue
			}
			if !isCutHCPTokenPiece(p) {
				break // a word no token's piece can be (v2.0) ends the window
			}
			n, pieces = n+len(p), pieces+1
			upper = upper || strings.ContainsFunc(p, func(r rune) bool { return r >= 'A' && r <= 'Z' })
			lower = lower || strings.ContainsFunc(p, func(r rune) bool { return r >= 'a' && r <= 'z' })
			digit = digit || strings.ContainsAny(p, "0123456789")
			if n == maxLoggedRun && pieces > 1 && upper && lower && digit {
				for k := a; k <= b; k++ {
					if !routeLiterals[run[k].s] && !skip(run[k].s) {
						changed = redactPieces(segs, texts, run[k:k+1]) || changed
					}
				}
			}
		}
	}
	return changed
}

// skipNone and isRouteLiteral are readings of redactCutHCPTokenWindows:
// no segment left out, and a route's literal segments left out.
func skipNone(string) bool { return false }

func isRouteLiteral(s string) bool { return routeLiterals[s] }

// isCutHCPTokenPiece reports whether s may be a piece of an hcpToken cut
// by '/' anywhere: one or more base64url characters (a route's literal
// segment too: a token's piece may be one).
func isCutHCPTokenPiece(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isBase64URL(s[i]) {
			return false
		}
	}
	return s != ""
}

// isCutHCPTokenPieceOrRouteLiteral reports whether s may be a piece of an
// hcpToken cut by '/' (isCutHCPTokenPiece) or is a route's literal segment,
// which may lie between two pieces: v2.0, no base64url, ended the run, so
// /sessions/<16>/v2.0/<16>, as GetSessionFunction sees
// /sessions/<16>%252Fv2.0%252F<16> under make start-api, logged an
// hcpToken whole (r100-review).
func isCutHCPTokenPieceOrRouteLiteral(s string) bool {
	return isCutHCPTokenPiece(s) || routeLiterals[s]
}

// routeLiterals are the literal segments of the routes' paths (not
// {name}s): words redactCutHCPTokens leaves as sent.
var routeLiterals = func() map[string]bool {
	m := map[string]bool{}
	for _, e := range routeTable {
		_, path, _ := strings.Cut(e.pattern, " ")
		for seg := range strings.SplitSeq(path, "/") {
			if seg != "" && !strings.HasPrefix(seg, "{") {
				m[seg] = true
			}
		}
	}
	return m
}()

// isHcpTokenPiece reports whether s may be a piece of an hcpToken cut by
// '/': one or more base64url characters, not only hex digits and dashes
// (an id) nor only lower-case letters and dashes (a word).
func isHcpTokenPiece(s string) bool {
	id, word := true, true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isBase64URL(c) {
			return false
		}
		id = id && (c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == '-')
		word = word && (c >= 'a' && c <= 'z' || c == '-')
	}
	return s != "" && !id && !word
}

// redactSplitTokens is redactSplitSecrets' search for a token cut into
// pieces (ps, texts cut at '/'; nil: cut here), and reports whether it
// redacted any.
func redactSplitTokens(segs, texts []string, ps []piece) bool {
	if ps == nil {
		for i, t := range texts {
			for p := range strings.SplitSeq(t, "/") {
				ps = append(ps, piece{p, i})
			}
		}
	}
	changed := false
	for i := 0; i < len(ps); {
		run, next := nextRun(ps, i, isTokenPiece)
		i = next
		candidate := false
		for _, p := range run {
			candidate = candidate || strings.ContainsAny(p.s, "J_")
		}
		if !candidate {
			continue
		}
		var joined strings.Builder
		for _, p := range run {
			joined.WriteString(p.s)
		}
		if at := credentialAt(joined.String()); at >= 0 {
			// From the piece the credential starts in to the run's end:
			// the pieces before it are words (sessions) or ids.
			for len(run) > 0 && at >= len(run[0].s) {
				at -= len(run[0].s)
				run = run[1:]
			}
			changed = redactPieces(segs, texts, run) || changed
		}
	}
	return changed
}

// piece is a part of a path between two '/', as read: s, of segment seg.
type piece struct {
	s   string
	seg int
}

// nextRun is the first run at or after ps[i] of consecutive pieces that in
// returns true for, empty pieces within it kept (it starts and ends at a
// non-empty one; none when there is no such piece), and the index after
// it.
func nextRun(ps []piece, i int, in func(string) bool) ([]piece, int) {
	for i < len(ps) && (ps[i].s == "" || !in(ps[i].s)) {
		i++
	}
	if i == len(ps) {
		return nil, i
	}
	j, last := i, i
	for ; j < len(ps) && (ps[j].s == "" || in(ps[j].s)); j++ {
		if ps[j].s != "" {
			last = j
		}
	}
	return ps[i : last+1], j
}

// redactPieces redacts the segments of run's non-empty pieces in segs and
// texts, but a dot segment's, which reveals nothing, and reports whether it
// redacted any.
func redactPieces(segs, texts []string, run []piece) bool {
	changed := false
	for _, p := range run {
		if p.s != "" && !isDotSegment(p.s) && segs[p.seg] != redacted {
			segs[p.seg], texts[p.seg], changed = redacted, redacted, true
		}
	}
	return changed
}

// isDotSegment reports whether s is a dot segment, "." or ".." (RFC 3986
// §3.3).
func isDotSegment(s string) bool { return s == "." || s == ".." }

// isTokenPiece reports whether s is one or more base64url characters and
// '.' (a JWT's alphabet and separator).
func isTokenPiece(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isBase64URL(s[i]) && s[i] != '.' {
			return false
		}
	}
	return s != ""
}

// isHexOrRouteLiteral reports whether s is hex digits, glued to '-' or
// '_' at its ends (gluedHex), or a filler (isFiller), which a key's
// secret cut into pieces may have between them. A filler is neither
// counted nor redacted (gluedHex is "").
func isHexOrRouteLiteral(s string) bool { return gluedHex(s) != "" || isFiller(s) }

// isFiller reports whether s is a route's literal segment (routeLiterals)
// or one or more of '-' and '_' alone: segments put between a secret's
// pieces that alone reveal nothing. The second, base64url and so no mark,
// ended a key's secret's run, and counted in an hcpToken's 32 characters,
// so make run's 404 logged /sessions/<32 hex>/-/<32 hex> and
// /sessions/<16>/-/<16> of an hcpToken whole (r102-review).
func isFiller(s string) bool { return routeLiterals[s] || s != "" && strings.Trim(s, "-_") == "" }

// gluedHex is s's hex digits when s is one or more of them with '-' or '_'
// (base64url, so no mark) at its ends alone, else "": a key's secret cut
// by '/' with either beside a cut ("<32 hex>-/<32 hex>") was logged whole
// on both local servers, the glued piece no hex piece (r101-review). A
// UUID's dashes are within it, so an id is none.
func gluedHex(s string) string {
	if h := strings.Trim(s, "-_"); isHexSegment(h) {
		return h
	}
	return ""
}

// isHexSegment reports whether s is one or more hex digits, of either case.
func isHexSegment(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return s != ""
}

// redactDecodings searches the path again as segs read decoded, layer
// by layer, up to session.MaxURLDecodings layers, as
// session.HoldsCardNumber reads one segment: each layer first undoes JSON
// escapes (with json) and then one layer of URL encoding, and each reading
// that changed a segment is searched as read and in NFKC (redactRuns,
// redactNormalisedRuns). Each layer reads the last layer's reading, a
// segment redacted since reading [redacted]; a layer that changes nothing
// reads the path as already searched, and ends the search. It redacts in
// segs and reports whether it redacted any.
func redactDecodings(segs, written []string, json bool) bool {
	return searchReadings(segs, written, json, func(texts []string) bool {
		changed := redactRuns(segs, texts)
		return redactNormalisedRuns(segs, texts) || changed
	})
}

// searchReadings calls search with each reading of segs, layer by layer, up
// to session.MaxURLDecodings layers: each layer first undoes JSON escapes
// (with json) and then one layer of URL encoding, each reading that changed
// a segment searched; each layer reads the last layer's reading, a segment
// redacted in segs since reading [redacted]; a layer that changes nothing
// ends the search. It reports whether any search redacted.
func searchReadings(segs, written []string, json bool, search func(texts []string) bool) bool {
	if written == nil {
		return false // a path without '%', '+' or '\\' reads as written
	}
	changed := false
	texts := segs
	for range session.MaxURLDecodings {
		read := false
		if json {
			var ws []string
			written, ws = readAll(written, jsonReading(len(segs))), written
			if js := readEach(segs, texts, readingOf(ws, written)); js != nil {
				changed = search(js) || changed
				texts, read = js, true
			}
		}
		var ws []string
		written, ws = urlReadAll(written), written
		if ds := readEach(segs, texts, readingOf(ws, written)); ds != nil {
			changed = search(ds) || changed
			texts, read = ds, true
		}
		if !read {
			break
		}
	}
	return changed
}

// redactNormalisedDecodings searches the path again as a reader that
// normalises a text to NFKC before it decodes it reads it
// (session.HoldsCardNumber reads one segment so): the path as written,
// and each of its readings (searchReadings, without and with JSON
// escapes undone), whose normal form holds a '%', '\\' or '+' more
// (normalisedEscapes), is decoded again from that form (redactDecodings,
// without and with JSON escapes). Each is decoded up to
// session.MaxURLDecodings layers more, past the rule's layers in all for a
// reading already decoded: a log line may redact more than the rule reads,
// never less. It redacts in segs and reports whether it redacted any.
func redactNormalisedDecodings(segs []string, path string) bool {
	search := func(texts []string) bool {
		ns := normalisedEscapes(texts)
		if ns == nil {
			return false
		}
		changed := redactDecodings(segs, ns, false)
		return redactDecodings(segs, ns, true) || changed
	}
	written := strings.Split(path, "/")
	changed := search(written)
	if strings.ContainsAny(path, "%+\\") {
		changed = searchReadings(segs, written, false, search) || changed
		changed = searchReadings(segs, written, true, search) || changed
	}
	return changed
}

// normalisedEscapes is texts in NFKC when normalising one of them makes a
// '%', '\\' or '+' it did not hold (％ ＼ ＋ and their other forms), else
// nil.
func normalisedEscapes(texts []string) []string {
	// Only a character of session.NormalisesToEscape's makes one: texts
	// without one are not normalised (the path's texts were, each, for
	// every reading: a 9 KiB segment of U+FDFA, which no rule redacts for
	// what NFKC makes of it, cost an unauthenticated 401 some milliseconds,
	// hundreds of times a typical one).
	if !slices.ContainsFunc(texts, session.NormalisesToEscape) {
		return nil
	}
	for _, s := range texts {
		if n := normalised(s); n != s && escapeCount(n) > escapeCount(s) {
			out := make([]string, len(texts))
			for i, t := range texts {
				out[i] = normalised(t)
			}
			return out
		}
	}
	return nil
}

// escapeCount is how many '%', '\\' and '+' s holds.
func escapeCount(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '%' || c == '\\' || c == '+' {
			n++
		}
	}
	return n
}

// readingOf reads a segment once more from before and after, the
// segments as read before and after a reading without any redaction
// (urlReadAll, readAll): a segment, but one redacted, reads as it does
// after the segments before it, as session.HoldsCardNumber reads the
// whole path, the redacted ones included (the digits of a segment
// redacted for itself are still before a '+' that follows it).
func readingOf(before, after []string) func(int, string) (string, bool) {
	return func(i int, s string) (string, bool) {
		if s == redacted && before[i] != redacted {
			return s, false
		}
		return after[i], after[i] != before[i]
	}
}

// urlReadAll is each of segs read once more as a URL decoder does, each
// after the segments before it and their '/' (session.URLDecoding), as
// session.HoldsCardNumber reads the whole path: a '+' that starts a
// segment is a form's space after "4111/", as it is in "4111/+1111". A
// segment read alone kept it, and /4111/+1111/+1111/+1111 was logged as
// sent (r94-review).
func urlReadAll(segs []string) []string {
	if !slices.ContainsFunc(segs, func(s string) bool { return strings.ContainsAny(s, "%+") }) {
		return segs // reads as itself: every routed path
	}
	var d session.URLDecoding
	n := 0
	for _, s := range segs {
		n += len(s) + 1
	}
	d.Grow(n)
	out := make([]string, len(segs))
	for i, s := range segs {
		sep := ""
		if i > 0 {
			sep = "/"
		}
		out[i], _ = d.Next(sep, s)
	}
	return out
}

// readAll is each of segs read once more by read (given its index).
func readAll(segs []string, read func(int, string) (string, bool)) []string {
	out := make([]string, len(segs))
	for i, s := range segs {
		out[i], _ = read(i, s)
	}
	return out
}

// jsonReading reads each of n segments once more as a JSON parser reads
// it, its escapes undone, but for the escape of a '/' written across the
// separator after it ("\/"): a segment but the last that ends in an odd
// run of '\' reads without its last one, which with the '/' after it reads
// as that '/', the separator, as the whole path reads.
func jsonReading(n int) func(int, string) (string, bool) {
	return func(i int, s string) (string, bool) {
		if i < n-1 {
			k := len(s)
			for k > 0 && s[k-1] == '\\' {
				k--
			}
			if (len(s)-k)%2 == 1 {
				d, _ := session.JSONUnescapedOnce(s[:len(s)-1])
				return d, true
			}
		}
		return session.JSONUnescapedOnce(s)
	}
}

// readEach is texts with each segment read once more by read (given the
// segment's index), a segment redacted in segs since reading [redacted],
// or nil when that changes none of them.
func readEach(segs, texts []string, read func(int, string) (string, bool)) []string {
	var out []string
	for i, s := range texts {
		if segs[i] == redacted {
			s = redacted
		}
		d, more := read(i, s)
		if !more && d == texts[i] {
			continue
		}
		if out == nil {
			out = slices.Clone(texts)
		}
		out[i] = d
	}
	return out
}

// redactNormalisedRuns searches texts again in NFKC, segment by segment,
// as a reader that normalises text stores it (session.HoldsCardNumber
// judges each segment so): /⒋⒈⒈⒈/⒈⒈⒈⒈/... is /4.1.1.1./1.1.1.1./... It
// redacts in segs as redactRuns does and reports whether it redacted any.
// Both readings are searched (texts by the caller): normalising can also
// hide a number (a full-width digit before a UUID makes it no UUID). Texts
// already in NFKC (every ASCII path) are not searched twice, nor copied.
func redactNormalisedRuns(segs, texts []string) bool {
	var ns []string
	for i, s := range texts {
		if n := normalised(s); n != s {
			if ns == nil {
				ns = slices.Clone(texts)
			}
			ns[i] = n
		}
	}
	return ns != nil && redactRuns(segs, ns)
}

// redactRuns redacts in segs every segment a card number found in texts
// joined by '/' touches, texts[i] being what segment i reads as, and
// reports whether it redacted any. It redacts texts[i] too, so a search of
// another reading made from texts (redactNormalisedRuns) reads the path
// rewritten, as the next round of a search from the start would.
func redactRuns(segs, texts []string) bool {
	p := strings.Join(texts, "/")
	offs := make([]int, len(texts)+1) // texts[i] is p[offs[i]:offs[i+1]-1]
	for i, s := range texts {
		offs[i+1] = offs[i] + len(s) + 1
	}
	changed := false
	for first, from := 0, 0; first < len(segs); {
		start, end, ok := session.FindCardNumber(p[from:])
		if !ok {
			break
		}
		start, end = from+start, from+end
		// Redact the segments the number touches (each holds a digit of
		// it, or lies empty within it).
		last := first
		for i := first; i < len(segs) && offs[i] < end; i++ {
			if offs[i+1]-1 > start {
				segs[i], texts[i], last, changed = redacted, redacted, i, true
			}
		}
		first, from = last+1, offs[last+1]-1 // from the '/' after them
	}
	return changed
}

// normalised is s in NFKC, or s itself when it is so already (every ASCII
// segment, without a copy).
func normalised(s string) string {
	return session.NFKC(s)
}

// maxLoggedPath is how many bytes of a path its log line keeps.
const maxLoggedPath = 1024

// Path segments longer than maxLoggedSegment bytes, or holding a run of
// more than maxLoggedRun ASCII letters and digits, or of maxLoggedRun
// base64url characters not all hex digits and dashes (holdsCredential),
// are not logged.
const (
	maxLoggedSegment = 64
	maxLoggedRun     = 32
)

// mayHoldCredential reports whether a path segment may hold an API key
// (psk_, in any case), a key's secret (64 hex digits), a session's
// hcpToken (32 base64url characters) or a bearer token or part of one
// (holdsCredential): a client that pastes its
// key into DELETE /api-keys/{keyId}, or whose URL template puts a token
// where an id belongs, must not have it written to the logs. Every id a
// route takes is logged as sent: a UUID (runs of at most 12), a key id (16
// hex digits), document 001's GUID layouts (32 hex digits at most in a
// run, 38 characters in all; or the hexadecimal structure
// Guid.ToString("X") writes, 68 characters of hex digits, "0x", commas and
// braces, the one id longer than maxLoggedSegment, which can hold no
// credential). The segment is judged as sent and as a URL decoder reads
// it, up to session.MaxURLDecodings layers, as the card rule reads one:
// the path a function sees is decoded twice (an HTTP API's rawPath), so
// an hcpToken whose '-' reads %2D there was sent with it encoded three
// times; and, as the card rule reads a segment, with each layer's JSON
// escapes undone before its URL decoding (jsonDecodedHoldsCredential).
// Each reading is judged in NFKC too, as the card rule reads a
// segment (a search index or a log pipeline stores it so): an hcpToken
// with some of its characters in their full-width forms (ａＵＤ...) is the
// token there (r99-authz: logged as sent on both local servers).
func mayHoldCredential(seg string) bool {
	if len(seg) > maxLoggedSegment {
		if _, guid := parseGUID(seg); !guid || len(seg) != len(xLayout) {
			return true
		}
	}
	return urlDecodedHoldsCredential(seg) || strings.ContainsAny(seg, "\\%") && jsonDecodedHoldsCredential(seg)
}

// urlDecodedHoldsCredential is mayHoldCredential of seg as written and as
// a URL decoder reads it, up to session.MaxURLDecodings layers.
func urlDecodedHoldsCredential(seg string) bool {
	for range session.MaxURLDecodings {
		if segmentHoldsCredentialAsRead(seg) {
			return true
		}
		var more bool
		if seg, more = session.URLDecodedOnce(seg); !more {
			return false
		}
	}
	return segmentHoldsCredentialAsRead(seg)
}

// segmentHoldsCredentialAsRead is holdsCredentialAsRead of one reading of
// a path segment, or holdsCutHCPToken of it as written and, when it is not
// plain ASCII, in NFKC. The cut token is a segment's rule only: a panic's
// free text (holdsSecret) holds words that may make 32 characters.
func segmentHoldsCredentialAsRead(s string) bool {
	if holdsCredential(s) || holdsCutHCPToken(s) {
		return true
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			n := normalised(s) // once for both rules: every reading of every segment
			return holdsCredential(n) || holdsCutHCPToken(n)
		}
	}
	return false
}

// holdsCutHCPToken reports whether s, one segment, holds a session's
// hcpToken cut inside it by characters that are not base64url: two or
// more consecutive runs of base64url characters that, joined, hold
// exactly maxLoggedRun characters, upper- and lower-case letters and
// digits among them and one that is neither a hex digit nor '-', as
// redactCutHCPTokens finds one cut by '/' (a random hcpToken is only hex
// digits and dashes one time in about 10^14). A token
// cut by a ';', a ',' or a space (%20) is 33 to 64 bytes, under the
// length rule, and each piece is under maxLoggedRun: /sessions/<16>;<16>
// was logged with the whole token on both local servers (r100-design).
// Ids stay readable: a UUID or GUID cut by its escaped dashes
// (0b8f2c1e%2D3a4d%2D..., read as written) is hex digits alone, and
// document 001's X layout, runs such as "0xAE75", is a GUID. A window
// holds at most maxLoggedRun pieces, so the search is linear in s.
func holdsCutHCPToken(s string) bool {
	if len(s) <= maxLoggedRun {
		return false // no room for the token and a character cutting it
	}
	type run struct {
		n                           int
		upper, lower, digit, notHex bool
	}
	var buf [maxLoggedSegment]run
	runs := buf[:0]
	for i := 0; i < len(s); {
		if !isBase64URL(s[i]) {
			i++
			continue
		}
		var r run
		for ; i < len(s) && isBase64URL(s[i]); i++ {
			c := s[i]
			r.n++
			r.upper = r.upper || c >= 'A' && c <= 'Z'
			r.lower = r.lower || c >= 'a' && c <= 'z'
			r.digit = r.digit || c >= '0' && c <= '9'
			r.notHex = r.notHex || !isHex(c) && c != '-'
		}
		runs = append(runs, r)
	}
	for a := range runs {
		var w run
		for b := a; b < len(runs) && w.n < maxLoggedRun; b++ {
			w.n += runs[b].n
			w.upper = w.upper || runs[b].upper
			w.lower = w.lower || runs[b].lower
			w.digit = w.digit || runs[b].digit
			w.notHex = w.notHex || runs[b].notHex
			if w.n == maxLoggedRun && b > a && w.upper && w.lower && w.digit && w.notHex {
				_, guid := parseGUID(s)
				return !guid
			}
		}
	}
	return false
}

// jsonDecodedHoldsCredential is mayHoldCredential of seg read as
// session.HoldsCardNumber reads it: each layer's JSON escapes undone before
// its URL decoding, up to session.MaxURLDecodings layers. An escape's
// backslash ends the runs holdsCredential counts, so an hcpToken with two
// of its characters written \u0055 was logged as sent (r100-mutate). Only
// a segment holding a '\\', or a '%' that may decode to one, reads so
// otherwise than urlDecodedHoldsCredential reads it.
func jsonDecodedHoldsCredential(seg string) bool {
	for range session.MaxURLDecodings {
		j, unescaped := session.JSONUnescapedOnce(seg)
		if unescaped && segmentHoldsCredentialAsRead(j) {
			return true
		}
		d, decoded := session.URLDecodedOnce(j)
		if !unescaped && !decoded {
			return false
		}
		if decoded && segmentHoldsCredentialAsRead(d) {
			return true
		}
		seg = d
	}
	return false
}

// holdsCredentialAsRead is holdsCredential of s as written and, when s is
// not plain ASCII, in NFKC.
func holdsCredentialAsRead(s string) bool {
	if holdsCredential(s) {
		return true
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return holdsCredential(normalised(s))
		}
	}
	return false
}

// holdsCredential reports whether s holds what may be an API key (psk_, in
// any case), a key's secret or a bearer token or part of one: a run of more
// than maxLoggedRun ASCII letters and digits (a key's secret is 64 hex
// digits), or a run of at least maxLoggedRun base64url characters (letters,
// digits, '-' and '_') holding one that is neither a hex digit nor '-'. A
// session's hcpToken is exactly maxLoggedRun base64url characters (24
// random bytes), '-' and '_' among them, which the first rule alone
// misses; every id a route takes, and the service logs, is hex digits and
// dashes (a UUID, 36 of them; document 001's GUID forms), which the second
// rule keeps readable. A random hcpToken is only hex digits and dashes one
// time in about 10^14.
func holdsCredential(s string) bool {
	if strings.Contains(strings.ToLower(s), "psk_") {
		return true
	}
	alnum, b64, notHex := 0, 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		isAlnum := c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if isAlnum {
			if alnum++; alnum > maxLoggedRun {
				return true
			}
		} else {
			alnum = 0
		}
		if isAlnum || c == '-' || c == '_' {
			b64++
			notHex = notHex || !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == '-')
			if b64 >= maxLoggedRun && notHex {
				return true
			}
		} else {
			b64, notHex = 0, false
		}
	}
	return false
}

// statusRecorder remembers the status written, for the log line.
type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wrote {
		s.status, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if !s.wrote {
		s.status, s.wrote = http.StatusOK, true
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// isTooLarge reports whether err is the body limit being hit.
func isTooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

func newRequestID() string { return uuid.NewString() }
