package httpapi

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/dialect"
	"github.com/paysessions/paysessions/shared/session"
)

// Patterns of the documented status endpoints (docs/design.md §2, 1-6).
const (
	PatternV1Session       = "GET /v1/session/{sessionGuid}"
	PatternPaymentStatus   = "GET /v2.0/payments/{paymentId}/status"
	PatternPaymentSession  = "GET /payment-sessions/{paymentSessionId}"
	PatternCheckoutSession = "GET /v1/checkout-sessions/{checkoutSessionId}"
	PatternSessionRecords  = "GET /pps/api/v1/session-record"
	PatternSessionRecord   = "GET /pps/api/v1/session-record/{sessionId}"
)

// opaqueID reads the id of documents 002 and 004, whose path ids are opaque
// strings ("paymentSessionId string required"; "session_id": "string"): an
// id that is not one of ours is a session that does not exist, 404, not a
// malformed request. Only a UUID can be one of ours, so anything else is
// 404 at once: it never reaches DynamoDB as a key.
func opaqueID(r *http.Request, name string) (string, error) {
	id := r.PathValue(name)
	if !session.ValidID(id) {
		return "", session.NotFound()
	}
	return strings.ToLower(id), nil
}

// guidID reads document 001's paymentId, a .NET guid ("paymentId true
// guid"), in every layout .NET's Guid.Parse reads, as an ASP.NET route
// constrained with {paymentId:guid} accepts it: 32 digits (N), with dashes
// (D), in braces (B), in parentheses (P), or as the hexadecimal structure
// Guid.ToString("X") writes, in any case, with leading and trailing white
// space trimmed as .NET trims it. Guid.Parse's compatibility leftovers
// (a "0x" or "+" inside a D group, X groups shorter than their width or
// with white space inside) are not read: no formatter writes them.
// Anything else names no payment: 404 in 001's envelope, as such a route
// answers a segment that is no guid, and as the document lists it ("404
// Not Found When the payment cannot be found"; it lists no 400). It never
// reaches DynamoDB as a key.
func guidID(r *http.Request, name string) (string, error) {
	if id, ok := parseGUID(r.PathValue(name)); ok {
		return id, nil
	}
	return "", session.NotFound()
}

// parseGUID returns s, a GUID in one of .NET's five layouts, in the
// canonical lower-case 8-4-4-4-12 form.
func parseGUID(s string) (string, bool) {
	// .NET trims with char.IsWhiteSpace: the same characters as
	// unicode.IsSpace (Unicode White_Space).
	s = strings.TrimSpace(s)
	var digits string
	switch {
	case len(s) == 32: // N
		digits = s
	case len(s) == 36: // D
		digits = undash(s)
	case len(s) == 38 && (s[0] == '{' && s[37] == '}' || s[0] == '(' && s[37] == ')'): // B, P
		digits = undash(s[1:37])
	case len(s) == 68: // X: {0xdddddddd,0xdddd,0xdddd,{0xdd,0xdd,0xdd,0xdd,0xdd,0xdd,0xdd,0xdd}}
		digits = unX(s)
	}
	if len(digits) != 32 {
		return "", false
	}
	for i := 0; i < 32; i++ {
		if !isHex(digits[i]) {
			return "", false
		}
	}
	d := strings.ToLower(digits)
	return d[:8] + "-" + d[8:12] + "-" + d[12:16] + "-" + d[16:20] + "-" + d[20:], true
}

// undash returns the 32 digits of an 8-4-4-4-12 GUID, or "".
func undash(s string) string {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return ""
	}
	return s[:8] + s[9:13] + s[14:18] + s[19:23] + s[24:]
}

// xLayout is the X layout: x a hexadecimal digit, 0 the "0" of a "0x"
// prefix, X its "x" (either case); other bytes stand for themselves.
const xLayout = "{0Xxxxxxxxx,0Xxxxx,0Xxxxx,{0Xxx,0Xxx,0Xxx,0Xxx,0Xxx,0Xxx,0Xxx,0Xxx}}"

// unX returns the 32 digits of a GUID in the X layout, or "".
func unX(s string) string {
	if len(s) != len(xLayout) {
		return ""
	}
	digits := make([]byte, 0, 32)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; xLayout[i] {
		case 'x':
			digits = append(digits, c)
		case 'X':
			if c != 'x' && c != 'X' {
				return ""
			}
		default:
			if c != xLayout[i] {
				return ""
			}
		}
	}
	return string(digits)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// HeaderMerchantID is document 003's merchant header.
const HeaderMerchantID = "X-Merchant-Id"

// idReader reads a session id from a path parameter, in lower case, or
// returns the error the endpoint answers for a value it does not read as one.
type idReader func(r *http.Request, name string) (string, error)

// readOwned authenticates the caller, reads the session id from the path
// parameter and returns the caller's session as it is now: one GetItem.
func readOwned(r *http.Request, st Store, authn *auth.Authenticator, rule auth.Rule, param string, readID idReader) (*session.Session, *auth.Principal, error) {
	return readOwnedBy(r, st.GetOwned, authn, rule, param, readID)
}

// readOwnedBy is readOwned, the session read by get (a Store's GetOwned or
// GetRecord).
func readOwnedBy(r *http.Request, get func(ctx context.Context, merchantID, id string) (*session.Session, error), authn *auth.Authenticator, rule auth.Rule, param string, readID idReader) (*session.Session, *auth.Principal, error) {
	p, err := authenticate(r, authn, rule)
	if err != nil {
		return nil, nil, err
	}
	id, err := readID(r, param)
	if err != nil {
		return nil, nil, err
	}
	v, err := get(r.Context(), p.MerchantID, id)
	if err != nil {
		return nil, nil, err
	}
	if err := ownedBy(v, p); err != nil {
		return nil, nil, err
	}
	return v, p, nil
}

// V1Session handles GET /v1/session/{sessionGuid} (document 000).
func V1Session(st Store, authn *auth.Authenticator) http.Handler {
	rule := auth.Rule{Scope: auth.ScopeSessionsRead, Bearer: true, Merchant: true}
	return handle(func(w http.ResponseWriter, r *http.Request) error {
		v, _, err := readOwned(r, st, authn, rule, "sessionGuid", pathID)
		if err != nil {
			return err
		}
		return respond(w, http.StatusOK, dialect.V1Session(v))
	}, writeProblem)
}

// PaymentStatus handles GET /v2.0/payments/{paymentId}/status (document
// 001): the ApiResponse envelope, errors included.
func PaymentStatus(st Store, authn *auth.Authenticator) http.Handler {
	rule := auth.Rule{Scope: auth.ScopePaymentRead, Bearer: true, Merchant: true}
	return handle(func(w http.ResponseWriter, r *http.Request) error {
		v, _, err := readOwned(r, st, authn, rule, "paymentId", guidID)
		if err != nil {
			return err
		}
		return respond(w, http.StatusOK, dialect.PaymentStatus(v))
	}, writeEnvelope)
}

// PaymentSession handles GET /payment-sessions/{paymentSessionId}
// (document 002), authenticated by X-Api-Key.
func PaymentSession(st Store, authn *auth.Authenticator) http.Handler {
	rule := auth.Rule{Scope: auth.ScopeSessionsRead, APIKey: true, Merchant: true}
	return handle(func(w http.ResponseWriter, r *http.Request) error {
		v, _, err := readOwned(r, st, authn, rule, "paymentSessionId", opaqueID)
		if err != nil {
			return err
		}
		return respond(w, http.StatusOK, dialect.PaymentSession(v))
	}, writeProblem)
}

// CheckoutSession handles GET /v1/checkout-sessions/{checkoutSessionId}
// (document 003). X-Merchant-Id is required and must be the caller's
// merchant (else 403); init=true adds appearance and cardCategories; an
// expired session is 401 SESSION_EXPIRED, a canceled one 410.
func CheckoutSession(st Store, authn *auth.Authenticator) http.Handler {
	rule := auth.Rule{Scope: auth.ScopeUser, Bearer: true, Merchant: true}
	return handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := authenticate(r, authn, rule)
		if err != nil {
			return err
		}
		merchant, err := merchantHeader(r.Header)
		if err != nil {
			return err
		}
		if merchant != p.MerchantID {
			return session.Errorf(session.EFORBIDDEN, session.ReasonMerchantMismatch, "The credentials do not act for the merchant in X-Merchant-Id.")
		}
		id, err := pathID(r, "checkoutSessionId")
		if err != nil {
			return err
		}
		init, err := initParam(r)
		if err != nil {
			return err
		}
		// Parent and child are read at one instant (docs/design.md §4): a
		// session without a child is one GetItem; with one, both items come
		// from one TransactGetItems and are judged with one clock reading.
		// Another merchant's session is absent before its child is read
		// (an unknown session costs one GetItem; so does theirs).
		v, child, err := st.GetWithChild(r.Context(), p.MerchantID, id)
		if err != nil {
			return err
		}
		body, err := dialect.Checkout(v, child, init)
		if err != nil {
			return err
		}
		return respond(w, http.StatusOK, body)
	}, writeProblem)
}

// merchantHeader reads document 003's X-Merchant-Id: one merchant id, as
// sent but for the optional white space HTTP allows around a field value
// (SP and HTAB, RFC 9110 §5.5), so a value padded with any other white
// space (NO-BREAK SPACE, LINE SEPARATOR, VT, ...) names another merchant,
// as it does to the Spring service behind the document (String.equals
// after the container's trim). A repeated header, which API Gateway joins
// with commas, or a value holding a comma is more than one value (400),
// empty ones included; no value, or an empty one, is 400 too.
func merchantHeader(h http.Header) (string, error) {
	var values []string
	for _, line := range h.Values(HeaderMerchantID) {
		values = append(values, strings.Split(line, ",")...)
	}
	switch {
	case len(values) > 1:
		return "", session.Invalid(HeaderMerchantID, "The X-Merchant-Id header must be sent once, with one merchant id.")
	case len(values) == 0 || strings.Trim(values[0], " \t") == "":
		return "", session.Invalid(HeaderMerchantID, "The X-Merchant-Id header is required.")
	}
	// DESIGN: "No value anywhere may look like a full card number ... it
	// refuses such input with 400 naming the field": the header is only
	// compared, never stored or logged, yet a card number in it is refused
	// as in any other input, not answered as another merchant's id (403).
	v := strings.Trim(values[0], " \t")
	if session.HoldsCardNumber(v) {
		return "", session.CardNumberRefused(HeaderMerchantID)
	}
	return v, nil
}

// initParam reads document 003's init as the Spring service behind the
// document binds an optional boolean request parameter
// (StringToBooleanConverter): the value is trimmed of leading and trailing
// characters up to U+0020 (Java's String.trim), an empty value is absent
// (false), and true/on/yes/1 or false/off/no/0 in any case are the two
// answers; anything else is 400. A parameter sent more than once is read
// from its first value, as Spring converts a String[] to a boolean
// (ArrayToObjectConverter). The query is split on '&' only, as a servlet
// container does (Go's own parser drops a pair holding ';'), and a value
// that is not valid percent-encoding is 400.
func initParam(r *http.Request) (bool, error) {
	raw, found, err := firstQueryValue(r.URL.RawQuery, "init")
	if err != nil || !found {
		return false, err
	}
	value := strings.TrimFunc(raw, func(c rune) bool { return c <= ' ' })
	switch asciiLower(value) {
	case "":
		return false, nil
	case "true", "on", "yes", "1":
		return true, nil
	case "false", "off", "no", "0":
		return false, nil
	}
	return false, session.Invalid("init", "init must be true or false (or on/off, yes/no, 1/0).")
}

// firstQueryValue is the first value of the query parameter name in
// rawQuery, decoded ('+' is a space), and whether it was there.
func firstQueryValue(rawQuery, name string) (string, bool, error) {
	for pair := range strings.SplitSeq(rawQuery, "&") {
		k, v, _ := strings.Cut(pair, "=")
		if key, err := url.QueryUnescape(k); err != nil || key != name {
			continue
		}
		value, err := url.QueryUnescape(v)
		if err != nil {
			return "", true, session.Invalid(name, "%s is not valid percent-encoding.", name)
		}
		return value, true, nil
	}
	return "", false, nil
}

// asciiLower lowers A-Z only. Java's toLowerCase maps no other character
// to one of the letters of the words above, and Go's Unicode folding would
// (U+017F, long s, folds to s).
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// SessionRecord handles GET /pps/api/v1/session-record/{sessionId}
// (document 004). The session is read as the day's list reads it
// (GetRecord), so the record alone and the record listed agree.
func SessionRecord(st Store, authn *auth.Authenticator) http.Handler {
	rule := auth.Rule{Scope: auth.ScopeSessionsRead, Bearer: true, Merchant: true}
	return handle(func(w http.ResponseWriter, r *http.Request) error {
		v, _, err := readOwnedBy(r, st.GetRecord, authn, rule, "sessionId", opaqueID)
		if err != nil {
			return err
		}
		return respond(w, http.StatusOK, dialect.SessionRecord(v))
	}, writeProblem)
}
