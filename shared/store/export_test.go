package store

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/paysessions/paysessions/shared/session"
)

// Classify is classify, for the tests of package store_test.
var Classify = classify

// Update changes one session under optimistic concurrency (see Transact),
// for tests that need to decide the change themselves.
// change returns changed=false to write nothing (an acknowledged duplicate
// event); Update then returns the session as it is.
func (s *Store) Update(ctx context.Context, id string, change func(v *session.Session, now time.Time) (changed bool, err error)) (*session.Session, error) {
	var out *session.Session
	var now time.Time
	var changed bool
	err := s.Transact(ctx, func(t *Txn) error {
		v, err := t.Get(id)
		if err != nil {
			return err
		}
		now = t.Now()
		if changed, err = change(v, now); err != nil {
			return err
		}
		if changed {
			t.Put(v)
		}
		out = v
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !changed {
		return out.At(s.now(), s.policy) // a read: judged after the item was read, as in ApplyEvent
	}
	return out, nil
}

// Room is how many bytes v's item may still grow by before a processor's
// or merchant's write of it is refused SESSION_TOO_LARGE.
func (s *Store) Room(v *session.Session) (int, error) {
	av, err := s.Item(v)
	if err != nil {
		return 0, err
	}
	return maxItemBytes - (itemSize(av) + len(attrWriteID) + len("00000000-0000-0000-0000-000000000000") + recentWritesSize), nil
}

// ListClock makes the list measure its budget on clock and wait between
// BatchGetItems of unprocessed keys with wait (given the wait's ceiling),
// for tests that move a clock instead of sleeping.
func ListClock(clock func() time.Time, wait func(ctx context.Context, ceiling time.Duration) error) Option {
	return func(s *Store) { s.list.clock, s.list.wait = clock, wait }
}

// DecodeSession is decodeSession, for tests that read items as stored.
var DecodeSession = decodeSession

// ClosedBodyEnds is the DynamoDB client's wrapper of its HTTP client
// (closedBodyEnds), for the tests of package store_test.
func ClosedBodyEnds(c aws.HTTPClient) aws.HTTPClient { return closedBodyEnds{HTTPClient: c} }

// AttemptTimeout is attemptTimeout, for the tests of package store_test.
const AttemptTimeout = attemptTimeout

// DialTimeout and TLSHandshakeTimeout are dialTimeout and
// tlsHandshakeTimeout, for the tests of package store_test.
const (
	DialTimeout         = dialTimeout
	TLSHandshakeTimeout = tlsHandshakeTimeout
)

// HTTPClientOf is the HTTP client db's calls go through, under the store's
// own wrapper (closedBodyEnds), for tests that read its settings.
func HTTPClientOf(db *dynamodb.Client) aws.HTTPClient {
	hc := db.Options().HTTPClient
	if c, ok := hc.(closedBodyEnds); ok {
		return c.HTTPClient
	}
	return hc
}

// NoChangeRoom makes a store keep no room for changes still due
// (changeLimit), as the release before it did: for tests that need a
// session filled to the item limit by its own events, as such a release
// could leave one.
func NoChangeRoom() Option { return func(s *Store) { s.changeRoom = 0 } }
