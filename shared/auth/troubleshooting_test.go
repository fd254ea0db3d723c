package auth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/doctext"
	"github.com/paysessions/paysessions/shared/session"
)

// TestTroubleshootingQuotesAMisconfiguredStack: README's Troubleshooting
// entry for a deployed stack whose JwtIssuer, JwtAudience or JwksUrl is not
// the identity provider's names what an operator sees: every bearer
// request "401 (`The bearer token is invalid or expired.`)", and for a key
// set that cannot be fetched "503 with `Retry-After` instead, not 401 ...
// and a `JWKS fetch failed` WARN line in the function's log". The detail
// of a token of another issuer, another audience or a key the set lacks
// is held to the first quote, and the fetch failure's log line to the
// second: a reworded detail or log message would leave an operator
// searching the README for words it no longer holds.
func TestTroubleshootingQuotesAMisconfiguredStack(t *testing.T) {
	troubleshooting := doctext.Section(t, "Troubleshooting")
	const refusedQuote = "**Every bearer request is 401 (`The bearer token is invalid or expired.`) on a deployed stack**"
	const fetchQuote = "a `JWKS fetch failed` WARN line in the function's log"
	for _, q := range []string{refusedQuote, fetchQuote} {
		if !strings.Contains(troubleshooting, q) {
			t.Fatalf("README's Troubleshooting does not say %q", q)
		}
	}

	iss := newIssuer(t, jwa.RS256())
	other := newIssuer(t, jwa.RS256()) // a key the set does not hold
	jwks := newJWKSServer(t, iss.JWKS())
	v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience})
	for _, tt := range []struct {
		name  string
		token string
	}{
		{"another issuer", iss.MustMint(devtoken.Claims{Issuer: "https://other.test"})},
		{"another audience", iss.MustMint(devtoken.Claims{Audience: "other"})},
		{"a key the set lacks", other.MustMint(devtoken.Claims{})},
	} {
		_, err := v.Verify(context.Background(), tt.token)
		if got := session.ErrorCode(err); got != session.EUNAUTHORIZED {
			t.Fatalf("%s: Verify() = %v (%s); want %s", tt.name, err, got, session.EUNAUTHORIZED)
		}
		if got, want := session.ErrorMessage(err), "The bearer token is invalid or expired."; got != want || !strings.Contains(refusedQuote, "`"+got+"`") {
			t.Errorf("%s: the 401's detail is %q; README's Troubleshooting quotes %q", tt.name, got, want)
		}
	}

	var mu sync.Mutex
	var logs bytes.Buffer
	down := newJWKSServer(t, iss.JWKS())
	down.down.Store(true)
	w := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: down.URL, Issuer: issuer, Audience: audience,
		Logger: slog.New(slog.NewJSONHandler(lockedWriter{&mu, &logs}, nil))})
	if _, err := w.Verify(context.Background(), iss.MustMint(devtoken.Claims{})); session.ErrorCode(err) != session.EUNAVAILABLE {
		t.Fatalf("Verify() with the key set down = %v; want %s", err, session.EUNAVAILABLE)
	}
	mu.Lock()
	defer mu.Unlock()
	var found bool
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var l struct{ Level, Msg string }
		if json.Unmarshal([]byte(line), &l) == nil && l.Level == "WARN" && strings.Contains(fetchQuote, "`"+l.Msg+"`") {
			found = true
		}
	}
	if !found {
		t.Errorf("a failed JWKS fetch logged %q; want a WARN line README's Troubleshooting names (%q)", logs.String(), fetchQuote)
	}
}

// lockedWriter serialises writes to w: the fetch may log from its own
// goroutine.
type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
