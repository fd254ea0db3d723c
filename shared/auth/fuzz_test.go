package auth_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/session"
)

// FuzzVerify: any bearer token string is either verified or refused with
// 401; never a panic, never a 503 while the JWKS is up. Only the two tokens
// our key signed as valid verify, each in its one canonical spelling. The
// seeds include them respelled (padding, pad bits, a line break) and tokens
// our key signed that the service must refuse anyway (a crit header, exp as
// a string, a repeated claim), so the fuzzer starts at each rule's edge.
func FuzzVerify(f *testing.F) {
	iss := newIssuer(f, jwa.ES256())
	jwks := newJWKSServer(f, iss.JWKS())
	v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience})
	exp := strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)
	signed := func(header map[string]any, extra string) string {
		tok, err := iss.SignJWS(header, []byte(`{"iss":"`+issuer+`","aud":"`+audience+`","sub":"x","merchant_id":"m-1"`+extra+`}`))
		if err != nil {
			f.Fatal(err)
		}
		return tok
	}
	minted := iss.MustMint(devtoken.Claims{MerchantID: "m-1", Scopes: []string{"sessions:read"}})
	byHand := signed(nil, `,"exp":`+exp)
	valid := map[string]bool{minted: true, byHand: true}
	parts := strings.Split(minted, ".")
	h, p, s := parts[0], parts[1], parts[2]
	for _, seed := range []string{
		minted, byHand, "", ".", "..", "a.b.c", h + "." + p + ".", h + ".." + s,
		"eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", strings.Repeat("A", 9000), minted + "x",
		minted + "=", minted + "==", h + "==." + p + "." + s, h + "." + p + "==." + s,
		h + "." + p + "." + s[:len(s)-1] + "B", h + "." + p + "." + s[:20] + "\n" + s[20:],
		signed(map[string]any{"crit": []string{"urn:x"}, "urn:x": 1}, `,"exp":`+exp),
		signed(nil, `,"exp":"`+exp+`"`),
		signed(nil, `,"exp":`+exp+`,"merchant_id":"m-2"`),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		p, err := v.Verify(context.Background(), token)
		switch {
		case err == nil:
			if !valid[token] || p.MerchantID != "m-1" {
				t.Fatalf("Verify(%q) = %+v; want only the tokens our key signed as valid, spelled canonically, accepted", token, p)
			}
		case session.ErrorCode(err) != session.EUNAUTHORIZED:
			t.Fatalf("Verify(%q) = %v; want %s", token, err, session.EUNAUTHORIZED)
		}
	})
}
