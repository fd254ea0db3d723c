package httpapi_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/session"
)

// TestIdempotencyKeyCharactersAndLength: README, "**Idempotency-Key**: 1 to
// 255 characters of `A-Z a-z 0-9 - _ . :`". Every character of that set is
// taken, up to 255 of them; a 256th, another character, or a second
// Idempotency-Key field (two keys are no one key) is 400 VALIDATION_FAILED
// naming the header.
func TestIdempotencyKeyCharactersAndLength(t *testing.T) {
	eachStore(t, testIdempotencyKeyCharactersAndLength)
}

func testIdempotencyKeyCharactersAndLength(t *testing.T, h *harness) {
	tok := h.merchantToken("m-1")
	const set = "ABCXYZabcxyz0189-_.:"
	for i, tt := range []struct {
		name   string
		keys   []string
		status int
	}{
		// README, "1 to 255 characters": one character is a key (first, so
		// no row's suffix below lengthens it).
		{"one character", []string{"Z"}, 201},
		{"the whole set", []string{set}, 201},
		{"a colon alone", []string{":"}, 201},
		{"a dot and a colon", []string{"order.1:retry"}, 201},
		{"255 characters", []string{strings.Repeat("k", 254) + ":"}, 201},
		{"256 characters", []string{strings.Repeat("k", 255) + ":"}, 400},
		{"empty", []string{""}, 400}, // not 1 to 255 (what API Gateway passes of it is unknown)
		{"a slash", []string{"order/1"}, 400},
		{"a slash first", []string{"/order-1"}, 400}, // every character is judged, the first too
		// openapi.yaml: "1 to 255 of `A-Z a-z 0-9 - _ . :`"; '#' is the
		// store's key separator and ',' what the Lambda adapter splits on.
		{"a hash", []string{"order#1"}, 400},
		{"a comma", []string{"order,1"}, 400},
		{"an at sign", []string{"order@1"}, 400},
		{"a plus", []string{"order+1"}, 400},
		{"a tilde", []string{"order~1"}, 400},
		{"a letter beyond ASCII", []string{"ordér-1"}, 400},
		{"two fields", []string{"order-a", "order-b"}, 400},
		{"two equal fields", []string{"order-c", "order-c"}, 400},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/sessions", strings.NewReader(`{"amount":1,"currency":"EUR"}`))
			r.Header.Set("Authorization", "Bearer "+tok)
			r.Header.Set("Content-Type", "application/json")
			// Distinct per row and store: a key taken by one row is not
			// replayed to the next.
			keys := append([]string(nil), tt.keys...)
			if tt.status == 201 && len(keys[0]) < 255 {
				keys[0] = keys[0] + strings.Repeat("0", i)
			}
			r.Header["Idempotency-Key"] = keys
			w := httptest.NewRecorder()
			h.handler.ServeHTTP(w, r)
			if tt.status == 201 {
				if w.Code != 201 {
					t.Errorf("Idempotency-Key %q: got %d %s; want 201", keys, w.Code, w.Body)
				}
				return
			}
			p := wantProblem(t, response{w}, tt.status, session.ReasonValidation)
			if p["field"] != "Idempotency-Key" {
				t.Errorf("Idempotency-Key %q: field = %v; want Idempotency-Key", keys, p["field"])
			}
		})
	}
}
