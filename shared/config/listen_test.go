package config

import (
	"errors"
	"net"
	"os"
	"syscall"
	"testing"
)

// TestListenErrorNamesTheSettingByItsCause: what a failed listen blames,
// by the bind's errno, as net.Listen wraps it (an *net.OpError around an
// *os.SyscallError). EACCES (a port below 1024 without privileges) cannot
// be met by a test run as root, so every cause is built here.
func TestListenErrorNamesTheSettingByItsCause(t *testing.T) {
	for _, tc := range []struct {
		errno syscall.Errno
		want  string // the SettingError's Name; "" for none
	}{
		{syscall.EADDRINUSE, "PORT"},
		{syscall.EACCES, "PORT"},
		{syscall.EADDRNOTAVAIL, "HOST"},
		{syscall.EMFILE, ""},
	} {
		t.Run(tc.errno.Error(), func(t *testing.T) {
			cause := &net.OpError{Op: "listen", Net: "tcp", Err: os.NewSyscallError("bind", tc.errno)}
			err := listenError("127.0.0.1:80", cause)
			if !errors.Is(err, tc.errno) {
				t.Fatalf("listenError(%v) = %v; want it to wrap %v", cause, err, tc.errno)
			}
			var se *SettingError
			got := ""
			if errors.As(err, &se) {
				got = se.Name
			}
			if got != tc.want {
				t.Errorf("listenError(%v) names %q; want %q", cause, got, tc.want)
			}
		})
	}
}
