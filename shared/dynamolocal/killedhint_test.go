package dynamolocal_test

import (
	"errors"
	"testing"

	"github.com/paysessions/paysessions/shared/dynamolocal"
)

// TestKilledEngineSaysWhatToDo: README, Troubleshooting: "`signal:
// killed` is a kill from outside (the kernel's out-of-memory killer, or a
// user)". A fresh user whose make run lost its engine so (kill -9 of its
// JVM, r98-fresh) was told only `DynamoDB Local exited (signal: killed);
// the last of its output since it was ready: nothing`: neither what ended
// it nor what to do, where a heap that ran out is told both
// (TestHeapRanOutSaysWhatToDo). An engine killed by SIGKILL is ErrKilled,
// beside ErrEngineExited, and only then: another signal or an exit status
// of its own says why in its output.
func TestKilledEngineSaysWhatToDo(t *testing.T) {
	for _, tc := range []struct {
		name string
		body string // what the engine does
		want bool
	}{
		{"killed", "kill -KILL $$", true},
		{"terminated", "kill -TERM $$", false},
		{"an exit status of its own", "echo 'Exception in thread \"main\" java.lang.IllegalStateException: boom' >&2; exit 3", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := exitedAfter(t, tc.body)
			if got := errors.Is(err, dynamolocal.ErrKilled); got != tc.want {
				t.Errorf("Exited() = %v: ErrKilled %v; want %v", err, got, tc.want)
			}
		})
	}
}
