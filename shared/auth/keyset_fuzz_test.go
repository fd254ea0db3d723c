package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/cryptotest"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jwk/jwkbb"
	"github.com/lestrrat-go/jwx/v3/jws"
)

const (
	fuzzIssuer   = "https://idp.example.test/"
	fuzzAudience = "paysessions"
	fuzzJWKSURL  = "https://idp.example.test/jwks.json"
)

// fuzzSigner is one of the fuzz target's own keys: the tokens it signs
// verify under its public key, and under no other.
type fuzzSigner struct {
	alg  jwa.SignatureAlgorithm
	priv crypto.Signer
}

// fuzzSigners are the fuzz target's own keys, the same in every process:
// the fuzzer's coordinator builds the seeds, and its workers sign the
// tokens, each in a process of its own (Go's rand is ignored by key
// generation since 1.26, so keys generated per process would differ, and a
// worker would never see a seed's key as its own: the check's "verifies"
// side would never run while fuzzing). Each key is derived from a fixed
// label: an Ed25519 seed, a P-256 scalar, and the first primes above two
// fixed 1,024-bit numbers (math/big's primality test is deterministic).
func fuzzSigners(tb testing.TB) []fuzzSigner {
	tb.Helper()
	fuzzKeysOnce.Do(func() { fuzzKeys, fuzzKeysErr = deriveFuzzSigners() })
	if fuzzKeysErr != nil {
		tb.Fatal(fuzzKeysErr)
	}
	return fuzzKeys
}

var (
	fuzzKeysOnce sync.Once
	fuzzKeys     []fuzzSigner
	fuzzKeysErr  error
)

func deriveFuzzSigners() ([]fuzzSigner, error) {
	label := func(s string) []byte { b := sha256.Sum256([]byte("FuzzKeySet " + s)); return b[:] }
	prime := func(s string) *big.Int {
		var b []byte
		for i := 0; len(b) < 128; i++ {
			b = append(b, label(s+strconv.Itoa(i))...)
		}
		b[0] |= 0xc0 // two top bits: p*q has 2,048 bits
		p := new(big.Int).SetBytes(b)
		p.SetBit(p, 0, 1)
		for !p.ProbablyPrime(20) {
			p.Add(p, big.NewInt(2))
		}
		return p
	}
	p, q := prime("rsa p"), prime("rsa q")
	one := big.NewInt(1)
	phi := new(big.Int).Mul(new(big.Int).Sub(p, one), new(big.Int).Sub(q, one))
	d := new(big.Int).ModInverse(big.NewInt(65537), phi)
	if d == nil {
		return nil, errors.New("65537 is not invertible mod phi: choose other labels")
	}
	r := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: new(big.Int).Mul(p, q), E: 65537}, D: d, Primes: []*big.Int{p, q}}
	r.Precompute()
	if err := r.Validate(); err != nil {
		return nil, err
	}
	e, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), label("p-256"))
	if err != nil {
		return nil, err
	}
	d25519 := ed25519.NewKeyFromSeed(label("ed25519"))
	return []fuzzSigner{{jwa.RS256(), r}, {jwa.ES256(), e}, {jwa.EdDSA(), d25519}}, nil
}

// fuzzJWK is pub as a JWK (a JSON object) with kid and the extra members.
func fuzzJWK(tb testing.TB, pub crypto.PublicKey, kid string, extra map[string]any) map[string]any {
	tb.Helper()
	k, err := jwk.Import(pub)
	if err != nil {
		tb.Fatal(err)
	}
	b, err := json.Marshal(k)
	if err != nil {
		tb.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		tb.Fatal(err)
	}
	m["kid"] = kid
	for name, v := range extra {
		if v == nil {
			delete(m, name)
		} else {
			m[name] = v
		}
	}
	return m
}

// fuzzCert is a base64 (x5c) certificate of pub, signed by a CA key of its
// own.
func fuzzCert(tb testing.TB, pub crypto.PublicKey) string {
	tb.Helper()
	ca, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "jwks"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, ca)
	if err != nil {
		tb.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

func fuzzDoc(tb testing.TB, keys ...map[string]any) []byte {
	tb.Helper()
	b, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// fuzzToken is a token of valid claims signed by s, naming kid.
func fuzzToken(tb testing.TB, s fuzzSigner, kid string, exp time.Time) string {
	tb.Helper()
	h := jws.NewHeaders()
	if err := h.Set(jws.KeyIDKey, kid); err != nil {
		tb.Fatal(err)
	}
	payload := `{"iss":"` + fuzzIssuer + `","aud":"` + fuzzAudience + `","sub":"x","merchant_id":"m-1","exp":` + strconv.FormatInt(exp.Unix(), 10) + `}`
	tok, err := jws.Sign([]byte(payload), jws.WithKey(s.alg, s.priv, jws.WithProtectedHeaders(h)))
	if err != nil {
		tb.Fatal(err)
	}
	return string(tok)
}

// FuzzKeySet: any bytes as a fetched JWKS document, through the verifier's
// own parse (parseJWKS) and key selection (usable, usableKey). Never a
// panic; every key kept is one the crypto will verify with (an RSA key of
// 2048 bits or more whose modulus and exponent crypto/rsa accepts, a P-256
// point on the curve, an Ed25519 key not of small order, under which the
// signature anyone can make for a small-order key does not verify); one
// with x5c is the key its first certificate holds (RFC 7517 §4.7, read
// here with crypto/x509, not jwx); and a token signed by one of the
// target's own keys, naming a kept key's kid, verifies exactly when the
// kept key is that key and its alg (if it names one) the token's. Seeds:
// the target's own keys (so the last check's both sides run), x5c of
// another key, of garbage, of a huge certificate, kids long and odd,
// curves and exponents the service refuses, private and encryption keys.
func FuzzKeySet(f *testing.F) {
	signers := fuzzSigners(f)
	pubs := make([]crypto.PublicKey, len(signers))
	for i, s := range signers {
		pubs[i] = s.priv.Public()
	}
	rsaPub := pubs[0].(*rsa.PublicKey)
	other, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	own := fuzzCert(f, pubs[1])
	// A first certificate far larger than any real one, which claims
	// more bytes still (a DER length past the end); kept small enough
	// for the fuzzer to mutate quickly.
	huge := base64.StdEncoding.EncodeToString(append([]byte{0x30, 0x83, 0x0f, 0x42, 0x40}, make([]byte, 16<<10)...))
	b64u := base64.RawURLEncoding.EncodeToString
	evenN := new(big.Int).Add(rsaPub.N, big.NewInt(1))
	esEntry, err := json.Marshal(fuzzJWK(f, pubs[1], "es", nil))
	if err != nil {
		f.Fatal(err)
	}
	rsEntry, err := json.Marshal(fuzzJWK(f, pubs[0], "rs", nil))
	if err != nil {
		f.Fatal(err)
	}
	rsPrime := b64u(signers[0].priv.(*rsa.PrivateKey).Primes[0].Bytes())
	seeds := [][]byte{
		fuzzDoc(f, fuzzJWK(f, pubs[0], "rs", nil), fuzzJWK(f, pubs[1], "es", nil), fuzzJWK(f, pubs[2], "ed", nil)),
		fuzzDoc(f, fuzzJWK(f, pubs[0], "rs", map[string]any{"alg": "RS256", "use": "sig"}), fuzzJWK(f, pubs[1], "es", map[string]any{"alg": "ES256", "key_ops": []string{"verify"}})),
		fuzzDoc(f, fuzzJWK(f, pubs[1], "es", map[string]any{"x5c": []string{own}})),
		fuzzDoc(f, fuzzJWK(f, pubs[1], "es", map[string]any{"x5c": []string{fuzzCert(f, pubs[2]), own}})),
		fuzzDoc(f, fuzzJWK(f, pubs[2], "ed", map[string]any{"x5c": []string{fuzzCert(f, pubs[2])}})),
		fuzzDoc(f, fuzzJWK(f, pubs[0], "rs", map[string]any{"x5c": []string{fuzzCert(f, pubs[0])}})),
		fuzzDoc(f, fuzzJWK(f, pubs[1], "es", map[string]any{"x5c": []string{"AAAA"}})),
		fuzzDoc(f, fuzzJWK(f, pubs[1], "es", map[string]any{"x5c": []string{huge}})),
		fuzzDoc(f, fuzzJWK(f, pubs[1], "es", map[string]any{"x5c": []string{}})),
		fuzzDoc(f, fuzzJWK(f, pubs[1], strings.Repeat("k", 4096), nil), fuzzJWK(f, pubs[1], "", nil)),
		fuzzDoc(f, fuzzJWK(f, pubs[1], "es", nil), fuzzJWK(f, pubs[2], "es", nil)),
		// A later usable entry of a kept kid, with an x5c of its own key:
		// skipped by usable, so not the key its kid's tokens verify with.
		fuzzDoc(f, fuzzJWK(f, pubs[1], "es", nil), fuzzJWK(f, pubs[2], "es", map[string]any{"x5c": []string{fuzzCert(f, pubs[2])}})),
		fuzzDoc(f, fuzzJWK(f, pubs[1], "4111 1111 1111 1111\u0000\ufffd", nil)),
		fuzzDoc(f, fuzzJWK(f, &other.PublicKey, "p384", nil), fuzzJWK(f, pubs[1], "es", map[string]any{"crv": "P-384"})),
		fuzzDoc(f, fuzzJWK(f, pubs[1], "es", map[string]any{"crv": "secp256k1"}), fuzzJWK(f, pubs[1], "es2", map[string]any{"y": b64u(make([]byte, 32))})),
		fuzzDoc(f, fuzzJWK(f, pubs[2], "x", map[string]any{"crv": "X25519"}), fuzzJWK(f, pubs[2], "ed0", map[string]any{"x": "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})),
		fuzzDoc(f, fuzzJWK(f, pubs[0], "rs-e", map[string]any{"e": b64u(big.NewInt(1<<32 + 1).Bytes())}), fuzzJWK(f, pubs[0], "rs-n", map[string]any{"n": b64u(evenN.Bytes())})),
		fuzzDoc(f, fuzzJWK(f, pubs[0], "rs", map[string]any{"alg": "ES256"}), fuzzJWK(f, pubs[1], "es", map[string]any{"alg": "HS256"}), fuzzJWK(f, pubs[2], "ed", map[string]any{"use": "enc"})),
		fuzzDoc(f, fuzzJWK(f, pubs[1], "es", map[string]any{"d": b64u(make([]byte, 32))}), map[string]any{"kty": "oct", "kid": "h", "k": "c2VjcmV0"}),
		fuzzDoc(f, fuzzJWK(f, pubs[0], "rs-pq", map[string]any{"p": b64u(signers[0].priv.(*rsa.PrivateKey).Primes[0].Bytes()), "q": b64u(signers[0].priv.(*rsa.PrivateKey).Primes[1].Bytes())})),
		// Private members holding nothing: a public key (jwx reads a
		// private key into any entry with "d"); one holding something in
		// either of two occurrences: a private key.
		fuzzDoc(f, fuzzJWK(f, pubs[0], "rs", map[string]any{"d": json.RawMessage("null"), "oth": []any{}}), fuzzJWK(f, pubs[1], "es", map[string]any{"d": ""}), fuzzJWK(f, pubs[2], "ed", map[string]any{"d": json.RawMessage("null")})),
		[]byte(`{"keys":[` + strings.TrimSuffix(string(esEntry), "}") + `,"d":"AQAB","d":null}]}`),
		// A factor of the modulus in the first of two "p"s (jwx keeps the
		// last), and two "keys" arrays (jwx reads both).
		[]byte(`{"keys":[` + strings.TrimSuffix(string(rsEntry), "}") + `,"p":"` + rsPrime + `","p":null}]}`),
		[]byte(`{"keys":[` + string(esEntry) + `],"keys":[` + string(rsEntry) + `]}`),
		// Nested past fastjson's 300 levels: jwk.Parse reads the whole
		// document as one key, its "keys" a member of that key.
		[]byte(strings.TrimSuffix(string(rsEntry), "}") + `,"p":"` + rsPrime + `","p":null,"pad":` + strings.Repeat("[", 301) + strings.Repeat("]", 301) + `,"keys":[` + string(esEntry) + `]}`),
		[]byte(strings.TrimSuffix(string(rsEntry), "}") + `,"pad":` + strings.Repeat("[", 301) + strings.Repeat("]", 301) + `,"keys":[` + string(esEntry) + `]}`),
		[]byte(`{"keys":[{"kty":"RSA","kid":"r","n":"AQAB","e":"AQAB"},{"kty":"EC","kid":"e","crv":"P-256","x":"","y":""},{}]}`),
		[]byte(`{"keys":{}}`), []byte(`[]`), []byte(`{"kty":"EC"}`), []byte(``),
	}
	for _, s := range seeds {
		f.Add(s)
	}
	exp := time.Now().Add(24 * time.Hour)
	// The tokens of an input are signed for it, with no cache: an input's
	// work (and so the coverage the fuzzer measures) must not depend on
	// the inputs before it. With a cache of signed tokens, an input found
	// interesting because it signed (a kid not seen before) did not sign
	// when the minimiser ran it again, so its minimisation could never
	// succeed and always spent its whole bound. ECDSA's signatures are
	// random: a fixed random stream for each input
	// (cryptotest.SetGlobalRandom) makes them the same too.
	token := func(t *testing.T, s fuzzSigner, kid string) string {
		return fuzzToken(t, s, kid, exp)
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		cryptotest.SetGlobalRandom(t, 1)
		set, refused, err := parseJWKS(doc)
		if err != nil {
			return
		}
		entries := docEntries(doc)
		// A verifier of its own each time: its token cache must not
		// carry a verdict from another document's key of the same kid.
		v := NewJWTVerifier(JWTConfig{JWKSURL: fuzzJWKSURL, Issuer: fuzzIssuer, Audience: fuzzAudience, CacheEntries: -1})
		keys := v.usable(set, refused)
		v.set.Store(&keySet{keys: keys, fetched: v.wallNow()})
		checked := 0
		first := map[string]bool{} // kids whose kept entry was checked
		for i := 0; i < set.Len(); i++ {
			k, _ := set.Key(i)
			kid, _ := k.KeyID()
			kept, ok := keys[kid]
			if !ok {
				continue
			}
			// usable keeps a kid's first usable entry: another entry of
			// the kid, unusable or usable after it, is not the key kept.
			var vk verifyKey
			why := refused[i]
			if why == "" {
				vk, why = usableKey(k)
			}
			if why != "" || vk.raw == nil || first[kid] {
				continue
			}
			first[kid] = true
			if kid == "" {
				t.Fatalf("a key without a kid kept")
			}
			if why := cryptoRefuses(kept.raw); why != "" {
				t.Fatalf("kid %q kept, but %s", kid, why)
			}
			// The entry as the document wrote it: jwx keeps one occurrence
			// of a repeated name, the last.
			if len(entries) != set.Len() {
				t.Fatalf("kid %q kept, but the document's %d entries do not match the %d keys read", kid, len(entries), set.Len())
			}
			if m := secretMember(t, entries[i]); m != "" {
				t.Fatalf("kid %q kept, but its entry publishes %q, a secret", kid, m)
			}
			if m := repeatedMember(entries[i]); m != "" {
				t.Fatalf("kid %q kept, but its entry gives %q more than once (RFC 7517 §4)", kid, m)
			}
			// The entry judged is the one the key was read from.
			var entryKid string
			if kids := objectMembers(entries[i])["kid"]; len(kids) == 1 {
				_ = json.Unmarshal(kids[0], &entryKid)
			}
			if entryKid != kid {
				t.Fatalf("kid %q kept, but the entry judged for it names kid %q", kid, entryKid)
			}
			if chain, ok := k.X509CertChain(); ok && chain.Len() > 0 {
				first, _ := chain.Get(0)
				der, err := base64.StdEncoding.DecodeString(string(first))
				if err != nil {
					t.Fatalf("kid %q kept, but its first x5c certificate is not base64: %v", kid, err)
				}
				c, err := x509.ParseCertificate(der)
				if err != nil {
					t.Fatalf("kid %q kept, but its first x5c certificate does not parse: %v", kid, err)
				}
				if eq, ok := kept.raw.(interface{ Equal(crypto.PublicKey) bool }); !ok || !eq.Equal(c.PublicKey) {
					t.Fatalf("kid %q kept with a key (%T) its first x5c certificate does not hold (%T)", kid, kept.raw, c.PublicKey)
				}
			}
			// Signing costs (RSA most): the first few kept keys only.
			if checked++; checked > 3 {
				continue
			}
			for _, s := range signers {
				pub := s.priv.Public().(interface{ Equal(crypto.PublicKey) bool })
				want := pub.Equal(kept.raw) && (kept.alg.String() == "" || kept.alg.String() == s.alg.String())
				_, err := v.Verify(context.Background(), token(t, s, kid))
				// A token whose kid breaks the header's text rules (a
				// control character, a card number) is refused whatever
				// the key: only a kid of plain characters must verify.
				if err != nil && want && !plainKid(kid) {
					continue
				}
				if (err == nil) != want {
					t.Fatalf("kid %q (%T, alg %q): Verify(a token %s signed by the target's key) = %v; want verified: %v", kid, kept.raw, kept.alg.String(), s.alg.String(), err, want)
				}
			}
		}
	})
}

// docEntries is the entries of a JWKS document as written: the elements
// of each of its top-level "keys" arrays in turn (jwx reads every one), or
// the document itself when jwk.Parse reads it as a lone JWK (its quick
// reader, jwkbb.HeaderHas, finds no "keys": fastjson finds none in a
// document nested deeper than 300 levels, where encoding/json does).
func docEntries(doc []byte) []json.RawMessage {
	if !jwkbb.HeaderHas(jwkbb.HeaderParse(doc), "keys") {
		return []json.RawMessage{doc}
	}
	top := objectMembers(doc)
	var out []json.RawMessage
	for _, raw := range top["keys"] {
		var list []json.RawMessage
		_ = json.Unmarshal(raw, &list)
		out = append(out, list...)
	}
	return out
}

// objectMembers reads b, a JSON object, as each name's values in order,
// every occurrence; nil if b is not one.
func objectMembers(b []byte) map[string][]json.RawMessage {
	m := map[string][]json.RawMessage{}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	for dec.More() {
		name, err := dec.Token()
		var raw json.RawMessage
		if err != nil || dec.Decode(&raw) != nil {
			return nil
		}
		m[name.(string)] = append(m[name.(string)], raw)
	}
	return m
}

// repeatedMember is a member name an entry gives more than once, or "".
func repeatedMember(entry json.RawMessage) string {
	for name, vs := range objectMembers(entry) {
		if len(vs) > 1 {
			return name
		}
	}
	return ""
}

// secretMember is a member of an entry, as the document wrote it, that
// holds a private or secret key's part (RFC 7518 §6.2.2, §6.3.2, §6.4.1;
// RFC 8037 §2), or "". A member null, "" or [] holds none
// (TestEmptyPrivateMembersPublishNothing,
// TestPrivateMembersHoldingNothingAreAbsent); a name given twice is read
// in each occurrence (jwx reads the last).
func secretMember(t *testing.T, entry json.RawMessage) string {
	m := objectMembers(entry)
	if m == nil {
		t.Fatalf("a kept entry is not one JSON object: %s", entry)
	}
	kty := ""
	for _, raw := range m["kty"] {
		var s string
		if json.Unmarshal(raw, &s) == nil && (s == "RSA" || s == "oct") {
			kty = s
		}
	}
	secrets := map[string][]string{"RSA": {"d", "p", "q", "dp", "dq", "qi", "oth"}, "oct": {"k"}}[kty]
	for _, name := range append([]string{"d"}, secrets...) {
		for _, raw := range m[name] {
			var v any
			if json.Unmarshal(raw, &v) == nil && v != nil && v != "" {
				if a, isArray := v.([]any); !isArray || len(a) > 0 {
					return name
				}
			}
		}
	}
	return ""
}

// plainKid: a kid no header rule refuses (letters, digits, "-", "_", ".").
func plainKid(kid string) bool {
	if kid == "" || len(kid) > 256 {
		return false
	}
	for _, r := range kid {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// cryptoRefuses says why Go's crypto cannot verify with raw, a kept key,
// or "" when it can: a wrong signature must be refused as wrong, not
// because the key is unusable. An Ed25519 key must not accept the
// signature (R the identity, S zero) that verifies under a key of small
// order for one message in eight or more.
func cryptoRefuses(raw any) string {
	digest := sha256.Sum256([]byte("x"))
	switch k := raw.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return "an RSA key under 2048 bits"
		}
		err := rsa.VerifyPKCS1v15(k, crypto.SHA256, digest[:], make([]byte, (k.N.BitLen()+7)/8))
		if !errors.Is(err, rsa.ErrVerification) {
			return "crypto/rsa refuses it as a key: " + err.Error()
		}
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return "an ECDSA key not on P-256"
		}
		if _, err := k.ECDH(); err != nil {
			return "not a point of P-256: " + err.Error()
		}
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return "an Ed25519 key of " + strconv.Itoa(len(k)) + " bytes"
		}
		forged := make([]byte, ed25519.SignatureSize)
		forged[0] = 1 // R: the identity; S: 0
		for i := range 16 {
			if ed25519.Verify(k, []byte{byte(i)}, forged) {
				return "a signature anyone can make verifies under it"
			}
		}
	default:
		return fmt.Sprintf("a %T, which no allowed algorithm verifies with", raw)
	}
	return ""
}
