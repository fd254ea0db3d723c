package store

import (
	"context"
	"encoding/base64"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/paysessions/paysessions/shared/session"
)

// ListQuery selects one merchant's sessions of one UTC day (document 004's
// list).
type ListQuery struct {
	MerchantID string
	Day        time.Time
	// Limit is the most sessions to list; 0 lists the whole day.
	Limit int
	// Cursor resumes after an earlier listing ("" from the day's start).
	Cursor string
}

// ListByDay calls yield with q.MerchantID's sessions created on q.Day (UTC),
// oldest first, as they are now; sessions past their retention never
// appear. It pages DynamoDB itself: without a limit it lists the whole day,
// however many index pages that takes. yield returns false to refuse a
// session (the caller's answer is full): the listing stops before it.
//
// It returns the cursor of the rest of the day — "" when nothing is left —
// so a refused session is the first of the rest, and a listing that stops
// at q.Limit returns a cursor only when another session exists. It reads
// the by-merchant-day index, never the table, and never Scans. The index is
// eventually consistent: a session created a moment ago may appear a moment
// later.
func (s *Store) ListByDay(ctx context.Context, q ListQuery, yield func(*session.Session) bool) (next string, err error) {
	partition := merchantDay(q.MerchantID, q.Day)
	after := ""
	if q.Cursor != "" {
		if after, err = decodeCursor(q.Cursor, q.Day); err != nil {
			return "", err
		}
	}
	now := s.now()
	key := expression.Key(attrMerchantDay).Equal(expression.Value(partition))
	if after != "" {
		key = key.And(expression.Key(attrCreatedKey).GreaterThan(expression.Value(after)))
	}
	expr, err := expression.NewBuilder().
		WithKeyCondition(key).
		WithFilter(expression.Name("purgeAt").GreaterThan(expression.Value(formatTime(now)))).
		Build()
	if err != nil {
		return "", session.Internal(err)
	}
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(IndexByMerchantDay),
		KeyConditionExpression:    expr.KeyCondition(),
		FilterExpression:          expr.Filter(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	}
	listed := 0
	for {
		if q.Limit > 0 {
			// One more than the page needs: it tells whether a next page exists.
			in.Limit = aws.Int32(int32(q.Limit - listed + 1))
		}
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return "", classify(err)
		}
		for _, av := range out.Items {
			v, err := decodeSession(av)
			if err != nil {
				return "", err
			}
			if v, err = v.At(now, s.policy); err != nil {
				continue // purged between the filter and now: not listed
			}
			if q.Limit > 0 && listed == q.Limit || !yield(v) {
				// v is the first of the rest.
				return encodeCursor(after), nil
			}
			after = createdKeyOf(v)
			listed++
		}
		if out.LastEvaluatedKey == nil {
			return "", nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

func createdKeyOf(v *session.Session) string { return createdKey(v.CreatedAt, v.ID) }

// The cursor is the sort key of the last session listed ("" for the day's
// start), base64url encoded. It only ever selects within the caller's own merchant and day
// (the partition comes from the request), and a cursor that is not one of
// ours, or is from another day, is refused.
func encodeCursor(key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("v1|" + key))
}

func decodeCursor(cursor string, day time.Time) (string, error) {
	bad := session.Invalid("cursor", "cursor is not a cursor of this list; use the Link header of the previous page.")
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return "", bad
	}
	key, ok := strings.CutPrefix(string(raw), "v1|")
	if !ok {
		return "", bad
	}
	if key == "" {
		return "", nil // the day's start: a listing refused its first session
	}
	ts, id, ok := strings.Cut(key, "#")
	if !ok || len(id) != 36 || len(ts) != len(timeLayout) {
		return "", bad
	}
	t, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil || t.UTC().Format(time.DateOnly) != day.UTC().Format(time.DateOnly) || formatTime(t) != ts {
		return "", bad
	}
	return key, nil
}
