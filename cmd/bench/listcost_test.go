package main

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// listFigures are one list row's figures: calls, read units, wall time.
type listFigures struct {
	queries, batchGets, units int
	wall                      time.Duration
}

// TestListTableIsTheTablesRun: BENCHMARKS.md's hand-written table "The
// list: correct costs more reads" says its figures are "From the run in
// the table above", so its calls, read units and wall times must be the
// generated list rows' (runListCost's Measured). The table kept a run of
// 2026-11-30's figures (2,055 read units, 428 ms and 155 ms) beside a
// generated table of another run (2056, 322ms and 80ms) for two days.
func TestListTableIsTheTablesRun(t *testing.T) {
	raw, err := os.ReadFile("../../BENCHMARKS.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	end := strings.Index(doc, endTable)
	if end < 0 {
		t.Fatalf("BENCHMARKS.md has no %q", endTable)
	}
	generated, hand := doc[:end], doc[end:]

	// runListCost's rows: "<n> listed: <q> Query + <b> BatchGetItem calls, <u> read units, <wall>".
	measured := regexp.MustCompile(`(?m)^\| list \| (whole day of \d+ sessions|peer: the list before)[^|]*\| — \| \d+ listed: (\d+) Query \+ (\d+) BatchGetItem calls, (\d+) read units, (\S+) \|`)
	want := map[string]listFigures{}
	for _, m := range measured.FindAllStringSubmatch(generated, -1) {
		wall, err := time.ParseDuration(m[5])
		if err != nil {
			t.Fatalf("generated row %q: wall time %q: %v", m[0], m[5], err)
		}
		kind := "now"
		if strings.HasPrefix(m[1], "peer") {
			kind = "before"
		}
		want[kind] = listFigures{atoi(t, m[2]), atoi(t, m[3]), atoi(t, m[4]), wall}
	}
	if len(want) != 2 {
		t.Fatalf("generated list rows found: %v; want the list's and its peer's", want)
	}

	// The hand-written rows: "| before: … | <q> Query[ + <b> `BatchGetItem`] | <units> | <wall> |".
	row := regexp.MustCompile("(?m)^\\| (before|now): [^|]*\\| (\\d+) Query(?: \\+ (\\d+) `BatchGetItem`)? \\| ([\\d,]+) \\| ([\\d.,]+ ?(?:ms|s)) \\|$")
	got := map[string]listFigures{}
	for _, m := range row.FindAllStringSubmatch(hand, -1) {
		wall, err := time.ParseDuration(strings.ReplaceAll(strings.ReplaceAll(m[5], " ", ""), ",", ""))
		if err != nil {
			t.Fatalf("hand-written row %q: wall time %q: %v", m[0], m[5], err)
		}
		b := 0
		if m[3] != "" {
			b = atoi(t, m[3])
		}
		got[m[1]] = listFigures{atoi(t, m[2]), b, atoi(t, strings.ReplaceAll(m[4], ",", "")), wall}
	}
	if len(got) != 2 {
		t.Fatalf("hand-written list rows found: %v; want \"before\" and \"now\"", got)
	}
	for _, kind := range []string{"before", "now"} {
		if got[kind] != want[kind] {
			t.Errorf("BENCHMARKS.md's list table, %s: got %+v; want %+v (the generated row of the run it names)", kind, got[kind], want[kind])
		}
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
