package storetest

import (
	"net"
	"sync"
	"testing"
)

// SilentEngine is an endpoint (http://127.0.0.1:port) that accepts
// connections and never answers: a DynamoDB that hangs, for tests of what
// waits on it. reached is closed when the first connection is accepted.
// The listener and every connection are closed when the test ends.
func SilentEngine(t testing.TB) (endpoint string, reached <-chan struct{}) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	first := make(chan struct{})
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			if conns = append(conns, c); len(conns) == 1 {
				close(first)
			}
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + l.Addr().String(), first
}
