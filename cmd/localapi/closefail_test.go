package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/stoptest"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestFailedStopIsNotQuiet: Ctrl-C stops make run quietly (exit 0, no
// message) when the stop works; a stop that fails (the server not closed)
// is an error the user sees (run's error: "localapi: ..." and exit 1), not
// a quiet exit 0 that says the server stopped.
func TestFailedStopIsNotQuiet(t *testing.T) {
	vars := map[string]string{
		"DYNAMODB_ENDPOINT": storetest.Endpoint(t),
		"TABLE_NAME":        fmt.Sprintf("localapi-%d-%d", os.Getpid(), time.Now().UnixNano()),
	}
	ln := stoptest.StubbornListener{Listener: listener(t)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out lockedBuffer
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, func(k string) string { return vars[k] }, ln, &out, &out, ready) }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("run() = %v before it was ready", err)
	case <-time.After(60 * time.Second):
		t.Fatal("server not ready after 60s")
	}
	cancel() // Ctrl-C
	select {
	case err := <-done:
		if !errors.Is(err, stoptest.ErrClose) {
			t.Errorf("run() after Ctrl-C with a stop that failed = %v; want its error (%v)", err, stoptest.ErrClose)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run() did not return 30 s after Ctrl-C")
	}
	if !strings.Contains(out.String(), "Shutting down...") {
		t.Errorf("output lacks %q:\n%s", "Shutting down...", &out)
	}
}
