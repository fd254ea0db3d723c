// Package sweep persists expiries: it finds open sessions past expiresAt in
// the sparse, sharded expiry index and expires each with one conditional
// write (store.Expire). Reads already report such sessions as EXPIRED; the
// sweep makes the stored state converge, removes them from the index and
// sets the TTL that lets DynamoDB delete them. It never Scans, reads only
// the index entries of the sessions it expires, stops before its deadline
// (the next run continues where it stopped), and is safe to run twice at
// once: a session someone else closed or expired is skipped, never
// overwritten. A write that DynamoDB throttled, or that kept meeting a
// running transaction, is deferred to the next run: counted, not an error.
// A write whose outcome is unknown (every answer lost, a 5xx, a timeout) is
// judged by the session read back (store.Expire): expired by it or closed
// by someone else is counted so, not as an error.
package sweep

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// Defaults of a Sweeper.
const (
	DefaultMargin       = 3 * time.Second // stop this long before the deadline
	DefaultWorkers      = 8               // writes in flight per shard
	DefaultPageSize     = 200             // index entries per Query
	DefaultShardsAtOnce = 16              // shards swept at the same time
	// reserve is how long before the deadline every call still in flight
	// is cut off, so the run reports and returns in time (an eighth of
	// the run's time in short runs).
	reserve = 500 * time.Millisecond
)

// Sweeper runs sweeps over a store.
type Sweeper struct {
	Store    *store.Store
	Logger   *slog.Logger
	Now      func() time.Time // the sweep's clock; the store's writes use the store's
	Margin   time.Duration
	Workers  int
	PageSize int
	// ShardsAtOnce is how many shards are swept at the same time.
	ShardsAtOnce int
}

// New returns a sweeper with the default tuning.
func New(st *store.Store, logger *slog.Logger, now func() time.Time) *Sweeper {
	return &Sweeper{Store: st, Logger: logger, Now: now, Margin: DefaultMargin, Workers: DefaultWorkers, PageSize: DefaultPageSize, ShardsAtOnce: DefaultShardsAtOnce}
}

// Result counts one run.
type Result struct {
	Found   int `json:"found"`   // index entries of expired open sessions
	Expired int `json:"expired"` // sessions this run expired
	Skipped int `json:"skipped"` // closed or expired by someone else in the meantime
	// LeftToPurge are sessions found that came within WRITE_GUARD of the
	// end of their retention before their write was due (a long run):
	// sent no write, left to the reads and TTL like those the query no
	// longer finds. Not skipped: no one else closed them.
	LeftToPurge int           `json:"leftToPurge"`
	Deferred    int           `json:"deferred"`  // writes or queries throttled, or held by transactions: left for the next run
	Errors      int           `json:"errors"`    // writes or queries that failed
	ItemsRead   int           `json:"itemsRead"` // items DynamoDB read for the queries
	Duration    time.Duration `json:"duration"`
	Complete    bool          `json:"complete"` // false: stopped at the deadline; the next run continues

	queriesFailed int // shards whose query failed (counted in Errors)
}

// Run sweeps every shard, ShardsAtOnce at a time taking turns a page at a
// time, until done or until Margin before ctx's deadline.
func (s *Sweeper) Run(ctx context.Context) Result {
	start := time.Now()
	now := s.Now()
	stopAt := time.Time{}
	if d, ok := ctx.Deadline(); ok {
		until := time.Until(d)
		// Short runs (the local server's timer) keep a quarter of their time.
		stopAt = d.Add(-min(s.Margin, until/4))
		// A call in flight when the run stops starting new ones may take
		// longer than the margin (a write is bounded by the store's
		// WriteTimeout, 4 s by default; a hung query by the SDK's
		// retries): every call is cut off a little before the deadline,
		// so the run still reports and returns in time.
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, d.Add(-min(reserve, until/8)))
		defer cancel()
	}
	late := func() bool { return !stopAt.IsZero() && time.Now().After(stopAt) }
	// cutOff reports whether a call failed because the run's time was up:
	// it is left for the next run, as the calls never started.
	cutOff := func(err error) bool { return err != nil && ctx.Err() != nil }

	var c counts
	var stopped atomic.Bool
	// The shards take turns, a page at a time, ShardsAtOnce at once: a
	// shard whose page is swept goes to the back of the queue. So a backlog
	// larger than a run can finish is worked down in every shard alike,
	// the oldest sessions of each first, rather than in the same few
	// shards run after run (the others' sessions left until they drop out
	// of the window). Once the run has stopped, no shard is queried again.
	n := s.Store.Shards()
	queue := make(chan *store.ExpiryQuery, n) // each shard at most once
	var left atomic.Int64
	left.Store(int64(n))
	finish := func() {
		if left.Add(-1) == 0 {
			close(queue)
		}
	}
	for shard := 0; shard < n; shard++ {
		q, err := s.Store.ExpiryQuery(shard, now, s.PageSize)
		if err != nil {
			c.errs.Add(1)
			c.queriesFailed.Add(1)
			s.Logger.Error("sweep query failed", "shard", shard, "error", err.Error())
			finish()
			continue
		}
		queue <- q
	}
	var wg sync.WaitGroup
	for range min(max(s.ShardsAtOnce, 1), n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for q := range queue {
				if q.Done() || late() || stopped.Load() {
					if !q.Done() {
						stopped.Store(true)
					}
					finish()
					continue
				}
				keys, read, err := q.Next(ctx)
				c.read.Add(int64(read))
				switch {
				case cutOff(err):
					stopped.Store(true)
					s.Logger.Warn("sweep query cut off at the deadline", "shard", q.Shard, "error", err.Error())
				case store.Transient(err):
					c.deferred.Add(1)
					s.Logger.Warn("sweep query deferred", "shard", q.Shard, "code", session.ErrorReason(err), "error", err.Error())
				case err != nil:
					c.errs.Add(1)
					c.queriesFailed.Add(1)
					s.Logger.Error("sweep query failed", "shard", q.Shard, "error", err.Error())
				}
				if err != nil {
					finish()
					continue
				}
				if len(keys) > 0 {
					if late() {
						stopped.Store(true)
						finish()
						continue
					}
					c.found.Add(int64(len(keys)))
					s.expire(ctx, keys, &c, late, cutOff, &stopped)
				}
				if q.Done() {
					finish()
					continue
				}
				queue <- q
			}
		}()
	}
	wg.Wait()
	r := Result{
		Found: int(c.found.Load()), Expired: int(c.expired.Load()), Skipped: int(c.skipped.Load()), LeftToPurge: int(c.left.Load()),
		Deferred: int(c.deferred.Load()), Errors: int(c.errs.Load()), ItemsRead: int(c.read.Load()),
		Duration:      time.Since(start),
		Complete:      !stopped.Load() && c.errs.Load() == 0 && c.deferred.Load() == 0,
		queriesFailed: int(c.queriesFailed.Load()),
	}
	s.report(ctx, r)
	return r
}

// counts are a run's tallies, updated by its goroutines.
type counts struct {
	found, expired, skipped, left, deferred, errs, read atomic.Int64
	queriesFailed                                       atomic.Int64
}

// expire writes the expiries of one page with Workers writes in flight.
func (s *Sweeper) expire(ctx context.Context, keys []store.ExpiryKey, c *counts, late func() bool, cutOff func(error) bool, stopped *atomic.Bool) {
	sem := make(chan struct{}, s.Workers)
	var wg sync.WaitGroup
	for _, k := range keys {
		if late() {
			stopped.Store(true)
			break
		}
		wg.Add(1)
		sem <- struct{}{}
		go func(k store.ExpiryKey) {
			defer wg.Done()
			defer func() { <-sem }()
			ok, err := s.Store.Expire(ctx, k)
			switch {
			case cutOff(err):
				// Its outcome is unknown; the expiry is conditional, so the
				// next run finds it done or does it.
				stopped.Store(true)
				c.deferred.Add(1)
				s.Logger.Warn("expire cut off at the deadline", "session_id", k.ID, "error", err.Error())
			case store.Transient(err):
				c.deferred.Add(1)
				s.Logger.Warn("expire deferred", "session_id", k.ID, "code", session.ErrorReason(err), "error", err.Error())
			case errors.Is(err, store.ErrNearPurge):
				c.left.Add(1)
			case err != nil:
				c.errs.Add(1)
				s.Logger.Error("expire failed", "session_id", k.ID, "code", session.ErrorReason(err), "error", err.Error())
			case ok:
				c.expired.Add(1)
			default:
				c.skipped.Add(1)
			}
		}(k)
	}
	wg.Wait()
}

// report logs the run's one summary line. The line is also a CloudWatch
// Embedded Metric Format document, so the counts become metrics
// (namespace paysessions, dimension Service) without a metrics API call.
// It is written whatever LOG_LEVEL allows: it is the run's metrics, not a
// diagnostic, and the template's heartbeat alarm treats a minute without
// it as a sweeper that stopped. Its level says whether the run had errors.
func (s *Sweeper) report(ctx context.Context, r Result) {
	level := slog.LevelInfo
	if r.Errors > 0 {
		level = slog.LevelError
	}
	metric := func(name, unit string) map[string]string { return map[string]string{"Name": name, "Unit": unit} }
	rec := slog.NewRecord(time.Now(), level, "sweep", 0)
	rec.AddAttrs(
		slog.String("Service", "expiry-sweeper"),
		slog.Int("SessionsFound", r.Found),
		slog.Int("SessionsExpired", r.Expired),
		slog.Int("SessionsSkipped", r.Skipped),
		slog.Int("SessionsLeftToPurge", r.LeftToPurge),
		slog.Int("SessionsDeferred", r.Deferred),
		slog.Int("SweepErrors", r.Errors),
		slog.Int("ItemsRead", r.ItemsRead),
		slog.Float64("SweepDurationMs", float64(r.Duration.Microseconds())/1000),
		slog.Bool("Complete", r.Complete),
		slog.Any("_aws", map[string]any{
			"Timestamp": time.Now().UnixMilli(),
			"CloudWatchMetrics": []any{map[string]any{
				"Namespace":  "paysessions",
				"Dimensions": [][]string{{"Service"}},
				"Metrics": []map[string]string{
					metric("SessionsFound", "Count"), metric("SessionsExpired", "Count"),
					metric("SessionsSkipped", "Count"), metric("SessionsLeftToPurge", "Count"),
					metric("SessionsDeferred", "Count"),
					metric("SweepErrors", "Count"),
					metric("SweepDurationMs", "Milliseconds"),
				},
			}},
		}),
	)
	// The handler, not the Logger: Logger.LogAttrs drops a record below
	// the handler's level before it is built. A line that cannot be
	// written has nowhere else to go (the heartbeat alarm notices).
	_ = s.Logger.Handler().Handle(ctx, rec)
}

// Handle is the Lambda handler: EventBridge Scheduler invokes it every
// minute with a fixed payload, which it does not need. It fails the
// invocation only when nothing could be swept (every shard's query
// failed); individual failures, a shard's query among them, are counted in
// the summary and its metrics (SweepErrors), and the next run retries them.
func (s *Sweeper) Handle(ctx context.Context, _ json.RawMessage) (Result, error) {
	r := s.Run(ctx)
	if r.queriesFailed >= s.Store.Shards() {
		return r, errSweepFailed
	}
	return r, nil
}

type sweepError string

func (e sweepError) Error() string { return string(e) }

const errSweepFailed = sweepError("sweep failed: no shard could be read (see the log)")
