package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/session"
)

// ExpiryKey is an entry of the sparse expiry index: an open session and the
// instant it expires (as stored).
type ExpiryKey struct {
	ID        string
	ExpiresAt string
}

// ExpiryTime reads an expiry index entry's expiresAt: the instant, and
// whether the text is one this store writes (formatTime's fixed-width UTC
// form, which sorts as the instants do). The index, the sweeper's query
// and its write's condition compare expiresAt as text; a text of another
// form names an instant it does not sort as (2026-11-23T09:30:00-01:00,
// 10:30 UTC, sorts before 10:00 UTC), so the sweeper would store such an
// item EXPIRED up to a day before the expiresAt every read takes from it.
// It is not a time to the sweeper (no write, no lag), as one that does not
// parse.
func ExpiryTime(s string) (time.Time, bool) { return storedInstant(s) }

// Shards is the number of expiry index partitions the store writes to.
func (s *Store) Shards() int { return s.shards }

// Expired reads one shard of the expiry index for open sessions that
// Expire would expire at now: expired at least the guard band ago (see
// Expire) and still more than the guard band before the end of their
// retention — expiresAt in (now + WRITE_GUARD - RESULT_RETENTION,
// now - WRITE_GUARD] — a page at a time, oldest first, calling page with
// each page's keys until it returns false or the shard is done. (A session
// nearer its purge is left to the reads and to TTL: Expire's condition
// would refuse it, so it is not read, not sent a write, and not counted.)
// It never reads the table and never Scans: only the index entries of the
// sessions to expire. It returns the number of index items DynamoDB read.
// With RESULT_RETENTION at most twice WRITE_GUARD (the configuration allows
// it) the window is empty: no session is ever swept (reads and TTL do it
// all), and no query is sent, since DynamoDB refuses a BETWEEN whose lower
// bound is above its upper one (ValidationException).
func (s *Store) Expired(ctx context.Context, shard int, now time.Time, pageSize int, page func([]ExpiryKey) bool) (read int, err error) {
	q, err := s.ExpiryQuery(shard, now, pageSize)
	if err != nil {
		return 0, err
	}
	for !q.Done() {
		keys, n, err := q.Next(ctx)
		read += n
		if err != nil {
			return read, err
		}
		if len(keys) > 0 && !page(keys) {
			return read, nil
		}
	}
	return read, nil
}

// ExpiryQuery is Expired's query of one shard, read a page at a time with
// Next, so a caller can take turns between shards (the sweeper serves
// every shard's oldest page before any shard's second one).
type ExpiryQuery struct {
	Shard int
	db    *dynamodb.Client
	in    *dynamodb.QueryInput
	done  bool
}

// ExpiryQuery returns the query of shard Expired makes at now, pages of
// pageSize index entries, before its first page.
func (s *Store) ExpiryQuery(shard int, now time.Time, pageSize int) (*ExpiryQuery, error) {
	from := s.policy.WriteAt(now).Add(-s.policy.Retention).Add(100 * time.Nanosecond)
	to := s.sweptBy(now)
	if from.After(to) {
		return &ExpiryQuery{Shard: shard, done: true}, nil
	}
	lo, hi := formatTime(from), formatTime(to)
	key := expression.Key(attrExpiryShard).Equal(expression.Value(shard)).
		And(expression.Key(attrExpiresAt).Between(expression.Value(lo), expression.Value(hi)))
	expr, err := expression.NewBuilder().WithKeyCondition(key).Build()
	if err != nil {
		return nil, session.Internal(err)
	}
	return &ExpiryQuery{Shard: shard, db: s.db, in: &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(IndexByExpiry),
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		Limit:                     aws.Int32(int32(pageSize)),
	}}, nil
}

// Done reports whether the shard has been read to its end.
func (q *ExpiryQuery) Done() bool { return q.done }

// Next reads the shard's next page: its keys (possibly none, with more to
// come) and the number of index items DynamoDB read. After an error the
// same page may be asked for again. Like the sweeper's writes, a query
// DynamoDB throttled is not retried (noThrottleRetries): the caller gets
// the throttle on its one try (Throttled) and can back off. A page holding
// an entry DynamoDB never answers (without the table's pk or the index's
// expiresAt, a string, not empty) fails whole, EUNAVAILABLE, as the day
// list's query does (lister.query): the sweeper counts and logs a failed
// query, where a skipped entry would be a session left unexpired.
func (q *ExpiryQuery) Next(ctx context.Context) (keys []ExpiryKey, read int, err error) {
	if q.done {
		return nil, 0, nil
	}
	out, err := q.db.Query(ctx, q.in, noThrottleRetries)
	if err != nil {
		return nil, 0, classify(err)
	}
	keys = make([]ExpiryKey, 0, len(out.Items))
	for _, it := range out.Items {
		pk, _ := it[attrPK].(*ddb.AttributeValueMemberS)
		exp, _ := it[attrExpiresAt].(*ddb.AttributeValueMemberS)
		if pk == nil || exp == nil || pk.Value == "" || exp.Value == "" {
			// The index holds only items with its keys, expiresAt a
			// string, never empty, and projects the table's (DynamoDB
			// refuses a write breaking that, whoever writes): not
			// DynamoDB's answer (refuseForeignAnswers). Skipped, it would
			// be a session left unexpired by a shard read to its end.
			return nil, 0, session.Unavailable(foreignItem(out.ResultMetadata, "sweep: DynamoDB answered an expiry index entry without its keys (a string "+attrPK+" and "+attrExpiresAt+")"))
		}
		keys = append(keys, ExpiryKey{ID: strings.TrimPrefix(pk.Value, "SESSION#"), ExpiresAt: exp.Value})
	}
	if out.LastEvaluatedKey == nil {
		q.done = true
	}
	q.in.ExclusiveStartKey = out.LastEvaluatedKey
	return keys, int(out.ScannedCount), nil
}

// openStatuses are the statuses an expiry may replace.
var openStatuses = func() []expression.OperandBuilder {
	var out []expression.OperandBuilder
	for _, st := range session.Statuses {
		if st.Open() {
			out = append(out, expression.Value(string(st)))
		}
	}
	return out
}()

// sweptBy is the latest expiresAt the sweeper stores as EXPIRED at now:
// now minus the guard band. A stored EXPIRED is read as EXPIRED by every
// instance at once, whatever its clock, so the sweeper must not store it
// before expiresAt by any of their clocks; waiting out the band (at least
// 1 s, WRITE_GUARD's floor) after expiresAt by its own clock keeps that
// true for a sweeper clock ahead of theirs by up to WRITE_GUARD, the band
// docs/design.md §4 gives instances' clocks (Txn's maxClockLead, 1 s, is
// within it). It costs nothing: every read already reports the session
// EXPIRED from expiresAt itself, and every write refuses it from the band
// before.
func (s *Store) sweptBy(now time.Time) time.Time { return now.Add(-s.policy.WriteGuard) }

// Expire persists the expiry of one session with a single conditional
// UpdateItem, without reading it: status EXPIRED, closedAt = updatedAt =
// expiresAt, a history entry at expiresAt, retainUntil = the item's purgeAt
// (the end it was written with, expiresAt + RESULT_RETENTION as it was
// created, which its ttl follows), the expiry index attribute removed,
// version + 1 — exactly what every read already reports
// (session.Session.At), whatever retention this store runs with. The write
// happens only if the session is still open, still expires at that
// instant, expired at least the guard band ago (sweptBy), and is not within
// the guard band before the end of its retention, judged at the instant of
// the write by the clock; otherwise (a processor closed it in the meantime,
// another sweep got there first) it reports false and changes nothing. A
// session that has come within the guard band before its purge since the
// sweeper's query found it is not sent a write at all: ErrNearPurge, judged
// by the clock reading the write's condition uses, so such a write is never
// refused and taken for someone else's. Like every write, the call
// is bounded by WriteTimeout. A session a running transaction holds
// (TransactionConflict, real DynamoDB only) is tried again after a jittered
// backoff, up to maxWriteAttempts times; then ECONFLICT CONCURRENT_UPDATE
// (Transient: the next sweep retries it).
//
// A write whose outcome is unknown (its every answer lost, a 5xx, a
// timeout: see ambiguous) is judged by the session read back (consistent,
// afterUnknown): expired by this write is true, closed otherwise (or gone)
// is false, as a failed condition would have said; still open, or a read
// that fails too, is the write's error. The sweeper then counts as errors
// only the expiries that did not land.
func (s *Store) Expire(ctx context.Context, k ExpiryKey) (bool, error) {
	ok, _, err := s.ExpireJudged(ctx, k)
	return ok, err
}

// ExpireJudged is Expire, also reporting whether the outcome was judged by
// the session read back (readBack: the write's own answer was lost, a 5xx,
// a timeout). false without an error then means someone else closed the
// session: DynamoDB never answered this write, and it did not land, which
// the sweeper's count of failures in a row needs to know (sweep.Run).
func (s *Store) ExpireJudged(ctx context.Context, k ExpiryKey) (ok, readBack bool, err error) {
	expiresAt, ok := ExpiryTime(k.ExpiresAt)
	if !ok {
		// Not a time this store writes: the entry's id and expiresAt can
		// hold anything (an item the service did not write, an answer not
		// DynamoDB's), so the error quotes neither; the sweeper's line
		// names the session by an id of the service's only.
		return false, false, session.Internal(fmt.Errorf("expiry index entry: its expiresAt (%d bytes) is not a time in the service's form", len(k.ExpiresAt)))
	}
	e := session.ExpiryOf(expiresAt.UTC(), s.policy)
	writeID := uuid.NewString()
	for attempt := 1; ; attempt++ {
		now := s.now()
		if !clearOfPurge(e, s.policy.WriteAt(now)) {
			return false, false, ErrNearPurge
		}
		var sent sends
		ok, err := s.expireOnce(ctx, k, e, writeID, now, &sent)
		// ErrNearPurge here is DynamoDB's answer (a failed condition,
		// pastWrittenPurge): its outcome is known, so it is not read back.
		if err != nil && !transactionConflict(err) && !errors.Is(err, ErrNearPurge) && ambiguous(err, &sent) && ctx.Err() == nil {
			ok, err := s.afterUnknown(ctx, k, writeID, err)
			return ok, true, err
		}
		if !transactionConflict(err) {
			return ok, false, err
		}
		if attempt >= maxWriteAttempts {
			return false, false, classify(err)
		}
		if err := backoff(ctx, attempt); err != nil {
			return false, false, err
		}
	}
}

// noThrottleRetries is a per-call option of the DynamoDB client for the
// sweeper's expiry writes and expiry-index queries: the SDK does not retry a try DynamoDB throttled
// (it still retries 5xx, timeouts and broken connections). A throttled
// expiry can wait for the next sweep (reads already report it), and every
// retry would add write load to a table whose live traffic is being
// throttled too; the sweeper stops sending writes for the rest of its run
// on the first throttled one (sweep.Sweeper.Run). The error then is
// DynamoDB's refusal on the call's one try, not an unknown outcome: Expire
// reads nothing back.
func noThrottleRetries(o *dynamodb.Options) {
	o.Retryer = throttleFinal{o.Retryer}
}

// throttleFinal is a retryer that retries what the one it wraps retries,
// but DynamoDB throttling.
type throttleFinal struct{ aws.Retryer }

func (r throttleFinal) IsErrorRetryable(err error) bool {
	return !throttledError(err) && r.Retryer.IsErrorRetryable(err)
}

// GetAttemptToken is aws.RetryerV2's, which the SDK's retry middleware
// prefers: the wrapped retryer's, as the middleware would have called it.
func (r throttleFinal) GetAttemptToken(ctx context.Context) (func(error) error, error) {
	if v2, ok := r.Retryer.(aws.RetryerV2); ok {
		return v2.GetAttemptToken(ctx)
	}
	return r.GetInitialToken(), nil
}

// ErrNearPurge is Expire's answer for a session that has come within the
// guard band before the end of its retention by the store's clock (the
// sweeper's query found it earlier in its run): no write is sent, since its
// condition would refuse it. The session is left to the reads, which
// report it EXPIRED until its retention ends, and to TTL, as one the query
// no longer finds; no one else closed it. It is also the answer when the
// write was refused for the end the session's item was written with (its
// purgeAt, under a shorter RESULT_RETENTION than the store's, raised since:
// pastWrittenPurge), which the store could not know before the write.
var ErrNearPurge = errors.New("store: the session is within the guard band before its purge: left to TTL")

// ErrPastWrittenPurge is the ErrNearPurge (errors.Is) of a write DynamoDB
// refused for the end the session's item was written with
// (pastWrittenPurge): unlike the other, a write was sent and answered.
var ErrPastWrittenPurge = fmt.Errorf("%w (its write refused for the end its item was written with)", ErrNearPurge)

// clearOfPurge reports whether an open session expiring as e may still be
// written at the instant writeAt (a write made now is judged at now plus
// the guard band), by the store's retention, as its query's window judges:
// the purge clause of expireOnce's condition, compared as the condition
// compares it, on the stored strings, but on e's end where the condition
// reads the item's purgeAt (the same, unless RESULT_RETENTION changed
// since the session was written: lowered, a session this refuses is left
// to the reads, which end it at its purgeAt; raised, the condition refuses
// one past its purgeAt, pastWrittenPurge).
func clearOfPurge(e session.Expiry, writeAt time.Time) bool {
	return formatTime(e.RetainUntil) > formatTime(writeAt)
}

// pastWrittenPurge reports whether item, the old item of a refused expiry
// write for k, is still the open session due at k's expiresAt, refused only
// because its own purgeAt (the end it was written with, which its ttl
// follows) is not after writeAt: written under a shorter RESULT_RETENTION
// than the store's (raised since), it ends before the end clearOfPurge
// judged. No one else closed it: like a session clearOfPurge refuses, it
// is left to the reads (404 from its purgeAt on) and to TTL.
func pastWrittenPurge(item map[string]ddb.AttributeValue, k ExpiryKey, writeAt string) bool {
	_, due := item[attrExpiryShard]
	exp, _ := item[attrExpiresAt].(*ddb.AttributeValueMemberS)
	status, _ := item["status"].(*ddb.AttributeValueMemberS)
	purge, _ := item["purgeAt"].(*ddb.AttributeValueMemberS)
	return due && exp != nil && exp.Value == k.ExpiresAt && status != nil && session.Status(status.Value).Open() &&
		purge != nil && purge.Value <= writeAt
}

// ambiguous reports whether a failed write may have been applied: unless
// it was sent once and DynamoDB refused it (refusedByDynamoDB: a 4xx it
// could read, naming its error: a refusal, a throttle, a running
// transaction; nothing written), its outcome is unknown. A try sent again
// by the SDK may follow one that landed with its answer lost; a 5xx, an
// answer that cannot be read or names no error (a 4xx status included:
// not DynamoDB's, it gives no verdict, as classify says) or a connection
// that failed after sending may have landed itself.
func ambiguous(err error, sent *sends) bool {
	return !(sent.once() && refusedByDynamoDB(err))
}

// afterUnknown judges an expiry write whose outcome is unknown by the
// session read back with a consistent GetItem: applied if its recentWrites
// holds writeID (true); false if it is gone, closed or no longer due at
// that expiresAt (someone else's write: the sweeper skips it); else, or if
// the read fails, the write's error err.
func (s *Store) afterUnknown(ctx context.Context, k ExpiryKey, writeID string, err error) (bool, error) {
	rctx, cancel := s.writeContext(ctx)
	defer cancel()
	pk, sk := sessionKey(k.ID)
	out, rerr := s.db.GetItem(rctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: keyOf(pk, sk), ConsistentRead: aws.Bool(true),
	})
	if rerr != nil {
		return false, err
	}
	if slices.Contains(decodeWrites(out.Item), writeID) {
		return true, nil
	}
	_, due := out.Item[attrExpiryShard]
	exp, _ := out.Item[attrExpiresAt].(*ddb.AttributeValueMemberS)
	status, _ := out.Item["status"].(*ddb.AttributeValueMemberS)
	if out.Item == nil || !due || exp == nil || exp.Value != k.ExpiresAt || status == nil || !session.Status(status.Value).Open() {
		return false, nil
	}
	return false, err
}

// expireOnce is one UpdateItem of Expire. A TransactionConflict error is
// returned as the SDK's, for Expire to retry.
func (s *Store) expireOnce(ctx context.Context, k ExpiryKey, e session.Expiry, writeID string, now time.Time, sent *sends) (bool, error) {
	closed := formatTime(e.ClosedAt)
	entry := []historyItem{{Status: string(e.Change.Status), Reason: e.Change.Reason, At: formatTime(e.Change.At)}}
	update := expression.Set(expression.Name("status"), expression.Value(string(e.Status))).
		Set(expression.Name("statusReason"), expression.Value(e.Reason)).
		Set(expression.Name("closedAt"), expression.Value(closed)).
		Set(expression.Name("updatedAt"), expression.Value(closed)).
		// The end of retention is the item's own (its purgeAt, which its
		// ttl follows), as every read of the open session reported it
		// (session.PurgeAt), whatever retention this store runs with.
		Set(expression.Name("retainUntil"), expression.Name("purgeAt")).
		Set(expression.Name("history"), expression.ListAppend(expression.Name("history"), expression.Value(entry))).
		Set(expression.Name(attrWriteID), expression.Value(writeID)).
		Set(expression.Name(attrRecentWrites), expression.ListAppend(
			expression.IfNotExists(expression.Name(attrRecentWrites), expression.Value(&ddb.AttributeValueMemberL{Value: []ddb.AttributeValue{}})),
			expression.Value([]string{writeID}))).
		Add(expression.Name("version"), expression.Value(1)).
		Remove(expression.Name(attrExpiryShard))
	ctx, cancel := s.writeContext(ctx)
	defer cancel()
	// Expiring needs expiresAt to have passed by every instance's clock,
	// this one's minus the guard band (sweptBy: a read at expiresAt
	// already says EXPIRED; a stored EXPIRED must never come before it);
	// staying clear of the end of retention needs the guard band, as
	// every write.
	cond := expression.AttributeExists(expression.Name(attrExpiryShard)).
		And(expression.Name("status").In(openStatuses[0], openStatuses[1:]...)).
		And(expression.Name(attrExpiresAt).Equal(expression.Value(k.ExpiresAt))).
		And(expression.Name(attrExpiresAt).LessThanEqual(expression.Value(formatTime(s.sweptBy(now))))).
		And(expression.Name("purgeAt").GreaterThan(expression.Value(formatTime(s.policy.WriteAt(now)))))
	expr, err := expression.NewBuilder().WithUpdate(update).WithCondition(cond).Build()
	if err != nil {
		return false, session.Internal(err)
	}
	pk, sk := sessionKey(k.ID)
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       keyOf(pk, sk),
		UpdateExpression:          expr.Update(),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		// On a failed condition, the item tells whether the write was this
		// one, retried by the SDK after its answer was lost.
		ReturnValuesOnConditionCheckFailure: ddb.ReturnValuesOnConditionCheckFailureAllOld,
	}, sent.count, noThrottleRetries)
	var ccf *ddb.ConditionalCheckFailedException
	switch {
	case errors.As(err, &ccf) && ownWrite(ccf.Item, writeID):
		return true, nil
	case errors.As(err, &ccf) && pastWrittenPurge(ccf.Item, k, formatTime(s.policy.WriteAt(now))):
		return false, ErrPastWrittenPurge
	case errors.As(err, &ccf):
		return false, nil
	case transactionConflict(err):
		return false, err
	case err != nil:
		return false, classify(err)
	}
	return true, nil
}
