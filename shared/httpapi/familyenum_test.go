package httpapi_test

// An exhaustive search of family sequences: every sequence of actions on a
// parent, its child and a replaced child (processor events of each closed
// status, merchant cancels, a new child, the clock moved to the edges of
// each member's guard bands, expiry and retention, and the sweeper), up to a
// depth, each on a fresh family, breadth first with sequences that reach a
// state the reference model (model_test.go) already reached not extended.
// After each sequence's last step the answers are held to the model and to
// the family rules' own sentences, checked from what is stored, not from
// the model:
//   - "money is never taken twice": at most one member moves from an open
//     status to AUTHORISED or SETTLED by its own event (a parent's own
//     SETTLED over its child's AUTHORISED, which the README allows, moves
//     from AUTHORISED);
//   - a child "may still settle while the parent shows that money ...,
//     never once the parent is CANCELED, FAILED, CANCEL_REQUESTED or
//     FRAUD_CANCELLATION_REQUESTED, nor once the parent is gone ..., nor
//     within the guard band before that";
//   - "a parent never shows a success word for money its child no longer
//     holds": a parent whose status its child set shows the child's status;
//   - every 200 is what a read then shows;
//   - the five documents' words are §5's for the native status;
//   - an eventId answered 409 PARENT_CLOSED is 200 later only when its
//     parent shows money again.
// TestFamilySequences says how deep it searches.

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/racemode"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
	"github.com/paysessions/paysessions/shared/sweep"
)

// famPolicy is short enough that every band, expiry and retention end is a
// few clock moves away.
var famPolicy = session.Policy{Expiry: 20 * time.Second, Retention: 20 * time.Second, WriteGuard: 4 * time.Second}

// famAltExpiry is the SESSION_EXPIRY of a second instance on the same
// table (a setting lowered): its children expire before their parents.
const famAltExpiry = 13 * time.Second

// famSkew is how far behind the main clock the skewed instance's runs:
// within the guard band's last fifth, which covers clocks apart.
var famSkew = 700 * time.Millisecond

// famAct is one action of a sequence: who is 'P' (the parent), 'C' (the
// current child) or 'R' (the child it replaced).
type famAct struct {
	kind   string // "ev", "cancel", "child", "tick", "jump", "sweep"
	who    byte
	status string
	off    time.Duration // for jump: offset from the mark
	mark   string        // for jump: "exp" or "ret"
	noID   bool          // for ev: sent without an eventId
	alt    bool          // for child: made by an instance whose SESSION_EXPIRY is shorter
	skew   bool          // for ev, cancel, child: sent to an instance whose clock is behind
}

func (a famAct) String() string {
	if a.skew {
		b := a
		b.skew = false
		return b.String() + " (clock behind)"
	}
	switch a.kind {
	case "ev":
		if a.noID {
			return fmt.Sprintf("ev %c %s (no id)", a.who, a.status)
		}
		return fmt.Sprintf("ev %c %s", a.who, a.status)
	case "child":
		if a.alt {
			return "child (shorter expiry)"
		}
		return "child"
	case "cancel":
		return fmt.Sprintf("cancel %c", a.who)
	case "jump":
		return fmt.Sprintf("jump %c.%s%+v", a.who, a.mark, a.off)
	}
	return a.kind
}

// famAlphabet is the actions sequences are made of: each member's
// processor events (with an eventId of the member and status, so a repeat
// is a retry) and merchant's cancel, a new child, a second on the clock,
// and the clock set to the edges of each member's band, expiry and
// retention; the sweeper's run and its edges on DynamoDB Local; more with
// extra (TestFamilySequences).
func famAlphabet(withSweep, extra bool) []famAct {
	var acts []famAct
	for _, who := range []byte("PCR") {
		for _, st := range []string{"AUTHORISED", "SETTLED", "FAILED", "CANCELED", "CANCEL_REQUESTED", "FRAUD_CANCELLATION_REQUESTED"} {
			acts = append(acts, famAct{kind: "ev", who: who, status: st})
		}
		acts = append(acts, famAct{kind: "cancel", who: who})
	}
	acts = append(acts, famAct{kind: "child"}, famAct{kind: "tick"})
	g := famPolicy.WriteGuard
	for _, who := range []byte("PCR") {
		for _, mark := range []string{"exp", "ret"} {
			if who != 'P' && mark == "exp" {
				continue // a child expires with its parent here
			}
			for _, off := range []time.Duration{-g - 100, -g, -100, 0} {
				acts = append(acts, famAct{kind: "jump", who: who, mark: mark, off: off})
			}
		}
	}
	if withSweep {
		// The sweeper writes an expiry once WRITE_GUARD has passed since
		// it: its edges too.
		acts = append(acts, famAct{kind: "sweep"})
		if extra {
			for _, who := range []byte("PC") {
				for _, off := range []time.Duration{g - 100, g} {
					acts = append(acts, famAct{kind: "jump", who: who, mark: "exp", off: off})
				}
			}
		}
	}
	if extra {
		// Events without an eventId (a repeat is a new event), open
		// statuses, and a child made by an instance whose SESSION_EXPIRY
		// is shorter (it expires before its parent), with its expiry's
		// edges.
		for _, who := range []byte("PC") {
			for _, st := range []string{"AUTHORISED", "SETTLED", "CANCEL_REQUESTED"} {
				acts = append(acts, famAct{kind: "ev", who: who, status: st, noID: true})
			}
			acts = append(acts, famAct{kind: "ev", who: who, status: "PROCESSING"})
		}
		acts = append(acts, famAct{kind: "child", alt: true})
		for _, off := range []time.Duration{-g - 100, -g, -100, 0} {
			acts = append(acts, famAct{kind: "jump", who: 'C', mark: "exp", off: off})
		}
	}
	return acts
}

// famSkewed is the actions sent to an instance whose clock is behind.
func famSkewed() []famAct {
	var acts []famAct
	for _, who := range []byte("PC") {
		for _, st := range []string{"AUTHORISED", "SETTLED", "CANCELED", "CANCEL_REQUESTED"} {
			acts = append(acts, famAct{kind: "ev", who: who, status: st, skew: true})
		}
		acts = append(acts, famAct{kind: "cancel", who: who, skew: true})
	}
	return append(acts, famAct{kind: "child", skew: true})
}

// famRun is one sequence on one family.
type famRun struct {
	h      *harness
	alt    *harness // the same store and clock, SESSION_EXPIRY famAltExpiry
	altTok string
	// skewed is the same table behind a clock famSkew behind h's, with
	// its own tokens; noModel: the model (one clock) is not asked.
	skewed            *harness
	skewTok, skewProc string
	noModel           bool
	d                 *dialectReader
	m                 *lifeModel
	tok               string
	proc              string
	sweep             func()
	ids               map[byte]string
	log               []string
	fails             []string
	took              map[string]bool   // members that took money from an open status
	refuse            map[string]string // session/eventId -> the parent's status when it was refused PARENT_CLOSED
	applied           map[string]bool   // session/eventId answered 200 when first sent
}

func (r *famRun) failf(format string, a ...any) {
	r.fails = append(r.fails, fmt.Sprintf(format, a...))
}

// native reads id's native session: nil when it is 404.
func (r *famRun) native(id string) map[string]any { return r.nativeVia(r.h, r.tok, id) }

// nativeVia reads id's native session through h (with its merchant's
// token): an instance reads at its own clock.
func (r *famRun) nativeVia(h *harness, tok, id string) map[string]any {
	res := h.do("GET", "/sessions/"+id, tok, nil)
	if res.Code == 404 {
		return nil
	}
	if res.Code != 200 {
		r.failf("GET %s = %d %s", id, res.Code, res.Body)
		return nil
	}
	return res.json(r.h.t)
}

// mark is the instant a jump is relative to: the member's expiresAt or
// retainUntil (as the model has it, or as read without one); false when
// there is no such member.
func (r *famRun) mark(a famAct) (time.Time, bool) {
	id := r.ids[a.who]
	if id == "" {
		return time.Time{}, false
	}
	if r.noModel {
		n := r.native(id)
		if n == nil {
			return time.Time{}, false
		}
		field := "expiresAt"
		if a.mark == "ret" {
			field = "retainUntil"
		}
		return parseAt(fmt.Sprint(n[field]))
	}
	s := r.m.sessions[id]
	v := r.m.view(s, r.h.clock.Now())
	if a.mark == "exp" {
		return s.expires, true
	}
	return v.retainUntil, true
}

// do runs one action; check says whether to check the invariants around it.
func (r *famRun) do(a famAct, check bool) bool {
	h, m := r.h, r.m
	now := h.clock.Now()
	if r.skewed != nil {
		r.skewed.clock.Set(now.Add(-famSkew))
	}
	var before map[byte]map[string]any
	if check || r.noModel {
		before = map[byte]map[string]any{}
		for w, id := range r.ids {
			before[w] = r.native(id)
		}
	}
	switch a.kind {
	case "tick":
		h.clock.Advance(time.Second)
		r.log = append(r.log, "tick")
	case "jump":
		at, ok := r.mark(a)
		if !ok || !at.Add(a.off).After(now) {
			return false
		}
		h.clock.Set(at.Add(a.off))
		r.log = append(r.log, a.String())
	case "sweep":
		if r.sweep == nil {
			return false
		}
		r.sweep()
		r.log = append(r.log, "sweep")
	case "child":
		p := r.ids['P']
		via, tok, expiry := h, r.tok, famPolicy.Expiry
		if a.alt {
			via, tok, expiry = r.alt, r.altTok, famAltExpiry
		}
		if a.skew {
			via, tok = r.skewed, r.skewTok
		}
		res := via.do("POST", "/sessions", tok, map[string]any{"amount": 100, "currency": "EUR", "parentSessionId": p})
		body := map[string]any{}
		_ = json.Unmarshal(res.Body.Bytes(), &body)
		id, _ := body["id"].(string)
		if id == "" {
			id = "none"
		}
		var o outcome
		if !r.noModel {
			o = m.create(id, p, now, expiry)
		}
		r.log = append(r.log, fmt.Sprintf("%s = %d %v", a, res.Code, body["code"]))
		r.outcome(res, o, "child")
		if res.Code == 201 {
			if r.ids['C'] != "" {
				r.ids['R'] = r.ids['C']
			}
			r.ids['C'] = id
		}
	case "ev", "cancel":
		id := r.ids[a.who]
		if id == "" {
			return false
		}
		s := m.sessions[id]
		var fromOpen bool
		if r.noModel {
			fromOpen = before[a.who] != nil && modelIsOpen(fmt.Sprint(before[a.who]["status"]))
		} else {
			fromOpen = modelIsOpen(m.view(s, now).status)
		}
		via, tok, proc := h, r.tok, r.proc
		if a.skew {
			via, tok, proc = r.skewed, r.skewTok, r.skewProc
		}
		var res response
		var o outcome
		eventID, retry := "", false
		if a.kind == "ev" {
			body := map[string]any{"status": a.status}
			if !a.noID {
				eventID = fmt.Sprintf("e-%c-%s", a.who, a.status)
				retry = r.applied[id+"/"+eventID]
				body["eventId"] = eventID
			}
			res = via.do("POST", "/sessions/"+id+"/events", proc, body)
			if !r.noModel {
				o = m.event(id, a.status, eventID, now)
			}
		} else {
			res = via.do("POST", "/sessions/"+id+"/cancel", tok, nil)
			if !r.noModel {
				o = m.cancel(id, now)
			}
		}
		body := map[string]any{}
		_ = json.Unmarshal(res.Body.Bytes(), &body)
		r.log = append(r.log, fmt.Sprintf("%s = %d %v %v", a, res.Code, body["status"], body["code"]))
		r.outcome(res, o, a.String())
		money := a.status == "AUTHORISED" || a.status == "SETTLED"
		if res.Code == 200 && money && fromOpen {
			r.took[string(a.who)] = true
			if len(r.took) > 1 {
				r.failf("two members took money: %v", r.took)
			}
		}
		if retry {
			money = false // acknowledged, not applied
		} else if res.Code == 200 && eventID != "" {
			r.applied[id+"/"+eventID] = true
		}
		if check && res.Code == 200 && money && a.who != 'P' {
			r.checkChildMoney(a, before)
		}
		if check && res.Code == 200 {
			// Read back through the instance that answered: one whose
			// clock is behind still shows a session another's clock has
			// already found gone, as any read of it there does.
			if got := r.nativeVia(via, tok, id); got == nil {
				r.failf("%s answered 200 %v; read 404", a, body["status"])
			} else if got["status"] != body["status"] {
				r.failf("%s answered 200 %v; read %v", a, body["status"], got["status"])
			}
		}
		if eventID != "" {
			var pv modelView
			if r.noModel {
				pv = modelView{gone: before['P'] == nil}
				if !pv.gone {
					pv.status = fmt.Sprint(before['P']["status"])
				}
			} else {
				pv = m.view(m.sessions[r.ids['P']], now)
			}
			if res.Code == 409 && body["code"] == session.ReasonParentClosed {
				r.refuse[id+"/"+eventID] = pv.status
			} else if was, ok := r.refuse[id+"/"+eventID]; ok && res.Code == 200 {
				if !(pv.status == "AUTHORISED" || pv.status == "SETTLED") || pv.gone {
					r.failf("%s: 409 PARENT_CLOSED under a parent %s, then 200 under a parent %s (gone %v)", eventID, was, pv.status, pv.gone)
				}
			}
		}
	}
	if check {
		r.checkReads()
	}
	return true
}

// outcome holds an answer to the model's.
func (r *famRun) outcome(res response, o outcome, what string) {
	if r.noModel {
		return
	}
	body := map[string]any{}
	_ = json.Unmarshal(res.Body.Bytes(), &body)
	if o.status == -4 {
		if res.Code < 400 || res.Code >= 500 {
			r.failf("%s = %d %s; model: a 4xx in %v", what, res.Code, res.Body, o.codes)
		}
		return
	}
	if res.Code != o.status {
		r.failf("%s = %d %v; model: %d %v", what, res.Code, body["code"], o.status, o.codes)
		return
	}
	if len(o.codes) > 0 && !slices.Contains(o.codes, fmt.Sprint(body["code"])) {
		r.failf("%s = %d %v; model: code in %v", what, res.Code, body["code"], o.codes)
	}
}

// checkChildMoney: a child's money under the parent as it was before.
func (r *famRun) checkChildMoney(a famAct, before map[byte]map[string]any) {
	p := before['P']
	c := before[a.who]
	if p == nil {
		r.failf("%s applied under a parent gone", a)
		return
	}
	now := r.h.clock.Now()
	if a.skew {
		now = r.skewed.clock.Now() // the band as the instance that wrote judges it
	}
	if ru, ok := parseAt(fmt.Sprint(p["retainUntil"])); ok && !now.Add(famPolicy.WriteGuard).Before(ru) {
		r.failf("%s applied %v before the parent's retainUntil %v", a, ru.Sub(now), ru)
	}
	switch p["status"] {
	case "CANCELED", "FAILED", "FRAUD_CANCELLATION_REQUESTED", "EXPIRED":
		r.failf("%s applied under a parent %v", a, p["status"])
	case "CANCEL_REQUESTED":
		if c == nil || c["status"] != "CANCEL_REQUESTED" || p["statusReason"] != session.ChildReason(r.ids[a.who], "CANCEL_REQUESTED") {
			r.failf("%s applied under a parent CANCEL_REQUESTED (%v) not set by it", a, p["statusReason"])
		}
	}
}

// checkReads: each member through the native read and the five documents.
func (r *famRun) checkReads() {
	now := r.h.clock.Now()
	natives := map[byte]map[string]any{}
	for w, id := range r.ids {
		var v modelView
		if !r.noModel {
			v = r.m.view(r.m.sessions[id], now)
		}
		got := r.native(id)
		natives[w] = got
		if got == nil {
			if !v.gone && !r.noModel {
				r.failf("GET %c = 404; model %s", w, v.status)
			}
			for name, res := range r.d.documents(id) {
				if res.Code != 404 {
					r.failf("%s %c = %d; native 404", name, w, res.Code)
				}
			}
			continue
		}
		st := fmt.Sprint(got["status"])
		if !r.noModel && (v.gone || st != v.status) {
			r.failf("GET %c = %s; model %s (gone %v)", w, st, v.status, v.gone)
		}
		words := modelWords[st]
		rs := r.d.documents(id)
		if g := rs["000"].json(r.h.t)["sessionState"]; g != words[0] {
			r.failf("000 %c = %v; native %s", w, g, st)
		}
		if g, _ := rs["001"].json(r.h.t)["data"].(map[string]any); g == nil || g["status"] != words[1] {
			r.failf("001 %c = %v; native %s", w, g, st)
		}
		if g := rs["002"].json(r.h.t)["status"]; g != words[2] {
			r.failf("002 %c = %v; native %s", w, g, st)
		}
		if g := rs["004"].json(r.h.t)["session_status"]; g != words[4] {
			r.failf("004 %c = %v; native %s", w, g, st)
		}
		switch st {
		case "CANCEL_REQUESTED", "CANCELED":
			if rs["003"].Code != 410 {
				r.failf("003 %c = %d; native %s", w, rs["003"].Code, st)
			}
		case "EXPIRED":
			if rs["003"].Code != 401 {
				r.failf("003 %c = %d; native %s", w, rs["003"].Code, st)
			}
		default:
			cs, _ := rs["003"].json(r.h.t)["data"].(map[string]any)["checkoutSession"].(map[string]any)
			if cs["checkoutSessionStatus"] != words[3] {
				r.failf("003 %c = %v; native %s", w, cs["checkoutSessionStatus"], st)
			}
			if w == 'P' && r.ids['C'] != "" {
				child, _ := cs["childSession"].(map[string]any)
				cn := r.native(r.ids['C'])
				switch {
				case cn == nil && child != nil:
					r.failf("003 P childSession = %v; child 404", child)
				case cn != nil && child == nil:
					r.failf("003 P without childSession; child %v", cn["status"])
				case cn != nil && child["checkoutSessionStatus"] != modelWords[fmt.Sprint(cn["status"])][3]:
					r.failf("003 P childSession %v; child %v", child["checkoutSessionStatus"], cn["status"])
				}
			}
		}
	}
	// "a parent never shows a success word for money its child no longer
	// holds": a parent whose status a child set shows that child's status.
	if p := natives['P']; p != nil {
		for _, w := range []byte("CR") {
			id := r.ids[w]
			if id == "" || p["statusReason"] != session.ChildReason(id, session.Status(fmt.Sprint(p["status"]))) {
				continue
			}
			c := natives[w]
			words := modelWords[fmt.Sprint(p["status"])]
			if c == nil {
				if words[2] == "COMPLETED" {
					r.failf("parent %v (set by %c) beside its child gone", p["status"], w)
				}
				continue
			}
			if c["status"] != p["status"] && words[2] == "COMPLETED" && modelWords[fmt.Sprint(c["status"])][2] != "COMPLETED" {
				r.failf("parent %v (set by %c) beside its child %v", p["status"], w, c["status"])
			}
		}
	}
}

// key is the model's state of the family relative to the clock: a
// sequence reaching a key already reached is not extended.
func (r *famRun) key() string {
	now := r.h.clock.Now()
	var b strings.Builder
	for _, w := range []byte("PCR") {
		id := r.ids[w]
		if id == "" {
			b.WriteString("-|")
			continue
		}
		s := r.m.sessions[id]
		v := r.m.view(s, now)
		evs := make([]string, 0, len(s.events))
		for e := range s.events {
			evs = append(evs, e)
		}
		slices.Sort(evs)
		fmt.Fprintf(&b, "%s %v %v %v %v %d %v %v|", v.status, s.setByChild, s.expires.Sub(now), v.closedAt.Sub(now), v.updatedAt.Sub(now), len(v.history), evs, v.gone)
	}
	refused := make([]string, 0, len(r.refuse))
	for e, st := range r.refuse {
		for w, id := range r.ids { // the member's role, not its random id
			e = strings.Replace(e, id+"/", string(w)+"/", 1)
		}
		refused = append(refused, e+"="+st)
	}
	slices.Sort(refused)
	b.WriteString(strings.Join(refused, ","))
	return b.String()
}

// famWorld makes fresh families on one store.
type famWorld struct {
	h                 *harness
	alt               *harness
	altTok            string
	skewed            *harness
	skewTok, skewProc string
	d                 *dialectReader
	tok               string
	proc              string
	sweep             func()
	n                 int
}

// newFamWorld makes a world on the in-memory store or, with engine, on a
// fresh table of DynamoDB Local with the sweeper (and, with FAMILY_SKEW, a
// second instance whose clock is behind).
func newFamWorld(t *testing.T, engine bool) *famWorld {
	var h *harness
	w := &famWorld{}
	if engine {
		h = newHarnessPolicy(t, store.ClientOptions{}, famPolicy)
		sw := sweep.New(h.st.(*store.Store), slog.New(slog.DiscardHandler), h.clock.Now)
		w.sweep = func() { sw.Run(context.Background()) }
		if os.Getenv("FAMILY_SKEW") != "" {
			clock := storetest.NewClock(t0)
			w.skewed = serveStore(t, store.New(h.db, h.table, famPolicy, 16, clock.Now, store.ListBudget(time.Hour), noSettleWait), clock)
			w.skewTok, w.skewProc = w.skewed.merchantToken("m-1"), w.skewed.processorToken()
		}
	} else {
		clock := storetest.NewClock(t0)
		h = serveStore(t, storetest.NewMemory(famPolicy, clock.Now), clock)
	}
	w.h, w.d, w.tok, w.proc = h, newDialectReader(h, "m-1"), h.merchantToken("m-1"), h.processorToken()
	alt := famPolicy
	alt.Expiry = famAltExpiry
	w.alt = serveStore(t, storeWithPolicy(h, alt), h.clock)
	w.altTok = w.alt.merchantToken("m-1")
	return w
}

// run plays seq on a fresh family; the invariants are checked around the
// last action only (the prefix was checked when it was last). ok is false
// when the last action does not apply (a jump backwards, no such member).
func (w *famWorld) run(seq []famAct) (r *famRun, ok bool) {
	r = w.start()
	for i, a := range seq {
		if !r.do(a, i == len(seq)-1) {
			return r, false
		}
	}
	return r, true
}

// start makes a fresh family: a parent and its child.
func (w *famWorld) start() *famRun {
	w.n++
	// Each family starts a day after the last: nothing of an earlier one
	// is in any band of a later one, and a sweep only stores what reads
	// already say of the earlier ones.
	w.h.clock.Set(t0.Add(time.Duration(w.n) * 24 * time.Hour))
	r := &famRun{h: w.h, alt: w.alt, altTok: w.altTok, skewed: w.skewed, skewTok: w.skewTok, skewProc: w.skewProc, noModel: w.skewed != nil, d: w.d, tok: w.tok, proc: w.proc, sweep: w.sweep,
		m:   &lifeModel{p: famPolicy, sessions: map[string]*modelSession{}},
		ids: map[byte]string{}, took: map[string]bool{}, refuse: map[string]string{}, applied: map[string]bool{}}
	now := w.h.clock.Now()
	p := w.h.create("m-1", map[string]any{"amount": 100, "currency": "EUR"})
	r.m.create(p, "", now, famPolicy.Expiry)
	r.ids['P'] = p
	r.do(famAct{kind: "child"}, false)
	return r
}

// famSetting reads a search setting from the environment (FAMILY_DEPTH,
// FAMILY_SAMPLE), or def.
func famSetting(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		t.Fatalf("%s=%q: want a whole number", name, v)
	}
	return n
}

// TestFamilySequences searches every family sequence to FAMILY_DEPTH
// actions: 2 on the in-memory store (3 in
// TestFamilySequencesInMemoryToDepthThree); 2 on DynamoDB Local,
// with the sweeper, the second depth a random 200 of its 840 sequences
// unless FAMILY_DEPTH is set (a DynamoDB Local round trip costs what
// hundreds in memory do). FAMILY_EXTRA=1 adds events without an eventId,
// open statuses and a child made by an instance whose SESSION_EXPIRY is
// shorter; FAMILY_SAMPLE=n runs only n of the last depth's sequences, drawn
// at random; FAMILY_RANDOM=n runs n random sequences of FAMILY_DEPTH
// actions instead, checked after each; FAMILY_SKEW=1 (DynamoDB Local) adds
// actions sent to a second instance whose clock is famSkew behind, where
// the model (one clock) is not asked, only the rules' sentences (use it
// with FAMILY_RANDOM). FAMILY_WORKERS=n with FAMILY_BUDGET=d (DynamoDB
// Local) runs the last depth on n tables at once for d, in random order,
// its prefixes the in-memory store's frontier (searchFamiliesEngine).
// r97-family ran the memory store to depth 6 (908,505 families) and with
// FAMILY_EXTRA to depth 4 and 150,000 of depth 5, DynamoDB Local to depth
// 4 (39,600) and 1,500 random sequences of 6 with FAMILY_EXTRA, with and
// without FAMILY_SKEW: none failed. r99-family ran DynamoDB Local at depth
// 5 with 6 workers for 19 minutes: 24,320 of its 164,360 sequences (a
// random draw among those that apply), and with FAMILY_EXTRA for 14
// minutes: 18,763 of 730,113; none failing.
func TestFamilySequences(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		t.Parallel()
		// Depth 3 is TestFamilySequencesInMemoryToDepthThree's, run
		// without the race detector.
		searchFamilies(t, func() *famWorld { return newFamWorld(t, false) }, famSetting(t, "FAMILY_DEPTH", 2), famSetting(t, "FAMILY_SAMPLE", 0))
	})
	t.Run("dynamodb", func(t *testing.T) {
		t.Parallel()
		storetest.RequireEngine(t)
		if n := famSetting(t, "FAMILY_WORKERS", 0); n > 0 {
			budget, err := time.ParseDuration(os.Getenv("FAMILY_BUDGET"))
			if err != nil || budget <= 0 {
				t.Fatalf("FAMILY_BUDGET=%q: want a duration", os.Getenv("FAMILY_BUDGET"))
			}
			searchFamiliesEngine(t, famSetting(t, "FAMILY_DEPTH", 2), n, budget)
			return
		}
		sample := 200
		if os.Getenv("FAMILY_DEPTH") != "" {
			sample = 0
		}
		searchFamilies(t, func() *famWorld { return newFamWorld(t, true) }, famSetting(t, "FAMILY_DEPTH", 2), famSetting(t, "FAMILY_SAMPLE", sample))
	})
}

// TestFamilySequencesInMemoryToDepthThree is TestFamilySequences' search
// of the in-memory store to depth 3 (FAMILY_DEPTH). It plays its families
// one after another through the paths depth 2 takes, and what it runs
// concurrently (the JWKS server its tokens are checked against) is
// checked under the detector by TestFamilySequences, whose in-memory
// search stops at depth 2: under the detector depth 3 was the most of
// shared/httpapi's race pass (233 s of 509 s on a loaded machine, against
// 16.5 s without; r103-flakes7), so make test runs it in its pass without
// the detector (PLAIN_TESTS). -short leaves it to TestFamilySequences.
func TestFamilySequencesInMemoryToDepthThree(t *testing.T) {
	racemode.OnlyWithoutDetector(t)
	if testing.Short() {
		t.Skip("-short: TestFamilySequences searches the in-memory store to depth 2")
	}
	searchFamilies(t, func() *famWorld { return newFamWorld(t, false) }, famSetting(t, "FAMILY_DEPTH", 3), famSetting(t, "FAMILY_SAMPLE", 0))
}

// searchFamilies searches breadth first to depth (sample > 0: only that
// many of the last depth's sequences, drawn at random), on a fresh store
// every 2000 families (the in-memory store keeps every session it was
// given).
func searchFamilies(t *testing.T, world func() *famWorld, depth, sample int) {
	w := world()
	alphabet := famAlphabet(w.sweep != nil, os.Getenv("FAMILY_EXTRA") != "")
	if w.skewed != nil {
		alphabet = append(alphabet, famSkewed()...)
	}
	if n := famSetting(t, "FAMILY_RANDOM", 0); n > 0 {
		randomFamilies(t, w, world, alphabet, depth, n)
		return
	}
	seen := map[string]bool{}
	frontier := [][]famAct{nil}
	runs, bad := 0, 0
	start := time.Now()
	for d := 1; d <= depth; d++ {
		var seqs [][]famAct
		for _, prefix := range frontier {
			for _, a := range alphabet {
				seqs = append(seqs, append(slices.Clone(prefix), a))
			}
		}
		if d == depth && sample > 0 && sample < len(seqs) {
			rand.Shuffle(len(seqs), func(i, j int) { seqs[i], seqs[j] = seqs[j], seqs[i] })
			seqs = seqs[:sample]
		}
		var next [][]famAct
		for _, seq := range seqs {
			if w.n >= 2000 {
				w = world()
			}
			r, ok := w.run(seq)
			runs++
			if !ok {
				continue
			}
			if len(r.fails) > 0 {
				bad++
				if bad <= 40 {
					t.Errorf("after\n  %s\n%s", strings.Join(r.log, "\n  "), strings.Join(r.fails, "\n"))
				}
				continue
			}
			if k := r.key(); !seen[k] {
				seen[k] = true
				next = append(next, seq)
			}
		}
		t.Logf("depth %d: %d runs, %d new states, %d failing, %v", d, runs, len(next), bad, time.Since(start))
		frontier = next
	}
}

// randomFamilies runs n random sequences of depth actions each, checked
// after every action (an action that does not apply is skipped).
func randomFamilies(t *testing.T, w *famWorld, world func() *famWorld, alphabet []famAct, depth, n int) {
	bad := 0
	start := time.Now()
	for i := range n {
		if w.n >= 2000 {
			w = world()
		}
		seq := make([]famAct, depth)
		for j := range seq {
			seq[j] = alphabet[rand.IntN(len(alphabet))]
		}
		r := w.start()
		for _, a := range seq {
			r.do(a, true)
			if len(r.fails) > 0 {
				break
			}
		}
		if len(r.fails) > 0 {
			bad++
			if bad <= 40 {
				t.Errorf("after\n  %s\n%s", strings.Join(r.log, "\n  "), strings.Join(r.fails, "\n"))
			}
		}
		if (i+1)%1000 == 0 {
			t.Logf("%d random sequences, %d failing, %v", i+1, bad, time.Since(start))
		}
	}
	t.Logf("%d random sequences of %d actions, %d failing, %v", n, depth, bad, time.Since(start))
}

// searchFamiliesEngine searches to depth on DynamoDB Local with workers
// engines' worth of families at once: the prefixes to depth-1 are the
// in-memory store's frontier (the frontier is the model's, which a sweep
// never moves), each last-depth sequence is first run on the in-memory
// store (one that does not apply is not sent to the engine), and the rest,
// in random order, are run on the engine, each worker on its own table,
// until budget has passed (FAMILY_WORKERS, FAMILY_BUDGET).
func searchFamiliesEngine(t *testing.T, depth, workers int, budget time.Duration) {
	mem := newFamWorld(t, false)
	memAlphabet := famAlphabet(false, os.Getenv("FAMILY_EXTRA") != "")
	seen := map[string]bool{}
	frontier := [][]famAct{nil}
	for d := 1; d < depth; d++ {
		var next [][]famAct
		for _, prefix := range frontier {
			for _, a := range memAlphabet {
				seq := append(slices.Clone(prefix), a)
				if mem.n >= 2000 {
					mem = newFamWorld(t, false)
				}
				r, ok := mem.run(seq)
				if !ok || len(r.fails) > 0 {
					continue
				}
				if k := r.key(); !seen[k] {
					seen[k] = true
					next = append(next, seq)
				}
			}
		}
		frontier = next
		t.Logf("memory frontier at depth %d: %d", d, len(frontier))
	}
	alphabet := famAlphabet(true, os.Getenv("FAMILY_EXTRA") != "")
	var seqs [][]famAct
	for _, prefix := range frontier {
		for _, a := range alphabet {
			seqs = append(seqs, append(slices.Clone(prefix), a))
		}
	}
	rand.Shuffle(len(seqs), func(i, j int) { seqs[i], seqs[j] = seqs[j], seqs[i] })
	start := time.Now()
	jobs := make(chan []famAct, 256)
	go func() {
		defer close(jobs)
		for _, seq := range seqs {
			if time.Since(start) > budget {
				return
			}
			if seq[len(seq)-1].kind != "sweep" {
				if mem.n >= 2000 {
					mem = newFamWorld(t, false)
				}
				if _, ok := mem.run(seq); !ok {
					continue
				}
			}
			jobs <- seq
		}
	}()
	type tally struct{ runs, applied, bad int }
	results := make(chan tally)
	for range workers {
		go func() {
			var n tally
			defer func() { results <- n }()
			w := newFamWorld(t, true)
			for seq := range jobs {
				if time.Since(start) > budget {
					continue // drain
				}
				if w.n >= 2000 {
					w = newFamWorld(t, true)
				}
				r, ok := w.run(seq)
				n.runs++
				if !ok {
					continue
				}
				n.applied++
				if len(r.fails) > 0 {
					n.bad++
					t.Errorf("after\n  %s\n%s", strings.Join(r.log, "\n  "), strings.Join(r.fails, "\n"))
				}
			}
		}()
	}
	var all tally
	for range workers {
		n := <-results
		all.runs, all.applied, all.bad = all.runs+n.runs, all.applied+n.applied, all.bad+n.bad
	}
	t.Logf("depth %d on DynamoDB Local: %d of %d sequences run (%d applied), %d failing, %v", depth, all.runs, len(seqs), all.applied, all.bad, time.Since(start))
}
