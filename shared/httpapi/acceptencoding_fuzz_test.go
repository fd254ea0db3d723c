package httpapi

import (
	"regexp"
	"strings"
	"testing"
)

// qvalueRef is RFC 9110 §12.4.2's qvalue: ( "0" [ "." 0*3DIGIT ] ) /
// ( "1" [ "." 0*3("0") ] ).
var qvalueRef = regexp.MustCompile(`^(?:0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)$`)

// memberBytesRef is RFC 9110's VCHAR (%x21-7E), SP and HTAB: the only bytes
// an Accept-Encoding member can hold.
var memberBytesRef = regexp.MustCompile("^[\t\x20-\x7e]*$")

// thousandths is a valid qvalue in thousandths: no floating point.
func thousandths(q string) int {
	if q[0] == '1' {
		return 1000
	}
	frac := (strings.TrimPrefix(q[1:], ".") + "000")[:3]
	n := 0
	for _, c := range frac {
		n = n*10 + int(c-'0')
	}
	return n
}

// acceptsGzipRef is an independent reading of acceptsGzip's rule over
// RFC 9110 §12.5.3's Accept-Encoding: the field lines are one list; an
// element is a coding (any case) and parameters after ";"; its weight is its
// first "q" parameter (any case), 1 without one, and an element whose q is
// not a qvalue counts as absent. gzip's weight is the most of gzip's and
// x-gzip's, else "*"'s; identity's is its own, else "*"'s; gzip is sent when
// its weight is above zero and not below identity's. RFC 9110's grammar,
// "Accept-Encoding  = #( codings [ weight ] )", builds a member of tokens,
// ";", "=", digits and OWS ("OWS            = *( SP / HTAB )"): an element
// holding any other byte (other white space, a control, non-ASCII) is not a
// member and counts as absent. OWS (and only OWS) around a coding, a
// parameter's name and its value is trimmed (the implementation's leniency
// around "=", kept: it reads more spellings as their token, never another
// token).
func acceptsGzipRef(fields []string) bool {
	const absent = -1
	gz, star, id := absent, absent, absent
	for _, elem := range strings.Split(strings.Join(fields, ","), ",") {
		if !memberBytesRef.MatchString(elem) {
			continue
		}
		parts := strings.Split(elem, ";")
		coding := strings.ToLower(strings.Trim(parts[0], " \t"))
		if coding == "" {
			continue
		}
		w, ok := 1000, true
		for _, p := range parts[1:] {
			eq := strings.IndexByte(p, '=')
			if eq < 0 || !strings.EqualFold(strings.Trim(p[:eq], " \t"), "q") {
				continue
			}
			v := strings.Trim(p[eq+1:], " \t")
			if ok = qvalueRef.MatchString(v); ok {
				w = thousandths(v)
			}
			break
		}
		if !ok {
			continue
		}
		switch coding {
		case "gzip", "x-gzip":
			gz = max(gz, w)
		case "*":
			star = max(star, w)
		case "identity":
			id = max(id, w)
		}
	}
	if gz == absent {
		gz = star
	}
	if id == absent {
		id = star
	}
	return gz > 0 && gz >= id
}

// FuzzAcceptsGzip holds acceptsGzip to acceptsGzipRef on any one or two
// Accept-Encoding field lines.
func FuzzAcceptsGzip(f *testing.F) {
	for _, s := range [][2]string{
		{"gzip", ""}, {"GZIP;Q=0.5, identity;q=0.5", ""}, {"gzip;q=0, x-gzip", ""}, {"*;q=0.001", "identity;q=0"},
		{"gzip;q=1.000", "br"}, {"gzip;q=1.001", ""}, {"gzip;q=0.", "*"}, {"gzip;level=9;q=0", ""}, {"gzip ; q = 0.5", ""},
		{"gzip;q=0.1234", "gzip;q=0.5"}, {" , ;q=1, gzip\t", ""}, {"identity;q=0.999, gzip;q=0.999", ""}, {"gzip;q=+1", ""},
		{"gzip;q=1e0", ""}, {"gzip;q=0x1", ""}, {"gzip;q=.5", ""}, {"x-gzip;q=0.002, gzip;q=0.001, identity;q=0.002", ""},
		{"\u00a0gzip", ""}, {"gzip\u2003", "identity;q=0"}, {"\x0bgzip", ""}, {"\x0cgzip", "*"}, {"GZ\u0130P", ""},
		{"gzip;\u00a0q=0", ""}, {"gzip;q=0.5, \u0130dentity", ""},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, fields := range [][]string{{a}, {a, b}} {
			if got, want := acceptsGzip(fields), acceptsGzipRef(fields); got != want {
				t.Fatalf("acceptsGzip(%q) = %v; want %v (the reference)", fields, got, want)
			}
		}
	})
}
