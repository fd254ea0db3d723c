package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/store"
)

// TestClientRetryBackoffIsExponentialWithFullJitter: the client's retry
// policy is "exponential backoff with full jitter" (client.go), "exponential
// backoff with jitter, at most 500 ms apart" (README). The delays the
// retryer the client is built with gives for tries 1..8 are random below
// ceilings that double up to the 500 ms cap — from 25 ms, from 100 ms after
// a throttled try — and two draws differ. The delays are asked of the
// retryer (RetryDelay), never slept.
func TestClientRetryBackoffIsExponentialWithFullJitter(t *testing.T) {
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
