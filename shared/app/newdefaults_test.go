package app_test

import (
	"context"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/app"
	"github.com/paysessions/paysessions/shared/config"
)

// TestNewWithNoOptionsIsTheFunctionsStartUp: each function's start-up
// (MustLoadAPI, MustLoadSweeper) builds its App with app.Options{}, so what
// New does with each option left unset is what runs in Lambda. Options' doc
// comments: Log, "nil means standard output" (where Lambda takes a
// function's lines from); Now, "replaces the clock" (unset: the wall
// clock). TuneGC's doc comment, "New calls it", and README, Configuration,
// of `GOGC` and `GOMEMLIMIT`: "`200`; in Lambda, 3/4 of the function's
// memory". The process's own GC settings and standard output are put back.
func TestNewWithNoOptionsIsTheFunctionsStartUp(t *testing.T) {
	const sentinelGC, sentinelLimit = 77, int64(1) << 40
	gc0 := debug.SetGCPercent(sentinelGC)
	limit0 := debug.SetMemoryLimit(sentinelLimit)
	t.Cleanup(func() {
		debug.SetGCPercent(gc0)
		debug.SetMemoryLimit(limit0)
	})
	for _, k := range []string{"GOGC", "GOMEMLIMIT"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
	env := map[string]string{"TABLE_NAME": "payment-sessions", "DYNAMODB_ENDPOINT": "http://127.0.0.1:9"} // New makes no network call
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = w
	before := time.Now()
	a, err := app.New(context.Background(), cfg, app.Options{})
	os.Stdout = stdout
	if err != nil {
		t.Fatal(err)
	}
	var now time.Time
	if a.Now != nil {
		now = a.Now()
	}
	after := time.Now()
	a.Logger.Info("a line to standard output")
	w.Close()
	out, _ := io.ReadAll(r)
	r.Close()
	gc, limit := debug.SetGCPercent(sentinelGC), debug.SetMemoryLimit(-1)

	cases := []struct {
		name      string
		got, want any
	}{
		{"GOGC unset: 200", gc, 200},
		{"in Lambda, 128 MB: a limit of 3/4", limit, int64(128 << 20 * 3 / 4)},
		{"Log unset: the line is on standard output", strings.Contains(string(out), `"msg":"a line to standard output"`), true},
		{"Now unset: the wall clock", !now.Before(before) && !now.After(after), true},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s: got %v; want %v", c.name, c.got, c.want)
		}
	}
}
