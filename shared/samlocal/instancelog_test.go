package samlocal

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
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
	p := instancePool(fn, 2, exe, fakeBootstrap(t), map[string]string{fakeRIEEnv: "both", fakeRIESaysEnv: gate}, &mu, &log)
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

// TestPrefixWriterWorkIsLinear: a function's output reaches prefixWriter
// in the pipe's reads (32 KiB each), under the lock every function's lines
// and the access log share. Cutting a read into its lines must cost in
// proportion to the read: a search that copied what was left of the buffer
// for each line cost the square of the read (32 KiB of blank lines: 566 MB
// allocated and a second with the log held, every request's access line
// waiting on it).
func TestPrefixWriterWorkIsLinear(t *testing.T) {
	for _, tc := range []struct {
		name string
		line string
	}{
		{"blank lines", "\n"},
		{"short lines", strings.Repeat("x", 79) + "\n"},
		{"one long line", strings.Repeat("x", 32<<10-1) + "\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			read := []byte(strings.Repeat(tc.line, (32<<10)/len(tc.line)))
			var mu sync.Mutex
			var log bytes.Buffer
			log.Grow(2 * len(read) * len("FakeFunction  "))
			p := &prefixWriter{mu: &mu, w: &log, prefix: "FakeFunction  "}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for range 4 {
				if _, err := p.Write(read); err != nil {
					t.Fatal(err)
				}
				log.Reset()
			}
			runtime.ReadMemStats(&after)
			// Four reads of 32 KiB: copies of the read and of a prefixed
			// line, a few of each per read, are linear; a copy of what is
			// left for each line is not.
			if got, limit := after.TotalAlloc-before.TotalAlloc, uint64(32*len(read)); got > limit {
				t.Errorf("bytes allocated for 4 reads of %d bytes: got %d; want at most %d", len(read), got, limit)
			}
		})
	}
}

// TestPrefixWriterLines: each whole line is written prefixed, one Write
// each; a piece is held until its line ends, or until Flush.
func TestPrefixWriterLines(t *testing.T) {
	for _, tc := range []struct {
		name   string
		writes []string
		flush  bool
		want   []string
	}{
		{"one line", []string{"a\n"}, false, []string{"F  a\n"}},
		{"two in one write", []string{"a\nb\n"}, false, []string{"F  a\n", "F  b\n"}},
		{"a line in pieces", []string{"a", "b", "c\nd"}, false, []string{"F  abc\n"}},
		{"blank lines", []string{"\n\n"}, false, []string{"F  \n", "F  \n"}},
		{"a piece flushed", []string{"a\nb"}, true, []string{"F  a\n", "F  b\n"}},
		{"nothing to flush", []string{"a\n"}, true, []string{"F  a\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			w := &writeRecorder{}
			p := &prefixWriter{mu: &mu, w: w, prefix: "F  "}
			for _, s := range tc.writes {
				if n, err := p.Write([]byte(s)); n != len(s) || err != nil {
					t.Fatalf("Write(%q): got %d, %v; want %d, nil", s, n, err, len(s))
				}
			}
			if tc.flush {
				p.Flush()
			}
			if !slices.Equal(w.writes, tc.want) {
				t.Errorf("writes: got %q; want %q", w.writes, tc.want)
			}
		})
	}
}

// writeRecorder keeps each Write's bytes apart.
type writeRecorder struct{ writes []string }

func (w *writeRecorder) Write(b []byte) (int, error) {
	w.writes = append(w.writes, string(b))
	return len(b), nil
}
