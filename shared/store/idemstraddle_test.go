package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestIdempotencyKeyRacesAtItsExpiry: docs/design.md §2, "With an
// Idempotency-Key, a repeat of the same request (same JSON content)
// replays the first answer", §8, the record's "24 h expiry", and the
// store's "never [free] before IdempotencyTTL has passed".
// TestIdempotencyKeyRememberedFull24Hours tries the key's expiry one
// request at a time; here many repeats of one request (and a few of
// another body) are released together, by containers whose clocks are
// apart (within maxClockLead), at instants around the key's expiry: a
// plain create, and a child's create under a parent whose first child,
// made with the same key, has been canceled (so it may be replaced) while
// the parent is canceled at the same instant. Each round:
//   - at most one new session is stored for the key, whatever the answers;
//   - every answer naming a session names the first one or that new one,
//     and the first one only from a container whose clock is before the
//     key's expiry (a key once free by a clock is never the first answer
//     again by it);
//   - every refusal is a 409 the contract names (the key in use or reused,
//     the parent not open, a child already open), never a 5xx;
//   - the family is one the model allows: the parent links the newest
//     child, no child but that one is open, and none is open under a
//     closed parent.
func TestIdempotencyKeyRacesAtItsExpiry(t *testing.T) {
	ctx := context.Background()
	db := storetest.Client(t, store.ClientOptions{})
	table := storetest.NewTable(t, db)
	clock := storetest.NewClock(t0)
	offsets := []time.Duration{0, 450 * time.Millisecond, -450 * time.Millisecond, 900 * time.Millisecond}
	policy := session.Policy{Expiry: 48 * time.Hour, Retention: time.Hour, WriteGuard: 30 * time.Second}
	stores := containerStores(db, table, policy, clock, offsets)
	allowed := map[string]bool{
		session.ReasonIdempotencyPending: true, session.ReasonIdempotencyReused: true,
		session.ReasonParentNotOpen: true, session.ReasonChildExists: true,
	}
	firstUse := []time.Duration{0, 700 * time.Millisecond}
	around := []time.Duration{-time.Second, -500 * time.Millisecond, -100 * time.Nanosecond, 0, 100 * time.Nanosecond, 450 * time.Millisecond}
	const repeats = 3 // per container
	round := 0
	for _, first := range firstUse {
		for _, at := range around {
			for _, child := range []bool{false, true} {
				round++
				name := fmt.Sprintf("first at +%v, the race at expiry%+v, child %v", first, at, child)
				merchant := fmt.Sprintf("m-%d", round)
				key := "order-" + merchant
				clock.Set(t0.Add(first))
				var parent string
				if child {
					p := newSession(merchant, "", clock.Now(), policy)
					if _, _, err := stores[0].Create(ctx, p, nil, 201, nil); err != nil {
						t.Fatal(err)
					}
					parent = p.ID
				}
				create := func(st *store.Store, body string) (string, bool, error) {
					v := newSession(merchant, parent, clock.Now(), policy)
					idem := &store.Idempotency{MerchantID: merchant, Key: key, RequestHash: store.HashRequest([]byte(body))}
					_, r, err := st.Create(ctx, v, idem, 201, idBody)
					if err != nil {
						return "", false, err
					}
					if r != nil {
						return r.SessionID, true, nil
					}
					return v.ID, false, nil
				}
				firstID, replayed, err := create(stores[0], "body")
				if err != nil || replayed {
					t.Fatalf("%s: first Create() = %s, %v, %v; want a new session", name, firstID, replayed, err)
				}
				if child {
					if _, err := stores[0].Cancel(ctx, merchant, firstID, ""); err != nil {
						t.Fatalf("%s: cancel of the first child: %v", name, err)
					}
				}
				expiry := time.Unix(store.IdempotencyExpiry(t0.Add(first)), 0).UTC()
				clock.Set(expiry.Add(at))

				type answer struct {
					container int
					id        string
					body      string
					err       error
				}
				var mu sync.Mutex
				var answers []answer
				release := make(chan struct{})
				var wg sync.WaitGroup
				for c := range stores {
					for i := range repeats + 1 {
						body := "body"
						if i == repeats {
							body = "other"
						}
						wg.Go(func() {
							<-release
							id, _, err := create(stores[c], body)
							mu.Lock()
							answers = append(answers, answer{c, id, body, err})
							mu.Unlock()
						})
					}
				}
				if child {
					wg.Go(func() {
						<-release
						if _, err := stores[1].Cancel(ctx, merchant, parent, ""); err != nil {
							t.Errorf("%s: parent cancel: %v", name, err)
						}
					})
				}
				close(release)
				wg.Wait()

				stored := sessionsOf(t, db, table, merchant)
				var news []string
				for _, id := range stored {
					if id != firstID && id != parent {
						news = append(news, id)
					}
				}
				if len(news) > 1 {
					t.Errorf("%s: %d new sessions stored for one key (%v); want at most 1", name, len(news), news)
				}
				for _, a := range answers {
					freeByIts := !clock.Now().Add(offsets[a.container]).Before(expiry)
					switch {
					case a.err != nil:
						if session.ErrorCode(a.err) != session.ECONFLICT || !allowed[session.ErrorReason(a.err)] {
							t.Errorf("%s: container %d (%s) = %v (%s); want a 409 the contract names", name, a.container, a.body, a.err, session.ErrorReason(a.err))
						}
					case a.id == firstID:
						if freeByIts || a.body != "body" {
							t.Errorf("%s: container %d (%s, key free by its clock %v) replayed the first session", name, a.container, a.body, freeByIts)
						}
					case len(news) == 1 && a.id == news[0]:
					default:
						t.Errorf("%s: container %d (%s) answered session %s; stored: first %s, new %v", name, a.container, a.body, a.id, firstID, news)
					}
				}
				if child {
					p := rawSession(t, db, table, parent)
					for _, id := range append([]string{firstID}, news...) {
						c := rawSession(t, db, table, id)
						if c.Status.Open() && (!p.Status.Open() || p.ChildSessionID != id) {
							t.Errorf("%s: child %s open (%s) under parent %s linking %s", name, id, c.Status, p.Status, p.ChildSessionID)
						}
					}
					if len(news) == 1 && p.ChildSessionID != news[0] {
						t.Errorf("%s: parent links %s; want the new child %s", name, p.ChildSessionID, news[0])
					}
				}
			}
		}
	}
}

// sessionsOf lists the ids of merchant's sessions stored in table (a Scan:
// the test's own small table).
func sessionsOf(t *testing.T, db *dynamodb.Client, table, merchant string) []string {
	t.Helper()
	var ids []string
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range out.Items {
			pk, _ := it["pk"].(*ddb.AttributeValueMemberS)
			m, _ := it["merchantId"].(*ddb.AttributeValueMemberS)
			if pk != nil && m != nil && m.Value == merchant && strings.HasPrefix(pk.Value, "SESSION#") {
				ids = append(ids, strings.TrimPrefix(pk.Value, "SESSION#"))
			}
		}
	}
	return ids
}
