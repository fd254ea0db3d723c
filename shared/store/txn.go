package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
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
	// writeID marks this attempt's writes (attribute writeId, and the
	// transaction's ClientRequestToken), so a write DynamoDB applied but
	// whose answer was lost — and which the SDK then retried into a failed
	// condition — is recognised as this attempt's own success.
	writeID string
	read    map[string]readState
	seed    map[string]*session.Session // winners returned by a failed write
	puts    []*session.Session
	checks  []*session.Session
	news    map[string]bool
	idem    *idempotencyWrite
}

// readState is what a write's condition holds about the item it read.
type readState struct {
	version int64
	open    bool
}

type idempotencyWrite struct {
	idem      *Idempotency
	sessionID string
	status    int
	body      []byte
}

// Now is the attempt's instant: changes are made at it.
func (t *Txn) Now() time.Time { return t.now }

// Get reads a session as stored (the time rules not applied: the domain
// functions apply them to the instant of the change). A session read once in
// an attempt is read once.
func (t *Txn) Get(id string) (*session.Session, error) {
	var v *session.Session
	if w, ok := t.seed[id]; ok {
		v = w.Clone()
	} else {
		var err error
		if v, err = t.store.get(t.ctx, id); err != nil {
			return nil, err
		}
	}
	t.read[id] = readState{version: v.Version, open: v.Status.Open()}
	return v, nil
}

// Put marks a session read with Get for writing.
func (t *Txn) Put(v *session.Session) { t.puts = append(t.puts, v) }

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
	seed := map[string]*session.Session{}
	for attempt := 1; ; attempt++ {
		t := &Txn{store: s, ctx: ctx, now: s.now(), writeID: uuid.NewString(), read: map[string]readState{}, seed: seed, news: map[string]bool{}}
		if err := fn(t); err != nil {
			return err
		}
		if len(t.puts) == 0 && t.idem == nil {
			return nil
		}
		var err error
		if len(t.puts) == 1 && t.idem == nil && len(t.checks) == 0 {
			err = t.putOne(seed)
		} else {
			err = t.writeAll()
		}
		if !errors.Is(err, errLostRace) {
			return err
		}
		if len(t.puts) > 1 || t.idem != nil || len(t.checks) > 0 {
			clear(seed) // a failed transaction returns no winners: read again
		}
		if attempt >= maxWriteAttempts {
			return errConcurrent(nil)
		}
		if err := backoff(ctx, attempt); err != nil {
			return err
		}
	}
}

var errLostRace = errors.New("store: conditional write lost")

// condition is the write condition of v, read (or not) in this attempt; at
// is the instant it protects (the clock plus the guard band, formatted).
func (t *Txn) condition(v *session.Session, at string) (expression.Expression, error) {
	if t.news[v.ID] {
		return expression.NewBuilder().WithCondition(expression.AttributeNotExists(expression.Name(attrPK))).Build()
	}
	r, ok := t.read[v.ID]
	if !ok {
		return expression.Expression{}, fmt.Errorf("store: session %s written without being read", v.ID)
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

func (t *Txn) item(v *session.Session) (map[string]ddb.AttributeValue, error) {
	if !t.news[v.ID] {
		v.Version = t.read[v.ID].version + 1
	} else {
		v.Version = 1
	}
	av, err := attributevalue.MarshalMap(t.store.toItem(v))
	if err != nil {
		return nil, session.Internal(fmt.Errorf("encode session: %w", err))
	}
	av[attrWriteID] = &ddb.AttributeValueMemberS{Value: t.writeID}
	if itemSize(av) > maxItemBytes {
		return nil, errSessionTooLarge()
	}
	return av, nil
}

// putOne writes the only changed session with PutItem. On a lost race the
// failed write returns the item as stored, and the next attempt starts from
// it without reading again — unless the stored item is this attempt's own
// write, applied by an earlier try of the same request whose answer was
// lost: that is a success.
func (t *Txn) putOne(seed map[string]*session.Session) error {
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
	_, err = t.store.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                           aws.String(t.store.table),
		Item:                                av,
		ConditionExpression:                 expr.Condition(),
		ExpressionAttributeNames:            expr.Names(),
		ExpressionAttributeValues:           expr.Values(),
		ReturnValuesOnConditionCheckFailure: ddb.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *ddb.ConditionalCheckFailedException
	switch {
	case errors.As(err, &ccf):
		if ownWrite(ccf.Item, t.writeID) {
			return nil
		}
		delete(seed, v.ID)
		if ccf.Item != nil {
			winner, derr := decodeSession(ccf.Item)
			if derr != nil {
				return derr
			}
			seed[v.ID] = winner
		}
		return errLostRace
	case transactionConflict(err):
		// A transaction holds the item (real DynamoDB only): this attempt
		// wrote nothing — but an earlier try of the same call may have,
		// its answer lost before the SDK retried into the conflict. The
		// item as it stands tells which; else decide again on it.
		return t.afterConflict(seed, v.ID)
	case err != nil:
		return classify(err)
	}
	return nil
}

// afterConflict reads the item a single-item write met a running
// transaction on: nil if it holds this attempt's write (applied by an
// earlier try whose answer was lost), else errLostRace with the item as
// the next attempt's starting state.
func (t *Txn) afterConflict(seed map[string]*session.Session, id string) error {
	delete(seed, id)
	pk, sk := sessionKey(id)
	out, err := t.store.db.GetItem(t.ctx, &dynamodb.GetItemInput{
		TableName: aws.String(t.store.table), Key: keyOf(pk, sk), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return classify(err)
	}
	if ownWrite(out.Item, t.writeID) {
		return nil
	}
	if out.Item != nil {
		winner, err := decodeSession(out.Item)
		if err != nil {
			return err
		}
		seed[id] = winner
	}
	return errLostRace
}

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
		r, ok := t.read[v.ID]
		if !ok {
			return session.Internal(fmt.Errorf("store: session %s checked without being read", v.ID))
		}
		expr, err := expression.NewBuilder().WithCondition(expression.Name("version").Equal(expression.Value(r.version))).Build()
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
	_, err := t.store.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems:      items,
		ClientRequestToken: aws.String(t.writeID),
	})
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
	if throttledError(err) {
		// A table or index throttled the transaction (on-demand scaling,
		// GSI back-pressure): retry later, 503.
		return session.Unavailable(err)
	}
	for _, r := range reasons {
		if r == "ConditionalCheckFailed" || r == "TransactionConflict" {
			return errLostRace
		}
	}
	return classify(err)
}

// attrWriteID holds the id of the write that last stored an item.
const attrWriteID = "writeId"

// ownWrite reports whether item, returned by a failed condition, is the
// write writeID itself.
func ownWrite(item map[string]ddb.AttributeValue, writeID string) bool {
	w, ok := item[attrWriteID].(*ddb.AttributeValueMemberS)
	return ok && w.Value == writeID
}
