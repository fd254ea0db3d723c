package auth_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"math/big"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/session"
)

// TestRSAKeyCryptoRefusesIsSkipped: an RSA key whose modulus is even or
// whose exponent is over 2^31-1 is one crypto/rsa will not verify with
// ("public modulus is even", "public exponent too large"; jwx takes both;
// an exponent even or under 3, which crypto/rsa refuses too, jwx refuses
// itself, and rsaVerifiable again).
// It was kept as usable: a set of only such keys refused every token with
// 401 (a bad signature, telling the holder to drop a token nobody could
// check) and logged nothing, where a set with no usable key is a 503 and
// an ERROR line, and each unusable key is logged as skipped. FuzzKeySet
// found the exponent.
func TestRSAKeyCryptoRefusesIsSkipped(t *testing.T) {
	iss := newIssuer(t, jwa.RS256())
	var own map[string]any
	if err := json.Unmarshal(mustKeyOf(t, iss), &own); err != nil {
		t.Fatal(err)
	}
	nBytes, err := base64.RawURLEncoding.DecodeString(own["n"].(string))
	if err != nil {
		t.Fatal(err)
	}
	n := new(big.Int).SetBytes(nBytes)
	b64u := func(i *big.Int) string { return base64.RawURLEncoding.EncodeToString(i.Bytes()) }
	for _, c := range []struct {
		name string
		n, e *big.Int
		want session.Code // "" for verified
	}{
		{"its own key", n, big.NewInt(65537), ""},
		{"an exponent of 2^31-1", n, big.NewInt(1<<31 - 1), session.EUNAUTHORIZED}, // crypto/rsa's largest: used, the signature is wrong
		{"an exponent of 2^31+1", n, big.NewInt(1<<31 + 1), session.EUNAVAILABLE},
		{"an exponent of 2^32+1", n, big.NewInt(1<<32 + 1), session.EUNAVAILABLE},
		{"an even modulus", new(big.Int).Add(n, big.NewInt(1)), big.NewInt(65537), session.EUNAVAILABLE},
		{"an even exponent", n, big.NewInt(65538), session.EUNAVAILABLE}, // "public exponent is even"
		{"an exponent of 1", n, big.NewInt(1), session.EUNAVAILABLE},     // "public exponent too small"
		{"an exponent of 3", n, big.NewInt(3), session.EUNAUTHORIZED},    // crypto/rsa's smallest: used, the signature is wrong
	} {
		k := map[string]any{}
		for name, v := range own {
			k[name] = v
		}
		k["n"], k["e"] = b64u(c.n), b64u(c.e)
		doc, err := json.Marshal(map[string]any{"keys": []any{k}})
		if err != nil {
			t.Fatal(err)
		}
		logs := &syncBuffer{}
		jwks := newJWKSServer(t, doc)
		v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience,
			Logger: slog.New(slog.NewJSONHandler(logs, nil))})
		_, err = v.Verify(context.Background(), iss.MustMint(devtoken.Claims{MerchantID: "m-1"}))
		if got := session.ErrorCode(err); got != c.want {
			t.Errorf("%s: Verify = %q (%v); want %q", c.name, got, err, c.want)
		}
		skipped := strings.Contains(logs.String(), `"msg":"JWKS key skipped"`)
		if want := c.want == session.EUNAVAILABLE; skipped != want {
			t.Errorf("%s: logged as a skipped key: %v; want %v (%s)", c.name, skipped, want, logs.String())
		}
	}
}
