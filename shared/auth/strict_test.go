package auth_test

import (
	"context"
	"crypto"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/session"
)

// Spellings of a token that decode to the same bytes. RFC 7515 §2:
// "Base64url Encoding ... with all trailing '=' characters omitted ...
// and without the inclusion of any line breaks, whitespace, or other
// additional characters"; RFC 4648 §3.5: "encoders MUST set [pad bits] to
// zero" (and decoders may refuse otherwise).

// padded appends the '=' padding RFC 7515 omits.
func padded(seg string) string {
	for len(seg)%4 != 0 {
		seg += "="
	}
	return seg
}

// loosened sets the unused low bits of the segment's last character, so it
// decodes to the same bytes under a lenient decoder.
func loosened(t *testing.T, seg string) string {
	t.Helper()
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	unused := map[int]int{2: 0x0f, 3: 0x03}[len(seg)%4] // 1 byte left: 4 pad bits; 2 bytes: 2
	if unused == 0 {
		t.Fatalf("segment of length %d has no pad bits", len(seg))
	}
	last := strings.IndexByte(alphabet, seg[len(seg)-1])
	return seg[:len(seg)-1] + string(alphabet[last|unused])
}

// segments splits a token.
func segments(tok string) (h, p, s string) {
	parts := strings.Split(tok, ".")
	return parts[0], parts[1], parts[2]
}

// signWith signs payload (JSON) under header with iss's key.
func signWith(t *testing.T, iss *devtoken.Issuer, header map[string]any, claims string) string {
	t.Helper()
	tok, err := iss.SignJWS(header, []byte(claims))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestStrictTokenForms: "Refuse: an unknown crit JWS header (RFC 7515
// §4.1.11); a signature or segment that is not canonical unpadded
// base64url (== appended is accepted today, so one token has many
// spellings); exp/nbf/iat that are not numbers" (issue 11, item 6). Each
// token below is signed by the JWKS's key and valid in every other way.
func TestStrictTokenForms(t *testing.T) {
	iss := newIssuer(t, jwa.ES256())
	jwks := newJWKSServer(t, iss.JWKS())
	now := time.Now()
	v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience, Now: func() time.Time { return now }})

	good := iss.MustMint(devtoken.Claims{MerchantID: "m-1", Scopes: []string{"sessions:read"}, IssuedAt: now})
	h, p, s := segments(good)
	claims := func(extra string) string {
		return `{"iss":"` + issuer + `","aud":"` + audience + `","sub":"x","merchant_id":"m-1","scope":"sessions:read"` + extra + `}`
	}
	noScope := func(extra string) string {
		return `{"iss":"` + issuer + `","aud":"` + audience + `","sub":"x","merchant_id":"m-1"` + extra + `}`
	}
	exp, iat := now.Add(time.Hour).Unix(), now.Unix()
	num := func(n int64) string { return strings.TrimSpace(string(mustJSON(n))) }
	str := func(n int64) string { return string(mustJSON(num(n))) }
	times := `,"exp":` + num(exp) + `,"iat":` + num(iat)
	alg := map[string]any{"typ": "JWT"}

	tests := []struct {
		name  string
		token string
		ok    bool
	}{
		{"canonical", good, true},
		{"signed by hand, canonical", signWith(t, iss, alg, claims(times)), true},
		{"exp with a fraction", signWith(t, iss, alg, claims(`,"exp":`+num(exp)+`.5,"iat":`+num(iat))), true},

		// Spellings.
		{"signature padded (=)", h + "." + p + "." + padded(s), false},
		{"signature with == appended", h + "." + p + "." + s + "==", false},
		{"signature with = appended", h + "." + p + "." + s + "=", false},
		{"header with == appended", h + "==." + p + "." + s, false},
		{"payload with == appended", h + "." + p + "==." + s, false},
		{"signature's pad bits set", h + "." + p + "." + loosened(t, s), false},
		{"signature in the standard alphabet", h + "." + p + "." + base64.RawStdEncoding.EncodeToString(mustDecode(t, s)) + "+/", false},
		{"signature with a line break", h + "." + p + "." + s[:10] + "\n" + s[10:], false},
		{"signature with a space", h + "." + p + "." + s[:10] + " " + s[10:], false},
		{"header and payload with whitespace", h + " ." + p + "." + s, false},
		// White space around the header's JSON, re-encoded, under the
		// original signature: jwx checks the signature over the header as
		// encoding/json hands it to its decoder, trimmed of the white space
		// around it, so each of these verified as the canonical token: a
		// new spelling of any token, for any holder of it, without its key
		// (docs/design.md §7: "Tokens are parsed strictly: canonical
		// unpadded base64url only"; RFC 7515 §5.2: the signing input is
		// the header segment as received).
		{"header JSON with a leading space", reheader(t, good, " ", ""), false},
		{"header JSON with a trailing space", reheader(t, good, "", " "), false},
		{"header JSON with a leading line feed", reheader(t, good, "\n", ""), false},
		{"header JSON with a trailing carriage return", reheader(t, good, "", "\r"), false},
		{"header JSON with a leading tab", reheader(t, good, "\t", ""), false},
		{"header JSON with white space on both sides", reheader(t, good, " \t", "\r\n "), false},
		{"four segments", good + ".x", false},
		{"JWE-shaped (five segments)", h + "." + p + "." + s + ".a.b", false},

		// crit (RFC 7515 §4.1.11): the service understands no extension.
		{"crit naming an unknown extension", signWith(t, iss, map[string]any{"crit": []string{"urn:example:must-understand"}, "urn:example:must-understand": true}, claims(times)), false},
		{"crit naming exp", signWith(t, iss, map[string]any{"crit": []string{"exp"}, "exp": exp}, claims(times)), false},
		{"crit empty", signWith(t, iss, map[string]any{"crit": []string{}}, claims(times)), false},
		{"crit b64", signWith(t, iss, map[string]any{"crit": []string{"b64"}, "b64": true}, claims(times)), false},

		// Times that are not numbers (RFC 7519 §2: NumericDate is a number).
		{"exp a numeric string", signWith(t, iss, alg, claims(`,"exp":`+str(exp)+`,"iat":`+num(iat))), false},
		{"exp an RFC 3339 string", signWith(t, iss, alg, claims(`,"exp":"`+now.Add(time.Hour).UTC().Format(time.RFC3339)+`","iat":`+num(iat))), false},
		{"exp null", signWith(t, iss, alg, claims(`,"exp":null,"iat":`+num(iat))), false},
		{"exp true", signWith(t, iss, alg, claims(`,"exp":true,"iat":`+num(iat))), false},
		{"exp an array", signWith(t, iss, alg, claims(`,"exp":[`+num(exp)+`],"iat":`+num(iat))), false},
		{"nbf a numeric string", signWith(t, iss, alg, claims(times+`,"nbf":`+str(iat))), false},
		// A number of one digit, one starting with 0 and one starting with
		// 9 are numbers too (RFC 7519 §2: "A JSON numeric value
		// representing the number of seconds from 1970-01-01T00:00:00Z"):
		// with isJSONNumber asking for two bytes, or a first digit above 0
		// or below 9, these were refused (r75-mut-auth).
		{"nbf 0", signWith(t, iss, alg, claims(times+`,"nbf":0`)), true},
		{"nbf 0.5", signWith(t, iss, alg, claims(times+`,"nbf":0.5`)), true},
		{"nbf 946684800 (2000-01-01)", signWith(t, iss, alg, claims(times+`,"nbf":946684800`)), true},
		// README, Security: "so is one whose `exp`, `nbf` or `iat` is
		// negative (`-1`, `-0`, `-0.5`) or 2^63 seconds or more (`1e19`)"
		// (r81-auth: jwx v3.3 read a number with a '-' as an RFC 3339
		// date, which failed; v3.4 reads it as a date before 1970, so
		// checkForm refuses it. jwx reads one past int64's seconds as none).
		{"nbf -1", signWith(t, iss, alg, claims(times+`,"nbf":-1`)), false},
		{"nbf -0", signWith(t, iss, alg, claims(times+`,"nbf":-0`)), false},
		{"iat -0.5", signWith(t, iss, alg, claims(`,"exp":`+num(exp)+`,"iat":-0.5`)), false},
		{"exp 1e19", signWith(t, iss, alg, claims(`,"exp":1e19,"iat":`+num(iat))), false},
		{"exp 1e18", signWith(t, iss, alg, claims(`,"exp":1e18,"iat":`+num(iat))), true},
		// README, Auth: "none of 2^63 seconds or more as a float64 holds it
		// (`9223372036854775807` rounds to 2^63, so is refused too" (r81-readme2).
		{"exp 2^63-1 as written", signWith(t, iss, alg, claims(`,"exp":9223372036854775807,"iat":`+num(iat))), false},
		{"exp 9e18", signWith(t, iss, alg, claims(`,"exp":9000000000000000000,"iat":`+num(iat))), true},
		// README, Auth: "nor one Go's time cannot hold (2^63 − 62,135,596,800
		// seconds or more: Go counts from the year 1, so the last it holds
		// is in the year 292,277,026,596; the JWT library reads it as no
		// date either, so an `exp` of `9.2233720e18` is 401 too)". The two
		// float64s either side of that bound (r95-authz: measured live on
		// make run and make start-api, the last accepted and the first
		// refused), and the README's example; README, Security: "or past
		// the last second Go's time holds (2^63 − 62,135,596,800 seconds or
		// more: `9.2233720e18`)".
		{"exp the last float64 Go's time holds", signWith(t, iss, alg, claims(`,"exp":9223371974719178752,"iat":`+num(iat))), true},
		{"exp the first float64 past what Go's time holds", signWith(t, iss, alg, claims(`,"exp":9223371974719179776,"iat":`+num(iat))), false},
		{"exp 9.2233720e18", signWith(t, iss, alg, claims(`,"exp":9.2233720e18,"iat":`+num(iat))), false},
		{"iat a numeric string", signWith(t, iss, alg, claims(`,"exp":`+num(exp)+`,"iat":`+str(iat))), false},

		// Duplicate names (RFC 7519 §4, RFC 7515 §4: reject or take the last).
		{"duplicate merchant_id", signWith(t, iss, alg, claims(times+`,"merchant_id":"m-2"`)), false},
		{"duplicate exp", signWith(t, iss, alg, claims(times+`,"exp":`+num(exp+60))), false},
		{"duplicate merchant_id, the second name spelled with an escape", signWith(t, iss, alg, claims(times+`,"merchant\u005fid":"m-2"`)), false},
		{"duplicate scope, the second name spelled with an escape", signWith(t, iss, alg, claims(times+`,"\u0073cope":"sessions:write"`)), false},
		{"merchant_id's name spelled with an escape, once", signWith(t, iss, alg, strings.Replace(claims(times), `"merchant_id"`, `"merchant\u005fid"`, 1)), true},
		{"claims not an object", signWith(t, iss, alg, `["x"]`), false},
		{"claims with data after the object", signWith(t, iss, alg, claims(times)+` {}`), false},

		// The JSON profile of a request body holds for the header and the
		// claims too. README, Security: "A token whose header or claims
		// repeat a name (at any depth) … is refused"; issue 11, item 6:
		// "Refuse: ... JSON nested deeper than 32 levels; ... \u0000
		// anywhere; an escaped lone surrogate ("\ud800" silently becomes
		// U+FFFD today)". One token, one meaning: a reader that refuses
		// these, or decodes them otherwise, must not see another token.
		{"a repeated name inside a claim", signWith(t, iss, alg, claims(times+`,"x":{"a":1,"a":2}`)), false},
		{"a repeated name inside a header member", signWith(t, iss, map[string]any{"x": json.RawMessage(`{"a":1,"a":2}`)}, claims(times)), false},
		{"U+0000 in a claim", signWith(t, iss, alg, claims(times+`,"note":"a\u0000b"`)), false},
		{"U+0000 in the subject", signWith(t, iss, alg, strings.Replace(claims(times), `"sub":"x"`, `"sub":"x\u0000"`, 1)), false},
		{"U+0000 in the header", signWith(t, iss, map[string]any{"x": "a\x00b"}, claims(times)), false},
		{"a lone surrogate escape in the subject", signWith(t, iss, alg, strings.Replace(claims(times), `"sub":"x"`, `"sub":"x\ud800"`, 1)), false},
		{"a lone surrogate escape in the scope", signWith(t, iss, alg, strings.Replace(claims(times), `"sessions:read"`, `"sessions:read \udc00"`, 1)), false},
		{"a surrogate pair in a claim", signWith(t, iss, alg, claims(times+`,"note":"\ud83d\ude00"`)), true},
		// README, Security: "break the JSON rules of a body (U+0000, a lone
		// surrogate escape, a noncharacter, ...) is refused".
		{"a noncharacter in the subject", signWith(t, iss, alg, strings.Replace(claims(times), `"sub":"x"`, `"sub":"x\uffff"`, 1)), false},
		{"a noncharacter in the header", signWith(t, iss, map[string]any{"x": "a\ufdd0b"}, claims(times)), false},
		{"claims nested 33 levels", signWith(t, iss, alg, claims(times+`,"x":`+strings.Repeat("[", 32)+strings.Repeat("]", 32))), false},
		{"claims nested 32 levels", signWith(t, iss, alg, claims(times+`,"x":`+strings.Repeat("[", 31)+strings.Repeat("]", 31))), true},
		{"a number beyond float64 in a claim", signWith(t, iss, alg, claims(times+`,"x":1e999999`)), false},

		// Scopes have one reading: "Scopes come from scope (space-separated)
		// or scp" (README, Auth). A scope that is not a string, an scp that
		// is not a string or an array of strings, or scope and scp naming
		// different scopes, is refused; today a malformed scope is skipped
		// and scp read instead.
		{"scope an array, scp a string", signWith(t, iss, alg, noScope(times+`,"scope":["sessions:read"],"scp":"sessions:write"`)), false},
		{"scope a number", signWith(t, iss, alg, noScope(times+`,"scope":1`)), false},
		{"scope null", signWith(t, iss, alg, noScope(times+`,"scope":null,"scp":["sessions:read"]`)), false},
		{"scp holding a number", signWith(t, iss, alg, noScope(times+`,"scp":["sessions:read",1]`)), false},
		{"scp an object", signWith(t, iss, alg, noScope(times+`,"scp":{"sessions:read":true}`)), false},
		{"scope and scp differ", signWith(t, iss, alg, noScope(times+`,"scope":"sessions:read","scp":["sessions:write"]`)), false},
		{"scope and scp agree", signWith(t, iss, alg, noScope(times+`,"scope":"sessions:read sessions:write","scp":["sessions:write","sessions:read"]`)), true},
		{"scp an array", signWith(t, iss, alg, noScope(times+`,"scp":["sessions:read"]`)), true},
		{"scp a string", signWith(t, iss, alg, noScope(times+`,"scp":"sessions:read"`)), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := v.Verify(context.Background(), tt.token)
			if tt.ok {
				if err != nil || p.MerchantID != "m-1" {
					t.Fatalf("Verify() = %+v, %v; want m-1's principal", p, err)
				}
				return
			}
			if session.ErrorCode(err) != session.EUNAUTHORIZED {
				t.Fatalf("Verify() = %+v, %v; want %s", p, err, session.EUNAUTHORIZED)
			}
		})
	}
}

// reheader is tok with its header's JSON wrapped in before and after (white
// space) and encoded again, its payload and signature unchanged.
func reheader(t *testing.T, tok, before, after string) string {
	t.Helper()
	h, p, s := segments(tok)
	return base64.RawURLEncoding.EncodeToString([]byte(before+string(mustDecode(t, h))+after)) + "." + p + "." + s
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func mustDecode(t *testing.T, seg string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestScopesAreSpaceDelimitedScopeTokens: RFC 6749 §3.3, "The value of the
// scope parameter is expressed as a list of space-delimited, case-sensitive
// strings ... scope = scope-token *( SP scope-token ); scope-token = 1*(
// %x21 / %x23-5B / %x5D-7E )", and docs/design.md §7, "scope
// (space-separated)". A scope claim split at any other white space (a tab,
// a line break, NBSP, NEL) held one malformed scope to every other reader
// and sessions:process to the service; such a token, and an scp element
// that is not one scope-token, is refused. Runs of spaces are passed over.
func TestScopesAreSpaceDelimitedScopeTokens(t *testing.T) {
	iss := newIssuer(t, jwa.ES256())
	jwks := newJWKSServer(t, iss.JWKS())
	v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience})
	tests := []struct {
		name   string
		claims map[string]any
		want   []string // nil: refused
	}{
		{"one space", map[string]any{"scope": "sessions:read sessions:write"}, []string{"sessions:read", "sessions:write"}},
		{"runs of spaces", map[string]any{"scope": " sessions:read  sessions:write "}, []string{"sessions:read", "sessions:write"}},
		{"scp array", map[string]any{"scp": []string{"Payment.Read", "user"}}, []string{"Payment.Read", "user"}},
		{"tab", map[string]any{"scope": "x\tsessions:process"}, nil},
		{"line feed", map[string]any{"scope": "x\nsessions:process"}, nil},
		{"carriage return", map[string]any{"scope": "x\rsessions:process"}, nil},
		{"vertical tab", map[string]any{"scope": "x\vsessions:process"}, nil},
		{"form feed", map[string]any{"scope": "x\fsessions:process"}, nil},
		{"NBSP", map[string]any{"scope": "x\u00a0sessions:process"}, nil},
		{"NEL", map[string]any{"scope": "x\u0085sessions:process"}, nil},
		{"ideographic space", map[string]any{"scope": "x\u3000sessions:process"}, nil},
		{"line separator", map[string]any{"scope": "x\u2028sessions:process"}, nil},
		{"quote", map[string]any{"scope": `sessions:read "x"`}, nil},
		{"backslash", map[string]any{"scope": `sessions:read x\y`}, nil},
		{"non-ASCII letter", map[string]any{"scope": "sessions:read séssions:write"}, nil},
		{"DEL", map[string]any{"scope": "x\x7fsessions:process"}, nil},
		// Every byte of a scope-token is one RFC 6749 §3.3 allows, the
		// first as much as the rest.
		{"tab first", map[string]any{"scope": "sessions:read \tsessions:process"}, nil},
		{"quote first", map[string]any{"scope": `sessions:read "sessions:process`}, nil},
		{"backslash first", map[string]any{"scope": `\sessions:process`}, nil},
		{"DEL first", map[string]any{"scope": "\x7fsessions:process"}, nil},
		{"scp element starting with a tab", map[string]any{"scp": []string{"sessions:read", "\tsessions:process"}}, nil},
		// And the last (mutation r97: a loop that stopped a byte short survived).
		{"quote last", map[string]any{"scope": `sessions:read sessions:process"`}, nil},
		{"backslash last", map[string]any{"scope": `sessions:process\`}, nil},
		{"DEL last", map[string]any{"scope": "sessions:process\x7f"}, nil},
		{"scp element ending with a tab", map[string]any{"scp": []string{"sessions:read", "sessions:process\t"}}, nil},
		{"the scope-token range's edges", map[string]any{"scope": "! ~ #[]"}, []string{"!", "~", "#[]"}},
		{"scp string with a tab", map[string]any{"scp": "x\tsessions:process"}, nil},
		{"scp element with a space", map[string]any{"scp": []string{"x sessions:process"}}, nil},
		{"scp element with a tab", map[string]any{"scp": []string{"x\tsessions:process"}}, nil},
		{"scp empty element", map[string]any{"scp": []string{"", "sessions:read"}}, nil},
		{"scope and scp agreeing after a tab split", map[string]any{"scope": "x\tsessions:process", "scp": []string{"x", "sessions:process"}}, nil},
		// README, Auth: "`scope` a string, `scp` a string or an array of
		// strings, and both, when present, naming the same scopes": a scope
		// named twice in one of them is still the same scopes.
		{"scope and scp naming the same scopes, scp repeating one", map[string]any{"scope": "sessions:read sessions:write",
			"scp": []string{"sessions:write", "sessions:read", "sessions:write"}}, []string{"sessions:read", "sessions:write"}},
		{"scope and scp naming the same scopes, scope repeating one", map[string]any{"scope": "sessions:read sessions:read",
			"scp": "sessions:read"}, []string{"sessions:read", "sessions:read"}},
		// docs/design.md §7: "when both are present they must name the
		// same scopes", a set: the order either names them in is not part
		// of it.
		{"scope and scp naming the same scopes, scope in another order", map[string]any{"scope": "sessions:write sessions:read",
			"scp": []string{"sessions:read", "sessions:write"}}, []string{"sessions:write", "sessions:read"}},
		{"scope and scp naming the same scopes, scp in another order", map[string]any{"scope": "sessions:read sessions:write",
			"scp": "sessions:write sessions:read"}, []string{"sessions:read", "sessions:write"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := v.Verify(context.Background(), iss.MustMint(devtoken.Claims{MerchantID: "m-1", Extra: tt.claims}))
			if tt.want == nil {
				if session.ErrorCode(err) != session.EUNAUTHORIZED {
					t.Fatalf("Verify() = %+v, %v; want %s", p, err, session.EUNAUTHORIZED)
				}
				return
			}
			if err != nil {
				t.Fatalf("Verify() = %v; want scopes %q", err, tt.want)
			}
			if strings.Join(p.Scopes, "|") != strings.Join(tt.want, "|") {
				t.Errorf("scopes = %q; want %q", p.Scopes, tt.want)
			}
		})
	}
}

// TestSignatureTwins: README, Auth: "A token has one meaning, and one
// spelling of the bytes it holds". README, Auth: "an ES256 signature
// `(r, s)` has a twin, `(r, n−s)`, that verifies as ECDSA's always does,
// so whoever holds an ES256 token can make a second token that means the
// same (same claims, same key; the verified-token cache keeps the two as
// two entries)". README, Auth: "RS256 and EdDSA signatures have one
// spelling (an EdDSA `S` past the group order is refused)". RS256's
// PKCS #1 v1.5 signature is one integer below the modulus, written at the
// modulus's length: no other bytes verify. Nor do other writings of the
// same integers: ES256's (r, s) is 64 bytes, r then s (RFC 7518 §3.4:
// "the JWS Signature value MUST be a 64-octet sequence"), never ASN.1 DER
// as some JOSE libraries also take; EdDSA's is 64 bytes (RFC 8032); an
// integer past its group order or modulus, or a byte more, is refused
// (r112-authz: those rows passed before they were written, on jwx v3.4;
// they hold the next jwx to it).
func TestSignatureTwins(t *testing.T) {
	p256 := elliptic.P256().Params().N
	// ed25519L is the order of Ed25519's base point (RFC 8032 §5.1).
	ed25519L, _ := new(big.Int).SetString("7237005577332262213973186563042994240857116359379907606001950938285454250989", 10)
	for _, c := range []struct {
		name     string
		alg      jwa.SignatureAlgorithm
		twin     func(sig []byte, pub crypto.PublicKey) []byte
		verifies bool
	}{
		{"ES256 (r, n-s)", jwa.ES256(), func(sig []byte, _ crypto.PublicKey) []byte {
			s := new(big.Int).Sub(p256, new(big.Int).SetBytes(sig[32:]))
			return append(slices.Clone(sig[:32]), s.FillBytes(make([]byte, 32))...)
		}, true},
		{"ES256 (n-r, s)", jwa.ES256(), func(sig []byte, _ crypto.PublicKey) []byte {
			r := new(big.Int).Sub(p256, new(big.Int).SetBytes(sig[:32]))
			return append(r.FillBytes(make([]byte, 32)), sig[32:]...)
		}, false},
		{"EdDSA (R, S+L)", jwa.EdDSA(), func(sig []byte, _ crypto.PublicKey) []byte {
			le := slices.Clone(sig[32:])
			slices.Reverse(le) // S is little-endian
			s := new(big.Int).Add(new(big.Int).SetBytes(le), ed25519L).FillBytes(make([]byte, 32))
			slices.Reverse(s)
			return append(slices.Clone(sig[:32]), s...)
		}, false},
		{"ES256 (r, s+n)", jwa.ES256(), func(sig []byte, _ crypto.PublicKey) []byte {
			return append(slices.Clone(sig[:32]), new(big.Int).Add(new(big.Int).SetBytes(sig[32:]), p256).Bytes()...)
		}, false},
		{"ES256 in ASN.1 DER", jwa.ES256(), func(sig []byte, _ crypto.PublicKey) []byte {
			der, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])})
			if err != nil {
				panic(err)
			}
			return der
		}, false},
		{"ES256 with a zero byte before", jwa.ES256(), func(sig []byte, _ crypto.PublicKey) []byte { return append([]byte{0}, sig...) }, false},
		{"EdDSA with a zero byte after", jwa.EdDSA(), func(sig []byte, _ crypto.PublicKey) []byte { return append(slices.Clone(sig), 0) }, false},
		{"RS256 with a zero byte before", jwa.RS256(), func(sig []byte, _ crypto.PublicKey) []byte { return append([]byte{0}, sig...) }, false},
		{"RS256 s+N", jwa.RS256(), func(sig []byte, pub crypto.PublicKey) []byte {
			return new(big.Int).Add(new(big.Int).SetBytes(sig), pub.(*rsa.PublicKey).N).Bytes()
		}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			iss := newIssuer(t, c.alg)
			jwks := newJWKSServer(t, iss.JWKS())
			v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience})
			tok := iss.MustMint(devtoken.Claims{Subject: "holder", MerchantID: "m-1", Scopes: []string{"sessions:read"}})
			h, p, s := segments(tok)
			sig, err := base64.RawURLEncoding.DecodeString(s)
			if err != nil {
				t.Fatal(err)
			}
			twin := h + "." + p + "." + base64.RawURLEncoding.EncodeToString(c.twin(sig, iss.PublicKey()))
			if twin == tok {
				t.Fatal("the twin is the token itself")
			}
			ctx := context.Background()
			first, err := v.Verify(ctx, tok)
			if err != nil {
				t.Fatalf("Verify(token) = %v; want it verified", err)
			}
			second, err := v.Verify(ctx, twin)
			if got := err == nil; got != c.verifies {
				t.Fatalf("Verify(twin) verified: got %v (%v); want %v", got, err, c.verifies)
			}
			if !c.verifies {
				if got := session.ErrorCode(err); got != session.EUNAUTHORIZED {
					t.Errorf("Verify(twin) code = %q; want %q", got, session.EUNAUTHORIZED)
				}
				return
			}
			if !reflect.DeepEqual(second, first) {
				t.Errorf("twin's principal: got %+v; want the token's, %+v", second, first)
			}
			if got := auth.TokenCacheLen(v); got != 2 {
				t.Errorf("cached tokens after the token and its twin: got %d; want 2", got)
			}
		})
	}
}
