// Command bench runs the benchmark suite (`make bench`) and prints one
// table — figure, budget, measured, pass or fail — also written to
// BENCHMARKS.md with the machine and the date. Every figure is measured in
// this run; comparisons are ratios against a peer measured in the same run,
// because the machines are shared and noisy.
//
//	go run ./cmd/bench                 # everything
//	go run ./cmd/bench -only overhead  # one part: overhead, coldstart, load, sweep, list, heat
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paysessions/paysessions/shared/app"
	"github.com/paysessions/paysessions/shared/dynamolocal"
)

// row is one line of the table.
type row struct {
	Part, Figure, Budget, Measured string
	Pass                           *bool // nil: reported, no budget
	// RoundsCross: the budget judges a median (or a ratio of medians) that
	// met it, and at least one round's own ratio did not. The row passes
	// (the run does not fail on it) and its result says so.
	RoundsCross bool
	Note        string
}

func pass(ok bool) *bool { return &ok }

// crossMark is the result of a passing row whose rounds cross its budget.
const crossMark = "pass (median; rounds cross)"

// result is the table's result column for r.
func (r row) result() string {
	switch {
	case r.Pass == nil:
		return "reported"
	case !*r.Pass:
		return "**FAIL**"
	case r.RoundsCross:
		return crossMark
	}
	return "pass"
}

// ratioRow is a row whose budget is a ratio of at most max: mid is what
// the budget judges (the median of the rounds' ratios, or the ratio of the
// medians), rounds each round's own ratio, shown as the spread (lowest–
// highest), and extra follows the spread inside its parentheses. A row
// whose mid meets the budget while a round's ratio does not is marked
// RoundsCross. A row without rounds, or with a round that measured
// nothing (NaN, 0/0: the spread reads NaN–NaN, and the median sorts it
// first), fails: its mid cannot be judged.
func ratioRow(part, figure, budget string, max, mid float64, rounds []float64, extra string) row {
	lo, hi := mid, mid
	if len(rounds) > 0 {
		lo, hi = slices.Min(rounds), slices.Max(rounds)
	}
	ok := mid <= max && len(rounds) > 0 && !slices.ContainsFunc(rounds, math.IsNaN)
	return row{Part: part, Figure: figure, Budget: budget,
		Measured: fmt.Sprintf("%s× (rounds %s–%s%s)", ratioText(mid, max), ratioText(lo, max), ratioText(hi, max), extra),
		Pass:     pass(ok), RoundsCross: ok && hi > max}
}

// ratioText is v with two decimals, or as many more as it takes for the
// figure shown to be on v's side of the budget max: 2.004 against 2.0 is
// "2.004", not the "2.00" that would read as within it.
func ratioText(v, max float64) string {
	for digits := 2; digits <= 6; digits++ {
		t := strconv.FormatFloat(v, 'f', digits, 64)
		if shown, err := strconv.ParseFloat(t, 64); err == nil && (shown <= max) == (v <= max) {
			return t
		}
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

type suite struct {
	root     string
	work     string
	rows     []row
	log      io.Writer
	endpoint string // DynamoDB Local
	engine   int    // its process id
	started  time.Time
	// loadAtStart is the machine's load average (1 min) when the run
	// began (loadAverage), for the report's header.
	loadAtStart string
}

func (s *suite) add(r row) {
	s.rows = append(s.rows, r)
	status, mark := "info", ""
	if r.Pass != nil {
		status = map[bool]string{true: "PASS", false: "FAIL"}[*r.Pass]
	}
	if r.result() == crossMark {
		mark = "  (" + strings.TrimPrefix(crossMark, "pass (")
	}
	fmt.Fprintf(s.log, "  %-5s %-58s %-22s %s%s\n", status, r.Figure, r.Budget, r.Measured, mark)
}

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

// run is the whole of make bench, its exit code returned rather than
// taken with os.Exit, which would skip its deferred calls: the removal of
// its work folder and the engine's stop.
func run(args []string, stderr io.Writer) int {
	flags := flag.NewFlagSet("bench", flag.ContinueOnError)
	flags.SetOutput(stderr)
	only := flags.String("only", "", "run one part: overhead, coldstart, load, sweep, list or heat")
	out := flags.String("out", "BENCHMARKS.md", "the report to write (empty: none)")
	loadFor := flags.Duration("load-duration", 15*time.Second, "how long each load run lasts")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	// What this process measures of the service's own code (the sweeper,
	// the list) and the load part's raw peer run under the service's GC
	// setting, whichever parts run (rawGetItem applies it too).
	app.TuneGC()
	root, err := os.Getwd()
	if err != nil {
		return fail(err)
	}
	work, err := os.MkdirTemp("", "paysessions-bench-")
	if err != nil {
		return fail(err)
	}
	defer os.RemoveAll(work)
	started := time.Now()
	s := &suite{root: root, work: work, log: os.Stdout, started: started, loadAtStart: loadAverage()}

	needsDB := *only == "" || *only == "load" || *only == "sweep" || *only == "list"
	if needsDB {
		fmt.Println("Starting DynamoDB Local...")
		// FullJIT: the figures are of an engine serving a load for
		// minutes, as they were before engines started on C1 alone.
		e, err := dynamolocal.Start(context.Background(), dynamolocal.Options{FullJIT: true})
		if err != nil {
			return fail(err)
		}
		defer e.Stop()
		s.endpoint, s.engine = e.Endpoint, e.PID()
	}
	parts := []part{
		{"overhead", runOverhead},
		{"coldstart", runColdStart},
		{"load", func(s *suite) error { return runLoad(s, *loadFor) }},
		{"sweep", runSweepCost},
		{"list", runListCost},
		{"heat", runHeatModel},
	}
	failed := s.runParts(parts, *only)
	report := s.markdown(time.Since(started))
	fmt.Println()
	fmt.Println(report)
	if writesReport(*out, *only) {
		if err := writeReport(filepath.Join(root, *out), report); err != nil {
			return fail(err)
		}
		fmt.Printf("wrote %s\n", *out)
	}
	if failed {
		return 1
	}
	return 0
}

// part is one part of the suite.
type part struct {
	name string
	run  func(*suite) error
}

// label is the part's name as its rows give it.
func (p part) label() string {
	if p.name == "coldstart" {
		return "cold start"
	}
	return p.name
}

// oneLine is s on one line of a Markdown table: white space runs folded to
// one space, "|" escaped, cut at max runes.
func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		s = string(r[:max]) + "…"
	}
	return strings.ReplaceAll(s, "|", `\|`)
}

// runParts runs the parts (only the one named only, if it is not empty)
// and reports whether the run failed: a part that stopped with an error,
// or a budget missed. A whole run (only empty) is itself a budget: under
// maxWholeRun since s.started (the program's start; else runParts').
func (s *suite) runParts(parts []part, only string) (failed bool) {
	start := time.Now()
	known := only == ""
	for _, p := range parts {
		known = known || p.name == only
	}
	if !known {
		fmt.Fprintf(os.Stderr, "bench: no part named %q\n", only)
		return true
	}
	for _, p := range parts {
		if only != "" && only != p.name {
			continue
		}
		fmt.Fprintf(s.log, "\n== %s\n", p.name)
		if err := p.run(s); err != nil {
			fmt.Fprintf(os.Stderr, "bench %s: %v\n", p.name, err)
			// The part measured nothing after the error: the report says
			// so, rather than showing only the rows it reached, all
			// passing.
			s.add(row{Part: p.label(), Figure: "the part ran to its end (every figure of the part measured)", Budget: "no error",
				Measured: "stopped: " + oneLine(err.Error(), 200), Pass: pass(false)})
		}
	}
	if only == "" {
		if s.started.IsZero() {
			s.started = start
		}
		took := time.Since(s.started)
		s.add(row{Part: "suite", Figure: "the whole run, DynamoDB Local's start and the builds included", Budget: "< 10 min",
			Measured: took.Round(time.Second).String(), Pass: pass(took < maxWholeRun)})
	}
	for _, r := range s.rows {
		if r.Pass != nil && !*r.Pass {
			failed = true
		}
	}
	return failed
}

// maxWholeRun is issue 6's budget for the whole of `make bench` on the
// 2-core machine.
const maxWholeRun = 10 * time.Minute

// writesReport reports whether a run writes its report to out: a whole
// run only, so that one part's rows (-only) never replace the table of
// every part.
func writesReport(out, only string) bool {
	return out != "" && only == ""
}

// Markers around the generated part of the report: the rest of the file
// (the analysis) is kept from run to run.
const (
	beginTable = "<!-- bench:begin (generated by make bench) -->"
	endTable   = "<!-- bench:end -->"
)

func writeReport(path, table string) error {
	generated := beginTable + "\n" + table + endTable
	old, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(old), beginTable) || !strings.Contains(string(old), endTable) {
		return os.WriteFile(path, []byte(generated+"\n"), 0o644)
	}
	s := string(old)
	head := s[:strings.Index(s, beginTable)]
	tail := s[strings.Index(s, endTable)+len(endTable):]
	return os.WriteFile(path, []byte(head+generated+tail), 0o644)
}

// machine describes where the figures were measured.
func machine() string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				cpu = strings.TrimSpace(strings.SplitN(l, ":", 2)[1])
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		fmt.Sscanf(strings.SplitN(string(b), "\n", 2)[0], "MemTotal: %d kB", &kb)
		mem = fmt.Sprintf(", %.0f GiB RAM", float64(kb)/1024/1024)
	}
	java := ""
	if out, err := exec.Command("java", "-version").CombinedOutput(); err == nil {
		java = ", " + strings.SplitN(string(out), "\n", 2)[0]
	}
	return fmt.Sprintf("%s/%s, %d CPUs (%s)%s, %s%s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), cpu, mem, runtime.Version(), java)
}

// loadAverage is the machine's load average over the last minute
// (/proc/loadavg), "unknown" where there is none. On the shared 2-core
// machine a load well above 2 means every process measured waited for a
// core, and ratios of times drift towards 1.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "unknown"
}

func (s *suite) markdown(took time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Benchmarks\n\n")
	fmt.Fprintf(&b, "Measured by `make bench` on %s, %s; the whole run took %s; load average (1 min) %s at the start, %s at the end.\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), machine(), took.Round(time.Second), s.loadAtStart, loadAverage())
	fmt.Fprintf(&b, "Each ratio compares two figures measured in this same run; the sections after the table say what each part measures and what was changed to reach these figures.\n")
	fmt.Fprintf(&b, "A ratio measured in rounds is judged on its median (cold start and load: the ratio of the medians), with the rounds' lowest–highest beside it; *%s* means the median met the budget but at least one round did not, so the budget is not claimed as met (the run does not fail on it); a ratio without rounds, or with a round that measured nothing (NaN), is a FAIL.\n\n", crossMark)
	b.WriteString(s.table())
	return b.String()
}

// table is the report's table of the rows.
func (s *suite) table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "| part | figure | budget | measured | result |\n|---|---|---|---|---|\n")
	for _, r := range s.rows {
		fig := r.Figure
		if r.Note != "" {
			fig += " (" + r.Note + ")"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", r.Part, fig, orDash(r.Budget), r.Measured, r.result())
	}
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// run runs a command in the repository, its output to the log.
func (s *suite) run(env []string, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = s.root
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	return cmd.Run()
}
