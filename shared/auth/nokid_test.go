package auth_test

import (
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/session"
)

// TestKeyWithoutKidIsSkipped: JWTVerifier skips "one without a kid"
// (tokens name their key by kid), and README, Auth: "only a set with no
// usable key fails (503)". A set whose one key names no kid has no key a
// token can name: 503. With usable's "no kid" check reading why != ""
// (r75-mut-auth), the key was kept under the kid "" and every token was
// 401 as of an unknown kid.
func TestKeyWithoutKidIsSkipped(t *testing.T) {
	iss := newIssuer(t, jwa.ES256())
	doc := issuerDocWith(t, iss, map[string]any{"kid": nil})
	_, err := verifyUnder(t, doc, iss)
	if got := session.ErrorCode(err); got != session.EUNAVAILABLE {
		t.Errorf("Verify() code = %q (%v); want %q (no usable key)", got, err, session.EUNAVAILABLE)
	}
}
