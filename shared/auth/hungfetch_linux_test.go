package auth_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/hungtcp"
	"github.com/paysessions/paysessions/shared/session"
)

// TestJWKSConnectGivenUpEndsWithItsFetch: while the identity provider
// hangs, the TCP connect or TLS handshake a JWKS fetch started ends with
// the fetch (jwt.go: "a connection being opened ends with the fetch that
// opened it"), not at http.DefaultTransport's 30 s connect and 10 s
// handshake timeouts. net/http detaches a dial from its request's
// cancellation (Transport.getConn dials under context.WithoutCancel), so
// the fetch giving up at jwksFetchTimeout (5 s) does not end it: before
// the fix the connect ran on to 30.0 s and the handshake to 10.0 s after
// they began, a goroutine and a socket each the container had given up
// on (the store's TestConnectGivenUpEndsWithItsAttempt, for DynamoDB).
//
// The hangs are real sockets, through the verifier's own client, to an
// https JWKS_URL: a connect to a listener whose accept queue is full
// (Linux drops further SYNs, as with a black-holed address), seen ending
// when its socket leaves SYN_SENT in /proc/net/tcp; and a TLS handshake
// with a listener that accepts and never answers, seen ending when the
// client closes the connection. The bound leaves 2 s past the fetch's end
// for a loaded machine.
func TestJWKSConnectGivenUpEndsWithItsFetch(t *testing.T) {
	bound := auth.JWKSFetchTimeout + 2*time.Second
	token := newIssuer(t, jwa.ES256()).MustMint(devtoken.Claims{MerchantID: "m-1"})
	tests := []struct {
		name   string
		listen func(t *testing.T) (addr string, ended func(deadline time.Time) (time.Time, error))
	}{
		{"TCP connect hangs", hungConnect},
		{"TLS handshake hangs", hungHandshake},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, ended := tt.listen(t)
			v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: "https://" + addr + "/jwks", Issuer: issuer, Audience: audience})
			began := time.Now()
			verified := make(chan error, 1)
			go func() { _, err := v.Verify(context.Background(), token); verified <- err }()
			end, err := ended(began.Add(bound))
			if err != nil {
				t.Errorf("%v (%v after the fetch began); want it ended within %v (the fetch gives up at %v)",
					err, time.Since(began).Round(time.Millisecond), bound, auth.JWKSFetchTimeout)
			} else if took := end.Sub(began); took > bound {
				t.Errorf("it ended %v after the fetch began; want within %v", took.Round(time.Millisecond), bound)
			}
			if err := <-verified; session.ErrorCode(err) != session.EUNAVAILABLE {
				t.Errorf("Verify() = %v (code %q); want %q", err, session.ErrorCode(err), session.EUNAVAILABLE)
			}
		})
	}
}

// hungConnect is the address of a listener whose accept queue is full
// (listen(2) with backlog 0 holds one connection, never accepted; Linux
// drops the SYNs of further connects, so they hang), and a wait for the
// connect to it that began to end (its socket to leave SYN_SENT).
func hungConnect(t *testing.T) (string, func(time.Time) (time.Time, error)) {
	t.Helper()
	addr, port := hungtcp.FullQueue(t)
	// In /proc/net/tcp a connect to the listener has the remote address
	// 0100007F:<port in hex> and the state 02 (SYN_SENT).
	remote := fmt.Sprintf("0100007F:%04X", port)
	connecting := func() bool {
		f, err := os.Open("/proc/net/tcp")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		s := bufio.NewScanner(f)
		for s.Scan() {
			if f := strings.Fields(s.Text()); len(f) > 3 && f[2] == remote && f[3] == "02" {
				return true
			}
		}
		return false
	}
	return addr, func(deadline time.Time) (time.Time, error) {
		seen := false
		for time.Now().Before(deadline) {
			switch now, c := time.Now(), connecting(); {
			case c:
				seen = true
			case seen:
				return now, nil
			}
			time.Sleep(10 * time.Millisecond) // polling the kernel's table: nothing to wait on
		}
		if !seen {
			return time.Time{}, errors.New("no connect began")
		}
		return time.Time{}, errors.New("the connect is still running")
	}
}

// hungHandshake is the address of a listener that accepts and never
// writes (a TLS handshake with it hangs), and a wait for the client to
// close the first connection it accepted.
func hungHandshake(t *testing.T) (string, func(time.Time) (time.Time, error)) {
	t.Helper()
	addr, closed := hungtcp.Silent(t)
	return addr, func(deadline time.Time) (time.Time, error) {
		select {
		case end := <-closed:
			return end, nil
		case <-time.After(time.Until(deadline)):
			return time.Time{}, errors.New("the TLS handshake is still running")
		}
	}
}
