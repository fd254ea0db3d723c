package storetest

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// Memory is an in-memory session store with the semantics of store.Store
// that the HTTP handlers (httpapi.Store) and the authenticator
// (auth.APIKeyStore) rely on, so their tests run in microseconds and
// without DynamoDB. It is not a second implementation of the rules: every
// change is made by the domain functions store.Store calls (session.Adopt,
// Apply, ApplyToChild, Cancel, CloseChild, At), in the same order and with
// the same reads; what a read returns, how large a session may grow and how
// the list orders, filters and pages come from store.Store itself (Stored,
// Listed, ListKey, ListUntil, ListCursor, ListResume). A write is checked
// against the condition the store's write carries (version, retention and
// expiry at the clock plus the guard band).
//
// What it leaves out is what only a real table has: concurrent writers and
// their retries (each operation runs under one lock, so there are no lost
// races; a read and the clock reading that judges it are one instant, so
// none straddles an expiry), DynamoDB's errors and throttling, the list's time budget and
// index lag. Tests of those run on DynamoDB Local; TestMemoryAgreesWithStore
// holds the two stores to the same answers. Memory is safe for concurrent
// use.
type Memory struct {
	// model is a store without a table: it answers the store's rules.
	model *store.Store
	now   func() time.Time
	state *memoryState
}

// memoryState is what a Memory holds; Memory values made by WithPolicy
// share it, as two deployments share a table.
type memoryState struct {
	mu       sync.Mutex
	sessions map[string]*session.Session // as a read of the table returns them
	idem     map[string]memoryReplay     // merchant id + "\x00" + key
	keys     map[string]*store.APIKey
}

type memoryReplay struct {
	requestHash string
	sessionID   string
	status      int
	body        []byte
	expiresAt   int64 // epoch seconds rounded up, as the store's record holds it
}

// NewMemory returns an empty in-memory store applying policy, on the clock
// now, with the store's defaults otherwise (opts as store.New takes them:
// ListShards changes the cursors it makes).
func NewMemory(policy session.Policy, now func() time.Time, opts ...store.Option) *Memory {
	return &Memory{
		model: store.New(nil, "memory", policy, 16, now, opts...),
		now:   now,
		state: &memoryState{sessions: map[string]*session.Session{}, idem: map[string]memoryReplay{}, keys: map[string]*store.APIKey{}},
	}
}

// WithPolicy returns a store on the same sessions and keys that applies
// another lifecycle policy: the service after its settings changed.
func (m *Memory) WithPolicy(policy session.Policy) *Memory {
	return &Memory{model: store.New(nil, "memory", policy, 16, m.now), now: m.now, state: m.state}
}

// Policy returns the lifecycle the store applies.
func (m *Memory) Policy() session.Policy { return m.model.Policy() }

func (m *Memory) policy() session.Policy { return m.model.Policy() }

// unavailable is what the store answers when its context is done before
// DynamoDB answers.
func unavailable(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return session.Unavailable(err)
	}
	return nil
}

// Get returns the session as it is now, as store.Store.Get.
func (m *Memory) Get(ctx context.Context, id string) (*session.Session, error) {
	return m.read(ctx, "", id, m.model.Read)
}

// GetOwned returns merchantID's session as it is now, as
// store.Store.GetOwned: another merchant's session is ENOTFOUND.
func (m *Memory) GetOwned(ctx context.Context, merchantID, id string) (*session.Session, error) {
	return m.read(ctx, merchantID, id, m.model.Read)
}

// GetRecord returns merchantID's session as it is now, read as the day's
// list reads it (only the attributes a listed session carries), as
// store.Store.GetRecord.
func (m *Memory) GetRecord(ctx context.Context, merchantID, id string) (*session.Session, error) {
	return m.read(ctx, merchantID, id, m.model.Listed)
}

// read is the one locked read of Get, GetOwned and GetRecord: for a
// caller acting for merchantID ("" for any), another merchant's session is
// ENOTFOUND before it is judged (as the store tells it from the raw
// item); the session is then read as view reads it (the store's whole
// read or its list's projection, each judging what it reads as the
// store's decoding does) and judged at the read's instant.
func (m *Memory) read(ctx context.Context, merchantID, id string, view func(*session.Session) (*session.Session, error)) (*session.Session, error) {
	if err := unavailable(ctx); err != nil {
		return nil, err
	}
	m.state.mu.Lock()
	v, ok := m.state.sessions[id]
	now := m.now() // the read's instant: nothing lands in between
	m.state.mu.Unlock()
	if !ok || merchantID != "" && v.MerchantID != merchantID {
		return nil, session.NotFound()
	}
	rv, err := view(v)
	if err != nil {
		return nil, m.goneOr(v, now, err)
	}
	return rv.At(now, m.policy())
}

// goneOr is the error of a read at now of v, which the store cannot
// decode (err): ENOTFOUND if v is past its retention by the attributes
// the time rules read alone, as the store judges such an item
// (store.Store.GoneAt), else err.
func (m *Memory) goneOr(v *session.Session, now time.Time, err error) error {
	if m.model.GoneAt(v, now) {
		return session.NotFound()
	}
	return err
}

// Plant keeps v exactly as given, judged by nothing, as an item written
// behind the store's back (by hand, by another tool) is: each read then
// judges it as the store judges such an item.
func (m *Memory) Plant(v *session.Session) {
	m.state.mu.Lock()
	defer m.state.mu.Unlock()
	m.state.sessions[v.ID] = v.Clone()
}

// GetWithChild returns the session and its child at one instant, as
// store.Store.GetWithChild: another merchant's session is ENOTFOUND.
func (m *Memory) GetWithChild(ctx context.Context, merchantID, id string) (v, child *session.Session, err error) {
	if err := unavailable(ctx); err != nil {
		return nil, nil, err
	}
	m.state.mu.Lock()
	stored, ok := m.state.sessions[id]
	if ok {
		v = stored.Clone()
		if c, ok := m.state.sessions[v.ChildSessionID]; ok && v.ChildSessionID != "" {
			child = c.Clone()
		}
	}
	now := m.now()
	m.state.mu.Unlock()
	if !ok || v.MerchantID != merchantID {
		return nil, nil, session.NotFound()
	}
	rv, err := m.model.Read(v)
	if err != nil {
		return nil, nil, m.goneOr(v, now, err)
	}
	v = rv
	if child != nil {
		rc, err := m.model.Read(child)
		switch {
		case err == nil:
			// A session that is not v's child is a link the service did
			// not write (store.Store.LinkedChild).
			if child, err = m.model.LinkedChild(v, rc); err != nil {
				return nil, nil, err
			}
		case m.model.GoneAt(child, now):
			child = nil // gone: it no longer exists
		default:
			return nil, nil, err
		}
	}
	if v, err = v.At(now, m.policy()); err != nil {
		return nil, nil, err
	}
	if child != nil {
		if child, err = child.At(now, m.policy()); session.ErrorCode(err) == session.ENOTFOUND {
			child, err = nil, nil
		}
	}
	return v, child, err
}

// memoryTxn is one operation's reads and writes, made under the lock at
// one instant, as one attempt of store.Store.Transact.
type memoryTxn struct {
	m   *Memory
	now time.Time
	// nowUsed: instant has been called, so now no longer moves (as
	// store.Txn's Now).
	nowUsed bool
	// latest is the latest change of a session read, as store.Txn's: a
	// change is never made before it (store.Store.FollowsChange).
	latest time.Time
	read   map[string]*session.Session // as stored when read
	puts   []*session.Session
	// system marks the puts that are system changes (store.Txn.PutSystem).
	system map[*session.Session]bool
	news   map[string]bool
	idem   *memoryIdemWrite
}

type memoryIdemWrite struct {
	key string
	rec memoryReplay
}

func (m *Memory) begin() *memoryTxn { return m.beginAt(time.Time{}) }

// beginAt begins an operation at the clock, or at floor if that is later:
// store.Store.Transact's attempt after one that read a change later than
// its instant.
func (m *Memory) beginAt(floor time.Time) *memoryTxn {
	now := m.now()
	if floor.After(now) {
		now = floor
	}
	return &memoryTxn{m: m, now: now, read: map[string]*session.Session{}, news: map[string]bool{}}
}

// transact runs op as store.Store.Transact runs an attempt: a session
// read before op first asks for its instant moves the instant to that
// session's change (another instance's clock is ahead); when op wrote
// something after reading, once its instant was fixed, a session changed
// later than it, op runs again at that change, so no change is entered
// before one already made; then its writes are committed. An error op
// returns is the answer, as in the store. Nothing changes under the lock
// between the runs.
func (m *Memory) transact(op func(t *memoryTxn) error) error {
	var floor time.Time
	for {
		t := m.beginAt(floor)
		if err := op(t); err != nil {
			return err
		}
		if len(t.puts) == 0 && t.idem == nil {
			return nil
		}
		if t.latest.After(t.now) {
			floor = t.latest
			continue
		}
		return t.commit()
	}
}

// get reads a session as stored, without the time rules (store.Txn.Get),
// judged as the store judges its item (store.Store.Read).
func (t *memoryTxn) get(id string) (*session.Session, error) { return t.getOwned("", id) }

// getOwned is get for a caller acting for merchantID (store.Txn.GetOwned):
// another merchant's session is ENOTFOUND before it is judged.
func (t *memoryTxn) getOwned(merchantID, id string) (*session.Session, error) {
	v, ok := t.m.state.sessions[id]
	if !ok || merchantID != "" && v.MerchantID != merchantID {
		return nil, session.NotFound()
	}
	if _, err := t.m.model.Read(v); err != nil {
		return nil, t.m.goneOr(v, t.now, err)
	}
	t.read[id] = v
	if v.UpdatedAt.After(t.latest) && t.m.model.FollowsChange(v.UpdatedAt) {
		t.latest = v.UpdatedAt
		if !t.nowUsed && t.latest.After(t.now) {
			t.now = t.latest
		}
	}
	return v.Clone(), nil
}

// instant is the operation's instant, as store.Txn.Now: a session read
// before it is first called moves it to that session's change; one read
// after it makes transact run the operation again (a decision already
// taken at it is not judged again in the same run, as in the store).
func (t *memoryTxn) instant() time.Time {
	t.nowUsed = true
	return t.now
}

func (t *memoryTxn) put(v *session.Session) { t.puts = append(t.puts, v) }

// putSystem is store.Txn.PutSystem: a family member moved by the system,
// which may use the room the store keeps above its size limit.
func (t *memoryTxn) putSystem(v *session.Session) {
	if t.system == nil {
		t.system = map[*session.Session]bool{}
	}
	t.system[v] = true
	t.put(v)
}

func (t *memoryTxn) create(v *session.Session) {
	t.news[v.ID] = true
	t.puts = append(t.puts, v)
}

// errLost is the answer to a write whose condition fails with no one
// else writing: store.Store.Transact tries again on the same state, fails
// the same way and gives up with 409 CONCURRENT_UPDATE.
func errLost() error {
	return session.Errorf(session.ECONFLICT, session.ReasonConcurrentUpdate, "The session is being changed concurrently; retry.")
}

// commit writes what t marked, all or nothing, under the conditions of
// store.Store's writes: a new session only if its id is free, an existing
// one only if it is still the version read and, judged at the clock plus
// the guard band, within its retention and, if it was open, not expired;
// an idempotency record only if its key is free or expired.
func (t *memoryTxn) commit() error {
	s := t.m.state
	p := t.m.policy()
	at := p.WriteAt(t.m.now())
	// A used key fails the whole write first, whatever else fails: the
	// store reads its transaction's last cancellation reason first.
	if t.idem != nil {
		if rec, used := s.idem[t.idem.key]; used && rec.expiresAt > t.m.now().Unix() {
			return errReplay
		}
	}
	stored := make([]*session.Session, len(t.puts))
	for i, v := range t.puts {
		if t.news[v.ID] {
			if _, taken := s.sessions[v.ID]; taken {
				return errLost()
			}
			v.Version = 1
		} else {
			was, ok := t.read[v.ID]
			if !ok {
				return session.Internal(fmt.Errorf("storetest: session %s written without being read", v.ID))
			}
			cur, ok := s.sessions[v.ID]
			if !ok || cur.Version != was.Version || !at.Before(was.PurgeAt(p)) || was.Status.Open() && !at.Before(was.ExpiresAt) {
				return errLost()
			}
			v.Version = was.Version + 1
		}
		var sv *session.Session
		var err error
		switch r, read := t.read[v.ID]; {
		case t.system[v]:
			sv, err = t.m.model.StoredSystem(v, r.Status)
		case read && r != nil:
			sv, err = t.m.model.StoredChange(v, r.Status)
		default:
			sv, err = t.m.model.Stored(v)
		}
		if err != nil {
			return err
		}
		stored[i] = sv
	}
	if t.idem != nil {
		s.idem[t.idem.key] = t.idem.rec
	}
	for _, sv := range stored {
		s.sessions[sv.ID] = sv
	}
	return nil
}

// errReplay reports that the Idempotency-Key was used before.
var errReplay = errors.New("storetest: idempotency key used before")

func idemKey(idem *store.Idempotency) string { return idem.MerchantID + "\x00" + idem.Key }

// Create stores a new session, as store.Store.Create: a child is adopted
// by its parent in the same write; with idem, the response is remembered
// with the key, and a repeat of the key returns it instead.
func (m *Memory) Create(ctx context.Context, v *session.Session, idem *store.Idempotency, status int, render func(*session.Session) ([]byte, error)) ([]byte, *store.Replay, error) {
	if err := unavailable(ctx); err != nil {
		return nil, nil, err
	}
	s := m.state
	s.mu.Lock()
	defer s.mu.Unlock()
	if idem != nil {
		// The key's first answer comes before any judgement of the
		// request, as in the store; the key's freedom is judged by the
		// clock, as the store's condition is.
		if rec, used := s.idem[idemKey(idem)]; used && rec.expiresAt > m.now().Unix() {
			if rec.requestHash != idem.RequestHash {
				return nil, nil, session.Errorf(session.ECONFLICT, session.ReasonIdempotencyReused, "This Idempotency-Key was used with a different request body.")
			}
			return nil, &store.Replay{SessionID: rec.sessionID, Status: rec.status, Body: bytes.Clone(rec.body)}, nil
		}
	}
	var body []byte
	var c *session.Session
	err := m.transact(func(t *memoryTxn) error {
		c = v.Clone()
		if c.ParentSessionID != "" {
			parent, err := t.getOwned(c.MerchantID, c.ParentSessionID)
			if session.ErrorCode(err) == session.ENOTFOUND {
				return session.Invalid("parentSessionId", "parentSessionId names no session of this merchant.")
			}
			if err != nil {
				return err
			}
			var current *session.Session
			if parent.ChildSessionID != "" {
				if current, err = t.get(parent.ChildSessionID); session.ErrorCode(err) == session.ENOTFOUND {
					current = nil
				} else if err != nil {
					return err
				} else if current, err = m.model.LinkedChild(parent, current); err != nil {
					return err
				}
			}
			if err := session.Adopt(parent, c, current, t.instant(), m.policy()); err != nil {
				return err
			}
			t.put(parent)
		}
		c.Version = 1
		body = nil
		if render != nil {
			var err error
			if body, err = render(c); err != nil {
				return session.Internal(err)
			}
		}
		t.create(c)
		if idem != nil {
			t.idem = &memoryIdemWrite{key: idemKey(idem), rec: memoryReplay{
				requestHash: idem.RequestHash, sessionID: c.ID, status: status, body: bytes.Clone(body),
				expiresAt: store.IdempotencyExpiry(t.now),
			}}
		}
		return nil
	})
	switch {
	case errors.Is(err, errReplay):
		rec := s.idem[idemKey(idem)]
		if rec.requestHash != idem.RequestHash {
			return nil, nil, session.Errorf(session.ECONFLICT, session.ReasonIdempotencyReused, "This Idempotency-Key was used with a different request body.")
		}
		return nil, &store.Replay{SessionID: rec.sessionID, Status: rec.status, Body: bytes.Clone(rec.body)}, nil
	case err != nil:
		return nil, nil, err
	}
	*v = *c
	return body, nil, nil
}

// ApplyEvent applies a processor event, as store.Store.ApplyEvent: a
// repeated eventId is acknowledged first; a child's move to AUTHORISED or
// SETTLED needs an open parent and moves it too; a parent's close closes
// its open child; a caller acting for a merchant reaches only its own.
func (m *Memory) ApplyEvent(ctx context.Context, merchantID, id string, ev *session.Event) (*session.Session, error) {
	if err := unavailable(ctx); err != nil {
		return nil, err
	}
	s := m.state
	s.mu.Lock()
	defer s.mu.Unlock()
	p := m.policy()
	var out *session.Session
	err := m.transact(func(t *memoryTxn) error {
		v, err := t.getOwned(merchantID, id)
		if err != nil {
			return err
		}
		now := t.instant()
		var applied bool
		if v.ParentSessionID == "" || v.HasEvent(string(ev.EventID)) {
			if applied, err = v.Apply(ev, now, p); err != nil {
				return err
			}
			if applied {
				t.put(v)
				if err := m.closeOpenChild(t, v); err != nil {
					return err
				}
			}
		} else {
			var parent *session.Session
			if session.NeedsParent(v, ev.Status) {
				if parent, err = t.get(v.ParentSessionID); session.ErrorCode(err) == session.ENOTFOUND {
					parent, err = nil, nil
				}
				if err != nil {
					return err
				}
				if parent != nil {
					if parent, err = m.model.OwnParent(v, parent); err != nil {
						return err
					}
				}
			}
			var parentChanged bool
			if applied, parentChanged, err = session.ApplyToChild(v, parent, ev, now, p); err != nil {
				return err
			}
			if applied {
				t.put(v)
				if parentChanged {
					t.putSystem(parent)
				}
			}
		}
		if !applied {
			// An acknowledgement is a read, judged at the clock as the
			// store's is (not at the instant a change would be made).
			out, err = v.At(t.m.now(), p)
			return err
		}
		out = v
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Cancel is merchantID's cancel, as store.Store.Cancel: another merchant's
// session is ENOTFOUND, an open child is closed with its parent.
func (m *Memory) Cancel(ctx context.Context, merchantID, id, reason string) (*session.Session, error) {
	if err := unavailable(ctx); err != nil {
		return nil, err
	}
	s := m.state
	s.mu.Lock()
	defer s.mu.Unlock()
	var out *session.Session
	err := m.transact(func(t *memoryTxn) error {
		v, err := t.getOwned(merchantID, id)
		if err != nil {
			return err
		}
		follow := session.NeedsParent(v, session.CancelRequested)
		if err := v.Cancel(reason, t.instant(), m.policy()); err != nil {
			return err
		}
		t.put(v)
		if follow {
			parent, err := t.get(v.ParentSessionID)
			if err == nil {
				parent, err = m.model.OwnParent(v, parent)
			}
			switch {
			case session.ErrorCode(err) == session.ENOTFOUND:
			case err != nil:
				return err
			case parent == nil: // gone
			default:
				changed, err := session.FollowChild(v, parent, t.instant(), m.policy())
				if err != nil {
					return err
				}
				if changed {
					t.putSystem(parent)
				}
			}
		}
		if err := m.closeOpenChild(t, v); err != nil {
			return err
		}
		out = v
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// closeOpenChild is store.Store's: a parent just closed closes its open
// child.
func (m *Memory) closeOpenChild(t *memoryTxn, v *session.Session) error {
	if v.Status.Open() || v.ChildSessionID == "" {
		return nil
	}
	child, err := t.get(v.ChildSessionID)
	if session.ErrorCode(err) == session.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	if child, err = m.model.LinkedChild(v, child); err != nil || child == nil {
		return err
	}
	if session.CloseChild(child, t.instant(), m.policy()) {
		t.putSystem(child)
	}
	return nil
}

// Import writes v exactly as given if no session has its id, as
// store.Store.Import.
func (m *Memory) Import(ctx context.Context, v *session.Session) error {
	if err := unavailable(ctx); err != nil {
		return err
	}
	m.state.mu.Lock()
	defer m.state.mu.Unlock()
	t := m.begin()
	t.create(v.Clone())
	return t.commit()
}

// ImportAll writes the sessions exactly as given, overwriting any with the
// same id, as store.Store.ImportAll.
func (m *Memory) ImportAll(ctx context.Context, vs []*session.Session) error {
	if err := unavailable(ctx); err != nil {
		return err
	}
	m.state.mu.Lock()
	defer m.state.mu.Unlock()
	for _, v := range vs {
		if v.Version == 0 {
			v.Version = 1
		}
		sv, err := m.model.Stored(v)
		if err != nil {
			return err
		}
		m.state.sessions[sv.ID] = sv
	}
	return nil
}

// ListByDay lists q.MerchantID's sessions created on q.Day, as
// store.Store.ListByDay: in ListKey order, as they are now, each as the
// list reads it; the cursors are the store's.
func (m *Memory) ListByDay(ctx context.Context, q store.ListQuery, yield func(*session.Session) bool) (string, error) {
	after, err := m.model.ListResume(q)
	if err != nil {
		return "", err
	}
	if err := unavailable(ctx); err != nil {
		return "", err
	}
	type entry struct {
		key string
		v   *session.Session
	}
	day := q.Day.UTC().Format(time.DateOnly)
	var entries []entry
	m.state.mu.Lock()
	now := m.now()
	for _, v := range m.state.sessions {
		// The index query: the merchant's day, after the cursor, entries
		// not yet past listUntil.
		if v.MerchantID != q.MerchantID || v.CreatedAt.UTC().Format(time.DateOnly) != day || !m.model.ListUntil(v).After(now) {
			continue
		}
		// An entry no release writes (a session id in upper case,
		// planted) is skipped, as the store skips it (ListsKey).
		if key := store.ListKey(v); key > after && m.model.ListsKey(key, q.Day) {
			entries = append(entries, entry{key: key, v: v})
		}
	}
	m.state.mu.Unlock()
	slices.SortFunc(entries, func(a, b entry) int { return cmp.Compare(a.key, b.key) })
	listed := 0
	for _, e := range entries {
		lv, err := m.model.Listed(e.v)
		switch {
		case err == nil:
		case m.model.GoneAt(e.v, now):
			after = e.key // gone: skipped, as the store skips it
			continue
		default:
			return "", err
		}
		if v, err := lv.At(now, m.policy()); err == nil {
			if q.Limit > 0 && listed == q.Limit {
				return m.model.ListCursor(q.MerchantID, after), nil // one more exists now: a next page
			}
			if !yield(v) {
				return m.model.ListCursor(q.MerchantID, after), nil
			}
			listed++
		}
		after = e.key
	}
	return "", nil
}

// CreateAPIKey stores k, as store.Store.CreateAPIKey: the id must be new
// (the same key again, a retried write, is accepted).
func (m *Memory) CreateAPIKey(ctx context.Context, k *store.APIKey) error {
	if err := unavailable(ctx); err != nil {
		return err
	}
	m.state.mu.Lock()
	defer m.state.mu.Unlock()
	if old, ok := m.state.keys[k.ID]; ok {
		if bytes.Equal(old.SecretHash, k.SecretHash) {
			return nil
		}
		return session.Internal(fmt.Errorf("API key id %s already exists", k.ID))
	}
	m.state.keys[k.ID] = cloneKey(k)
	return nil
}

// APIKeyRecords is how many key records m holds, revoked ones included:
// the count of APIKEY# items a table would hold.
func (m *Memory) APIKeyRecords() int {
	m.state.mu.Lock()
	defer m.state.mu.Unlock()
	return len(m.state.keys)
}

// APIKey reads a key, as store.Store.APIKey: a revoked or unknown key is
// ENOTFOUND; an expired one is returned as it is.
func (m *Memory) APIKey(ctx context.Context, id string) (*store.APIKey, error) {
	if err := unavailable(ctx); err != nil {
		return nil, err
	}
	m.state.mu.Lock()
	defer m.state.mu.Unlock()
	k, ok := m.state.keys[id]
	if !ok || k.RevokedAt != nil {
		return nil, errAPIKeyNotFound()
	}
	return cloneKey(k), nil
}

// DeleteAPIKey revokes merchantID's key, as store.Store.DeleteAPIKey:
// another merchant's key and an unknown one are ENOTFOUND; one of
// merchantID's already revoked stays as it was, and succeeds.
func (m *Memory) DeleteAPIKey(ctx context.Context, merchantID, id string) error {
	if err := unavailable(ctx); err != nil {
		return err
	}
	m.state.mu.Lock()
	defer m.state.mu.Unlock()
	k, ok := m.state.keys[id]
	if !ok || k.MerchantID != merchantID {
		return errAPIKeyNotFound()
	}
	if k.RevokedAt != nil {
		return nil
	}
	now := m.now()
	k.RevokedAt = &now
	return nil
}

func errAPIKeyNotFound() error {
	return session.Errorf(session.ENOTFOUND, session.ReasonNotFound, "API key not found.")
}

func cloneKey(k *store.APIKey) *store.APIKey {
	c := *k
	c.Scopes = slices.Clone(k.Scopes)
	c.SecretHash = bytes.Clone(k.SecretHash)
	if k.ExpiresAt != nil {
		e := *k.ExpiresAt
		c.ExpiresAt = &e
	}
	if k.RevokedAt != nil {
		r := *k.RevokedAt
		c.RevokedAt = &r
	}
	return &c
}
