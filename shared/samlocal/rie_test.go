package samlocal

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fakeRIEEnv makes the test binary an emulator that listens on the address
// its value names: "emulator" (the invocation address only) or "both".
const fakeRIEEnv = "SAMLOCAL_FAKE_RIE"

// fakeExitDelay is how long the fake emulator lives on after an address it
// must listen on was taken: the real one binds its two addresses apart (the
// runtime API in a goroutine) and exits when one fails, the other
// accepting meanwhile, for as long as a loaded machine takes.
const fakeExitDelay = time.Second

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
	failed := false
	for _, a := range addrs {
		l, err := net.Listen("tcp", a)
		if err != nil {
			failed = true
			continue
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
	if failed {
		time.Sleep(fakeExitDelay)
		os.Exit(3)
	}
	if gate := os.Getenv(fakeRIESaysEnv); gate != "" {
		saySplitLines(gate)
	}
	select {}
}

// fakeRIESaysEnv makes the fake emulator write a line in two pieces, the
// second once the file its value names exists, then a last line without
// its line break, as a process cut off mid-line leaves it. Beside the
// first piece it makes that file's name plus "." and its pid, to say the
// piece is written.
const fakeRIESaysEnv = "SAMLOCAL_FAKE_RIE_SAYS"

func saySplitLines(gate string) {
	pid := os.Getpid()
	fmt.Printf("pid=%d first half", pid)
	if err := os.WriteFile(gate+"."+strconv.Itoa(pid), nil, 0o600); err != nil {
		os.Exit(4)
	}
	for {
		if _, err := os.Stat(gate); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Printf(", second half pid=%d\nlast words pid=%d", pid, pid)
}

// TestInstanceWaitsForTheRuntimeAPI: the function dials the runtime API as
// soon as the first invocation starts it, and a function that finds nothing
// listening there exits: an init failure, which API Gateway answers 500. An
// emulator is ready only when both its addresses listen (a full-suite run
// under load once failed a create with 500 "Init failed ... dial tcp
// <runtime API>: connect: connection refused").
//
// The fake emulator is this race-built test binary: on a loaded machine
// (make test's packages side by side, an emulator per stack test) it took
// more than 500 ms to listen, on each of startInstance's three tries (2 of
// 20 runs beside a CPU hog and two packages' tests). So the emulator that
// listens on both gets the stack's own readyTimeout; the one that never
// listens on the runtime API is judged not ready after 500 ms a try, and a
// slower start would only answer the same.
func TestInstanceWaitsForTheRuntimeAPI(t *testing.T) {
	defer func(d time.Duration) { readyTimeout = d }(readyTimeout)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bootstrap := fakeBootstrap(t)
	fn := &Function{LogicalID: "FakeFunction"}
	for _, tt := range []struct {
		listens string
		ready   bool
		timeout time.Duration // readyTimeout: how long each try waits
	}{
		{"both", true, readyTimeout},
		{"emulator", false, 500 * time.Millisecond},
	} {
		readyTimeout = tt.timeout
		inst, err := startInstance(context.Background(), exe, bootstrap, fn, map[string]string{fakeRIEEnv: tt.listens}, io.Discard)
		if inst != nil {
			inst.stop()
		}
		if (err == nil) != tt.ready {
			t.Errorf("an emulator listening on %s: startInstance error %v; want ready %v", tt.listens, err, tt.ready)
		}
	}
}

// TestInstanceIsReadyOnlyOnItsOwnPorts: the ports an emulator is given
// were free a moment before it binds them, and another process may take
// one meanwhile (another emulator: make test runs packages side by side,
// and a stack starts many at once). The emulator then exits, while its
// other address and the taker's accept: an instance declared ready then
// sent its invocation to the taker, or to an emulator about to exit (a
// full-suite run under load once got API Gateway's 500 from "read:
// connection reset by peer" on a cold start). Ready means the emulator's
// own process listens on both its addresses; else it starts again on
// other ports.
func TestInstanceIsReadyOnlyOnItsOwnPorts(t *testing.T) {
	defer func(d time.Duration) { readyTimeout = d }(readyTimeout)
	readyTimeout = 5 * time.Second
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bootstrap := fakeBootstrap(t)
	fn := &Function{LogicalID: "FakeFunction"}
	for i, address := range []string{"emulator", "runtime API"} {
		t.Run(address+" taken", func(t *testing.T) {
			// Another process's listener on the port the first attempt gets.
			taker, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer taker.Close()
			taken := taker.Addr().(*net.TCPAddr).Port
			attempts := 0
			defer func(p func(int) ([]int, error)) { pickPorts = p }(pickPorts)
			pickPorts = func(n int) ([]int, error) {
				ports, err := freePorts(n)
				if attempts++; attempts == 1 && err == nil {
					ports[i] = taken
				}
				return ports, err
			}
			inst, err := startInstance(context.Background(), exe, bootstrap, fn, map[string]string{fakeRIEEnv: "both"}, io.Discard)
			if err != nil {
				t.Fatalf("startInstance: %v; want an instance on other ports", err)
			}
			defer inst.stop()
			for _, addr := range []string{inst.invokeURL, inst.runtimeAPI} {
				if strings.Contains(addr, ":"+strconv.Itoa(taken)) {
					t.Errorf("ready instance's address %s is the port another process listens on (%d); want its own", addr, taken)
				}
			}
			select {
			case <-inst.done:
				t.Errorf("the ready instance's emulator exited")
			case <-time.After(fakeExitDelay + 200*time.Millisecond):
			}
			if attempts != 2 {
				t.Errorf("attempts = %d; want 2", attempts)
			}
		})
	}
}
