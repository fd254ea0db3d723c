package httpapi

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"unicode/utf8"
)

// TestJSONStringLen checks the size accounting of a body inside the invoke
// response against the encoder aws-lambda-go uses (encoding/json, HTML
// escaping off), on every byte and on random text: quotes, backslashes,
// control characters, HTML characters, U+2028, invalid UTF-8.
func TestJSONStringLen(t *testing.T) {
	encoded := func(p []byte) int {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(string(p)); err != nil {
			t.Fatal(err)
		}
		return buf.Len() - 3 // the quotes and the newline
	}
	var cases [][]byte
	for b := 0; b < 256; b++ {
		cases = append(cases, []byte{byte(b)}, []byte{'a', byte(b), 'z'})
	}
	cases = append(cases, []byte("\u2028\u2029"), []byte(`[{"session_id":"a\"b\\c","x":"\u003c&>"}]`), []byte("é€𝄞"), []byte{0xe2, 0x80})
	// README: "The list keeps 8 KiB for the rest and counts the body exactly
	// as Lambda will". U+FFFD sent as its three bytes is a valid character,
	// written as it is (3 bytes), not the \ufffd an invalid byte becomes (6):
	// a client may store it in metadata.
	cases = append(cases, []byte("\ufffd"), []byte("a\ufffdz"), []byte("\ufffd\xff"))
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "\"", "\\", "\n", "\x01", "<", "&", "\u2028", "é", "𝄞", "\xff", "\xe2\x80", " "}
	for i := 0; i < 2000; i++ {
		var p []byte
		for j := rng.IntN(40); j > 0; j-- {
			p = append(p, alphabet[rng.IntN(len(alphabet))]...)
		}
		cases = append(cases, p)
	}
	for _, p := range cases {
		if got, want := jsonStringLen(p), encoded(p); got != want {
			t.Errorf("jsonStringLen(%q) = %d; want %d (valid UTF-8: %v)", p, got, want, utf8.Valid(p))
		}
	}
}

// TestAcceptsGzip reads Accept-Encoding as RFC 9110 §12.5.3 says: q-values,
// "*", identity, any case, several field lines. FuzzAcceptsGzip's reference
// is held to the same rows.
func TestAcceptsGzip(t *testing.T) {
	tests := []struct {
		fields []string
		want   bool
	}{
		{nil, false},
		{[]string{""}, false},
		{[]string{"gzip"}, true},
		{[]string{"GZIP"}, true},
		{[]string{"x-gzip"}, true},
		{[]string{"gzip, deflate, br"}, true},
		{[]string{"br;q=1.0, gzip;q=0.8, *;q=0.1"}, true},
		{[]string{"deflate", "gzip"}, true},
		{[]string{"gzip;q=0"}, false},
		{[]string{"gzip;q=0.000"}, false},
		{[]string{"gzip; q=0.001"}, true},
		{[]string{"gzip;Q=0.5"}, true},
		{[]string{"*"}, true},
		{[]string{"*;q=0"}, false},
		{[]string{"*, gzip;q=0"}, false},
		{[]string{"identity"}, false},
		{[]string{"deflate, br"}, false},
		{[]string{"gzip;q=0.5, identity;q=1"}, false},  // identity preferred
		{[]string{"gzip;q=0.5, identity;q=0.5"}, true}, // a tie: the server's choice
		{[]string{"gzip;q=0.5, *;q=0"}, true},
		{[]string{"gzip;q=1.5"}, false}, // malformed: ignored
		{[]string{"gzip;q=0.1234"}, false},
		{[]string{"gzip;q=abc"}, false},
		{[]string{"gzip;q=1.001"}, false},
		// RFC 9110's qvalue, "( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )",
		// at each of its edges: a weight of another first digit, an empty
		// one, a bare ".", a dot with no digits after it (allowed), a
		// fourth decimal, a byte just outside the digits.
		{[]string{"gzip;q=2"}, false},
		{[]string{"gzip;q="}, false},
		{[]string{"gzip;q=.5"}, false},
		{[]string{"gzip;q=1."}, true},
		{[]string{"gzip;q=0."}, false}, // weight 0
		{[]string{"gzip;q=0.999"}, true},
		{[]string{"gzip;q=1.0000"}, false},
		{[]string{"gzip;q=0.5/"}, false},
		{[]string{"gzip;q=0.5:"}, false},
		{[]string{"gzip;q=0/"}, false},
		// "0.e1" is no qvalue, though strconv.ParseFloat reads it as 0: the
		// element counts as absent, so "*" gives gzip its weight.
		{[]string{"gzip;q=0.e1, *"}, true},
		{[]string{"gzip;level=9"}, true}, // other parameters: weight 1
		{[]string{" , gzip ,"}, true},
		{[]string{"\tgzip \t"}, true}, // OWS: SP and HTAB
		{[]string{"gzip \t; \tq=0"}, false},
		// RFC 9110 §12.5.3: "Accept-Encoding  = #( codings [ weight ] )",
		// and §5.6.3: "OWS            = *( SP / HTAB )". Other white space
		// (or a letter whose lower case is ASCII) makes a member that is not
		// the token gzip: not parseable, so absent, and identity is sent.
		{[]string{"\u00a0gzip"}, false},
		{[]string{"gzip\u2003"}, false},
		{[]string{"\x0bgzip"}, false},
		{[]string{"\x0cgzip"}, false},
		{[]string{"\rgzip\n"}, false},
		{[]string{"\u0085gzip"}, false},
		{[]string{"\u3000x-gzip"}, false},
		{[]string{"GZ\u0130P"}, false},                    // İ lowers to i
		{[]string{"gzip;\u00a0q=0"}, false},               // not q=0 skipped, weight 1
		{[]string{"gzip;q=0\u2003"}, false},               // not a qvalue
		{[]string{"\u00a0*"}, false},                      // not "*"
		{[]string{"gzip, \u00a0identity"}, true},          // identity absent: gzip
		{[]string{"gzip;q=0.5, \u0130dentity;q=1"}, true}, // the same
		{[]string{"\u00a0gzip, *"}, true},                 // "*" still speaks
		// RFC 9110 §12.5.3: a representation without a content coding "is
		// acceptable by default unless specifically excluded by the
		// Accept-Encoding header field stating either "identity;q=0" or
		// "*;q=0" without a more specific entry for "identity"": "*" weighs
		// identity too when identity is not named, and a named identity
		// outweighs "*".
		{[]string{"gzip;q=0.5, *;q=0.8"}, false},                // identity 0.8 through "*"
		{[]string{"gzip;q=0.5, *;q=0.5"}, true},                 // a tie
		{[]string{"gzip;q=0.5, *;q=0.8, identity;q=0.1"}, true}, // identity's own weight
		// README: "weight above zero and not below identity's when identity
		// is weighed": identity;q=0 is identity weighed (at zero), not
		// absent, so "*" does not speak for it.
		{[]string{"gzip;q=0.5, identity;q=0, *;q=0.8"}, true},
		{[]string{"*;q=0.8, identity;q=0.000, gzip;q=0.001"}, true},
		// README: "weight above zero and not below identity's when identity
		// is weighed", and an element without a q parameter weighs 1 (RFC
		// 9110 §12.4.2), no more: identity unweighted ties gzip;q=1, and a
		// tie is gzip.
		{[]string{"identity, gzip;q=1"}, true},
		{[]string{"*, x-gzip;q=1.000"}, true},
		{[]string{"identity;level=1, gzip;q=1"}, true}, // other parameters: weight 1, no more
		// A coding named twice weighs its most, whatever the order: the
		// weights are preferences, not a sequence.
		{[]string{"*;q=0.5, *;q=0"}, true},
		{[]string{"*;q=0", "*;q=0.5"}, true},
		{[]string{"gzip;q=0.5, identity;q=1, identity;q=0"}, false},
		{[]string{"gzip;q=0.5, identity;q=0, identity;q=1"}, false},
		// §5.6.6: "Parameter names are case-insensitive.", and the
		// implementation's leniency (OWS around "=", trimmed) reads "q"
		// there as the weight, never as another parameter.
		{[]string{"gzip;Q=0"}, false},
		{[]string{"gzip ; q =0"}, false},
		{[]string{"gzip;q= 0"}, false},
		// VCHAR is RFC 5234's %x21-7E: "!" and "~" are visible, DEL (%x7F)
		// is a control. The bytes are read in an unknown parameter, which
		// the implementation passes over (weight 1), so each decides
		// whether identity is weighed.
		{[]string{"gzip;q=0.5, identity;x=!"}, false},
		{[]string{"gzip;q=0.5, identity;x=~"}, false},
		{[]string{"gzip;q=0.5, identity;x=\x7f"}, true},
		// A malformed q-value makes its element absent, not a weight of 0:
		// "*" still speaks for a coding whose own element is malformed.
		{[]string{"*, gzip;q=2"}, true},
		{[]string{"gzip;q=0.5, *;q=0.8, identity;q=2"}, false},
	}
	for _, tt := range tests {
		if got := acceptsGzip(tt.fields); got != tt.want {
			t.Errorf("acceptsGzip(%q) = %v; want %v", tt.fields, got, tt.want)
		}
		if got := acceptsGzipRef(tt.fields); got != tt.want {
			t.Errorf("acceptsGzipRef(%q) = %v; want %v", tt.fields, got, tt.want)
		}
	}
}
