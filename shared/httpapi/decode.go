package httpapi

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/paysessions/paysessions/shared/session"
)

// decodeJSON reads the request body into dst:
//   - Content-Type application/json, with at most a charset=utf-8
//     parameter; any other type, and a non-empty body without a
//     Content-Type, are 415 (an empty body needs none, and its type,
//     which API Gateway may have added, is not judged);
//   - no Content-Encoding but identity (415): the body is read as sent,
//     so one that says it is compressed is refused rather than read as
//     something other than what it declares;
//   - at most MaxBodyBytes (413), one JSON object, nothing after it;
//   - the JSON profile of session.CheckJSON: UTF-8 without lone surrogate
//     escapes, no member name twice at any depth, numbers within float64's
//     range, no U+0000, at most 32 levels of nesting (400 MALFORMED_JSON,
//     naming the field);
//   - member names matched exactly, case included, against dst's fields;
//     any other member is 400 VALIDATION_FAILED naming it;
//   - an integer field (the amount) read from an integer literal alone, and
//     never from -0 (integerDigits): 400 VALIDATION_FAILED naming it; but a
//     number that looks like a card number, whatever its spelling or range,
//     is 400 CARD_NUMBER_REFUSED naming it, as any other number of the body;
//   - a value a field's own reading refuses (session.EventID, an eventId of
//     "", and session.ParentID, a parentSessionId of "") is that reading's
//     error, 400 VALIDATION_FAILED naming the field;
//   - then checks, in order (the request's Validate, ...): the first error
//     is the answer;
//   - a body refused VALIDATION_FAILED (a value of the wrong type, an
//     unknown member, or by a check) that holds a card number anywhere is
//     400 CARD_NUMBER_REFUSED instead (session.RefuseCardNumbers): README,
//     "Card numbers are refused (400 `CARD_NUMBER_REFUSED`, naming the
//     field, never echoing the value) anywhere in the input". Before, a
//     card number in a field refused for its type or form (an amount or
//     hosted written as a string, an unknown member, a status or scope
//     that is none) was answered VALIDATION_FAILED.
//
// An empty body is accepted only when allowEmpty. Errors name the field at
// fault, never echo a value. The decoding is github.com/go-json-experiment/json
// (the mirror of Go's encoding/json/v2): encoding/json matches names without
// regard to case and lets the last of two equal names win, so a guard reading
// one spelling would not see what another reader takes.
func decodeJSON(r *http.Request, dst any, allowEmpty bool, checks ...func() error) error {
	// A Content-Type is judged only for a body: API Gateway adds one to a
	// request without a payload (its important notes for HTTP APIs; the
	// value is not named), so an empty body's type is not the client's to
	// get wrong. Its error waits until the body is read.
	hasType, typeErr := checkContentType(r.Header)
	if typeErr == nil {
		if err := checkContentEncoding(r.Header); err != nil {
			return err
		}
	}
	var body []byte
	var err error
	if r.Body != nil {
		body, err = io.ReadAll(r.Body)
		if err != nil {
			if isTooLarge(err) {
				return tooLarge()
			}
			return malformed("The request body could not be read.")
		}
	}
	// JSON's whitespace only (RFC 8259 §2): a body of other spaces
	// (U+00A0, U+3000, a form feed) is a body, not the absence of one.
	t := bytes.Trim(body, jsonWhitespace)
	if len(t) == 0 {
		// A declared coding is refused even for an empty body (README).
		if err := checkContentEncoding(r.Header); err != nil {
			return err
		}
		if allowEmpty {
			return runChecks(dst, nil, checks)
		}
		return malformed("The request body is empty; a JSON object is required.")
	}
	if typeErr != nil {
		return typeErr
	}
	if !hasType {
		return unsupportedMedia()
	}
	if t[0] != '{' {
		return malformed("The request body must be a JSON object.")
	}
	if err := session.CheckJSON(body); err != nil {
		return err
	}
	if err := refuseNullStrings(reflect.TypeOf(dst), body); err != nil {
		return cardFirst(dst, body, err)
	}
	if err := jsonv2.Unmarshal(body, dst, jsonv2.RejectUnknownMembers(true), jsonv2.WithUnmarshalers(integerDigits)); err != nil {
		return cardFirst(dst, body, decodeError(reflect.TypeOf(dst), err))
	}
	return runChecks(dst, body, checks)
}

// runChecks runs checks in order; the first error is the answer (see
// cardFirst). body is the request's (nil for an empty one).
func runChecks(dst any, body []byte, checks []func() error) error {
	for _, check := range checks {
		if err := check(); err != nil {
			return cardFirst(dst, body, err)
		}
	}
	return nil
}

// cardFirst is err, or, when err is a 400 VALIDATION_FAILED and body holds
// a card number anywhere, 400 CARD_NUMBER_REFUSED naming where (never the
// value): a card number is refused as one whatever else is wrong with the
// body. The body is scanned only on this error path, so a valid request
// costs nothing more. body has passed session.CheckJSON. The members dst
// reads as URLs (its URLFields) have their Punycode host judged as a
// browser shows it, as Validate judges them.
func cardFirst(dst any, body []byte, err error) error {
	var e *session.Error
	if len(body) == 0 || !errors.As(err, &e) || e.Reason != session.ReasonValidation {
		return err
	}
	var urlFields []string
	if u, ok := dst.(interface{ URLFields() []string }); ok {
		urlFields = u.URLFields()
	}
	if cardErr := session.RefuseCardNumbers(body, urlFields...); cardErr != nil {
		return cardErr
	}
	return err
}

var (
	errMinusZero  = errors.New("an integer written -0")
	errCardNumber = errors.New("a number that looks like a card number")
	errNotInteger = errors.New("not an integer within int64")
)

// integerDigits reads an integer field as encoding/json/v2 does (an integer
// literal within int64: no fraction, no exponent, no string), except -0,
// which RFC 8259 §6 allows and v2 reads as 0: an amount has one spelling,
// its digits (docs/design.md §3, "`amount` an integer from 0 to 10^15"), so
// 0 is 0 and -0 is refused rather than stored, or hashed for an
// Idempotency-Key, as if it were 0.
var integerDigits = jsonv2.UnmarshalFromFunc(func(dec *jsontext.Decoder, v *int64) error {
	if dec.PeekKind() == '0' {
		lit, err := dec.ReadValue()
		if err != nil {
			return err
		}
		// Judged first: a card number is refused as one (docs/design.md
		// §3, "The answer is 400 `CARD_NUMBER_REFUSED`"), not as a number
		// past the amount's range or one with a fraction.
		if session.NumberLooksLikeCardNumber(string(lit)) {
			return errCardNumber
		}
		if string(lit) == "-0" {
			return errMinusZero
		}
		n, err := strconv.ParseInt(string(lit), 10, 64)
		if err != nil {
			return errNotInteger
		}
		*v = n
		return nil
	}
	return errors.ErrUnsupported // not a number: v2's own error
})

// jsonWhitespace is the whitespace RFC 8259 §2 allows around a JSON value.
const jsonWhitespace = " \t\r\n"

// checkContentType reports whether the request has a Content-Type, and
// refuses one that is not application/json with at most a charset=utf-8
// parameter (415), or more than one Content-Type header.
func checkContentType(h http.Header) (bool, error) {
	vals := h.Values("Content-Type")
	if len(vals) == 0 {
		return false, nil
	}
	if len(vals) > 1 {
		return true, unsupportedMedia()
	}
	// mime.ParseMediaType trims all Unicode white space and lowers with
	// Unicode's rules ("APPL\u0130CATION/JSON" reads application/json);
	// RFC 9110's grammar has tokens, quoted strings and OWS (SP and HTAB)
	// only, so a value holding any other byte is not application/json.
	if !visibleOrOWS(vals[0]) {
		return true, unsupportedMedia()
	}
	// mime.ParseMediaType also reads RFC 2231's extended and continued
	// parameters (charset*=utf-8''utf-8, charset*0=...) as charset, and
	// lets them win over a plain charset=utf-16 beside them; RFC 9110's
	// parameter names are tokens, so "charset*" is another parameter. A '*'
	// anywhere is refused: in a name it is such a parameter, and in a
	// value it is no utf-8.
	if strings.ContainsRune(vals[0], '*') {
		return true, unsupportedMedia()
	}
	mt, params, err := mime.ParseMediaType(vals[0])
	if err != nil || mt != contentTypeJSON {
		return true, unsupportedMedia()
	}
	for k, v := range params {
		if k != "charset" || !strings.EqualFold(v, "utf-8") {
			return true, unsupportedMedia()
		}
	}
	return true, nil
}

// checkContentEncoding refuses a Content-Encoding other than identity
// (415): RFC 9110 §8.4 makes the body the result of those codings, to be
// undone before it is read, and the service undoes none. Reading a body
// that declares itself gzip as JSON would make it mean one thing here and
// another to anything in front that honours the header. API Gateway
// passes the header and the bytes through unchanged (an HTTP API does not
// decompress requests), so the function sees what the client sent.
func checkContentEncoding(h http.Header) error {
	for _, v := range h.Values("Content-Encoding") {
		for coding := range strings.SplitSeq(v, ",") {
			// OWS only (RFC 9110: "OWS            = *( SP / HTAB )"):
			// "\u00a0identity" is not the coding identity.
			if !strings.EqualFold(trimOWS(coding), "identity") {
				return session.Errorf(session.EUNSUPPORTED, session.ReasonUnsupportedMedia,
					"The request body must be sent without a Content-Encoding (identity only); the service decompresses nothing.")
			}
		}
	}
	return nil
}

func unsupportedMedia() error {
	return session.Errorf(session.EUNSUPPORTED, session.ReasonUnsupportedMedia,
		"The request body must be sent as Content-Type: application/json (optionally with charset=utf-8).")
}

func malformed(msg string) error {
	return session.Errorf(session.EINVALID, session.ReasonMalformedJSON, "%s", msg)
}

// refuseNullStrings refuses a JSON null where a value of a string map or
// an element of a string array belongs (metadata, resultData,
// cardCategories, declineReasons.reasons, scopes): decoded, it would be "",
// stored as a value the client never sent (docs/design.md §3: what is stored
// is exactly what was checked). A null field of an object is still taken as
// absent, and a null inside a free-form object (json.RawMessage) is kept.
// body has passed session.CheckJSON.
//
// The type of each open object or array is kept as the body is read, so a
// null costs the same wherever it is: finding it from the null's JSON
// pointer cost the pointer's length for every null, and a 64 KiB body of
// nulls under a long member name took a second.
func refuseNullStrings(t reflect.Type, body []byte) error {
	if !bytes.Contains(body, []byte("null")) {
		return nil
	}
	dec := jsontext.NewDecoder(bytes.NewReader(body))
	// open[d] is the type of the object or array open at depth d (nil
	// where t holds no such place); next[d] the type of the value that a
	// member name just read at depth d names.
	open := []reflect.Type{nil, t}
	next := []reflect.Type{nil, nil}
	for {
		tok, err := dec.ReadToken()
		if err != nil {
			return nil // the end: the body is valid JSON
		}
		d := dec.StackDepth()
		switch tok.Kind() {
		case '{', '[':
			if d > 1 {
				open = append(open[:d], childType(open[d-1], next[d-1]))
			}
			next = append(next[:d], nil)
		case '}', ']':
			open, next = open[:d+1], next[:d+1]
		case '"':
			if kind, n := dec.StackIndex(d); kind == '{' && n%2 == 1 {
				next[d] = memberType(open[d], tok.String())
			}
		case 'n':
			parent := deref(open[d])
			if parent != nil && (parent.Kind() == reflect.Map || parent.Kind() == reflect.Slice) && parent.Elem().Kind() == reflect.String {
				field := fieldOf(t, dec.StackPointer())
				return session.Invalid(field, "%s must be a string, not null.", field)
			}
		}
	}
}

// memberType is the Go type of the member name names in a struct of type
// t (nil where t is no struct or has no such member).
func memberType(t reflect.Type, name string) reflect.Type {
	t = deref(t)
	if t != nil && t.Kind() == reflect.Struct {
		return structField(t, name)
	}
	return nil
}

// childType is the Go type of a value opened in a container of type t, as
// the JSON pointer's path finds it: a map's, slice's or array's element, or a struct's
// member, the type its name named.
func childType(t, member reflect.Type) reflect.Type {
	t = deref(t)
	switch {
	case t == nil:
		return nil
	case t.Kind() == reflect.Map, t.Kind() == reflect.Slice, t.Kind() == reflect.Array:
		return t.Elem()
	case t.Kind() == reflect.Struct:
		return member
	}
	return nil
}

// deref is t without its pointers.
func deref(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// decodeError turns an error of decoding into t (a body that passed
// session.CheckJSON) into a client-safe one naming the field.
func decodeError(t reflect.Type, err error) error {
	var se *jsonv2.SemanticError
	if !errors.As(err, &se) {
		return malformed("The request body is not valid JSON.")
	}
	// A field's own reading that refused a value (session.EventID's or
	// session.ParentID's "")
	// says why, naming the field.
	var fe *session.Error
	if errors.As(se.Err, &fe) {
		return fe
	}
	field := fieldOf(t, se.JSONPointer)
	if errors.Is(se.Err, jsonv2.ErrUnknownName) {
		if field == fieldOf(t, se.JSONPointer.Parent()) {
			// The name cannot be shown: name where it is.
			return session.Invalid(field, "The request body has a member that is not a field of this request (names are case-sensitive).")
		}
		return session.Invalid(field, "%s is not a field of this request (names are case-sensitive).", field)
	}
	if field == "" {
		return malformed("The request body has a value of the wrong type.")
	}
	if errors.Is(se.Err, errCardNumber) {
		return session.CardNumberRefused(field)
	}
	if errors.Is(se.Err, errMinusZero) {
		return session.Invalid(field, "%s must be written as its digits: -0 is written 0.", field)
	}
	if se.GoType == nil {
		return session.Invalid(field, "%s has a value this request does not accept.", field)
	}
	return session.Invalid(field, "%s must be of type %s.", field, jsonType(se.GoType))
}

// fieldOf names the place p points to in a value of type t, as the service
// names fields (a.b[2].c), stopping at a member name that cannot be shown
// (session.SafeFieldName).
func fieldOf(t reflect.Type, p jsontext.Pointer) string {
	field := ""
	for tok := range p.Tokens() {
		for t != nil && t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			field += "[" + tok + "]"
			t = t.Elem()
			continue
		}
		next := session.SafeFieldName(field, tok)
		if next == field {
			return field
		}
		field = next
		switch {
		case t == nil:
		case t.Kind() == reflect.Map:
			t = t.Elem()
		case t.Kind() == reflect.Struct:
			t = structField(t, tok)
		default:
			t = nil
		}
	}
	return field
}

// structField is the type of t's field whose JSON name is name, or nil.
func structField(t reflect.Type, name string) reflect.Type {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == name || (tag == "" && f.Name == name) {
			return f.Type
		}
	}
	return nil
}

// jsonType names the JSON type a Go type is read from.
func jsonType(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Bool:
		return "boolean"
	case reflect.Map, reflect.Struct:
		return "object"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.String:
		return "string"
	default:
		return t.Kind().String()
	}
}
