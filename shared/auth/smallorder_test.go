package auth_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"maps"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/session"
)

// smallOrderPoints are the canonical encodings of the eight points of
// edwards25519 whose order divides the cofactor 8 (RFC 8032 §5.1.3
// encoding): the identity, the point of order 2, the two of order 4 and the
// four of order 8.
var smallOrderPoints = []string{
	"0100000000000000000000000000000000000000000000000000000000000000",
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"0000000000000000000000000000000000000000000000000000000000000000",
	"0000000000000000000000000000000000000000000000000000000000000080",
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
}

// smallOrderKeys are Ed25519 public keys that decode to a small-order point:
// the canonical encodings above, and the spellings Go's decoder also takes
// for them (the identity and the order-2 point with the sign bit set, which
// RFC 8032 calls invalid; y = p and y = p + 1, the non-canonical forms of 0
// and 1, with either sign bit).
func smallOrderKeys() []string {
	return append(append([]string(nil), smallOrderPoints...),
		"0100000000000000000000000000000000000000000000000000000000000080",
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	)
}

// forgeForSmallOrderKey signs claims for a key of small order without any
// private key: for A of order dividing 8, -[k]A is one of the eight
// small-order points whatever k = H(R || A || M), so the signature (R, S = 0)
// verifies when R is that point: a try (an R, a jti) succeeds with a chance
// of at least 1 in 8, and Go's own ed25519.Verify says which one did.
func forgeForSmallOrderKey(t *testing.T, pub []byte, kid string, claims map[string]any) (string, bool) {
	t.Helper()
	c := maps.Clone(claims)
	for jti := 0; jti < 200; jti++ {
		c["jti"] = strconv.Itoa(jti)
		for _, r := range smallOrderPoints {
			rb, _ := hex.DecodeString(r)
			sig := append(rb, make([]byte, 32)...)
			tok := forge(map[string]any{"alg": "EdDSA", "kid": kid}, c, func(string) []byte { return sig })
			h, p, _ := strings.Cut(tok, ".")
			p, _, _ = strings.Cut(p, ".")
			if ed25519.Verify(ed25519.PublicKey(pub), []byte(h+"."+p), sig) {
				return tok, true
			}
		}
	}
	return "", false
}

// TestSmallOrderEd25519KeysAreSkipped: "Keys the service cannot use ... are
// skipped" (docs/design.md §7), as an RSA key under 2048 bits is. An
// Ed25519 key of small order is weaker than any: Go's ed25519.Verify (RFC
// 8032's cofactorless check) accepts for it a signature anyone can make,
// so a JWKS holding one (a zeroed buffer published as a key is the order-4
// point 00…00; 01 00…00 is the identity) let anyone mint a token for any
// merchant and scope. Each such key must be skipped and logged, and the
// set's other keys keep working.
func TestSmallOrderEd25519KeysAreSkipped(t *testing.T) {
	good := newIssuer(t, jwa.ES256())
	now := time.Now()
	claims := map[string]any{"iss": issuer, "aud": audience, "sub": "anyone", "exp": now.Add(time.Hour).Unix(),
		"merchant_id": "m-victim", "scope": "sessions:read sessions:write apikeys:write"}
	for i, x := range smallOrderKeys() {
		t.Run(x, func(t *testing.T) {
			pub, _ := hex.DecodeString(x)
			kid := fmt.Sprintf("small-order-%d", i)
			entry := fmt.Sprintf(`{"kty":"OKP","crv":"Ed25519","kid":%q,"use":"sig","alg":"EdDSA","x":%q}`, kid, base64.RawURLEncoding.EncodeToString(pub))
			jwks := newJWKSServer(t, withKeys(t, good, entry))
			logs := &syncBuffer{}
			v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience,
				Now: func() time.Time { return now }, Logger: slog.New(slog.NewJSONHandler(logs, nil))})

			tok, ok := forgeForSmallOrderKey(t, pub, kid, claims)
			if !ok {
				t.Fatalf("no signature of 1,600 tries verifies under %s: the test's premise (a small-order key) is wrong", x)
			}
			if p, err := v.Verify(context.Background(), tok); session.ErrorCode(err) != session.EUNAUTHORIZED {
				t.Errorf("Verify(token forged for key %s) = %+v, %v; want %s", x, p, err, session.EUNAUTHORIZED)
			}
			if n := strings.Count(logs.String(), `"kid":"`+kid+`"`); n != 1 {
				t.Errorf("log lines naming kid %s: got %d in %s; want 1 (skipped, logged once)", kid, n, logs.String())
			}
			if _, err := v.Verify(context.Background(), good.MustMint(devtoken.Claims{MerchantID: "m-1"})); err != nil {
				t.Errorf("Verify(token of the set's good key) = %v; want it verified", err)
			}
		})
	}
	// A real Ed25519 key is still used.
	ed := newIssuer(t, jwa.EdDSA())
	jwks := newJWKSServer(t, ed.JWKS())
	v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience})
	if _, err := v.Verify(context.Background(), ed.MustMint(devtoken.Claims{MerchantID: "m-1"})); err != nil {
		t.Errorf("Verify(EdDSA token of a real key) = %v; want it verified", err)
	}
}
