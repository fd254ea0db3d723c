package store

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/paysessions/paysessions/shared/session"
)

// The store's one backoff — exponential, full jitter, capped at maxBackoff —
// used by the DynamoDB client's retryer (client.go), by the store's own
// retry of a transaction DynamoDB canceled for throttling, and by the
// list's BatchGetItem of keys left unprocessed (list.go). The wait after
// the n-th failed try (n ≥ 1) is a random time in [0, ceiling), the ceiling
// base·2^(n-1), at most maxBackoff:
//
//   - retryBase, 25 ms (5xx, timeouts, broken connections, unprocessed
//     keys): the base aws-sdk-go-v2 itself gives DynamoDB (v1.48's retry
//     behaviour). Ceilings 25, 50, 100, 200 ms for the client's four
//     retries: at most 375 ms of waiting in one call;
//   - throttleBase, 100 ms (throttling): a throttled table needs its
//     capacity to grow (on-demand scaling, index back-pressure), not a
//     moment, so throttled retries start later. The SDK (v1.48) uses
//     1 s, which under a 500 ms cap would be a flat window — every wait
//     random below 500 ms, the first as late as the last, nothing
//     exponential left. Ceilings 100, 200, 400, 500 ms: at most 1.2 s of
//     waiting in one call, 1.2 s more across the store's own tries of a
//     throttled transaction.
//
// Every wait is random below its ceiling (full jitter), so throttled Lambdas
// do not retry in lockstep. The lost-race backoff (backoff, store.go) is
// different on purpose.
const (
	retryBase    = 25 * time.Millisecond
	throttleBase = 100 * time.Millisecond
)

// backoffCeiling is the ceiling of the wait after the n-th failed try
// (n below 1 counts as 1): base·2^(n-1), at most maxBackoff.
func backoffCeiling(base time.Duration, n int) time.Duration {
	n = max(n, 1)
	if n > 16 || base<<(n-1) > maxBackoff { // also before base<<(n-1) overflows
		return maxBackoff
	}
	return base << (n - 1)
}

// jitter is a random time in [0, ceiling) (full jitter); 0 for a ceiling
// that is not positive.
func jitter(ceiling time.Duration) time.Duration {
	if ceiling <= 0 {
		return 0
	}
	return rand.N(ceiling)
}

// retryDelay is the DynamoDB client's backoff (retry.BackoffDelayer): the
// wait after the n-th failed try of a call, by err's kind. aws-sdk-go-v2's
// retry middleware (v1.48) passes the failed try's number, from 1. (v1.47
// passed, with AWS_NEW_RETRIES_2026=true, the number of retries made so
// far, from 0, which this function turned back into the try's; v1.48 made
// that retry behaviour the only one, numbered from 1, and reads the
// variable no more: TestClientRetryBackoffDoublesInBothRetryModes holds
// the numbering.)
func retryDelay(n int, err error) (time.Duration, error) {
	base := retryBase
	if throttledError(err) {
		base = throttleBase
	}
	return jitter(backoffCeiling(base, n)), nil
}

// sleep waits d, or until ctx is done: then the call is unavailable
// (EUNAVAILABLE, 503 with Retry-After) — the write or read it was to retry
// did not happen.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return session.Unavailable(ctx.Err())
	case <-t.C:
		return nil
	}
}
