package store_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestTransactGetItemsOfAnotherKeyAre503: a TransactGetItems answer (a
// parent read with its child, GetWithChild) whose item is not of the key
// asked at its place, or with more items than asked, is not DynamoDB's
// answer: docs/design.md §8, "so does an item no stored item could give
// (an item of another key than asked or of no key", 503, and the README:
// "None of these is ever a 500." An item whose key is another session's
// but whose id is the one asked would be read as the session asked; the
// two items swapped would be a 500 from the store's own id check. The
// answer as DynamoDB gives it is read (parent and child).
func TestTransactGetItemsOfAnotherKeyAre503(t *testing.T) {
	r := newReadFixture(t)
	parent, child := r.items["SESSION#"+r.ids[1]], r.items["SESSION#"+r.ids[2]]
	other := "SESSION#" + r.ids[0]
	rekey := func(item, id string) string {
		return strings.Replace(item, `"pk":{"S":"SESSION#`+id+`"}`, `"pk":{"S":"`+other+`"}`, 1)
	}
	unsk := func(item string) string {
		return strings.Replace(item, `"sk":{"S":"SESSION"}`, `"sk":{"S":"APIKEY"}`, 1)
	}
	if rekey(parent, r.ids[1]) == parent || rekey(child, r.ids[2]) == child || unsk(parent) == parent {
		t.Fatal("the items' keys are not written as the test expects")
	}
	answer := func(items ...string) string {
		rs := make([]string, len(items))
		for i, it := range items {
			rs[i] = `{"Item":` + it + `}`
		}
		return `{"Responses":[` + strings.Join(rs, ",") + `]}`
	}
	tests := []struct {
		name, body string
		want       session.Code
	}{
		{"the parent and its child", answer(parent, child), ""},
		{"the parent's item of another session's key", answer(rekey(parent, r.ids[1]), child), session.EUNAVAILABLE},
		{"the child's item of another session's key", answer(parent, rekey(child, r.ids[2])), session.EUNAVAILABLE},
		{"the parent's item of another sort key", answer(unsk(parent), child), session.EUNAVAILABLE},
		{"the two items swapped", answer(child, parent), session.EUNAVAILABLE},
		{"an item more than asked", answer(parent, child, child), session.EUNAVAILABLE},
		// README: "So is an attribute value of no type DynamoDB has".
		{"the parent's merchantId of no type", answer(strings.Replace(parent, `"merchantId":{"S":"m-1"}`, `"merchantId":{}`, 1), child), session.EUNAVAILABLE},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ft := r.store(t, "TransactGetItems", true, 200, "", []byte(tt.body))
			v, c, err := s.GetWithChild(context.Background(), "m-1", r.ids[1])
			if ft.calls["TransactGetItems"] == 0 {
				t.Fatal("no TransactGetItems made")
			}
			if got := session.ErrorCode(err); got != tt.want {
				t.Fatalf("got error %v (code %q); want %q", err, got, tt.want)
			}
			if err == nil && (v.ID != r.ids[1] || c == nil || c.ID != r.ids[2]) {
				t.Fatalf("got session %s with child %v; want %s with child %s", v.ID, c, r.ids[1], r.ids[2])
			}
		})
	}
}

// TestListBatchGetItemAnswersNotDynamoDBsAre503: the list's BatchGetItem
// answered without the table it asked in Responses, its keys not left
// unprocessed either, is not DynamoDB's answer (DynamoDB sends each table
// asked, an empty list for no item found): README, "a BatchGetItem answer
// whose Responses lack the table it asked, its keys not left unprocessed
// either (every listed session gone)", is 503. Read as a success, every
// listed session would be skipped as gone: a day answered empty. An empty
// list for the table, and every key left unprocessed (asked again), are
// DynamoDB's.
func TestListBatchGetItemAnswersNotDynamoDBsAre503(t *testing.T) {
	r := newReadFixture(t)
	key := func(id string) string { return `{"pk":{"S":"SESSION#` + id + `"},"sk":{"S":"SESSION"}}` }
	item := func(i int) string { return r.items["SESSION#"+r.ids[i]] }
	// The third session's item under another id and key, and without its key.
	const otherID = "2c1c2b8e-3d4a-4e5f-9a7b-0c1d2e3f4a5b"
	foreign := strings.ReplaceAll(item(2), r.ids[2], otherID)
	keyless := strings.Replace(strings.Replace(item(2), `"pk":{"S":"SESSION#`+r.ids[2]+`"},`, ``, 1), `"sk":{"S":"SESSION"},`, ``, 1)
	if foreign == item(2) || !strings.Contains(item(2), `"pk"`) || strings.Contains(keyless, `"pk"`) || strings.Contains(keyless, `"sk"`) {
		t.Fatalf("the item is not written as the test expects: %s", item(2))
	}
	tests := []struct {
		name, body string
		want       session.Code
		listed     int
	}{
		{"no Responses", `{}`, session.EUNAVAILABLE, 0},
		{"Responses without the table", `{"Responses":{},"UnprocessedKeys":{}}`, session.EUNAVAILABLE, 0},
		{"Responses of another table", `{"Responses":{"u":[]}}`, session.EUNAVAILABLE, 0},
		{"the table's keys left unprocessed empty", `{"UnprocessedKeys":{"t":{"Keys":[]}}}`, session.EUNAVAILABLE, 0},
		// README: "a BatchGetItem's item of a key not asked (a listed
		// session skipped)".
		{"an item of a session not asked", `{"Responses":{"t":[` + item(0) + `,` + item(1) + `,` + foreign + `]}}`, session.EUNAVAILABLE, 0},
		{"an item without its key", `{"Responses":{"t":[` + item(0) + `,` + item(1) + `,` + keyless + `]}}`, session.EUNAVAILABLE, 0},
		// README: "So is an attribute value of no type DynamoDB has".
		{"an item's merchantId of no type", `{"Responses":{"t":[` + item(0) + `,` + item(1) + `,` + strings.Replace(item(2), `"merchantId":{"S":"m-1"}`, `"merchantId":{}`, 1) + `]}}`, session.EUNAVAILABLE, 0},
		{"every item asked", `{"Responses":{"t":[` + item(0) + `,` + item(1) + `,` + item(2) + `]}}`, "", 3},
		{"an empty list for the table", `{"Responses":{"t":[]},"UnprocessedKeys":{}}`, "", 0},
		{"every key left unprocessed", `{"UnprocessedKeys":{"t":{"Keys":[` + key(r.ids[0]) + `,` + key(r.ids[1]) + `,` + key(r.ids[2]) + `]}}}`, "", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ft := r.store(t, "BatchGetItem", false, 200, "", []byte(tt.body))
			listed := 0
			_, err := s.ListByDay(context.Background(), store.ListQuery{MerchantID: "m-1", Day: r.now}, func(*session.Session) bool { listed++; return true })
			if ft.calls["BatchGetItem"] == 0 {
				t.Fatal("no BatchGetItem made")
			}
			if got := session.ErrorCode(err); got != tt.want {
				t.Fatalf("got error %v (code %q); want %q", err, got, tt.want)
			}
			if err == nil && listed != tt.listed {
				t.Fatalf("got %d sessions listed; want %d", listed, tt.listed)
			}
		})
	}
}

// TestErrorsTheOperationCannotReturnAre503: an error answer naming an
// error DynamoDB does not have, or one the operation called cannot return
// (its Errors in DynamoDB's API reference, beside the errors common to
// all), is not DynamoDB's answer: docs/design.md §8, "one naming an error
// DynamoDB does not have or the operation cannot return", 503; an error
// the operation can return stays DynamoDB's refusal (500 for a request it
// refuses as malformed).
func TestErrorsTheOperationCannotReturnAre503(t *testing.T) {
	r := newReadFixture(t)
	ctx := context.Background()
	errBody := func(code, extra string) string {
		return `{"__type":"com.amazonaws.dynamodb.v20120810#` + code + `","message":"m"` + extra + `}`
	}
	canceled := errBody("TransactionCanceledException", `,"CancellationReasons":[{"Code":"None"},{"Code":"ValidationError"}]`)
	get := func(s *store.Store) error { _, err := s.GetOwned(ctx, "m-1", r.ids[0]); return err }
	pair := func(s *store.Store) error { _, _, err := s.GetWithChild(ctx, "m-1", r.ids[1]); return err }
	list := func(s *store.Store) error {
		_, err := s.ListByDay(ctx, store.ListQuery{MerchantID: "m-1", Day: r.now}, func(*session.Session) bool { return true })
		return err
	}
	// The sweeper's query of one shard, at an instant its window is not
	// empty: refused as malformed, it is a bug (500), as any read's.
	expired := func(s *store.Store) error {
		_, err := s.Expired(ctx, 0, r.now.Add(time.Hour), 100, func([]store.ExpiryKey) bool { return true })
		return err
	}
	tests := []struct {
		name, op, body string
		call           func(*store.Store) error
		want           session.Code
	}{
		{"an error DynamoDB does not have to a GetItem", "GetItem", errBody("X", ""), get, session.EUNAVAILABLE},
		{"ConditionalCheckFailedException to a GetItem", "GetItem", errBody("ConditionalCheckFailedException", ""), get, session.EUNAVAILABLE},
		{"TransactionCanceledException to a GetItem", "GetItem", canceled, get, session.EUNAVAILABLE},
		{"ValidationException to a GetItem", "GetItem", errBody("ValidationException", ""), get, session.EINTERNAL},
		{"ConditionalCheckFailedException to a TransactGetItems", "TransactGetItems", errBody("ConditionalCheckFailedException", ""), pair, session.EUNAVAILABLE},
		{"TransactionCanceledException to a TransactGetItems", "TransactGetItems", canceled, pair, session.EINTERNAL},
		// docs/design.md §8: "a transaction canceled without one
		// cancellation reason per item"; README: "with every reason None
		// or without a code".
		{"a TransactGetItems canceled with one reason for two items", "TransactGetItems", errBody("TransactionCanceledException", `,"CancellationReasons":[{"Code":"ValidationError"}]`), pair, session.EUNAVAILABLE},
		{"a TransactGetItems canceled with three reasons for two items", "TransactGetItems", errBody("TransactionCanceledException", `,"CancellationReasons":[{"Code":"None"},{"Code":"ValidationError"},{"Code":"None"}]`), pair, session.EUNAVAILABLE},
		{"a TransactGetItems canceled with every reason None", "TransactGetItems", errBody("TransactionCanceledException", `,"CancellationReasons":[{"Code":"None"},{"Code":"None"}]`), pair, session.EUNAVAILABLE},
		{"a TransactGetItems canceled with a reason None and one without a code", "TransactGetItems", errBody("TransactionCanceledException", `,"CancellationReasons":[{"Code":"None"},{}]`), pair, session.EUNAVAILABLE},
		{"ConditionalCheckFailedException to a Query", "Query", errBody("ConditionalCheckFailedException", ""), list, session.EUNAVAILABLE},
		{"TransactionConflictException to a BatchGetItem", "BatchGetItem", errBody("TransactionConflictException", ""), list, session.EUNAVAILABLE},
		{"ValidationException to a BatchGetItem", "BatchGetItem", errBody("ValidationException", ""), list, session.EINTERNAL},
		{"ValidationException to the list's Query", "Query", errBody("ValidationException", ""), list, session.EINTERNAL},
		{"ValidationException to the sweeper's Query", "Query", errBody("ValidationException", ""), expired, session.EINTERNAL},
		{"ConditionalCheckFailedException to the sweeper's Query", "Query", errBody("ConditionalCheckFailedException", ""), expired, session.EUNAVAILABLE},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ft := r.store(t, tt.op, true, 400, "", []byte(tt.body))
			err := tt.call(s)
			if ft.calls[tt.op] == 0 {
				t.Fatalf("no %s made", tt.op)
			}
			if got := session.ErrorCode(err); got != tt.want {
				t.Fatalf("got error %v (code %q); want %q", err, got, tt.want)
			}
		})
	}
}

// requestIDTransport gives every answer of its transport DynamoDB's request
// id header.
type requestIDTransport struct {
	rt http.RoundTripper
	id string
}

func (t requestIDTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := t.rt.RoundTrip(req)
	if res != nil {
		res.Header.Set("X-Amzn-Requestid", t.id)
	}
	return res, err
}

// TestRefusedAnswersNameTheirStatusAndRequestID: an answer the store
// refuses as not DynamoDB's, a success or an error, is 503 with the
// answer's HTTP status and DynamoDB's request id in the error, for the
// request's ERROR line: README, "names that answer's HTTP status and
// DynamoDB's request id too". A refusal that no answer made (an index
// entry whose key is not its session's, judged by the list from two
// answers) names no status at all, never a made-up one.
func TestRefusedAnswersNameTheirStatusAndRequestID(t *testing.T) {
	r := newReadFixture(t)
	ctx := context.Background()
	other := "SESSION#" + r.ids[1]
	get := func(s *store.Store) error { _, err := s.GetOwned(ctx, "m-1", r.ids[0]); return err }
	pair := func(s *store.Store) error { _, _, err := s.GetWithChild(ctx, "m-1", r.ids[1]); return err }
	list := func(s *store.Store) error {
		_, err := s.ListByDay(ctx, store.ListQuery{MerchantID: "m-1", Day: r.now}, func(*session.Session) bool { return true })
		return err
	}
	tce := `{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","message":"m","CancellationReasons":[{"Code":"ValidationError"}]}`
	tests := []struct {
		name, op string
		status   int
		body     string
		call     func(*store.Store) error
		want     int // the status named; 0: none
	}{
		{"a GetItem's item of another key", "GetItem", 200, `{"Item":` + strings.Replace(r.items["SESSION#"+r.ids[0]], "SESSION#"+r.ids[0], other, 1) + `}`, get, 200},
		{"a Query without Items", "Query", 200, `{"Count":0}`, list, 200},
		{"a BatchGetItem without the table asked", "BatchGetItem", 200, `{}`, list, 200},
		{"an error a GetItem cannot return", "GetItem", 400, `{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"m"}`, get, 400},
		{"a transaction canceled with one reason for two items", "TransactGetItems", 400, tce, pair, 400},
		{"an answer the SDK panics reading", "BatchGetItem", 200, `{"Responses":{"":[}[{`, list, 200},
		{"an index entry whose key is not its session's", "Query", 200, `{"Items":[{"createdKey":{"S":"2026-11-23T10:00:07.0000000Z#` + r.ids[0] + `"}}]}`, list, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ft := &fakeTable{t: t, items: r.items, keys: r.keys, fuzzOp: tt.op, every: true, fuzz: answerTransport{tt.status, "", []byte(tt.body)}, calls: map[string]int{}}
			db, err := store.NewClient(ctx, store.ClientOptions{HTTPClient: &http.Client{Transport: requestIDTransport{ft, "REQ-R80"}}, MaxAttempts: 1})
			if err != nil {
				t.Fatal(err)
			}
			err = tt.call(store.New(db, "t", session.DefaultPolicy, 1, func() time.Time { return r.now }, store.ListShards(1)))
			if got := session.ErrorCode(err); got != session.EUNAVAILABLE {
				t.Fatalf("got error %v (code %q); want EUNAVAILABLE", err, got)
			}
			var re *awshttp.ResponseError
			if !errors.As(err, &re) {
				if tt.want != 0 {
					t.Fatalf("got error %v naming no answer; want status %d, request id REQ-R80", err, tt.want)
				}
				return
			}
			if tt.want == 0 {
				t.Fatalf("got error %v naming status %d; want none", err, re.HTTPStatusCode())
			}
			if got, id := re.HTTPStatusCode(), re.ServiceRequestID(); got != tt.want || id != "REQ-R80" {
				t.Fatalf("got status %d, request id %q; want %d, REQ-R80", got, id, tt.want)
			}
		})
	}
}

// TestEmptySuccessOfAny2xxIs503: README, "So is a success (2xx) with an
// empty body, which DynamoDB never sends (its least answer is {})": at
// either end of the 2xx range as at 200, an empty body is 503, never a
// session not found; a body is read as the SDK reads it.
func TestEmptySuccessOfAny2xxIs503(t *testing.T) {
	r := newReadFixture(t)
	item := `{"Item":` + r.items["SESSION#"+r.ids[0]] + `}`
	tests := []struct {
		status int
		body   string
		want   session.Code
	}{
		{200, "", session.EUNAVAILABLE},
		{201, "", session.EUNAVAILABLE},
		{204, "", session.EUNAVAILABLE},
		{299, "", session.EUNAVAILABLE},
		{200, item, ""},
		{299, item, ""},
		{200, "{}", session.ENOTFOUND},
	}
	for _, tt := range tests {
		s, _ := r.store(t, "GetItem", true, tt.status, "", []byte(tt.body))
		_, err := s.GetOwned(context.Background(), "m-1", r.ids[0])
		if got := session.ErrorCode(err); got != tt.want {
			t.Errorf("status %d, body %.20q: got error %v (code %q); want %q", tt.status, tt.body, err, got, tt.want)
		}
	}
}

// TestForeignErrorCodeHoldingASecretNeverLogged: an error answer
// DynamoDB never gives to the operation (refused as not DynamoDB's) names
// its code in the error; when that code holds a card number, an API key or
// a JWT, the log line's text is redacted, and its outline must not name
// the code again. README (Security): "a token, key, secret or card number
// never reaches a log". The outline still says what the answer was (its
// status, and that it was refused as not the operation's), as it does for
// a code that holds nothing.
func TestForeignErrorCodeHoldingASecretNeverLogged(t *testing.T) {
	r := newReadFixture(t)
	ctx := context.Background()
	// The key and the JWT also as a log pipeline reads them: in NFKC and
	// URL-decoded (logged as sent until r110-logs).
	for _, code := range []string{"4111-1111-1111-1111", "psk_0a1b2c3d4e5f_s3cr3t", "eyJhbGciOiJIUzI1NiJ9", "ｐｓｋ＿0a1b2c3d4e5f_s3cr3t", "%70sk_0a1b2c3d4e5f_s3cr3t", "%65yJhbGciOiJIUzI1NiJ9", "ｅｙＪhbGciOiJIUzI1NiJ9"} {
		t.Run(code, func(t *testing.T) {
			s, ft := r.store(t, "GetItem", true, 400, "", []byte(`{"__type":"com.amazonaws.dynamodb.v20120810#`+code+`","message":"m"}`))
			_, err := s.GetOwned(ctx, "m-1", r.ids[0])
			if ft.calls["GetItem"] == 0 {
				t.Fatal("no GetItem made")
			}
			if got := session.ErrorCode(err); got != session.EUNAVAILABLE {
				t.Fatalf("got error code %q; want %q", got, session.EUNAVAILABLE)
			}
			got := store.LoggedError(err)
			if strings.Contains(got, code) {
				t.Errorf("LoggedError() = %q; want the code %q left out", got, code)
			}
			for _, part := range []string{"[redacted]", "StatusCode: 400", "not this operation's"} {
				if !strings.Contains(got, part) {
					t.Errorf("LoggedError() = %q; want it to name %q", got, part)
				}
			}
		})
	}
}

// TestAnswerRequestIDOrReasonHoldingASecretNeverLogged: what else an
// answer's sender writes, beside its error's code (above), reaches the
// outline a redacted log line keeps: the answer's request id (its
// X-Amzn-Requestid header) and a canceled transaction's reasons' codes,
// which the store does not check. Either, holding a card number, an API
// key or a JWT, was written out in the outline of a line whose text was
// redacted (for it, or for a message quoting a value). README (Security): "a token, key, secret or card number
// never reaches a log".
func TestAnswerRequestIDOrReasonHoldingASecretNeverLogged(t *testing.T) {
	r := newReadFixture(t)
	ctx := context.Background()
	get := func(s *store.Store) error { _, err := s.GetOwned(ctx, "m-1", r.ids[0]); return err }
	pair := func(s *store.Store) error { _, _, err := s.GetWithChild(ctx, "m-1", r.ids[1]); return err }
	for _, secret := range []string{"4111 1111 1111 1111", "psk_0a1b2c3d4e5f_s3cr3t", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0", "ＰＳＫ＿0a1b2c3d4e5f_s3cr3t", "%2570sk_0a1b2c3d4e5f_s3cr3t"} {
		tests := []struct {
			name, op, id, body string
			call               func(*store.Store) error
		}{
			{"request id", "GetItem", secret, `{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"m"}`, get},
			{"cancellation reason", "TransactGetItems", "REQ-R88", `{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","message":"Value 'x'","CancellationReasons":[{"Code":"None"},{"Code":"` + secret + `"}]}`, pair},
		}
		for _, tt := range tests {
			t.Run(tt.name+" "+secret, func(t *testing.T) {
				ft := &fakeTable{t: t, items: r.items, keys: r.keys, fuzzOp: tt.op, every: true, fuzz: answerTransport{500, "", []byte(tt.body)}, calls: map[string]int{}}
				if tt.op == "TransactGetItems" {
					ft.fuzz = answerTransport{400, "", []byte(tt.body)}
				}
				db, err := store.NewClient(ctx, store.ClientOptions{HTTPClient: &http.Client{Transport: requestIDTransport{ft, tt.id}}, MaxAttempts: 1})
				if err != nil {
					t.Fatal(err)
				}
				err = tt.call(store.New(db, "t", session.DefaultPolicy, 1, func() time.Time { return r.now }, store.ListShards(1)))
				if err == nil || ft.calls[tt.op] == 0 {
					t.Fatalf("got error %v after %d %s calls; want the answer's error", err, ft.calls[tt.op], tt.op)
				}
				got := store.LoggedError(err)
				if !strings.HasPrefix(got, "[redacted]") {
					t.Fatalf("LoggedError() = %q; want it redacted", got)
				}
				if strings.Contains(got, secret) || session.HoldsCardNumber(got) {
					t.Errorf("LoggedError() = %q; want %q left out", got, secret)
				}
			})
		}
	}
}

// TestOnlyANamed4xxIsDynamoDBsRefusal: classify, "any other 4xx that
// DynamoDB's answer names means DynamoDB refused the request as malformed
// — our bug, EINTERNAL (500)"; "everything else ... a 4xx naming no
// error, which DynamoDB never sends ... — is EUNAVAILABLE" (docs/design.md
// §8: "an error answer that names no error (no __type: {}, a proxy's
// {"message":"Forbidden"}) ... 503"). A status DynamoDB never answers
// with an error (a 3xx) gives no verdict either, whatever its body names.
func TestOnlyANamed4xxIsDynamoDBsRefusal(t *testing.T) {
	r := newReadFixture(t)
	ctx := context.Background()
	named := `{"__type":"com.amazonaws.dynamodb.v20120810#ValidationException","message":"m"}`
	for _, tt := range []struct {
		name   string
		status int
		body   string
		want   session.Code
	}{
		{"400 naming ValidationException", 400, named, session.EINTERNAL},
		{"400 {}", 400, `{}`, session.EUNAVAILABLE},
		{"403 a proxy's message", 403, `{"message":"Forbidden"}`, session.EUNAVAILABLE},
		{"307 naming ValidationException", 307, named, session.EUNAVAILABLE},
		{"500 naming ValidationException", 500, named, session.EUNAVAILABLE},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, ft := r.store(t, "GetItem", true, tt.status, "", []byte(tt.body))
			_, err := s.GetOwned(ctx, "m-1", r.ids[0])
			if ft.calls["GetItem"] == 0 {
				t.Fatal("no GetItem made")
			}
			if got := session.ErrorCode(err); got != tt.want {
				t.Errorf("got %q (%v); want %q", got, err, tt.want)
			}
		})
	}
}
