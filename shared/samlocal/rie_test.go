package samlocal

import (
	"context"
	"flag"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// fakeRIEEnv makes the test binary an emulator that listens on the address
// its value names: "emulator" (the invocation address only) or "both".
const fakeRIEEnv = "SAMLOCAL_FAKE_RIE"

// runFakeRIE is an aws-lambda-rie that takes the real one's flags and
// listens where fakeRIEEnv says, until it is stopped.
func runFakeRIE() {
	fs := flag.NewFlagSet("aws-lambda-rie", flag.ExitOnError)
	emu := fs.String("runtime-interface-emulator-address", "", "")
	api := fs.String("runtime-api-address", "", "")
	fs.String("log-level", "", "")
	_ = fs.Parse(os.Args[1:])
	addrs := []string{*emu}
	if os.Getenv(fakeRIEEnv) == "both" {
		addrs = append(addrs, *api)
	}
	for _, a := range addrs {
		l, err := net.Listen("tcp", a)
		if err != nil {
			os.Exit(3)
		}
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				c.Close()
			}
		}()
	}
	select {}
}

// TestInstanceWaitsForTheRuntimeAPI: the function dials the runtime API as
// soon as the first invocation starts it, and a function that finds nothing
// listening there exits: an init failure, which API Gateway answers 500. An
// emulator is ready only when both its addresses listen (a full-suite run
// under load once failed a create with 500 "Init failed ... dial tcp
// <runtime API>: connect: connection refused").
func TestInstanceWaitsForTheRuntimeAPI(t *testing.T) {
	defer func(d time.Duration) { readyTimeout = d }(readyTimeout)
	readyTimeout = 500 * time.Millisecond
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bootstrap := filepath.Join(t.TempDir(), "bootstrap")
	fn := &Function{LogicalID: "FakeFunction"}
	for _, tt := range []struct {
		listens string
		ready   bool
	}{
		{"both", true},
		{"emulator", false},
	} {
		inst, err := startInstance(context.Background(), exe, bootstrap, fn, map[string]string{fakeRIEEnv: tt.listens}, io.Discard)
		if inst != nil {
			inst.stop()
		}
		if (err == nil) != tt.ready {
			t.Errorf("an emulator listening on %s: startInstance error %v; want ready %v", tt.listens, err, tt.ready)
		}
	}
}
