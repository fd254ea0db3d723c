package samlocal

import (
	"net/http"
	"testing"
	"time"
)

// TestHeadBoundIsTheReadmes: README's 408 row, "the local servers' bound
// (samlocal.DefaultBodyTimeout, the 10 s their ReadHeaderTimeout gives the
// head)". make run's server is held to it (localserver's
// TestHeadAndBodyBoundsAreTheReadmes); make start-api's was reached by no
// test (a ReadHeaderTimeout of 100 s lived the package's tests). Its
// MaxHeaderBytes stays Go's default, above HTTP APIs' quota, which
// ServeHTTP applies itself.
func TestHeadBoundIsTheReadmes(t *testing.T) {
	srv := newHTTPServer(http.NotFoundHandler())
	for _, tt := range []struct {
		name      string
		got, want any
	}{
		{"ReadHeaderTimeout", srv.ReadHeaderTimeout, 10 * time.Second},
		{"ReadHeaderTimeout (DefaultBodyTimeout, the body's bound)", srv.ReadHeaderTimeout, DefaultBodyTimeout},
		{"MaxHeaderBytes", srv.MaxHeaderBytes, http.DefaultMaxHeaderBytes},
	} {
		if tt.got != tt.want {
			t.Errorf("%s got %v; want %v", tt.name, tt.got, tt.want)
		}
	}
}
