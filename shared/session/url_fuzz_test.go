package session

import (
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// openapiURLPattern is docs/openapi.yaml's Url pattern, read from the
// document (a copy written out here once lagged a change to it).
func openapiURLPattern(tb testing.TB) *regexp.Regexp {
	raw, err := os.ReadFile("../../docs/openapi.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Pattern string `yaml:"pattern"`
			} `yaml:"schemas"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		tb.Fatal(err)
	}
	p := doc.Components.Schemas["Url"].Pattern
	if p == "" {
		tb.Fatal("docs/openapi.yaml: components.schemas.Url has no pattern")
	}
	return regexp.MustCompile(p)
}

// FuzzCheckURL holds checkURL (returnUrl, cancelUrl, actionUrl) to the
// rules' words, checked here without its helpers. docs/design.md §3: "URLs
// are absolute http(s) URLs with a host: no user information, a port (if
// any) from 1 to 65535, no raw space, invisible character or" the
// characters RFC 3986 never allows raw; openapi's Url: "at most 2,048
// characters", and its pattern (the Url schema's, openapiURLPattern). A
// refusal is EINVALID naming the field; an accepted URL must:
//
//   - (a) parse with net/url, its scheme http or https in any case, a
//     non-empty host, no user information, a port (if any) from 1 to
//     65535, and match openapi's pattern;
//   - (b) hold none of space, " < > \ ^ ` { | }, a control, a Unicode
//     White_Space character, a format character (Cf), a blank glyph
//     checkURL's doc comment names, or a Default_Ignorable_Code_Point
//     character (Unicode's own list, below), but for a variation selector
//     right after a character the doc comment says it may vary;
//   - (c) be at most 2,048 characters;
//   - (d) name the host a browser goes to: where it can be decided without
//     a browser's IDNA tables (whatwgHost), the WHATWG URL Standard's host
//     parser reads the same host from the URL as net/url does, ASCII case
//     aside. A browser is sent to these URLs; a host it reads otherwise
//     (0x7f.1 is 127.0.0.1 to it, a。b is a.b) or refuses (a%25b, an IPv6
//     zone) is a host the service's own reading of the URL does not
//     describe, as user information is (the doc comment's "is
//     evil.example's").
func FuzzCheckURL(f *testing.F) {
	for _, r := range urlRows {
		f.Add(r.url)
	}
	for _, s := range []string{
		"https://a@b", "https://a%40b@c", "https://a%40b/", "https://[fe80::1%25eth0]/",
		"https://x:/", "https://x:0/", "https://x:65535/", "https://x:65536/", "https://x:0443/",
		"https://a\uff0eb/", "https://a\u3002b/", "https://a\uff61b/", "https://%E3%80%82/",
		"https://x/\u200f", "https://x/\u200e", "https://\u200fx/",
		"https://x/a\ufe0f", "https://x/\u2764\ufe0f", "https://x/\U0001f600\ufe0f", "https://\u2764\ufe0f.ws/",
		"https://x/1\ufe0f\u20e3", "https://x/#\ufe0f\u20e3", "https://x/\u1000\ufe00", "https://x/\u1040\ufe00",
		"http:/x", "https:x", "//x", "https:///x", "https:\\\\x/", "hTTpS://X/",
		"https://a%25b/", "https://a]b/", "https://0x7f.1/", "https://1.2.3.4.5/", "https://example.123/",
		"https://127.1/", "https://0177.0.0.1/", "https://1.2.3.4/", "https://01.2.3.4/", "https://4294967296/",
		"https://%FF/", "https://%C3%A9.example/", "https://a%E2%80%8Bb/", "https://[::ffff:1.2.3.4]/",
		"https://xn--/", "https://a!$&'()*+,;=b/", "https://x./", "https://x..y/",
	} {
		f.Add(s)
	}
	pattern := openapiURLPattern(f)
	f.Fuzz(func(t *testing.T, v string) {
		err := onInput.checkURL("returnUrl", v)
		if err != nil {
			if ErrorCode(err) != EINVALID || ErrorField(err) != "returnUrl" {
				t.Fatalf("checkURL(%q) = %v; want EINVALID naming returnUrl", v, err)
			}
			return
		}
		if v == "" {
			return // absent
		}
		// (a)
		u, perr := url.Parse(v)
		if perr != nil {
			t.Fatalf("accepted %q; net/url: %v", v, perr)
		}
		if s := strings.ToLower(u.Scheme); s != "http" && s != "https" {
			t.Fatalf("accepted %q: scheme %q; want http or https", v, u.Scheme)
		}
		if u.Host == "" || u.Hostname() == "" {
			t.Fatalf("accepted %q: no host", v)
		}
		if u.User != nil {
			t.Fatalf("accepted %q: user information %q", v, u.User)
		}
		if p := u.Port(); p != "" {
			if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
				t.Fatalf("accepted %q: port %q; want 1 to 65535", v, p)
			}
		}
		if !pattern.MatchString(v) {
			t.Fatalf("accepted %q: outside openapi's Url pattern", v)
		}
		// (b)
		prev := rune(-1)
		for i, r := range v {
			rest := v[i+utf8.RuneLen(r):]
			switch {
			case r == utf8.RuneError:
				t.Fatalf("accepted %q: not UTF-8", v)
			case strings.ContainsRune(" \"<>\\^`{|}", r):
				t.Fatalf("accepted %q: raw %q", v, r)
			case unicode.Is(unicode.Cc, r), unicode.Is(unicode.White_Space, r), unicode.Is(unicode.Cf, r):
				t.Fatalf("accepted %q: control, space or format character %U", v, r)
			case r == '\u2800' || r == '\U0001d159' || r == '\U00016fe4':
				t.Fatalf("accepted %q: blank glyph %U", v, r)
			case defaultIgnorable(r) && !selectorVaries(prev, r, rest):
				t.Fatalf("accepted %q: invisible %U after %U", v, r, prev)
			}
			prev = r
		}
		// (c)
		if n := utf8.RuneCountInString(v); n > 2048 {
			t.Fatalf("accepted a URL of %d characters; want at most 2,048", n)
		}
		// (d)
		host, fails, decided := whatwgHost(v)
		if !decided {
			return
		}
		if fails {
			t.Fatalf("accepted %q: a WHATWG URL parser refuses its host (net/url reads %q)", v, u.Hostname())
		}
		goHost := strings.ToLower(u.Hostname())
		if a, err := netip.ParseAddr(host); err == nil && strings.HasPrefix(u.Host, "[") {
			if b, err := netip.ParseAddr(goHost); err != nil || a != b {
				t.Fatalf("accepted %q: a browser's host is [%s], net/url's %q", v, host, goHost)
			}
			return
		}
		if host != goHost {
			t.Fatalf("accepted %q: a browser's host is %q, net/url's %q", v, host, goHost)
		}
	})
}

// defaultIgnorable is Unicode's Default_Ignorable_Code_Point, as
// DerivedCoreProperties.txt lists it.
func defaultIgnorable(r rune) bool {
	for _, rg := range [][2]rune{
		{0x00ad, 0x00ad}, {0x034f, 0x034f}, {0x061c, 0x061c}, {0x115f, 0x1160},
		{0x17b4, 0x17b5}, {0x180b, 0x180f}, {0x200b, 0x200f}, {0x202a, 0x202e},
		{0x2060, 0x206f}, {0x3164, 0x3164}, {0xfe00, 0xfe0f}, {0xfeff, 0xfeff},
		{0xffa0, 0xffa0}, {0xfff0, 0xfff8}, {0x1bca0, 0x1bca3}, {0x1d173, 0x1d17a},
		{0xe0000, 0xe0fff},
	} {
		if r >= rg[0] && r <= rg[1] {
			return true
		}
	}
	return false
}

// selectorVaries: checkURL's doc comment, in its words: "a presentation or
// standardized-variant selector (U+FE00..FE0F) after a symbol beyond ASCII
// or a letterlike symbol", "after the four punctuation marks" ‼ ⁉ 〰 〽,
// "after a CJK ideograph or a Myanmar letter"; "VS-16 in a keycap (a digit,
// # or *, then U+FE0F and U+20E3"; "an ideographic variation selector
// (U+E0100..E01EF) after a CJK ideograph"; "a Mongolian free variation
// selector after a Mongolian letter". A CJK ideograph is read as a Han
// character.
func selectorVaries(prev, r rune, rest string) bool {
	switch {
	case r >= 0xfe00 && r <= 0xfe0f:
		switch {
		case prev > 0x7f && unicode.IsSymbol(prev),
			prev >= 0x2100 && prev <= 0x214f,
			prev == '‼' || prev == '⁉' || prev == '〰' || prev == '〽',
			unicode.Is(unicode.Han, prev),
			unicode.Is(unicode.Myanmar, prev) && unicode.IsLetter(prev):
			return true
		}
		return r == 0xfe0f && (prev >= '0' && prev <= '9' || prev == '#' || prev == '*') && strings.HasPrefix(rest, "\u20e3")
	case r >= 0xe0100 && r <= 0xe01ef:
		return unicode.Is(unicode.Han, prev)
	case r >= 0x180b && r <= 0x180d || r == 0x180f:
		return unicode.Is(unicode.Mongolian, prev) && unicode.IsLetter(prev)
	}
	return false
}

// whatwgHost reads the host of an http(s) URL v as the WHATWG URL
// Standard's basic URL parser does (https://url.spec.whatwg.org/#host-parsing),
// for the URLs it can decide: ASCII hosts once percent-decoded (lower-cased,
// forbidden domain code points, the IPv4 parser for a host that "ends in a
// number"), bracketed IPv6 addresses, hosts whose decoded bytes are not
// UTF-8 (a failure), and non-ASCII hosts holding one of the three full
// stops UTS #46 maps to "." (U+3002, U+FF0E, U+FF61: the browser's labels
// are not net/url's). Any other non-ASCII host, and an ASCII label starting
// "xn--", needs the IDNA tables: decided is false. v is a URL checkURL
// accepted, so the steps a browser takes before the host (stripping
// controls, tabs and newlines, reading \ as /, skipping extra slashes)
// have nothing to do: v starts with "http://" or "https://" (openapi's
// pattern) and its authority ends at the first /, ? or #.
func whatwgHost(v string) (host string, fails, decided bool) {
	rest := v[strings.Index(v, "//")+2:]
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	if strings.Contains(rest, "@") {
		return "", false, false // user information: (a) refuses it
	}
	// The host ends at the first ":" outside brackets; the port is digits.
	h, port := rest, ""
	inBrackets := false
	for i := 0; i < len(rest); i++ {
		if rest[i] == '[' {
			inBrackets = true
		} else if rest[i] == ']' {
			inBrackets = false
		} else if rest[i] == ':' && !inBrackets {
			h, port = rest[:i], rest[i+1:]
			break
		}
	}
	for _, c := range []byte(port) {
		if c < '0' || c > '9' {
			return "", true, true
		}
	}
	if h == "" {
		return "", true, true
	}
	if h[0] == '[' {
		if h[len(h)-1] != ']' || strings.ContainsAny(h[1:len(h)-1], "%[]") {
			return "", true, true // a zone, or no closing bracket: not an IPv6 address
		}
		if _, err := netip.ParseAddr(h[1 : len(h)-1]); err != nil {
			return "", true, true
		}
		return h[1 : len(h)-1], false, true
	}
	dec, err := url.PathUnescape(h)
	if err != nil {
		return "", false, false
	}
	if !utf8.ValidString(dec) {
		return "", true, true // "UTF-8 decode without BOM or fail"
	}
	for _, r := range dec {
		if r > 0x7f {
			if strings.ContainsAny(dec, "\u3002\uff0e\uff61") {
				return strings.NewReplacer("\u3002", ".", "\uff0e", ".", "\uff61", ".").Replace(dec), false, true
			}
			return "", false, false
		}
	}
	dec = strings.ToLower(dec)
	for _, c := range []byte(dec) {
		if c <= 0x20 || c == 0x7f || strings.IndexByte("#%/:<>?@[\\]^|", c) >= 0 {
			return "", true, true // a forbidden domain code point
		}
	}
	labels := strings.Split(dec, ".")
	for _, l := range labels {
		if strings.HasPrefix(l, "xn--") {
			return "", false, false
		}
	}
	if labels[len(labels)-1] == "" && len(labels) > 1 {
		labels = labels[:len(labels)-1]
	}
	last := labels[len(labels)-1]
	if !endsInNumber(last) {
		return dec, false, true
	}
	if len(labels) > 4 {
		return "", true, true
	}
	var parts []uint64
	for _, l := range labels {
		n, ok := ipv4Number(l)
		if !ok {
			return "", true, true
		}
		parts = append(parts, n)
	}
	var addr uint64
	for i, n := range parts[:len(parts)-1] {
		if n > 255 {
			return "", true, true
		}
		addr += n << (8 * (3 - i))
	}
	n := parts[len(parts)-1]
	if n >= 1<<(8*(5-len(parts))) {
		return "", true, true
	}
	addr += n
	return strconv.FormatUint(addr>>24, 10) + "." + strconv.FormatUint(addr>>16&255, 10) + "." +
		strconv.FormatUint(addr>>8&255, 10) + "." + strconv.FormatUint(addr&255, 10), false, true
}

// endsInNumber: the last label is ASCII digits, or 0x or 0X and hex digits.
func endsInNumber(l string) bool {
	if l == "" {
		return false
	}
	if strings.Trim(l, "0123456789") == "" {
		return true
	}
	return (strings.HasPrefix(l, "0x") || strings.HasPrefix(l, "0X")) && strings.Trim(l[2:], "0123456789abcdefABCDEF") == ""
}

// ipv4Number is the standard's IPv4 number parser: 0x hex, a leading 0
// octal, else decimal; the empty string fails, "0x" alone is 0.
func ipv4Number(l string) (uint64, bool) {
	if l == "" {
		return 0, false
	}
	base := 10
	switch {
	case strings.HasPrefix(l, "0x") || strings.HasPrefix(l, "0X"):
		l, base = l[2:], 16
	case len(l) > 1 && l[0] == '0':
		l, base = l[1:], 8
	}
	if l == "" {
		return 0, true
	}
	n, err := strconv.ParseUint(l, base, 64)
	if err != nil {
		// Too many digits for 64 bits is still a number, too large.
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 1 << 40, true
		}
		return 0, false
	}
	return n, true
}
