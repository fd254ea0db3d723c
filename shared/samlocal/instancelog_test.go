package samlocal

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestEachInstanceLogsWholeLines: start-api writes every function's output
// to one log, line by line, each line prefixed with the function's logical
// id. Two instances of one function (its concurrency above 1) each write
// through their own pipe, and a line may reach the log in pieces (a line
// longer than a pipe's read, a runtime that writes it in two calls): the
// pieces of one instance's line must stay one line, never take in another
// instance's, and an instance that exits mid-line leaves that piece as a
// line of its own, not as the head of the next instance's.
func TestEachInstanceLogsWholeLines(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	gate := filepath.Join(dir, "gate")
	var mu sync.Mutex
	var log bytes.Buffer
	fn := &Function{LogicalID: "FakeFunction"}
	p := instancePool(fn, 2, exe, filepath.Join(dir, "bootstrap"), map[string]string{fakeRIEEnv: "both", fakeRIESaysEnv: gate}, &mu, &log)
	defer p.close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var insts []*instance
	for range 2 {
		inst, err := p.acquire(ctx)
		if err != nil {
			t.Fatalf("acquire: %v", err)
		}
		insts = append(insts, inst)
	}
	// Both first pieces written before either second piece.
	for {
		marks, _ := filepath.Glob(gate + ".*")
		if len(marks) == 2 {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the fake emulators did not write their first pieces: %v", ctx.Err())
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // the pipes' copies reach the log
	if err := os.WriteFile(gate, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, inst := range insts {
		pids = append(pids, inst.cmd.Process.Pid)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n := strings.Count(log.String(), "second half")
		mu.Unlock()
		if n == 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, inst := range insts {
		inst.stop()
	}
	mu.Lock()
	got := strings.Split(strings.TrimSuffix(log.String(), "\n"), "\n")
	mu.Unlock()
	var want []string
	for _, pid := range pids {
		want = append(want,
			fmt.Sprintf("FakeFunction  pid=%d first half, second half pid=%d", pid, pid),
			fmt.Sprintf("FakeFunction  last words pid=%d", pid))
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("log lines: got %q; want %q", got, want)
	}
}
