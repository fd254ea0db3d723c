// Package store keeps sessions, idempotency records and API keys in one
// DynamoDB table (docs/design.md §8). Reads of a session are one consistent
// GetItem; every write is conditional, so a lost race is retried against the
// winner's state or refused, never overwritten; time rules are enforced on
// read and by the write conditions themselves, never left to DynamoDB TTL.
package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/paysessions/paysessions/shared/session"
)

// maxWriteAttempts bounds the read-modify-write loop of Transact: after
// this many lost races the caller gets 409 CONCURRENT_UPDATE (or
// IDEMPOTENCY_KEY_IN_USE when the last was lost on the Idempotency-Key's
// record to a create still running).
const maxWriteAttempts = 5

// IdempotencyTTL is how long an Idempotency-Key is remembered.
const IdempotencyTTL = 24 * time.Hour

// Store is the DynamoDB-backed store. It is safe for concurrent use.
type Store struct {
	db     *dynamodb.Client
	table  string
	policy session.Policy
	shards int
	now    func() time.Time
	list   listOptions // document 004's list (list.go)
	// settle waits for writes still in flight before a refusal in the
	// guard band is judged again (afterBand): sleep, or a test's.
	settle func(ctx context.Context, d time.Duration) error
	// changeRoom is the room kept for each change still due
	// (changeLimit): changeRoomBytes, or a test's.
	changeRoom int
}

// New returns a store on table. now is the clock: the time rules of reads
// and the time conditions of writes use it. shards is EXPIRY_SHARDS. A
// policy without a WriteGuard gets session.DefaultWriteGuard: the guard band
// cannot be switched off.
func New(db *dynamodb.Client, table string, policy session.Policy, shards int, now func() time.Time, opts ...Option) *Store {
	if shards < 1 {
		shards = 1
	}
	if policy.WriteGuard <= 0 {
		policy.WriteGuard = session.DefaultWriteGuard
	}
	s := &Store{db: db, table: table, policy: policy, shards: shards, now: now, list: defaultListOptions, settle: sleep, changeRoom: changeRoomBytes}
	for _, o := range opts {
		o(s)
	}
	return s
}

// WriteTimeout is how long one write call may take, the SDK's retries and
// their back-off included: four fifths of the guard band (4 s of the
// default 5 s; docs/design.md §4). A write's condition is built from the
// clock plus the band, and the call is cut off after WriteTimeout, so
// DynamoDB applies it, if at all, at least a fifth of the band (1 s) before
// the instant its condition protects; that fifth absorbs the difference
// between instances' clocks (Lambda's are kept within milliseconds by the
// Amazon Time Sync Service) and the moment a request already sent takes to
// be applied. A write cut off this way has an unknown outcome: 503, and the
// client retries with its Idempotency-Key or eventId, which the store
// recognises. The SDK's per-attempt timeout (3 s, the HTTP client's) is
// shorter than the default deadline, so an attempt that hangs is abandoned
// and tried again in the time left; the deadline, not the SDK's five
// attempts, is what ends a write. (A shorter WRITE_GUARD leaves a hung
// attempt no retry: the deadline cuts it, 503.)
func (s *Store) WriteTimeout() time.Duration { return s.policy.WriteGuard - s.policy.WriteGuard/5 }

// writeContext bounds one write call by WriteTimeout. The caller reads the
// clock for the write's condition after this, so the deadline runs from
// before that reading.
func (s *Store) writeContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.WriteTimeout())
}

// writeAt is the instant a write's condition protects: the clock, read
// now, plus the guard band.
func (s *Store) writeAt() string { return formatTime(s.policy.WriteAt(s.now())) }

// Policy returns the lifecycle the store applies.
func (s *Store) Policy() session.Policy { return s.policy }

// Get returns the session as it is now: one consistent GetItem. A session past
// its retention is ENOTFOUND, whether or not TTL has deleted it, however
// its other attributes read (decodeRead).
//
// A read is judged at an instant after it ended, so that a session another
// endpoint has already reported EXPIRED, or gone, never comes back here.
// But a read that began before the session's expiry (or the end of its
// retention) and ended after it may have missed a write accepted before
// that instant and landed meanwhile (a processor's AUTHORISED): judged
// EXPIRED, it would turn AUTHORISED on the next read. Such a read is made
// again (straddled): one begun past the instant holds every write that can
// still land, as the conditions refuse writes within the guard band before
// it.
func (s *Store) Get(ctx context.Context, id string) (*session.Session, error) {
	return s.GetOwned(ctx, "", id)
}

// GetOwned is Get for a caller acting for merchantID: another merchant's
// session is ENOTFOUND as soon as the first read shows it, never read
// again, even when that read straddled its expiry, so it costs what an
// unknown session costs (one GetItem) and its time tells another merchant
// nothing (docs/design.md §7). merchantID "" reaches any session.
func (s *Store) GetOwned(ctx context.Context, merchantID, id string) (*session.Session, error) {
	return s.getOwned(ctx, merchantID, id, s.get)
}

// GetRecord is GetOwned for document 004's single read
// (/session-record/{sessionId}): it reads only the attributes a listed
// session carries (listAttributes), as ListByDay reads each session of a
// day, and judges them alike, so the record read alone and the record in
// its day's list agree on every session. An item whose other attributes
// the store cannot decode (a history entry's status no release writes, an
// amount its field cannot hold) was listed while its single read was 500;
// one whose record's own attributes cannot be decoded is 500 at both.
func (s *Store) GetRecord(ctx context.Context, merchantID, id string) (*session.Session, error) {
	return s.getOwned(ctx, merchantID, id, s.getListed)
}

// getOwned is GetOwned, each read made by get.
func (s *Store) getOwned(ctx context.Context, merchantID, id string, get func(ctx context.Context, merchantID, id string) (*session.Session, error)) (*session.Session, error) {
	for attempt := 1; ; attempt++ {
		began := s.now()
		v, err := get(ctx, merchantID, id)
		if err != nil {
			return nil, err
		}
		now := s.now()
		if attempt < maxStraddledReads && v.TurnsBetween(began, now, s.policy) {
			continue
		}
		return v.At(now, s.policy)
	}
}

// maxStraddledReads bounds the reads of one answer that straddled a
// session's expiry or end of retention (see Get): the second begins past
// the instant, so a third is needed only if the next instant, minutes
// later, passed during it too.
const maxStraddledReads = 3

// GetWithChild returns the session as it is now and, when it has a child,
// the child as it is at the same instant (nil if the child is past its
// retention): document 003 shows both in one answer, which must never pair
// an open parent with a child that has already closed it, or the reverse.
// A session without a child costs one consistent GetItem, as Get; with a
// child, the two items are then read together by one TransactGetItems (a
// serializable snapshot of both) and judged with one reading of the clock.
// If the parent's link changed between the two reads (a closed child
// replaced), the pair is read again.
//
// Another merchant's session (v.MerchantID is not merchantID) is
// ENOTFOUND as soon as the first read shows it, its child never read: it
// costs what an unknown session costs (one GetItem, never a 503 from a
// transaction holding the pair), so neither the answer nor its time tells
// another merchant it exists, or has a child (docs/design.md §6, §7).
//
// As Get, a read that straddled the parent's or the child's expiry (or end
// of retention) is made again.
func (s *Store) GetWithChild(ctx context.Context, merchantID, id string) (v, child *session.Session, err error) {
	for attempt := 1; ; attempt++ {
		began := s.now()
		if v, child, err = s.getWithChild(ctx, merchantID, id); err != nil {
			return nil, nil, err
		}
		now := s.now()
		if attempt < maxStraddledReads && (v.TurnsBetween(began, now, s.policy) || child != nil && child.TurnsBetween(began, now, s.policy)) {
			continue
		}
		if v, err = v.At(now, s.policy); err != nil {
			return nil, nil, err
		}
		if child != nil {
			if child, err = child.At(now, s.policy); session.ErrorCode(err) == session.ENOTFOUND {
				child, err = nil, nil
			}
		}
		return v, child, err
	}
}

// getWithChild reads a session and, when it has one, its child as stored,
// for GetWithChild.
func (s *Store) getWithChild(ctx context.Context, merchantID, id string) (v, child *session.Session, err error) {
	if v, err = s.get(ctx, merchantID, id); err != nil {
		return nil, nil, err
	}
	for attempt := 1; v.ChildSessionID != ""; attempt++ {
		pv, c, err := s.getPair(ctx, id, v.ChildSessionID)
		if err == nil && pv.ChildSessionID == v.ChildSessionID {
			if c != nil {
				if c, err = s.linkedChild(pv, c); err != nil {
					return nil, nil, err
				}
			}
			v, child = pv, c
			break
		}
		var throttled *throttledTxn
		switch {
		case err == nil:
			v = pv // linked to another child since the first read
		case !errors.Is(err, errLostRace) && !errors.As(err, &throttled):
			return nil, nil, err
		}
		// A write transaction held one of the items, the link moved, or
		// DynamoDB throttled the read: read the pair again.
		wait := backoff
		if throttled != nil {
			if attempt >= maxWriteAttempts {
				return nil, nil, throttled.err
			}
			wait = throttleBackoff
		}
		if attempt >= maxWriteAttempts {
			return nil, nil, session.Unavailable(fmt.Errorf("read session %s with its child: still changing after %d reads", loggedID(id), attempt))
		}
		if err := wait(ctx, attempt); err != nil {
			return nil, nil, err
		}
	}
	return v, child, nil
}

// getPair reads a parent and its child, as stored, with one TransactGetItems.
// The child is nil if it no longer exists. errLostRace: a running write
// transaction held one of the items (the read may be tried again).
func (s *Store) getPair(ctx context.Context, parentID, childID string) (parent, child *session.Session, err error) {
	ppk, psk := sessionKey(parentID)
	cpk, csk := sessionKey(childID)
	out, err := s.db.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: []ddb.TransactGetItem{
		{Get: &ddb.Get{TableName: aws.String(s.table), Key: keyOf(ppk, psk)}},
		{Get: &ddb.Get{TableName: aws.String(s.table), Key: keyOf(cpk, csk)}},
	}})
	if err != nil {
		if slices.Contains(cancellationReasons(err), "TransactionConflict") && !throttledError(err) {
			return nil, nil, errLostRace
		}
		if cancellationReasons(err) != nil && throttledError(err) {
			return nil, nil, &throttledTxn{session.Unavailable(err)}
		}
		return nil, nil, classify(err)
	}
	if len(out.Responses) != 2 {
		// Not DynamoDB's answer (one response per item asked): its
		// verdict is unknown, as an unreadable one's (classify).
		return nil, nil, session.Unavailable(answerError(nil, out.ResultMetadata, fmt.Errorf("TransactGetItems answered %d items for 2", len(out.Responses))))
	}
	if out.Responses[0].Item == nil {
		return nil, nil, session.NotFound()
	}
	if parent, err = s.decodeRead(parentID, out.Responses[0].Item, true); err != nil {
		return nil, nil, err
	}
	if out.Responses[1].Item != nil {
		// A child gone is one that no longer exists, however its other
		// attributes read (decodeRead).
		if child, err = s.decodeRead(childID, out.Responses[1].Item, true); session.ErrorCode(err) == session.ENOTFOUND {
			child, err = nil, nil
		}
		if err != nil {
			return nil, nil, err
		}
	}
	return parent, child, nil
}

// get reads the stored session, without applying the time rules, for a
// caller acting for merchantID ("" for any): another merchant's is
// ENOTFOUND, told from the raw item before it is judged (ownedBy).
func (s *Store) get(ctx context.Context, merchantID, id string) (*session.Session, error) {
	item, err := s.getRaw(ctx, id)
	if err != nil {
		return nil, err
	}
	if !ownedBy(item, merchantID) {
		return nil, session.NotFound()
	}
	return s.decodeRead(id, item, true)
}

// getItem reads the stored session, without applying the time rules, and
// the ids of the writes that made its latest versions (a write needs
// them; a read does not decode them), for a caller acting for merchantID
// as get.
func (s *Store) getItem(ctx context.Context, merchantID, id string) (*session.Session, []string, error) {
	item, err := s.getRaw(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if !ownedBy(item, merchantID) {
		return nil, nil, session.NotFound()
	}
	v, err := s.decodeRead(id, item, true)
	if err != nil {
		return nil, nil, err
	}
	return v, decodeWrites(item), nil
}

// getListed reads the stored session as ListByDay reads it (only
// listAttributes, and the key), without applying the time rules, for a
// caller acting for merchantID as get.
func (s *Store) getListed(ctx context.Context, merchantID, id string) (*session.Session, error) {
	expr, err := listProjection()
	if err != nil {
		return nil, session.Internal(err)
	}
	item, err := s.getItemInput(ctx, id, func(in *dynamodb.GetItemInput) {
		in.ProjectionExpression, in.ExpressionAttributeNames = expr.Projection(), expr.Names()
	})
	if err != nil {
		return nil, err
	}
	if !ownedBy(item, merchantID) {
		return nil, session.NotFound()
	}
	return s.decodeRead(id, item, false)
}

// ownedBy reports whether a caller acting for merchantID ("" for none:
// a processor, the family's own reads) may be answered about item, told
// from its raw merchantId before anything else in it is judged: a
// merchant reaches only an item whose merchantId is a string (S, as the
// store writes it) equal to its own. Judged first, a damaged item of
// another merchant was 500 where a missing one is 404, telling a stranger
// that the id exists (r103-seeds24). An item whose merchantId is absent
// or not a string belongs to no merchant: 404 to every merchant, 500 only
// to a caller acting for none (decodeSession refuses it).
func ownedBy(item map[string]ddb.AttributeValue, merchantID string) bool {
	if merchantID == "" {
		return true
	}
	m, ok := item["merchantId"].(*ddb.AttributeValueMemberS)
	return ok && m.Value == merchantID
}

// getRaw reads a session's item, consistently; ENOTFOUND if there is none.
func (s *Store) getRaw(ctx context.Context, id string) (map[string]ddb.AttributeValue, error) {
	return s.getItemInput(ctx, id, nil)
}

// getItemInput is getRaw, its GetItem's input changed by with (when not
// nil).
func (s *Store) getItemInput(ctx context.Context, id string, with func(*dynamodb.GetItemInput)) (map[string]ddb.AttributeValue, error) {
	pk, sk := sessionKey(id)
	in := &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            keyOf(pk, sk),
		ConsistentRead: aws.Bool(true),
	}
	if with != nil {
		with(in)
	}
	out, err := s.db.GetItem(ctx, in)
	if err != nil {
		return nil, classify(err)
	}
	if out.Item == nil {
		return nil, session.NotFound()
	}
	return out.Item, nil
}

// decodeSession reads a session's item. One it cannot decode is
// EINTERNAL (500), not EUNAVAILABLE: its key was checked against the key
// asked (refuseForeignAnswers), and DynamoDB returns the other attributes
// as they were written, which only the store does, so the item is the
// store's own data written badly, a bug every read of it meets again (a
// 503's Retry-After would promise a success that cannot come). An item
// DynamoDB would never answer (another key, none) is refused before, 503.
func decodeSession(av map[string]ddb.AttributeValue) (*session.Session, error) {
	return decodeItem(av, true)
}

// decodeListed is decodeSession of an item read through the list's
// projection (listAttributes): every attribute it carries is judged, as
// a whole item's is, but the fields it leaves out are not required.
func decodeListed(av map[string]ddb.AttributeValue) (*session.Session, error) {
	return decodeItem(av, false)
}

// decodeItem is decodeSession (whole) or decodeListed.
func decodeItem(av map[string]ddb.AttributeValue, whole bool) (*session.Session, error) {
	if err := merchantNotString(av); err != nil {
		return nil, session.Internal(fmt.Errorf("decode session: %w", err))
	}
	// Named by the attribute, never its value (an item the service did not
	// write can hold anything), nor its id (not yet known to be a UUID).
	if name := foreignType(av, sessionItemTypes()); name != "" {
		return nil, session.Internal(fmt.Errorf("decode session: its %s is not of the type the store writes it with", name))
	}
	var it sessionItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return nil, session.Internal(undecodedItem("decode session", err))
	}
	v, err := it.toSession(whole)
	if err != nil {
		return nil, session.Internal(err)
	}
	return v, nil
}

// merchantNotString refuses an item whose merchantId is present but not a
// string (S), as the store writes it: the SDK's decoder reads a number
// (N) into a string field as its text, so an item the service did not
// write with {"N":"5"} was read as merchant "5", whose callers it then
// served. An absent one is left to the merchant id's own check.
func merchantNotString(av map[string]ddb.AttributeValue) error {
	if m, ok := av["merchantId"]; ok {
		if _, ok := m.(*ddb.AttributeValueMemberS); !ok {
			return errors.New("its merchantId is not a string")
		}
	}
	return nil
}

// decodeRead is decodeItemOf of an item a read of session id found, told
// gone first: an item it cannot decode that is past its retention at an
// instant after the read, by the attributes the time rules read alone
// (goneAt), is ENOTFOUND, as every session past its retention is whether
// or not TTL has deleted it (Get).
// Judged the other way round, an item damaged in any other attribute, by
// hand or under a rule a later release tightened, was 500 past its
// retention until TTL deleted it (days at AWS, never on DynamoDB Local)
// where a session gone is 404 (r107-review). Only an item the store
// cannot decode pays the second judgement; a decoded one is judged gone
// by session.At at the caller's instant, which is the same rule.
//
// Such a read is not made again when it straddled the instant (Get): a
// write of this release that could change the item's times decodes it
// first, and refuses it. An earlier release whose read rule was looser
// may still write to it during a rolling deploy, moving its end: a read
// here that straddled the old end then answers 404, and the next one 500
// (r108-gonefirst); neither answers the damaged item.
func (s *Store) decodeRead(id string, av map[string]ddb.AttributeValue, whole bool) (*session.Session, error) {
	v, err := decodeItemOf(id, av, whole)
	if err != nil && goneAt(av, s.now(), s.policy) {
		return nil, session.NotFound()
	}
	return v, err
}

// goneAt reports whether a session's item is past its retention at now
// (session.Session.PurgeAt), judged by only the attributes that rule
// reads, each required to be as the store writes it (a string in the
// store's form of a time, storedInstant; a canonical status): a closed
// session's retainUntil; an open one's purgeAt, or when it has none (an
// empty one reads as none, as sessionItem.toSession reads it) its
// expiresAt plus the retention p gives. An item whose own attributes do
// not tell is not gone: a read refuses it as it is (500).
func goneAt(av map[string]ddb.AttributeValue, now time.Time, p session.Policy) bool {
	text := func(name string) (string, bool) {
		s, ok := av[name].(*ddb.AttributeValueMemberS)
		if !ok {
			return "", false
		}
		return s.Value, true
	}
	instant := func(name string) (t time.Time, ok bool) {
		if s, ok := text(name); ok {
			return storedInstant(s)
		}
		return t, false
	}
	status, ok := text("status")
	v := session.Session{Status: session.Status(status)}
	switch {
	case !ok || !v.Status.Valid():
		return false
	case !v.Status.Open():
		v.RetainUntil, ok = instant("retainUntil")
	default:
		purge, isText := text("purgeAt")
		_, written := av["purgeAt"]
		switch {
		case written && !isText:
			return false
		case purge != "":
			v.PurgeBy, ok = storedInstant(purge)
		default:
			v.ExpiresAt, ok = instant("expiresAt")
		}
	}
	return ok && !now.Before(v.PurgeAt(p))
}

// decodeItemOf reads the item of session id's key, as decodeSession
// (whole) or decodeListed does. An item whose id is not its key's is the
// store's own data written badly too (the store writes both from one id,
// sessionKey): EINTERNAL, never read as the session asked (an answer, and
// a merchant check, of another session's).
func decodeItemOf(id string, av map[string]ddb.AttributeValue, whole bool) (*session.Session, error) {
	v, err := decodeItem(av, whole)
	if err != nil {
		return nil, err
	}
	if v.ID != id {
		// Neither id is quoted: the item's is stored text, and id itself
		// can be (a parent's childSessionId read from its item).
		return nil, session.Internal(fmt.Errorf("the item of session %s holds another id (%d bytes)", loggedID(id), len(v.ID)))
	}
	return v, nil
}

// loggedID is a session's or an API key's id as an error names it: the id
// if it is one the service makes (a UUID), else only its length. A
// session's id is stored text the store reads back and writes by (a
// parent's childSessionId, a child's parentSessionId, an expiry entry's
// id), an item the service did not write can fill it with anything, and
// errors are logged.
func loggedID(id string) string {
	if session.ValidID(id) {
		return id
	}
	return fmt.Sprintf("(an id of %d bytes, not a UUID)", len(id))
}

// Idempotency identifies a create by its Idempotency-Key: the merchant's key
// and a hash of the request, so a replay with another body is refused.
type Idempotency struct {
	MerchantID string
	Key        string
	// RequestHash is a digest of the request; use HashRequest.
	RequestHash string
}

// HashRequest returns the digest Idempotency.RequestHash expects.
func HashRequest(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// Replay is the first response to an Idempotency-Key, returned when the same
// key and body come again.
type Replay struct {
	SessionID string
	Status    int
	Body      []byte
}

type idempotencyItem struct {
	PK          string `dynamodbav:"pk"`
	SK          string `dynamodbav:"sk"`
	RequestHash string `dynamodbav:"requestHash"`
	SessionID   string `dynamodbav:"sessionId"`
	Status      int    `dynamodbav:"status"`
	Body        []byte `dynamodbav:"body"`
	ExpiresAt   int64  `dynamodbav:"expiresAtEpoch"` // attrIdemExpiry: expiry in epoch seconds, rounded up; TTL may run days late
	TTL         int64  `dynamodbav:"ttl"`
}

// attrIdemExpiry is an idempotency record's expiry attribute, which
// idempotencyPut's condition reads.
const attrIdemExpiry = "expiresAtEpoch"

func idempotencyKey(merchantID, key string) (pk, sk string) {
	return "IDEMPOTENCY#" + merchantID + "#" + key, "IDEMPOTENCY"
}

// replay returns the first response to an idempotency key whose record
// failed the write's condition.
func (s *Store) replay(ctx context.Context, idem *Idempotency) (*Replay, error) {
	r, err := s.remembered(ctx, idem)
	if r == nil && err == nil {
		// Gone (expired) between the failed write and this read: a new
		// race; let the client retry with the same key.
		return nil, errKeyInUse()
	}
	return r, err
}

// remembered reads idem's key: the first response when the key is
// remembered (not yet IdempotencyExpiry) for the same request, ECONFLICT
// IDEMPOTENCY_KEY_REUSED for another request, and nil, nil when the key is
// free.
func (s *Store) remembered(ctx context.Context, idem *Idempotency) (*Replay, error) {
	pk, sk := idempotencyKey(idem.MerchantID, idem.Key)
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: keyOf(pk, sk), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, classify(err)
	}
	if out.Item == nil {
		return nil, nil
	}
	// The SDK's decoder reads a NULL body as an empty one, replayed, and
	// a list of numbers as the body's bytes: an attribute of another type
	// than the store writes is a record the service did not write, as for
	// a session's item and an API key's.
	if name := foreignType(out.Item, idempotencyItemTypes()); name != "" {
		return nil, session.Internal(fmt.Errorf("stored idempotency record: its %s is not of the type the store writes it with", name))
	}
	var rec idempotencyItem
	if err := attributevalue.UnmarshalMap(out.Item, &rec); err != nil {
		return nil, session.Internal(undecodedItem("decode idempotency record", err))
	}
	if _, ok := out.Item[attrIdemExpiry].(*ddb.AttributeValueMemberN); !ok {
		// Decoded as 0, long expired, so the create would go ahead and its
		// write's condition (idempotencyPut) refuse it: 409
		// IDEMPOTENCY_KEY_IN_USE on every retry, for ever. The service
		// writes the expiry in every record.
		return nil, session.Internal(errors.New("stored idempotency record: it has no expiresAtEpoch number"))
	}
	now := s.now()
	if rec.ExpiresAt <= now.Unix() {
		return nil, nil // expired; TTL has not deleted it yet
	}
	if rec.ExpiresAt > IdempotencyExpiry(now.Add(foreignExpiryMargin)) {
		// Remembered past what any write could give it: a record of
		// 9999999999 answered the key's first response for ever.
		return nil, session.Internal(errors.New("stored idempotency record: its expiresAtEpoch is past any a write gives"))
	}
	if err := foreignRecord(&rec); err != nil {
		return nil, session.Internal(err)
	}
	if rec.RequestHash != idem.RequestHash {
		return nil, session.Errorf(session.ECONFLICT, session.ReasonIdempotencyReused, "This Idempotency-Key was used with a different request body.")
	}
	return &Replay{SessionID: rec.SessionID, Status: rec.Status, Body: rec.Body}, nil
}

// foreignRecord refuses an idempotency record the service did not write:
// Create remembers a success (2xx) and the id of the session it made, and
// a replay answers them as they are stored: the status as the answer's
// and the request log line's (a card number as its status was the line's
// "status", r102-logs), the id in its Location. A record with another
// status (0, 99 or 1000 panicked make run's net/http; 500 answered a 500
// with a 201's body) or an id that is not a session id as create makes it
// (a card number, a line break, a path, a UUID in upper case) is the store's 500, as a session item it cannot
// decode is, whatever the request's body. The error names the attribute
// and its length, never the stored text, nor the key (the merchant's,
// which may hold anything the key's characters allow).
func foreignRecord(rec *idempotencyItem) error {
	if !session.StoredID(rec.SessionID) {
		return fmt.Errorf("stored idempotency record: its sessionId (%d bytes) is not a session id", len(rec.SessionID))
	}
	if rec.Status < 200 || rec.Status > 299 {
		return errors.New("stored idempotency record: its status is not a success (2xx)")
	}
	if !replayableBody(rec.Body) {
		return fmt.Errorf("stored idempotency record: its body (%d bytes) is not an answer the service renders", len(rec.Body))
	}
	return nil
}

// replayableBody reports whether body, a stored first answer replayed
// byte for byte, is one a create could have rendered: every value in it
// passed create's checks, so it holds no card number anywhere, as its
// reader reads it, by the rule reads hold stored text to (a JSON answer
// as session.RefuseCardNumbers judges a request,
// session.StoredJSONHoldsCardNumber; any other text as
// session.StoredHoldsCardNumber), and a JSON object
// keeps the service's profile (session.CheckJSON: no lone surrogate, no
// member twice). The store does not know the answer's form (the caller
// renders it): a body that is not JSON must still be UTF-8 text. One with
// a card number would have been answered to whoever holds the key.
func replayableBody(body []byte) bool {
	if len(body) > 0 && body[0] == '{' {
		return session.CheckJSON(body) == nil && !session.StoredJSONHoldsCardNumber(body)
	}
	return utf8.Valid(body) && !session.StoredHoldsCardNumber(string(body))
}

// foreignExpiryMargin is how far past what this instance's clock would
// write now (IdempotencyExpiry) a stored expiry may be and still be one
// the service wrote: a record written by an instance whose clock ran
// ahead. Instances' clocks agree within maxClockLead (a second; Lambda's
// are synchronised); five minutes is 300 times that, and 0.35 % of the
// 24 hours a key is remembered, so a far-future expiry is told while no
// clock the service runs on makes a false 500.
const foreignExpiryMargin = 5 * time.Minute

func keyOf(pk, sk string) map[string]ddb.AttributeValue {
	return map[string]ddb.AttributeValue{
		attrPK: &ddb.AttributeValueMemberS{Value: pk},
		attrSK: &ddb.AttributeValueMemberS{Value: sk},
	}
}

// cancellationReasons returns the per-item codes of a canceled transaction,
// or nil if err is not a cancellation.
func cancellationReasons(err error) []string {
	var tce *ddb.TransactionCanceledException
	if !errors.As(err, &tce) {
		return nil
	}
	codes := make([]string, len(tce.CancellationReasons))
	for i, r := range tce.CancellationReasons {
		codes[i] = aws.ToString(r.Code)
	}
	return codes
}

// backoff waits before a lost race's next try (a condition failed, a
// running transaction held an item): a random time below attempt × 20 ms
// (full jitter), so writers that lost a race do not collide again in
// lockstep. It is not the store's exponential backoff (backoff.go) on
// purpose: a lost race waits for a rival's write, which DynamoDB finishes
// in milliseconds, not for capacity to grow; the next try re-decides on
// the winner's state at once, and the linear ceilings (20, 40, 60, 80 ms)
// keep a contended write's four waits under 200 ms.
func backoff(ctx context.Context, attempt int) error {
	return sleep(ctx, jitter(time.Duration(attempt)*20*time.Millisecond))
}

// throttledTxn is a transaction (TransactWriteItems, TransactGetItems)
// DynamoDB canceled because a table or index was throttled. The SDK
// retries a throttled single-item call but never a canceled transaction,
// so the store tries it again itself, with a new ClientRequestToken and
// fresh reads, after throttleBackoff, up to maxWriteAttempts times; then
// err, EUNAVAILABLE: "503 with Retry-After when DynamoDB throttles past the
// SDK's retries" (docs/design.md §6). It never leaves the store.
type throttledTxn struct{ err error }

func (e *throttledTxn) Error() string { return e.err.Error() }

// throttleBackoff waits before a throttled transaction's next try as the
// client's retryer waits before a throttled call's: the store's one
// backoff (backoff.go) at throttleBase — exponential, full jitter, at most
// maxBackoff; longer than a lost race's backoff, since throttling needs
// the table's capacity to grow, not a rival to finish.
func throttleBackoff(ctx context.Context, attempt int) error {
	return sleep(ctx, jitter(backoffCeiling(throttleBase, attempt)))
}

// classify turns an SDK error into a coded one, by DynamoDB's answer after
// the SDK's retries:
//   - throttling — a throttling exception, or a transaction canceled because
//     a table or index was throttled (ThrottlingError,
//     ProvisionedThroughputExceeded: index back-pressure) — is EUNAVAILABLE,
//     answered 503 with Retry-After;
//   - a single-item write on an item a running transaction holds
//     (TransactionConflictException, which real DynamoDB sends and the SDK
//     does not retry), or a transaction canceled for such a conflict, is a
//     lost race: ECONFLICT CONCURRENT_UPDATE. The write paths retry it
//     themselves first; this is what is left after that;
//   - any other 4xx that DynamoDB's answer names means DynamoDB refused the
//     request as malformed — our bug, EINTERNAL (500) (refusedByDynamoDB);
//   - everything else — 5xx, timeouts, broken connections, a deadline
//     passed, no answer at all, an answer the SDK could not read (a body
//     cut short or not DynamoDB's, 4xx included: its verdict is unknown,
//     a throttling as likely as anything; a 4xx naming no error, which
//     DynamoDB never sends; a success with an empty body,
//     refuseEmptySuccess; an error DynamoDB does not have or the
//     operation cannot return, a transaction canceled without one reason
//     per item, a Query without Items, a BatchGetItem without Responses
//     for a table asked and not left unprocessed, an item of a key not
//     asked: refuseForeignAnswers; a list index entry without its sort
//     key) — is EUNAVAILABLE. An item of the key asked that the store
//     cannot decode is its own data, written badly: EINTERNAL
//     (decodeSession).
func classify(err error) error {
	if transactionConflict(err) || slices.Contains(cancellationReasons(err), "TransactionConflict") && !throttledError(err) {
		return errConcurrent(err)
	}
	if throttledError(err) {
		return session.Unavailable(err)
	}
	if refusedByDynamoDB(err) {
		return session.Internal(err)
	}
	return session.Unavailable(err)
}

// refusedByDynamoDB reports whether err is an answer with a 4xx status in
// which DynamoDB names its error: one the SDK could read (not a
// smithy.DeserializationError) whose code is not the SDK's "UnknownError",
// its name for an error answer that names none (no __type, no
// X-Amzn-ErrorType). DynamoDB names every error it answers, so a 4xx that
// names none ({}, a proxy's {"message":"Forbidden"}) is not its answer and
// gives no verdict: the request may have been applied behind it. So is
// one naming an error DynamoDB does not have or the operation cannot
// return, which refuseForeignAnswers has made unreadable already.
func refusedByDynamoDB(err error) bool {
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() < 400 || re.HTTPStatusCode() >= 500 {
		return false
	}
	var unreadable *smithy.DeserializationError
	if errors.As(err, &unreadable) {
		return false
	}
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() != "UnknownError"
}

// errConcurrent is the answer to a write that kept losing races.
func errConcurrent(cause error) error {
	e := session.Errorf(session.ECONFLICT, session.ReasonConcurrentUpdate, "The session is being changed concurrently; retry.")
	e.Err = cause
	return e
}

// transactionConflict reports whether err is DynamoDB refusing a
// single-item write because a transaction holds the item.
func transactionConflict(err error) bool {
	var tc *ddb.TransactionConflictException
	return errors.As(err, &tc)
}

// throttledError reports whether err is DynamoDB throttling: an exception
// with a throttling code, or a transaction canceled because one of its items
// was throttled.
func throttledError(err error) bool {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && throttled(apiErr.ErrorCode()) {
		return true
	}
	for _, r := range cancellationReasons(err) {
		if throttledReason(r) {
			return true
		}
	}
	return false
}

func throttled(code string) bool {
	switch code {
	case "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
		"TransactionInProgressException", "LimitExceededException":
		return true
	}
	return false
}

// throttledReason reports whether a transaction cancellation reason is
// throttling (of the table or of an index the item's write updates).
func throttledReason(code string) bool {
	return code == "ThrottlingError" || code == "ProvisionedThroughputExceeded"
}

// Throttled reports whether err is DynamoDB throttling (one kind of
// Transient error): the sweeper backs off on it.
func Throttled(err error) bool { return err != nil && throttledError(err) }

// Transient reports whether err asks the caller to come back later rather
// than reporting a failure: a write that kept losing to running
// transactions (CONCURRENT_UPDATE), or DynamoDB throttling that outlasted
// the retries. The sweeper counts such sessions as deferred to its next run,
// not as errors.
func Transient(err error) bool {
	if err == nil {
		return false
	}
	if session.ErrorReason(err) == session.ReasonConcurrentUpdate {
		return true
	}
	return throttledError(err)
}

// quotesValue reports whether err holds an error answer of DynamoDB whose
// message may quote a value of the request: one with a quote mark. AWS's
// validation messages quote the value refused ("1 validation error
// detected: Value '…' at '…' failed to satisfy constraint"), which can be a
// whole item: the client's text, and the session's hcpToken, a token no
// rule for the client's text recognises. DynamoDB's messages that quote
// nothing ("The conditional request failed", a transaction's "please
// refer cancellation reasons for specific reasons [None, …]") have none.
// Every error in err's tree is looked at (a listing joins its shards'
// errors).
func quotesValue(err error) bool {
	if err == nil {
		return false
	}
	if ae, ok := err.(smithy.APIError); ok && strings.ContainsAny(ae.ErrorMessage(), "'\"`") {
		return true
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		return quotesValue(u.Unwrap())
	case interface{ Unwrap() []error }:
		return slices.ContainsFunc(u.Unwrap(), quotesValue)
	}
	return false
}

// shownCode is an error answer's code, request id or cancellation reason
// code as an outline shows it: as it is, or [redacted] when it may hold a
// card number or a credential (mayQuoteSecret). DynamoDB's never do; an
// answer that is not DynamoDB's carries whatever its sender wrote (in its
// code: foreignError; in its x-amzn-RequestId header; in a canceled
// transaction's reasons, whose codes the store does not check), and the
// outline is what a log line keeps of an error whose text was redacted for
// holding one: a request id holding a card number redacted the text and
// was then written out again.
func shownCode(code string) string {
	if mayQuoteSecret(code) {
		return "[redacted]"
	}
	return code
}

// errorOutline describes err by what the service and AWS put in it, never
// by its messages: the DynamoDB operation that failed, the HTTP status,
// DynamoDB's request id and error code. A DynamoDB message can quote the
// value it refused, the client's text among it; the outline is what a log
// line keeps of an error whose text may hold a credential. "" when err
// holds no SDK error.
func errorOutline(err error) string {
	var parts []string
	var oe *smithy.OperationError
	if errors.As(err, &oe) {
		parts = append(parts, "operation error "+oe.Service()+": "+oe.Operation())
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		parts = append(parts, fmt.Sprintf("StatusCode: %d, RequestID: %s", re.HTTPStatusCode(), shownCode(re.ServiceRequestID())))
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		parts = append(parts, "api error "+shownCode(ae.ErrorCode()))
	}
	var fe *foreignError
	if errors.As(err, &fe) {
		parts = append(parts, "api error "+shownCode(fe.code)+" (not this operation's: refuseForeignAnswers)")
	}
	if rs := cancellationReasons(err); rs != nil {
		for i, r := range rs {
			rs[i] = shownCode(r)
		}
		parts = append(parts, fmt.Sprintf("cancellation reasons %v", rs))
	}
	return strings.Join(parts, ", ")
}
