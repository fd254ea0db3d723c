package auth_test

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
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
	logs, err := verifyUnder(t, doc, iss)
	if got := session.ErrorCode(err); got != session.EUNAVAILABLE {
		t.Errorf("Verify() code = %q (%v); want %q (no usable key)", got, err, session.EUNAVAILABLE)
	}
	// A set with no usable key is a 503 and an ERROR line (the fetch's),
	// which says every bearer token is refused: a mutant that never wrote
	// it passed every test.
	if got, want := strings.Count(logs.String(), `"level":"ERROR","msg":"JWKS has no usable key`), 1; got != want {
		t.Errorf("%d ERROR lines for the set with no usable key; want %d:\n%s", got, want, logs)
	}
}

// TestKidlessSecretIsLoggedAsOne: README, Auth: a private key is "named as
// such on its line, whatever else the entry says", and so is a symmetric
// oct key; an entry without a kid is no exception: the "no kid" reason is
// given only to an entry usable otherwise. With usable's "no kid" check
// reading `why != "" && kid == ""` (r75b-jwt), every kid-less entry skipped
// for any reason was logged "no kid", a leaked private or secret key among
// them (TestKeyWithoutKidIsSkipped sees that mutant's other half, the
// kid-less usable key kept).
func TestKidlessSecretIsLoggedAsOne(t *testing.T) {
	good := newIssuer(t, jwa.ES256())
	ec := privateKey(t, jwa.ES256())
	rsaKey := privateKey(t, jwa.RS256()).(*rsa.PrivateKey)
	for _, c := range []struct {
		name  string
		entry func() map[string]any
		want  string
	}{
		{"an EC private key", func() map[string]any { return jwkMembers(t, ec) }, auth.PrivateKeyReason(ec)},
		{"an oct key", func() map[string]any {
			return map[string]any{"kty": "oct", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"}
		}, auth.SecretKeyReason},
		{"an RSA public key with p and q", func() map[string]any {
			e := jwkMembers(t, rsaKey.Public())
			e["p"] = base64.RawURLEncoding.EncodeToString(rsaKey.Primes[0].Bytes())
			e["q"] = base64.RawURLEncoding.EncodeToString(rsaKey.Primes[1].Bytes())
			return e
		}, auth.PrivateEntryReason("RSA")},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := c.entry()
			delete(e, "kid")
			b, _ := json.Marshal(e)
			logs := &syncBuffer{}
			jwks := newJWKSServer(t, withKeys(t, good, string(b)))
			v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience,
				Logger: slog.New(slog.NewJSONHandler(logs, nil))})
			if _, err := v.Verify(context.Background(), good.MustMint(devtoken.Claims{MerchantID: "m-1"})); err != nil {
				t.Fatalf("Verify(token of the good key) = %v; want it verified", err)
			}
			var reasons []string
			for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
				var l struct{ Msg, Kid, Reason string }
				if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "JWKS key skipped" {
					reasons = append(reasons, l.Reason)
				}
			}
			if len(reasons) != 1 || reasons[0] != c.want {
				t.Errorf("skip reasons logged: got %q; want [%q]", reasons, c.want)
			}
		})
	}
}

// jwkMembers is key's JWK as a JSON object's members.
func jwkMembers(t *testing.T, key any) map[string]any {
	t.Helper()
	k, err := jwk.Import(key)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(k)
	if err != nil {
		t.Fatal(err)
	}
	var e map[string]any
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return e
}
