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
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/paysessions/paysessions/shared/session"
)

// maxWriteAttempts bounds the read-modify-write loop of Transact: after
// this many lost races the caller gets 409 CONCURRENT_UPDATE.
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
}

// New returns a store on table. now is the clock: the time rules of reads
// and the time conditions of writes use it. shards is EXPIRY_SHARDS.
func New(db *dynamodb.Client, table string, policy session.Policy, shards int, now func() time.Time, opts ...Option) *Store {
	if shards < 1 {
		shards = 1
	}
	s := &Store{db: db, table: table, policy: policy, shards: shards, now: now, list: defaultListOptions}
	for _, o := range opts {
		o(s)
	}
	return s
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

// classify turns an SDK error into a coded one, by DynamoDB's answer after
// the SDK's retries: a 4xx other than throttling means DynamoDB refused the
// request as malformed — our bug, EINTERNAL (500); everything else —
// throttling, 5xx, timeouts, broken connections, no answer at all — is
// EUNAVAILABLE, answered 503 with Retry-After.
func classify(err error) error {
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() >= 400 && re.HTTPStatusCode() < 500 {
		var apiErr smithy.APIError
		if errors.As(err, &apiErr) && throttled(apiErr.ErrorCode()) {
			return session.Unavailable(err)
		}
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
