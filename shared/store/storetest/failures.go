package storetest

import (
	"fmt"
	"sync"
	"testing"
)

// Failures collects what a race test's goroutines found wrong, every
// message kept, for the test's own goroutine to report once they have
// ended (Report). The zero value is ready to use. Unlike t.Errorf called
// from the goroutines themselves, a goroutine still running after its test
// has ended (the test's goroutine stopped by a t.Fatal) cannot panic the
// test binary.
type Failures struct {
	mu   sync.Mutex
	msgs []string
}

// Add records fmt.Sprintf(format, args...); safe from any goroutine.
func (f *Failures) Add(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.msgs = append(f.msgs, msg)
}

// Report reports each failure recorded, in the order recorded, as a
// t.Errorf of prefix then the message.
func (f *Failures) Report(t testing.TB, prefix string) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range f.msgs {
		t.Errorf("%s%s", prefix, m)
	}
}
