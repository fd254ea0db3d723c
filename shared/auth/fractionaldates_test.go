package auth_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/session"
)

// TestFractionalDatesKeepTheLeeway: README, Auth: "`exp` required,
// `exp`/`nbf` with 60 s leeway, an `iat` at most 60 s ahead". A NumericDate
// may have a fraction (RFC 7519 §2). jwx drops it by default and compares
// whole seconds, so an nbf or iat 60.5 s ahead was taken (r92-jwt measured
// nbf and iat 60.95 s ahead answered 404 under make run, not 401) and an
// exp 59.5 s past refused. Each is judged on the instant as written, fresh
// and from the verified-token cache alike.
func TestFractionalDatesKeepTheLeeway(t *testing.T) {
	iss := newIssuer(t, jwa.RS256())
	jwks := newJWKSServer(t, iss.JWKS())
	now := time.Unix(1_800_000_000, 0) // a whole second
	v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience, Now: func() time.Time { return now }})
	exp := now.Unix() + 3600
	for _, tc := range []struct {
		name, times string
		ok          bool
	}{
		{"nbf 60.5 s ahead", fmt.Sprintf(`"exp":%d,"nbf":%d.5`, exp, now.Unix()+60), false},
		{"nbf 59.5 s ahead", fmt.Sprintf(`"exp":%d,"nbf":%d.5`, exp, now.Unix()+59), true},
		{"iat 60.5 s ahead", fmt.Sprintf(`"exp":%d,"iat":%d.5`, exp, now.Unix()+60), false},
		{"iat 59.5 s ahead", fmt.Sprintf(`"exp":%d,"iat":%d.5`, exp, now.Unix()+59), true},
		{"exp 59.5 s past", fmt.Sprintf(`"exp":%d.5`, now.Unix()-60), true},
		{"exp 60.5 s past", fmt.Sprintf(`"exp":%d.5`, now.Unix()-61), false},
	} {
		claims := fmt.Sprintf(`{"iss":%q,"aud":%q,"sub":"x","merchant_id":"m-1","scope":"sessions:read",%s}`, issuer, audience, tc.times)
		tok, err := iss.SignJWS(nil, []byte(claims))
		if err != nil {
			t.Fatal(err)
		}
		for _, use := range []string{"fresh", "again"} {
			_, err := v.Verify(context.Background(), tok)
			if tc.ok && err != nil {
				t.Errorf("%s (%s): %v; want it verified", tc.name, use, err)
			}
			if !tc.ok && session.ErrorCode(err) != session.EUNAUTHORIZED {
				t.Errorf("%s (%s): %v; want %s", tc.name, use, err, session.EUNAUTHORIZED)
			}
		}
	}
}
