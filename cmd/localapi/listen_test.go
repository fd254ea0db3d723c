package main

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/paysessions/paysessions/shared/config"
)

// TestListenFailureNamesTheSettingToChange: a listen that fails says which
// setting to change, by the failure's cause. A HOST that is no address of
// this machine (192.0.2.1, TEST-NET-1, which RFC 5737 keeps off every
// network) once got the taken port's hint, "is another server using the
// port? set PORT to use another", where no other server and no port is the
// cause.
func TestListenFailureNamesTheSettingToChange(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	_, takenPort, _ := net.SplitHostPort(taken.Addr().String())
	for _, tc := range []struct {
		name        string
		vars        map[string]string
		wantErrno   syscall.Errno
		wantSetting string
	}{
		{"a taken port", map[string]string{"PORT": takenPort}, syscall.EADDRINUSE, "PORT"},
		{"a host that is not this machine's", map[string]string{"HOST": "192.0.2.1", "PORT": takenPort}, syscall.EADDRNOTAVAIL, "HOST"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.vars["DYNAMODB_ENDPOINT"] = "http://127.0.0.1:1" // never reached: the listen comes first
			err := run(context.Background(), func(k string) string { return tc.vars[k] }, nil, io.Discard, io.Discard, nil)
			if !errors.Is(err, tc.wantErrno) {
				t.Fatalf("run() = %v; want an error wrapping %v", err, tc.wantErrno)
			}
			var se *config.SettingError
			got := ""
			if errors.As(err, &se) {
				got = se.Name
			}
			if got != tc.wantSetting {
				t.Errorf("setting named by %q = %q; want %q", err, got, tc.wantSetting)
			}
		})
	}
}
