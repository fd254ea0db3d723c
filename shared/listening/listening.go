// Package listening tells which TCP ports a process listens on, read from
// Linux's /proc, so that a harness that starts a server on a port it
// picked (DynamoDB Local, the Lambda emulator) takes an answer on that port
// for its own server's only once its own process listens there — never for
// another server that took the port in the meantime.
package listening

import "net/netip"

// Socket is a listening TCP socket: its local address and port.
type Socket struct {
	Addr netip.Addr
	Port int
}

// Sockets is what Read found for a set of processes.
type Sockets struct {
	// Own are the listening TCP sockets the processes hold.
	Own []Socket
	// Held is how many sockets, of any kind and state, the processes hold
	// open: none means not bound yet, or exited (a zombie has no files).
	Held int
	// Any reports whether the network namespace's tables list any
	// listening socket at all: an emulated kernel may leave them empty,
	// and then Own says nothing.
	Any bool
}

// Listens reports whether s holds a listening socket on port, on any
// address.
func (s Sockets) Listens(port int) bool {
	for _, o := range s.Own {
		if o.Port == port {
			return true
		}
	}
	return false
}
