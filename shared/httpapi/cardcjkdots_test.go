package httpapi_test

import (
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/session"
)

// TestCardNumbersWithCJKFullStopsRefused: docs/design.md §3, "A candidate
// is 13 to 19 digits with a card network's prefix that passes the Luhn
// check, found inside any run of digits and separators (white space of any
// kind, line breaks and tabs included, dashes, dots, slashes, underscores,
// zero-width and other invisible control characters, and their
// compatibility forms such as the small full stop ﹒)". The ideographic
// full stop 。 (U+3002) is the full stop of Chinese and Japanese text, and
// the halfwidth ideographic full stop ｡ (U+FF61) is its compatibility form
// (NFKC: 。). The project itself reads both as dots elsewhere: README,
// Security: "a browser goes to `127.0.0.1` for `https://0x7f.1/` or
// `https://127.1/`, to `a.b` for `https://a。b/`" (UTS #46 maps U+3002,
// U+FF0E and U+FF61 alike to '.'). A Japanese input method in its default
// mode writes "4111.1111.1111.1111" as ４１１１。１１１１。１１１１。１１１１,
// full-width digits and ideographic full stops. A reader sees the card
// number as plainly as in 4111.1111.1111.1111: each row is 400
// CARD_NUMBER_REFUSED, nothing stored (before the separators were added,
// each was stored, 201, and served back by every read).
func TestCardNumbersWithCJKFullStopsRefused(t *testing.T) {
	eachStore(t, testCardNumbersWithCJKFullStopsRefused)
}

func testCardNumbersWithCJKFullStopsRefused(t *testing.T, h *harness) {
	tok := h.merchantToken("m-1")
	for _, pan := range []string{
		"4111\u30021111\u30021111\u30021111",       // ideographic full stops, ASCII digits
		"４１１１。１１１１。１１１１。１１１１",                      // as a Japanese IME writes 4111.1111.1111.1111
		"4111\uff611111\uff611111\uff611111",       // halfwidth ideographic full stops
		"5555\u30025555\u30025555\u30024444 12/28", // Mastercard, with an expiry
		// The same input method in the same mode writes '-' as the
		// prolonged sound mark ー (U+30FC) and '/' as the katakana middle
		// dot ・ (U+30FB): 4111-1111-1111-1111 typed with it is
		// ４１１１ー１１１１ー１１１１ー１１１１. Neither is a dash or a
		// slash by category (Lm, Po); a reader sees the card number all
		// the same, and the rule names both (README, Decisions).
		"４１１１ー１１１１ー１１１１ー１１１１",
		"４１１１・１１１１・１１１１・１１１１",
	} {
		body := map[string]any{"amount": 1, "currency": "EUR", "metadata": map[string]string{"note": pan}}
		res := h.do("POST", "/sessions", tok, body)
		if res.Code != 400 {
			t.Errorf("metadata.note %q: POST /sessions = %d %s; want 400 %s", pan, res.Code, res.Body, session.ReasonCardNumber)
			continue
		}
		if p := res.json(t); p["code"] != session.ReasonCardNumber || p["field"] != "metadata.note" {
			t.Errorf("metadata.note %q: code %v field %v; want %s metadata.note", pan, p["code"], p["field"], session.ReasonCardNumber)
		}
		body = map[string]any{"amount": 1, "currency": "EUR", "orderId": pan}
		if res := h.do("POST", "/sessions", tok, body); res.Code != 400 || res.json(t)["code"] != session.ReasonCardNumber {
			t.Errorf("orderId %q: POST /sessions = %d %s; want 400 %s", pan, res.Code, res.Body, session.ReasonCardNumber)
		}
	}
	// The full-width full stop, the same key on the same keyboard in
	// another mode, was refused before them: the control row.
	body := map[string]any{"amount": 1, "currency": "EUR", "metadata": map[string]string{"note": "４１１１．１１１１．１１１１．１１１１"}}
	wantProblem(t, h.do("POST", "/sessions", tok, body), 400, session.ReasonCardNumber)

	// The same number in a path is logged as sent: README, Security: "a
	// token, key, secret or card number never reaches a log". The path
	// below is /sessions/4111。1111。1111。1111 (400, not a UUID); its
	// request line must not hold it.
	res := h.do("GET", "/sessions/4111%E3%80%821111%E3%80%821111%E3%80%821111", tok, nil)
	if res.Code != 400 {
		t.Fatalf("GET /sessions/4111。1111。1111。1111 = %d; want 400", res.Code)
	}
	if logs := h.logs.String(); strings.Contains(logs, "4111\u30021111") || strings.Contains(logs, "4111\u3002"+"1111") || strings.Contains(logs, "4111。1111") {
		t.Errorf("the request log holds the card number written with ideographic full stops: %s", logs[strings.LastIndex(logs, "{\"time\""):])
	}
}
