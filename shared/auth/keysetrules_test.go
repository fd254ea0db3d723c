package auth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/session"
)

// TestRSAMemberNamesInOtherKeysPublishNothing: README, Auth: "so is an RSA
// entry without `d` that publishes `p`, `q`, `dp`, `dq`, `qi` or `oth`":
// those names hold private parts only in an RSA entry (RFC 7518 §6.3.2).
// In an EC or OKP entry they are members RFC 7517 §4 says "MUST be
// ignored" ("Additional members can be present in the JWK; if not
// understood by implementations encountering them, they MUST be
// ignored"), and the key is used. With membersSecretReason's `rsa := false`
// reading true (r75b-jwt), such a key was skipped as a published private
// key and a set of it refused every token with 503.
func TestRSAMemberNamesInOtherKeysPublishNothing(t *testing.T) {
	for _, alg := range []jwa.SignatureAlgorithm{jwa.ES256(), jwa.EdDSA()} {
		iss := newIssuer(t, alg)
		for _, m := range []string{"p", "q", "dp", "dq", "qi", "oth"} {
			var v any = "AQAB"
			if m == "oth" {
				v = []map[string]string{{"r": "AQAB", "d": "AQAB", "t": "AQAB"}}
			}
			logs, err := verifyUnder(t, issuerDocWith(t, iss, map[string]any{m: v}), iss)
			if err != nil {
				t.Errorf("%s entry with %q: Verify() = %v; want it verified (logs: %s)", alg, m, err, logs.String())
			}
		}
	}
}

// TestJWKSAnswerCutShortByItsConnectionFailsTheFetch: an answer whose
// connection ends before the Content-Length it declared is not the
// provider's answer, even when the bytes that came are a whole key set
// (README, Auth: a fetch fails on an answer that "is not a JSON key set";
// the one that came was cut short, as the "cut short" case of
// TestJWKSAnswersThatFailTheFetch, its JSON whole by chance). With get's
// `if err != nil` after io.ReadAll emptied (r75b-jwt), the partial body was
// used as the set.
func TestJWKSAnswerCutShortByItsConnectionFailsTheFetch(t *testing.T) {
	iss := newIssuer(t, jwa.EdDSA())
	for _, c := range []struct {
		name     string
		declared int // Content-Length beyond the body
		want     session.Code
	}{
		{"whole", 0, ""},
		{"10 bytes short", 10, session.EUNAVAILABLE},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body := iss.JWKS()
				w.Header().Set("Content-Length", strconv.Itoa(len(body)+c.declared))
				w.WriteHeader(http.StatusOK)
				_, _ = w.Write(body)
			}))
			defer srv.Close()
			v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: srv.URL, Issuer: issuer, Audience: audience})
			_, err := v.Verify(context.Background(), iss.MustMint(devtoken.Claims{MerchantID: "m-1"}))
			if got := session.ErrorCode(err); got != c.want {
				t.Errorf("Verify() code = %q (%v); want %q", got, err, c.want)
			}
		})
	}
}
