package httpapi

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/session"
)

// TestDecodeErrorNamesTheField: a problem's `field` is, in
// docs/openapi.yaml: "The input at fault (a JSON path such as
// `metadata.note`, a parameter or a header)", and docs/design.md §3: "unknown fields, field names that differ
// from the schema only in case, duplicate keys anywhere, nesting deeper
// than 32 levels, numbers outside float64's range, `\u0000`, lone
// surrogates and Unicode noncharacters (U+FFFE, U+FFFF, U+FDD0–U+FDEF and
// the last two code points of every plane, RFC 7493 §2.1) are all refused
// with 400 naming the field". A value of the
// wrong type is named by its path too, however deep it is (a map's value,
// an array's element, a member of an object behind a pointer), with
// brackets for an array's index and dots for a member.
func TestDecodeErrorNamesTheField(t *testing.T) {
	const create = `{"amount":1,"currency":"EUR",`
	for _, tt := range []struct {
		name   string
		dst    func() any
		body   string
		reason string
		field  string
	}{
		{"top-level wrong type", draft, create + `"hosted":"true"}`, session.ReasonValidation, "hosted"},
		{"amount a string", draft, `{"amount":"12","currency":"EUR"}`, session.ReasonValidation, "amount"},
		{"amount -0", draft, `{"amount":-0,"currency":"EUR"}`, session.ReasonValidation, "amount"},
		{"amount a fraction", draft, `{"amount":1.5,"currency":"EUR"}`, session.ReasonValidation, "amount"},
		{"amount a card number", draft, `{"amount":4111111111111111,"currency":"EUR"}`, session.ReasonCardNumber, "amount"},
		{"map value wrong type", draft, create + `"metadata":{"a":"x","note":1}}`, session.ReasonValidation, "metadata.note"},
		{"map an array", draft, create + `"metadata":["x"]}`, session.ReasonValidation, "metadata"},
		{"array element wrong type", draft, create + `"cardCategories":["CREDIT",1]}`, session.ReasonValidation, "cardCategories[1]"},
		{"array element an array", draft, create + `"cardCategories":[[]]}`, session.ReasonValidation, "cardCategories[0]"},
		{"array element an object", draft, create + `"cardCategories":["x",{"a":"b"}]}`, session.ReasonValidation, "cardCategories[1]"},
		{"array an object", draft, create + `"cardCategories":{"a":"b"}}`, session.ReasonValidation, "cardCategories"},
		{"behind a pointer", event, `{"status":"PROCESSING","declineReasons":{"category":"x","reasons":["a",2]}}`, session.ReasonValidation, "declineReasons.reasons[1]"},
		{"behind a pointer, member", event, `{"status":"PROCESSING","declineReasons":{"category":1}}`, session.ReasonValidation, "declineReasons.category"},
		{"pointer's object wrong type", event, `{"status":"PROCESSING","declineReasons":"x"}`, session.ReasonValidation, "declineReasons"},
		{"unknown member behind a pointer", event, `{"status":"PROCESSING","declineReasons":{"category":"x","Reasons":[]}}`, session.ReasonValidation, "declineReasons.Reasons"},
		// docs/design.md §3: "field names that differ from the schema only in
		// case" are refused naming the field: the member the client sent,
		// not a place inside it read as if it were the field of that name.
		{"null in a member named as a Go field", draft, create + `"Metadata":{"a":null}}`, session.ReasonValidation, "Metadata"},
		{"null in a member named as a Go field, array", draft, create + `"CardCategories":[null]}`, session.ReasonValidation, "CardCategories"},
		{"result data value", event, `{"status":"PROCESSING","resultData":{"code":true}}`, session.ReasonValidation, "resultData.code"},
		{"scope wrong type", apiKey, `{"scopes":["sessions:read",7]}`, session.ReasonValidation, "scopes[1]"},
		{"expiresAt wrong type", apiKey, `{"scopes":["sessions:read"],"expiresAt":7}`, session.ReasonValidation, "expiresAt"},
		// A null where a string belongs, as refuseNullStrings finds it.
		{"null scope", apiKey, `{"scopes":["sessions:read",null]}`, session.ReasonValidation, "scopes[1]"},
		{"null after a closed object", draft, create + `"provider":{"a":{"b":null}},"metadata":{"a":null}}`, session.ReasonValidation, "metadata.a"},
		{"null after a closed array", event, `{"status":"PROCESSING","declineReasons":{"reasons":[],"category":"x"},"resultData":{"x":null}}`, session.ReasonValidation, "resultData.x"},
		{"null reason after a category", event, `{"status":"PROCESSING","declineReasons":{"category":"x","reasons":["a",null]}}`, session.ReasonValidation, "declineReasons.reasons[1]"},
		{"null in metadata after other members", draft, `{"metadata":{"a":"b","c":null},"amount":1,"currency":"EUR"}`, session.ReasonValidation, "metadata.c"},
		// "... and Unicode noncharacters ... are all refused with 400 naming
		// the field" (r86-events: design.md §3 left them out).
		{"a noncharacter escaped", event, `{"status":"PROCESSING","eventId":"a\ufffe"}`, session.ReasonMalformedJSON, "eventId"},
		{"a noncharacter in metadata", draft, create + `"metadata":{"n":"a\uFDD0"}}`, session.ReasonMalformedJSON, "metadata.n"},
	} {
		r := httptest.NewRequest("POST", "/", strings.NewReader(tt.body))
		r.Header.Set("Content-Type", "application/json")
		var se *session.Error
		err := decodeJSON(r, tt.dst(), false)
		if !errors.As(err, &se) || se.Reason != tt.reason || se.Field != tt.field {
			t.Errorf("%s: got %v (%+v); want %s naming %q", tt.name, err, se, tt.reason, tt.field)
		}
	}
}

func draft() any  { return new(session.Draft) }
func event() any  { return new(session.Event) }
func apiKey() any { return new(APIKeyRequest) }
