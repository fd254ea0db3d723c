package hungtcp

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// Silent is the address of a loopback listener that accepts every
// connection and never writes to one, so a TLS handshake with it hangs
// until the client gives up, and a channel that receives when the client
// closed each connection, in the order they close (the first 16; later
// ones are not reported). What a client sends is read and dropped. The
// listener and its connections are closed when t ends.
func Silent(t testing.TB) (addr string, closed <-chan time.Time) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ends := make(chan time.Time, 16)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		conns   []net.Conn
		closing bool
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			if closing {
				mu.Unlock()
				c.Close()
				return
			}
			conns = append(conns, c)
			wg.Add(1)
			mu.Unlock()
			go func() {
				defer wg.Done()
				_, _ = io.Copy(io.Discard, c) // until the client closes (or the cleanup does)
				select {
				case ends <- time.Now():
				default:
				}
			}()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		closing = true
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return l.Addr().String(), ends
}
