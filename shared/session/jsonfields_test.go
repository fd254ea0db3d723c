package session

import (
	"strings"
	"testing"
)

// TestJSONErrorNamesTheField holds how a MALFORMED_JSON refusal names the
// place it is about, "the way the service names fields: a.b[2].c"
// (fieldOf), README's "400 `MALFORMED_JSON`, naming the
// field": an array's element by its index, at any depth; a member name
// only when it can be shown ("parent alone when the client-chosen name cannot be shown: longer
// than 64 characters, holding anything but printable characters"), the
// name then ending at its parent, whatever lies deeper.
func TestJSONErrorNamesTheField(t *testing.T) {
	n64, n65 := strings.Repeat("n", 64), strings.Repeat("n", 65)
	for _, tc := range []struct{ body, field string }{
		{`{"a":[1,2,1e999]}`, "a[2]"},
		{`{"a":{"b":[[0,1e999]]}}`, "a.b[0][1]"},
		{`[1,1e999]`, "[1]"},
		{`{"` + n64 + `":1e999}`, n64},
		{`{"a":{"` + n64 + `":1e999}}`, "a." + n64},
		{`{"` + n65 + `":1e999}`, ""},
		{`{"a":{"` + n65 + `":{"b":1e999}}}`, "a"},
		{`{"a":{"":1e999}}`, "a"},
		{`{"a b":{"c":1e999}}`, ""},
		{`{"a":{"b\tc":{"d":[1e999]}}}`, "a"},
		// A string value is named by its own place, an array's element by
		// its index (not the array, as a member name is named by its object)
		// and a later member by its name, wherever it stands in its object.
		{`{"a":["\u0000"]}`, "a[0]"},
		{`{"a":["x","y","\u0000"]}`, "a[2]"},
		{`{"a":1,"b":"\u0000"}`, "b"},
		{`{"a":1,"b":2,"c":"\u0000"}`, "c"},
		{`{"a":1,"b\u0000":2}`, ""},
		// A syntax breach inside an array is named by the element's index
		// too, whatever the breach.
		{`{"a":[1,"\ud800"]}`, "a[1]"},
		{`{"a":{"b":[1,2,"\udc00"]}}`, "a.b[2]"},
		{"{\"a\":[1,\"\xff\"]}", "a[1]"},
		{`{"a":[1,x]}`, "a[1]"},
		{`[1,"\ud800"]`, "[1]"},
		// README: "a Unicode noncharacter (U+FFFE, U+FFFF, U+FDD0–U+FDEF and
		// the last two code points of every plane, raw or escaped:
		// `"\uffff"`; RFC 7493 §2.1 refuses them) is 400 `MALFORMED_JSON`",
		// in a value or a member name.
		{`{"a":"x\uffff"}`, "a"},
		{`{"a":["x","\ufdd0"]}`, "a[1]"},
		{"{\"a\":{\"b\":\"\xef\xbf\xbe\"}}", "a.b"},
		{`{"a":{"\udbff\udfff":1}}`, "a"},
	} {
		err := CheckJSON([]byte(tc.body))
		if ErrorReason(err) != ReasonMalformedJSON || ErrorField(err) != tc.field {
			t.Errorf("CheckJSON(%s): reason %v, field %q; want %v, %q", tc.body, ErrorReason(err), ErrorField(err), ReasonMalformedJSON, tc.field)
		}
	}
}

// TestCheckJSONJudgesNoCardNumber: CheckJSON holds a body (and a token's
// header and claims) to the JSON profile only; card numbers are judged by
// the fields' own rules, and a token's claims not at all: README, "Both
// claims are the identity provider's, so the token is not refused for
// them."
func TestCheckJSONJudgesNoCardNumber(t *testing.T) {
	for _, body := range []string{
		`{"sub":"4111111111111111"}`,
		`{"4111111111111111":1}`,
		`{"n":4111111111111111}`,
		`{"a":[{"b":4.111111111111111e15}]}`,
	} {
		if err := CheckJSON([]byte(body)); err != nil {
			t.Errorf("CheckJSON(%s): got %v; want nil", body, err)
		}
	}
}

// TestCheckJSONRefusesNoValue: a body of nothing but JSON's white space
// holds no JSON value, so CheckJSON refuses it as it refuses any other
// breach (the HTTP layer reads it as an empty body first): README, "a
// create, event or key is 400 `MALFORMED_JSON`, empty".
func TestCheckJSONRefusesNoValue(t *testing.T) {
	for _, body := range []string{"", " ", "\r\n\t "} {
		err := CheckJSON([]byte(body))
		if ErrorCode(err) != EINVALID || ErrorReason(err) != ReasonMalformedJSON || ErrorField(err) != "" {
			t.Errorf("CheckJSON(%q): got %v, %v, field %q; want %v, %v, field \"\"", body, ErrorCode(err), ErrorReason(err), ErrorField(err), EINVALID, ReasonMalformedJSON)
		}
	}
}
