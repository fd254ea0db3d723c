package store

import (
	"context"
	"encoding/base64"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/session"
)

// Page is one page of a merchant's sessions of a day.
type Page struct {
	Sessions []*session.Session
	// Next is the opaque cursor of the following page, "" on the last.
	Next string
}

// ListByDay returns merchantID's sessions created on day (UTC), oldest
// first, at most limit, starting after cursor ("" for the first page). It
// reads the by-merchant-day index, never the table, and never Scans. Sessions
// past their retention never appear, and pages stay full: it keeps reading
// while a page is short and more items exist. Without such sessions a full
// page costs one Query (it asks for limit+1 items to know whether a next page
// exists). The index is eventually consistent: a session created a moment
// ago may appear a moment later.
func (s *Store) ListByDay(ctx context.Context, merchantID string, day time.Time, limit int, cursor string) (*Page, error) {
	partition := merchantDay(merchantID, day)
	after := ""
	if cursor != "" {
		var err error
		if after, err = decodeCursor(cursor, day); err != nil {
			return nil, err
		}
	}
	now := s.now()
	page := &Page{}
	var startKey map[string]ddb.AttributeValue
	for {
		key := expression.Key(attrMerchantDay).Equal(expression.Value(partition))
		if after != "" {
			key = key.And(expression.Key(attrCreatedKey).GreaterThan(expression.Value(after)))
		}
		expr, err := expression.NewBuilder().
			WithKeyCondition(key).
			WithFilter(expression.Name("purgeAt").GreaterThan(expression.Value(formatTime(now)))).
			Build()
		if err != nil {
			return nil, session.Internal(err)
		}
		out, err := s.db.Query(ctx, &dynamodb.QueryInput{
			TableName:                 aws.String(s.table),
			IndexName:                 aws.String(IndexByMerchantDay),
			KeyConditionExpression:    expr.KeyCondition(),
			FilterExpression:          expr.Filter(),
			ExpressionAttributeNames:  expr.Names(),
			ExpressionAttributeValues: expr.Values(),
			ExclusiveStartKey:         startKey,
			Limit:                     aws.Int32(int32(limit - len(page.Sessions) + 1)),
		})
		if err != nil {
			return nil, classify(err)
		}
		for _, av := range out.Items {
			if len(page.Sessions) == limit {
				// One more exists beyond the page: it starts the next one.
				page.Next = encodeCursor(createdKeyOf(page.Sessions[limit-1]))
				return page, nil
			}
			v, err := decodeSession(av)
			if err != nil {
				return nil, err
			}
			if v, err = v.At(now, s.policy); err != nil {
				continue // purged between the filter and now: not shown
			}
			page.Sessions = append(page.Sessions, v)
		}
		if out.LastEvaluatedKey == nil {
			return page, nil
		}
		startKey = out.LastEvaluatedKey
	}
}

func createdKeyOf(v *session.Session) string { return createdKey(v.CreatedAt, v.ID) }

// The cursor is the sort key of the last session returned, base64url
// encoded. It only ever selects within the caller's own merchant and day
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
