package store_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestClientRetryBackoffIsExponentialWithFullJitter: the client's retry
// policy is "exponential backoff with full jitter" (client.go), "exponential
// backoff with jitter, at most 500 ms apart" (README). The delays the
// retryer the client is built with gives for tries 1..8 are random below
// ceilings that double up to the 500 ms cap — from 25 ms, from 100 ms after
// a throttled try — and two draws differ. The delays are asked of the
// retryer (RetryDelay), never slept.
func TestClientRetryBackoffIsExponentialWithFullJitter(t *testing.T) {
	t.Setenv("AWS_NEW_RETRIES_2026", "") // the legacy numbering: tries from 1
	db, err := store.NewClient(context.Background(), store.ClientOptions{Endpoint: "http://dynamodb.invalid"})
	if err != nil {
		t.Fatal(err)
	}
	r := db.Options().Retryer
	if r == nil {
		t.Fatal("client built without a retryer")
	}
	ms := time.Millisecond
	tests := []struct {
		name     string
		err      error
		ceilings []time.Duration // for tries 1, 2, ...
	}{
		{"5xx / broken connection", errors.New("connection reset by peer"),
			[]time.Duration{25 * ms, 50 * ms, 100 * ms, 200 * ms, 400 * ms, 500 * ms, 500 * ms, 500 * ms}},
		{"throttled", &ddb.ProvisionedThroughputExceededException{Message: new("throttled")},
			[]time.Duration{100 * ms, 200 * ms, 400 * ms, 500 * ms, 500 * ms, 500 * ms, 500 * ms, 500 * ms}},
	}
	const draws = 200 // all below half the ceiling by chance: 2^-200
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i, ceiling := range tt.ceilings {
				try := i + 1
				seen := map[time.Duration]bool{}
				var highest time.Duration
				for range draws {
					d, err := r.RetryDelay(try, tt.err)
					if err != nil {
						t.Fatalf("RetryDelay(%d) error %v", try, err)
					}
					seen[d] = true
					highest = max(highest, d)
				}
				for d := range seen {
					if d < 0 || d >= ceiling {
						t.Errorf("RetryDelay(%d) = %v; want in [0, %v)", try, d, ceiling)
					}
				}
				if highest < ceiling/2 {
					t.Errorf("RetryDelay(%d): highest of %d draws %v; want some in [%v, %v): the ceiling doubles", try, draws, highest, ceiling/2, ceiling)
				}
				if len(seen) < 2 {
					t.Errorf("RetryDelay(%d): %d draws all %v; want them to differ (jitter)", try, draws, highest)
				}
			}
		})
	}
}

// delayRecorder wraps the client's retryer: each RetryDelay the SDK's retry
// middleware asks for, with the SDK's own numbering of the retry, is drawn
// many times from the client's retryer (its ceiling and jitter seen), and
// answered 0 so the test does not sleep.
type delayRecorder struct {
	aws.RetryerV2
	draws    int
	highest  []time.Duration // per retry, in order
	distinct []int
}

func (r *delayRecorder) RetryDelay(attempt int, err error) (time.Duration, error) {
	seen := map[time.Duration]bool{}
	var highest time.Duration
	for range r.draws {
		d, derr := r.RetryerV2.RetryDelay(attempt, err)
		if derr != nil {
			return 0, derr
		}
		seen[d] = true
		highest = max(highest, d)
	}
	r.highest = append(r.highest, highest)
	r.distinct = append(r.distinct, len(seen))
	return 0, nil
}

// TestClientRetryBackoffDoublesInBothRetryModes: the ceilings the client
// documents — "25 ms·2^(n-1) after the n-th try (100 ms·2^(n-1) after a
// throttled one), at most 500 ms" (client.go): "25+50+100+200",
// "100+200+400+500" — are the ceilings of the waits between the tries of a
// real call, as aws-sdk-go-v2's retry middleware numbers them (from 1),
// whatever AWS_NEW_RETRIES_2026 says: v1.47 numbered from 0 with it set to
// true, and the store followed; v1.48 reads it no more, and a store still
// following it doubled every wait (this test failed so on the SDK's
// upgrade). Every try of the call
// is answered by DynamoDB's error body (never a real engine), so the call
// makes its 5 tries and the middleware asks for 4 delays.
func TestClientRetryBackoffDoublesInBothRetryModes(t *testing.T) {
	ms := time.Millisecond
	errs := []struct {
		status   int
		code     string
		ceilings []time.Duration
	}{
		{500, "InternalServerError", []time.Duration{25 * ms, 50 * ms, 100 * ms, 200 * ms}},
		{400, "ThrottlingException", []time.Duration{100 * ms, 200 * ms, 400 * ms, 500 * ms}},
		{400, "ProvisionedThroughputExceededException", []time.Duration{100 * ms, 200 * ms, 400 * ms, 500 * ms}},
		{400, "RequestLimitExceeded", []time.Duration{100 * ms, 200 * ms, 400 * ms, 500 * ms}},
	}
	for _, mode := range []string{"", "true"} {
		for _, e := range errs {
			t.Run("AWS_NEW_RETRIES_2026="+mode+" "+e.code, func(t *testing.T) {
				t.Setenv("AWS_NEW_RETRIES_2026", mode)
				ic := &storetest.Interceptor{Hook: func(_ string, req *http.Request, _ []byte) (*http.Response, error) {
					return storetest.ErrorResponse(req, e.status, e.code, "injected"), nil
				}}
				db, err := store.NewClient(context.Background(), store.ClientOptions{Endpoint: "http://dynamodb.invalid", HTTPClient: &http.Client{Transport: ic}})
				if err != nil {
					t.Fatal(err)
				}
				var rec *delayRecorder
				_, err = db.GetItem(context.Background(), &dynamodb.GetItemInput{
					TableName: aws.String("t"),
					Key:       map[string]ddb.AttributeValue{"pk": &ddb.AttributeValueMemberS{Value: "x"}},
				}, func(o *dynamodb.Options) {
					inner, ok := o.Retryer.(aws.RetryerV2)
					if !ok {
						t.Fatalf("client retryer %T is not an aws.RetryerV2", o.Retryer)
					}
					rec = &delayRecorder{RetryerV2: inner, draws: 200}
					o.Retryer = rec
				})
				if err == nil {
					t.Fatal("GetItem succeeded; want the injected error")
				}
				if len(rec.highest) != len(e.ceilings) {
					t.Fatalf("retry delays asked %d; want %d (5 tries)", len(rec.highest), len(e.ceilings))
				}
				for i, ceiling := range e.ceilings {
					if h := rec.highest[i]; h >= ceiling || h < ceiling/2 {
						t.Errorf("wait before try %d: highest of %d draws %v; want in [%v, %v)", i+2, rec.draws, h, ceiling/2, ceiling)
					}
					if rec.distinct[i] < 2 {
						t.Errorf("wait before try %d: %d draws all equal; want them to differ (jitter)", i+2, rec.draws)
					}
				}
			})
		}
	}
}

// TestClientIgnoresRetryAfter: README, Decisions: "an `x-amz-retry-after`
// header on DynamoDB's answer ignored (aws-sdk-go-v2 would wait what it
// says, up to 5 s more per retry, past a write's 4 s deadline". Every try is
// answered throttled with the header asking for 5 s (and 60 s); the
// client's own waits are made 0 (delayRecorder), so the call makes its 5
// tries at once and ends with DynamoDB's error. Had the SDK waited what the
// header says, its first retry would wait 5 s, and the call would end at
// the context's 3 s deadline, canceled, after one try.
func TestClientIgnoresRetryAfter(t *testing.T) {
	for _, after := range []string{"5000", "60000"} {
		t.Run(after, func(t *testing.T) {
			tries := 0
			ic := &storetest.Interceptor{Hook: func(_ string, req *http.Request, _ []byte) (*http.Response, error) {
				tries++
				res := storetest.ErrorResponse(req, 400, "ThrottlingException", "injected")
				res.Header.Set("X-Amz-Retry-After", after)
				return res, nil
			}}
			db, err := store.NewClient(context.Background(), store.ClientOptions{Endpoint: "http://dynamodb.invalid", HTTPClient: &http.Client{Transport: ic}})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			_, err = db.GetItem(ctx, &dynamodb.GetItemInput{
				TableName: aws.String("t"),
				Key:       map[string]ddb.AttributeValue{"pk": &ddb.AttributeValueMemberS{Value: "x"}},
			}, func(o *dynamodb.Options) {
				o.Retryer = &delayRecorder{RetryerV2: o.Retryer.(aws.RetryerV2), draws: 1}
			})
			var throttled *ddb.ThrottlingException
			if !errors.As(err, &throttled) {
				t.Errorf("GetItem error %T %v; want DynamoDB's ThrottlingException after every try", err, err)
			}
			if tries != 5 {
				t.Errorf("tries %d; want 5, none waiting for x-amz-retry-after", tries)
			}
		})
	}
}
