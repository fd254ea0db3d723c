package app

import "io"

// lineSafe is where the service's JSON log lines go: each line as slog's
// JSON handler writes it, but for the characters it leaves raw that a
// reader of the log takes for more than text, each written as its JSON
// escape (\u0085), which reads back as the same string. slog escapes
// U+0000–U+001F, U+2028 and U+2029, and writes an invalid byte as \ufffd;
// it leaves raw DELETE (U+007F), the C1 control characters (U+0080–U+009F) and the Unicode
// bidirectional controls (U+061C, U+200E, U+200F, U+202A–U+202E,
// U+2066–U+2069). A request's path reaches its line (httpapi's loggedPath
// keeps what is neither a card number nor a credential), so a client's
// NEL (U+0085, a line break to Unicode, Python's str.splitlines and other
// readers) cut one request's line in two, its CSI (U+009B) and OSC
// (U+009D), the one-character forms of ESC [ and ESC ], went out as sent
// (ESC itself is escaped), and its U+202E
// RIGHT-TO-LEFT OVERRIDE turned the rest of the line around as a viewer
// shows it.
//
// The rewrite is of bytes, and exact: JSON's structure is ASCII, so in the
// valid UTF-8 slog writes, each such character is a whole code point
// inside a string, where its escape means the same. slog writes each
// record with one Write, so no character is split between two.
type lineSafe struct{ w io.Writer }

func (l lineSafe) Write(p []byte) (int, error) {
	var out []byte
	last := 0
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c < 0xc2 && c != 0x7f {
			continue
		}
		r, n := unsafeRune(p[i:])
		if n == 0 {
			continue
		}
		if out == nil {
			out = make([]byte, 0, len(p)+64)
		}
		const hex = "0123456789abcdef"
		out = append(out, p[last:i]...)
		out = append(out, '\\', 'u', hex[r>>12], hex[r>>8&15], hex[r>>4&15], hex[r&15])
		i += n - 1
		last = i + 1
	}
	if out == nil {
		return l.w.Write(p)
	}
	out = append(out, p[last:]...)
	if _, err := l.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// unsafeRune returns the character b starts with and its length in bytes
// when it is one lineSafe escapes (DELETE, a C1 control or a
// bidirectional control), else 0, 0.
func unsafeRune(b []byte) (rune, int) {
	switch {
	case b[0] == 0x7f:
		return 0x7f, 1 // DELETE, the last control character of ASCII
	case len(b) >= 2 && b[0] == 0xc2 && b[1] >= 0x80 && b[1] <= 0x9f:
		return rune(b[1]), 2 // U+0080–U+009F
	case len(b) >= 2 && b[0] == 0xd8 && b[1] == 0x9c:
		return 0x061c, 2 // ARABIC LETTER MARK
	case len(b) >= 3 && b[0] == 0xe2 && b[1] == 0x80 && (b[2] == 0x8e || b[2] == 0x8f || b[2] >= 0xaa && b[2] <= 0xae):
		return 0x2000 | rune(b[2]-0x80), 3 // U+200E, U+200F, U+202A–U+202E
	case len(b) >= 3 && b[0] == 0xe2 && b[1] == 0x81 && b[2] >= 0xa6 && b[2] <= 0xa9:
		return 0x2040 | rune(b[2]-0x80), 3 // U+2066–U+2069
	}
	return 0, 0
}
