package auth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"math/big"
	"testing"
	"time"
)

// TestAllowedAlgsFitTheirKeys: README, Auth: "Only RS256 (2048-bit keys or
// more), ES256 and EdDSA signatures are accepted". jwx v3 refuses to parse
// an RSA key under 2048 bits itself, so no JWKS test reaches allowedAlgs'
// own 2048 (mutant: ">= 1024" survived every test); ES256 needs P-256.
func TestAllowedAlgsFitTheirKeys(t *testing.T) {
	rsaOf := func(bits int) *rsa.PublicKey {
		n := new(big.Int).Lsh(big.NewInt(1), uint(bits-1))
		return &rsa.PublicKey{N: n.Add(n, big.NewInt(1)), E: 65537}
	}
	ecOf := func(c elliptic.Curve) *ecdsa.PublicKey {
		k, err := ecdsa.GenerateKey(c, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return &k.PublicKey
	}
	edPub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p256 := ecOf(elliptic.P256())
	tests := []struct {
		name string
		alg  string
		raw  any
		want bool
	}{
		{"RS256, 2048 bits", "RS256", rsaOf(2048), true},
		{"RS256, 4096 bits", "RS256", rsaOf(4096), true},
		{"RS256, 2047 bits", "RS256", rsaOf(2047), false},
		{"RS256, 1024 bits", "RS256", rsaOf(1024), false},
		{"RS256, a P-256 key", "RS256", p256, false},
		{"ES256, P-256", "ES256", p256, true},
		{"ES256, P-384", "ES256", ecOf(elliptic.P384()), false},
		{"ES256, P-224", "ES256", ecOf(elliptic.P224()), false},
		{"ES256, an Ed25519 key", "ES256", edPub, false},
		{"EdDSA, Ed25519", "EdDSA", edPub, true},
		{"EdDSA, a P-256 key", "EdDSA", p256, false},
	}
	for _, tt := range tests {
		fits, ok := allowedAlgs[tt.alg]
		if !ok {
			t.Fatalf("allowedAlgs[%q] missing", tt.alg)
		}
		if got := fits(tt.raw); got != tt.want {
			t.Errorf("%s: fits = %v; want %v", tt.name, got, tt.want)
		}
	}
	for _, alg := range []string{"HS256", "none", "RS384", "ES384", "PS256", "rs256"} {
		if _, ok := allowedAlgs[alg]; ok {
			t.Errorf("allowedAlgs[%q] present; want only RS256, ES256, EdDSA", alg)
		}
	}
}

// TestCachedEntryTimely: "exp, nbf and iat are checked against the clock on
// every use" (JWTVerifier), with MaxSkew leeway, as jwx would judge them.
// Through Verify these checks are shadowed (an entry lives until exp +
// MaxSkew at most and is not used at a clock before it was cached), so no
// test reached them (mutants: iat check dropped, nbf check dropped, exp
// leeway doubled all survived); here they hold on their own.
func TestCachedEntryTimely(t *testing.T) {
	base := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	exp := base.Add(time.Hour)
	tests := []struct {
		name          string
		exp, nbf, iat time.Time
		now           time.Time
		want          bool
	}{
		{"exp: last instant within the leeway", exp, time.Time{}, time.Time{}, exp.Add(MaxSkew - 1), true},
		{"exp: at exp + leeway", exp, time.Time{}, time.Time{}, exp.Add(MaxSkew), false},
		{"exp: well past", exp, time.Time{}, time.Time{}, exp.Add(2 * MaxSkew), false},
		{"nbf: at nbf - leeway", exp, base, time.Time{}, base.Add(-MaxSkew), true},
		{"nbf: before nbf - leeway", exp, base, time.Time{}, base.Add(-MaxSkew - 1), false},
		{"iat: at iat - leeway", exp, time.Time{}, base, base.Add(-MaxSkew), true},
		{"iat: before iat - leeway", exp, time.Time{}, base, base.Add(-MaxSkew - 1), false},
		{"nbf and iat absent", exp, time.Time{}, time.Time{}, base.Add(-24 * time.Hour), true},
	}
	for _, tt := range tests {
		e := &verified{exp: tt.exp, nbf: tt.nbf, iat: tt.iat}
		if got := e.timely(tt.now); got != tt.want {
			t.Errorf("%s: timely(%v) = %v; want %v", tt.name, tt.now, got, tt.want)
		}
	}
}
