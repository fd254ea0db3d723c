package dynamolocal

import (
	"os"
	"os/signal"
	"syscall"
)

// StopSignals are the signals on which a command that runs DynamoDB Local
// (make run, make start-api, cmd/dynamodb-local) stops, so that it stops
// the engine rather than being killed with it: Ctrl-C, SIGTERM, and SIGHUP
// (a closed terminal), unless the command was started with SIGHUP ignored.
// nohup starts it so, to keep it running past a closed terminal, and
// os/signal's Notify would undo that: it installs a handler for a signal
// the process was started ignoring, which then "will no longer be
// ignored".
func StopSignals() []os.Signal {
	sigs := []os.Signal{os.Interrupt, syscall.SIGTERM}
	if !signal.Ignored(syscall.SIGHUP) {
		sigs = append(sigs, syscall.SIGHUP)
	}
	return sigs
}
