package httpapi_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// The fuzz targets drive the whole stack (middleware, router, auth,
// handlers, store) with hostile input. The property is the same
// everywhere: no panic, no 5xx, every refusal a clear 4xx (a problem
// document with a code and a detail, or document 001's envelope), and no
// card number accepted or echoed. `make test` runs the seeds (below and in
// testdata/fuzz) against DynamoDB Local; `make fuzz` fuzzes each target for
// a while on storetest.Memory (fuzzHarness).

// fuzzHarness is the harness a fuzz target runs on. While fuzzing (-fuzz)
// it is storetest.Memory — the store's rules without a table, which
// TestMemoryAgreesWithStore holds to the store on DynamoDB Local — so an
// input costs microseconds instead of a round trip to an engine, and the
// fuzzer tries many times more of them. When the seeds and the corpus run
// as tests, it is DynamoDB Local, so every input kept in testdata/fuzz is
// answered by the real store too; under -short, where no engine runs, it
// is storetest.Memory again.
func fuzzHarness(f *testing.F) *harness {
	if fl := flag.Lookup("test.fuzz"); fl != nil && fl.Value.String() != "" || storetest.EngineSkipped() {
		return newMemoryHarness(f)
	}
	return newHarness(f)
}

// cardNumbers returns the card numbers in s, by the guard's rule
// (session.FindCardNumber), as ASCII digits.
func cardNumbers(s string) []string {
	var out []string
	for {
		start, end, ok := session.FindCardNumber(s)
		if !ok {
			return out
		}
		out = append(out, digitsOf(s[start:end]))
		s = s[end:]
	}
}

// digitsOf is every decimal digit of s, of any script, as ASCII digits.
// A digit's value is how many decimal digits stand right before it, mod 10
// (Unicode encodes each set of ten consecutively from zero).
func digitsOf(s string) string {
	var b strings.Builder
	for _, r := range s {
		if !unicode.IsDigit(r) {
			continue
		}
		n := 0
		for unicode.IsDigit(r - rune(n) - 1) {
			n++
		}
		b.WriteByte(byte('0' + n%10))
	}
	return b.String()
}

// uuids are the ids in log lines and answers: random hex whose digits are
// no one's input.
var uuids = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)

// checkLogs asserts that no log line of logs holds a card number.
func checkLogs(t *testing.T, logs string) {
	t.Helper()
	for _, line := range strings.Split(logs, "\n") {
		if session.LooksLikeCardNumber(uuids.ReplaceAllString(line, "<uuid>")) {
			t.Fatalf("a log line holds a card number: %s", line)
		}
	}
}

// checkAnswer asserts the fuzz property on one answer to input.
func checkAnswer(t *testing.T, w *httptest.ResponseRecorder, input string, envelope bool) {
	t.Helper()
	if w.Code >= 500 {
		t.Fatalf("status %d for input %q: %s", w.Code, input, w.Body)
	}
	body := w.Body.Bytes()
	if w.Code >= 400 {
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatalf("refusal %d is not JSON: %q", w.Code, body)
		}
		// A path that matches no route at all is API Gateway's own 404,
		// whatever the dialect of the route it resembles.
		if w.Code == http.StatusNotFound && string(body) == httpapi.GatewayNotFound {
			envelope = false
		} else if envelope {
			n, _ := m["notifications"].([]any)
			if _, ok := m["data"]; !ok || m["data"] != nil || len(n) != 1 {
				t.Fatalf("refusal %d is not the 001 envelope: %s", w.Code, body)
			}
		} else if m["code"] == nil || m["detail"] == "" || w.Header().Get("Content-Type") != "application/problem+json" {
			t.Fatalf("refusal %d is not a clear problem document: %s", w.Code, body)
		}
	}
	// In whatever spelling: the answer's digits, all run together, hold
	// none of the input's card numbers.
	flat := digitsOf(uuids.ReplaceAllString(string(body), ""))
	for _, c := range cardNumbers(input) {
		if strings.Contains(flat, c) {
			t.Fatalf("answer %d echoes a card number of the input: %s", w.Code, body)
		}
	}
}

// take returns what was logged since the last take, and forgets it: a fuzz
// target reads each input's lines once, so the cost of an input does not
// grow with the inputs before it.
func (s *syncBuffer) take() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.b.String()
	s.b.Reset()
	return out
}

// serve sends r through the harness.
func serve(h *harness, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.handler.ServeHTTP(w, r)
	return w
}

// fuzzSession creates a session with tok, a merchant's token, and returns
// its id: the harness's create reports to the harness's testing.F, which a
// fuzz function must not use.
func fuzzSession(t *testing.T, h *harness, tok string) string {
	t.Helper()
	c := request("POST", "/sessions", "", []byte(`{"amount":8800,"currency":"ZAR"}`))
	c.Header.Set("Authorization", "Bearer "+tok)
	c.Header.Set("Content-Type", "application/json")
	var created struct {
		ID string `json:"id"`
	}
	if cw := serve(h, c); cw.Code != 201 || json.Unmarshal(cw.Body.Bytes(), &created) != nil {
		t.Fatalf("create = %d %s; want 201", cw.Code, cw.Body)
	}
	return created.ID
}

func request(method, path, rawQuery string, body []byte) *http.Request {
	r := httptest.NewRequest(method, "/", bytes.NewReader(body))
	r.URL.Path, r.URL.RawPath, r.URL.RawQuery = path, "", rawQuery
	r.RequestURI = ""
	return r
}

func FuzzCreateSession(f *testing.F) {
	h := fuzzHarness(f)
	tok := h.merchantToken("m-1")
	parent := h.create("m-1", nil)
	for _, s := range []struct{ body, key, ct string }{
		{`{"amount":8800,"currency":"ZAR"}`, "", "application/json"},
		{`{"amount":1,"currency":"EUR","orderId":"o-1","metadata":{"a":"b"},"provider":{"k":[1,2,{"x":null}]}}`, "k-1", ""},
		{`{"amount":1,"currency":"EUR","parentSessionId":"` + parent + `"}`, "", "application/json; charset=utf-8"},
		{`{"amount":1,"currency":"EUR","metadata":{"note":"4111 1111 1111 1111"}}`, "", "application/json"},
		{`{"amount":4111111111111111,"currency":"EUR"}`, "4111-1111-1111-1111", "application/json"},
		{`{"amount":-1,"currency":"eur","returnUrl":"javascript:alert(1)"}`, "a,b", "text/plain"},
		{`{"amount":1e3,"currency":"EUR"}`, "", ""},
		{`{"amount":1,"currency":"EUR"}{"amount":2}`, "", ""},
		{`[`, "", ""},
		{"\xff\xfe", "", ""},
		{`{"amount":1,"currency":"EUR","provider":{"pan":"4111111111111111","pan":"ok"}}`, "", "application/json"},
		{`{"amount":1,"currency":"EUR","provider":{"pan":4.111111111111111e15}}`, "", "application/json"},
		{`{"amount":1,"currency":"EUR","metadata":{"n":"4111 1111 1111 1111 12/28"}}`, "4111.1111.1111.1111", "application/json"},
		{`{"AMOUNT":5,"currency":"EUR","orderId":"\ud800"}`, "", "application/merge-patch+json"},
		{`{"amount":1,"currency":"EUR","provider":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":1}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}`, "", "application/json"},
		{`{"amount":1,"currency":"EUR","orderId":"ORD-2026-11-29-000123","metadata":{"tel":"+49 1512 3456787"}}`, "20220211-0013-0000-0382", "application/json; charset=utf-8"},
	} {
		f.Add([]byte(s.body), s.key, s.ct)
	}
	f.Fuzz(func(t *testing.T, body []byte, key, contentType string) {
		h.logs.take()
		r := request("POST", "/sessions", "", body)
		r.Header.Set("Authorization", "Bearer "+tok)
		if key != "" {
			r.Header["Idempotency-Key"] = []string{key}
		}
		if contentType != "" {
			r.Header["Content-Type"] = []string{contentType}
		}
		w := serve(h, r)
		checkAnswer(t, w, string(body)+" "+key, false)
		checkLogs(t, h.logs.take())
		if w.Code == 201 {
			for _, c := range cardNumbers(string(body) + " " + key) {
				t.Fatalf("a create holding card number %s was accepted", c)
			}
			checkAccepted(t, h, tok, body, w)
			checkReencoded(t, h, tok, body, w)
		}
	})
}

// checkReencoded sends an accepted create body again as another JSON
// writer writes the same value (encoding/json: members sorted, its own
// escapes, numbers as written) and wants it accepted identically: every
// field the body set is answered with the same value. (Not for a child
// session: its parent takes one open child.)
func checkReencoded(t *testing.T, h *harness, tok string, body []byte, first *httptest.ResponseRecorder) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("accepted %q, which encoding/json cannot read: %v", body, err)
	}
	if _, ok := v["parentSessionId"]; ok {
		return // a parent has one open child: a second create is refused for that
	}
	again, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("accepted %q, which encoding/json cannot write again: %v", body, err)
	}
	r := request("POST", "/sessions", "", again)
	r.Header.Set("Authorization", "Bearer "+tok)
	r.Header.Set("Content-Type", "application/json")
	w := serve(h, r)
	if w.Code != 201 {
		t.Fatalf("accepted %q; its re-encoding %q = %d %s", body, again, w.Code, w.Body)
	}
	var a, b map[string]any
	if json.Unmarshal(first.Body.Bytes(), &a) != nil || json.Unmarshal(w.Body.Bytes(), &b) != nil {
		t.Fatalf("answers are not JSON objects: %s, %s", first.Body, w.Body)
	}
	for k := range v {
		if !reflect.DeepEqual(a[k], b[k]) {
			t.Fatalf("%q answered %s=%v; its re-encoding %q answered %v", body, k, a[k], again, b[k])
		}
	}
}

// checkAccepted holds an accepted body (a create's 201, an event's 200) to
// what acceptance promises:
//   - read as a strict RFC 8259 reader reads it (encoding/json, escapes
//     undone), no member name, string or number holds a card number by the
//     guard's rule for input (session.HoldsCardNumber, and
//     session.NumberLooksLikeCardNumber for numbers);
//   - what is stored is what was answered: a GET of the session gives the
//     same JSON as the answer (taken as JSON: the same values).
func checkAccepted(t *testing.T, h *harness, tok string, body []byte, w *httptest.ResponseRecorder) {
	t.Helper()
	if what := decodedCardNumber(body); what != "" {
		t.Fatalf("accepted %q, whose %s holds a card number", body, what)
	}
	var answered struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &answered); err != nil || answered.ID == "" {
		t.Fatalf("answer %d without an id: %s", w.Code, w.Body)
	}
	r := request("GET", "/sessions/"+answered.ID, "", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	got := serve(h, r)
	if got.Code != 200 {
		t.Fatalf("GET of an accepted session = %d %s; want 200", got.Code, got.Body)
	}
	var a, b any
	if json.Unmarshal(w.Body.Bytes(), &a) != nil || json.Unmarshal(got.Body.Bytes(), &b) != nil || !reflect.DeepEqual(a, b) {
		t.Fatalf("accepted %q: answered %s; stored %s", body, w.Body, got.Body)
	}
}

// decodedCardNumber names the first member name, string or number of the
// JSON text body that holds a card number once decoded, or "".
func decodedCardNumber(body []byte) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		switch v := tok.(type) {
		case string:
			if session.HoldsCardNumber(v) {
				return "string " + strconv.Quote(v)
			}
		case json.Number:
			if session.NumberLooksLikeCardNumber(string(v)) {
				return "number " + string(v)
			}
		}
	}
}

func FuzzPostEvent(f *testing.F) {
	h := fuzzHarness(f)
	proc := h.processorToken()
	for _, s := range []string{
		`{"status":"PROCESSING","eventId":"e-1"}`,
		`{"status":"AUTHORISED","resultData":{"decision":"ACCEPT"},"declineReasons":{"category":"x","reasons":["y"]}}`,
		`{"status":"FAILED","paymentMethodDetails":{"pan":"4111111111111111"}}`,
		`{"status":"EXPIRED"}`,
		`{"status":"Authorised"}`,
		`{"status":"SETTLED","reason":"` + strings.Repeat("é", 600) + `"}`,
		`{"status":null}`,
		`{}`,
		`{"status":"PROCESSING","resultData":{"pan":"4111111111111111","pan":"ok"}}`,
		`{"status":"PROCESSING","provider":{"n":[41111111111111110e-1]},"Status":"FAILED"}`,
		`{"status":"PROCESSING","reason":"card ４１１１ １１１１ １１１１ １１１１"}`,
		`{"status":"PROCESSING","reason":"4111\ufe521111\ufe521111\ufe521111"}`,
		`{"status":"AUTHORISED","resultData":{"n":"\u0034111\u2024\u0031111\u20241111\u20241111"},"provider":{"a":[-0,1E+2,100.0]}}`,
	} {
		f.Add([]byte(s))
	}
	tok := h.merchantToken("m-1")
	f.Fuzz(func(t *testing.T, body []byte) {
		// Each input reports on a session of its own, so that the first
		// accepted event does not close the session for all the others.
		id := fuzzSession(t, h, tok)
		r := request("POST", "/sessions/"+id+"/events", "", body)
		r.Header.Set("Authorization", "Bearer "+proc)
		r.Header.Set("Content-Type", "application/json")
		w := serve(h, r)
		checkAnswer(t, w, string(body), false)
		if w.Code == 200 {
			checkAccepted(t, h, tok, body, w)
		}
	})
}

// FuzzPathID sends any path segment where each endpoint takes an id.
// Besides checkAnswer's property, for a segment the route sees as its id
// (one path segment: no "/", not empty, "." or ".."), the answer is the one
// openapi.yaml and docs/design.md §6 give, judged by openapi's path
// parameter pattern applied here, not by the service's parsers: an id
// outside the pattern is refused with the route's status ("Ids in 002 and
// 004 are opaque strings in their documents, so an id that is not one of
// ours is 404 there; elsewhere a path id that is not a UUID is 400"); one
// inside it is never 400, and is 404 unless it names the harness's own
// session (its UUID in either case; for document 001 in any layout of
// `DotNetGuid`), which is answered (2xx; 409 for a second cancel; 410 from
// document 003 once canceled).
func FuzzPathID(f *testing.F) {
	h := fuzzHarness(f)
	tok := h.token("m-1", auth.ScopeSessionsRead, auth.ScopeSessionsWrite, auth.ScopePaymentRead, auth.ScopeUser, auth.ScopeAPIKeysWrite)
	key := h.apiKey("m-1", auth.ScopeSessionsRead)
	id := h.create("m-1", nil)
	hex := strings.ReplaceAll(id, "-", "")
	for _, s := range []string{id, strings.ToUpper(id), "not-a-uuid", "", "..", "%2e%2e", "a/b", strings.Repeat("f", 5000), "4111111111111111", "\x00", "0123456789abcdef",
		"4111-1111-1111-1111", "4111/1111/1111/1111", "4111.1111.1111.1111 12/28", "٤١١١١١١١١١١١١١١١",
		// Each pattern's edge.
		hex, "{" + id + "}", "(" + id + ")", " " + id + "\u3000", "\ufeff" + id, id + "\x00", " " + id, id[:35], id + "0",
		"{0x" + hex[:8] + ",0x" + hex[8:12] + ",0x" + hex[12:16] + ",{0x" + hex[16:18] + ",0x" + hex[18:20] + ",0x" + hex[20:22] + ",0x" + hex[22:24] + ",0x" + hex[24:26] + ",0x" + hex[26:28] + ",0x" + hex[28:30] + ",0x" + hex[30:] + "}}",
		strings.Replace(id, "-", "", 1), "0123456789ABCDEF", "0123456789abcde", "0123456789abcdef0", "０123456789abcdef",
		"00000000-0000-0000-0000-000000000000", "0000000g-0000-0000-0000-000000000000"} {
		f.Add(s)
	}
	templates := []struct {
		method, path string
		envelope     bool
		pattern      *regexp.Regexp // openapi's pattern for the id
		refused      int            // the answer to an id outside it
		apiKey       bool           // authenticated by X-Api-Key only
	}{
		{"GET", "/sessions/%s", false, openapiUUID, 400, false},
		{"POST", "/sessions/%s/cancel", false, openapiUUID, 400, false},
		{"GET", "/v1/session/%s", false, openapiUUID, 400, false},
		{"GET", "/v2.0/payments/%s/status", true, openapiDotNetGUID, 404, false},
		{"GET", "/v1/checkout-sessions/%s", false, openapiUUID, 400, false},
		// OpaqueId: any string; "only the service's session ids (UUIDs,
		// either case) name a session".
		{"GET", "/pps/api/v1/session-record/%s", false, openapiUUID, 404, false},
		// Document 002: "Authenticated by `X-Api-Key` only"; its id "an
		// opaque string in this document; one that is not the id of a
		// session of the caller's is 404".
		{"GET", "/payment-sessions/%s", false, openapiUUID, 404, true},
		{"DELETE", "/api-keys/%s", false, openapiKeyID, 400, false},
	}
	f.Fuzz(func(t *testing.T, seg string) {
		h.logs.take()
		routed := seg != "" && seg != "." && seg != ".." && !strings.Contains(seg, "/")
		for _, tp := range templates {
			r := request(tp.method, strings.Replace(tp.path, "%s", seg, 1), "", nil)
			if tp.apiKey {
				r.Header.Set("X-Api-Key", key)
			} else {
				r.Header.Set("Authorization", "Bearer "+tok)
				r.Header.Set("X-Merchant-Id", "m-1")
			}
			w := serve(h, r)
			checkAnswer(t, w, seg, tp.envelope)
			if !routed {
				continue
			}
			ours := false
			if tp.pattern == openapiDotNetGUID {
				ours = tp.pattern.MatchString(seg) && guidDigits(seg) == hex
			} else if tp.pattern == openapiUUID {
				ours = strings.EqualFold(seg, id) && tp.pattern.MatchString(seg)
			}
			switch {
			case !tp.pattern.MatchString(seg):
				if w.Code != tp.refused {
					t.Fatalf("%s %s with id %q (outside openapi's pattern) = %d; want %d", tp.method, tp.path, seg, w.Code, tp.refused)
				}
			case !ours:
				if w.Code != 404 {
					t.Fatalf("%s %s with id %q (no session of ours) = %d; want 404", tp.method, tp.path, seg, w.Code)
				}
			case !(w.Code/100 == 2 || w.Code == 409 && strings.HasSuffix(tp.path, "/cancel") || w.Code == 410 && strings.HasPrefix(tp.path, "/v1/checkout")):
				t.Fatalf("%s %s with id %q (our session) = %d %s; want it answered", tp.method, tp.path, seg, w.Code, w.Body)
			}
		}
		checkLogs(t, h.logs.take())
	})
}

// The path parameters' patterns as openapi.yaml gives them (`Uuid`,
// `DotNetGuid`, the key id), its \uXXXX written as Go's \x{XXXX}.
var (
	openapiUUID       = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	openapiKeyID      = regexp.MustCompile(`^[0-9a-f]{16}$`)
	openapiDotNetGUID = regexp.MustCompile(regexp.MustCompile(`\\u([0-9A-F]{4})`).ReplaceAllString(
		`^[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*([0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}|\([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\)|\{0[xX][0-9a-fA-F]{8},0[xX][0-9a-fA-F]{4},0[xX][0-9a-fA-F]{4},\{0[xX][0-9a-fA-F]{2}(,0[xX][0-9a-fA-F]{2}){7}\}\})[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$`,
		`\x{$1}`))
)

// guidDigits is the 32 hex digits, lower case, of a GUID the DotNetGuid
// pattern matches: the white space around it, the dashes, braces,
// parentheses, commas and 0x prefixes taken out (x is no hex digit).
func guidDigits(s string) string {
	s = strings.TrimFunc(s, func(r rune) bool { return unicode.Is(unicode.White_Space, r) })
	s = strings.ReplaceAll(strings.ToLower(s), "0x", "")
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune("-{}(),", r) {
			return -1
		}
		return r
	}, s)
}

// FuzzListQuery sends any createdDate, limit and cursor to document 004's
// list. Besides checkAnswer's property, the answer is openapi.yaml's: 200
// or 400; 200 only for a createdDate of `^\d{4}-\d{2}-\d{2}$` that is a
// calendar day, a limit from 1 to 1000 "in decimal without leading zeros"
// (or none) and a cursor of `^[A-Za-z0-9_-]+$` (or none), and always 200
// for such a date and limit without a cursor; a 200's body is a JSON array
// and its Link, if any, matches the Link header's pattern.
func FuzzListQuery(f *testing.F) {
	h := fuzzHarness(f)
	tok := h.token("m-1", auth.ScopeSessionsRead)
	for i := 0; i < 3; i++ {
		h.create("m-1", nil)
	}
	first := serve(h, func() *http.Request {
		r := request("GET", "/pps/api/v1/session-record", "createdDate=2026-11-23&limit=1", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		return r
	}())
	cursor := ""
	if link := first.Header().Get("Link"); link != "" {
		u, _ := url.Parse(strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`))
		cursor = u.Query().Get("cursor")
	}
	for _, s := range []struct{ date, limit, cursor string }{
		{"2026-11-23", "", ""}, {"2026-11-23", "1", cursor}, {"2026-11-23", "1000", ""}, {"2026-02-30", "", ""},
		{"", "", ""}, {"2026-11-23", "0", ""}, {"2026-11-23", "-1", ""}, {"2026-11-23", "99999999999999999999", ""},
		{"2026-11-24", "1", cursor}, {"2026-11-23", "1", "djF8"}, {"2026-11-23", "1", "!!"}, {"0000-01-01", "1", ""},
		// Each pattern's edge.
		{"2026-11-23", "01", ""}, {"2026-11-23", "+1", ""}, {"2026-11-23", "1001", ""}, {"2026-11-23", " 1", ""},
		{"2026-11-23", "1e3", ""}, {"2026-1-23", "", ""}, {"+2026-11-23", "", ""}, {"２026-11-23", "", ""}, {"2026-11-23", "1", cursor + "="},
	} {
		f.Add(s.date, s.limit, s.cursor)
	}
	f.Fuzz(func(t *testing.T, date, limit, cursor string) {
		q := url.Values{}
		q.Set("createdDate", date)
		if limit != "" {
			q.Set("limit", limit)
		}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		r := request("GET", "/pps/api/v1/session-record", q.Encode(), nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		w := serve(h, r)
		checkAnswer(t, w, date+" "+limit+" "+cursor, false)
		day, err := time.Parse(time.DateOnly, date)
		validDate := listDate.MatchString(date) && err == nil && day.Format(time.DateOnly) == date
		n, _ := strconv.Atoi(limit)
		validLimit := limit == "" || listLimit.MatchString(limit) && n <= 1000
		switch {
		case w.Code != 200 && w.Code != 400:
			t.Fatalf("createdDate %q, limit %q, cursor %q = %d; want 200 or 400", date, limit, cursor, w.Code)
		case w.Code == 200 && !(validDate && validLimit && (cursor == "" || listCursor.MatchString(cursor))):
			t.Fatalf("createdDate %q, limit %q, cursor %q = 200; want 400 (openapi's patterns)", date, limit, cursor)
		case w.Code == 400 && validDate && validLimit && cursor == "":
			t.Fatalf("createdDate %q, limit %q = 400 %s; want 200", date, limit, w.Body)
		}
		if w.Code == 200 {
			var list []any
			if err := json.Unmarshal(w.Body.Bytes(), &list); err != nil {
				t.Fatalf("200 that is not a JSON array: %s", w.Body)
			}
			if link := w.Header().Get("Link"); link != "" && !listLink.MatchString(link) {
				t.Fatalf("Link %q; want openapi's pattern %s", link, listLink)
			}
		}
	})
}

// The list's query and Link as openapi.yaml gives them.
var (
	listDate   = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	listLimit  = regexp.MustCompile(`^[1-9]\d*$`)
	listCursor = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	listLink   = regexp.MustCompile(`^</pps/api/v1/session-record\?createdDate=\d{4}-\d{2}-\d{2}&limit=[1-9]\d*&cursor=[A-Za-z0-9_-]+>; rel="next"$`)
)

// FuzzCheckoutParams sends any init value and X-Merchant-Id to document 003.
// Besides checkAnswer's property, the answer is openapi.yaml's, from its
// words alone: X-Merchant-Id "is required (400 without it), sent once (400
// for two values, as two headers or comma-separated) and must be the
// caller's merchant as sent (403; only spaces and tabs around it are
// trimmed)"; then init, "Read as Spring binds a boolean: `true`, `on`,
// `yes` or `1` (any case)" or "`false`, `off`, `no`, `0` or an empty
// value", "Characters up to U+0020 at either end are trimmed", "anything
// else is 400"; else 200, with appearance and cardCategories exactly when
// init is true.
func FuzzCheckoutParams(f *testing.F) {
	h := fuzzHarness(f)
	tok := h.token("m-1", auth.ScopeUser)
	id := h.create("m-1", nil)
	for _, s := range []struct{ init, merchant string }{
		{"true", "m-1"}, {"false", "m-1"}, {"TRUE", "m-1"}, {"", "m-1"}, {"true", ""}, {"true", "m-2"},
		{"1", "m-1 "}, {"true&init=false", "m-1"}, {"true", "4111111111111111"},
		// Each rule's edge.
		{" \x00\x1ftrue\x20", "\tm-1\t"}, {"\u00a0true", "m-1"}, {"tru\u0435", "m-1"}, {"yeſ", "m-1"}, {"On", "m-1"},
		{"no", "\u00a0m-1"}, {"0", "m-1,"}, {"off", ",m-1"}, {"", " \t "}, {"YES", "M-1"}, {"2", "m-1"}, {"truee", "m-1\n"}, {"0", "\vm-1"},
	} {
		f.Add(s.init, s.merchant)
	}
	f.Fuzz(func(t *testing.T, init, merchant string) {
		r := request("GET", "/v1/checkout-sessions/"+id, "init="+url.QueryEscape(init), nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		r.Header["X-Merchant-Id"] = []string{merchant}
		w := serve(h, r)
		checkAnswer(t, w, init+" "+merchant, false)
		m := strings.Trim(merchant, " \t")
		v := strings.TrimFunc(init, func(r rune) bool { return r <= 0x20 })
		lower := strings.Map(func(r rune) rune {
			if r >= 'A' && r <= 'Z' {
				return r + 'a' - 'A'
			}
			return r
		}, v)
		on := lower == "true" || lower == "on" || lower == "yes" || lower == "1"
		off := lower == "false" || lower == "off" || lower == "no" || lower == "0" || lower == ""
		want := 200
		switch {
		case strings.Contains(merchant, ",") || m == "":
			want = 400
		case session.HoldsCardNumber(m): // "one holding a card number is 400 `CARD_NUMBER_REFUSED`"
			want = 400
		case m != "m-1":
			want = 403
		case !on && !off:
			want = 400
		}
		if w.Code != want {
			t.Fatalf("init %q, X-Merchant-Id %q = %d %s; want %d", init, merchant, w.Code, w.Body, want)
		}
		if w.Code == 200 {
			var body struct {
				Data struct {
					CheckoutSession map[string]any `json:"checkoutSession"`
				} `json:"data"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body.Data.CheckoutSession == nil {
				t.Fatalf("200 without data.checkoutSession: %s", w.Body)
			}
			_, a := body.Data.CheckoutSession["appearance"]
			_, c := body.Data.CheckoutSession["cardCategories"]
			if a != on || c != on {
				t.Fatalf("init %q: appearance %v, cardCategories %v; want both %v", init, a, c, on)
			}
		}
	})
}

// FuzzCredentials sends any Authorization and X-Api-Key values. Besides
// checkAnswer's property: the answer is 200, 401 with a challenge
// (WWW-Authenticate, RFC 9110 §11.6.1) or 403; anything but 401 means a
// credential was accepted, which must be the harness's own token
// (`Bearer <token>`, the scheme in any case, SP or HTAB around the token)
// or its own key (SP or HTAB around it), sent once and alone in its
// header: no other spelling, prefix or list of them authenticates.
func FuzzCredentials(f *testing.F) {
	h := fuzzHarness(f)
	id := h.create("m-1", nil)
	key := h.apiKey("m-1", auth.ScopeSessionsRead)
	tok := h.token("m-1", auth.ScopeSessionsRead)
	parts := strings.Split(tok, ".")
	for _, s := range []struct{ authz, apiKey string }{
		{"Bearer " + tok, ""}, {"", key}, {"Bearer " + tok, key}, {"Bearer", ""}, {"Bearer  ", ""},
		{"Basic dXNlcjpwYXNz", ""}, {"Bearer " + parts[0] + "." + parts[1] + ".", ""}, {"Bearer a.b.c", ""},
		{"Bearer " + parts[0] + "..", ""}, {"", "psk_"}, {"", key[:len(key)-1]}, {"", strings.ToUpper(key)},
		{"", "psk_0123456789abcdef_" + strings.Repeat("z", 64)}, {"Bearer 4111111111111111", ""},
		{"Bearer " + tok + "==", ""}, {"Bearer " + parts[0] + "==." + parts[1] + "." + parts[2], ""},
		// Each spelling rule's edge: lists, case, white space of HTTP's
		// and of Unicode's, a scheme glued to the token.
		{"Bearer " + tok + ",", ""}, {"", key + ","}, {"Bearer " + tok + ", Bearer " + tok, ""}, {"", key + "," + key},
		{" bEARER \t" + tok + "\t ", ""}, {"", "\t " + key + " "}, {"Bearer\t" + tok, ""}, {"Bearer" + tok, ""},
		{"Bearer " + tok + "\u00a0", ""}, {"", key + "\u2028"}, {"Bearer " + tok, "psk_"}, {"Bearer x", key},
	} {
		f.Add(s.authz, s.apiKey)
	}
	f.Fuzz(func(t *testing.T, authz, apiKey string) {
		for _, path := range []string{"/sessions/" + id, "/payment-sessions/" + id} {
			r := request("GET", path, "", nil)
			if authz != "" {
				r.Header["Authorization"] = []string{authz}
			}
			if apiKey != "" {
				r.Header["X-Api-Key"] = []string{apiKey}
			}
			w := serve(h, r)
			checkAnswer(t, w, authz+" "+apiKey, false)
			switch w.Code {
			case http.StatusOK, http.StatusForbidden:
				if !presentedBearer(authz, tok) && !presentedKey(apiKey, key) {
					t.Fatalf("GET %s with Authorization %q, X-Api-Key %q = %d; want 401: neither is the harness's credential", path, authz, apiKey, w.Code)
				}
			case http.StatusUnauthorized:
				if w.Header().Get("WWW-Authenticate") == "" {
					t.Fatalf("GET %s = 401 without WWW-Authenticate; want a challenge", path)
				}
			default:
				t.Fatalf("GET %s with Authorization %q, X-Api-Key %q = %d; want 200, 401 or 403", path, authz, apiKey, w.Code)
			}
		}
		if logs := h.logs.take(); strings.Contains(logs, tok) || strings.Contains(logs, key) {
			t.Fatalf("a credential reached the logs")
		}
	})
}

// presentedBearer reports whether the Authorization value authz is the
// token tok as RFC 6750 §2.1 spells it: "Bearer" (a scheme is
// case-insensitive, RFC 9110 §11.1), a space, the token, with SP or HTAB
// around the field value and the token; one value, no comma.
func presentedBearer(authz, tok string) bool {
	v := strings.Trim(authz, " \t")
	if len(v) < len("Bearer ") || !strings.EqualFold(v[:len("Bearer")], "Bearer") || v[len("Bearer")] != ' ' || strings.Contains(v, ",") {
		return false
	}
	return strings.Trim(v[len("Bearer "):], " \t") == tok
}

// presentedKey reports whether the X-Api-Key value is the key itself, with
// SP or HTAB around it at most.
func presentedKey(apiKey, key string) bool {
	return strings.Trim(apiKey, " \t") == key
}
