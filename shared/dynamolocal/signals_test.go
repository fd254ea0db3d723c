package dynamolocal_test

import (
	"os"
	"os/signal"
	"slices"
	"syscall"
	"testing"

	"github.com/paysessions/paysessions/shared/dynamolocal"
	"github.com/paysessions/paysessions/shared/stoptest"
)

// TestStopSignalsLeaveAnIgnoredHangupIgnored: a command started with
// SIGHUP ignored (nohup) must not ask for it, or Notify would install a
// handler and a closed terminal would stop it after all; otherwise SIGHUP
// is a stop like Ctrl-C. (cmd/localapi's TestNohupKeepsServingWhenTheTerminalCloses
// runs the server under nohup.)
func TestStopSignalsLeaveAnIgnoredHangupIgnored(t *testing.T) {
	stoptest.HangupAsFromATerminal() // the "not ignored" row, also when the tests run under nohup
	for _, ignored := range []bool{false, true} {
		if ignored {
			signal.Ignore(syscall.SIGHUP)
			t.Cleanup(func() {
				// Reset alone leaves signal.Ignored reporting true (os/signal
				// clears the mark only when a handler is installed), which
				// failed the "not ignored" row of the next run (-count=2):
				// install one, then reset.
				signal.Notify(make(chan os.Signal, 1), syscall.SIGHUP)
				signal.Reset(syscall.SIGHUP)
				stoptest.HangupAsFromATerminal()
			})
		}
		got := dynamolocal.StopSignals()
		want := []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}
		if ignored {
			want = want[:2]
		}
		if !slices.Equal(got, want) {
			t.Errorf("SIGHUP ignored %v: StopSignals() = %v; want %v", ignored, got, want)
		}
	}
}
