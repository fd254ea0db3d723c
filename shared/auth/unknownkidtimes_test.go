package auth_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/auth"
)

// TestUnknownKidCountsAsItsTimesWouldVerify: a token of a kid the key set
// lacks counts TokenOfUnknownKey exactly when the same claims, signed by a
// key of the set, would verify: exp required, MaxSkew on exp, nbf and iat
// (an iat ahead is refused as verify refuses it), NumericDates as verify
// reads them (a fraction and an exponent read). timelyClaims reads the
// claims with no key, so it must judge them as verify does.
func TestUnknownKidCountsAsItsTimesWouldVerify(t *testing.T) {
	known := newIssuer(t, jwa.RS256())
	stranger := newIssuer(t, jwa.RS256())
	jwks := newJWKSServer(t, known.JWKS())
	now := time.Unix(1_800_000_000, 0)
	v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience, Now: func() time.Time { return now }})
	at := func(d time.Duration) string { return fmt.Sprint(now.Add(d).Unix()) }
	tests := []struct {
		name     string
		times    string // the claims' time members, as JSON
		verifies bool   // signed by a key of the set
	}{
		{"exp ahead", `"exp":` + at(time.Hour), true},
		{"no exp", `"iat":` + at(0), false},
		{"exp past within MaxSkew", `"exp":` + at(-59*time.Second), true},
		{"exp past beyond MaxSkew", `"exp":` + at(-61*time.Second), false},
		{"nbf ahead within MaxSkew", `"exp":` + at(time.Hour) + `,"nbf":` + at(59*time.Second), true},
		{"nbf ahead beyond MaxSkew", `"exp":` + at(time.Hour) + `,"nbf":` + at(61*time.Second), false},
		{"iat ahead within MaxSkew", `"exp":` + at(time.Hour) + `,"iat":` + at(59*time.Second), true},
		{"iat ahead beyond MaxSkew", `"exp":` + at(time.Hour) + `,"iat":` + at(61*time.Second), false},
		{"exp with a fraction", `"exp":` + at(time.Hour) + `.5`, true},
		{"exp with an exponent", `"exp":1.9e9`, true},
		{"exp with an exponent, past", `"exp":1.7e9`, false},
		{"exp of 0", `"exp":0`, false},
		{"exp beyond int64 seconds", `"exp":99999999999999999999`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			claims := []byte(`{"iss":"` + issuer + `","aud":"` + audience + `","sub":"x","merchant_id":"m-1","scope":"sessions:read",` + tt.times + `}`)
			good, err := known.SignJWS(nil, claims)
			if err != nil {
				t.Fatal(err)
			}
			made, err := stranger.SignJWS(nil, claims)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := v.VerifyCounted(context.Background(), good); (err == nil) != tt.verifies {
				t.Fatalf("signed by a key of the set: got %v; want verified %v (the row is wrong)", err, tt.verifies)
			}
			_, c, err := v.VerifyCounted(context.Background(), made)
			if err == nil {
				t.Fatalf("a token of a kid the key set lacks verified")
			}
			if got := c == auth.TokenOfUnknownKey; got != tt.verifies {
				t.Errorf("counted TokenOfUnknownKey: got %v; want %v", got, tt.verifies)
			}
		})
	}
}
