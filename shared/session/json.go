package session

import (
	"bytes"
	"errors"
	"io"
	"math/big"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// MaxJSONDepth is the deepest nesting of objects and arrays a request body
// may have: the body's own object is level 1.
const MaxJSONDepth = 32

// MaxNumberLength is the most characters a number literal may have.
// Free-form objects are served back as written, and Jackson, the JSON
// reader of the Java clients of document 003's Spring service, refuses a
// number of more than 1,000 digits by default
// (StreamReadConstraints.getMaxNumberLength), so the whole answer would
// fail to parse there; no literal of at most 1,000 characters has more.
const MaxNumberLength = 1000

// maxShownName is the longest member name an error names.
const maxShownName = 64

// CheckJSON holds a request body to the service's JSON profile: exactly
// one JSON value of I-JSON (RFC 7493), that is UTF-8 with no lone surrogate
// escape ("\ud800") and no noncharacter (U+FFFF, U+FDD0), no object with a
// member name twice, no number beyond float64's range (1e999999, or a
// non-zero number that rounds to zero), and further no number literal of
// more than MaxNumberLength characters, no U+0000 in any string
// or name and no nesting deeper than MaxJSONDepth. A breach is an EINVALID
// error with reason MALFORMED_JSON naming the field where it is (never
// echoing a value). Card numbers are not judged here: the fields are, by
// Validate.
func CheckJSON(body []byte) error {
	_, err := scanJSON("", body, noCardRule)
	return err
}

// RefuseCardNumbers is the refusal of the first card number body holds (a
// string, member name or number at any depth, as the guarded scan of a
// free-form object judges it: HoldsCardNumber, NumberLooksLikeCardNumber),
// or nil when it holds none. body has passed CheckJSON. A request refused
// for another reason is refused as holding a card number when it holds one
// (README, "Card numbers are refused (400 `CARD_NUMBER_REFUSED` ...)
// anywhere in the input"). urlFields are the body's own members read as
// URLs (Draft.URLFields, Event.URLFields): a string there is judged as
// checkURL judges it too, its Punycode host as a browser shows it; in any
// other place (an unknown member, metadata, provider) it is not read as a
// URL, as the field checks do not read it.
func RefuseCardNumbers(body []byte, urlFields ...string) error {
	return refuseCardNumbers(onInput, body, urlFields)
}

// StoredJSONHoldsCardNumber reports whether body, a JSON text the store
// kept (an Idempotency-Key record's first answer, replayed byte for byte),
// holds a card number by the rule reads hold stored text to
// (StoredHoldsCardNumber): RefuseCardNumbers' reading of it, without URL
// fields. body has passed CheckJSON.
func StoredJSONHoldsCardNumber(body []byte) bool {
	return refuseCardNumbers(onRead, body, nil) != nil
}

// refuseCardNumbers is RefuseCardNumbers by rule.
func refuseCardNumbers(rule cardRule, body []byte, urlFields []string) error {
	_, err := scanJSON("", body, rule)
	var e *Error
	if errors.As(err, &e) && e.Reason == ReasonCardNumber {
		return e
	}
	if len(urlFields) == 0 {
		return nil
	}
	dec := jsontext.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return nil
	}
	for dec.PeekKind() == '"' {
		tok, err := dec.ReadToken()
		if err != nil {
			return nil
		}
		name := tok.String() // the token is voided by the next read
		if slices.Contains(urlFields, name) && dec.PeekKind() == '"' {
			v, err := dec.ReadToken()
			if err != nil {
				return nil
			}
			if u, err := url.Parse(v.String()); err == nil && shownHostHoldsCardNumber(u, rule) {
				return cardError(name)
			}
			continue
		}
		if err := dec.SkipValue(); err != nil {
			return nil
		}
	}
	return nil
}

// scanJSON reads exactly one JSON value from raw under the profile of
// CheckJSON, field naming the value in errors. Guarded (by a rule other
// than noCardRule), it also refuses any string or member name that holds
// a card number by rule and any number that looks like one, and
// returns the value re-encoded from the very tokens it judged: compact,
// each string written from its decoded text with minimal escaping, member
// order and number literals as sent. What is stored is therefore exactly
// what was checked: no escape, duplicate or other spelling is left for a
// later reader to decode differently.
func scanJSON(field string, raw []byte, rule cardRule) ([]byte, error) {
	guard := rule != noCardRule
	dec := jsontext.NewDecoder(bytes.NewReader(raw),
		jsontext.AllowDuplicateNames(false), jsontext.AllowInvalidUTF8(false))
	var out bytes.Buffer
	var enc *jsontext.Encoder
	if guard {
		out.Grow(len(raw))
		enc = jsontext.NewEncoder(&out)
	}
	for first := true; first || dec.StackDepth() > 0; first = false {
		tok, err := dec.ReadToken()
		if err != nil {
			return nil, syntaxError(field, dec, err)
		}
		switch tok.Kind() {
		case '{', '[':
			if dec.StackDepth() > MaxJSONDepth {
				return nil, malformedAt(fieldOf(field, dec, dec.StackPointer()),
					"is nested deeper than "+strconv.Itoa(MaxJSONDepth)+" levels")
			}
		case '"':
			// The place is named only for an error: naming it costs the
			// length of its path, and paying that for every token made a
			// body's cost grow with the square of its size.
			s := tok.String()
			if strings.IndexByte(s, 0) >= 0 {
				return nil, malformedAt(stringField(field, dec), "holds the character U+0000")
			}
			if holdsNoncharacter(s) {
				return nil, malformedAt(stringField(field, dec), "holds a Unicode noncharacter (U+FFFE, U+FFFF, U+FDD0 to U+FDEF, or the last two of a plane), which I-JSON (RFC 7493) refuses")
			}
			if guard && rule.holds(s) {
				return nil, cardError(stringField(field, dec))
			}
		case '0':
			lit := tok.String()
			if len(lit) > MaxNumberLength {
				return nil, malformedAt(fieldOf(field, dec, dec.StackPointer()), "is a number of more than "+strconv.Itoa(MaxNumberLength)+" characters")
			}
			if !inFloatRange(lit) {
				return nil, malformedAt(fieldOf(field, dec, dec.StackPointer()), "is a number beyond the range of a 64-bit float")
			}
			if guard && NumberLooksLikeCardNumber(lit) {
				return nil, cardError(fieldOf(field, dec, dec.StackPointer()))
			}
		}
		if enc != nil {
			if err := enc.WriteToken(tok); err != nil {
				return nil, malformedAt(field, "is not valid JSON")
			}
		}
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		return nil, malformedAt(field, "has data after its JSON value")
	}
	return bytes.TrimSuffix(out.Bytes(), []byte("\n")), nil
}

// stringField names the place of the string token just read, a value or a
// member name (named by the object that holds it), in the value named
// field.
func stringField(field string, dec *jsontext.Decoder) string {
	kind, n := dec.StackIndex(dec.StackDepth())
	if kind == '{' && n%2 == 1 {
		return fieldOf(field, dec, dec.StackPointer().Parent())
	}
	return fieldOf(field, dec, dec.StackPointer())
}

// holdsNoncharacter reports whether s holds a Unicode noncharacter:
// U+FDD0 to U+FDEF, or the last two code points of any plane (U+FFFE,
// U+FFFF, U+1FFFE, ..., U+10FFFF). RFC 7493 §2.1 says I-JSON names and
// strings "MUST NOT include code points that identify Surrogates or
// Noncharacters"; lone surrogate escapes are the decoder's to refuse. Every
// noncharacter's UTF-8 starts with a byte from 0xEF on, so the other bytes
// are skipped unread.
func holdsNoncharacter(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0xEF {
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r >= 0xFDD0 && r <= 0xFDEF || r&0xFFFE == 0xFFFE && r <= unicode.MaxRune {
			return true
		}
		i += n - 1
	}
	return false
}

// inFloatRange reports whether a JSON number literal is within float64's
// range: not beyond ±MaxFloat64, and not a non-zero number so small that it
// rounds to zero. It is decided on the literal's digits (decimalForm),
// exactly as strconv.ParseFloat rounds, without reading the number: a
// number float64 holds only as a subnormal (1e-320) takes ParseFloat's
// slow path, about 15 µs, and a 64 KiB body holds 9,000 of them.
func inFloatRange(lit string) bool {
	if len(lit) <= 300 && !strings.ContainsAny(lit, "eE") {
		// Most numbers: no exponent, and too few digits to reach 10^300
		// or, unless zero, to fall under 10^-300.
		return true
	}
	digits, point, ok := decimalForm(lit)
	switch {
	case !ok:
		return false
	case digits == "":
		return true // a zero, however written
	case point > -323 && point < 309:
		// From 10^-323 (over the least subnormal, about 4.9e-324) to
		// below 10^308 (under MaxFloat64, about 1.8e308).
		return true
	case point == -323:
		// From 10^-324 to below 10^-323: over half the least subnormal,
		// 2^-1075, it rounds to that subnormal; at or under it, to zero
		// (a tie rounds to the even zero).
		return digits > float64Edges().halfLeast
	case point == 309:
		// From 10^308 to below 10^309: from halfway between MaxFloat64
		// and 2^1024 on (a tie rounds to the even 2^1024), it rounds to
		// infinity.
		return digits < float64Edges().overflow
	}
	return false
}

// float64Edges are the digits d of the two values at which float64's
// range ends, each 0.d × 10^point as decimalForm writes it: halfLeast,
// 2^-1075 (point -323), half the least subnormal; overflow, 2^1024 −
// 2^970 (point 309), halfway between MaxFloat64 and 2^1024. Exact, from
// math/big, at first use.
var float64Edges = sync.OnceValue(func() (e struct{ halfLeast, overflow string }) {
	// 2^-1075 = 5^1075 × 10^-1075, and 5^1075 has 752 digits.
	e.halfLeast = strings.TrimRight(new(big.Int).Exp(big.NewInt(5), big.NewInt(1075), nil).String(), "0")
	one := big.NewInt(1)
	over := new(big.Int).Sub(new(big.Int).Lsh(one, 1024), new(big.Int).Lsh(one, 970))
	e.overflow = strings.TrimRight(over.String(), "0")
	return e
})

// syntaxError turns a decoder error into a client-safe MALFORMED_JSON error
// naming where it is.
func syntaxError(field string, dec *jsontext.Decoder, err error) error {
	var se *jsontext.SyntacticError
	if !errors.As(err, &se) {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return malformedAt(field, "is not complete JSON")
		}
		return malformedAt(field, "is not valid JSON")
	}
	if errors.Is(se.Err, jsontext.ErrDuplicateName) {
		parent := fieldOf(field, dec, se.JSONPointer.Parent())
		where := SafeFieldName(parent, se.JSONPointer.LastToken())
		if where == parent {
			return malformedAt(parent, "has an object with a member name twice; names must be unique")
		}
		return malformedAt(where, "is given twice; every name in an object must be unique")
	}
	where := fieldOf(field, dec, se.JSONPointer)
	msg := se.Err.Error()
	switch {
	case strings.Contains(msg, "surrogate"):
		return malformedAt(where, "holds a lone surrogate escape; escape a character outside the BMP as a surrogate pair")
	case strings.Contains(msg, "UTF-8"):
		return malformedAt(where, "is not valid UTF-8")
	}
	return malformedAt(where, "is not valid JSON")
}

// malformedAt is a MALFORMED_JSON error about field ("" for the body).
func malformedAt(field, what string) *Error {
	subject := "The request body"
	if field != "" {
		subject = "The request body at " + field
	}
	return &Error{Code: EINVALID, Reason: ReasonMalformedJSON, Field: field, Message: subject + " " + what + "."}
}

// fieldOf names the place p points to in the value named field, the way the
// service names fields: a.b[2].c. A member name that cannot be shown
// (SafeFieldName) ends the name at its parent.
func fieldOf(field string, dec *jsontext.Decoder, p jsontext.Pointer) string {
	level := 0
	for tok := range p.Tokens() {
		level++
		kind := byte('{')
		if level <= dec.StackDepth() {
			k, _ := dec.StackIndex(level)
			kind = byte(k)
		}
		if kind == '[' {
			if field == "" {
				field = "[" + tok + "]"
			} else {
				field += "[" + tok + "]"
			}
			continue
		}
		next := SafeFieldName(field, tok)
		if next == field {
			return field
		}
		field = next
	}
	return field
}

// SafeFieldName is parent.name, the name of a member for an error, or
// parent alone when the client-chosen name cannot be shown: longer than 64
// characters, holding anything but printable characters, or making the
// name look like a card number (the field is echoed in the error).
func SafeFieldName(parent, name string) string {
	if name == "" || utf8.RuneCountInString(name) > maxShownName {
		return parent
	}
	for _, r := range name {
		if !unicode.IsGraphic(r) || unicode.IsSpace(r) {
			return parent
		}
	}
	full := name
	if parent != "" {
		full = parent + "." + name
	}
	if HoldsCardNumber(full) {
		return parent
	}
	return full
}
