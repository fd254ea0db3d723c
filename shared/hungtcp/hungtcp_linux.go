package hungtcp

import (
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"
	"time"
)

// FullQueue is the address of a loopback listener whose accept queue is
// full, and its port: listen(2) with backlog 0 holds one connection, which
// is never accepted, and Linux drops the SYNs of further connects, so they
// hang (retrying their SYN) until the connecting side gives up. The
// listener and the connections filling it are closed when t ends.
func FullQueue(t testing.TB) (addr string, port int) {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	port = sa.(*syscall.SockaddrInet4).Port
	addr = fmt.Sprintf("127.0.0.1:%d", port)
	// Fill the queue: connect until a connect hangs (the first does, on
	// Linux, after one). A connect to loopback that is not dropped takes
	// microseconds.
	for range 8 {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return addr, port
			}
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
	}
	t.Fatalf("%s: 8 connects to a listener of backlog 0 got through; want its queue full", addr)
	return "", 0
}
