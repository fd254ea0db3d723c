package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/session"
)

// Txn is one attempt of a read-modify-write over one or more sessions: read
// them with Get, change them, mark them with Put (or Create for new ones).
// Transact writes them all at once, each under its condition, and runs the
// attempt again on the winners' state if any write lost a race.
type Txn struct {
	store *Store
	ctx   context.Context
	now   time.Time
	// nowUsed: Now has been called, so now can no longer move.
	nowUsed bool
	// latest is the latest change of any session read (its updatedAt).
	latest time.Time
	// writeID marks this attempt's writes (attribute writeId, and the
	// transaction's ClientRequestToken), so a write DynamoDB applied but
	// whose answer was lost — and which the SDK then retried into a failed
	// condition — is recognised as this attempt's own success.
	writeID string
	read    map[string]readState
	seed    map[string]seeded // winners returned by a failed write
	puts    []*session.Session
	system  map[*session.Session]bool // puts that are system changes (PutSystem)
	checks  []*session.Session
	news    map[string]bool
	idem    *idempotencyWrite
	// keyHeld: the attempt's transaction was canceled because another
	// running transaction held its Idempotency-Key record (a create
	// with the same key, in progress).
	keyHeld bool
	// order is the sessions read, in the order they were read.
	order []string
}

// readState is what a write's condition holds about the item it read,
// and the ids of the writes that made its latest versions.
type readState struct {
	version int64
	open    bool
	status  session.Status
	writes  []string
}

// seeded is an item as a failed write returned it: the session and its
// recent writes.
type seeded struct {
	v      *session.Session
	writes []string
}

type idempotencyWrite struct {
	idem      *Idempotency
	sessionID string
	status    int
	body      []byte
}

// Now is the attempt's instant: changes are made at it. It is never
// before the latest change of a session read in the attempt (see
// Transact), so a history stays oldest first and updatedAt never goes
// back, whatever the clocks of the instances (within maxClockLead) and
// however long a read took; never after the clock plus maxClockLead.
func (t *Txn) Now() time.Time {
	t.nowUsed = true
	return t.now
}

// Get reads a session as stored (the time rules not applied: the domain
// functions apply them to the instant of the change). A session read once in
// an attempt is read once.
func (t *Txn) Get(id string) (*session.Session, error) { return t.GetOwned("", id) }

// GetOwned is Get for a caller acting for merchantID ("" for any):
// another merchant's session is ENOTFOUND, told from the raw item before
// it is judged (ownedBy), so a damaged item of another merchant costs
// what a missing one does.
func (t *Txn) GetOwned(merchantID, id string) (*session.Session, error) {
	var v *session.Session
	var writes []string
	if w, ok := t.seed[id]; ok {
		if merchantID != "" && w.v.MerchantID != merchantID {
			return nil, session.NotFound()
		}
		v, writes = w.v.Clone(), w.writes
	} else {
		var err error
		if v, writes, err = t.store.getItem(t.ctx, merchantID, id); err != nil {
			return nil, err
		}
	}
	if _, again := t.read[id]; !again {
		t.order = append(t.order, id)
	}
	t.read[id] = readState{version: v.Version, open: v.Status.Open(), status: v.Status, writes: writes}
	if v.UpdatedAt.After(t.latest) && !t.store.ahead(v.UpdatedAt) {
		t.latest = v.UpdatedAt
		if !t.nowUsed && t.latest.After(t.now) {
			t.now = t.latest
		}
	}
	return v, nil
}

// maxClockLead is how far ahead of this instance's clock a change read may
// move a change's instant (Txn.Now). Instances' clocks agree within
// milliseconds (Lambda's are synchronised), and a read the SDK retried for
// seconds returns changes no later than the clock when it returns; a
// session changed further ahead was changed by a clock that is wrong (or
// has a forged or imported updatedAt). Following it would judge the time
// rules at that instant: a session open at the real clock refused as
// expired, a child created at it listed on a later day and open past its
// 30 minutes. Such a change does not move the instant: the next change is
// made at the clock (its history then out of order by the wrong clock's
// lead), never in the future.
const maxClockLead = time.Second

// ahead reports whether a change made at updatedAt is further ahead of the
// clock than maxClockLead.
func (s *Store) ahead(updatedAt time.Time) bool {
	return updatedAt.After(s.now().Add(maxClockLead))
}

// FollowsChange reports whether a change made at updatedAt, read by a
// write, moves the write's instant to it (Txn.Now): unless it is further
// ahead of the clock than maxClockLead. For storetest.Memory, which
// follows the same rule.
func (s *Store) FollowsChange(updatedAt time.Time) bool { return !s.ahead(updatedAt) }

// Put marks a session read with Get for writing.
func (t *Txn) Put(v *session.Session) { t.puts = append(t.puts, v) }

// PutSystem marks a session read with Get for writing a change the system
// made beside the one asked for: a parent or child moved with its family
// member (docs/design.md §4). When session.Reserved allows the move, the
// write may use the room kept above the item's size limit, so the change
// asked for is never refused because the other member is full.
func (t *Txn) PutSystem(v *session.Session) {
	if t.system == nil {
		t.system = map[*session.Session]bool{}
	}
	t.system[v] = true
	t.Put(v)
}

// Check makes the write depend on a session read with Get and not
// written: the transaction is applied only if it still has the version
// read (a ConditionCheck), so a decision taken on it cannot land after it
// changed. Checks alone write nothing.
func (t *Txn) Check(v *session.Session) { t.checks = append(t.checks, v) }

// Create marks a new session for writing; it must not exist yet.
func (t *Txn) Create(v *session.Session) {
	t.news[v.ID] = true
	t.puts = append(t.puts, v)
}

// Remember writes an Idempotency-Key record with the response to the
// creation of sessionID, in the same transaction. If the key was used
// before, Transact returns errReplay.
func (t *Txn) Remember(idem *Idempotency, sessionID string, status int, body []byte) {
	t.idem = &idempotencyWrite{idem: idem, sessionID: sessionID, status: status, body: body}
}

// errReplay reports that the Idempotency-Key was used before.
var errReplay = errors.New("store: idempotency key used before")

// Transact runs fn and writes what it marked, atomically: one conditional
// PutItem for a single session with nothing Checked, else one
// TransactWriteItems (with a ClientRequestToken, so the SDK's retry of a
// transaction that was applied succeeds without applying it again), a
// Checked session held to its version read. Every existing session is written
// only if it still has the version read and, judged at the clock plus the
// guard band, is within its retention and (if it was open) not expired; a
// new one only if its id is free. Each write call is bounded by
// WriteTimeout, the SDK's retries included. When a condition fails, or a
// single-item write meets a running transaction (TransactionConflict), fn
// runs again on fresh state, after a jittered backoff, up to
// maxWriteAttempts times; then ECONFLICT CONCURRENT_UPDATE. fn must be safe
// to run again.
func (s *Store) Transact(ctx context.Context, fn func(t *Txn) error) error {
	seed := map[string]seeded{}
	var floor time.Time
	for attempt := 1; ; attempt++ {
		now := s.now()
		if floor.After(now) {
			now = floor
		}
		t := &Txn{store: s, ctx: ctx, now: now, writeID: uuid.NewString(), read: map[string]readState{}, seed: seed, news: map[string]bool{}}
		if err := fn(t); err != nil {
			if !refusal(err) || len(t.order) < 2 {
				return err
			}
			// A refusal decided on sessions read one after the other
			// (a child and its parent) stands only if they were as read
			// at one instant: another write landing between the reads
			// (another container's event on the child, which moved the
			// parent too) pairs the child before it with the parent
			// after it, a state the family never had. That is a lost
			// race, decided again on the winner's state (docs/design.md
			// §8), as a write would have been.
			moved, merr := t.movedSinceRead()
			if merr != nil {
				return merr
			}
			if !moved {
				return err
			}
			clear(seed)
			if attempt >= maxWriteAttempts {
				return errConcurrent(nil)
			}
			if err := backoff(ctx, attempt); err != nil {
				return err
			}
			continue
		}
		if len(t.puts) == 0 && t.idem == nil {
			return nil
		}
		if t.latest.After(t.now) {
			// A session read after Now was handed out changed later than
			// it (another instance's clock is ahead, or the read took
			// long): decide again at that instant, so no change is entered
			// before one already made.
			floor = t.latest
			if attempt >= maxWriteAttempts {
				return errConcurrent(nil)
			}
			continue
		}
		var err error
		if len(t.puts) == 1 && t.idem == nil && len(t.checks) == 0 {
			err = t.putOne(seed)
		} else {
			err = t.writeAll()
		}
		var throttled *throttledTxn
		if !errors.Is(err, errLostRace) && !errors.As(err, &throttled) {
			return err
		}
		if len(t.puts) > 1 || t.idem != nil || len(t.checks) > 0 {
			clear(seed) // a failed transaction returns no winners: read again
		}
		if attempt >= maxWriteAttempts {
			switch {
			case throttled != nil:
				return throttled.err
			case t.keyHeld:
				return errKeyInUse()
			}
			return errConcurrent(nil)
		}
		wait := backoff
		if throttled != nil {
			wait = throttleBackoff
		}
		if err := wait(ctx, attempt); err != nil {
			return err
		}
	}
}

// errKeyInUse is the answer to a create whose Idempotency-Key another
// request, still in progress, holds: retry (its first answer comes back
// once that request is done).
func errKeyInUse() error {
	return session.Errorf(session.ECONFLICT, session.ReasonIdempotencyPending, "Another request with this Idempotency-Key is in progress; retry.")
}

var errLostRace = errors.New("store: conditional write lost")

// movedSinceRead reports whether a session the attempt read, but the last,
// has changed (or gone) since: each is read again after the last read, so
// when none has moved, every session read was as read at the instant of
// the last read, one state of the table. One consistent GetItem each, made
// only for a refusal decided on more than one session.
func (t *Txn) movedSinceRead() (bool, error) {
	for _, id := range t.order[:len(t.order)-1] {
		v, _, err := t.store.getItem(t.ctx, "", id)
		if session.ErrorCode(err) == session.ENOTFOUND {
			return true, nil
		}
		if err != nil {
			return false, err
		}
		if v.Version != t.read[id].version {
			return true, nil
		}
	}
	return false, nil
}

// condition is the write condition of v, read (or not) in this attempt; at
// is the instant it protects (the clock plus the guard band, formatted).
func (t *Txn) condition(v *session.Session, at string) (expression.Expression, error) {
	if t.news[v.ID] {
		return expression.NewBuilder().WithCondition(expression.AttributeNotExists(expression.Name(attrPK))).Build()
	}
	r, ok := t.read[v.ID]
	if !ok {
		return expression.Expression{}, fmt.Errorf("store: session %s written without being read", loggedID(v.ID))
	}
	// The time rules are checked at the instant of the write itself, read
	// from the clock again and moved on by the guard band: a decision taken
	// on a read that has since gone stale, a write DynamoDB applies late
	// (the SDK's retries) or a writer whose clock is behind cannot write to
	// a session any reader has seen expired or gone.
	atv := expression.Value(at)
	cond := expression.Name("version").Equal(expression.Value(r.version)).
		And(expression.Name("purgeAt").GreaterThan(atv))
	if r.open {
		cond = cond.And(expression.Name(attrExpiresAt).GreaterThan(atv))
	}
	return expression.NewBuilder().WithCondition(cond).Build()
}

// checkCondition is the condition of a session read and checked, not
// written (Check): its version as read, and what the decision taken on it
// saw of its time rules still holding at the write's instant at (the
// clock plus the guard band, as for a written session: condition): there
// (before its purgeAt) if it was so at the decision's instant, and not
// expired if it was open then. Without them a decision taken just outside
// the band, on reads that took seconds, was written with the clock read
// again and landed after a reader had read the session gone: a child's
// money under a parent checked, not written, once the parent read 404
// (TestCheckedParentHoldsTheBand). A session the decision already judged
// gone or expired is held to its version alone: it stays so, and a
// decision taken on its absence (a child canceled once its parent is
// gone) stands.
func (t *Txn) checkCondition(v *session.Session, at string) (expression.Expression, error) {
	r := t.read[v.ID]
	cond := expression.Name("version").Equal(expression.Value(r.version))
	p := t.store.policy
	if decided := p.WriteAt(t.now); decided.Before(v.PurgeAt(p)) {
		atv := expression.Value(at)
		cond = cond.And(expression.Name("purgeAt").GreaterThan(atv))
		if r.open && !v.ExpiredAt(decided) {
			cond = cond.And(expression.Name(attrExpiresAt).GreaterThan(atv))
		}
	}
	return expression.NewBuilder().WithCondition(cond).Build()
}

func (t *Txn) item(v *session.Session) (map[string]ddb.AttributeValue, error) {
	var writes []string
	limit := maxItemBytes
	if !t.news[v.ID] {
		r := t.read[v.ID]
		v.Version = r.version + 1
		writes = r.writes
		if t.system[v] {
			limit = itemLimit(r.status, v.Status)
		} else {
			limit = t.store.changeLimit(r.status, v.Status)
		}
	} else {
		v.Version = 1
	}
	av, err := attributevalue.MarshalMap(t.store.toItem(v))
	if err != nil {
		return nil, session.Internal(fmt.Errorf("encode session: %w", err))
	}
	av[attrWriteID] = &ddb.AttributeValueMemberS{Value: t.writeID}
	if itemSize(av)+recentWritesSize > limit {
		return nil, errSessionTooLarge()
	}
	av[attrRecentWrites] = recentWritesValue(writes, t.writeID)
	return av, nil
}

// putOne writes the only changed session with PutItem. On a lost race the
// failed write returns the item as stored, and the next attempt starts from
// it without reading again — unless the stored item is this attempt's own
// write, applied by an earlier try of the same request whose answer was
// lost: that is a success.
func (t *Txn) putOne(seed map[string]seeded) error {
	v := t.puts[0]
	ctx, cancel := t.store.writeContext(t.ctx)
	defer cancel()
	expr, err := t.condition(v, t.store.writeAt())
	if err != nil {
		return session.Internal(err)
	}
	av, err := t.item(v)
	if err != nil {
		return err
	}
	var sent sends
	_, err = t.store.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                           aws.String(t.store.table),
		Item:                                av,
		ConditionExpression:                 expr.Condition(),
		ExpressionAttributeNames:            expr.Names(),
		ExpressionAttributeValues:           expr.Values(),
		ReturnValuesOnConditionCheckFailure: ddb.ReturnValuesOnConditionCheckFailureAllOld,
	}, sent.count)
	var ccf *ddb.ConditionalCheckFailedException
	switch {
	case errors.As(err, &ccf) && sent.once():
		// Sent once and refused: this write was not applied, whatever the
		// item remembers of the writes on top of it.
		return t.lostTo(seed, v.ID, ccf.Item)
	case transactionConflict(err) && sent.once():
		return t.afterConflict(seed, v, false)
	case errors.As(err, &ccf):
		return t.afterFailure(seed, v, ccf.Item)
	case transactionConflict(err):
		// A transaction holds the item (real DynamoDB only): this attempt
		// wrote nothing — but an earlier try of the same call may have,
		// its answer lost before the SDK retried into the conflict. The
		// item as it stands tells which; else decide again on it.
		return t.afterConflict(seed, v, true)
	case err != nil:
		return classify(err)
	}
	return nil
}

// afterConflict reads the item a single-item write met a running
// transaction on, and judges the write by it (afterFailure) when it was
// sent more than once (retried), else takes it as the next attempt's
// starting state.
func (t *Txn) afterConflict(seed map[string]seeded, v *session.Session, retried bool) error {
	pk, sk := sessionKey(v.ID)
	out, err := t.store.db.GetItem(t.ctx, &dynamodb.GetItemInput{
		TableName: aws.String(t.store.table), Key: keyOf(pk, sk), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		delete(seed, v.ID)
		return classify(err)
	}
	if !retried {
		return t.lostTo(seed, v.ID, out.Item)
	}
	return t.afterFailure(seed, v, out.Item)
}

// afterFailure judges a single-item write of v that did not succeed by the
// item as it now stands: nil if the item holds this attempt's write,
// applied by an earlier try of the same call whose answer was lost —
// whether it is still the latest version or others have written on top of
// it since (recentWrites tells which write made each recent version);
// else errLostRace, with the item as the next attempt's starting state.
// When others wrote on top of more versions than the item remembers, the
// write's outcome is unknown: EUNAVAILABLE (503), so the client retries
// with its eventId, rather than a second application of the change or a
// refusal of one already made.
func (t *Txn) afterFailure(seed map[string]seeded, v *session.Session, item map[string]ddb.AttributeValue) error {
	delete(seed, v.ID)
	switch ownWriteAt(item, t.writeID, v.Version) {
	case writeApplied:
		return nil
	case writeUnknown:
		return session.Unavailable(fmt.Errorf("write %s of session %s: answer lost, %s later writes on top", t.writeID, loggedID(v.ID), laterWrites(item, v.Version)))
	}
	return t.lostTo(seed, v.ID, item)
}

// lostTo reports a single-item write of session id lost to another, item
// (the winner, if any) the next attempt's starting state: errLostRace.
func (t *Txn) lostTo(seed map[string]seeded, id string, item map[string]ddb.AttributeValue) error {
	delete(seed, id)
	if item != nil {
		winner, err := t.store.decodeRead(id, item, true)
		if err != nil {
			return err
		}
		seed[id] = seeded{v: winner, writes: decodeWrites(item)}
	}
	return errLostRace
}

// sends counts the times the SDK sent one call: its first try and each
// retry. A write sent once and refused was not applied — the refusal is
// the answer to the only try — so only a write sent more than once can be
// a retry that failed against its own write, applied by a try whose answer
// was lost. Without the count, an ordinary race lost to more writes than
// an item remembers (more than recentWritesKept, or by writers that kept
// none) would be answered 503 instead of decided again.
type sends struct{ n atomic.Int32 }

// count is a per-call option of the DynamoDB client that counts the call's
// tries: a middleware after the retryer's runs once per try.
func (s *sends) count(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
		return st.Finalize.Insert(middleware.FinalizeMiddlewareFunc("paysessionsCountSends",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				s.n.Add(1)
				return next.HandleFinalize(ctx, in)
			}), "Retry", middleware.After)
	})
}

// once reports whether the call was sent exactly once.
func (s *sends) once() bool { return s.n.Load() == 1 }

// writeAll writes every marked item in one transaction.
func (t *Txn) writeAll() error {
	ctx, cancel := t.store.writeContext(t.ctx)
	defer cancel()
	at := t.store.writeAt()
	var items []ddb.TransactWriteItem
	for _, v := range t.puts {
		expr, err := t.condition(v, at)
		if err != nil {
			return session.Internal(err)
		}
		av, err := t.item(v)
		if err != nil {
			return err
		}
		items = append(items, ddb.TransactWriteItem{Put: &ddb.Put{
			TableName: aws.String(t.store.table), Item: av,
			ConditionExpression: expr.Condition(), ExpressionAttributeNames: expr.Names(),
			ExpressionAttributeValues: expr.Values(),
		}})
	}
	for _, v := range t.checks {
		if _, ok := t.read[v.ID]; !ok {
			return session.Internal(fmt.Errorf("store: session %s checked without being read", loggedID(v.ID)))
		}
		expr, err := t.checkCondition(v, at)
		if err != nil {
			return session.Internal(err)
		}
		pk, sk := sessionKey(v.ID)
		items = append(items, ddb.TransactWriteItem{ConditionCheck: &ddb.ConditionCheck{
			TableName: aws.String(t.store.table), Key: keyOf(pk, sk),
			ConditionExpression: expr.Condition(), ExpressionAttributeNames: expr.Names(),
			ExpressionAttributeValues: expr.Values(),
		}})
	}
	// The idempotency record stays the last item: a failed condition there
	// is a replay.
	if t.idem != nil {
		put, err := t.store.idempotencyPut(t.idem, t.now)
		if err != nil {
			return err
		}
		items = append(items, ddb.TransactWriteItem{Put: put})
	}
	var sent sends
	_, err := t.store.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems:      items,
		ClientRequestToken: aws.String(t.writeID),
	}, sent.count)
	if err == nil {
		return nil
	}
	reasons := cancellationReasons(err)
	if reasons == nil {
		return classify(err)
	}
	if t.idem != nil && len(reasons) > 0 && reasons[len(reasons)-1] == "ConditionalCheckFailed" {
		return errReplay
	}
	t.keyHeld = t.idem != nil && len(reasons) > 0 && reasons[len(reasons)-1] == "TransactionConflict"
	if throttledError(err) {
		// A table or index throttled the transaction (on-demand scaling,
		// GSI back-pressure). The SDK does not retry a canceled
		// transaction: Transact tries it again, then 503. A try canceled
		// applied nothing, but when the SDK sent the call more than once
		// an earlier try, its answer lost, may have been applied: Transact
		// would decide again, with a new token, on its own write (a 409
		// for a change that landed, or the change made twice). The items
		// tell, as after a failed condition.
		if !sent.once() {
			if err := t.afterTransactionFailure(); !errors.Is(err, errLostRace) {
				return err
			}
		}
		return &throttledTxn{session.Unavailable(err)}
	}
	for _, r := range reasons {
		if r == "ConditionalCheckFailed" || r == "TransactionConflict" {
			if sent.once() {
				return errLostRace // refused on its only try: not applied
			}
			return t.afterTransactionFailure()
		}
	}
	return classify(err)
}

// afterTransactionFailure judges a transaction the SDK sent more than once,
// canceled by a failed condition, a conflict or throttling, by its first
// item as it now stands. DynamoDB
// recognises the SDK's retry of a transaction it applied by its
// ClientRequestToken; should it not (the token forgotten, an engine that
// keeps none), the retry fails its conditions against its own write, and
// the item's recentWrites show that write: a success, never the change
// decided again (a 409 for a change that landed). The transaction wrote
// all its items or none, so one tells.
func (t *Txn) afterTransactionFailure() error {
	v := t.puts[0]
	pk, sk := sessionKey(v.ID)
	out, err := t.store.db.GetItem(t.ctx, &dynamodb.GetItemInput{
		TableName: aws.String(t.store.table), Key: keyOf(pk, sk), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return classify(err)
	}
	switch ownWriteAt(out.Item, t.writeID, v.Version) {
	case writeApplied:
		return nil
	case writeUnknown:
		return session.Unavailable(fmt.Errorf("transaction %s on session %s: answer lost, %s later writes on top", t.writeID, loggedID(v.ID), laterWrites(out.Item, v.Version)))
	}
	return errLostRace
}

// attrWriteID holds the id of the write that last stored an item.
const attrWriteID = "writeId"

// attrRecentWrites holds the ids of the writes that made a session item's
// latest versions, oldest first (the last is writeId): at most
// recentWritesKept from the store's writes, one more after the sweeper's.
// A write whose answer was lost, retried by the SDK after others wrote on
// top of it, finds its id here at the place of the version it wrote.
const attrRecentWrites = "recentWrites"

// recentWritesKept is how many write ids a session item keeps: enough for
// the writes that can land on a session in the few seconds between a
// write and the SDK's retry of it; beyond them the outcome is reported
// unknown (503), never guessed.
const recentWritesKept = 8

// recentWritesSize is the size of a full recentWrites attribute, counted
// into every session item's size whatever its list holds, so the size
// limit does not depend on a session's write count.
var recentWritesSize = func() int {
	ids := make([]string, recentWritesKept)
	for i := range ids {
		ids[i] = "00000000-0000-0000-0000-000000000000"
	}
	return len(attrRecentWrites) + valueSize(recentWritesValue(ids[:recentWritesKept-1], ids[0]))
}()

// recentWritesValue is the recentWrites attribute after a write writeID on
// an item that had writes.
func recentWritesValue(writes []string, writeID string) *ddb.AttributeValueMemberL {
	writes = append(slices.Clone(writes), writeID)
	if len(writes) > recentWritesKept {
		writes = writes[len(writes)-recentWritesKept:]
	}
	l := make([]ddb.AttributeValue, len(writes))
	for i, w := range writes {
		l[i] = &ddb.AttributeValueMemberS{Value: w}
	}
	return &ddb.AttributeValueMemberL{Value: l}
}

// decodeWrites reads an item's recentWrites (none for an item written
// before the store kept them).
func decodeWrites(item map[string]ddb.AttributeValue) []string {
	l, ok := item[attrRecentWrites].(*ddb.AttributeValueMemberL)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(l.Value))
	for _, e := range l.Value {
		s, ok := e.(*ddb.AttributeValueMemberS)
		if !ok {
			return nil
		}
		out = append(out, s.Value)
	}
	return out
}

// maxShownLater is the most later writes an error counts in figures: far
// more than land on a session in the seconds before the SDK's retry
// (recentWritesKept).
const maxShownLater = 999

// laterWrites is how many versions item stands on top of version, as an
// error whose write's outcome is unknown says it: the count, or past
// maxShownLater the count's length in digits. The count is the version
// DynamoDB answered less the one written, and an item the service did not
// write, or an answer that is not DynamoDB's, chose that number: its
// digits were the ERROR line's (r102-logs), where a stored number is named
// by its length (README, Security).
func laterWrites(item map[string]ddb.AttributeValue, version int64) string {
	later := storedVersion(item) - version
	if later <= maxShownLater {
		return strconv.FormatInt(later, 10)
	}
	return fmt.Sprintf("(a number of %d digits, more than %d)", len(strconv.FormatInt(later, 10)), maxShownLater)
}

// storedVersion reads an item's version (0: no item).
func storedVersion(item map[string]ddb.AttributeValue) int64 {
	n, ok := item["version"].(*ddb.AttributeValueMemberN)
	if !ok {
		return 0
	}
	v, err := strconv.ParseInt(n.Value, 10, 64)
	if err != nil {
		return 0
	}
	return v
}

// writeOutcome is what an item tells of a write that failed its condition.
type writeOutcome int

const (
	writeLost    writeOutcome = iota // another write made the version this one would have
	writeApplied                     // this write made its version; others may have followed
	writeUnknown                     // too many writes followed for the item to tell
)

// ownWriteAt judges the write writeID, which would have made version of
// item, by item as it now stands.
func ownWriteAt(item map[string]ddb.AttributeValue, writeID string, version int64) writeOutcome {
	if item == nil {
		return writeLost
	}
	if ownWrite(item, writeID) {
		return writeApplied
	}
	later := storedVersion(item) - version // writes on top of the version this one would have made
	if later <= 0 {
		return writeLost // the item is at that version or before it, by another write
	}
	writes := decodeWrites(item)
	if later >= int64(len(writes)) {
		return writeUnknown
	}
	if writes[int64(len(writes))-1-later] == writeID {
		return writeApplied
	}
	return writeLost
}

// ownWrite reports whether item, returned by a failed condition, is the
// write writeID itself.
func ownWrite(item map[string]ddb.AttributeValue, writeID string) bool {
	w, ok := item[attrWriteID].(*ddb.AttributeValueMemberS)
	return ok && w.Value == writeID
}
