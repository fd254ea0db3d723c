package main

import (
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/httpapi"
)

// resultOf is the result column the report's table gives r.
func resultOf(t *testing.T, r row) string {
	t.Helper()
	s := &suite{log: io.Discard}
	s.add(r)
	for _, l := range strings.Split(s.table(), "\n") {
		if strings.HasPrefix(l, "| "+r.Part+" | ") {
			cells := strings.Split(strings.TrimSuffix(l, " |"), " | ")
			return cells[len(cells)-1]
		}
	}
	t.Fatalf("no row of part %q in the report", r.Part)
	return ""
}

// TestOverheadRowSaysWhenRoundsCross: "compare ratios measured in one
// run, with the subject and its peer interleaved ... and the spread
// reported". The budget judges the median of the rounds' ratios; a row
// whose median is within it while single rounds went over it must say so
// in its result (a table of 1.87×, rounds 0.88–2.39, reading "pass" left
// the closing notes to explain that the budget is not claimed as met). A
// median over the budget is FAIL whatever the rounds, and a FAIL never
// shows a number within the budget (2.004 is not "2.00×").
func TestOverheadRowSaysWhenRoundsCross(t *testing.T) {
	tests := []struct {
		name     string
		ratios   []float64
		measured string
		result   string
	}{
		{"every round within", []float64{1.5, 1.6, 1.7}, "1.60× (rounds 1.50–1.70; 300 µs)", "pass"},
		{"a round at the budget", []float64{1.5, 1.8, 2.0}, "1.80× (rounds 1.50–2.00; 300 µs)", "pass"},
		{"the median within, a round over", []float64{0.88, 1.87, 2.39}, "1.87× (rounds 0.88–2.39; 300 µs)", "pass (median; rounds cross)"},
		{"a round just over", []float64{1.5, 1.6, 2.004}, "1.60× (rounds 1.50–2.004; 300 µs)", "pass (median; rounds cross)"},
		{"the median just over", []float64{1.5, 2.004, 2.1}, "2.004× (rounds 1.50–2.10; 300 µs)", "**FAIL**"},
		{"the median over, every round over", []float64{2.2, 2.3, 2.4, 2.5}, "2.35× (rounds 2.20–2.50; 300 µs)", "**FAIL**"},
	}
	for _, tt := range tests {
		r := timeRow("Lambda path", tt.ratios, 300_000)
		if got := resultOf(t, r); r.Measured != tt.measured || got != tt.result {
			t.Errorf("%s: measured %q, result %q; want %q, %q", tt.name, r.Measured, got, tt.measured, tt.result)
		}
	}
}

// TestAllocRowFailsWithAFigureOverBudget: an allocation ratio of 2.004
// fails the 2.0× budget and must not read "2.00×" beside FAIL.
func TestAllocRowFailsWithAFigureOverBudget(t *testing.T) {
	tests := []struct {
		name             string
		allocs, floor    float64
		measured, result string
	}{
		{"within", 700, 500, "1.40× (700 allocs)", "pass"},
		{"at the budget", 1000, 500, "2.00× (1000 allocs)", "pass"},
		{"just over", 1002, 500, "2.004× (1002 allocs)", "**FAIL**"},
	}
	for _, tt := range tests {
		r := allocRow("allocations", tt.allocs, tt.floor)
		if got := resultOf(t, r); r.Measured != tt.measured || got != tt.result {
			t.Errorf("%s: measured %q, result %q; want %q, %q", tt.name, r.Measured, got, tt.measured, tt.result)
		}
	}
}

// TestRatioTextShowsTheSideOfTheBudget: two decimals, or more where two
// would put the figure on the other side of the budget.
func TestRatioTextShowsTheSideOfTheBudget(t *testing.T) {
	tests := []struct {
		v, max float64
		want   string
	}{
		{1.87, 2, "1.87"},
		{2, 2, "2.00"},
		{1.9999, 2, "2.00"},
		{2.0051, 2, "2.01"},
		{2.004, 2, "2.004"},
		{1.2024, 1.2, "1.202"},
		{2.0000000001, 2, "2.0000000001"},
	}
	for _, tt := range tests {
		if got := ratioText(tt.v, tt.max); got != tt.want {
			t.Errorf("ratioText(%v, %v) = %q; want %q", tt.v, tt.max, got, tt.want)
		}
	}
}

// TestOverheadJudgesEveryGETEndpointAgainstItsFloor: the overhead part
// measures "each GET endpoint's whole Lambda path" (runOverhead) as the
// route table has them, each against its floor ("The overhead part's list
// floor is now the list's own calls", BENCHMARKS.md; one GetItem for the
// others), by the subject's time over the floor's round by round: a ratio
// taken the other way up would meet any budget.
func TestOverheadJudgesEveryGETEndpointAgainstItsFloor(t *testing.T) {
	param := regexp.MustCompile(`\{[^}]*\}`) // the rows name every parameter {id}
	routes := map[string]bool{}
	for _, rt := range httpapi.Routes(httpapi.Deps{}) {
		if strings.HasPrefix(rt.Pattern, "GET ") {
			routes[param.ReplaceAllString(rt.Pattern, "{id}")] = true
		}
	}
	measured := map[string]bool{}
	for _, e := range overheadEndpoints {
		route, _, _ := strings.Cut(e.route, " (")
		measured[route] = true
		if !routes[route] {
			t.Errorf("overhead measures %s; the route table has no such GET route", route)
		}
		name, floor := floorOf(e.bench)
		want := "BenchmarkFloorGetItem"
		if route == "GET /pps/api/v1/session-record" {
			want = "BenchmarkFloorList"
		}
		if floor != want || name == "" {
			t.Errorf("%s: floor got %v (%q); want %v", e.bench, floor, name, want)
		}
	}
	for route := range routes {
		if !measured[route] {
			t.Errorf("the route table has %s; got no overhead row for it", route)
		}
	}

	tests := []struct {
		name   string
		rounds []map[string]benchResult
		want   []float64
		ok     bool
	}{
		{"subject over floor, round by round", []map[string]benchResult{
			{"S": {ns: 30}, "F": {ns: 10}}, {"S": {ns: 40}, "F": {ns: 20}},
		}, []float64{3, 2}, true},
		{"a round without its floor", []map[string]benchResult{
			{"S": {ns: 30}, "F": {ns: 10}}, {"S": {ns: 40}},
		}, nil, false},
	}
	for _, tt := range tests {
		got, ok := roundRatios(tt.rounds, "S", "F")
		if !slices.Equal(got, tt.want) || ok != tt.ok {
			t.Errorf("%s: got %v, %v; want %v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

// TestOverheadRoundsAreBenchmarksMds: BENCHMARKS.md says the overhead part
// runs "one test binary run 6 times, so that subject and floor alternate
// round by round"; the part runs benchCount rounds.
func TestOverheadRoundsAreBenchmarksMds(t *testing.T) {
	raw, err := os.ReadFile("../../BENCHMARKS.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`one test binary run (\d+)\s+times`).FindSubmatch(raw)
	if m == nil {
		t.Fatal(`BENCHMARKS.md has no "one test binary run N times"`)
	}
	if got, want := fmt.Sprint(benchCount), string(m[1]); got != want {
		t.Errorf("benchCount got %v; want BENCHMARKS.md's %v", got, want)
	}
}
