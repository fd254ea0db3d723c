package localserver

import (
	"testing"
	"time"
)

// TestHeadAndBodyBoundsAreTheReadmes: README's 408 row, "a request whose
// body is not all in within 10 s of its head ... the local servers' bound
// (samlocal.DefaultBodyTimeout, the 10 s their ReadHeaderTimeout gives
// the head)". Start's own values were reached by no test: a
// ReadHeaderTimeout of 100 s, and a default body bound of 20 s or of 0
// for an unset Options.BodyTimeout, lived the package's tests
// (r68-mut-cfg; cmd/localapi's caught only the 0).
func TestHeadAndBodyBoundsAreTheReadmes(t *testing.T) {
	if got, want := newHTTPServer().ReadHeaderTimeout, 10*time.Second; got != want {
		t.Errorf("ReadHeaderTimeout got %v; want %v", got, want)
	}
	for _, tt := range []struct{ asked, want time.Duration }{
		{0, 10 * time.Second}, // unset: the documented 10 s
		{-time.Second, 10 * time.Second},
		{time.Nanosecond, time.Nanosecond},
		{3 * time.Second, 3 * time.Second},
	} {
		if got := bodyBound(tt.asked); got != tt.want {
			t.Errorf("bodyBound(%v) got %v; want %v", tt.asked, got, tt.want)
		}
	}
}
