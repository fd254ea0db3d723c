package httpapi

import (
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// guidReference is an independent statement of the GUID layouts the
// service reads: .NET's N, D, B, P and X as Guid.ToString writes them, any
// case, after .NET's trim of white space (char.IsWhiteSpace: Unicode
// White_Space).
var guidReference = regexp.MustCompile(`^(?i:` +
	`([0-9a-f]{8})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{12})` +
	`|([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})` +
	`|\{([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\}` +
	`|\(([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\)` +
	`|\{0x([0-9a-f]{8}),0x([0-9a-f]{4}),0x([0-9a-f]{4}),\{0x([0-9a-f]{2}),0x([0-9a-f]{2}),0x([0-9a-f]{2}),0x([0-9a-f]{2}),0x([0-9a-f]{2}),0x([0-9a-f]{2}),0x([0-9a-f]{2}),0x([0-9a-f]{2})\}\}` +
	`)$`)

func referenceGUID(s string) (string, bool) {
	s = strings.TrimFunc(s, unicode.IsSpace)
	m := guidReference.FindStringSubmatch(s)
	if m == nil {
		return "", false
	}
	digits := strings.ToLower(strings.Join(m[1:], ""))
	return digits[:8] + "-" + digits[8:12] + "-" + digits[12:16] + "-" + digits[16:20] + "-" + digits[20:], true
}

// hexOf is a D-layout GUID's 32 digits (the N layout).
func hexOf(id string) string { return strings.ReplaceAll(id, "-", "") }

func TestParseGUID(t *testing.T) {
	const id = "38ecb39d-ea98-443f-94d3-557404881d37"
	tests := []struct {
		in string
		ok bool
	}{
		// The examples of .NET's documentation, one per format.
		{"38ecb39dea98443f94d3557404881d37", true},
		{"38ecb39d-ea98-443f-94d3-557404881d37", true},
		{"{38ecb39d-ea98-443f-94d3-557404881d37}", true},
		{"(38ecb39d-ea98-443f-94d3-557404881d37)", true},
		{"{0x38ecb39d,0xea98,0x443f,{0x94,0xd3,0x55,0x74,0x04,0x88,0x1d,0x37}}", true},
		{"{0X38ECB39D,0XEA98,0X443F,{0X94,0XD3,0X55,0X74,0X04,0X88,0X1D,0X37}}", true},
		{"38ECB39D-EA98-443F-94D3-557404881D37", true},
		{" \t\n\v\f\r\u0085\u00a0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000" + id + "\u3000\u2029", true},
		// What .NET refuses, or what only its compatibility code reads.
		{"", false}, {"{}", false}, {"()", false}, {id[:35], false}, {id + "0", false},
		{"{" + id + ")", false}, {"(" + id + "}", false}, {"{" + id, false}, {"{{" + id + "}}", false},
		{"0x" + id[2:], false}, {"+" + id[1:], false}, {"38ecb39d-0xa8-443f-94d3-557404881d37", false},
		{"{0x38ecb39d,0xea98,0x443f,{0x94,0xd3,0x55,0x74,0x04,0x88,0x1d,0x7}}", false},
		{"{0x38ecb39d, 0xea98,0x443f,{0x94,0xd3,0x55,0x74,0x04,0x88,0x1d,0x37}}", false},
		{"(0x38ecb39d,0xea98,0x443f,{0x94,0xd3,0x55,0x74,0x04,0x88,0x1d,0x37}}", false}, // X's first brace is judged too
		{"{0x38ecb39d,0xea98,0x443f,{0x94,0xd3,0x55,0x74,0x04,0x88,0x1d,0x37}} ", true},
		{id + "\x00", false}, {"\u200b" + id, false}, {"\ufeff" + id, false}, {"\u180e" + id, false},
		{strings.Replace(id, "3", "\uff13", 1), false}, {strings.Replace(id, "-", "\u2010", 1), false},
		{strings.Replace(id, "e", "E\u0301", 1), false}, {id[:8] + "_" + id[9:], false},
		// README's 400: "a path id that is not a UUID (document 001: no
		// form of a GUID)". Every place of a layout is judged: the last
		// digit, and the fourth dash of D (of B and P too).
		{id[:35] + "g", false}, {"{" + id[:35] + "g}", false}, {hexOf(id)[:31] + "g", false},
		{id[:23] + "x" + id[24:], false}, {id[:23] + "0" + id[24:], false}, {"(" + id[:23] + "x" + id[24:] + ")", false},
		// Each of the four dashes on its own: a hex digit in place of the
		// second or third is no GUID either.
		{id[:13] + "0" + id[14:], false}, {id[:18] + "0" + id[19:], false}, {"{" + id[:18] + "0" + id[19:] + "}", false},
	}
	for _, tt := range tests {
		got, ok := parseGUID(tt.in)
		if ok != tt.ok || (ok && got != id) {
			t.Errorf("parseGUID(%q) = %q, %v; want %v", tt.in, got, ok, tt.ok)
		}
		if ref, rok := referenceGUID(tt.in); rok != ok || ref != got {
			t.Errorf("parseGUID(%q) = %q, %v; the reference says %q, %v", tt.in, got, ok, ref, rok)
		}
	}
}

// FuzzParseGUID holds parseGUID to the reference on any input, and checks
// that what it reads is a canonical id that reads as itself.
func FuzzParseGUID(f *testing.F) {
	for _, s := range []string{
		"38ecb39dea98443f94d3557404881d37", "{38ecb39d-ea98-443f-94d3-557404881d37}", "(38ECB39D-EA98-443F-94D3-557404881D37)",
		"{0x38ecb39d,0xea98,0x443f,{0x94,0xd3,0x55,0x74,0x04,0x88,0x1d,0x37}}", "\u3000 38ecb39d-ea98-443f-94d3-557404881d37\n",
		"{0x1,0x2,0x3,{0x4,0x5,0x6,0x7,0x8,0x9,0xa,0xb}}", "+8ecb39d-ea98-443f-94d3-557404881d37", "\xff", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseGUID(s)
		ref, rok := referenceGUID(s)
		if ok != rok || got != ref {
			t.Fatalf("parseGUID(%q) = %q, %v; the reference says %q, %v", s, got, ok, ref, rok)
		}
		if ok {
			if again, ok := parseGUID(got); !ok || again != got || strings.ToLower(got) != got {
				t.Fatalf("parseGUID(%q) = %q, which reads as %q, %v", s, got, again, ok)
			}
		}
	})
}

// springBoolean is an independent statement of how Spring binds an
// optional boolean request parameter: the first value, trimmed as Java's
// String.trim trims (every char up to U+0020), empty as absent, then
// StringToBooleanConverter's words after toLowerCase.
func springBoolean(values []string, present bool) (value, ok bool) {
	if !present || len(values) == 0 {
		return false, true
	}
	v := values[0]
	for len(v) > 0 && v[0] <= ' ' {
		v = v[1:]
	}
	for len(v) > 0 && v[len(v)-1] <= ' ' {
		v = v[:len(v)-1]
	}
	switch strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, v) {
	case "", "false", "off", "no", "0":
		return false, true
	case "true", "on", "yes", "1":
		return true, true
	}
	return false, false
}

// FuzzInitParam holds initParam to the reference for any value, sent once
// or twice.
func FuzzInitParam(f *testing.F) {
	for _, s := range [][2]string{
		{"true", ""}, {"TRUE", ""}, {" yes\t", ""}, {"", "true"}, {"no", "garbage"}, {"ye\u017f", ""}, {"\x00on\x1f", ""},
		{"1", "0"}, {"maybe", ""}, {"\u00a0true", ""}, {"off", ""},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, first, second string) {
		for _, values := range [][]string{{first}, {first, second}} {
			q := ""
			for _, v := range values {
				q += "&init=" + escapeQuery(v)
			}
			r := httptest.NewRequest("GET", "/", nil)
			r.URL.RawQuery = q[1:]
			got, err := initParam(r)
			want, ok := springBoolean(values, true)
			if (err == nil) != ok || (ok && got != want) {
				t.Fatalf("init %q = %v, %v; Spring binds %v, ok %v", values, got, err, want, ok)
			}
		}
	})
}

// escapeQuery percent-encodes every byte, so any value survives the query.
func escapeQuery(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteString("%")
		b.WriteString(strings.ToUpper(string("0123456789abcdef"[s[i]>>4])) + strings.ToUpper(string("0123456789abcdef"[s[i]&15])))
	}
	return b.String()
}
