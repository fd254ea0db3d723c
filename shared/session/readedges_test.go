package session

import (
	"testing"
	"unicode"

	jsonv2 "github.com/go-json-experiment/json"
)

// TestNonEmptyIDBadString: README, "no lone surrogate escape
// (`"\ud800"`)" and "exactly one JSON object in UTF-8": an eventId or a
// parentSessionId whose string is not valid text is an error as it is
// read, and nothing is taken for the id.
func TestNonEmptyIDBadString(t *testing.T) {
	for _, tt := range []struct {
		name, body string
		read       func([]byte) (string, error)
	}{
		{"eventId lone surrogate", `{"status":"SENT","eventId":"e\ud800"}`, func(b []byte) (string, error) {
			var ev Event
			err := jsonv2.Unmarshal(b, &ev)
			return string(ev.EventID), err
		}},
		{"eventId not UTF-8", "{\"status\":\"SENT\",\"eventId\":\"e\xff\"}", func(b []byte) (string, error) {
			var ev Event
			err := jsonv2.Unmarshal(b, &ev)
			return string(ev.EventID), err
		}},
		{"parentSessionId lone surrogate", `{"amount":1,"currency":"EUR","parentSessionId":"p\udc00"}`, func(b []byte) (string, error) {
			var d Draft
			err := jsonv2.Unmarshal(b, &d)
			return string(d.ParentSessionID), err
		}},
	} {
		got, err := tt.read([]byte(tt.body))
		if err == nil || got != "" {
			t.Errorf("%s: got %q, %v; want \"\" and an error", tt.name, got, err)
		}
	}
}

// TestCurrencyEveryLetter: docs/design.md §3, "`currency` is three
// upper-case letters": each of the three places is checked.
func TestCurrencyEveryLetter(t *testing.T) {
	for _, tt := range []struct {
		c    string
		want bool
	}{
		{"EUR", true},
		{"eUR", false},
		{"1UR", false},
		{"EuR", false},
		{"EUr", false},
		{"EU1", false},
		{"EU", false},
	} {
		d := &Draft{Amount: amount(100), Currency: tt.c}
		err := d.Validate()
		if got := err == nil; got != tt.want || !got && ErrorField(err) != "currency" {
			t.Errorf("currency %q: got %v (%v); want ok %v", tt.c, got, err, tt.want)
		}
	}
}

// TestCheckTextUTF8: README, "exactly one JSON object in UTF-8"; a value
// read from elsewhere (a header, a query parameter: CheckText) or set in
// a Draft directly is refused as well when it is not UTF-8 text.
func TestCheckTextUTF8(t *testing.T) {
	for _, v := range []string{"a\xffb", "\xc3", "ord-\xed\xa0\x80"} {
		if err := CheckText("Idempotency-Key", v, 255); ErrorCode(err) != EINVALID || ErrorField(err) != "Idempotency-Key" {
			t.Errorf("CheckText(%q): got %v; want %v naming Idempotency-Key", v, err, EINVALID)
		}
		d := &Draft{Amount: amount(1), Currency: "EUR", OrderID: v}
		if err := d.Validate(); ErrorField(err) != "orderId" {
			t.Errorf("orderId %q: got %v; want %v", v, err, "an error naming orderId")
		}
	}
}

// TestURLPortBounds: docs/design.md §3, "a port (if any) from 1 to 65535": both
// ends are allowed, and the numbers just outside them refused.
func TestURLPortBounds(t *testing.T) {
	for _, tt := range []struct {
		url  string
		want bool
	}{
		{"https://shop.example:1/back", true},
		{"https://shop.example:2/back", true},
		{"https://shop.example:65534/back", true},
		{"https://shop.example:65535/back", true},
		{"https://shop.example:0/back", false},
		{"https://shop.example:65536/back", false},
	} {
		d := &Draft{Amount: amount(1), Currency: "EUR", ReturnURL: tt.url}
		err := d.Validate()
		if got := err == nil; got != tt.want || !got && ErrorField(err) != "returnUrl" {
			t.Errorf("%s: got %v (%v); want ok %v", tt.url, got, err, tt.want)
		}
	}
}

// TestNoncharacterMatchesUnicode: README, Decisions: "exactly one JSON
// object in UTF-8, I-JSON (RFC 7493)", whose §2.1 refuses names and strings
// holding "Noncharacters as defined by [UNICODE]": every code point, as
// Unicode's Noncharacter_Code_Point property names them (66), is read as
// one, alone, between other text and right after an emoji, and no other
// is.
func TestNoncharacterMatchesUnicode(t *testing.T) {
	n := 0
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue // no UTF-8 spells a surrogate
		}
		want := unicode.Is(unicode.Noncharacter_Code_Point, r)
		if want {
			n++
		}
		s := string(r)
		if got := holdsNoncharacter(s); got != want {
			t.Errorf("holdsNoncharacter(%U) = %v; want %v", r, got, want)
		}
		if got := holdsNoncharacter("a\u00e9" + s + "\U0001F600"); got != want {
			t.Errorf("holdsNoncharacter(text with %U) = %v; want %v", r, got, want)
		}
		// Right after a character its scan decodes (from byte 0xEF on):
		// a scan stepping one byte too far read past it (lead's mutants
		// json.go 100, 101).
		if got := holdsNoncharacter("\U0001F600" + s); got != want {
			t.Errorf("holdsNoncharacter(%U after an emoji) = %v; want %v", r, got, want)
		}
	}
	if n != 66 {
		t.Errorf("noncharacters = %d; want 66", n)
	}
}
