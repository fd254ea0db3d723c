// Package sweep persists expiries: it finds open sessions past expiresAt in
// the sparse, sharded expiry index and expires each with one conditional
// write (store.Expire). Reads already report such sessions as EXPIRED; the
// sweep makes the stored state converge, removes them from the index and
// sets the TTL that lets DynamoDB delete them. It never Scans, reads only
// the index entries of the sessions it expires, stops before its deadline
// (the next run continues where it stopped), and is safe to run twice at
// once: a session someone else closed or expired is skipped, never
// overwritten. A write that DynamoDB throttled, or that kept meeting a
// running transaction, is deferred to the next run: counted, not an error;
// once DynamoDB throttles a write or a query, the run sends no more (see Run).
// A write whose outcome is unknown (every answer lost, a 5xx, a timeout) is
// judged by the session read back (store.Expire): expired by it or closed
// by someone else is counted so, not as an error.
//
// Failure storms cost a bounded number of calls and log lines a run: once
// FailuresToStop calls in a row have failed unavailable (a 5xx, a timeout,
// a broken connection, after the SDK's retries and the read-back), the run
// backs off as after a throttled write, and at most ErrorLines failed calls
// get an ERROR line each; the summary line counts them all (SweepErrors,
// ErrorsNotLogged).
package sweep

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

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

// Failure storms (see Run).
const (
	FailuresToStop = 8  // calls failing unavailable in a row that stop a run
	ErrorLines     = 10 // ERROR lines a run logs for failed calls at most
)

// Sweeper runs sweeps over a store.
type Sweeper struct {
	Store *store.Store
	// Logger gets the sweeper's lines; an error in them is what
	// store.LoggedError says of it, as in a request's line: never a value
	// a DynamoDB message quotes, a card number or a credential.
	Logger   *slog.Logger
	Now      func() time.Time // the sweep's clock; the store's writes use the store's
	Margin   time.Duration
	Workers  int
	PageSize int
	// ShardsAtOnce is how many shards are swept at the same time.
	ShardsAtOnce int
	// FunctionName, when set (on Lambda, the function's own name), is a
	// dimension of the summary line's metrics beside Service, so the
	// sweepers of two stacks in one account and region write two metrics,
	// each watched by its own stack's alarms (see report).
	FunctionName string

	// next is the shard the next run starts its turns with (see Run).
	next atomic.Int64
	// owed holds, for each shard, the expiresAt from which this sweeper
	// last knew the shard might still hold sessions due (see lag).
	mu   sync.Mutex
	owed []time.Time
}

// New returns a sweeper with the default tuning.
// Its first run starts at a random shard (see Run).
func New(st *store.Store, logger *slog.Logger, now func() time.Time) *Sweeper {
	s := &Sweeper{Store: st, Logger: logger, Now: now, Margin: DefaultMargin, Workers: DefaultWorkers, PageSize: DefaultPageSize, ShardsAtOnce: DefaultShardsAtOnce}
	if n := st.Shards(); n > 0 {
		s.next.Store(int64(rand.IntN(n)))
	}
	return s
}

// Result counts one run.
type Result struct {
	Found   int `json:"found"`   // index entries of expired open sessions
	Expired int `json:"expired"` // sessions this run expired
	Skipped int `json:"skipped"` // closed or expired by someone else in the meantime
	// LeftToPurge are sessions found that came within WRITE_GUARD of the
	// end of their retention before their write was due (a long run):
	// sent no write, left to the reads and TTL like those the query no
	// longer finds; or whose write was refused for the end their item was
	// written with, under a shorter RESULT_RETENTION than the sweeper's
	// (store.ErrNearPurge). Not skipped: no one else closed them.
	LeftToPurge int `json:"leftToPurge"`
	// Deferred are sessions whose write was throttled, held by
	// transactions, not sent after the run stopped, or cut off at the
	// run's deadline (not read back: it may have landed, and the next run
	// then no longer finds it, or finds it and skips it, its own write
	// refused when the cut-off one landed after its query): left for the
	// next run.
	Deferred  int           `json:"deferred"`
	Errors    int           `json:"errors"`    // writes or queries that failed
	ItemsRead int           `json:"itemsRead"` // items DynamoDB read for the queries
	Duration  time.Duration `json:"duration"`
	Complete  bool          `json:"complete"` // false: stopped early (deadline, back-off) or failures; the next run continues
	// BackedOff: DynamoDB throttled one of the run's writes or queries, or failed
	// FailuresToStop of its calls in a row, and the run stopped there
	// (see Run).
	BackedOff bool `json:"backedOff"`
	// QueryErrors are the shards whose query failed (counted in Errors
	// too): every other error is a session's, so Found = Expired + Skipped
	// + LeftToPurge + Deferred + Errors - QueryErrors.
	QueryErrors int `json:"queryErrors"`
	// QueriesCutOff are the shards whose query was still unanswered when
	// the run's deadline cut it off (not errors: the run stopped there,
	// Complete false, and the next run reads them).
	QueriesCutOff int `json:"queriesCutOff"`
	// ErrorsNotLogged are the failed calls past the run's first
	// ErrorLines, counted in Errors but given no ERROR line of their own.
	ErrorsNotLogged int `json:"errorsNotLogged"`
	// Lag is how far behind the sweeper is (see lag), LagPercent the same
	// as a share of the time it has for a session (RESULT_RETENTION -
	// WRITE_GUARD): 100 is a session about to be left to TTL unswept.
	Lag        time.Duration `json:"lag"`
	LagPercent float64       `json:"lagPercent"`

	noneRead bool // queries failed, and none was answered (see Handle)
}

// Run sweeps every shard, ShardsAtOnce at a time taking turns a page at a
// time, until done, until Margin before ctx's deadline, or until DynamoDB
// throttles one of its writes.
//
// Once DynamoDB throttles an expiry write or an expiry-index query (its
// first try: the store does not retry the sweeper's throttled calls), the
// run backs off for the rest of
// its time: it starts no more writes and no more queries, the writes
// already in flight finish, and everything else is left for the next run
// (the rest of the pages in hand counted as deferred, the pages not read
// not counted at all). It stops the whole run, not only the throttled
// shard, and does not merely lower its concurrency: what DynamoDB throttles
// is the table (its on-demand or provisioned throughput, the account's
// request limit) or the partitions the write touches (the session's, or
// the expiry index's through back-pressure), and every other shard's writes
// go to the same table, so a sweep that carried on at any rate would keep
// adding write load to a table whose live traffic (processors' events,
// merchants' creates) is being throttled too. The sweeper's writes are the
// ones that can wait: reads already report the sessions EXPIRED, and the
// next run comes a minute later. So after the first throttled write only
// the writes then in flight (at most ShardsAtOnce × Workers) are sent —
// give or take one that a slot started while that answer was being read;
// in a storm, where every write is throttled, none — and a throttle storm
// costs one WARN line per run, the summary line counting the deferred
// sessions (SessionsDeferred, like every deferral).
//
// A throttled query backs the run off the same way. Every shard's query
// reads the same index of the same table (RequestLimitExceeded is the
// account's), so the next shard's query would most likely be throttled
// too; retrying it (the SDK's default, up to 5 tries with back-off sleeps)
// or going on with the other shards would add read load to a throttled
// table or account and spend the run's time asleep. The throttled shard's
// turn counts as taken; the query is not a session and is not counted in
// SessionsDeferred (BackedOff and Complete say the run stopped).
//
// A run that stopped early (back-off or deadline) hands the turn order on:
// the next run of this Sweeper starts with the first shard that was still
// waiting for its turn, so the shards keep taking turns across runs as
// within one, and a run cut short every time (a throttle each minute)
// still reaches every shard in turn, rather than the first ShardsAtOnce
// shards every time. A new Sweeper (a cold start) starts at a random shard.
//
// A storm of failures backs the run off too: once FailuresToStop calls
// (writes or queries) in a row have failed unavailable — a 5xx, a timeout,
// a broken connection, each already retried by the SDK and, for a write,
// read back — with no write landing in between, the run stops as above
// (BackedOff, the rest deferred). DynamoDB, or the way to it, is failing:
// every further write would cost the SDK's retries and a read-back on a
// failing table, and tell the operator nothing the first failures did not.
// A call refused for itself (a 4xx other than throttling: a validation
// error, access denied) does not count towards it, so a few sessions that
// always fail cannot stop every run before the others are reached. Every
// failed call is counted in Errors (SweepErrors, its alarm), but only the
// run's first ErrorLines get an ERROR line each: the summary line counts
// the rest (ErrorsNotLogged), so a storm costs a run at most ErrorLines
// ERROR lines, a WARN line and the summary, not a line per session.
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

	r := &run{s: s, late: late, cutOff: cutOff}
	// The shards take turns, a page at a time, ShardsAtOnce at once: a
	// shard whose page is swept goes to the back of the queue. So a backlog
	// larger than a run can finish is worked down in every shard alike,
	// the oldest sessions of each first, rather than in the same few
	// shards run after run (the others' sessions left until they drop out
	// of the window). Once the run has stopped, no shard is queried again.
	n := s.Store.Shards()
	queue := make(chan turn, n) // each shard at most once
	var mu sync.Mutex           // keeps the queue's order the turns' order
	var seq int64
	enqueue := func(q *store.ExpiryQuery, sh *shardRun) {
		mu.Lock()
		seq++
		queue <- turn{q, sh, seq}
		mu.Unlock()
	}
	// shards is what the run learnt of each shard, for its lag (nil: its
	// query could not even be made). A shard is in one turn at a time,
	// and its turns follow each other through the queue, so each is
	// written by one goroutine at a time, and read after wg.Wait.
	shards := make([]*shardRun, n)
	// waiting is the first turn (the lowest seq) the run did not start
	// because it had stopped: where the next run starts. A turn started
	// (its page queried) counts as taken, even if the run stopped before
	// its page was written, so each run moves the turns on by at least the
	// shards it queried.
	waiting := turn{seq: -1}
	wait := func(t turn) {
		mu.Lock()
		if waiting.seq < 0 || t.seq < waiting.seq {
			waiting = t
		}
		mu.Unlock()
	}
	var left atomic.Int64
	left.Store(int64(n))
	finish := func() {
		if left.Add(-1) == 0 {
			close(queue)
		}
	}
	first := 0
	if n > 0 {
		first = int(s.next.Load() % int64(n))
	}
	for i := range n {
		shard := (first + i) % n
		q, err := s.Store.ExpiryQuery(shard, now, s.PageSize)
		if err != nil {
			r.errs.Add(1)
			r.queriesFailed.Add(1)
			s.Logger.Error("sweep query failed", "shard", shard, "error", store.LoggedError(err))
			finish()
			continue
		}
		shards[shard] = &shardRun{}
		enqueue(q, shards[shard])
	}
	var wg sync.WaitGroup
	for range min(max(s.ShardsAtOnce, 1), n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range queue {
				q, sh := t.q, t.sh
				if q.Done() || r.halted() {
					if q.Done() {
						// Nothing to read (its window is empty), or read
						// to its end by its last turn.
						sh.read, sh.done = true, true
					} else {
						wait(t)
					}
					finish()
					continue
				}
				keys, read, err := q.Next(ctx)
				r.read.Add(int64(read))
				if err == nil {
					r.answered.Store(true)
					sh.saw(keys)
				}
				switch {
				case cutOff(err):
					// Counted, not logged, as a cut-off write is: the
					// summary says the run stopped (Complete false) and
					// how many queries it cut off. A line each (up to
					// ShardsAtOnce a run, naming an unavailable service
					// DynamoDB never was) said no more.
					r.stopped.Store(true)
					r.queriesCutOff.Add(1)
				case store.Throttled(err):
					// Not a session: nothing counted, the shard's turn
					// taken (so the next run starts after it).
					r.backOff("sweep backing off: DynamoDB throttled an expiry index query; the rest is left for the next run",
						"shard", q.Shard, "code", session.ErrorReason(err), "error", store.LoggedError(err))
				case err != nil:
					r.errs.Add(1)
					r.queriesFailed.Add(1)
					r.failed(err, "sweep query failed", "shard", q.Shard, "code", session.ErrorReason(err), "error", store.LoggedError(err))
				}
				if err != nil {
					finish()
					continue
				}
				if len(keys) > 0 {
					r.found.Add(int64(len(keys)))
					if r.halted() {
						// Read, but the run stopped meanwhile: in hand,
						// deferred (its turn taken: the next run starts
						// after it, so the turns always move on).
						r.deferred.Add(int64(len(keys)))
						sh.owes(keys, nil)
						sh.leave(keys...)
						finish()
						continue
					}
					left, skipped := r.expire(ctx, keys)
					sh.owes(keys, skipped)
					sh.leave(left...)
				}
				if q.Done() {
					sh.done = true
					finish()
					continue
				}
				enqueue(q, sh)
			}
		}()
	}
	wg.Wait()
	if waiting.seq >= 0 {
		s.next.Store(int64(waiting.q.Shard))
	}
	lag := s.lag(now, shards)
	percent := 0.0
	if p := s.Store.Policy(); p.Retention > p.WriteGuard {
		percent = math.Round(10000*lag.Seconds()/(p.Retention-p.WriteGuard).Seconds()) / 100
	}
	res := Result{
		Found: int(r.found.Load()), Expired: int(r.expired.Load()), Skipped: int(r.skipped.Load()), LeftToPurge: int(r.left.Load()),
		Deferred: int(r.deferred.Load()), Errors: int(r.errs.Load()), ItemsRead: int(r.read.Load()),
		Duration:        time.Since(start),
		Complete:        !r.stopped.Load() && r.errs.Load() == 0 && r.deferred.Load() == 0,
		BackedOff:       r.backedOff.Load(),
		QueryErrors:     int(r.queriesFailed.Load()),
		QueriesCutOff:   int(r.queriesCutOff.Load()),
		noneRead:        r.queriesFailed.Load() > 0 && !r.answered.Load(),
		ErrorsNotLogged: int(max(r.errorLines.Load()-ErrorLines, 0)),
		Lag:             lag,
		LagPercent:      percent,
	}
	s.report(ctx, res)
	return res
}

// turn is a shard's turn in a run's queue: its query, what the run learnt
// of the shard, and its place.
type turn struct {
	q   *store.ExpiryQuery
	sh  *shardRun
	seq int64
}

// shardRun is what a run learnt of one shard, for its lag.
type shardRun struct {
	read bool // its first page was answered (or it had nothing to read)
	// oldest is the oldest expiresAt its pages held of the entries it
	// owed, all but those skipped (see owes); zero: none.
	oldest  time.Time
	newest  time.Time // the newest expiresAt its pages held; zero: none
	done    bool      // read to its end
	pending bool      // a session it found was left for a later run (deferred, failed)
	// left is the oldest expiresAt of the sessions it found and left for a
	// later run; zero: none (or none that parses: see lag).
	left time.Time
}

// saw notes a page of the shard's index entries: where the run's reading
// of the shard has got to.
func (sh *shardRun) saw(keys []store.ExpiryKey) {
	sh.read = true
	for _, k := range keys {
		// An entry that is not a time in the store's form is Expire's error
		// to report.
		if at, ok := store.ExpiryTime(k.ExpiresAt); ok && at.After(sh.newest) {
			sh.newest = at
		}
	}
}

// owes notes the entries of a page the sweeper owed when the run started,
// for its lag: all but those skipped. A skipped entry's write found no
// open session due at that expiresAt (closed by someone else, or an item
// that is no session of the service): it was not owed, and an entry that
// no write will ever take out of the index (an item another writer gave
// the index's attributes) is found and skipped by every run, which would
// otherwise report it older each time until it left the window, paging
// (SweeperLagAlarm) for a sweeper that owes nothing.
func (sh *shardRun) owes(keys, skipped []store.ExpiryKey) {
	for _, k := range keys {
		if slices.Contains(skipped, k) {
			continue
		}
		if at, ok := store.ExpiryTime(k.ExpiresAt); ok && (sh.oldest.IsZero() || at.Before(sh.oldest)) {
			sh.oldest = at
		}
	}
}

// leave notes sessions the shard's run found and left for a later run
// (deferred, failed).
func (sh *shardRun) leave(keys ...store.ExpiryKey) {
	for _, k := range keys {
		sh.pending = true
		if at, ok := store.ExpiryTime(k.ExpiresAt); ok && (sh.left.IsZero() || at.Before(sh.left)) {
			sh.left = at
		}
	}
}

// lag is how far behind the sweeper is at now, the start of a run that
// learnt shards (see Run): the largest of its shards' lags, each
//   - for a shard whose first page the run read: the age of the oldest
//     entry it found (now - its expiresAt: a shard's first page starts
//     with its oldest session due), 0 if none was due; an entry it
//     skipped was not owed (see owes) and counts in no lag;
//   - for a shard it did not read (its query throttled or failed, or the
//     run stopped before its turn): how old the oldest session due there
//     could be, by what this sweeper last learnt of it: now minus the
//     oldest expiresAt the last run that read it found there and left for
//     later (deferred, failed), or minus the newest it read there if that
//     is older and the run did not read the shard to its end (the pages
//     not read hold none older), or, if that run read it to its end and
//     left nothing, minus that run's start less WRITE_GUARD (what was due
//     then was swept). Sessions it expired, skipped or left to purge are
//     not owed.
//     A new sweeper (a cold start) knows nothing of earlier ones: it
//     counts as if every shard had been swept up to WRITE_GUARD before
//     its first run.
//
// So the figure is exact when the run read every shard, and otherwise not
// below the lag of the shards it read; for the others it grows by a minute
// each minute they go unread, whether or not sessions wait there: a
// sweeper throttled at its first query every minute does not sweep, and
// its lag says so long before a session is left to TTL unswept. lag also
// records what the run learnt for the next ones.
func (s *Sweeper) lag(now time.Time, shards []*shardRun) time.Duration {
	sweptBy := now.Add(-s.Store.Policy().WriteGuard)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.owed) != len(shards) {
		s.owed = make([]time.Time, len(shards))
		for i := range s.owed {
			s.owed[i] = sweptBy
		}
	}
	var lag time.Duration
	for i, sh := range shards {
		if sh == nil || !sh.read {
			lag = max(lag, now.Sub(s.owed[i]))
			continue
		}
		if !sh.oldest.IsZero() {
			lag = max(lag, now.Sub(sh.oldest))
		}
		// The oldest session the shard may still hold due: the oldest
		// left, and, if the shard was not read to its end, the newest read
		// (the pages after it hold none older); nothing older than what
		// was due at the run's start.
		owed := sweptBy
		if sh.pending {
			left := sh.left
			if left.IsZero() {
				// Left sessions whose entries do not parse: at least as
				// recent as the oldest, the first page starting with it.
				left = sh.oldest
			}
			if !left.IsZero() && left.Before(owed) {
				owed = left
			}
		}
		if !sh.done {
			if sh.newest.IsZero() {
				continue // nothing learnt: what it knew before stands
			}
			if sh.newest.Before(owed) {
				owed = sh.newest
			}
		}
		s.owed[i] = owed
	}
	return lag
}

// run is one run's state, shared by its goroutines.
type run struct {
	s      *Sweeper
	late   func() bool
	cutOff func(error) bool

	found, expired, skipped, left, deferred, errs, read atomic.Int64
	queriesFailed, queriesCutOff                        atomic.Int64
	// streak counts the calls failed unavailable since a write last
	// landed; errorLines the failed calls logged or not (see failed).
	streak, errorLines atomic.Int64
	// stopped: the run starts no more queries or writes (its deadline,
	// or a back-off: then backedOff is set too).
	stopped, backedOff atomic.Bool
	// answered: a query of the run was answered.
	answered atomic.Bool
}

// halted reports whether the run has stopped starting calls, and stops it
// once its time is up.
func (r *run) halted() bool {
	if r.stopped.Load() {
		return true
	}
	if r.late() {
		r.stopped.Store(true)
		return true
	}
	return false
}

// backOff stops the run (see Run), logging msg and args at WARN for the
// run's first back-off only.
func (r *run) backOff(msg string, args ...any) {
	r.stopped.Store(true)
	if r.backedOff.CompareAndSwap(false, true) {
		r.s.Logger.Warn(msg, args...)
	}
}

// loggedSessionID is a session id as the sweeper's lines show it: as read
// when it is one the service makes (a UUID in its canonical form), else
// [redacted]. The sweeper reads it from the expiry index entry DynamoDB
// answered, and an entry the service did not write, or an answer not
// DynamoDB's, can hold anything: behind make run, an index answering
// "SESSION#4111111111111111" or "SESSION#psk_<id>_<secret>" logged the
// card number and the key on "expire failed" lines (r93-logs), where "a
// token, key, secret or card number never reaches a log" (README).
func loggedSessionID(id string) string {
	if len(id) == 36 {
		if u, err := uuid.Parse(id); err == nil && u.String() == id {
			return id
		}
	}
	return "[redacted]"
}

// failed logs a call that failed (counted by the caller) at ERROR, the
// run's first ErrorLines such calls only (the summary counts them all),
// and backs the run off once FailuresToStop calls in a row have failed
// unavailable (a 5xx, a timeout, a broken connection: DynamoDB or the way
// to it failing), with no write landing in between.
func (r *run) failed(err error, msg string, args ...any) {
	if r.errorLines.Add(1) <= ErrorLines {
		r.s.Logger.Error(msg, args...)
	}
	if session.ErrorCode(err) != session.EUNAVAILABLE {
		return
	}
	if r.streak.Add(1) >= FailuresToStop {
		r.backOff("sweep backing off: DynamoDB failed the sweep's calls in a row; the rest is left for the next run",
			"failures", FailuresToStop, "code", session.ErrorReason(err), "error", store.LoggedError(err))
	}
}

// landed notes a write that landed (expired, also when judged by the
// session read back) or that DynamoDB answered (skipped: its condition
// failed): the failures in a row start again from zero. A write judged
// skipped by the read back (someone else's close) neither landed nor was
// answered, and does not call it.
func (r *run) landed() { r.streak.Store(0) }

// expire writes the expiries of one page with Workers writes in flight,
// until the run stops: the rest of the page is then deferred. It returns
// the sessions of the page left for a later run (deferred, failed) and
// those it skipped (closed by someone else, or no session of the
// service); the others were dealt with (expired, or left to purge).
func (r *run) expire(ctx context.Context, keys []store.ExpiryKey) (left, skipped []store.ExpiryKey) {
	var mu sync.Mutex
	leave := func(k ...store.ExpiryKey) {
		mu.Lock()
		left = append(left, k...)
		mu.Unlock()
	}
	skip := func(k store.ExpiryKey) {
		r.skipped.Add(1)
		mu.Lock()
		skipped = append(skipped, k)
		mu.Unlock()
	}
	sem := make(chan struct{}, max(r.s.Workers, 1))
	var wg sync.WaitGroup
	for i, k := range keys {
		sem <- struct{}{}
		// Checked once a write may start: a write that finished meanwhile
		// may have been throttled.
		if r.halted() {
			<-sem
			r.deferred.Add(int64(len(keys) - i))
			leave(keys[i:]...)
			break
		}
		wg.Add(1)
		go func(k store.ExpiryKey) {
			defer wg.Done()
			// The outcome is counted, and the run stopped if need be, before
			// the slot is freed for the page's next write.
			defer func() { <-sem }()
			ok, readBack, err := r.s.Store.ExpireJudged(ctx, k)
			switch {
			case r.cutOff(err):
				// Its outcome is unknown; the expiry is conditional, so the
				// next run finds it done or does it. Counted, not logged:
				// the summary says the run stopped (Complete false).
				r.stopped.Store(true)
				r.deferred.Add(1)
				leave(k)
			case store.Throttled(err):
				r.deferred.Add(1)
				leave(k)
				r.backOff("sweep backing off: DynamoDB throttled an expiry write; the rest is left for the next run",
					"session_id", loggedSessionID(k.ID), "code", session.ErrorReason(err), "error", store.LoggedError(err))
			case store.Transient(err):
				// Held by running transactions: counted (SessionsDeferred),
				// not logged one line each.
				r.deferred.Add(1)
				leave(k)
			case errors.Is(err, store.ErrPastWrittenPurge):
				// Its write was refused for the end its item was written
				// with: DynamoDB answered it, as a skipped one's.
				r.landed()
				r.left.Add(1)
			case errors.Is(err, store.ErrNearPurge):
				// No write was sent: nothing landed, the failures in a
				// row go on counting.
				r.left.Add(1)
			case err != nil:
				r.errs.Add(1)
				leave(k)
				r.failed(err, "expire failed", "session_id", loggedSessionID(k.ID), "code", session.ErrorReason(err), "error", store.LoggedError(err))
			case ok:
				r.landed()
				r.expired.Add(1)
			case readBack:
				// Closed by someone else, by the session read back after
				// this write failed: it did not land, and DynamoDB never
				// answered it, so the failures in a row go on counting.
				skip(k)
			default:
				r.landed()
				skip(k)
			}
		}(k)
	}
	wg.Wait()
	return left, skipped
}

// report logs the run's one summary line. The line is also a CloudWatch
// Embedded Metric Format document, so the counts become metrics
// (namespace paysessions, dimensions Service and, when set, FunctionName)
// without a metrics API call. The namespace is the account's, not the
// stack's: without FunctionName a second stack's sweeper (staging beside
// production) would write the same metrics and raise the other's alarms.
// It is written whatever LOG_LEVEL allows: it is the run's metrics, not a
// diagnostic, and the sweeper alarms on its problems (SweepErrors,
// SessionsLeftToPurge, SweepLagPercent) treat a minute without them as
// nothing wrong (TreatMissingData notBreaching): a filtered line would
// silence them all. The template's SweeperHeartbeatAlarm counts the
// function's invocations (AWS/Lambda), and SweeperReportsAlarm these
// lines (the SampleCount of SweepDurationMs, missing data breaching), so
// a sweeper that runs but whose lines are lost pages; a run that never
// reports (a crash, a timeout) is a Lambda error, its own alarm.
// Its level says whether the run had errors.
func (s *Sweeper) report(ctx context.Context, r Result) {
	level := slog.LevelInfo
	if r.Errors > 0 {
		level = slog.LevelError
	}
	metric := func(name, unit string) map[string]string { return map[string]string{"Name": name, "Unit": unit} }
	rec := slog.NewRecord(time.Now(), level, "sweep", 0)
	dimensions := []string{"Service"}
	rec.AddAttrs(slog.String("Service", "expiry-sweeper"))
	if s.FunctionName != "" {
		dimensions = append(dimensions, "FunctionName")
		rec.AddAttrs(slog.String("FunctionName", s.FunctionName))
	}
	rec.AddAttrs(
		slog.Int("SessionsFound", r.Found),
		slog.Int("SessionsExpired", r.Expired),
		slog.Int("SessionsSkipped", r.Skipped),
		slog.Int("SessionsLeftToPurge", r.LeftToPurge),
		slog.Int("SessionsDeferred", r.Deferred),
		slog.Int("SweepErrors", r.Errors),
		slog.Int("QueryErrors", r.QueryErrors),
		slog.Int("QueriesCutOff", r.QueriesCutOff),
		slog.Int("ErrorsNotLogged", r.ErrorsNotLogged),
		slog.Int("ItemsRead", r.ItemsRead),
		slog.Float64("SweepDurationMs", float64(r.Duration.Microseconds())/1000),
		slog.Float64("SweepLagMs", float64(r.Lag.Microseconds())/1000),
		slog.Float64("SweepLagPercent", r.LagPercent),
		slog.Bool("Complete", r.Complete),
		slog.Bool("BackedOff", r.BackedOff),
		slog.Any("_aws", map[string]any{
			"Timestamp": time.Now().UnixMilli(),
			"CloudWatchMetrics": []any{map[string]any{
				"Namespace":  "paysessions",
				"Dimensions": [][]string{dimensions},
				"Metrics": []map[string]string{
					metric("SessionsFound", "Count"), metric("SessionsExpired", "Count"),
					metric("SessionsSkipped", "Count"), metric("SessionsLeftToPurge", "Count"),
					metric("SessionsDeferred", "Count"),
					metric("SweepErrors", "Count"),
					metric("SweepDurationMs", "Milliseconds"),
					metric("SweepLagMs", "Milliseconds"), metric("SweepLagPercent", "Percent"),
				},
			}},
		}),
	)
	// The handler, not the Logger: Logger.LogAttrs drops a record below
	// the handler's level before it is built. A line that cannot be
	// written has nowhere else to go.
	_ = s.Logger.Handler().Handle(ctx, rec)
}

// Handle is the Lambda handler: EventBridge Scheduler invokes it every
// minute with a fixed payload, which it does not need. It fails the
// invocation only when nothing could be swept (queries failed and none was
// answered: every shard's, or those before a failure storm backed the run
// off); individual failures, a shard's query among them, are counted in
// the summary and its metrics (SweepErrors), and the next run retries them.
func (s *Sweeper) Handle(ctx context.Context, _ json.RawMessage) (Result, error) {
	r := s.Run(ctx)
	if r.noneRead {
		return r, errSweepFailed
	}
	return r, nil
}

type sweepError string

func (e sweepError) Error() string { return string(e) }

const errSweepFailed = sweepError("sweep failed: no shard could be read (see the log)")
