package httpapi_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/racemode"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/sweep"
)

// TestWrittenReadsBack: whatever the service answered 2xx reads back 2xx
// in every shape until its retention ends (README, Security: a read refuses
// an item the service did not write, session.ForeignField). Inputs are
// drawn at and near every limit create and events allow, in every spelling
// they accept (GUIDs in either case, URLs with IDN hosts, ports and
// escapes, JSON objects with escapes, unicode, nesting and numbers in
// every form), through the real handlers: a create (some with an
// Idempotency-Key, replayed), events of every status with reasons, event
// ids, resultData, decline reasons and objects, merchant cancels with
// reasons, children; after each 2xx, every read of the session and its
// day's list. Validation is the oracle: a request answered 4xx is only
// counted. A 500 on a read is a session the service wrote that now reads
// as foreign.
func TestWrittenReadsBack(t *testing.T) {
	eachStore(t, func(t *testing.T, h *harness) {
		// A fixed seed, so a failure is found again; READBACK_SEED and
		// READBACK_ROUNDS draw other inputs, more of them.
		seed, rounds := uint64(104), 6
		if h.db != nil {
			rounds = 4 // DynamoDB Local answers a read in milliseconds
		}
		if racemode.Enabled {
			// Rounds 0 and 1 hold every kind of step but the full history
			// (a replayed create, a child, expiry and the sweeper); the
			// detector makes each judgement of a read many times slower.
			rounds = 2
		}
		if n, err := strconv.ParseUint(os.Getenv("READBACK_SEED"), 10, 64); err == nil {
			seed = n
		}
		if n, err := strconv.Atoi(os.Getenv("READBACK_ROUNDS")); err == nil {
			rounds = n
		}
		t.Logf("seed %d, %d rounds", seed, rounds)
		rng := rand.New(rand.NewPCG(seed, 104))
		g := &readbackGen{rng: rng}
		rb := &readback{t: t, h: h, reads: sessionReads(h, h.apiKey("m-1", auth.ScopeSessionsRead)), m: h.merchantToken("m-1")}
		for round := range rounds {
			rb.round(g, round)
		}
		t.Logf("creates %d (refused %d), writes %d (refused %d), reads %d", rb.created, rb.createRefused, rb.writes, rb.writeRefused, rb.nReads)
	})
}

type readback struct {
	t     *testing.T
	h     *harness
	reads []namedRequest
	m     string

	created, createRefused, writes, writeRefused, nReads int
}

// readAll reads id through every route and the day's list, failing on
// any 5xx.
func (rb *readback) readAll(id, after string) {
	rb.t.Helper()
	for _, r := range rb.reads {
		res := r.do(id)
		rb.nReads++
		if res.Code >= 500 {
			rb.t.Errorf("after %s: %s of %s = %d %s; want no 5xx", after, r.name, id, res.Code, res.Body)
		}
	}
	day := rb.h.clock.Now().UTC().Format(time.DateOnly)
	for _, d := range []string{"2026-11-23", day} {
		res := rb.h.do("GET", "/pps/api/v1/session-record?createdDate="+d, rb.h.token("m-1", auth.ScopeSessionsRead), nil)
		rb.nReads++
		if res.Code >= 500 {
			rb.t.Errorf("after %s: list of %s = %d %s; want no 5xx", after, d, res.Code, res.Body)
		}
	}
}

func (rb *readback) create(body string, idem string) (string, bool) {
	rb.t.Helper()
	var hdr []string
	if idem != "" {
		hdr = []string{"Idempotency-Key", idem}
	}
	res := rb.h.do("POST", "/sessions", rb.m, body, hdr...)
	if res.Code >= 500 {
		rb.t.Errorf("create %s = %d %s", body, res.Code, res.Body)
		return "", false
	}
	if res.Code != http.StatusCreated {
		rb.createRefused++
		return "", false
	}
	rb.created++
	id := res.json(rb.t)["id"].(string)
	if idem != "" {
		again := rb.h.do("POST", "/sessions", rb.m, body, hdr...)
		if again.Code >= 500 {
			rb.t.Errorf("replay of create %s = %d %s", body, again.Code, again.Body)
		}
	}
	return id, true
}

func (rb *readback) write(what, path, token, body string) bool {
	rb.t.Helper()
	var b any
	if body != "" {
		b = body
	}
	res := rb.h.do("POST", path, token, b)
	if res.Code >= 500 {
		rb.t.Errorf("%s: POST %s %s = %d %s", what, path, body, res.Code, res.Body)
		return false
	}
	if res.Code >= 300 {
		rb.writeRefused++
		return false
	}
	rb.writes++
	return true
}

func (rb *readback) round(g *readbackGen, round int) {
	t, h := rb.t, rb.h
	idem := ""
	if round%3 == 0 {
		idem = fmt.Sprintf("rb-%d-%d", round, g.rng.Uint64())
	}
	id, ok := rb.create(g.draft(""), idem)
	if !ok {
		return
	}
	rb.readAll(id, "create")
	// A child under it, some rounds.
	var child string
	if round%2 == 0 {
		if c, ok := rb.create(g.draft(id), ""); ok {
			child = c
			rb.readAll(child, "create child")
			rb.readAll(id, "create child (parent)")
		}
	}
	proc := h.processorToken()
	if round == 1 && !racemode.Enabled {
		// A session of its own: every write of the fill judges the whole
		// item, drawn fields and all. Not under the detector: its 90
		// writes, each judging every entry, took a minute there.
		if full, ok := rb.create(`{"amount":1,"currency":"EUR"}`, ""); ok {
			rb.fillHistory(g, full, proc)
		}
	}
	steps := 1 + g.rng.IntN(6)
	for range steps {
		target := id
		if child != "" && g.rng.IntN(2) == 0 {
			target = child
		}
		switch g.rng.IntN(5) {
		case 0:
			body := ""
			if g.rng.IntN(2) == 0 {
				body = `{"reason":` + g.jsonString(g.text(g.length(500))) + `}`
			}
			rb.write("cancel", "/sessions/"+target+"/cancel", rb.m, body)
		default:
			rb.write("event", "/sessions/"+target+"/events", proc, g.event())
		}
		rb.readAll(target, "a write")
		if child != "" {
			rb.readAll(id, "a write (parent)")
			rb.readAll(child, "a write (child)")
		}
		if t.Failed() {
			return
		}
	}
	// Time moves: past expiry (read-time rule), then to the end of
	// retention, reading at each.
	if round%4 == 1 {
		for _, d := range []time.Duration{29 * time.Minute, 2 * time.Minute, 14 * time.Minute, 59 * time.Second} {
			h.clock.Advance(d)
			rb.readAll(id, "time moved "+d.String())
			if st, ok := h.st.(*store.Store); ok {
				sweep.New(st, slog.New(slog.DiscardHandler), h.clock.Now).Run(context.Background())
				rb.readAll(id, "the sweeper, time moved "+d.String())
			}
		}
	}
}

// readbackGen draws valid-looking inputs at and near create's limits.
type readbackGen struct{ rng *rand.Rand }

var rbPieces = []string{
	"a", "Z", "7", "-", "_", ".", " ", "é", "ß", "中", "文", "😀", "❤️", "ℹ️", "ع", "ש", "\u0301", "\u200d", "\u00a0",
	"\\", "\"", "/", "<", ">", "&", "'", "%", "%20", "+", "#", "?", "=", "\u2028", "Ω", "𝔸", "ﬁ", "\u3000",
}

// length is a length at or near a limit, or small.
func (g *readbackGen) length(max int) int {
	switch g.rng.IntN(4) {
	case 0:
		return max
	case 1:
		return max - g.rng.IntN(3)
	case 2:
		return 1 + g.rng.IntN(4)
	}
	return g.rng.IntN(max + 1)
}

// text is n characters drawn from rbPieces (some pieces are two).
func (g *readbackGen) text(n int) string {
	var b strings.Builder
	for c := 0; c < n; {
		p := rbPieces[g.rng.IntN(len(rbPieces))]
		if k := len([]rune(p)); c+k <= n {
			b.WriteString(p)
			c += k
		} else {
			b.WriteByte('x')
			c++
		}
	}
	return b.String()
}

// jsonString is s as a JSON string, in one of the spellings JSON allows.
func (g *readbackGen) jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	mode := g.rng.IntN(3)
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			fmt.Fprintf(&b, `\u%04x`, r)
		case mode == 1 && r > 0xffff:
			r -= 0x10000
			fmt.Fprintf(&b, `\u%04X\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
		case mode == 1 && r > 0x7f, mode == 2 && r == '/':
			if r == '/' {
				b.WriteString(`\/`)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func (g *readbackGen) guid() string {
	const hex = "0123456789abcdefABCDEF"
	var b strings.Builder
	for i := range 36 {
		switch i {
		case 8, 13, 18, 23:
			b.WriteByte('-')
		default:
			b.WriteByte(hex[g.rng.IntN(len(hex))])
		}
	}
	s := b.String()
	switch g.rng.IntN(10) {
	case 0, 1, 2:
		return strings.ToUpper(s)
	case 3, 4, 5:
		return strings.ToLower(s)
	case 6:
		return "{" + s + "}" // refused: another layout
	}
	return s
}

var rbURLs = []string{
	"https://shop.example/return",
	"HTTPS://SHOP.EXAMPLE/Return?x=1",
	"http://shop.example:8080/a/b?c=d&e=%20f#frag",
	"https://bücher.example/straße?q=ü",
	"https://xn--bcher-kva.example/",
	"https://127.0.0.1/",
	"https://[::1]:443/x",
	"https://[2001:db8::1]/",
	"https://shop.example./trailing-dot",
	"https://shop.example/emoji/😀?❤️",
	"https://shop.example/%E2%82%AC?a=%25",
	"https://shop.example/p;param?q=a+b",
	"https://sub.shop-name.example:65535/",
	"https://例え.テスト/パス",
	"http://localhost/",
	"https://shop.example/?q=" + strings.Repeat("a", 2048-len("https://shop.example/?q=")),
	"https://shop.example/" + strings.Repeat("é", 2048-len("https://shop.example/")),
	"https://shop.example/?x=\u2028",
	"https://shop.example/#%2",
}

func (g *readbackGen) url() string { return rbURLs[g.rng.IntN(len(rbURLs))] }

var rbNumbers = []string{"0", "-0", "1", "-1", "1.0", "1e5", "1E5", "1.5e+10", "1.5E-10", "-0.0e-0", "12345678901234567890", "1e308", "0.000001", "123.456"}

// object is a JSON object with escapes, unicode, nesting and numbers in
// every spelling, with whitespace between tokens.
func (g *readbackGen) object(depth int) string {
	var b strings.Builder
	ws := func() {
		if g.rng.IntN(3) == 0 {
			b.WriteString([]string{" ", "\n", "\t", "\r\n  "}[g.rng.IntN(4)])
		}
	}
	ws()
	b.WriteByte('{')
	n := g.rng.IntN(5)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		ws()
		b.WriteString(g.jsonString(fmt.Sprintf("k%d%s", i, g.text(g.rng.IntN(6)))))
		ws()
		b.WriteByte(':')
		ws()
		b.WriteString(g.value(depth + 1))
		ws()
	}
	b.WriteByte('}')
	ws()
	return b.String()
}

func (g *readbackGen) value(depth int) string {
	k := g.rng.IntN(7)
	if depth > 8 && k >= 5 {
		k = 0
	}
	switch k {
	case 0:
		return g.jsonString(g.text(g.rng.IntN(30)))
	case 1:
		return rbNumbers[g.rng.IntN(len(rbNumbers))]
	case 2:
		return []string{"true", "false", "null"}[g.rng.IntN(3)]
	case 3:
		return "[]"
	case 4:
		return "[" + g.value(depth+1) + "," + g.value(depth+1) + "]"
	}
	return g.object(depth)
}

func (g *readbackGen) maybe() bool { return g.rng.IntN(2) == 0 }

// draft is a create's body; parent, when set, makes a child.
func (g *readbackGen) draft(parent string) string {
	f := []string{}
	amounts := []int64{0, session.MaxAmount, session.MaxAmount - 1, 1, 100, g.rng.Int64N(session.MaxAmount)}
	f = append(f, `"amount":`+strconv.FormatInt(amounts[g.rng.IntN(len(amounts))], 10))
	f = append(f, `"currency":"`+string(rune('A'+g.rng.IntN(26)))+string(rune('A'+g.rng.IntN(26)))+string(rune('A'+g.rng.IntN(26)))+`"`)
	for _, name := range []string{"orderId", "paymentMethod", "paymentScenario", "transactionId", "partnerTransactionId", "shopBuyerId", "paymentProvider", "paymentProfileId"} {
		if g.maybe() {
			f = append(f, `"`+name+`":`+g.jsonString(g.text(g.length(255))))
		}
	}
	for _, name := range []string{"callGuid", "providerSessionGuid"} {
		if g.maybe() {
			f = append(f, `"`+name+`":"`+g.guid()+`"`)
		}
	}
	hosted := g.maybe()
	if hosted {
		f = append(f, `"hosted":true`, `"returnUrl":`+g.jsonString(g.url()), `"cancelUrl":`+g.jsonString(g.url()))
	}
	if g.maybe() {
		f = append(f, `"actionUrl":`+g.jsonString(g.url()))
	}
	for _, name := range []string{"provider", "paymentMethodDetails", "appearance"} {
		if g.maybe() {
			f = append(f, `"`+name+`":`+g.object(0))
		}
	}
	if g.maybe() {
		f = append(f, `"savePaymentProfile":true`)
	}
	if g.maybe() {
		n := g.length(20)
		cs := make([]string, n)
		for i := range cs {
			cs[i] = g.jsonString(g.text(g.length(64)))
		}
		f = append(f, `"cardCategories":[`+strings.Join(cs, ",")+`]`)
	}
	if g.maybe() {
		n := g.length(50)
		ms := make([]string, n)
		for i := range ms {
			k := fmt.Sprintf("%02d", i) + g.text(g.length(38))
			vl := g.rng.IntN(20)
			if i < 3 {
				vl = g.length(500) // three at their limit: 50 would pass the body's 64 KiB
			}
			ms[i] = g.jsonString(k) + ":" + g.jsonString(g.text(vl))
		}
		f = append(f, `"metadata":{`+strings.Join(ms, ",")+`}`)
	}
	if parent != "" {
		if g.maybe() {
			parent = strings.ToUpper(parent)
		}
		f = append(f, `"parentSessionId":"`+parent+`"`)
	}
	g.rng.Shuffle(len(f), func(i, j int) { f[i], f[j] = f[j], f[i] })
	return "{" + strings.Join(f, ",") + "}"
}

// event is a processor event's body of any status.
func (g *readbackGen) event() string {
	st := session.Statuses[g.rng.IntN(len(session.Statuses))]
	f := []string{`"status":"` + string(st) + `"`}
	if g.maybe() {
		f = append(f, `"reason":`+g.jsonString(g.text(g.length(500))))
	}
	if g.maybe() {
		f = append(f, `"eventId":`+g.jsonString(g.text(g.length(128))))
	}
	if g.maybe() {
		n := g.length(100)
		if g.maybe() {
			n = g.rng.IntN(6)
		}
		rs := make([]string, n)
		for i := range rs {
			vl := g.rng.IntN(20)
			if i < 2 {
				vl = g.length(1000)
			}
			rs[i] = g.jsonString(fmt.Sprintf("%03d", i)+g.text(g.length(97))) + ":" + g.jsonString(g.text(vl))
		}
		f = append(f, `"resultData":{`+strings.Join(rs, ",")+`}`)
	}
	if g.maybe() {
		n := g.length(20)
		rs := make([]string, n)
		for i := range rs {
			rs[i] = g.jsonString(g.text(g.length(500)))
		}
		f = append(f, `"declineReasons":{"category":`+g.jsonString(g.text(g.length(255)))+`,"reasons":[`+strings.Join(rs, ",")+`]}`)
	}
	for _, name := range []string{"provider", "paymentMethodDetails"} {
		if g.maybe() {
			f = append(f, `"`+name+`":`+g.object(0))
		}
	}
	if g.maybe() {
		f = append(f, `"actionUrl":`+g.jsonString(g.url()))
	}
	if g.maybe() {
		f = append(f, `"transactionId":`+g.jsonString(g.text(g.length(255))))
	}
	if g.maybe() {
		f = append(f, `"providerSessionGuid":"`+g.guid()+`"`)
	}
	g.rng.Shuffle(len(f), func(i, j int) { f[i], f[j] = f[j], f[i] })
	return "{" + strings.Join(f, ",") + "}"
}

// fillHistory moves id between open statuses, each event with a reason
// and an eventId at their limits, until its history is full, then closes
// it: the history at its longest, every entry at its longest.
func (rb *readback) fillHistory(g *readbackGen, id, proc string) {
	rb.t.Helper()
	for i := 0; i < session.MaxHistory; i++ {
		st := []string{"PROCESSING", "SENT"}[i%2]
		// Drawn texts in a few entries, plain ASCII between: every read
		// and write judges each entry, and a drawn text costs the card
		// rule's decodings (the test's time, under -race most).
		reason, eventID := strings.Repeat("r", 500), fmt.Sprintf("%04d", i)+strings.Repeat("e", 124)
		if i%30 == 0 {
			reason, eventID = g.text(500), fmt.Sprintf("%04d", i)+g.text(124)
		}
		ev := fmt.Sprintf(`{"status":%q,"reason":%s,"eventId":%s}`, st, g.jsonString(reason), g.jsonString(eventID))
		if !rb.write("history", "/sessions/"+id+"/events", proc, ev) {
			break
		}
	}
	rb.readAll(id, "a full history")
	rb.write("cancel after a full history", "/sessions/"+id+"/cancel", rb.m, `{"reason":`+g.jsonString(g.text(500))+`}`)
	rb.readAll(id, "a cancel after a full history")
}
