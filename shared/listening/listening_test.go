package listening

import (
	"net"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"testing"
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

	// A port closed again is no longer this process's.
	gone, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := gone.Addr().(*net.TCPAddr).Port
	gone.Close()
	if Read(os.Getpid()).Listens(port) {
		t.Errorf("Listens(%d) after Close = true; want false", port)
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
