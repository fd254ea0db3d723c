package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/session"
)

// TestCreateLimitsAtTheEdge: docs/design.md §3, read at each limit and one
// past it, with characters of several UTF-8 lengths: "`amount` an integer
// from 0 to 10^15", "a port (if any) from 1 to 65535", "`metadata` holds at
// most 50 keys of at most 40 characters with values of at most 500", and
// "A body is at most 64 KiB". Lengths count characters (README: code
// points), so a key of 40 two-byte or four-byte characters passes and one
// of 41 does not, on both stores.
func TestCreateLimitsAtTheEdge(t *testing.T) { eachStore(t, testCreateLimitsAtTheEdge) }

func testCreateLimitsAtTheEdge(t *testing.T, h *harness) {
	tok := h.merchantToken("m-1")
	with := func(field string, v any) map[string]any {
		return map[string]any{"amount": 1, "currency": "EUR", field: v}
	}
	keys := func(n int) map[string]string {
		m := make(map[string]string, n)
		for i := range n {
			m[fmt.Sprintf("k%02d", i)] = "v"
		}
		return m
	}
	small := `{"amount":1,"currency":"EUR"}`
	// padded is small with JSON white space before its closing brace, n
	// bytes in all.
	padded := func(n int) string { return small[:len(small)-1] + strings.Repeat(" ", n-len(small)) + "}" }
	for _, c := range []struct {
		name       string
		body       any
		want       int
		wantReason string
	}{
		{"amount 10^15", `{"amount":1000000000000000,"currency":"EUR"}`, 201, ""},
		{"amount 10^15+1", `{"amount":1000000000000001,"currency":"EUR"}`, 400, session.ReasonValidation},
		{"amount 0", `{"amount":0,"currency":"EUR"}`, 201, ""},
		{"amount -1", `{"amount":-1,"currency":"EUR"}`, 400, session.ReasonValidation},
		{"port 1", with("returnUrl", "https://shop.example:1/r"), 201, ""},
		{"port 65535", with("returnUrl", "https://shop.example:65535/r"), 201, ""},
		{"port 0", with("returnUrl", "https://shop.example:0/r"), 400, session.ReasonValidation},
		{"port 65536", with("returnUrl", "https://shop.example:65536/r"), 400, session.ReasonValidation},
		{"50 metadata keys", with("metadata", keys(50)), 201, ""},
		{"51 metadata keys", with("metadata", keys(51)), 400, session.ReasonValidation},
		{"key of 40 two-byte characters", with("metadata", map[string]string{strings.Repeat("é", 40): "v"}), 201, ""},
		{"key of 41 two-byte characters", with("metadata", map[string]string{strings.Repeat("é", 41): "v"}), 400, session.ReasonValidation},
		{"key of 40 four-byte characters", with("metadata", map[string]string{strings.Repeat("😀", 40): "v"}), 201, ""},
		{"key of 41 four-byte characters", with("metadata", map[string]string{strings.Repeat("😀", 41): "v"}), 400, session.ReasonValidation},
		{"value of 500 three-byte characters", with("metadata", map[string]string{"k": strings.Repeat("€", 500)}), 201, ""},
		{"value of 501 three-byte characters", with("metadata", map[string]string{"k": strings.Repeat("€", 501)}), 400, session.ReasonValidation},
		{"value of 500 four-byte characters", with("metadata", map[string]string{"k": strings.Repeat("😀", 500)}), 201, ""},
		{"value of 501 four-byte characters", with("metadata", map[string]string{"k": strings.Repeat("😀", 501)}), 400, session.ReasonValidation},
		{"body of 65536 bytes", padded(64 << 10), 201, ""},
		{"body of 65537 bytes", padded(64<<10 + 1), 413, session.ReasonBodyTooLarge},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := h.do("POST", "/sessions", tok, c.body)
			if c.want != http.StatusCreated {
				wantProblem(t, res, c.want, c.wantReason)
				return
			}
			if res.Code != c.want {
				t.Errorf("got %d %s; want %d", res.Code, res.Body, c.want)
			}
		})
	}
}
