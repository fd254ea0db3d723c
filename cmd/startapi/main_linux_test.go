// The stack runs only on Linux (the emulator does), so these tests do too.

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/config"
	"github.com/paysessions/paysessions/shared/doctext"
	"github.com/paysessions/paysessions/shared/samlocal"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// closedPorts returns n free ports, closed again: nothing listens there.
func closedPorts(t *testing.T, n int) []string {
	t.Helper()
	var ports []string
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		_, port, _ := net.SplitHostPort(l.Addr().String())
		ports = append(ports, port)
	}
	return ports
}

func options(vars map[string]string, logs io.Writer) samlocal.Options {
	return samlocal.Options{Getenv: func(k string) string { return vars[k] }, Log: logs}
}

// troubleshooting is README's Troubleshooting, where make run's and make
// start-api's failures are quoted (doctext.Section).
func troubleshooting(t *testing.T) string {
	t.Helper()
	return doctext.Section(t, "Troubleshooting")
}

// TestCtrlCDuringStartUpIsQuiet: Ctrl-C while start-up still runs (here
// waiting for DynamoDB; likewise reading the template or building the
// functions) is the user's stop, as it is once the API runs and as it is
// for make run (cmd/localapi): run returns nil, so start-api exits 0 and
// prints nothing, and make, killed by the same Ctrl-C, exits 130 without an
// "Error 1". Before, run returned start-up's error (the canceled call's
// "context canceled", or a build's "signal: interrupt"): start-api printed
// it and exited 1, and make printed "*** [Makefile:…: start-api] Error 1".
func TestCtrlCDuringStartUpIsQuiet(t *testing.T) {
	endpoint, reached := storetest.SilentEngine(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, logs lockedBuffer
	vars := map[string]string{"PORT": closedPorts(t, 1)[0], "DYNAMODB_ENDPOINT": endpoint}
	done := make(chan error, 1)
	go func() { done <- run(ctx, options(vars, &logs), &out) }()
	select {
	case <-reached: // start-up is waiting on DynamoDB
	case err := <-done:
		t.Fatalf("run() = %v before start-up reached DynamoDB; logs:\n%s", err, &logs)
	case <-time.After(2 * time.Minute):
		t.Fatal("start-up never called DynamoDB")
	}
	cancel() // Ctrl-C
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run() after Ctrl-C during start-up = %v; want nil (a quiet stop)", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("run() did not return after Ctrl-C")
	}
	for _, w := range []*lockedBuffer{&out, &logs} {
		if strings.Contains(w.String(), "context canceled") {
			t.Errorf("output after Ctrl-C holds %q:\n%s", "context canceled", w)
		}
	}
}

// TestWrongEndpointIsTheReadmes: with DYNAMODB_ENDPOINT naming no running
// engine, make start-api says what make run says (cmd/localapi's test of
// the same name): "create table" once, the SDK's words, then the hint
// naming the setting, which README's Troubleshooting quotes. Before, it
// said "create table payment-sessions at <endpoint>: create table
// payment-sessions: ..." with no hint.
func TestWrongEndpointIsTheReadmes(t *testing.T) {
	ports := closedPorts(t, 2)
	endpoint := "http://127.0.0.1:" + ports[1]
	vars := map[string]string{"PORT": ports[0], "DYNAMODB_ENDPOINT": endpoint}
	err := run(context.Background(), options(vars, io.Discard), io.Discard)
	if err == nil {
		t.Fatalf("run() with DYNAMODB_ENDPOINT=%s, where nothing listens = nil; want the create-table error", endpoint)
	}
	// What main prints: "start-api: " and the error.
	printed := strings.ReplaceAll("start-api: "+err.Error(), endpoint, "http://127.0.0.1:8000")
	const start = "start-api: create table payment-sessions: operation error DynamoDB: CreateTable, "
	const hint = "(is DynamoDB Local running at DYNAMODB_ENDPOINT=http://127.0.0.1:8000? unset DYNAMODB_ENDPOINT to have one started)"
	if !strings.HasPrefix(printed, start) || !strings.HasSuffix(printed, hint) {
		t.Fatalf("make start-api prints %q; want it to start %q and end %q, as make run's does", printed, start, hint)
	}
	if want := "`" + strings.TrimSuffix(start, " operation error DynamoDB: CreateTable, ") + " ...`"; !strings.Contains(troubleshooting(t), want) {
		t.Errorf("README's Troubleshooting does not quote what make start-api prints for a wrong DYNAMODB_ENDPOINT: got no %s", want)
	}
}

// TestPortInUseIsTheReadmes: README's Troubleshooting says make start-api
// reports a taken port as `start-api: listen on ...`, make run's words
// after its own name (cmd/localapi's test of the same name).
func TestPortInUseIsTheReadmes(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	vars := map[string]string{"PORT": port, "DYNAMODB_ENDPOINT": "http://127.0.0.1:1"}
	err = run(context.Background(), options(vars, io.Discard), io.Discard)
	if err == nil {
		t.Fatalf("run() on a taken port = nil; want the listen error")
	}
	printed := "start-api: " + err.Error()
	const start = "start-api: listen on "
	const hint = " (is another server using the port? set PORT to use another)"
	if want := fmt.Sprintf("%s127.0.0.1:%s: ", start, port); !strings.HasPrefix(printed, want) || !strings.HasSuffix(printed, hint) {
		t.Fatalf("make start-api prints %q; want it to start %q and end %q, as make run's does", printed, want, hint)
	}
	if want := "`" + start + "...`"; !strings.Contains(troubleshooting(t), want) {
		t.Errorf("README's Troubleshooting does not quote what make start-api prints on a taken port: got no %s", want)
	}
}

// TestWrongEndpointHidesItsSecrets: make start-api's hint shows
// DYNAMODB_ENDPOINT as its banner does, as make run's does (README,
// Security: "The local servers' start-up banners, written where their logs
// go, show it (and DYNAMODB_ENDPOINT) so too"). Before, it quoted the value
// whole, user information and query included.
func TestWrongEndpointHidesItsSecrets(t *testing.T) {
	ports := closedPorts(t, 2)
	endpoint := "http://tokUSER:tokPASS@127.0.0.1:" + ports[1] + "/?k=tokQUERY"
	err := run(context.Background(), options(map[string]string{"PORT": ports[0], "DYNAMODB_ENDPOINT": endpoint}, io.Discard), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "DYNAMODB_ENDPOINT="+config.ShownURL(endpoint)) || strings.Contains(err.Error(), "tok") {
		t.Errorf("run() with nothing at DYNAMODB_ENDPOINT = %v; want an error naming DYNAMODB_ENDPOINT=%s, no tok* in it", err, config.ShownURL(endpoint))
	}
}
