package auth_test

import (
	"context"
	"encoding/base64"
	"log/slog"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
)

// TestSymmetricKeyUnderARepeatedKtyIsLoggedAsOne: README, Auth: a
// symmetric `oct` key is "named as such on its line, whatever else the
// entry says", and "a member name given twice is read in each
// occurrence". An entry whose kty is RSA and then oct (jwx reads the
// last) publishes a shared secret, whichever kty comes first.
func TestSymmetricKeyUnderARepeatedKtyIsLoggedAsOne(t *testing.T) {
	good := newIssuer(t, jwa.ES256())
	k := base64.RawURLEncoding.EncodeToString([]byte("secret-secret-secret-secret-secret"))
	for _, entry := range []string{
		`{"kty":"oct","kid":"leaked","kty":"RSA","k":"` + k + `"}`,
		`{"kty":"RSA","kid":"leaked","kty":"oct","k":"` + k + `"}`,
		`{"kty":"EC","kid":"leaked","kty":"oct","kty":"OKP","k":"` + k + `"}`,
	} {
		logs := &syncBuffer{}
		jwks := newJWKSServer(t, withKeys(t, good, entry))
		v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience,
			Logger: slog.New(slog.NewJSONHandler(logs, nil))})
		if _, err := v.Verify(context.Background(), good.MustMint(devtoken.Claims{MerchantID: "m-1"})); err != nil {
			t.Fatalf("%s: Verify(token of the good key) = %v; want it verified", entry, err)
		}
		if got := skipReason(logs, "leaked"); got != auth.SecretKeyReason {
			t.Errorf("%s: reason logged: got %q; want %q", entry, got, auth.SecretKeyReason)
		}
	}
}
