package httpapi

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/dialect"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// maxListLimit is the largest page the opt-in limit asks for.
const maxListLimit = 1000

// The size of an answer, as Lambda counts it. A synchronous invocation's
// response is at most 6 MiB + 100 bytes (6,291,556: the limit Lambda and
// its runtime interface emulator enforce), and what counts is the whole
// JSON document the api-proxy adapter returns: statusCode, headers, cookies,
// isBase64Encoded and the body as a JSON string — escaped ("\"" for every
// quote of the records), or base64 (4/3 of the bytes) when the body is gzip,
// which the adapter encodes because it is not UTF-8. API Gateway decodes the
// base64 and sends the client the gzip bytes. envelopeReserve is room for
// everything but the body; the local server applies the same limit, so it
// answers exactly as a Lambda does.
const (
	maxInvokeResponse = 6<<20 + 100
	envelopeReserve   = 8 << 10
	maxEncodedBody    = maxInvokeResponse - envelopeReserve
)

// SessionRecords handles GET /pps/api/v1/session-record?createdDate=…
// (document 004's list): a JSON array of every session of the caller's
// created on that UTC day, oldest first, as the document promises ("List
// of session records returned successfully"); the service pages DynamoDB
// itself. A day whose answer would exceed what one Lambda response carries,
// or that cannot be read within the store's time budget, is refused (400
// LIST_TOO_LARGE, field limit), never cut short.
//
// Paging is an opt-in extension: with limit (1..1000) the answer is one
// page, and a next page's URL is in a Link header (rel="next", an opaque
// cursor). A page also ends early, with a Link, when one more record would
// not fit in a response or the time budget runs out. cursor without limit
// lists the rest of the day.
//
// The body is gzip when the client accepts it (Accept-Encoding, q-values
// honoured), on the local server and in Lambda alike.
func SessionRecords(st Store, authn *auth.Authenticator) http.Handler {
	rule := auth.Rule{Scope: auth.ScopeSessionsRead, Bearer: true, Merchant: true}
	return handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := authenticate(r, authn, rule)
		if err != nil {
			return err
		}
		q, raw, err := listQuery(r, p.MerchantID)
		if err != nil {
			return err
		}
		body := newListBody(acceptsGzip(r.Header.Values("Accept-Encoding")), q.Limit > 0)
		var failed error
		next, err := st.ListByDay(r.Context(), q, func(v *session.Session) bool {
			rec, err := json.Marshal(dialect.SessionRecord(v))
			if err != nil {
				failed = session.Internal(err)
				return false
			}
			return body.add(rec)
		})
		if err == nil {
			err = failed
		}
		if err != nil {
			return err
		}
		encoded, err := body.finish()
		if err != nil {
			return err
		}
		h := w.Header()
		// From here the answer depends on Accept-Encoding: the body's
		// encoding, and whether a whole day fits at all (the same day may
		// be 400 LIST_TOO_LARGE plain and 200 gzip), so the refusal says
		// so too (RFC 9110 §12.5.5).
		h.Set("Vary", "Accept-Encoding")
		if q.Limit == 0 && (next != "" || body.full) {
			return listTooLarge(body.gz != nil, body.full)
		}
		if q.Limit > 0 && next != "" {
			h.Set("Link", "</pps/api/v1/session-record?createdDate="+raw+"&limit="+strconv.Itoa(q.Limit)+"&cursor="+next+`>; rel="next"`)
		}
		if body.gz != nil {
			h.Set("Content-Encoding", "gzip")
		}
		writeBody(w, http.StatusOK, contentTypeJSON, encoded)
		return nil
	}, writeProblem)
}

// listQuery reads the list's query: createdDate (required), limit and
// cursor (optional). It returns the day as sent, for the Link. The query is
// read as a servlet container reads it (queryValues): a value that is not
// valid percent-encoding, or holds a ';', is malformed (400), never a
// parameter that was not sent.
func listQuery(r *http.Request, merchantID string) (store.ListQuery, string, error) {
	q, err := queryValues(r.URL.RawQuery, "createdDate", "limit", "cursor")
	if err != nil {
		return store.ListQuery{}, "", err
	}
	if len(q["createdDate"]) != 1 {
		return store.ListQuery{}, "", session.Invalid("createdDate", "createdDate is required once, as yyyy-MM-dd.")
	}
	raw := q["createdDate"][0]
	day, err := time.Parse(time.DateOnly, raw)
	if err != nil || day.Format(time.DateOnly) != raw {
		return store.ListQuery{}, "", session.Invalid("createdDate", "createdDate must be a date as yyyy-MM-dd.")
	}
	lq := store.ListQuery{MerchantID: merchantID, Day: day}
	if vals, ok := q["limit"]; ok {
		n, err := strconv.Atoi(vals[0])
		if len(vals) != 1 || err != nil || n < 1 || n > maxListLimit || strconv.Itoa(n) != vals[0] {
			return store.ListQuery{}, "", session.Invalid("limit", "limit must be an integer from 1 to %d.", maxListLimit)
		}
		lq.Limit = n
	}
	if vals, ok := q["cursor"]; ok {
		if len(vals) != 1 || vals[0] == "" {
			return store.ListQuery{}, "", session.Invalid("cursor", "cursor must be the value from the previous page's Link header.")
		}
		lq.Cursor = vals[0]
	}
	return lq, raw, nil
}

// queryValues returns the values of the named query parameters in rawQuery,
// split on '&' only, as a servlet container splits a query (Go's own parser
// also splits on nothing else, but silently drops a pair holding ';' or a
// bad escape, which would turn limit=2;x into no limit at all). Names are
// decoded ('+' is a space); a named parameter whose value is not valid
// percent-encoding is 400 naming it. Pairs with other names are not judged.
func queryValues(rawQuery string, names ...string) (map[string][]string, error) {
	out := map[string][]string{}
	for pair := range strings.SplitSeq(rawQuery, "&") {
		k, v, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k)
		if err != nil || !slices.Contains(names, key) {
			continue
		}
		value, err := url.QueryUnescape(v)
		if err != nil {
			return nil, session.Invalid(key, "%s is not valid percent-encoding.", key)
		}
		out[key] = append(out[key], value)
	}
	return out, nil
}

// listTooLarge is the answer to a whole-day list that does not fit in one
// response (full), or cannot be read within the list's time budget. It is
// a 400 naming limit: the request must change (page it), so not a 5xx;
// 413 is about the size of the request's own content, not the answer's.
// A day too large stays too large, whatever the wait; one read too slowly
// may be read in time later (r86-list: 1,200 sessions behind a DynamoDB
// slowed 2.6 s a call, 200 once it was not), which its text says, and it
// names no gzip, which cannot speed a read.
func listTooLarge(gzipped, full bool) error {
	msg := "The sessions of this day are too many for one response; list them in pages with limit (1 to %d), following the Link header of each page."
	switch {
	case !full:
		msg = "The sessions of this day could not all be read within the list's time budget for one response; list them in pages with limit (1 to %d), following the Link header of each page (a retry may also be read in time)."
	case !gzipped:
		msg = "The sessions of this day are too many for one response; list them in pages with limit (1 to %d), following the Link header of each page, or accept a gzip answer (Accept-Encoding: gzip)."
	}
	e := session.Errorf(session.EINVALID, session.ReasonListTooLarge, msg, maxListLimit)
	e.Field = "limit"
	return e
}

// listBody builds the list's JSON array, plain or gzip, and keeps it within
// what one response carries (maxEncodedBody, as Lambda counts it).
//
// A whole day (paged false) takes records until the body as sent would not
// fit: exactly, for a plain body; for gzip, until the compressed bytes so far
// would not. A page (paged true) takes a record only if the page would fit
// whatever the encoding — as an escaped plain body, and as the base64 of
// gzip's worst case (incompressible bytes) — so page boundaries, and the
// cursors in the Links, do not depend on Accept-Encoding.
type listBody struct {
	paged bool
	gz    *gzip.Writer
	out   bytes.Buffer // the body as sent
	raw   int          // JSON bytes written
	plain int          // the JSON's length as a JSON string (escaped)
	n     int          // records taken
	full  bool         // a record was refused
}

func newListBody(gzipped, paged bool) *listBody {
	b := &listBody{paged: paged}
	if gzipped {
		b.gz = gzip.NewWriter(&b.out)
	}
	b.write([]byte{'['})
	return b
}

func (b *listBody) write(p []byte) {
	b.raw += len(p)
	b.plain += jsonStringLen(p)
	if b.gz != nil {
		_, _ = b.gz.Write(p) // writes to a bytes.Buffer do not fail
	} else {
		b.out.Write(p)
	}
}

// add appends one record, unless the body would then not fit; it reports
// whether it did. A page always takes its first record.
func (b *listBody) add(rec []byte) bool {
	sep := 0
	if b.n > 0 {
		sep = 1
	}
	switch {
	case b.paged && b.n > 0:
		raw := b.raw + sep + len(rec) + 1 // and the closing bracket
		plain := b.plain + sep + jsonStringLen(rec) + 1
		if max(plain, base64Len(gzipBound(raw))) > maxEncodedBody {
			b.full = true
			return false
		}
	case !b.paged && b.gz == nil:
		if b.plain+sep+jsonStringLen(rec)+1 > maxEncodedBody {
			b.full = true
			return false
		}
	case !b.paged:
		if base64Len(b.out.Len()) > maxEncodedBody {
			b.full = true
			return false
		}
	}
	if sep == 1 {
		b.write([]byte{','})
	}
	b.write(rec)
	b.n++
	return true
}

// finish closes the array and returns the body as sent. A whole-day gzip
// body is checked once more: its last bytes are only known now.
func (b *listBody) finish() ([]byte, error) {
	b.write([]byte{']'})
	if b.gz != nil {
		if err := b.gz.Close(); err != nil {
			return nil, session.Internal(err)
		}
		if base64Len(b.out.Len()) > maxEncodedBody {
			b.full = true
		}
	}
	return b.out.Bytes(), nil
}

// base64Len is the length of n bytes in standard, padded base64.
func base64Len(n int) int { return (n + 2) / 3 * 4 }

// gzipBound is the most bytes gzip makes of n bytes: deflate falls back to
// stored blocks (5 bytes of header per block of at most 64 KiB) when it
// cannot compress, plus gzip's 10-byte header, 8-byte trailer and the final
// block. It is generous on purpose.
func gzipBound(n int) int { return n + 5*(n/16384+2) + 32 }

// jsonStringLen is the length of p written as a JSON string by the encoder
// aws-lambda-go returns responses with (encoding/json, HTML escaping off),
// without the quotes: what the body costs inside the invoke response.
func jsonStringLen(p []byte) int {
	n := 0
	for i := 0; i < len(p); {
		c := p[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t':
				n += 2
			case c < 0x20:
				n += 6
			default:
				n++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(p[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			n += 6 // \ufffd
		case r == '\u2028' || r == '\u2029':
			n += 6
		default:
			n += size
		}
		i += size
	}
	return n
}

// acceptsGzip reports whether Accept-Encoding (all its field lines) asks for
// gzip: its weight (gzip's or x-gzip's, else "*"'s) is above zero and not
// below identity's when the client weighs identity too (itself or through
// "*"); a client that names gzip and not identity prefers gzip. Codings are
// case-insensitive; an element with a malformed q-value counts as absent, and
// so does one holding a byte other than visible ASCII, SP and HTAB (RFC
// 9110's OWS is SP and HTAB only): "\u00a0gzip" or "GZ\u0130P" is not the
// token gzip. Within that, the reading is lenient: parameters other than q
// are ignored (gzip;foo="a,b" is gzip), the first q counts, and a coding
// named twice takes its higher weight.
func acceptsGzip(fields []string) bool {
	gz, star, id := -1.0, -1.0, -1.0
	for _, field := range fields {
		for _, elem := range strings.Split(field, ",") {
			if !visibleOrOWS(elem) {
				continue
			}
			coding, params, _ := strings.Cut(elem, ";")
			coding = strings.ToLower(trimOWS(coding))
			if coding == "" {
				continue
			}
			q, ok := qValue(params)
			if !ok {
				continue
			}
			switch coding {
			case "gzip", "x-gzip":
				gz = max(gz, q)
			case "*":
				star = max(star, q)
			case "identity":
				id = max(id, q)
			}
		}
	}
	if gz < 0 {
		gz = star
	}
	if id < 0 {
		id = star
	}
	return gz > 0 && gz >= id
}

// qValue reads the weight among an Accept-Encoding element's parameters
// (RFC 9110 §12.4.2: "q=" and 0 to 1 with at most three decimals); without
// one, the weight is 1.
func qValue(params string) (float64, bool) {
	if trimOWS(params) == "" {
		return 1, true
	}
	for _, p := range strings.Split(params, ";") {
		name, val, ok := strings.Cut(trimOWS(p), "=")
		if !ok || !strings.EqualFold(trimOWS(name), "q") {
			continue
		}
		val = trimOWS(val)
		if !validQ(val) {
			return 0, false
		}
		q, err := strconv.ParseFloat(val, 64)
		return q, err == nil
	}
	return 1, true
}

// trimOWS cuts RFC 9110's OWS (SP and HTAB) from both ends of s.
func trimOWS(s string) string {
	return strings.Trim(s, " \t")
}

// visibleOrOWS reports whether s holds only visible ASCII (VCHAR), SP and
// HTAB: any other byte (a control, other white space, any non-ASCII) makes an
// Accept-Encoding member outside its grammar.
func visibleOrOWS(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x21 || c > 0x7e) && c != ' ' && c != '\t' {
			return false
		}
	}
	return true
}

func validQ(s string) bool {
	if s == "" || (s[0] != '0' && s[0] != '1') {
		return false
	}
	if len(s) == 1 {
		return true
	}
	if s[1] != '.' || len(s) > 5 {
		return false
	}
	for _, c := range s[2:] {
		if c < '0' || c > '9' || (s[0] == '1' && c != '0') {
			return false
		}
	}
	return true
}
