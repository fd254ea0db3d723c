package httpapi_test

// A model-based randomized test of the session lifecycle. lifeModel below is
// a second, independent reading of docs/design.md §4 and §5 (written from
// the contract's words, quoted where they decide something, not from the
// code): random sequences of creates, child creates, processor events (with
// and without eventIds, repeats included), merchant cancels, sweeps and
// clock moves (landing on and around expiresAt, expiresAt - WRITE_GUARD and
// retainUntil) run through the real handlers, and after every step every
// read endpoint is held to what the model says. A disagreement prints the
// seed and the steps that led to it; MODEL_SEED=<seed> replays it.

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
	"github.com/paysessions/paysessions/shared/sweep"
)

// The statuses of docs/design.md §4, spelled out here (not taken from the
// domain package: the model is a second opinion).
var (
	modelOpen   = []string{"CREATED", "PROCESSING", "SENT", "REQUEST_RECEIVED", "REQUIRES_ACTION", "OTP_PENDING"}
	modelClosed = []string{"AUTHORISED", "SETTLED", "FAILED", "CANCEL_REQUESTED", "CANCELED", "EXPIRED", "FRAUD_CANCELLATION_REQUESTED"}
)

func modelIsOpen(s string) bool { return slices.Contains(modelOpen, s) }

// modelMoves is §4's transition table: "open → any open status ..., or →
// AUTHORISED, SETTLED, FAILED, CANCELED. AUTHORISED → SETTLED,
// CANCEL_REQUESTED, CANCELED, FAILED, FRAUD_CANCELLATION_REQUESTED. SETTLED
// → FRAUD_CANCELLATION_REQUESTED. CANCEL_REQUESTED → CANCELED, AUTHORISED.
// FRAUD_CANCELLATION_REQUESTED → CANCELED. FAILED, CANCELED, EXPIRED are
// final. EXPIRED is set by the system only."
func modelMoves(from, to string) bool {
	if to == "EXPIRED" {
		return false
	}
	if modelIsOpen(from) {
		return modelIsOpen(to) || slices.Contains([]string{"AUTHORISED", "SETTLED", "FAILED", "CANCELED"}, to)
	}
	switch from {
	case "AUTHORISED":
		return slices.Contains([]string{"SETTLED", "CANCEL_REQUESTED", "CANCELED", "FAILED", "FRAUD_CANCELLATION_REQUESTED"}, to)
	case "SETTLED":
		return to == "FRAUD_CANCELLATION_REQUESTED"
	case "CANCEL_REQUESTED":
		return to == "CANCELED" || to == "AUTHORISED"
	case "FRAUD_CANCELLATION_REQUESTED":
		return to == "CANCELED"
	}
	return false
}

// modelWords is §5's table: 000, 001, 002, 003, 004. 003's EXPIRED is its
// 401 at its own endpoint ("INITIATED" with expired: true as a child);
// CANCEL_REQUESTED and CANCELED are its 410.
var modelWords = map[string][5]string{
	"CREATED":                      {"Initial", "Pending", "PENDING", "INITIATED", "CREATED"},
	"PROCESSING":                   {"InProgress", "Processing", "PENDING", "INITIATED", "IN_PROGRESS"},
	"SENT":                         {"InProgress", "Sent", "PENDING", "INITIATED", "IN_PROGRESS"},
	"REQUEST_RECEIVED":             {"InProgress", "RequestReceived", "PENDING", "INITIATED", "IN_PROGRESS"},
	"REQUIRES_ACTION":              {"InProgress", "RedirectRequired", "REQUIRES_ACTION", "INITIATED", "IN_PROGRESS"},
	"OTP_PENDING":                  {"InProgress", "RedirectRequired", "REQUIRES_ACTION", "INITIATED", "OTP_PENDING"},
	"AUTHORISED":                   {"Finished", "Authorised", "COMPLETED", "COMPLETED", "COMPLETED"},
	"SETTLED":                      {"Finished", "Settled", "COMPLETED", "COMPLETED", "COMPLETED"},
	"FAILED":                       {"Error", "Failed", "FAILED", "FAILED", "ERROR"},
	"CANCEL_REQUESTED":             {"Finished", "CancelRequested", "FAILED", "CANCELED", "CANCELED"},
	"CANCELED":                     {"Finished", "Cancelled", "FAILED", "CANCELED", "CANCELED"},
	"EXPIRED":                      {"Error", "Failed", "FAILED", "INITIATED", "EXPIRED"},
	"FRAUD_CANCELLATION_REQUESTED": {"Finished", "CancelRequested", "COMPLETED", "COMPLETED", "FRAUD_CANCELLATION_REQUESTED"},
}

type modelEntry struct {
	status string
	at     time.Time
}

// modelSession is one session as the model holds it.
type modelSession struct {
	id, parent, child   string // child: the latest child linked
	createdAt, expires  time.Time
	status              string
	closedAt, updatedAt time.Time
	history             []modelEntry
	events              map[string]bool
	// setByChild: "its status was set by that child and no one else has
	// changed it since" (docs/design.md §4, the parent that follows).
	setByChild bool
}

// lifeModel is the reference model of docs/design.md §4 on a policy.
type lifeModel struct {
	p        session.Policy
	sessions map[string]*modelSession
	order    []string
}

// modelView is what every read at an instant must show of a session.
type modelView struct {
	gone                bool
	status              string
	closedAt, updatedAt time.Time
	retainUntil         time.Time
	history             []modelEntry
}

// view: "An open session is expired from the instant expiresAt is reached
// (now >= expiresAt), whether or not the sweeper has written it: every read
// reports EXPIRED with closedAt = expiresAt and a history entry at
// expiresAt"; "retainUntil = closedAt + RESULT_RETENTION. From that instant
// the session does not exist for any endpoint".
func (m *lifeModel) view(s *modelSession, at time.Time) modelView {
	v := modelView{status: s.status, closedAt: s.closedAt, updatedAt: s.updatedAt, history: slices.Clone(s.history)}
	if modelIsOpen(s.status) && !at.Before(s.expires) {
		v.status, v.closedAt, v.updatedAt = "EXPIRED", s.expires, s.expires
		v.history = append(v.history, modelEntry{"EXPIRED", s.expires})
	}
	if modelIsOpen(v.status) {
		v.retainUntil = s.expires.Add(m.p.Retention) // the ttl while open
	} else {
		v.retainUntil = v.closedAt.Add(m.p.Retention)
	}
	v.gone = !at.Before(v.retainUntil)
	return v
}

// outcome is what the model expects of a write: a status and the codes a
// refusal may carry (any of them; more than one where the contract does
// not pick).
type outcome struct {
	status int
	codes  []string
}

func ok() outcome                         { return outcome{status: 200} }
func refused(st int, c ...string) outcome { return outcome{status: st, codes: c} }

// writable: "writes are refused during a guard band (WRITE_GUARD) before
// expiresAt and before retainUntil" and "every write is refused with 409
// SESSION_EXPIRED" once expired; past retainUntil "reads and writes alike
// (404)".
func (m *lifeModel) writable(s *modelSession, at time.Time) (outcome, bool) {
	v := m.view(s, at)
	if v.gone {
		return refused(404, session.ReasonSessionNotFound), false
	}
	later := m.view(s, at.Add(m.p.WriteGuard))
	if later.gone {
		return refused(404, session.ReasonSessionNotFound), false
	}
	if later.status == "EXPIRED" {
		return refused(409, session.ReasonSessionExpired), false
	}
	return outcome{}, true
}

func (m *lifeModel) set(s *modelSession, status string, at time.Time) {
	at = at.Truncate(100) // "Times are exact to 100 ns"
	s.status = status
	s.updatedAt = at
	if !modelIsOpen(status) {
		s.closedAt = at
	}
	s.history = append(s.history, modelEntry{status, at})
}

// closeChild: "A parent's close closes its open child, whatever closed the
// parent ..., in the same transaction: the child becomes CANCELED".
func (m *lifeModel) closeChild(p *modelSession, at time.Time) {
	if p.child == "" {
		return
	}
	c := m.sessions[p.child]
	// A child within its own guard band before expiresAt is not written:
	// "writes are refused during a guard band before expiresAt"; it reads
	// EXPIRED by itself from expiresAt on. (Only a child that expires
	// before its parent can be there while the parent can still be
	// written: one made after SESSION_EXPIRY was lowered.)
	if modelIsOpen(c.status) && at.Add(m.p.WriteGuard).Before(c.expires) {
		m.set(c, "CANCELED", at)
	}
}

// change moves s to status at (by a processor event or a merchant cancel)
// after the family checks, and applies the family's consequences.
func (m *lifeModel) change(s *modelSession, to string, at time.Time) outcome {
	wasOpen := modelIsOpen(s.status)
	var p *modelSession
	if s.parent != "" {
		p = m.sessions[s.parent]
	}
	follow := false
	if p != nil {
		pv := m.view(p, at)
		money := to == "AUTHORISED" || to == "SETTLED"
		switch {
		case pv.gone, money && m.view(p, at.Add(m.p.WriteGuard)).gone:
			// A child "may still settle while the parent shows that money
			// ..., never ... nor once the parent is gone (past its
			// retention ...), nor within the guard band before that"
			// (docs/design.md §4): no child takes money then.
			if money {
				return refused(409, session.ReasonParentClosed)
			}
		case modelIsOpen(pv.status):
			// "A child reaching AUTHORISED or SETTLED moves an open parent
			// to the same status."
			if money {
				if _, w := m.writable(p, at); !w {
					return refused(409, session.ReasonParentClosed, session.ReasonSessionExpired)
				}
				follow = true
			}
		case p.setByChild && p.status == s.status:
			// "A parent that shows its child's money ... follows the
			// child's later changes its own lifecycle allows".
			if modelMoves(p.status, to) {
				if _, w := m.writable(p, at); w {
					follow = true
				}
			}
		default:
			// "A child can never reach AUTHORISED or SETTLED under a closed
			// parent"; a child AUTHORISED "may still settle while the
			// parent shows that money (AUTHORISED or SETTLED)".
			if money && !(pv.status == "AUTHORISED" || pv.status == "SETTLED") {
				return refused(409, session.ReasonParentClosed)
			}
			if money && wasOpen {
				return refused(409, session.ReasonParentClosed)
			}
		}
	}
	m.set(s, to, at)
	if wasOpen && !modelIsOpen(to) {
		m.closeChild(s, at)
	}
	if s.setByChild {
		s.setByChild = false
	}
	if follow {
		pWasOpen := modelIsOpen(p.status)
		m.set(p, to, at)
		p.setByChild = true
		if pWasOpen {
			m.closeChild(p, at) // s itself is closed now; nothing to do
		}
	}
	return ok()
}

// event: "an event already applied answers 200 with the session as it now
// is, even if the session has since closed or expired, for as long as the
// session exists" — "checked before anything else".
func (m *lifeModel) event(id, status, eventID string, at time.Time) outcome {
	s := m.sessions[id]
	if eventID != "" && s.events[eventID] {
		if m.view(s, at).gone {
			return refused(404, session.ReasonSessionNotFound)
		}
		return ok()
	}
	if status == "EXPIRED" {
		// "EXPIRED is set by the system only": never applied; which 4xx
		// the contract does not say.
		if o, w := m.writable(s, at); !w {
			return refused(-4, append(o.codes, session.ReasonValidation)...)
		}
		return refused(-4, session.ReasonValidation, session.ReasonInvalidTransition)
	}
	if o, w := m.writable(s, at); !w {
		return o
	}
	if !modelMoves(s.status, status) {
		// Which of two refusals comes first the contract does not say: a
		// child's move to money under a parent that is not open may be
		// refused as PARENT_CLOSED before the transition table is read.
		if s.parent != "" && (status == "AUTHORISED" || status == "SETTLED") {
			if pv := m.view(m.sessions[s.parent], at); pv.gone || !modelIsOpen(pv.status) {
				return refused(409, session.ReasonInvalidTransition, session.ReasonParentClosed)
			}
		}
		return refused(409, session.ReasonInvalidTransition)
	}
	o := m.change(s, status, at)
	if o.status == 200 && eventID != "" {
		s.events[eventID] = true
	}
	return o
}

// cancel: "Merchant cancel: open → CANCELED; AUTHORISED → CANCEL_REQUESTED;
// otherwise 409."
func (m *lifeModel) cancel(id string, at time.Time) outcome {
	s := m.sessions[id]
	if o, w := m.writable(s, at); !w {
		return o
	}
	switch {
	case modelIsOpen(s.status):
		return m.change(s, "CANCELED", at)
	case s.status == "AUTHORISED":
		return m.change(s, "CANCEL_REQUESTED", at)
	}
	return refused(409, session.ReasonInvalidTransition)
}

// create: "expiresAt = createdAt + SESSION_EXPIRY"; a child: "which must be
// the same merchant's and open; one level only, at most one open child at a
// time (a closed child may be replaced). The child's expiresAt is no later
// than its parent's."
func (m *lifeModel) create(id, parent string, at time.Time, expiry time.Duration) outcome {
	t := at.Truncate(100) // "Times are exact to 100 ns"
	s := &modelSession{id: id, parent: parent, createdAt: t, expires: t.Add(expiry).Truncate(100), status: "CREATED", updatedAt: at, events: map[string]bool{}}
	s.history = []modelEntry{{"CREATED", t}}
	s.updatedAt = t
	if parent != "" {
		p := m.sessions[parent]
		if m.view(p, at).gone {
			return refused(400, session.ReasonValidation)
		}
		if p.parent != "" {
			return refused(-4, session.ReasonValidation, session.ReasonParentNotOpen, session.ReasonInvalidTransition)
		}
		if o, w := m.writable(p, at); !w {
			if o.status == 404 {
				return refused(-4, session.ReasonValidation, session.ReasonSessionNotFound, session.ReasonParentNotOpen)
			}
			return refused(409, session.ReasonParentNotOpen, session.ReasonSessionExpired)
		}
		if !modelIsOpen(p.status) {
			return refused(409, session.ReasonParentNotOpen)
		}
		if p.child != "" {
			c := m.sessions[p.child]
			if cv := m.view(c, at.Add(m.p.WriteGuard)); modelIsOpen(cv.status) {
				return refused(409, session.ReasonChildExists)
			}
		}
		if p.expires.Before(s.expires) {
			s.expires = p.expires
		}
		p.child = id
	}
	m.sessions[id] = s
	m.order = append(m.order, id)
	return outcome{status: 201}
}

// modelRun drives one random sequence through h and checks every read
// after every step. It returns false after the first disagreement.
type modelRun struct {
	t     *testing.T
	h     *harness
	m     *lifeModel
	rng   *rand.Rand
	seed  uint64
	steps []string
	d     *dialectReader
	sweep func()
	proc  string
	tok   string
	// alt is the same store and clock behind a service whose
	// SESSION_EXPIRY is altExpiry (a deployment whose setting changed):
	// children made through it expire before their parents.
	alt       *harness
	altExpiry time.Duration
	altTok    string
	altProc   string
	// seen counts the answers of the writes, by operation, status and
	// code: what a sequence exercised (logged with -v).
	seen map[string]int
}

// via picks the service a write goes through: its harness, merchant and
// processor tokens, and the SESSION_EXPIRY it creates with.
func (r *modelRun) via() (*harness, string, string, time.Duration) {
	if r.alt != nil && r.rng.IntN(2) == 0 {
		return r.alt, r.altTok, r.altProc, r.altExpiry
	}
	return r.h, r.tok, r.proc, r.m.p.Expiry
}

func (r *modelRun) logf(format string, a ...any) {
	r.steps = append(r.steps, fmt.Sprintf("%s "+format, append([]any{r.h.clock.Now().Format("15:04:05.0000000")}, a...)...))
}

func (r *modelRun) fail(format string, a ...any) {
	r.t.Helper()
	r.t.Fatalf("MODEL_SEED=%d: after\n  %s\n%s", r.seed, strings.Join(r.steps, "\n  "), fmt.Sprintf(format, a...))
}

// pick picks a session that exists and matches, or any.
func (r *modelRun) pick(match func(*modelSession) bool) string {
	var ids []string
	for _, id := range r.m.order {
		if s := r.m.sessions[id]; match(s) && !r.m.view(s, r.h.clock.Now()).gone {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return r.anyID()
	}
	return ids[r.rng.IntN(len(ids))]
}

// anyID picks a session, mostly one that still exists.
func (r *modelRun) anyID() string {
	var live []string
	for _, id := range r.m.order {
		if !r.m.view(r.m.sessions[id], r.h.clock.Now()).gone {
			live = append(live, id)
		}
	}
	if len(live) > 0 && r.rng.IntN(10) < 8 {
		return live[r.rng.IntN(len(live))]
	}
	return r.m.order[r.rng.IntN(len(r.m.order))]
}

// advance moves the clock: small steps, large steps, and landings on and
// around the instants the time rules turn on.
func (r *modelRun) advance() {
	now := r.h.clock.Now()
	var d time.Duration
	switch r.rng.IntN(4) {
	case 0:
		d = time.Duration(r.rng.IntN(5000)) * time.Millisecond
	case 1:
		d = time.Duration(r.rng.Int64N(int64(r.m.p.Expiry)))
	default:
		if len(r.m.order) == 0 {
			d = time.Second
			break
		}
		v := r.m.view(r.m.sessions[r.anyID()], now)
		marks := []time.Time{r.m.sessions[r.anyID()].expires, v.retainUntil}
		mark := marks[r.rng.IntN(len(marks))]
		switch r.rng.IntN(3) {
		case 0:
			mark = mark.Add(-r.m.p.WriteGuard) // where writes stop
		case 1:
			mark = mark.Add(r.m.p.WriteGuard) // where the sweeper may write
		}
		offs := []time.Duration{0, 0, 100, -100, time.Millisecond, -time.Millisecond, time.Second, -time.Second}
		d = mark.Add(offs[r.rng.IntN(len(offs))]).Sub(now)
	}
	if d <= 0 {
		d = 100 * time.Nanosecond
	}
	r.h.clock.Advance(d)
	r.logf("advance %v", d)
}

func (r *modelRun) check(res response, o outcome, what string) map[string]any {
	r.t.Helper()
	if o.status == -4 {
		if res.Code < 400 || res.Code >= 500 {
			r.fail("%s = %d %s; want a 4xx with one of %v", what, res.Code, res.Body, o.codes)
		}
	} else if res.Code != o.status {
		r.fail("%s = %d %s; want %d %v", what, res.Code, res.Body, o.status, o.codes)
	}
	body := map[string]any{}
	_ = json.Unmarshal(res.Body.Bytes(), &body)
	r.seen[fmt.Sprintf("%s %d %v", strings.Fields(what)[0], res.Code, body["code"])]++
	if len(o.codes) > 0 {
		if c, _ := body["code"].(string); !slices.Contains(o.codes, c) {
			r.fail("%s = %d %s; want code in %v", what, res.Code, res.Body, o.codes)
		}
	}
	return body
}

func (r *modelRun) step() {
	h, tok, proc, expiry := r.via()
	m := r.m
	now := h.clock.Now()
	n := r.rng.IntN(100)
	switch {
	case n < 12 || len(m.order) == 0:
		res := h.do("POST", "/sessions", tok, map[string]any{"amount": 100, "currency": "EUR"})
		id, _ := res.json(r.t)["id"].(string)
		r.logf("create = %d %s", res.Code, id)
		r.check(res, m.create(id, "", now, expiry), "create")
	case n < 22:
		parent := r.pick(func(s *modelSession) bool { return s.parent == "" && modelIsOpen(s.status) })
		res := h.do("POST", "/sessions", tok, map[string]any{"amount": 100, "currency": "EUR", "parentSessionId": parent})
		body := map[string]any{}
		_ = json.Unmarshal(res.Body.Bytes(), &body)
		id, _ := body["id"].(string)
		r.logf("create child of %s = %d %s %v", parent[:8], res.Code, id, body["code"])
		if res.Code == 201 && id == "" {
			r.fail("child create answered 201 without an id")
		}
		if id == "" {
			id = "none"
		}
		r.check(res, m.create(id, parent, now, expiry), "create child")
	case n < 70:
		id := r.anyID()
		if r.rng.IntN(3) == 0 { // families: a child, or a parent with one
			id = r.pick(func(s *modelSession) bool { return s.parent != "" || s.child != "" })
		}
		var status string
		if r.rng.IntN(2) == 0 {
			status = modelOpen[r.rng.IntN(len(modelOpen))]
		} else {
			status = modelClosed[r.rng.IntN(len(modelClosed))]
		}
		body := map[string]any{"status": status}
		eventID := ""
		if r.rng.IntN(2) == 0 {
			eventID = "evt-" + strconv.Itoa(r.rng.IntN(6))
			body["eventId"] = eventID
		}
		res := h.do("POST", "/sessions/"+id+"/events", proc, body)
		got := map[string]any{}
		_ = json.Unmarshal(res.Body.Bytes(), &got)
		r.logf("event %s %s %q = %d %v %v", id[:8], status, eventID, res.Code, got["status"], got["code"])
		r.check(res, m.event(id, status, eventID, now), "event")
		if res.Code == 200 {
			r.compareNative(id, got, "event answer")
		}
	case n < 82:
		id := r.anyID()
		res := h.do("POST", "/sessions/"+id+"/cancel", tok, nil)
		got := map[string]any{}
		_ = json.Unmarshal(res.Body.Bytes(), &got)
		r.logf("cancel %s = %d %v %v", id[:8], res.Code, got["status"], got["code"])
		r.check(res, m.cancel(id, now), "cancel")
		if res.Code == 200 {
			r.compareNative(id, got, "cancel answer")
		}
	case n < 88:
		if r.sweep != nil {
			r.sweep()
			r.logf("sweep")
		}
	default:
		r.advance()
	}
	r.checkReads()
}

// Formats, as precise as each dialect writes them.
func parseAt(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

func (r *modelRun) sameTime(what string, got any, want time.Time, prec time.Duration) {
	r.t.Helper()
	s, _ := got.(string)
	g, okp := parseAt(s)
	if !okp || !g.Equal(want.Truncate(prec)) {
		r.fail("%s = %v; want %s", what, got, want.Truncate(prec).Format(time.RFC3339Nano))
	}
}

// compareNative holds a native session body to the model at the clock.
func (r *modelRun) compareNative(id string, got map[string]any, what string) {
	r.t.Helper()
	s := r.m.sessions[id]
	v := r.m.view(s, r.h.clock.Now())
	if got["status"] != v.status {
		r.fail("%s %s: status = %v; want %s", what, id, got["status"], v.status)
	}
	r.sameTime(what+" updatedAt", got["updatedAt"], v.updatedAt, 100)
	r.sameTime(what+" expiresAt", got["expiresAt"], s.expires, 100)
	r.sameTime(what+" createdAt", got["createdAt"], s.createdAt, 100)
	if modelIsOpen(v.status) {
		if got["closedAt"] != nil {
			r.fail("%s %s: closedAt = %v on an open session", what, id, got["closedAt"])
		}
	} else {
		r.sameTime(what+" closedAt", got["closedAt"], v.closedAt, 100)
		r.sameTime(what+" retainUntil", got["retainUntil"], v.retainUntil, 100)
	}
	hist, _ := got["history"].([]any)
	var gotH, wantH []string
	for _, e := range hist {
		e, _ := e.(map[string]any)
		at, _ := parseAt(fmt.Sprint(e["at"]))
		gotH = append(gotH, fmt.Sprintf("%v@%s", e["status"], at.Format(time.RFC3339Nano)))
	}
	for _, e := range v.history {
		wantH = append(wantH, e.status+"@"+e.at.Format(time.RFC3339Nano))
	}
	if !slices.Equal(gotH, wantH) {
		r.fail("%s %s: history =\n    %v\nwant\n    %v", what, id, gotH, wantH)
	}
	if c, _ := got["childSessionId"].(string); c != s.child {
		r.fail("%s %s: childSessionId = %q; want %q", what, id, c, s.child)
	}
	if p, _ := got["parentSessionId"].(string); p != s.parent {
		r.fail("%s %s: parentSessionId = %q; want %q", what, id, p, s.parent)
	}
}

// checkReads reads every session through every endpoint and every day
// list, and holds each answer to the model.
func (r *modelRun) checkReads() {
	r.t.Helper()
	now := r.h.clock.Now()
	days := map[string][]string{}
	for _, id := range r.m.order {
		s := r.m.sessions[id]
		v := r.m.view(s, now)
		day := s.createdAt.Format(time.DateOnly)
		if !v.gone {
			days[day] = append(days[day], id)
		} else if _, seen := days[day]; !seen {
			days[day] = nil
		}
		rs := r.d.session(id) // each day's list is read and checked below
		if v.gone {
			for name, res := range rs {
				if res.Code != 404 {
					r.fail("%s %s = %d %s; want 404 (past retainUntil %s)", name, id, res.Code, res.Body, v.retainUntil)
				}
			}
			continue
		}
		w := modelWords[v.status]
		native := rs["native"]
		if native.Code != 200 {
			r.fail("native %s = %d %s; want 200 %s", id, native.Code, native.Body, v.status)
		}
		r.compareNative(id, native.json(r.t), "GET")
		if got := rs["000"].json(r.t); got["sessionState"] != w[0] {
			r.fail("000 %s: sessionState = %v; want %s (%s)", id, got["sessionState"], w[0], v.status)
		} else {
			r.sameTime("000 lastUpdatedOn", got["lastUpdatedOn"], v.updatedAt, time.Microsecond)
		}
		d001, _ := rs["001"].json(r.t)["data"].(map[string]any)
		if rs["001"].Code != 200 || d001["status"] != w[1] {
			r.fail("001 %s = %d %s; want %s (%s)", id, rs["001"].Code, rs["001"].Body, w[1], v.status)
		}
		r.sameTime("001 processedOn", d001["processedOn"], v.updatedAt, 100)
		if h001, _ := d001["history"].([]any); len(h001) != len(v.history) {
			r.fail("001 %s: history has %d entries; want %d", id, len(h001), len(v.history))
		} else {
			for i, e := range h001 {
				e, _ := e.(map[string]any)
				if e["status"] != modelWords[v.history[i].status][1] {
					r.fail("001 %s: history[%d] = %v; want %s", id, i, e, modelWords[v.history[i].status][1])
				}
				r.sameTime(fmt.Sprintf("001 history[%d].processedOn", i), e["processedOn"], v.history[i].at, 100)
			}
		}
		if got := rs["002"].json(r.t); rs["002"].Code != 200 || got["status"] != w[2] {
			r.fail("002 %s = %d %s; want %s (%s)", id, rs["002"].Code, rs["002"].Body, w[2], v.status)
		} else {
			r.sameTime("002 updatedAt", got["updatedAt"], v.updatedAt, time.Second)
		}
		r.check003(id, v, rs["003"])
		if got := rs["004"].json(r.t); rs["004"].Code != 200 || got["session_status"] != w[4] {
			r.fail("004 %s = %d %s; want %s (%s)", id, rs["004"].Code, rs["004"].Body, w[4], v.status)
		} else {
			r.sameTime("004 updated_date", got["updated_date"], v.updatedAt, time.Millisecond)
		}
	}
	for day, ids := range days {
		res := r.h.do("GET", "/pps/api/v1/session-record?createdDate="+day, r.d.tokens["read"], nil)
		var list []map[string]any
		if res.Code != 200 || json.Unmarshal(res.Body.Bytes(), &list) != nil {
			r.fail("list %s = %d %s", day, res.Code, res.Body)
		}
		var got, want []string
		for _, rec := range list {
			got = append(got, fmt.Sprintf("%v=%v", rec["session_id"], rec["session_status"]))
		}
		slices.SortStableFunc(ids, func(a, b string) int {
			return r.m.sessions[a].createdAt.Compare(r.m.sessions[b].createdAt)
		})
		for _, id := range ids {
			want = append(want, id+"="+modelWords[r.m.view(r.m.sessions[id], now).status][4])
		}
		gs, ws := slices.Clone(got), slices.Clone(want)
		slices.Sort(gs)
		slices.Sort(ws)
		if !slices.Equal(gs, ws) {
			r.fail("list %s =\n    %v\nwant\n    %v", day, got, want)
		}
	}
}

// check003: "(410, see below)" for CANCEL_REQUESTED and CANCELED, "(401)"
// for EXPIRED, the word of §5 otherwise; childSession "carries the child's
// id, status, createdAt and expiresAt", an expired child "INITIATED with
// expired: true".
func (r *modelRun) check003(id string, v modelView, res response) {
	r.t.Helper()
	switch v.status {
	case "CANCEL_REQUESTED", "CANCELED":
		r.check(res, refused(410, session.ReasonSessionCanceled), "003 "+id)
		return
	case "EXPIRED":
		r.check(res, refused(401, session.ReasonSessionExpired), "003 "+id)
		return
	}
	if res.Code != 200 {
		r.fail("003 %s = %d %s; want 200 %s", id, res.Code, res.Body, modelWords[v.status][3])
	}
	cs, _ := res.json(r.t)["data"].(map[string]any)["checkoutSession"].(map[string]any)
	if cs["checkoutSessionStatus"] != modelWords[v.status][3] {
		r.fail("003 %s: %v; want %s (%s)", id, cs["checkoutSessionStatus"], modelWords[v.status][3], v.status)
	}
	s := r.m.sessions[id]
	var want map[string]any
	if s.child != "" {
		c := r.m.sessions[s.child]
		if cv := r.m.view(c, r.h.clock.Now()); !cv.gone {
			want = map[string]any{"id": c.id, "checkoutSessionStatus": modelWords[cv.status][3], "expired": cv.status == "EXPIRED",
				"createdAt": c.createdAt.UTC().Format(time.RFC3339), "expiresAt": c.expires.UTC().Format(time.RFC3339)}
		}
	}
	got, _ := cs["childSession"].(map[string]any)
	if want == nil {
		if got != nil {
			r.fail("003 %s: childSession = %v; want none", id, got)
		}
		return
	}
	for k, wv := range want {
		gv := got[k]
		if k == "createdAt" || k == "expiresAt" {
			g, ok1 := parseAt(fmt.Sprint(gv))
			w, _ := parseAt(wv.(string))
			if !ok1 || !g.Truncate(time.Second).Equal(w) {
				r.fail("003 %s: childSession.%s = %v; want %v", id, k, gv, wv)
			}
			continue
		}
		if gv != wv {
			r.fail("003 %s: childSession.%s = %v; want %v (child %s)", id, k, gv, wv, r.m.view(r.m.sessions[s.child], r.h.clock.Now()).status)
		}
	}
}

// modelSeeds is the seeds to run: MODEL_SEED replays one.
func modelSeeds(n int) []uint64 {
	if s := os.Getenv("MODEL_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			panic(err)
		}
		return []uint64{v}
	}
	base := uint64(time.Now().UnixNano())
	seeds := make([]uint64, n)
	for i := range seeds {
		seeds[i] = base + uint64(i)
	}
	return seeds
}

// modelPolicies are lifecycles config.Load accepts: the default, and short
// ones under which a sequence of a few dozen steps sees many sessions
// expire, close and disappear, guard bands included.
var modelPolicies = []session.Policy{
	session.DefaultPolicy,
	{Expiry: 2 * time.Minute, Retention: time.Minute, WriteGuard: 5 * time.Second},
	{Expiry: 10 * time.Second, Retention: 6 * time.Second, WriteGuard: 5 * time.Second},
	{Expiry: 5 * time.Minute, Retention: 2 * time.Second, WriteGuard: time.Second},
}

// modelPolicy picks the seed's policy.
func modelPolicy(seed uint64) session.Policy { return modelPolicies[seed%uint64(len(modelPolicies))] }

func runModel(t *testing.T, h *harness, seed uint64, steps int) {
	r := &modelRun{t: t, h: h, m: &lifeModel{p: modelPolicy(seed), sessions: map[string]*modelSession{}},
		rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), seed: seed,
		d: newDialectReader(h, "m-1"), proc: h.processorToken(), tok: h.merchantToken("m-1"), seen: map[string]int{}}
	if seed%3 == 0 {
		// Every third sequence also writes through a service whose
		// SESSION_EXPIRY is a third shorter.
		alt := r.m.p
		alt.Expiry = (alt.Expiry * 2 / 3).Truncate(time.Second)
		r.alt, r.altExpiry = serveStore(t, storeWithPolicy(h, alt), h.clock), alt.Expiry
		r.alt.db, r.alt.table = h.db, h.table
		r.altTok, r.altProc = r.alt.merchantToken("m-1"), r.alt.processorToken()
	}
	if st, isStore := h.st.(*store.Store); isStore {
		sw := sweep.New(st, slog.New(slog.DiscardHandler), h.clock.Now)
		r.sweep = func() { sw.Run(context.Background()) }
	}
	for range steps {
		r.step()
	}
	keys := slices.Sorted(maps.Keys(r.seen))
	for i, k := range keys {
		keys[i] = fmt.Sprintf("%s: %d", k, r.seen[k])
	}
	t.Logf("seed %d (%v): %d sessions; %s", seed, r.m.p, len(r.m.order), strings.Join(keys, ", "))
}

// TestLifecycleModel runs random sequences on the in-memory store (eight
// of 60 steps, about a second) and on DynamoDB Local (one of 40 steps,
// with the sweeper). MODEL_RUNS=n runs n sequences on each; MODEL_SEED
// replays one. Each sequence has its own store, clock and issuer, so the
// sequences run in parallel, the two stores' at once.
func TestLifecycleModel(t *testing.T) {
	memRuns, engineRuns := 8, 1
	if s := os.Getenv("MODEL_RUNS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("MODEL_RUNS=%q: %v", s, err)
		}
		memRuns, engineRuns = n, n
	}
	t.Run("memory", func(t *testing.T) {
		t.Parallel()
		for _, seed := range modelSeeds(memRuns) {
			t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
				t.Parallel()
				clock := storetest.NewClock(t0)
				h := serveStore(t, storetest.NewMemory(modelPolicy(seed), clock.Now), clock)
				runModel(t, h, seed, 60)
			})
		}
	})
	t.Run("dynamodb", func(t *testing.T) {
		t.Parallel()
		for _, seed := range modelSeeds(engineRuns) {
			t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
				t.Parallel()
				runModel(t, newHarnessPolicy(t, store.ClientOptions{}, modelPolicy(seed)), seed, 40)
			})
		}
	})
}
