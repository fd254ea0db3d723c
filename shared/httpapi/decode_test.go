package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/paysessions/paysessions/shared/session"
)

// FuzzDecodeJSON feeds the body decoder (and then the draft's validation)
// any bytes, optionally wrapped in up to 47 levels of objects, with any
// Content-Type. The decoder is held to an oracle written independently on
// encoding/json's tokenizer:
//   - a body the oracle finds outside the JSON profile (not JSON, not UTF-8,
//     a lone surrogate escape, a noncharacter, a member name twice, deeper
//     than 32 levels, a number beyond float64's range, U+0000) is refused as
//     MALFORMED_JSON;
//   - a body the decoder accepts is inside the profile, names only the
//     draft's fields exactly (case included), and decodes to the same draft
//     under encoding/json: no two readers can see two different requests;
//   - an accepted draft that validates holds no card number in its free-form
//     objects (checked on encoding/json's reading of the stored bytes);
//   - every refusal is a coded client error whose message and field hold no
//     card number.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []struct {
		body string
		wrap uint8
		ct   string
	}{
		{`{"amount":1,"currency":"EUR"}`, 0, "application/json"},
		{`{"amount":1,"currency":"EUR","provider":{"pan":"4111111111111111","pan":"ok"}}`, 0, "application/json"},
		{`{"amount":1,"amount":2,"currency":"EUR"}`, 0, ""},
		{`{"a":1,"a":1}`, 3, "application/json; charset=utf-8"},
		{`{"x":[{"y":1},{"y":1,"y":2}]}`, 1, "application/json"},
		{`{}`, 30, "application/json"},
		{`{}`, 31, "application/json"},
		{`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`, 1, "application/json"},
		{`{"n":1e999999}`, 1, "application/json"},
		{`{"n":-1e-999999,"m":4.9e-324,"o":2e-324}`, 1, "application/json"},
		{`{"n":4.111111111111111e15}`, 1, "application/json"},
		{`{"n":[41111111111111110e-1,4111111111111111.0,-0,0e99999999]}`, 1, "application/json"},
		{`{"n":1.7976931348623157e308,"m":1.7976931348623159e308}`, 1, "application/json"},
		{`{"s":"\ud800","t":"\udc00\ud800","u":"\ud83d\ude00"}`, 1, "application/json"},
		{`{"s":"\u0000"}`, 1, "application/json"},
		{`{"s":"\uffff","t":"\ufdd0","u":"\udbff\udffe"}`, 1, "application/json"},
		{"{\"s\":\"\xed\xa0\x80\"}", 1, "application/json"},
		{`{"AMOUNT":5,"currency":"EUR"}`, 0, "application/json"},
		{`{"amount":1,"Currency":"EUR","currency":"EUR"}`, 0, "application/json"},
		{`{"amount":1,"currency":"EUR","metadata":{"k":"v","K":"v"}}`, 0, "application/json"},
		{`{"amount":1,"currency":"EUR","metadata":{"k":null}}`, 0, "application/json"},
		{`{"amount":1,"currency":"EUR"}`, 0, "text/plain"},
		{`{"amount":1,"currency":"EUR"}`, 0, "application/merge-patch+json"},
		{` {"amount":1,"currency":"EUR"} `, 0, "application/json"},
		{`{"amount":1,"currency":"EUR"} {}`, 0, "application/json"},
		{`{"amount":"4111111111111111","currency":"EUR"}`, 0, "application/json"},
		{`{"amount":"12","currency":"EUR","note":"4111 1111 1111 1111"}`, 0, "application/json"},
	} {
		f.Add([]byte(s.body), s.wrap, s.ct)
	}
	f.Fuzz(func(t *testing.T, body []byte, wrap uint8, contentType string) {
		if levels := int(wrap % 48); levels > 0 {
			body = []byte(`{"amount":1,"currency":"EUR","provider":` + strings.Repeat(`{"a":`, levels-1) + string(body) + strings.Repeat("}", levels-1) + `}`)
		}
		r := httptest.NewRequest("POST", "/sessions", bytes.NewReader(body))
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		var d session.Draft
		err := decodeJSON(r, &d, false)
		breach := profileBreach(body)
		if err != nil {
			var se *session.Error
			if !errors.As(err, &se) || se.Message == "" {
				t.Fatalf("decodeJSON(%q) = %v; want a coded error with a message", body, err)
			}
			switch se.Reason {
			case session.ReasonMalformedJSON, session.ReasonValidation, session.ReasonUnsupportedMedia:
			case session.ReasonCardNumber:
				// A body of the JSON rules holding a card number anywhere
				// (the amount, or a body refused for another reason: cardFirst).
				if breach != "" {
					t.Fatalf("decodeJSON(%q) = %v; want MALFORMED_JSON (the body %s)", body, err, breach)
				}
			default:
				t.Fatalf("decodeJSON(%q) = %v (%s); want MALFORMED_JSON, VALIDATION_FAILED, CARD_NUMBER_REFUSED or UNSUPPORTED_MEDIA_TYPE", body, err, se.Reason)
			}
			if session.LooksLikeCardNumber(se.Message) || session.LooksLikeCardNumber(se.Field) {
				t.Fatalf("decodeJSON(%q): the error %q (field %q) holds a card number", body, se.Message, se.Field)
			}
			// cardFirst: a body of the JSON rules refused VALIDATION_FAILED
			// holds no card number, and one refused CARD_NUMBER_REFUSED holds
			// one (README: "a body refused `VALIDATION_FAILED` for another
			// reason too ... is `CARD_NUMBER_REFUSED`").
			if breach == "" {
				holds := session.RefuseCardNumbers(body, (*session.Draft)(nil).URLFields()...) != nil
				if se.Reason == session.ReasonValidation && holds {
					t.Fatalf("decodeJSON(%q) = %v; want CARD_NUMBER_REFUSED (the body holds a card number)", body, err)
				}
				if se.Reason == session.ReasonCardNumber && !holds {
					t.Fatalf("decodeJSON(%q) = %v; the body holds no card number", body, err)
				}
			}
			if breach != "" && se.Reason == session.ReasonValidation {
				t.Fatalf("decodeJSON(%q) = %v; want MALFORMED_JSON (the body %s)", body, err, breach)
			}
			return
		}
		if breach != "" {
			t.Fatalf("decodeJSON(%q) accepted a body that %s", body, breach)
		}
		if name := unknownName(body, reflect.TypeOf(d)); name != "" {
			t.Fatalf("decodeJSON(%q) accepted the member %q, not a field of the draft", body, name)
		}
		var d1 session.Draft
		if err := json.Unmarshal(body, &d1); err != nil {
			t.Fatalf("decodeJSON accepted %q, encoding/json refuses it: %v", body, err)
		}
		if !reflect.DeepEqual(compactDraft(d), compactDraft(d1)) {
			t.Fatalf("decodeJSON(%q) = %+v; encoding/json reads %+v", body, d, d1)
		}
		if d.Validate() != nil {
			return
		}
		for _, raw := range []json.RawMessage{d.Provider, d.PaymentMethodDetails, d.Appearance} {
			if raw == nil {
				continue
			}
			if field := oracleCard(raw); field != "" {
				t.Fatalf("a validated draft of %q stores %s, which holds a card number", body, raw)
			}
		}
	})
}

// compactDraft is d with its raw objects compacted, for comparing readings.
func compactDraft(d session.Draft) session.Draft {
	for _, raw := range []*json.RawMessage{&d.Provider, &d.PaymentMethodDetails, &d.Appearance} {
		if *raw != nil {
			var b bytes.Buffer
			if json.Compact(&b, *raw) == nil {
				*raw = b.Bytes()
			}
		}
	}
	return d
}

// profileBreach says how body breaks the JSON profile, or "", by
// encoding/json's tokenizer and a scan of the escapes.
func profileBreach(body []byte) string {
	if !utf8.Valid(body) {
		return "is not UTF-8"
	}
	if !json.Valid(body) {
		return "is not JSON"
	}
	if loneSurrogate(body) {
		return "holds a lone surrogate escape"
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	type frame struct {
		object bool
		names  map[string]bool
		isName bool // the next string of this object is a name
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return ""
		}
		if err != nil {
			return "is not JSON"
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		name := false
		if top != nil && top.object {
			name = top.isName
			top.isName = !top.isName
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				if len(stack)+1 > 32 {
					return "is nested deeper than 32 levels"
				}
				stack = append(stack, &frame{object: v == '{', names: map[string]bool{}, isName: true})
			default:
				stack = stack[:len(stack)-1]
			}
		case string:
			if strings.ContainsRune(v, 0) {
				return "holds U+0000"
			}
			for _, r := range v {
				// RFC 7493 §2.1's noncharacters, named by the Unicode
				// Standard's definition (§23.7): 66 code points.
				if unicode.Is(unicode.Noncharacter_Code_Point, r) {
					return "holds a noncharacter"
				}
			}
			if name {
				if top.names[v] {
					return "has the member name " + strconv.Quote(v) + " twice"
				}
				top.names[v] = true
			}
		case json.Number:
			f, err := strconv.ParseFloat(string(v), 64)
			if err != nil {
				return "holds a number beyond float64's range"
			}
			mant, _, _ := strings.Cut(strings.ToLower(string(v)), "e")
			if f == 0 && strings.Trim(mant, "-0.") != "" {
				return "holds a non-zero number that rounds to zero"
			}
		}
	}
}

// loneSurrogate reports whether a JSON text holds a \u escape of a surrogate
// that is not half of a high-low pair.
func loneSurrogate(b []byte) bool {
	inString := false
	pendingHigh := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !inString {
			if c == '"' {
				inString = true
			}
			continue
		}
		switch {
		case c == '"':
			if pendingHigh {
				return true
			}
			inString = false
		case c == '\\' && i+1 < len(b) && b[i+1] == 'u' && i+5 < len(b):
			v, err := strconv.ParseUint(string(b[i+2:i+6]), 16, 16)
			if err != nil {
				return true
			}
			high, low := v >= 0xD800 && v <= 0xDBFF, v >= 0xDC00 && v <= 0xDFFF
			if pendingHigh != low {
				return true
			}
			pendingHigh = high
			i += 5
		case c == '\\':
			if pendingHigh {
				return true
			}
			i++
		default:
			if pendingHigh {
				return true
			}
		}
	}
	return pendingHigh
}

// unknownName returns a top-level member name of body that is not exactly a
// JSON field name of t, or "".
func unknownName(body []byte, t reflect.Type) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	known := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		known[name] = true
	}
	for k := range m {
		if !known[k] {
			return k
		}
	}
	return ""
}

// oracleCard returns a description of the first string, name or number of
// raw that looks like a card number under encoding/json's reading, or "".
func oracleCard(raw []byte) string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		switch v := tok.(type) {
		case string:
			if session.LooksLikeCardNumber(v) {
				return "the string " + v
			}
		case json.Number:
			if session.NumberLooksLikeCardNumber(string(v)) {
				return "the number " + string(v)
			}
			if f, err := strconv.ParseFloat(string(v), 64); err == nil && session.LooksLikeCardNumber(strconv.FormatFloat(f, 'f', -1, 64)) {
				return "the number " + string(v) + " read as a float64"
			}
		}
	}
}

func TestLoneSurrogateOracle(t *testing.T) {
	for s, want := range map[string]bool{
		`"\ud800"`: true, `"\udc00"`: true, `"\ud800\udc00"`: false, `"\udc00\ud800"`: true,
		`"\ud800x"`: true, `"\ud800\n"`: true, `"x\\ud800"`: false, `"\u0041"`: false, `"\ud83d\ude00\ud83d"`: true,
	} {
		if got := loneSurrogate([]byte(s)); got != want {
			t.Errorf("loneSurrogate(%s) = %v; want %v", s, got, want)
		}
	}
}

// TestUnknownMemberIsValidationFailedWhateverItsName: README's 400 row,
// "unknown JSON field (names are case-sensitive)" is VALIDATION_FAILED, and
// decodeJSON: "any other member is 400 VALIDATION_FAILED naming it". A
// name that cannot be shown (longer than 64 characters, or a card number)
// is named by where it is — the body itself, field "" — but the refusal
// is not MALFORMED_JSON: the body is JSON. A card number's name is
// CARD_NUMBER_REFUSED (README, "Card numbers are refused (400
// `CARD_NUMBER_REFUSED`, naming the field, never echoing the value)
// anywhere in the input: body strings, member names"), since r92-writes:
// it was VALIDATION_FAILED.
func TestUnknownMemberIsValidationFailedWhateverItsName(t *testing.T) {
	for _, tt := range []struct{ name, field, reason string }{
		{"status", "status", session.ReasonValidation},
		{"Amount", "Amount", session.ReasonValidation},
		{strings.Repeat("x", 65), "", session.ReasonValidation},
		{"4111111111111111", "", session.ReasonCardNumber},
	} {
		body := `{"amount":1,"currency":"EUR",` + strconv.Quote(tt.name) + `:1}`
		r := httptest.NewRequest("POST", "/sessions", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		var d session.Draft
		var se *session.Error
		if err := decodeJSON(r, &d, false); !errors.As(err, &se) || se.Reason != tt.reason || se.Field != tt.field {
			t.Errorf("member %.20q: got %v; want %s naming %q", tt.name, err, tt.reason, tt.field)
		}
	}
}
