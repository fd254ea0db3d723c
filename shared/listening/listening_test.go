package listening

import (
	"bytes"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"
)

// TestReadFindsThisProcesssListeners: a listener this process opens, on
// IPv4 or IPv6 loopback, is found with its address and port; a socket it
// does not hold, or no longer holds, is not.
func TestReadFindsThisProcesssListeners(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Fatalf("GOOS %s: the package reads Linux's /proc; the suite runs on Linux", runtime.GOOS)
	}
	v4, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer v4.Close()
	cases := []struct {
		name string
		l    net.Listener
		addr netip.Addr
	}{
		{"IPv4 loopback", v4, netip.MustParseAddr("127.0.0.1")},
	}
	if v6, err := net.Listen("tcp6", "[::1]:0"); err == nil {
		defer v6.Close()
		cases = append(cases, struct {
			name string
			l    net.Listener
			addr netip.Addr
		}{"IPv6 loopback", v6, netip.MustParseAddr("::1")})
	}
	s := Read(os.Getpid())
	if s.Held == 0 || !s.Any {
		t.Fatalf("Read(self) = held %d, any %v; want sockets held and listed", s.Held, s.Any)
	}
	for _, c := range cases {
		port := c.l.Addr().(*net.TCPAddr).Port
		if !slices.Contains(s.Own, Socket{Addr: c.addr, Port: port}) {
			t.Errorf("%s: Read(self).Own = %v; want %v:%d among them", c.name, s.Own, c.addr, port)
		}
		if !s.Listens(port) {
			t.Errorf("%s: Listens(%d) = false; want true", c.name, port)
		}
	}

	// A socket closed again is no longer this process's. Its address and
	// port, not its port alone: the kernel may give the IPv6 listener
	// above, on ::1, the same port number (an IPv4 and an IPv6-only
	// socket do not clash), and Listens(port) is then rightly true
	// (seen once under load).
	gone, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := Socket{Addr: netip.MustParseAddr("127.0.0.1"), Port: gone.Addr().(*net.TCPAddr).Port}
	gone.Close()
	if own := Read(os.Getpid()).Own; slices.Contains(own, closed) {
		t.Errorf("Read(self).Own after Close = %v; want %v:%d not among them", own, closed.Addr, closed.Port)
	}
	// Another process holds none of this one's sockets.
	child := exec.Command("sleep", "30")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = child.Process.Kill(); _ = child.Wait() }()
	if got := Read(child.Process.Pid); got.Listens(v4.Addr().(*net.TCPAddr).Port) {
		t.Errorf("Read(child).Own = %v; want none of the parent's listeners", got.Own)
	}
	if !Alive(child.Process.Pid) {
		t.Errorf("Alive(child) = false; want true")
	}
	if got := Tree(os.Getpid()); !slices.Contains(got, child.Process.Pid) || got[0] != os.Getpid() {
		t.Errorf("Tree(self) = %v; want self first and the child %d", got, child.Process.Pid)
	}
	if got := Children(os.Getpid()); !slices.Contains(got, child.Process.Pid) || slices.Contains(got, os.Getpid()) {
		t.Errorf("Children(self) = %v; want the child %d and not self", got, child.Process.Pid)
	}
	if got := Children(child.Process.Pid); len(got) != 0 {
		t.Errorf("Children(sleep) = %v; want none", got)
	}
}

// TestAliveOnlyWhileItRuns: Alive is true for a process that runs, false
// for one that has exited, reaped or not ("a process that has gone, or
// exited and is not yet reaped, has none"). A zombie keeps its /proc
// entry, /proc/<pid>/fd included, until its parent (or init, for an
// orphan) reaps it: the stop tests waited that long, about a second where
// init reaps late, for an orphaned compiler that was already dead.
func TestAliveOnlyWhileItRuns(t *testing.T) {
	start := func(t *testing.T, name string, args ...string) *exec.Cmd {
		t.Helper()
		c := exec.Command(name, args...)
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Process.Kill(); _ = c.Wait() })
		return c
	}
	tests := []struct {
		name string
		pid  func(t *testing.T) int
		want bool
	}{
		{"running", func(t *testing.T) int { return start(t, "sleep", "30").Process.Pid }, true},
		{"exited, not reaped", func(t *testing.T) int {
			c := start(t, "true")
			// Its parent (this test) has not waited: it stays a zombie.
			for end := time.Now().Add(10 * time.Second); state(c.Process.Pid) != 'Z'; time.Sleep(5 * time.Millisecond) {
				if time.Now().After(end) {
					t.Fatalf("true (%d) not a zombie after 10 s: state %q", c.Process.Pid, state(c.Process.Pid))
				}
			}
			return c.Process.Pid
		}, false},
		{"exited and reaped", func(t *testing.T) int {
			c := start(t, "true")
			_ = c.Wait()
			return c.Process.Pid
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pid := tt.pid(t)
			if got := Alive(pid); got != tt.want {
				t.Errorf("Alive(%d) got %v; want %v", pid, got, tt.want)
			}
		})
	}
}

// state is process pid's state letter in /proc/<pid>/stat (0 if none).
func state(pid int) byte {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if i := bytes.LastIndexByte(b, ')'); err == nil && i >= 0 && i+2 < len(b) {
		return b[i+2]
	}
	return 0
}
