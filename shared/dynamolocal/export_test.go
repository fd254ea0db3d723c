package dynamolocal

import (
	"testing"
	"time"
)

// SetPickPort replaces how Start picks a port for Options.Port 0, for the
// test's duration; it returns the function that restores it.
func SetPickPort(f func() (int, error)) (restore func()) {
	old := pickPort
	pickPort = f
	return func() { pickPort = old }
}

// InstalledEngine returns a folder (Options.Dir) holding a package of the
// engine's shape installed as the pinned one would be (installedEngine).
func InstalledEngine(t *testing.T) string { return installedEngine(t) }

// SetReadyTimeout replaces how long Start waits for the engine to answer,
// for the test's duration; it returns the function that restores it.
func SetReadyTimeout(d time.Duration) (restore func()) {
	old := readyTimeout
	readyTimeout = d
	return func() { readyTimeout = old }
}
