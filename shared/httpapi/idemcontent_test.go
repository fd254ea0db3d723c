package httpapi_test

import (
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/session"
)

// TestIdempotencySameContentAtTheEdges: docs/design.md §2, "a repeat of the
// same request (same JSON content) replays the first answer byte for byte
// with Idempotent-Replayed: true (member order and whitespace do not
// matter, at any depth); the same key with another body is 409", and the
// README's "numbers are compared as written (1 and 1.0 differ), since they
// are stored as written". The edges of "the same JSON content", each pair
// under a key of its own:
//   - the same content: a character escaped or raw (`\u0041`, `\/`, a
//     surrogate pair) in a value or a member name at any depth, and an
//     optional field sent as null, "" or false or left out (each is
//     stored as not set);
//   - another request: numbers written otherwise, text in another Unicode
//     normalization, a GUID in another case (all stored as sent), and an
//     empty object or list beside an absent one (the JSON differs, even
//     where the session stored is the same: empty metadata and
//     cardCategories are not kept);
//   - refused: a retry with a member given twice is 400 (the body is
//     checked before the key is looked up), and the key keeps its first
//     answer.
func TestIdempotencySameContentAtTheEdges(t *testing.T) {
	eachStore(t, testIdempotencySameContentAtTheEdges)
}

func testIdempotencySameContentAtTheEdges(t *testing.T, h *harness) {
	tok := h.merchantToken("m-1")
	parent := h.create("m-1", nil)
	const base = `{"amount":1,"currency":"EUR"`
	tests := []struct {
		name, first, retry string
		status             int
		code               string
	}{
		{"a letter escaped in a free-form value", base + `,"provider":{"a":"A"}}`, base + `,"provider":{"a":"\u0041"}}`, 201, ""},
		{"an escaped solidus", base + `,"appearance":{"u":"x/y"}}`, base + `,"appearance":{"u":"x\/y"}}`, 201, ""},
		{"a surrogate pair escaped", base + `,"paymentMethodDetails":{"e":"😀"}}`, base + `,"paymentMethodDetails":{"e":"\ud83d\ude00"}}`, 201, ""},
		{"a member name escaped, deeper and reordered", base + `,"provider":{"o":{"a":1,"b":[{"x":1,"y":2}]}}}`, base + `,"provider":{"o":{"b":[{"y":2,"\u0078":1}],"\u0061":1}}}`, 201, ""},
		{"a top-level value escaped", base + `,"orderId":"A-1"}`, base + `,"orderId":"\u0041-1"}`, 201, ""},
		{"a metadata name and value escaped", base + `,"metadata":{"k":"V"}}`, base + `,"metadata":{"\u006b":"\u0056"}}`, 201, ""},
		{"null for a text", base + `}`, base + `,"shopBuyerId":null}`, 201, ""},
		{"null for an object", base + `}`, base + `,"provider":null}`, 201, ""},
		{"null for a list", base + `}`, base + `,"cardCategories":null}`, 201, ""},
		{"null for a map", base + `}`, base + `,"metadata":null}`, 201, ""},
		// README, "Decisions": "so is an empty string". Each is stored
		// as not set, so the session is the same; the README named only
		// null, and the service replayed these all the same.
		{"an empty text", base + `}`, base + `,"orderId":""}`, 201, ""},
		{"an empty text for a GUID", base + `}`, base + `,"callGuid":""}`, 201, ""},
		{"false for hosted", base + `}`, base + `,"hosted":false}`, 201, ""},
		{"false for savePaymentProfile", base + `,"savePaymentProfile":false}`, base + `}`, 201, ""},
		{"parentSessionId in upper case", base + `,"parentSessionId":"` + parent + `"}`, base + `,"parentSessionId":"` + strings.ToUpper(parent) + `"}`, 201, ""},
		{"a number in exponent form", base + `,"provider":{"n":1}}`, base + `,"provider":{"n":1e0}}`, 409, session.ReasonIdempotencyReused},
		{"minus zero", base + `,"provider":{"n":0}}`, base + `,"provider":{"n":-0}}`, 409, session.ReasonIdempotencyReused},
		{"text in another normalization", base + `,"orderId":"é"}`, base + `,"orderId":"e\u0301"}`, 409, session.ReasonIdempotencyReused},
		{"a GUID in another case", base + `,"callGuid":"aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"}`, base + `,"callGuid":"AAAAAAAA-AAAA-4AAA-8AAA-AAAAAAAAAAAA"}`, 409, session.ReasonIdempotencyReused},
		{"an empty object", base + `}`, base + `,"provider":{}}`, 409, session.ReasonIdempotencyReused},
		{"an empty metadata", base + `}`, base + `,"metadata":{}}`, 409, session.ReasonIdempotencyReused},
		{"an empty list", base + `}`, base + `,"cardCategories":[]}`, 409, session.ReasonIdempotencyReused},
		{"a member given twice", base + `,"provider":{"a":1}}`, base + `,"provider":{"a":1,"a":1}}`, 400, session.ReasonMalformedJSON},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := "edge-" + string(rune('a'+i))
			first := h.do("POST", "/sessions", tok, tt.first, "Idempotency-Key", key)
			if first.Code != 201 {
				t.Fatalf("first = %d %s; want 201", first.Code, first.Body)
			}
			again := h.do("POST", "/sessions", tok, tt.retry, "Idempotency-Key", key)
			if tt.status != 201 {
				wantProblem(t, again, tt.status, tt.code)
				// The first request's answer is still the key's.
				if res := h.do("POST", "/sessions", tok, tt.first, "Idempotency-Key", key); res.Code != 201 || res.Body.String() != first.Body.String() {
					t.Errorf("first again = %d %s; want the first answer", res.Code, res.Body)
				}
				return
			}
			if again.Code != 201 || again.Body.String() != first.Body.String() || again.Header().Get("Idempotent-Replayed") != "true" ||
				again.Header().Get("Location") != first.Header().Get("Location") {
				t.Errorf("retry = %d %s (Idempotent-Replayed %q); want 201, the first answer %s, replayed",
					again.Code, again.Body, again.Header().Get("Idempotent-Replayed"), first.Body)
			}
		})
	}
}
