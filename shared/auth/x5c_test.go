package auth_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/session"
)

// certOf is a base64 (x5c) X.509 certificate for pub, issued by a CA key
// of its own (the chain is not what is checked: the key it certifies is).
func certOf(t *testing.T, pub crypto.PublicKey) string {
	t.Helper()
	ca, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "jwks signing key"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, ca)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

// withX5C is the issuer's JWK with x5c holding certs.
func withX5C(t *testing.T, iss *devtoken.Issuer, certs ...string) string {
	t.Helper()
	var k map[string]any
	if err := json.Unmarshal(mustKeyOf(t, iss), &k); err != nil {
		t.Fatal(err)
	}
	k["x5c"] = certs
	b, err := json.Marshal(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestX5CMustHoldTheKey: RFC 7517 §4.7: "The key in the first certificate
// MUST match the public key represented by other members of the JWK." An
// entry whose x5c certifies another key than its own n/e (x/y, x) was used
// with its own parameters, x5c ignored: one of the two is not the key its
// publisher meant. Such an entry is skipped as unusable (logged by kid;
// its tokens are of a kid the set lacks, 401); an entry whose first
// certificate holds its own key verifies, whatever the certificates after
// it.
func TestX5CMustHoldTheKey(t *testing.T) {
	for _, alg := range []jwa.SignatureAlgorithm{jwa.RS256(), jwa.ES256(), jwa.EdDSA()} {
		t.Run(alg.String(), func(t *testing.T) {
			iss := newIssuer(t, alg)
			sameType := newIssuer(t, alg)
			otherType := newIssuer(t, jwa.ES256())
			if alg.String() == jwa.ES256().String() {
				otherType = newIssuer(t, jwa.EdDSA())
			}
			own, another, anotherType := certOf(t, iss.PublicKey()), certOf(t, sameType.PublicKey()), certOf(t, otherType.PublicKey())
			good := newIssuer(t, jwa.ES256()) // beside it in the set: a set with no usable key is a 503
			for _, c := range []struct {
				name string
				x5c  []string
				want session.Code // "" for verified
			}{
				{"its own key", []string{own}, ""},
				{"its own key, then another", []string{own, another}, ""},
				{"another key of its type", []string{another}, session.EUNAUTHORIZED},
				{"a key of another type", []string{anotherType}, session.EUNAUTHORIZED},
				{"another key, then its own", []string{another, own}, session.EUNAUTHORIZED},
				// README, Auth: "an `x5c` whose first certificate holds
				// another key than the entry's own" is what is skipped; an
				// empty x5c has no first certificate, and the entry's own
				// key is used (an x5c of no certificate was read as one
				// unreadable: mutant chain.Len() == -1).
				{"no certificate", []string{}, ""},
			} {
				logs := &syncBuffer{}
				jwks := newJWKSServer(t, withKeys(t, good, withX5C(t, iss, c.x5c...)))
				v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience,
					Logger: slog.New(slog.NewJSONHandler(logs, nil))})
				_, err := v.Verify(context.Background(), iss.MustMint(devtoken.Claims{MerchantID: "m-1"}))
				if got := session.ErrorCode(err); got != c.want {
					t.Errorf("%s: Verify(token of the key) code = %q (%v); want %q", c.name, got, err, c.want)
				}
				skipped := strings.Contains(logs.String(), `"msg":"JWKS key skipped"`) && strings.Contains(logs.String(), `"kid":"`+iss.KeyID+`"`)
				if skipped != (c.want != "") {
					t.Errorf("%s: logged as a skipped key: got %v; want %v (%s)", c.name, skipped, c.want != "", logs.String())
				}
				if _, err := v.Verify(context.Background(), good.MustMint(devtoken.Claims{MerchantID: "m-1"})); err != nil {
					t.Errorf("%s: Verify(token of the good key) = %v; want it verified", c.name, err)
				}
			}
		})
	}
}
