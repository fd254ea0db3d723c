// Package store_test tests the store against DynamoDB Local, a fresh table
// per test, with faults injected into its HTTP client where a test needs
// DynamoDB's rarer answers.
package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// The parallel tests mostly wait (hung calls, back-offs, real deadlines),
// each on its own table: eight at a time.
func TestMain(m *testing.M) {
	storetest.WaitingAtOnce(8)
	os.Exit(storetest.Main(m))
}

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

type fixture struct {
	db    *dynamodb.Client
	table string
	clock *storetest.Clock
	st    *store.Store
	// lastID is a session a test's hook writes to (set before arming it).
	lastID string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureWith(t, store.ClientOptions{})
}

// newFixtureWith builds the fixture's store with client options of its own
// (an intercepting transport, a call counter). The table is made, and
// f.db reads it, through a plain client.
func newFixtureWith(t *testing.T, o store.ClientOptions) *fixture {
	t.Helper()
	db := storetest.Client(t, store.ClientOptions{})
	table := storetest.NewTable(t, db)
	clock := storetest.NewClock(t0)
	return &fixture{db: db, table: table, clock: clock, st: store.New(storetest.Client(t, o), table, session.DefaultPolicy, 16, clock.Now)}
}

// clean is a store on the fixture's table and clock through a client that
// nothing intercepts: what another instance sees.
func (f *fixture) clean() *store.Store {
	return store.New(f.db, f.table, session.DefaultPolicy, 16, f.clock.Now)
}

func amount(v int64) *int64 { return &v }

func (f *fixture) create(t *testing.T, merchant string) *session.Session {
	t.Helper()
	d := &session.Draft{
		Amount: amount(8800), Currency: "ZAR", OrderID: "order-1", PaymentMethod: "Card",
		Provider: json.RawMessage(`{"checkoutSessionId":"cs_test_a1b2c3d4","checkoutUrl":"https://checkout.stripe.com/c/pay/cs_test_a1b2c3d4"}`), Hosted: true,
		ReturnURL: "https://example.com/return", CancelURL: "https://example.com/cart", Metadata: map[string]string{"source": "mobile_app"},
		CardCategories: []string{"CREDIT"}, Appearance: json.RawMessage(`{"theme":"dark"}`),
	}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	v := session.New(d, merchant, uuid.NewString(), "hcp-"+uuid.NewString(), f.clock.Now(), session.DefaultPolicy)
	if _, _, err := f.st.Create(context.Background(), v, nil, 0, nil); err != nil {
		t.Fatalf("Create() = %v", err)
	}
	return v
}

// raw reads the stored item as DynamoDB has it.
func (f *fixture) raw(t *testing.T, id string) map[string]ddb.AttributeValue {
	t.Helper()
	return f.rawItem(t, "SESSION#"+id, "SESSION")
}

// rawKey reads API key id's stored record as DynamoDB has it.
func (f *fixture) rawKey(t *testing.T, id string) map[string]ddb.AttributeValue {
	t.Helper()
	return f.rawItem(t, "APIKEY#"+id, "APIKEY")
}

// rawItem reads the stored item of key pk, sk with a consistent read.
func (f *fixture) rawItem(t *testing.T, pk, sk string) map[string]ddb.AttributeValue {
	t.Helper()
	out, err := f.db.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(f.table), ConsistentRead: aws.Bool(true),
		Key: map[string]ddb.AttributeValue{
			"pk": &ddb.AttributeValueMemberS{Value: pk},
			"sk": &ddb.AttributeValueMemberS{Value: sk},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Item
}

func numberAttr(t *testing.T, item map[string]ddb.AttributeValue, name string) int64 {
	t.Helper()
	var n int64
	if err := attributevalue.Unmarshal(item[name], &n); err != nil {
		t.Fatalf("attribute %s: %v", name, err)
	}
	return n
}

func TestCreateGetRoundTrip(t *testing.T) {
	f := newFixture(t)
	want := f.create(t, "m-1")
	got, err := f.st.Get(context.Background(), want.ID)
	if err != nil {
		t.Fatalf("Get() = %v", err)
	}
	want.Version = 1
	// An open session read back carries the end of retention its item was
	// written with (session.PurgeAt never goes past it).
	want.PurgeBy = session.Normalize(want.ExpiresAt.Add(session.DefaultPolicy.Retention))
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Get() = %+v;\nwant %+v", got, want)
	}
	if _, err := f.st.Get(context.Background(), uuid.NewString()); session.ErrorCode(err) != session.ENOTFOUND {
		t.Errorf("Get(unknown) = %v; want %s", err, session.ENOTFOUND)
	}
}

func TestTTLAndIndexAttributes(t *testing.T) {
	f := newFixture(t)
	v := f.create(t, "m-1")
	item := f.raw(t, v.ID)
	if got, want := numberAttr(t, item, "ttl"), t0.Add(45*time.Minute).Unix(); got != want {
		t.Errorf("open ttl = %d; want %d (expiresAt + retention)", got, want)
	}
	if _, ok := item["expiryShard"]; !ok {
		t.Errorf("open session has no expiryShard; want it in the expiry index")
	}
	if got, _ := item["merchantDayShard"].(*ddb.AttributeValueMemberS); got == nil || !strings.HasPrefix(got.Value, "m-1#2026-11-23#") {
		t.Errorf("merchantDayShard = %v; want m-1#2026-11-23#<shard>", got)
	}

	f.clock.Advance(10 * time.Minute)
	closedAt := f.clock.Now()
	if _, err := f.st.Update(context.Background(), v.ID, func(s *session.Session, now time.Time) (bool, error) {
		return s.Apply(&session.Event{Status: session.Authorised}, now, session.DefaultPolicy)
	}); err != nil {
		t.Fatalf("Update() = %v", err)
	}
	item = f.raw(t, v.ID)
	if got, want := numberAttr(t, item, "ttl"), closedAt.Add(15*time.Minute).Unix(); got != want {
		t.Errorf("closed ttl = %d; want %d (closedAt + retention)", got, want)
	}
	if _, ok := item["expiryShard"]; ok {
		t.Errorf("closed session still has expiryShard; want it out of the expiry index")
	}
	if got := numberAttr(t, item, "version"); got != 2 {
		t.Errorf("version = %d; want 2", got)
	}
}

func TestExpiryOnReadAndWrite(t *testing.T) {
	f := newFixture(t)
	v := f.create(t, "m-1")
	f.clock.Set(v.ExpiresAt)
	got, err := f.st.Get(context.Background(), v.ID)
	if err != nil || got.Status != session.Expired || !got.ClosedAt.Equal(v.ExpiresAt) {
		t.Fatalf("Get() at expiresAt = %v, %v; want EXPIRED closed at %v", got, err, v.ExpiresAt)
	}
	_, err = f.st.Update(context.Background(), v.ID, func(s *session.Session, now time.Time) (bool, error) {
		return s.Apply(&session.Event{Status: session.Authorised}, now, session.DefaultPolicy)
	})
	if session.ErrorCode(err) != session.ECONFLICT || session.ErrorReason(err) != session.ReasonSessionExpired {
		t.Errorf("Update() after expiry = %v; want %s %s", err, session.ECONFLICT, session.ReasonSessionExpired)
	}
	if item := f.raw(t, v.ID); item["status"].(*ddb.AttributeValueMemberS).Value != "CREATED" {
		t.Errorf("stored status changed by a refused write")
	}
}

// TestWriteConditionRefusesExpiredSession proves the condition itself refuses
// a write to a session in its guard band, even when the change was decided on
// a read taken before it: the clock enters the band (expiresAt - WRITE_GUARD)
// between the decision and the write, so only the condition can catch it.
func TestWriteConditionRefusesExpiredSession(t *testing.T) {
	f := newFixture(t)
	v := f.create(t, "m-1")
	band := v.ExpiresAt.Add(-session.DefaultWriteGuard)
	f.clock.Set(band.Add(-time.Second))
	calls := 0
	_, err := f.st.Update(context.Background(), v.ID, func(s *session.Session, now time.Time) (bool, error) {
		calls++
		if calls == 1 {
			// Decide as if it were still before the band, then let time
			// pass before the store writes.
			ok, err := s.Apply(&session.Event{Status: session.Authorised}, now, session.DefaultPolicy)
			f.clock.Set(band)
			return ok, err
		}
		return s.Apply(&session.Event{Status: session.Authorised}, now, session.DefaultPolicy)
	})
	if session.ErrorReason(err) != session.ReasonSessionExpired {
		t.Fatalf("Update() = %v; want %s", err, session.ReasonSessionExpired)
	}
	if calls != 2 {
		t.Errorf("change ran %d times; want 2 (refused write, then re-decided)", calls)
	}
	if item := f.raw(t, v.ID); numberAttr(t, item, "version") != 1 {
		t.Errorf("version = %d; want 1 (nothing written)", numberAttr(t, item, "version"))
	}
}

func TestRetentionCutOffWithItemStillPresent(t *testing.T) {
	f := newFixture(t)
	v := f.create(t, "m-1")
	if _, err := f.st.Update(context.Background(), v.ID, func(s *session.Session, now time.Time) (bool, error) {
		return s.Apply(&session.Event{Status: session.Settled}, now, session.DefaultPolicy)
	}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(15*time.Minute - time.Millisecond)
	if _, err := f.st.Get(context.Background(), v.ID); err != nil {
		t.Fatalf("Get() just before retainUntil = %v; want found", err)
	}
	f.clock.Advance(time.Millisecond)
	// The item is still in the table (DynamoDB Local never runs TTL), its ttl
	// is now in the past, and it must not be found.
	item := f.raw(t, v.ID)
	if item == nil || numberAttr(t, item, "ttl") > f.clock.Now().Unix() {
		t.Fatalf("stored ttl: got %v; want the item present with its ttl in the past (before %d)", item["ttl"], f.clock.Now().Unix())
	}
	if _, err := f.st.Get(context.Background(), v.ID); session.ErrorCode(err) != session.ENOTFOUND {
		t.Errorf("Get() at retainUntil = %v; want %s", err, session.ENOTFOUND)
	}
	_, err := f.st.Update(context.Background(), v.ID, func(s *session.Session, now time.Time) (bool, error) {
		return s.Apply(&session.Event{Status: session.FraudCancellationRequested}, now, session.DefaultPolicy)
	})
	if session.ErrorCode(err) != session.ENOTFOUND {
		t.Errorf("Update() at retainUntil = %v; want %s", err, session.ENOTFOUND)
	}
	// An untouched open session is gone at expiresAt + retention.
	w := f.create(t, "m-1")
	f.clock.Set(w.ExpiresAt.Add(15 * time.Minute))
	if _, err := f.st.Get(context.Background(), w.ID); session.ErrorCode(err) != session.ENOTFOUND {
		t.Errorf("Get() of an untouched session at expiresAt+retention = %v; want %s", err, session.ENOTFOUND)
	}
}

// TestConcurrentUpdatesNeverLoseAWrite races writers on one session: every
// accepted event is in the history exactly once and version counts them.
func TestConcurrentUpdatesNeverLoseAWrite(t *testing.T) {
	f := newFixture(t)
	v := f.create(t, "m-1")
	const writers = 12
	var wg sync.WaitGroup
	var mu sync.Mutex
	accepted, conflicts := 0, 0
	for i := 0; i < writers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, err := f.st.Update(context.Background(), v.ID, func(s *session.Session, now time.Time) (bool, error) {
				return s.Apply(&session.Event{Status: session.Processing, EventID: session.EventID("e" + string(rune('a'+i)))}, now, session.DefaultPolicy)
			})
			mu.Lock()
			defer mu.Unlock()
			switch session.ErrorReason(err) {
			case session.ReasonInternal:
				if err == nil {
					accepted++
					return
				}
				t.Errorf("Update() = %v", err)
			case session.ReasonConcurrentUpdate:
				conflicts++
			default:
				t.Errorf("Update() = %v", err)
			}
		}(i)
	}
	wg.Wait()
	got, err := f.st.Get(context.Background(), v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.History) != 1+accepted {
		t.Errorf("history has %d entries; want %d (1 + %d accepted)", len(got.History), 1+accepted, accepted)
	}
	if got.Version != int64(1+accepted) {
		t.Errorf("version = %d; want %d", got.Version, 1+accepted)
	}
	if accepted+conflicts != writers || accepted == 0 {
		t.Errorf("accepted %d, conflicts %d; want %d in all, some accepted", accepted, conflicts, writers)
	}
	t.Logf("%d writers: %d accepted, %d refused as concurrent", writers, accepted, conflicts)
}

// idBody renders a session as {"id":"…"}, standing in for the API's body.
func idBody(v *session.Session) ([]byte, error) { return []byte(`{"id":"` + v.ID + `"}`), nil }

func TestIdempotentCreate(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	newSession := func() *session.Session {
		d := &session.Draft{Amount: amount(100), Currency: "EUR"}
		return session.New(d, "m-1", uuid.NewString(), "tok", f.clock.Now(), session.DefaultPolicy)
	}
	first := newSession()
	idem := &store.Idempotency{MerchantID: "m-1", Key: "key-1", RequestHash: store.HashRequest([]byte("body-a"))}
	if _, r, err := f.st.Create(ctx, first, idem, 201, idBody); err != nil || r != nil {
		t.Fatalf("first Create() = %v, %v; want nil, nil", r, err)
	}

	tests := []struct {
		name     string
		idem     store.Idempotency
		replayID string // "" means a new session is created
		reason   string
	}{
		{"same key and body", store.Idempotency{MerchantID: "m-1", Key: "key-1", RequestHash: store.HashRequest([]byte("body-a"))}, first.ID, ""},
		{"same key, other body", store.Idempotency{MerchantID: "m-1", Key: "key-1", RequestHash: store.HashRequest([]byte("body-b"))}, "", session.ReasonIdempotencyReused},
		{"same key, other merchant", store.Idempotency{MerchantID: "m-2", Key: "key-1", RequestHash: store.HashRequest([]byte("body-a"))}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newSession()
			_, r, err := f.st.Create(ctx, v, &tt.idem, 201, idBody)
			if tt.reason != "" {
				if session.ErrorReason(err) != tt.reason || session.ErrorCode(err) != session.ECONFLICT {
					t.Fatalf("Create() = %v, %v; want %s", r, err, tt.reason)
				}
			} else if err != nil {
				t.Fatalf("Create() = %v", err)
			}
			if tt.replayID != "" {
				if r == nil || r.SessionID != tt.replayID || r.Status != 201 || string(r.Body) != `{"id":"`+tt.replayID+`"}` {
					t.Fatalf("Create() replay = %+v; want the first response for %s", r, tt.replayID)
				}
			} else if r != nil {
				t.Fatalf("Create() replay = %+v; want a new session", r)
			}
			_, err = f.st.Get(ctx, v.ID)
			created := err == nil
			if wantCreated := tt.replayID == "" && tt.reason == ""; created != wantCreated {
				t.Errorf("session %s stored = %v; want %v (no partial write)", v.ID, created, wantCreated)
			}
		})
	}

	// After 24 h the key is free again, even though the record is still
	// stored (TTL has not run).
	f.clock.Advance(store.IdempotencyTTL)
	later := newSession()
	_, r, err := f.st.Create(ctx, later, &store.Idempotency{MerchantID: "m-1", Key: "key-1", RequestHash: store.HashRequest([]byte("body-b"))}, 201, nil)
	if err != nil || r != nil {
		t.Fatalf("Create() after 24h = %+v, %v; want a new session", r, err)
	}
}

// TestIdempotentCreateRace sends one key from many goroutines at once:
// exactly one session is created and every caller gets its id.
func TestIdempotentCreateRace(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	const n = 8
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			v := session.New(&session.Draft{Amount: amount(1), Currency: "EUR"}, "m-1", uuid.NewString(), "tok", f.clock.Now(), session.DefaultPolicy)
			idem := &store.Idempotency{MerchantID: "m-1", Key: "race", RequestHash: "h"}
			_, r, err := f.st.Create(ctx, v, idem, 201, func(v *session.Session) ([]byte, error) { return []byte(v.ID), nil })
			switch {
			case err != nil:
				t.Errorf("Create() = %v", err)
			case r != nil:
				ids[i] = string(r.Body)
			default:
				ids[i] = v.ID
			}
		}(i)
	}
	wg.Wait()
	for i := 1; i < n; i++ {
		if ids[i] != ids[0] {
			t.Fatalf("callers got ids %v; want one id for all", ids)
		}
	}
}

// TestItemSizeGuard: a change that would make the item too large for
// DynamoDB is refused with 409 SESSION_TOO_LARGE, never DynamoDB's error.
func TestItemSizeGuard(t *testing.T) {
	f := newFixture(t)
	v := f.create(t, "m-1")
	big := map[string]string{}
	for i := 0; i < 100; i++ {
		big[fmt.Sprintf("k%03d", i)] = strings.Repeat("😀", 1000) // 4 KB each: 400 KB in all
	}
	ev := &session.Event{Status: session.Processing, ResultData: big}
	if err := ev.Validate(); err != nil {
		t.Fatalf("Validate() = %v; want the event's form accepted", err)
	}
	_, err := f.st.ApplyEvent(context.Background(), "", v.ID, ev)
	if session.ErrorCode(err) != session.ECONFLICT || session.ErrorReason(err) != session.ReasonSessionTooLarge {
		t.Fatalf("ApplyEvent(400 KB) = %v; want 409 %s", err, session.ReasonSessionTooLarge)
	}
	if got := f.mustGet(t, v.ID); got.Status != session.Created || got.Version != 1 {
		t.Errorf("session after the refusal = %s v%d; want unchanged", got.Status, got.Version)
	}
}

// TestClassify: DynamoDB refusing a request as malformed is our bug (500);
// throttling and failures are 503.
func TestClassify(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// A request DynamoDB refuses with ValidationException: an empty key.
	_, err := f.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(f.table), Key: map[string]ddb.AttributeValue{}})
	if err == nil {
		t.Fatal("GetItem with an empty key succeeded")
	}
	if got := session.ErrorCode(store.Classify(err)); got != session.EINTERNAL {
		t.Errorf("ValidationException -> %s; want %s", got, session.EINTERNAL)
	}
	throttles := storetest.NewFaultTransport(1, storetest.Throttle)
	db := storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: throttles}, MaxAttempts: 1})
	_, err = db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(f.table), Key: map[string]ddb.AttributeValue{}})
	if got := session.ErrorCode(store.Classify(err)); got != session.EUNAVAILABLE {
		t.Errorf("ThrottlingException -> %s; want %s", got, session.EUNAVAILABLE)
	}
	servers := storetest.NewFaultTransport(1, storetest.ServerError, storetest.Reset)
	db = storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: servers}, MaxAttempts: 1})
	for i := 0; i < 2; i++ {
		_, err = db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(f.table), Key: map[string]ddb.AttributeValue{}})
		if got := session.ErrorCode(store.Classify(err)); got != session.EUNAVAILABLE {
			t.Errorf("%v -> %s; want %s", err, got, session.EUNAVAILABLE)
		}
	}
}
