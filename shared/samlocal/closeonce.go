package samlocal

import (
	"net"
	"sync"
)

// OnceClosed is a listener closed at most once, whose every Close returns
// the first one's error.
//
// http.Server's Serve closes its listener when it returns, and drops that
// error; Shutdown closes it, and reports the error, only once Serve has
// taken it up. A stop that comes before the goroutine running Serve has
// (Ctrl-C just after start-up) finds no listener to close, and Serve, when
// it runs, closes it and returns at once: a listener that could not be
// closed was then a quiet, successful stop. Stack.Close and
// localserver's Close close it themselves after Shutdown, so its error is
// the stop's whichever closed it first.
type OnceClosed struct {
	net.Listener
	once sync.Once
	err  error
}

// CloseOnce returns ln closed at most once.
func CloseOnce(ln net.Listener) *OnceClosed { return &OnceClosed{Listener: ln} }

// Close closes the listener the first time; every call returns that
// close's error.
func (l *OnceClosed) Close() error {
	l.once.Do(func() { l.err = l.Listener.Close() })
	return l.err
}
