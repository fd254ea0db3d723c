package auth_test

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwt"

	"github.com/paysessions/paysessions/shared/auth"
)

// TestJWXReadsANegativeNumericDate: README, Security: "no identity provider
// writes them; the JWT library reads a negative one as a date before 1970
// (`-1` as 23:59:59 on 31 December 1969) and none of the others as a
// date". jwx v3.3 failed to read a negative NumericDate, and the README
// said it read none of them; v3.4 reads them (its Changes, #2412), which
// is why checkForm refuses them itself (TestStrictTokenForms' nbf -1, nbf
// -0 and iat -0.5 rows). The claims are read here without a key, as jwx
// reads them before any check of the service's.
func TestJWXReadsANegativeNumericDate(t *testing.T) {
	auth.NewJWTVerifier(auth.JWTConfig{}) // jwx reads dates as the verifier has it read them (fractions)
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`))
	for _, tc := range []struct {
		nbf  string
		want time.Time // zero: not read as a date
	}{
		{"-1", time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC)},
		{"-0", time.Unix(0, 0)},
		{"-0.5", time.Date(1969, 12, 31, 23, 59, 59, 5e8, time.UTC)}, // to the nanosecond: package auth reads fractions (TestFractionalDatesKeepTheLeeway)
		{"1e19", time.Time{}},
		{"9223372036854775807", time.Time{}},
	} {
		claims := base64.RawURLEncoding.EncodeToString([]byte(`{"nbf":` + tc.nbf + `}`))
		tok, err := jwt.ParseInsecure([]byte(header + "." + claims + "."))
		if tc.want.IsZero() {
			if err == nil {
				nbf, _ := tok.NotBefore()
				t.Errorf("nbf %s read as %v; want no date", tc.nbf, nbf.UTC())
			}
			continue
		}
		if err != nil {
			t.Errorf("nbf %s: %v; want it read as %v", tc.nbf, err, tc.want.UTC())
			continue
		}
		if nbf, ok := tok.NotBefore(); !ok || !nbf.Equal(tc.want) {
			t.Errorf("nbf %s read as %v (%v); want %v", tc.nbf, nbf.UTC(), ok, tc.want.UTC())
		}
	}
}
