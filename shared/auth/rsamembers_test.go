package auth_test

import (
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwa"
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
