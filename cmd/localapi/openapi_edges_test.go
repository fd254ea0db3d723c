package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/paysessions/paysessions/shared/apitarget"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/statemap"
)

// The tests in this file hold docs/openapi.yaml to the service at the
// edges a client generator or a validator built from the document meets:
// values the document allows must be taken by the service, values the
// service takes must be allowed by the document, and a response schema
// admits nothing the service never sends (a client generated from it
// would handle a case that cannot happen, and miss that it cannot).

// TestOpenAPIPaymentIDWhiteSpace: document 001's paymentId is read "in any
// layout .NET's Guid.Parse reads", "white space at either end is trimmed"
// (DotNetGuid), as .NET trims it: char.IsWhiteSpace, Unicode's White_Space.
// The document's pattern must name those characters, not a regex dialect's
// \s: Go's (kin-openapi's) is ASCII only without \v, and ECMA-262's (JSON
// Schema's own dialect) adds U+FEFF, which .NET does not trim.
func TestOpenAPIPaymentIDWhiteSpace(t *testing.T) {
	doc := loadSpec(t)
	apitarget.Run(t, func(t *testing.T, k apitarget.Kind) {
		base := apitarget.Start(t, k, apitarget.Options{}).URL
		c := newChecker(t, doc, base, &coverage{seen: map[coverKey]int{}})
		tok := mint(t, base, "merchant_id=m-1")
		id := c.do(t, exchange{name: "create", method: "POST", path: "/sessions", header: bearer(tok), body: `{"amount":1,"currency":"EUR"}`, status: 201}).str("id")
		for _, tt := range []struct {
			pad    string
			status int
		}{
			// Unicode White_Space: trimmed.
			{"\t", 200}, {"\n", 200}, {"\v", 200}, {"\f", 200}, {"\r", 200}, {" ", 200},
			{"\u0085", 200}, {"\u00a0", 200}, {"\u1680", 200}, {"\u2000", 200}, {"\u2005", 200},
			{"\u200a", 200}, {"\u2028", 200}, {"\u2029", 200}, {"\u202f", 200}, {"\u205f", 200},
			{"\u3000", 200}, {" \u00a0\t", 200},
			// Not White_Space (ECMA-262's \s has U+FEFF): no GUID, so no
			// payment.
			{"\ufeff", 404}, {"\u200b", 404}, {"\u180e", 404}, {"\u00ad", 404},
		} {
			ex := exchange{
				name:   "001 id padded with " + url.PathEscape(tt.pad),
				method: "GET", path: "/v2.0/payments/" + url.PathEscape(tt.pad+id+tt.pad) + "/status",
				header: bearer(tok), status: tt.status,
			}
			if tt.status != 200 {
				ex.code, ex.badReq = "SESSION_NOT_FOUND", true
			}
			c.do(t, ex)
		}
	})
}

// TestOpenAPISessionDeclineReasons: a processor's declineReasons without
// reasons (absent, null, or the whole object empty) is stored with
// reasons [] (session.Event.Validate), so the native session's
// declineReasons.reasons is never null: the document must not say it can
// be ("`null` when the processor sent none"), or a generated client types
// it nullable and a reader expects null where [] comes.
func TestOpenAPISessionDeclineReasons(t *testing.T) {
	doc := loadSpec(t)
	base := apitarget.Start(t, apitarget.Local, apitarget.Options{}).URL
	c := newChecker(t, doc, base, &coverage{seen: map[coverKey]int{}})
	tok := mint(t, base, "merchant_id=m-1")
	proc := mint(t, base, "merchant_id=&scope=sessions:process")
	session := doc.Components.Schemas["Session"]
	if session == nil || session.Value == nil {
		t.Fatal("components.schemas.Session is missing")
	}
	for _, body := range []string{
		`{"status":"FAILED","declineReasons":{}}`,
		`{"status":"FAILED","declineReasons":{"category":"RISK"}}`,
		`{"status":"FAILED","declineReasons":{"category":"RISK","reasons":null}}`,
		`{"status":"FAILED","declineReasons":{"reasons":[]}}`,
		`{"status":"FAILED","declineReasons":{"reasons":["score too high"]}}`,
	} {
		id := c.do(t, exchange{name: "create", method: "POST", path: "/sessions", header: bearer(tok), body: `{"amount":1,"currency":"EUR"}`, status: 201}).str("id")
		for _, ex := range []exchange{
			{name: "event " + body, method: "POST", path: "/sessions/" + id + "/events", header: bearer(proc), body: body, status: 200},
			{name: "read after " + body, method: "GET", path: "/sessions/" + id, header: bearer(tok), status: 200},
		} {
			r := c.do(t, ex)
			m, _ := r.body.(map[string]any)
			dr, _ := m["declineReasons"].(map[string]any)
			if got, ok := dr["reasons"].([]any); !ok || got == nil {
				t.Errorf("%s: declineReasons.reasons = %v; want an array", ex.name, dr["reasons"])
				continue
			}
			// The same answer with reasons null is one the service never
			// gives: the schema must refuse it.
			raw, _ := json.Marshal(m)
			var mutated map[string]any
			_ = json.Unmarshal(raw, &mutated)
			mutated["declineReasons"].(map[string]any)["reasons"] = nil
			err := session.Value.VisitJSON(mutated, openapi3.EnableJSONSchema2020(), openapi3.VisitAsResponse())
			if err == nil {
				t.Errorf("%s: the Session schema admits declineReasons.reasons null; want it refused (the service always sends an array)", ex.name)
			}
		}
	}
}

// TestOpenAPIURLs: docs/design.md §3 takes URLs whose letters are "of any
// script ..., as in an IRI"; the Url schema must admit what the service
// takes and nothing it refuses, its format judged as a strict validator
// judges it (kin-openapi asserts no uri or iri format, so formatOK does it
// here: "uri" is RFC 3986's ASCII repertoire, "iri" RFC 3987's, which adds
// the letters of every script).
func TestOpenAPIURLs(t *testing.T) {
	doc := loadSpec(t)
	urlSchema := doc.Components.Schemas["Url"]
	if urlSchema == nil || urlSchema.Value == nil {
		t.Fatal("components.schemas.Url is missing")
	}
	base := apitarget.Start(t, apitarget.Local, apitarget.Options{}).URL
	c := newChecker(t, doc, base, &coverage{seen: map[coverKey]int{}})
	tok := mint(t, base, "merchant_id=m-1")
	for _, tt := range []struct {
		url    string
		status int
		// byPattern: the request validator (kin-openapi, which asserts no
		// uri or iri format) refuses it by the Url pattern.
		byPattern bool
	}{
		{"https://example.com/order/confirmation", 201, false},
		{"HTTP://example.com:8080/a?b=c#d", 201, false},
		{"https://example.com/%E2%82%AC", 201, false},
		{"https://example.com/café", 201, false},
		{"https://example.com/a?q=日本", 201, false},
		{"https://bücher.example/", 201, false},
		{"https://пример.рф/оплата", 201, false},
		// JSON Schema 2020-12 makes format an annotation: a validator
		// need not assert iri (kin-openapi does not), so the pattern
		// itself refuses the ASCII characters the service refuses, a
		// control character, a port outside 1 to 65535 and a bracket
		// outside an IPv6 literal, all measured (r93-openapi). (A host's
		// "%" is judged once percent-decoded: "%C3%A9" is taken, "%2E"
		// not, so the pattern admits it.)
		{"https://example.com/a b", 400, true},
		{"https://example.com/a<b", 400, true},
		{"https://example.com/a{b}", 400, true},
		{"https://example.com/a\\b", 400, true},
		{"https://example.com/a^b", 400, true},
		{"https://example.com/a|b", 400, true},
		{"https://example.com/a`b", 400, true},
		{"https://example.com/a\u007fb", 400, true},
		{"https://example.com:0/", 400, true},
		{"https://example.com:65536/", 400, true},
		{"https://example.com:99999", 400, true},
		{"https://[::1]:0/", 400, true},
		{"https://[v7.x]/", 400, true},
		{"https://e[.com/", 400, true},
		{"https://example.com::80/", 400, true},
		{"https://example.com:8a/", 400, true},
		{"https://example.com:65535/", 201, false},
		{"https://example.com:080/", 201, false},
		{"https://example.com:/", 201, false},
		{"https://[::1]:8080/a", 201, false},
		{"https://[::ffff:1.2.3.4]:443/", 201, false},
		{"https://example.com/a[b]", 201, false},
		// A "%" only as a percent-escape's start, in the query too.
		{"https://example.com/?off=50%", 400, true},
		{"https://example.com/?a=%zz", 400, true},
		{"https://example.com/a%zz", 400, true},
		{"https://ex%zzample.com/", 400, true},
		{"https://example.com/?a=%41%c3%A9&b=%25", 201, false},
		{"ftp://example.com/", 400, true},
		{"https:///nohost", 400, true},
		{"https://user@example.com/", 400, true},
	} {
		body, _ := json.Marshal(map[string]any{"amount": 1, "currency": "EUR", "actionUrl": tt.url})
		c.do(t, exchange{name: "actionUrl " + tt.url, method: "POST", path: "/sessions", header: bearer(tok), body: string(body), status: tt.status, code: map[int]string{400: "VALIDATION_FAILED"}[tt.status], badReq: tt.byPattern})
		admitted := urlSchema.Value.VisitJSON(tt.url, openapi3.EnableJSONSchema2020()) == nil && formatOK(urlSchema.Value.Format, tt.url)
		if got, want := admitted, tt.status == 201; got != want {
			t.Errorf("%s: the Url schema (format %q) admits it = %v; want %v (the service answers %d)", tt.url, urlSchema.Value.Format, got, want, tt.status)
		}
	}
}

// formatOK judges s by a string format as a strict validator does: uri
// (RFC 3986: ASCII unreserved and reserved characters and %-escapes, after
// a scheme) or iri (RFC 3987: also ucschar, the non-ASCII letters, marks,
// digits and symbols). Other formats are not judged here.
func formatOK(format, s string) bool {
	if format != "uri" && format != "iri" {
		return true
	}
	scheme, _, ok := strings.Cut(s, ":")
	if !ok || scheme == "" || !regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*$`).MatchString(scheme) {
		return false
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '%':
			if i+2 >= len(s) || !isHexDigit(s[i+1]) || !isHexDigit(s[i+2]) {
				return false
			}
		case r < utf8.RuneSelf:
			if !strings.ContainsRune("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=", r) {
				return false
			}
		case format == "uri":
			return false
		case !(unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsNumber(r) || unicode.IsPunct(r) || unicode.IsSymbol(r)):
			return false // not ucschar: white space, controls, format characters
		}
		i += size
	}
	return true
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// TestOpenAPIStatusEnumsAreTheStateMap: a client generator makes an enum
// type of each status field, so each schema's enum is exactly the words
// docs/design.md §5's table (shared/statemap) gives that field, walked over
// every canonical status: a word the service can send and the enum lacks
// breaks a strict client; a word the enum has and the service never sends
// is a case a client handles for nothing. The exchanges of
// TestOpenAPIMatchesRealResponses reach only some statuses per dialect.
func TestOpenAPIStatusEnumsAreTheStateMap(t *testing.T) {
	doc := loadSpec(t)
	schemas := doc.Components.Schemas
	prop := func(schema, property string) *openapi3.Schema {
		t.Helper()
		s := schemas[schema]
		if s == nil || s.Value == nil || s.Value.Properties[property] == nil || s.Value.Properties[property].Value == nil {
			t.Fatalf("components.schemas.%s.%s is missing", schema, property)
		}
		return s.Value.Properties[property].Value
	}
	words := func(s *openapi3.Schema) []string {
		var out []string
		for _, v := range s.Enum {
			out = append(out, fmt.Sprint(v))
		}
		if s.Const != nil {
			out = append(out, fmt.Sprint(s.Const))
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	union := func(ws ...[]string) []string {
		out := slices.Concat(ws...)
		slices.Sort(out)
		return slices.Compact(out)
	}
	want := map[string][]string{}
	for _, s := range session.Statuses {
		want["native"] = append(want["native"], string(s))
		want["000"] = append(want["000"], statemap.V1Session(s))
		if statemap.V1Session(s) == "Finished" {
			want["000 finished"] = append(want["000 finished"], statemap.V1Session(s))
		} else {
			want["000 unfinished"] = append(want["000 unfinished"], statemap.V1Session(s))
		}
		want["001"] = append(want["001"], statemap.PaymentStatus(s))
		want["002"] = append(want["002"], statemap.PaymentSession(s))
		if w, err := statemap.Checkout(s); err == nil {
			want["003"] = append(want["003"], w)
		}
		if w, expired := statemap.CheckoutChild(s); expired {
			want["003 expired child"] = append(want["003 expired child"], w)
		} else {
			want["003 live child"] = append(want["003 live child"], w)
		}
		want["004"] = append(want["004"], statemap.SessionRecord(s))
	}
	for k := range want {
		want[k] = union(want[k])
	}
	for _, tt := range []struct {
		field string
		got   []string
	}{
		{"native", words(schemas["SessionStatus"].Value)},
		{"000", union(words(prop("V1SessionFinished", "sessionState")), words(prop("V1SessionUnfinished", "sessionState")))},
		{"000 finished", words(prop("V1SessionFinished", "sessionState"))},
		{"000 unfinished", words(prop("V1SessionUnfinished", "sessionState"))},
		{"001", words(schemas["PaymentStatusWord"].Value)},
		{"002", words(prop("PaymentSession", "status"))},
		{"003", words(prop("CheckoutSession", "checkoutSessionStatus"))},
		{"003 live child", words(prop("CheckoutChildLive", "checkoutSessionStatus"))},
		{"003 expired child", words(prop("CheckoutChildExpired", "checkoutSessionStatus"))},
		{"004", words(prop("SessionRecord", "session_status"))},
	} {
		if !slices.Equal(tt.got, want[tt.field]) {
			t.Errorf("%s status enum = %v; want the state map's %v", tt.field, tt.got, want[tt.field])
		}
	}
}

// TestOpenAPINamesTheLocalServersOwnPaths: the document's first server is
// the local server, and info.description says a path it does not list is
// 404 there as on API Gateway. Two are not: the development issuer's
// token and key set, which make run and make start-api serve (when no
// JWKS_URL is set) and AWS never does. A reader of the document alone
// must learn that they exist there, and only there.
func TestOpenAPINamesTheLocalServersOwnPaths(t *testing.T) {
	doc := loadSpec(t)
	base := apitarget.Start(t, apitarget.Local, apitarget.Options{}).URL
	for _, path := range []string{devtoken.TokenPath, devtoken.JWKSPath} {
		if doc.Paths.Find(path) != nil {
			t.Errorf("%s is a path of the document; want it only in info.description (it is not the service's)", path)
		}
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s on the local server = %d; want %d", path, res.StatusCode, http.StatusOK)
		}
		if !strings.Contains(doc.Info.Description, "`"+path+"`") {
			t.Errorf("info.description does not name `%s`, which the local server answers 200 (not the 404 it promises for other paths)", path)
		}
	}
}

// TestOpenAPIRequestsAsStrictAsTheService: a client generated from the
// document that validates its requests must never send one the service
// refuses for its form, nor refuse one the service takes. The service's
// rules the schemas can state: every free-text field is refused when it
// "must not contain control characters" (shared/session's checkString:
// Unicode's Cc, U+0000-U+001F and U+007F-U+009F, tab and line feed
// included); a session with "hosted" true "is required" to have returnUrl
// and cancelUrl; document 003's init is read as Spring binds a boolean
// ("anything else is 400"); X-Merchant-Id "is required" (empty after
// trimming spaces and tabs is 400) "sent once (400 for two values, as two
// headers or comma-separated)".
func TestOpenAPIRequestsAsStrictAsTheService(t *testing.T) {
	doc := loadSpec(t)
	base := apitarget.Start(t, apitarget.Local, apitarget.Options{}).URL
	c := newChecker(t, doc, base, &coverage{seen: map[coverKey]int{}})
	tok := mint(t, base, "merchant_id=m-1")
	proc := mint(t, base, "merchant_id=&scope=sessions:process")
	create := func() string {
		t.Helper()
		return c.do(t, exchange{name: "create", method: "POST", path: "/sessions", header: bearer(tok), body: `{"amount":1,"currency":"EUR"}`, status: 201}).str("id")
	}
	id := create()
	// sessionWith is a create body holding the member name: value (a
	// JSON text).
	sessionWith := func(member string) string { return `{"amount":1,"currency":"EUR",` + member + `}` }
	eventWith := func(member string) string { return `{"status":"PROCESSING",` + member + `}` }
	for _, text := range []struct {
		name, json string
		ok         bool
	}{
		{"a line feed", `"a\nb"`, false},
		{"a tab", `"a\tb"`, false},
		{"DEL", `"a\u007fb"`, false},
		{"a C1 control (NEL)", `"a\u0085b"`, false},
		// Not Cc: taken by the service, so the schema must admit them.
		{"a line separator (Zl)", `"a\u2028b"`, true},
		{"a no-break space", `"a\u00a0b"`, true},
		{"an emoji", `"a😀b"`, true},
	} {
		for _, tt := range []struct {
			field string
			path  string
			proc  bool
			body  string
		}{
			{"orderId", "/sessions", false, sessionWith(`"orderId":` + text.json)},
			{"paymentMethod", "/sessions", false, sessionWith(`"paymentMethod":` + text.json)},
			{"paymentScenario", "/sessions", false, sessionWith(`"paymentScenario":` + text.json)},
			{"transactionId", "/sessions", false, sessionWith(`"transactionId":` + text.json)},
			{"partnerTransactionId", "/sessions", false, sessionWith(`"partnerTransactionId":` + text.json)},
			{"shopBuyerId", "/sessions", false, sessionWith(`"shopBuyerId":` + text.json)},
			{"paymentProvider", "/sessions", false, sessionWith(`"paymentProvider":` + text.json)},
			{"paymentProfileId", "/sessions", false, sessionWith(`"paymentProfileId":` + text.json)},
			{"cardCategories[0]", "/sessions", false, sessionWith(`"cardCategories":[` + text.json + `]`)},
			{"metadata key", "/sessions", false, sessionWith(`"metadata":{` + text.json + `:"v"}`)},
			{"metadata value", "/sessions", false, sessionWith(`"metadata":{"k":` + text.json + `}`)},
			{"event reason", "/events", true, eventWith(`"reason":` + text.json)},
			{"eventId", "/events", true, eventWith(`"eventId":` + text.json)},
			{"event transactionId", "/events", true, eventWith(`"transactionId":` + text.json)},
			{"resultData key", "/events", true, eventWith(`"resultData":{` + text.json + `:"v"}`)},
			{"resultData value", "/events", true, eventWith(`"resultData":{"k":` + text.json + `}`)},
			{"declineReasons.category", "/events", true, eventWith(`"declineReasons":{"category":` + text.json + `}`)},
			{"declineReasons.reasons[0]", "/events", true, eventWith(`"declineReasons":{"reasons":[` + text.json + `]}`)},
			{"cancel reason", "/cancel", false, `{"reason":` + text.json + `}`},
		} {
			ex := exchange{name: tt.field + " with " + text.name, method: "POST", body: tt.body, header: bearer(tok), status: 201}
			switch tt.path {
			case "/sessions":
				ex.path = "/sessions"
			case "/events":
				ex.path, ex.header, ex.status = "/sessions/"+id+"/events", bearer(proc), 200
			case "/cancel":
				ex.path, ex.status = "/sessions/"+create()+"/cancel", 200
			}
			if !text.ok {
				ex.status, ex.code, ex.badReq = 400, "VALIDATION_FAILED", true
			}
			c.do(t, ex)
		}
	}

	for _, ex := range []exchange{
		// "returnUrl is required when hosted is true" (and cancelUrl).
		{name: "hosted without URLs", body: sessionWith(`"hosted":true`), status: 400, code: "VALIDATION_FAILED", badReq: true},
		{name: "hosted without cancelUrl", body: sessionWith(`"hosted":true,"returnUrl":"https://example.com/r"`), status: 400, code: "VALIDATION_FAILED", badReq: true},
		{name: "hosted without returnUrl", body: sessionWith(`"hosted":true,"cancelUrl":"https://example.com/c"`), status: 400, code: "VALIDATION_FAILED", badReq: true},
		{name: "hosted with both URLs", body: sessionWith(`"hosted":true,"returnUrl":"https://example.com/r","cancelUrl":"https://example.com/c"`), status: 201},
		{name: "not hosted, no URLs", body: sessionWith(`"hosted":false`), status: 201},
		{name: "hosted absent, no URLs", body: sessionWith(`"orderId":"o-1"`), status: 201},
		// parentSessionId is a Uuid (its pattern): "" names no parent and
		// is 400, not a session without one.
		{name: "parentSessionId empty", body: sessionWith(`"parentSessionId":""`), status: 400, code: "VALIDATION_FAILED", badReq: true},
		// README: "leave it out, or send `null`, for a session without a
		// parent".
		{name: "parentSessionId null", body: sessionWith(`"parentSessionId":null`), status: 201},
	} {
		ex.method, ex.path, ex.header = "POST", "/sessions", bearer(tok)
		c.do(t, ex)
	}
	// An eventId is an id (minLength 1): "" identifies nothing and is 400,
	// not an event without an id applied on every retry.
	for _, ex := range []exchange{
		{name: "eventId empty", body: eventWith(`"eventId":""`), status: 400, code: "VALIDATION_FAILED", badReq: true},
		{name: "eventId one character", body: eventWith(`"eventId":"e"`), status: 200},
		// README: "An event without an id (no `eventId`, or `null`) is
		// applied each time it is sent."
		{name: "eventId null", body: eventWith(`"eventId":null`), status: 200},
	} {
		ex.method, ex.path, ex.header = "POST", "/sessions/"+id+"/events", bearer(proc)
		c.do(t, ex)
	}

	// A key's expiresAt: "An RFC 3339 date-time with a time zone, as its
	// grammar writes it (two-digit fields, `Z` or an offset up to
	// `±23:59`, `T` and `Z` in either case; no decimal comma, and no leap
	// second `:60`, which is 400)". A validator's date-time format is not
	// enough: some read a space for the T (ajv-formats) or a leap second
	// (RFC 3339 has one) as valid.
	day := time.Now().UTC().AddDate(0, 0, 30).Format(time.DateOnly)
	for _, tt := range []struct {
		expiresAt string
		status    int
	}{
		{day + "T23:59:59Z", 201},
		// (Lower-case t and z, which RFC 3339 allows and the service
		// takes, are no row: kin-openapi's date-time format refuses them.)
		{day + "T23:59:59.123456789123Z", 201},
		{day + "T23:59:59-23:59", 201},
		{day + "T23:59:60Z", 400},
		{day + "T23:59:60.5+01:00", 400},
		{day + " 23:59:59Z", 400},
		{day + "T23:59:59,5Z", 400},
		{day + "T23:59:59+24:00", 400},
		{day + "T23:59:59+01:60", 400},
		{day + "T9:59:59Z", 400},
		{day + "T23:59:59", 400},
	} {
		ex := exchange{name: "key expiring " + tt.expiresAt, method: "POST", path: "/api-keys", header: bearer(tok), body: `{"scopes":["sessions:read"],"expiresAt":"` + tt.expiresAt + `"}`, status: tt.status}
		if tt.status == 400 {
			ex.code, ex.badReq = "VALIDATION_FAILED", true
		}
		c.do(t, ex)
	}

	checkout := "/v1/checkout-sessions/" + id
	for _, tt := range []struct {
		query, merchant string
		status          int
		code            string
	}{
		// init: "true, on, yes or 1 (any case) ...; false, off, no, 0 or
		// an empty value ...; anything else is 400".
		{"?init=true", "m-1", 200, ""},
		{"?init=YeS", "m-1", 200, ""},
		{"?init=1", "m-1", 200, ""},
		{"?init=Off", "m-1", 200, ""},
		{"?init=0", "m-1", 200, ""},
		{"?init=", "m-1", 200, ""},
		{"?init=%20true%09", "m-1", 200, ""},
		{"?init=maybe", "m-1", 400, "VALIDATION_FAILED"},
		{"?init=t", "m-1", 400, "VALIDATION_FAILED"},
		{"?init=truee", "m-1", 400, "VALIDATION_FAILED"},
		{"?init=ye%C5%BF", "m-1", 400, "VALIDATION_FAILED"},  // long s: Java's toLowerCase keeps it
		{"?init=%C2%A0yes", "m-1", 400, "VALIDATION_FAILED"}, // U+00A0 is above U+0020: not trimmed
		// X-Merchant-Id: "only spaces and tabs around it are trimmed".
		{"", " m-1\t", 200, ""},
		{"", " \t ", 400, "VALIDATION_FAILED"},
		{"", "m-1,m-2", 400, "VALIDATION_FAILED"},
		{"", "m-1,", 400, "VALIDATION_FAILED"},
		// "Any other value ... is 403 MERCHANT_MISMATCH, not 400": the
		// document does not make it a malformed parameter
		// (TestOpenAPIMatchesRealResponses' rows say why).
		{"", "m 1", 403, "MERCHANT_MISMATCH"},
	} {
		ex := exchange{
			name: "003" + tt.query + " X-Merchant-Id " + fmt.Sprintf("%q", tt.merchant), method: "GET", path: checkout + tt.query,
			header: bearer(tok, "X-Merchant-Id", tt.merchant), status: tt.status, code: tt.code, badReq: tt.status == 400,
		}
		c.do(t, ex)
	}
}

// TestOpenAPIAdmitsNullWhereTheServiceDoes: README, "An optional field sent
// as `null` is the same as one left out", and TestOpenAPIRequestsAsStrictAsTheService's
// rule that a client validating its requests against the document must
// never "refuse one the service takes". Every optional member of a create,
// an event and a cancel is taken as absent when null, so the schemas must
// admit null there; the required ones (amount, currency, status) stay
// refused.
func TestOpenAPIAdmitsNullWhereTheServiceDoes(t *testing.T) {
	doc := loadSpec(t)
	base := apitarget.Start(t, apitarget.Local, apitarget.Options{}).URL
	c := newChecker(t, doc, base, &coverage{seen: map[coverKey]int{}})
	tok := mint(t, base, "merchant_id=m-1")
	proc := mint(t, base, "merchant_id=&scope=sessions:process")
	create := func() string {
		t.Helper()
		return c.do(t, exchange{name: "create", method: "POST", path: "/sessions", header: bearer(tok), body: `{"amount":1,"currency":"EUR"}`, status: 201}).str("id")
	}
	id := create()
	for _, tt := range []struct {
		path, member string
		ok           bool
	}{
		{"/sessions", "orderId", true},
		{"/sessions", "paymentMethod", true},
		{"/sessions", "paymentScenario", true},
		{"/sessions", "transactionId", true},
		{"/sessions", "partnerTransactionId", true},
		{"/sessions", "shopBuyerId", true},
		{"/sessions", "callGuid", true},
		{"/sessions", "providerSessionGuid", true},
		{"/sessions", "paymentProvider", true},
		{"/sessions", "hosted", true},
		{"/sessions", "actionUrl", true},
		{"/sessions", "returnUrl", true},
		{"/sessions", "cancelUrl", true},
		{"/sessions", "savePaymentProfile", true},
		{"/sessions", "paymentProfileId", true},
		{"/sessions", "cardCategories", true},
		{"/sessions", "metadata", true},
		{"/sessions", "amount", false},
		{"/sessions", "currency", false},
		{"/events", "reason", true},
		{"/events", "resultData", true},
		{"/events", "transactionId", true},
		{"/events", "providerSessionGuid", true},
		{"/events", "actionUrl", true},
		{"/events", "declineReasons.category", true},
		{"/events", "status", false},
		{"/cancel", "reason", true},
	} {
		ex := exchange{name: tt.path + " " + tt.member + " null", method: "POST", header: bearer(tok)}
		switch tt.path {
		case "/sessions":
			ex.path, ex.status = "/sessions", 201
			if tt.member == "amount" {
				ex.body = `{"currency":"EUR","amount":null}`
			} else if tt.member == "currency" {
				ex.body = `{"amount":1,"currency":null}`
			} else {
				ex.body = `{"amount":1,"currency":"EUR","` + tt.member + `":null}`
			}
		case "/events":
			ex.path, ex.header, ex.status = "/sessions/"+id+"/events", bearer(proc), 200
			switch tt.member {
			case "status":
				ex.body = `{"status":null}`
			case "declineReasons.category":
				ex.body = `{"status":"PROCESSING","declineReasons":{"category":null}}`
			default:
				ex.body = `{"status":"PROCESSING","` + tt.member + `":null}`
			}
		case "/cancel":
			ex.path, ex.status, ex.body = "/sessions/"+create()+"/cancel", 200, `{"reason":null}`
		}
		if !tt.ok {
			ex.status, ex.code, ex.badReq = 400, "VALIDATION_FAILED", true
		}
		c.do(t, ex)
	}
	// README, on the same line: "so is an empty string (`""`, where a
	// field takes one: not `parentSessionId`, above)". The members whose
	// schema is a pattern (a Uuid, a Url) must admit "" too; a hosted
	// session's URLs are required, so "" stays refused there, and an
	// eventId or parentSessionId "" is 400 (TestOpenAPIRequestsAsStrictAsTheService).
	for _, tt := range []struct {
		path, body string
		ok         bool
	}{
		{"/sessions", `{"amount":1,"currency":"EUR","callGuid":""}`, true},
		{"/sessions", `{"amount":1,"currency":"EUR","providerSessionGuid":""}`, true},
		{"/sessions", `{"amount":1,"currency":"EUR","actionUrl":""}`, true},
		{"/sessions", `{"amount":1,"currency":"EUR","returnUrl":""}`, true},
		{"/sessions", `{"amount":1,"currency":"EUR","cancelUrl":""}`, true},
		{"/sessions", `{"amount":1,"currency":"EUR","hosted":true,"returnUrl":"","cancelUrl":"https://example.com/c"}`, false},
		{"/sessions", `{"amount":1,"currency":"EUR","hosted":true,"returnUrl":"https://example.com/r","cancelUrl":""}`, false},
		{"/events", `{"status":"PROCESSING","providerSessionGuid":""}`, true},
		{"/events", `{"status":"PROCESSING","actionUrl":""}`, true},
	} {
		ex := exchange{name: tt.path + " " + tt.body, method: "POST", path: tt.path, header: bearer(tok), body: tt.body, status: 201}
		if tt.path == "/events" {
			ex.path, ex.header, ex.status = "/sessions/"+id+"/events", bearer(proc), 200
		}
		if !tt.ok {
			ex.status, ex.code, ex.badReq = 400, "VALIDATION_FAILED", true
		}
		c.do(t, ex)
	}
}
