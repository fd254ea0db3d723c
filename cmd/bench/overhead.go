package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
)

// Budgets of the per-request overhead.
const (
	maxTimeRatio  = 3.0
	maxAllocRatio = 2.0
	benchCount    = 6
)

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op\s+([\d.]+) B/op\s+([\d.]+) allocs/op`)

type benchResult struct{ ns, allocs float64 }

// runOverhead runs the Go benchmarks of shared/app (each GET endpoint's
// whole Lambda path against a fake DynamoDB, the bare SDK floors, JWT
// verification) benchCount times and compares medians.
func runOverhead(s *suite) error {
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", "LambdaPath|Floor|JWTVerify", "-benchmem",
		"-count", strconv.Itoa(benchCount), "./shared/app")
	cmd.Dir = s.root
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	fmt.Fprintf(s.log, "  go test -bench (count %d) ...\n", benchCount)
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go test -bench: %v\n%s", err, out.String())
	}
	samples := map[string][]benchResult{}
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		ns, _ := strconv.ParseFloat(m[2], 64)
		allocs, _ := strconv.ParseFloat(m[4], 64)
		samples[m[1]] = append(samples[m[1]], benchResult{ns, allocs})
	}
	med := map[string]benchResult{}
	for name, rs := range samples {
		med[name] = median(rs)
	}
	getFloor, okG := med["BenchmarkFloorGetItem"]
	queryFloor, okQ := med["BenchmarkFloorQuery"]
	listFloor, okL := med["BenchmarkFloorList"]
	if !okG || !okQ || !okL {
		return fmt.Errorf("floor benchmarks missing from the output")
	}
	s.add(row{Part: "overhead", Figure: "floor: bare SDK GetItem (consistent) against the in-process fake", Measured: fmt.Sprintf("%s, %.0f allocs", us(getFloor.ns), getFloor.allocs)})
	s.add(row{Part: "overhead", Figure: "floor: bare SDK Query (list index; all the list read before it read sessions from the table)", Measured: fmt.Sprintf("%s, %.0f allocs", us(queryFloor.ns), queryFloor.allocs)})
	s.add(row{Part: "overhead", Figure: "floor: bare SDK Query (ids) + consistent BatchGetItem (sessions): the list's calls now", Measured: fmt.Sprintf("%s, %.0f allocs", us(listFloor.ns), listFloor.allocs)})
	endpoints := []struct{ bench, route string }{
		{"get-session", "GET /sessions/{id}"},
		{"session-v1", "GET /v1/session/{id} (000)"},
		{"payment-status", "GET /v2.0/payments/{id}/status (001)"},
		{"payment-session", "GET /payment-sessions/{id} (002, API key)"},
		{"checkout-session", "GET /v1/checkout-sessions/{id} (003)"},
		{"session-record", "GET /pps/api/v1/session-record/{id} (004)"},
		{"session-records", "GET /pps/api/v1/session-record (004 list)"},
	}
	for _, e := range endpoints {
		r, ok := med["BenchmarkLambdaPath/"+e.bench]
		if !ok {
			return fmt.Errorf("benchmark LambdaPath/%s missing", e.bench)
		}
		floor, floorName := getFloor, "GetItem"
		if e.bench == "session-records" {
			floor, floorName = listFloor, "Query+BatchGetItem"
		}
		tr, ar := r.ns/floor.ns, r.allocs/floor.allocs
		s.add(row{Part: "overhead", Figure: "Lambda path " + e.route + ": time vs " + floorName + " floor",
			Budget: fmt.Sprintf("≤ %.1f×", maxTimeRatio), Measured: fmt.Sprintf("%.2f× (%s)", tr, us(r.ns)), Pass: pass(tr <= maxTimeRatio)})
		s.add(row{Part: "overhead", Figure: "Lambda path " + e.route + ": allocations vs " + floorName + " floor",
			Budget: fmt.Sprintf("≤ %.1f×", maxAllocRatio), Measured: fmt.Sprintf("%.2f× (%.0f allocs)", ar, r.allocs), Pass: pass(ar <= maxAllocRatio)})
	}
	for _, alg := range []string{"RS256", "ES256", "EdDSA"} {
		r, ok := med["BenchmarkJWTVerify/"+alg]
		if !ok {
			return fmt.Errorf("benchmark JWTVerify/%s missing", alg)
		}
		s.add(row{Part: "overhead", Figure: "JWT verification, " + alg + " (key set cached, token not)", Measured: fmt.Sprintf("%s, %.0f allocs", us(r.ns), r.allocs)})
	}
	return nil
}

func median(rs []benchResult) benchResult {
	ns := make([]float64, len(rs))
	al := make([]float64, len(rs))
	for i, r := range rs {
		ns[i], al[i] = r.ns, r.allocs
	}
	return benchResult{medianOf(ns), medianOf(al)}
}

func medianOf(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func us(ns float64) string { return fmt.Sprintf("%.0f µs", ns/1000) }
