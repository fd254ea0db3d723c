package auth_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/session"
)

// TestJWKSFailureTextIsBounded: the text of a failed JWKS fetch is the
// identity provider's (its status line's reason phrase, or a parse error
// quoting a member of its document), and it is logged on the fetch's WARN
// line and again in the error of every request that is 503 because of it
// (the ERROR line of each token whose kid the set in hand lacks, for as
// long as fetches fail). A reason phrase of 100 KB, or a key type of
// 100 KB in a one-key document, made every such line 100 KB (Go's client
// reads a status line of up to 10 MB); so did a skipped key's reason or kid
// on its WARN line. The text is cut to 1 KiB, as a panic's value is.
func TestJWKSFailureTextIsBounded(t *testing.T) {
	iss := newIssuer(t, jwa.ES256())
	long := strings.Repeat("q", 100<<10)
	for _, c := range []struct {
		name   string
		answer func(w http.ResponseWriter)
	}{
		{"a long reason phrase", func(w http.ResponseWriter) {
			conn, buf, err := w.(http.Hijacker).Hijack()
			if err != nil {
				return
			}
			defer conn.Close()
			fmt.Fprintf(buf, "HTTP/1.1 500 %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", long)
			_ = buf.Flush()
		}},
		{"a long key type in a one-key document", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = fmt.Fprintf(w, `{"kty":%q}`, long)
		}},
		{"a long key type in a set", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = fmt.Fprintf(w, `{"keys":[{"kty":%q,"kid":"k"}]}`, long)
		}},
		{"a long kid of a key skipped", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = fmt.Fprintf(w, `{"keys":[{"kty":"foo","kid":%q}]}`, long)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var mu sync.Mutex
			good := true
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				g := good
				mu.Unlock()
				if g {
					_, _ = w.Write(iss.JWKS())
					return
				}
				c.answer(w)
			}))
			defer srv.Close()
			logs := &syncBuffer{}
			clock := &testClock{now: time.Now()}
			v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: srv.URL, Issuer: issuer, Audience: audience, Now: clock.Now,
				Logger: slog.New(slog.NewJSONHandler(logs, nil))})
			ctx := context.Background()
			if _, err := v.Verify(ctx, iss.MustMint(devtoken.Claims{})); err != nil {
				t.Fatalf("Verify() with the good set = %v", err)
			}
			mu.Lock()
			good = false
			mu.Unlock()
			clock.Advance(11 * time.Second) // past the refresh gap: an unknown kid fetches again
			_, err := v.Verify(ctx, newIssuer(t, jwa.ES256()).MustMint(devtoken.Claims{}))
			if got := session.ErrorCode(err); got != session.EUNAVAILABLE && got != session.EUNAUTHORIZED {
				t.Fatalf("Verify(unknown kid) code = %v; want %v or %v", got, session.EUNAVAILABLE, session.EUNAUTHORIZED)
			}
			// The next unknown kid, with no fetch: its error quotes the
			// last fetch's failure.
			_, err = v.Verify(ctx, newIssuer(t, jwa.ES256()).MustMint(devtoken.Claims{}))
			const most = 4 << 10
			if n := len(err.Error()); n > most {
				t.Errorf("error of a token refused after the failed fetch: got %d bytes; want at most %d", n, most)
			}
			for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
				if len(line) > most {
					t.Errorf("log line of %d bytes: %.200s...; want at most %d", len(line), line, most)
				}
			}
		})
	}
}
