package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/session"
)

// APIKey is a stored API key. The secret itself is never stored: only its
// SHA-256 digest.
type APIKey struct {
	ID         string    `dynamodbav:"keyId"`
	MerchantID string    `dynamodbav:"merchantId"`
	Scopes     []string  `dynamodbav:"scopes"`
	SecretHash []byte    `dynamodbav:"secretHash"`
	CreatedAt  time.Time `dynamodbav:"createdAt"`
	CreatedBy  string    `dynamodbav:"createdBy,omitempty"`
	// ExpiresAt, when set, is the instant the key stops working: the
	// authenticator refuses it from then on (like a revoked key), and TTL
	// deletes the record a day later.
	ExpiresAt *time.Time `dynamodbav:"expiresAt,omitempty"`
	// RevokedAt is set when the key is revoked; the record is then deleted
	// by TTL a day later.
	RevokedAt *time.Time `dynamodbav:"revokedAt,omitempty"`
}

// MaxAPIKeyLifetime is the longest a key may live: its expiresAt is at
// most this long after its createdAt (auth.ParseAPIKeyExpiry refuses a
// later one), so a stored key whose expiresAt is later is one the service
// did not write.
const MaxAPIKeyLifetime = 365 * 24 * time.Hour

// APIKeyScopesWritten are the scopes a key's record may hold: those POST
// /api-keys has granted in every release since the first (e5656bf,
// 2026-11-23: sessions:read and sessions:write, at least one, each once,
// in the order first given). A record holding another, one twice, or
// none is one the service did not write (Store.APIKey). Keys live
// up to MaxAPIKeyLifetime, and those made before 071024c (2026-11-29)
// without an expiresAt for ever, so a scope create stops granting stays
// here (README, Decisions: a read refuses only what no release wrote),
// and one create starts granting is added here first, in a release of
// its own, so that instances still running the one before read it too.
var APIKeyScopesWritten = []string{"sessions:read", "sessions:write"}

// revokedKeyKept is how long a revoked (or expired) key's record stays
// before TTL deletes it.
const revokedKeyKept = 24 * time.Hour

// apiKeyItem is an API key as stored. Its times are fixed-width UTC
// strings at 100 ns (timeLayout), as every time in the table is
// (docs/design.md §8), so string order is time order; a record written
// before 8f7f748 (2026-12-01) in time.Time's own text reads the same
// (keyTime).
type apiKeyItem struct {
	PK         string   `dynamodbav:"pk"`
	SK         string   `dynamodbav:"sk"`
	TTL        int64    `dynamodbav:"ttl,omitempty"`
	ID         string   `dynamodbav:"keyId"`
	MerchantID string   `dynamodbav:"merchantId"`
	Scopes     []string `dynamodbav:"scopes"`
	SecretHash []byte   `dynamodbav:"secretHash"`
	CreatedAt  string   `dynamodbav:"createdAt"`
	CreatedBy  string   `dynamodbav:"createdBy,omitempty"`
	ExpiresAt  string   `dynamodbav:"expiresAt,omitempty"`
	RevokedAt  string   `dynamodbav:"revokedAt,omitempty"`
}

func newAPIKeyItem(k *APIKey) apiKeyItem {
	pk, sk := apiKeyKey(k.ID)
	it := apiKeyItem{
		PK: pk, SK: sk, ID: k.ID, MerchantID: k.MerchantID, Scopes: k.Scopes, SecretHash: k.SecretHash,
		CreatedAt: formatTime(k.CreatedAt), CreatedBy: k.CreatedBy,
	}
	if k.ExpiresAt != nil {
		it.ExpiresAt = formatTime(*k.ExpiresAt)
		it.TTL = epochCeil(k.ExpiresAt.Add(revokedKeyKept))
	}
	if k.RevokedAt != nil {
		it.RevokedAt = formatTime(*k.RevokedAt)
	}
	return it
}

// apiKey is the key it holds.
func (it *apiKeyItem) apiKey() (*APIKey, error) {
	k := &APIKey{ID: it.ID, MerchantID: it.MerchantID, Scopes: it.Scopes, SecretHash: it.SecretHash, CreatedBy: it.CreatedBy}
	var err error
	// Its errors name the attribute, never its text (storedTime): the
	// text of an item the service did not write is logged otherwise.
	if k.CreatedAt, err = keyTime("createdAt", it.CreatedAt, false); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name, s string
		to      **time.Time
		zoned   bool
	}{{"expiresAt", it.ExpiresAt, &k.ExpiresAt, false}, {"revokedAt", it.RevokedAt, &k.RevokedAt, true}} {
		if f.s == "" {
			continue
		}
		t, err := keyTime(f.name, f.s, f.zoned)
		if err != nil {
			return nil, err
		}
		*f.to = &t
	}
	// The service writes an expiresAt after createdAt and at most
	// MaxAPIKeyLifetime later, judged against the record's own createdAt,
	// so no clock's skew makes a real key foreign: one past it was
	// remembered beyond what any create allows.
	if k.ExpiresAt != nil && (!k.ExpiresAt.After(k.CreatedAt) || k.ExpiresAt.Sub(k.CreatedAt) > MaxAPIKeyLifetime) {
		return nil, errors.New("its expiresAt is not within a key's lifetime of its createdAt")
	}
	return k, nil
}

// keyScopes checks a key record's scopes are as a release wrote them
// (APIKeyScopesWritten): at least one, each a scope a key was made with,
// none twice. Its error names how many there are, never their text: a
// record the service did not write can hold a card number or a
// credential there (r107-seeds24: ["sessions:read", "apikeys:write",
// "4111111111111111", "a b"] was read as a key).
func keyScopes(scopes []string) error {
	for i, s := range scopes {
		if !slices.Contains(APIKeyScopesWritten, s) || slices.Contains(scopes[:i], s) {
			return fmt.Errorf("its scopes (%d) are not scopes a key is made with", len(scopes))
		}
	}
	if len(scopes) == 0 {
		return errors.New("it has no scopes")
	}
	return nil
}

// keyTime reads a key record's time name, text s: in the store's form
// (storedTime), or in the one other form a release wrote (keys live up to
// a year): before 8f7f748 a record held time.Time's own text
// (attributevalue's RFC 3339 with the fraction's trailing zeros dropped,
// none for a whole second). Its createdAt and expiresAt were UTC at
// 100 ns, so "Z" and at most seven digits; its revokedAt was the clock's
// reading, to the nanosecond in the process's zone, so any offset the
// text round-trips (a local server's "+01:00") and up to nine digits.
// Only that exact text is read: "+00:00", ".500Z" or a decimal comma,
// which time.Format never writes, are as foreign as any other text.
func keyTime(name, s string, zoned bool) (time.Time, error) {
	t, err := storedTime(name, s)
	if err == nil {
		return t, nil
	}
	old, perr := time.Parse(time.RFC3339Nano, s)
	if perr != nil || old.IsZero() || old.Format(time.RFC3339Nano) != s ||
		!zoned && (old.Location() != time.UTC || old.Nanosecond()%100 != 0) {
		return time.Time{}, err
	}
	return old.UTC(), nil
}

func apiKeyKey(id string) (pk, sk string) { return "APIKEY#" + id, "APIKEY" }

// errAPIKeyNotFound is what APIKey and DeleteAPIKey answer for an unknown
// key (or another merchant's).
func errAPIKeyNotFound() error {
	return session.Errorf(session.ENOTFOUND, session.ReasonNotFound, "API key not found.")
}

// CreateAPIKey stores k; its id must be new. The write call is bounded by
// WriteTimeout, as a session's (docs/design.md §8): cut off, its outcome
// is unknown (503).
func (s *Store) CreateAPIKey(ctx context.Context, k *APIKey) error {
	ctx, cancel := s.writeContext(ctx)
	defer cancel()
	av, err := attributevalue.MarshalMap(newAPIKeyItem(k))
	if err != nil {
		return session.Internal(fmt.Errorf("encode API key: %w", err))
	}
	expr, err := expression.NewBuilder().WithCondition(expression.AttributeNotExists(expression.Name(attrPK))).Build()
	if err != nil {
		return session.Internal(err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table), Item: av,
		ConditionExpression: expr.Condition(), ExpressionAttributeNames: expr.Names(),
		ReturnValuesOnConditionCheckFailure: ddb.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *ddb.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		// The id is taken: by this very key if the SDK retried a write
		// whose answer was lost, else by a (vanishingly unlikely) clash.
		var stored apiKeyItem
		if attributevalue.UnmarshalMap(ccf.Item, &stored) == nil && bytes.Equal(stored.SecretHash, k.SecretHash) {
			return nil
		}
		return session.Internal(fmt.Errorf("API key id %s already exists", k.ID))
	}
	if err != nil {
		return classifyKeyWrite(err)
	}
	return nil
}

// APIKey reads a key by id with a consistent read, so a revocation is seen
// at once by the next uncached lookup. A revoked key is ENOTFOUND; an
// expired one is returned as it is (its ExpiresAt says so), since callers
// judge expiry against their own clock on every use. A record it cannot
// take as a key is EINTERNAL, an UndecodedAPIKeyError when its secretHash
// can still be read, unless the record tells that the key is revoked or
// has expired (keyGoneAt): that key is ENOTFOUND, however the rest reads.
func (s *Store) APIKey(ctx context.Context, id string) (*APIKey, error) {
	pk, sk := apiKeyKey(id)
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: keyOf(pk, sk), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, classify(err)
	}
	if out.Item == nil {
		return nil, errAPIKeyNotFound()
	}
	undecoded := undecodedKey(out.Item)
	if gone := keyGoneAt(out.Item, s.now()); gone {
		// Judged by its end before the rest of it, as a session's item
		// is (decodeRead): a key revoked or expired grants nothing,
		// whatever else its record holds.
		undecoded = func(error) error { return errAPIKeyNotFound() }
	}
	if err := merchantNotString(out.Item); err != nil {
		return nil, undecoded(fmt.Errorf("decode API key: %w", err))
	}
	// The SDK's decoder reads a NULL revokedAt as none: a revoked key
	// was answered as live.
	if name := foreignType(out.Item, apiKeyItemTypes()); name != "" {
		return nil, undecoded(fmt.Errorf("decode API key: its %s is not of the type the store writes it with", name))
	}
	if name := emptyKeyTime(out.Item); name != "" {
		return nil, undecoded(fmt.Errorf("decode API key: its %s is empty, not a time", name))
	}
	var it apiKeyItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return nil, undecoded(undecodedItem("decode API key", err))
	}
	k, err := it.apiKey()
	if err != nil {
		return nil, undecoded(fmt.Errorf("decode API key: %w", err))
	}
	if k.ID != id {
		// The store writes the key id and the item's key from one id
		// (apiKeyKey): another is its own data written badly.
		return nil, undecoded(fmt.Errorf("decode API key: the item of key %s holds another id (%d bytes)", loggedID(id), len(k.ID)))
	}
	if k.RevokedAt != nil {
		return nil, errAPIKeyNotFound()
	}
	// Its scopes are judged once it is known live: a revoked key grants
	// nothing whatever they hold, and is gone (401) as any revoked key is,
	// from its merchant's DELETE on (which does not read them).
	if err := keyScopes(k.Scopes); err != nil {
		return nil, undecoded(fmt.Errorf("decode API key: %w", err))
	}
	return k, nil
}

// keyGoneAt reports whether a key's record tells, at now, that the key
// grants nothing: it is revoked (a revokedAt) or expired (an expiresAt at
// or before now), judged by only the attributes that say so, each read as
// apiKey reads it (keyTime), so that a record the service did not write is
// judged by its end before the rest of it, as a session's item is
// (decodeRead, goneAt). A revoked or expired key whose record is damaged
// elsewhere was 500 to the holder of its secret (UndecodedAPIKeyError) for
// as long as TTL kept it, where the same key undamaged is 401
// (r109-seeds24). An expiry counts only within a key's lifetime of a
// createdAt that reads, as apiKey holds it: a revokedAt or expiresAt
// that does not read, or one out of that bound, tells nothing, and the
// record stays EINTERNAL.
func keyGoneAt(item map[string]ddb.AttributeValue, now time.Time) bool {
	at := func(name string, zoned bool) (time.Time, bool) {
		// "" is no time (emptyKeyTime): it tells no end.
		s, ok := item[name].(*ddb.AttributeValueMemberS)
		if !ok || s.Value == "" {
			return time.Time{}, false
		}
		t, err := keyTime(name, s.Value, zoned)
		return t, err == nil
	}
	if _, ok := at("revokedAt", true); ok {
		return true
	}
	created, ok := at("createdAt", false)
	if !ok {
		return false
	}
	expires, ok := at("expiresAt", false)
	return ok && expires.After(created) && expires.Sub(created) <= MaxAPIKeyLifetime && !now.Before(expires)
}

// emptyKeyTime names the time of a key's record held as "", or is "". No
// release wrote one (newAPIKeyItem leaves an unset expiresAt or revokedAt
// out, and a release before 8f7f748 did too), yet the decoder reads it as
// no time: a revokedAt of "" was a live key whose merchant could not
// revoke it (DeleteAPIKey takes any revokedAt for a revocation, 404), and
// a createdAt of "" a key made at the zero time (r109-review).
func emptyKeyTime(item map[string]ddb.AttributeValue) string {
	for _, name := range []string{"createdAt", "expiresAt", "revokedAt"} {
		if s, ok := item[name].(*ddb.AttributeValueMemberS); ok && s.Value == "" {
			return name
		}
	}
	return ""
}

// UndecodedAPIKeyError is APIKey's error (EINTERNAL, 500) for a record
// the store cannot take as a key, one the service did not write, whose
// secretHash it can still read: the SHA-256 of the key's secret, as
// CreateAPIKey stores it. Only a caller that proves that secret may learn
// the record is damaged: auth compares the secret first, and any other
// caller is 401 as for an unknown key (r108-authz: a wrong secret was 500,
// telling whoever named the id that it exists). A record whose secretHash
// is itself damaged proves nobody, and is a plain EINTERNAL for every
// caller.
type UndecodedAPIKeyError struct {
	SecretHash []byte
	Err        error
}

// Error is the store's error's text: the record's secretHash is never in it.
func (e *UndecodedAPIKeyError) Error() string { return e.Err.Error() }

// Unwrap is the store's error, EINTERNAL.
func (e *UndecodedAPIKeyError) Unwrap() error { return e.Err }

// undecodedKey returns how APIKey refuses item: session.Internal, carrying
// the item's secretHash (UndecodedAPIKeyError) when that is the bytes of a
// SHA-256.
func undecodedKey(item map[string]ddb.AttributeValue) func(error) error {
	h, ok := item["secretHash"].(*ddb.AttributeValueMemberB)
	return func(err error) error {
		if !ok || len(h.Value) != sha256.Size {
			return session.Internal(err)
		}
		return &UndecodedAPIKeyError{SecretHash: slices.Clone(h.Value), Err: session.Internal(err)}
	}
}

// DeleteAPIKey revokes merchantID's key id: one conditional UpdateItem
// marks it revoked (TTL deletes the record a day later). Another merchant's
// key and an unknown one are ENOTFOUND. A revocation DynamoDB applied but
// whose answer was lost, then retried by the SDK, is recognised by its
// writeId and succeeds; so does revoking again a key of merchantID's that
// is already revoked, changing nothing (DELETE is idempotent: a client
// whose revocation came back 503 learns on retry that the key is revoked,
// and a 404 always means no such key of its own, one that may still be
// live). The write call is bounded by WriteTimeout, as a session's.
func (s *Store) DeleteAPIKey(ctx context.Context, merchantID, id string) error {
	ctx, cancel := s.writeContext(ctx)
	defer cancel()
	pk, sk := apiKeyKey(id)
	now := s.now()
	writeID := uuid.NewString()
	update := expression.Set(expression.Name("revokedAt"), expression.Value(formatTime(now))).
		Set(expression.Name(attrWriteID), expression.Value(writeID)).
		Set(expression.Name(attrTTL), expression.Value(epochCeil(now.Add(revokedKeyKept))))
	cond := expression.Name("merchantId").Equal(expression.Value(merchantID)).
		And(expression.AttributeNotExists(expression.Name("revokedAt")))
	expr, err := expression.NewBuilder().WithUpdate(update).WithCondition(cond).Build()
	if err != nil {
		return session.Internal(err)
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: keyOf(pk, sk),
		UpdateExpression: expr.Update(), ConditionExpression: expr.Condition(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
		ReturnValuesOnConditionCheckFailure: ddb.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *ddb.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		if ownWrite(ccf.Item, writeID) {
			return nil
		}
		var stored apiKeyItem
		if ccf.Item != nil && attributevalue.UnmarshalMap(ccf.Item, &stored) == nil &&
			stored.MerchantID == merchantID && stored.RevokedAt != "" {
			return nil // revoked already
		}
		return errAPIKeyNotFound()
	}
	if err != nil {
		return classifyKeyWrite(err)
	}
	return nil
}

// classifyKeyWrite is classify for the write of an API key's item, which
// no transaction ever holds: DynamoDB answers TransactionConflictException
// only for an item a running transaction holds, so that answer to a key's
// PutItem or UpdateItem is not DynamoDB's, as an error the operation
// cannot return is not (refuseForeignAnswers): EUNAVAILABLE (503, retry),
// never the lost race classify makes of it for a session's write (409
// CONCURRENT_UPDATE, which createApiKey and revokeApiKey do not answer).
func classifyKeyWrite(err error) error {
	if transactionConflict(err) {
		return session.Unavailable(err)
	}
	return classify(err)
}
