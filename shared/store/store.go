// Package store keeps sessions, idempotency records and API keys in one
// DynamoDB table (DESIGN.md §8). Reads of a session are one consistent
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
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/paysessions/paysessions/shared/session"
)

// maxWriteAttempts bounds the read-modify-write loop of Update: after this
// many lost races the caller gets 409 CONCURRENT_UPDATE.
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
}

// New returns a store on table. now is the clock: the time rules of reads
// and the time conditions of writes use it. shards is EXPIRY_SHARDS.
func New(db *dynamodb.Client, table string, policy session.Policy, shards int, now func() time.Time) *Store {
	if shards < 1 {
		shards = 1
	}
	return &Store{db: db, table: table, policy: policy, shards: shards, now: now}
}

// Policy returns the lifecycle the store applies.
func (s *Store) Policy() session.Policy { return s.policy }

// Get returns the session as it is now: one consistent GetItem. A session past
// its retention is ENOTFOUND, whether or not TTL has deleted it.
func (s *Store) Get(ctx context.Context, id string) (*session.Session, error) {
	v, err := s.get(ctx, id)
	if err != nil {
		return nil, err
	}
	return v.At(s.now(), s.policy)
}

// get reads the stored session, without applying the time rules.
func (s *Store) get(ctx context.Context, id string) (*session.Session, error) {
	pk, sk := sessionKey(id)
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            keyOf(pk, sk),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, classify(err)
	}
	if out.Item == nil {
		return nil, session.NotFound()
	}
	return decodeSession(out.Item)
}

func decodeSession(av map[string]ddb.AttributeValue) (*session.Session, error) {
	var it sessionItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return nil, session.Internal(fmt.Errorf("decode session: %w", err))
	}
	v, err := it.toSession()
	if err != nil {
		return nil, session.Internal(err)
	}
	return v, nil
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
	ExpiresAt   int64  `dynamodbav:"expiresAtEpoch"` // exact expiry; TTL may run days late
	TTL         int64  `dynamodbav:"ttl"`
}

func idempotencyKey(merchantID, key string) (pk, sk string) {
	return "IDEMPOTENCY#" + merchantID + "#" + key, "IDEMPOTENCY"
}

// Create stores a new session. Without idem it is one conditional PutItem.
// With idem, the session and the idempotency record (holding the response
// status and body) are written in one transaction; when the key was used
// before, Create writes nothing and returns the first response as a Replay,
// or ECONFLICT IDEMPOTENCY_KEY_REUSED if the request differs.
func (s *Store) Create(ctx context.Context, v *session.Session, idem *Idempotency, status int, body []byte) (*Replay, error) {
	v.Version = 1
	av, err := attributevalue.MarshalMap(s.toItem(v))
	if err != nil {
		return nil, session.Internal(fmt.Errorf("encode session: %w", err))
	}
	notExists, err := expression.NewBuilder().WithCondition(expression.AttributeNotExists(expression.Name(attrPK))).Build()
	if err != nil {
		return nil, session.Internal(err)
	}
	if idem == nil {
		_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName:                aws.String(s.table),
			Item:                     av,
			ConditionExpression:      notExists.Condition(),
			ExpressionAttributeNames: notExists.Names(),
		})
		if err != nil {
			return nil, classify(err)
		}
		return nil, nil
	}

	now := s.now()
	pk, sk := idempotencyKey(idem.MerchantID, idem.Key)
	rec, err := attributevalue.MarshalMap(idempotencyItem{
		PK: pk, SK: sk, RequestHash: idem.RequestHash, SessionID: v.ID, Status: status, Body: body,
		ExpiresAt: now.Add(IdempotencyTTL).Unix(), TTL: epochCeil(now.Add(IdempotencyTTL)),
	})
	if err != nil {
		return nil, session.Internal(fmt.Errorf("encode idempotency record: %w", err))
	}
	// The key is free if no record exists, or if the one there has expired
	// and TTL has not deleted it yet.
	free, err := expression.NewBuilder().WithCondition(
		expression.AttributeNotExists(expression.Name(attrPK)).
			Or(expression.Name("expiresAtEpoch").LessThanEqual(expression.Value(now.Unix()))),
	).Build()
	if err != nil {
		return nil, session.Internal(err)
	}
	for attempt := 1; ; attempt++ {
		_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
			TransactItems: []ddb.TransactWriteItem{
				{Put: &ddb.Put{
					TableName: aws.String(s.table), Item: av,
					ConditionExpression: notExists.Condition(), ExpressionAttributeNames: notExists.Names(),
				}},
				{Put: &ddb.Put{
					TableName: aws.String(s.table), Item: rec,
					ConditionExpression: free.Condition(), ExpressionAttributeNames: free.Names(),
					ExpressionAttributeValues: free.Values(),
				}},
			},
		})
		if err == nil {
			return nil, nil
		}
		reasons := cancellationReasons(err)
		switch {
		case reasons == nil:
			return nil, classify(err)
		case reasons[1] == "ConditionalCheckFailed":
			return s.replay(ctx, idem)
		case (reasons[0] == "TransactionConflict" || reasons[1] == "TransactionConflict") && attempt < maxWriteAttempts:
			if err := backoff(ctx, attempt); err != nil {
				return nil, err
			}
			continue
		default:
			return nil, classify(err)
		}
	}
}

// replay returns the first response to an idempotency key.
func (s *Store) replay(ctx context.Context, idem *Idempotency) (*Replay, error) {
	pk, sk := idempotencyKey(idem.MerchantID, idem.Key)
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: keyOf(pk, sk), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, classify(err)
	}
	var rec idempotencyItem
	if out.Item == nil {
		// Deleted between the failed write and this read: a new race; let
		// the client retry with the same key.
		return nil, session.Errorf(session.ECONFLICT, session.ReasonIdempotencyPending, "Another request with this Idempotency-Key is in progress; retry.")
	}
	if err := attributevalue.UnmarshalMap(out.Item, &rec); err != nil {
		return nil, session.Internal(fmt.Errorf("decode idempotency record: %w", err))
	}
	if rec.RequestHash != idem.RequestHash {
		return nil, session.Errorf(session.ECONFLICT, session.ReasonIdempotencyReused, "This Idempotency-Key was used with a different request body.")
	}
	return &Replay{SessionID: rec.SessionID, Status: rec.Status, Body: rec.Body}, nil
}

// Update applies change to the session under optimistic concurrency: read,
// change (at the instant now), conditional write. The condition holds the
// version read and the time rules at the instant of the write itself, read
// from the clock again just before it is sent (an open session must not have
// expired, no session may be past its retention), so a write never
// overwrites a concurrent one and never resurrects an expired session, even
// when the decision was taken on a read that has since gone stale. A lost race re-runs change on the winner's state
// (returned by the failed write itself, no extra read), up to
// maxWriteAttempts. change returns changed=false to write nothing (an
// acknowledged duplicate event); Update then returns the session as it is.
func (s *Store) Update(ctx context.Context, id string, change func(v *session.Session, now time.Time) (changed bool, err error)) (*session.Session, error) {
	v, err := s.get(ctx, id)
	if err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		now := s.now()
		version := v.Version
		wasOpen := v.Status.Open()
		changed, err := change(v, now)
		if err != nil {
			return nil, err
		}
		if !changed {
			return v.At(now, s.policy)
		}
		v.Version = version + 1
		winner, err := s.put(ctx, v, version, wasOpen)
		if err == nil {
			return v, nil
		}
		if !errors.Is(err, errLostRace) {
			return nil, err
		}
		if attempt >= maxWriteAttempts {
			return nil, session.Errorf(session.ECONFLICT, session.ReasonConcurrentUpdate, "The session is being changed concurrently; retry.")
		}
		if winner == nil {
			return nil, session.NotFound()
		}
		v = winner
		if err := backoff(ctx, attempt); err != nil {
			return nil, err
		}
	}
}

var errLostRace = errors.New("store: conditional write lost")

// put writes v if the stored item still has version and, at the instant of
// the write, is within its retention and (if it was open) not expired. On a
// failed condition it returns errLostRace and the item as it is stored (nil
// if gone).
func (s *Store) put(ctx context.Context, v *session.Session, version int64, wasOpen bool) (*session.Session, error) {
	av, err := attributevalue.MarshalMap(s.toItem(v))
	if err != nil {
		return nil, session.Internal(fmt.Errorf("encode session: %w", err))
	}
	at := expression.Value(formatTime(s.now()))
	cond := expression.Name("version").Equal(expression.Value(version)).
		And(expression.Name("purgeAt").GreaterThan(at))
	if wasOpen {
		cond = cond.And(expression.Name(attrExpiresAt).GreaterThan(at))
	}
	expr, err := expression.NewBuilder().WithCondition(cond).Build()
	if err != nil {
		return nil, session.Internal(err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                           aws.String(s.table),
		Item:                                av,
		ConditionExpression:                 expr.Condition(),
		ExpressionAttributeNames:            expr.Names(),
		ExpressionAttributeValues:           expr.Values(),
		ReturnValuesOnConditionCheckFailure: ddb.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *ddb.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		if ccf.Item == nil {
			return nil, errLostRace
		}
		winner, derr := decodeSession(ccf.Item)
		if derr != nil {
			return nil, derr
		}
		return winner, errLostRace
	}
	if err != nil {
		return nil, classify(err)
	}
	return nil, nil
}

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

// backoff waits a random time that grows with attempt (full jitter), so
// writers that lost a race do not collide again in lockstep.
func backoff(ctx context.Context, attempt int) error {
	t := time.NewTimer(rand.N(time.Duration(attempt) * 20 * time.Millisecond))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return session.Unavailable(ctx.Err())
	case <-t.C:
		return nil
	}
}

// classify turns an SDK error into a coded one. A request DynamoDB refused
// as malformed is our bug (EINTERNAL); everything else that reaches here —
// throttling, server errors, timeouts, broken connections, after the SDK's
// own retries — is EUNAVAILABLE, answered 503 with Retry-After.
func classify(err error) error {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorFault() == smithy.FaultClient && !throttled(apiErr.ErrorCode()) {
		return session.Internal(err)
	}
	return session.Unavailable(err)
}

func throttled(code string) bool {
	switch code {
	case "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
		"TransactionInProgressException", "LimitExceededException":
		return true
	}
	return false
}
