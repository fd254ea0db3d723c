package apitarget

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Diff holds the answers a suite got from each kind of target, by a name
// the suite gives each exchange, and reports every exchange the local
// server and the stack answered differently. A suite's own assertions
// check each answer against what it must be; Diff finds what they let
// through, where the two ways of serving the same handlers disagree.
//
// Two answers are the same when they have the same status, the same
// headers and the same body, apart from what differs between any two runs
// by nature: ids (UUIDs, API key ids and secrets, cursors), numbers in
// strings (times), the request id (the local server's own, or API
// Gateway's on the stack: X-Request-Id, Apigw-Requestid, the body's
// requestId), how the answer was framed (Date, Content-Length,
// Transfer-Encoding, Connection, Keep-Alive), and the values of the members
// the suite names as random (compared by their form: length and kinds of
// characters).
type Diff struct {
	random  []string
	mu      sync.Mutex
	answers map[Kind]map[string]answer
	order   []string
	count   map[Kind]map[string]int
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

// NewDiff returns an empty Diff. random are the JSON members whose values
// the service makes at random (a session's hcpToken, say).
func NewDiff(random ...string) *Diff {
	return &Diff{random: random, answers: map[Kind]map[string]answer{}, count: map[Kind]map[string]int{}}
}

// Add records the answer of kind k to the exchange name. A name added
// again is numbered (name#2, name#3, ...), so a suite that repeats an
// exchange in the same order on both kinds compares each with its twin.
func (d *Diff) Add(k Kind, name string, status int, header http.Header, body []byte) {
	if d == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.answers[k] == nil {
		d.answers[k], d.count[k] = map[string]answer{}, map[string]int{}
	}
	d.count[k][name]++
	if n := d.count[k][name]; n > 1 {
		name = fmt.Sprintf("%s#%d", name, n)
	}
	if k == Kinds[0] {
		d.order = append(d.order, name)
	}
	d.answers[k][name] = answer{status: status, header: header.Clone(), body: slices.Clone(body)}
}

// Check reports, as errors of t, every exchange both kinds answered and
// answered differently, and every exchange only one of them was asked
// (when both ran). It returns the number of exchanges compared.
func (d *Diff) Check(t testing.TB) int {
	t.Helper()
	n, diffs := d.Differences()
	for _, msg := range diffs {
		t.Error(msg)
	}
	return n
}

// Differences returns the number of exchanges both kinds answered, and a
// message for each that they answered differently or only one answered
// (none when a kind did not run: go test -run).
func (d *Diff) Differences() (compared int, diffs []string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	a, b := d.answers[Kinds[0]], d.answers[Kinds[1]]
	if a == nil || b == nil {
		return 0, nil
	}
	for _, name := range d.order {
		y, ok := b[name]
		if !ok {
			diffs = append(diffs, fmt.Sprintf("%s: answered by %s only", name, Kinds[0]))
			continue
		}
		compared++
		if ds := d.compare(a[name], y); len(ds) > 0 {
			diffs = append(diffs, fmt.Sprintf("%s: %s and %s answer differently:\n  %s", name, Kinds[0], Kinds[1], strings.Join(ds, "\n  ")))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(b)) {
		if _, ok := a[name]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: answered by %s only", name, Kinds[1]))
		}
	}
	return compared, diffs
}

// ignoredHeaders differ between any two answers, or are API Gateway's own.
var ignoredHeaders = []string{"X-Request-Id", "Apigw-Requestid", "Date", "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive"}

func (d *Diff) compare(x, y answer) []string {
	var diffs []string
	if x.status != y.status {
		diffs = append(diffs, fmt.Sprintf("status %d; %d", x.status, y.status))
	}
	names := map[string]bool{}
	for k := range x.header {
		names[k] = true
	}
	for k := range y.header {
		names[k] = true
	}
	for _, k := range slices.Sorted(maps.Keys(names)) {
		if slices.Contains(ignoredHeaders, k) {
			continue
		}
		xv, yv := normalizeAll(x.header.Values(k)), normalizeAll(y.header.Values(k))
		if !slices.Equal(xv, yv) {
			diffs = append(diffs, fmt.Sprintf("header %s: %q; %q", k, x.header.Values(k), y.header.Values(k)))
		}
	}
	var xb, yb any
	xerr, yerr := json.Unmarshal(x.body, &xb), json.Unmarshal(y.body, &yb)
	switch {
	case xerr != nil || yerr != nil:
		if normalize(string(x.body)) != normalize(string(y.body)) {
			diffs = append(diffs, fmt.Sprintf("body %q; %q", x.body, y.body))
		}
	default:
		diffs = append(diffs, d.compareJSON("$", xb, yb)...)
	}
	return diffs
}

// compareJSON compares two JSON values member by member.
func (d *Diff) compareJSON(path string, x, y any) []string {
	switch xv := x.(type) {
	case map[string]any:
		yv, ok := y.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %v; %v", path, x, y)}
		}
		var diffs []string
		for _, k := range sortedKeys(xv, yv) {
			xm, xok := xv[k]
			ym, yok := yv[k]
			switch {
			case !xok || !yok:
				diffs = append(diffs, fmt.Sprintf("%s.%s: %v (present %v); %v (present %v)", path, k, xm, xok, ym, yok))
			case k == "requestId":
				if fmt.Sprintf("%T", xm) != fmt.Sprintf("%T", ym) {
					diffs = append(diffs, fmt.Sprintf("%s.%s: %v; %v", path, k, xm, ym))
				}
			case slices.Contains(d.random, k):
				if form(xm) != form(ym) {
					diffs = append(diffs, fmt.Sprintf("%s.%s: %v; %v (random, of another form)", path, k, xm, ym))
				}
			default:
				diffs = append(diffs, d.compareJSON(path+"."+k, xm, ym)...)
			}
		}
		return diffs
	case []any:
		yv, ok := y.([]any)
		if !ok || len(xv) != len(yv) {
			return []string{fmt.Sprintf("%s: %d elements; %v", path, len(xv), y)}
		}
		var diffs []string
		for i := range xv {
			diffs = append(diffs, d.compareJSON(fmt.Sprintf("%s[%d]", path, i), xv[i], yv[i])...)
		}
		return diffs
	case string:
		ys, ok := y.(string)
		if !ok || normalize(xv) != normalize(ys) {
			return []string{fmt.Sprintf("%s: %q; %v", path, xv, y)}
		}
		return nil
	default:
		if fmt.Sprintf("%T %v", x, x) != fmt.Sprintf("%T %v", y, y) {
			return []string{fmt.Sprintf("%s: %v; %v", path, x, y)}
		}
		return nil
	}
}

func sortedKeys(a, b map[string]any) []string {
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

var (
	uuidPattern   = regexp.MustCompile(`(?i)[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}`)
	hexPattern    = regexp.MustCompile(`(?i)[0-9a-f]{16,}`)
	cursorPattern = regexp.MustCompile(`cursor=[^&>"\s]+`)
	digitsPattern = regexp.MustCompile(`[0-9]+`)
)

// normalize replaces in s what differs between any two runs: ids, cursors,
// and digits (times).
func normalize(s string) string {
	if !strings.ContainsAny(s, "0123456789abcdefABCDEF") {
		return s // nothing the patterns match (cursor= holds a c)
	}
	s = uuidPattern.ReplaceAllString(s, "<uuid>")
	s = hexPattern.ReplaceAllString(s, "<hex>")
	s = cursorPattern.ReplaceAllString(s, "cursor=<cursor>")
	return digitsPattern.ReplaceAllString(s, "0")
}

func normalizeAll(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = normalize(v)
	}
	return out
}

// form is a random value's form: its JSON type and, for a string, its
// length and whether it is made of base64url's characters only.
func form(v any) string {
	s, ok := v.(string)
	if !ok {
		return fmt.Sprintf("%T", v)
	}
	return fmt.Sprintf("string of %d, base64url %v", len(s), base64urlPattern.MatchString(s))
}

var base64urlPattern = regexp.MustCompile(`^[A-Za-z0-9_-]*$`)
