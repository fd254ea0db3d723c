package auth_test

import (
	"context"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/session"
)

// FuzzVerify: any bearer token string is either verified (only ones our key
// signed) or refused with 401. Never a panic, never a 503 while the JWKS is
// up.
func FuzzVerify(f *testing.F) {
	iss := newIssuer(f, jwa.ES256())
	jwks := newJWKSServer(f, iss.JWKS())
	v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience})
	good := iss.MustMint(devtoken.Claims{MerchantID: "m-1", Scopes: []string{"sessions:read"}})
	parts := strings.Split(good, ".")
	for _, s := range []string{
		good, "", ".", "..", "a.b.c", parts[0] + "." + parts[1] + ".", parts[0] + ".." + parts[2],
		"eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", strings.Repeat("A", 9000), good + "x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		p, err := v.Verify(context.Background(), token)
		switch {
		case err == nil:
			if token != good && !strings.HasPrefix(token, parts[0]+"."+parts[1]+".") {
				t.Fatalf("Verify(%q) accepted a token our key did not sign: %+v", token, p)
			}
		case session.ErrorCode(err) != session.EUNAUTHORIZED:
			t.Fatalf("Verify(%q) = %v; want %s", token, err, session.EUNAUTHORIZED)
		}
	})
}
