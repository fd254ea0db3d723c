package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/session"
)

// TestVerifyCutOffIsNoVerdict: a token whose check the request's context
// ended (its deadline, 1 s before the Lambda invocation's, or a client
// gone) was not judged, so it is 503 with Retry-After, as when the JWKS
// cannot be fetched, never 401 "The bearer token is invalid or expired",
// which tells a client holding a valid token to discard it. jwx checks the
// context between signatures, key providers and keys and answered its
// error, which the verifier took for a refusal of the token: a context
// ending before verification (a function's shortest timeout) or between
// the JWKS arriving and the signature check.
func TestVerifyCutOffIsNoVerdict(t *testing.T) {
	iss := newIssuer(t, jwa.ES256())
	ended := func() (context.Context, context.CancelFunc) {
		return context.WithDeadline(context.Background(), time.Now().Add(-time.Millisecond))
	}
	canceled := func() (context.Context, context.CancelFunc) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		return ctx, cancel
	}
	tests := []struct {
		name string
		warm bool // the key set fetched by an earlier request
		ctx  func() (context.Context, context.CancelFunc)
	}{
		{"cold container, deadline passed", false, ended},
		{"key set in hand, deadline passed", true, ended},
		{"key set in hand, request canceled", true, canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			jwks := newJWKSServer(t, iss.JWKS())
			v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience})
			if tt.warm {
				if _, err := v.Verify(context.Background(), iss.MustMint(devtoken.Claims{Subject: "earlier"})); err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := tt.ctx()
			defer cancel()
			_, err := v.Verify(ctx, iss.MustMint(devtoken.Claims{Subject: "this"}))
			if got := session.ErrorCode(err); got != session.EUNAVAILABLE {
				t.Errorf("Verify() = %v (code %q); want %q", err, got, session.EUNAVAILABLE)
			}
		})
	}
}
