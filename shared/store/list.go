package store

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/paysessions/paysessions/shared/session"
)

// ListQuery selects one merchant's sessions of one UTC day (document 004's
// list).
type ListQuery struct {
	MerchantID string
	Day        time.Time
	// Limit is the most sessions to list; 0 lists the whole day.
	Limit int
	// Cursor resumes after an earlier listing ("" from the day's start).
	Cursor string
}

// Option adjusts a Store.
type Option func(*Store)

type listOptions struct {
	budget time.Duration
	shards int
	// wait is the backoff before BatchGetItem asks again for the keys it
	// left unprocessed: a random time below ceiling (tests record ceiling).
	wait func(ctx context.Context, ceiling time.Duration) error
	// clock is the wall clock the budget is measured on (time.Now; tests
	// move their own with wait).
	clock func() time.Time
}

var defaultListOptions = listOptions{budget: DefaultListBudget, shards: DefaultListShards, wait: jitterWait, clock: time.Now}

// DefaultListShards is LIST_SHARDS' default: the partitions of one
// merchant's day in the list index (docs/design.md §8).
const DefaultListShards = 16

// MaxListShards is the most partitions LIST_SHARDS may have: a page's
// cursor holds a position for each, and the client sends it back in the
// next page's request line, of which (with the headers, a bearer token
// among them) API Gateway's HTTP API takes 10,240 bytes at most. At 32 the
// longest cursor is about 3 KB, within maxCursorLen; at 256 it was 24 KB,
// and its Link could be neither followed nor, beside a full page, returned
// by Lambda.
const MaxListShards = 32

// maxCursorLen is the longest cursor the list writes, at MaxListShards:
// 4 KiB, leaving 6 KiB of a request's 10,240 bytes to the rest of its line
// and its headers.
const maxCursorLen = 4 << 10

// ListShards sets LIST_SHARDS: the partitions one merchant's day is spread
// over in the list index (a hash of the id picks one), 1 to MaxListShards:
// a count below 1 is 1, and one above MaxListShards is MaxListShards (config
// refuses it with the same constant; the store holds itself to it whoever
// sets it, since it refuses a cursor of more partitions and would refuse
// its own). Lowering it would hide the sessions written to the partitions
// it drops; the template fixes it.
func ListShards(n int) Option {
	return func(s *Store) { s.list.shards = min(max(n, 1), MaxListShards) }
}

// DefaultListBudget is how long one listing reads DynamoDB at most, unless
// its context's deadline comes first (less listReserve).
const DefaultListBudget = 10 * time.Second

// listReserve is what a listing leaves of its context's deadline for its
// caller to render and send the answer.
const listReserve = 2 * time.Second

// ListBudget sets how long one listing may read DynamoDB (DefaultListBudget
// without it). The budget bounds a listing however many sessions it must
// pass — purged ones TTL has not deleted included.
func ListBudget(d time.Duration) Option {
	return func(s *Store) { s.list.budget = d }
}

// The list's reading.
const (
	batchGetKeys    = 100 // BatchGetItem's most keys per call
	batchGetsAtOnce = 4
	listWindow      = batchGetKeys * batchGetsAtOnce // sessions read per round
	minPageQuery    = 64                             // a page's first Query Limit, at least
	queryGrowth     = 8                              // each further Query of a partition reads 8 times more
	maxQueryLimit   = 8192                           // beyond it, no Limit: DynamoDB's 1 MB page
	maxBatchGets    = 8                              // attempts at keys BatchGetItem leaves unprocessed
)

// The backoff between BatchGetItems of keys left unprocessed is exponential
// with full jitter, as DynamoDB's reference asks ("we strongly recommend
// that you use an exponential backoff algorithm"): the store's one backoff
// (backoff.go), the client's retryer's, at retryBase — the wait before
// attempt n+1 is a random time below min(25 ms·2^(n-1), maxBackoff) — 25,
// 50, 100, 200, 400, 500, 500 ms, at most 1.8 s in all for one
// BatchGetItem. Eight tries reach the cap, so the throttle base would add
// nothing but a later first retry. The listing's budget is checked between
// rounds, and within a round after the first before each of these waits: a
// wait that may end past the budget is not waited, and the round stops as
// the budget does (errListBudget). Else a round begun just before the
// budget ran out could wait out its 8 tries, each a call with the SDK's own
// throttled retries (up to 1.2 s of waits), past listReserve and the
// function's deadline: 503 where the budget answers a page with a Link.

// errListBudget stops a round whose BatchGetItem would wait past the
// listing's budget: its sessions are left unread for the cursor.
var errListBudget = errors.New("list: budget spent waiting for unprocessed keys")

// batchGetWait is the ceiling of the wait after the attempt-th BatchGetItem
// left keys unprocessed.
func batchGetWait(attempt int) time.Duration { return backoffCeiling(retryBase, attempt) }

// listAttributes are the attributes a listed session is read with: what
// document 004's record renders and the time rules read (purgeAt among
// them: an open session's end is the one its item was written with,
// whatever RESULT_RETENTION is now, as a single read judges it). A listed session carries nothing else (no history, no amounts).
var listAttributes = []string{
	"id", "merchantId", "status", "statusReason", "transactionId", "partnerTransactionId", "shopBuyerId",
	"declineReasons", "createdAt", "updatedAt", "expiresAt", "closedAt", "retainUntil", "purgeAt",
	// The index attributes, which must follow merchantId, createdAt and
	// id (sessionItem.toSession): an item whose do not is 500 at every
	// read, listed or alone.
	attrMerchantDayShard, attrCreatedKey,
	// And the filter's (sessionItem.toSession): an item whose listUntil
	// is before its purge instant is 500 at every read too.
	attrListUntil,
}

// listProjection reads listAttributes, and the key too, so that an item of
// a key not asked is told (refuseForeignAnswers); DynamoDB charges the
// whole item anyway. The day's list and document 004's single read
// (GetRecord) read with it.
func listProjection() (expression.Expression, error) {
	proj := expression.NamesList(expression.Name(attrPK), expression.Name(attrSK))
	for _, a := range listAttributes {
		proj = proj.AddNames(expression.Name(a))
	}
	return expression.NewBuilder().WithProjection(proj).Build()
}

// listLayout is where the list finds a merchant's day: an index, the
// partitions of the day in it, and the attribute whose value tells that an
// entry's session is surely gone by now.
type listLayout struct {
	index      string
	partition  string // the index's partition attribute
	until      string // an entry is skipped once this instant + listLagMargin has passed
	partitions []string
}

// listLagMargin is how long past an index entry's listUntil the list's
// index query still returns it. The index lags the table (DynamoDB updates
// it asynchronously, later under load), and listUntil moves later when a
// session is settled after its expiresAt (AUTHORISED at 29:59, SETTLED at
// 44:54): while the index still holds the old listUntil, a filter on
// listUntil > now skipped, from the old instant on, a session a single read
// still returns. The write that moves listUntil lands at least WRITE_GUARD
// before the old one (writes are refused that close to the end of
// retention), so the filter listUntil > now − listLagMargin tolerates index
// lag up to WRITE_GUARD + listLagMargin (at least 1 min 1 s; DynamoDB's
// index lag is normally well under a second). What the margin costs:
// entries whose sessions went in the last minute are read from the table
// and dropped there, as the table read judges every session by its real
// state anyway. It also keeps the cursor's positions exact: a position
// past entries the filter dropped skips only entries whose listUntil passed
// listLagMargin before the page, which (with lag within that tolerance) is
// their real one: gone for good.
const listLagMargin = time.Minute

func (s *Store) listLayout(merchantID string, day time.Time) listLayout {
	l := listLayout{index: IndexByMerchantDayShard, partition: attrMerchantDayShard, until: attrListUntil}
	for shard := range s.list.shards {
		l.partitions = append(l.partitions, merchantDayShard(merchantID, day, shard))
	}
	return l
}

// ListByDay calls yield with q.MerchantID's sessions created on q.Day (UTC),
// oldest first, as they are now; sessions past their retention never
// appear. It pages DynamoDB itself: without a limit it lists the whole day,
// however many index pages that takes. yield returns false to refuse a
// session (the caller's answer is full): the listing stops before it.
//
// It returns the cursor of the rest of the day — "" when nothing is left —
// so a refused session is the first of the rest, and a listing that stops
// at q.Limit returns a cursor only when it has read another session that
// exists now (an index entry alone is no proof: a session closed early is
// gone before its entry leaves the list's window), so the last page has no
// Link, and a Link leads to an empty page only by the budget or when the
// sessions it found went (past their retention) before it was followed. A
// listing that runs out of its time budget (ListBudget) also stops, and
// returns the cursor of the rest: possibly after fewer sessions than
// q.Limit, or none, but always further on, so following the cursors always
// ends; one that has read the whole day when its budget runs out is
// complete (""). A round after the first starts only within the budget,
// and its calls are cut off when the budget ends (roundContext): the
// round's sessions are then left unread for the cursor, never a 503 at
// the request's deadline.
//
// The index gives the sessions' ids and order: the day's LIST_SHARDS
// partitions are read in parallel and merged by sort key. The sessions
// themselves are read from the table with consistent BatchGetItems (at
// most 100 keys each), so a listed session is exactly what a single read
// returns at the same instant, however late the index is: the sessions of
// one round (up to listWindow, read by parallel BatchGetItems) are judged
// with one clock reading, taken after they answer, those whose read
// straddled their expiry read again first (batchGetJudged); rounds of one
// page are judged at successive instants. A listed session carries only listAttributes. Never a
// Scan. An index entry whose session is gone from the table is skipped, as
// is one whose key no release writes (validListKey: an item written by
// hand or by another tool), which is not consumed either, so no cursor
// holds its key (a page whose first round meets nothing else, and whose
// budget then runs out, answers a cursor no further on than its own), an
// entry seen twice (in two partitions while the index catches up with a
// change of LIST_SHARDS) is listed once; a session created a moment ago may
// appear a moment later (the index lags).
func (s *Store) ListByDay(ctx context.Context, q ListQuery, yield func(*session.Session) bool) (string, error) {
	l := s.listLayout(q.MerchantID, q.Day)
	cur, err := decodeCursor(q.Cursor, q.MerchantID, q.Day, len(l.partitions))
	if err != nil {
		return "", err
	}
	deadline := s.list.clock().Add(s.list.budget)
	if d, ok := ctx.Deadline(); ok && d.Add(-listReserve).Before(deadline) {
		deadline = d.Add(-listReserve)
	}
	r, err := s.newLister(l, q, cur)
	if err != nil {
		return "", err
	}
	// ahead is the look-ahead past a page's last session, behind how many
	// a round of the page itself reads after a round that met sessions
	// gone: both grow eightfold, so the dead are not walked at the page's
	// pace before a page's sessions any more than after them.
	listed, ahead, behind, skipped := 0, queryGrowth, queryGrowth, false
	for round := 0; ; round++ {
		// The first round always runs: every listing makes progress. A
		// listing that has consumed the whole day is complete, however late.
		if round > 0 && s.list.clock().After(deadline) {
			if r.exhausted() {
				return "", nil
			}
			return r.cursor(), nil
		}
		// A round after the first reads DynamoDB within the budget: its
		// calls are cut off when the budget ends, whatever the SDK is
		// doing (retrying a throttled call, waiting out a hung attempt),
		// and the round's sessions are left unread for the cursor.
		rctx, cancel := s.roundContext(ctx, round, deadline)
		if err := r.fill(rctx); err != nil {
			cancel()
			if cutByBudget(err, rctx, ctx) {
				return r.cursor(), nil
			}
			return "", err
		}
		want := listWindow
		if q.Limit > 0 {
			// One more than the page: a next page exists only if a session
			// that still exists follows it. An index entry is no proof: a
			// session closed early is gone long before its entry leaves
			// the list's window. Past the page, the look-ahead grows;
			// within it, a round after one that met sessions gone reads
			// at least behind, which grows the same way.
			switch {
			case listed < q.Limit && skipped:
				want, behind = min(want, max(q.Limit-listed+1, behind)), min(behind*queryGrowth, listWindow)
			case listed < q.Limit:
				want = min(want, q.Limit-listed+1)
			default:
				want, ahead = min(want, ahead), min(ahead*queryGrowth, listWindow)
			}
		}
		window := r.take(want)
		if len(window) == 0 {
			cancel()
			if r.exhausted() {
				return "", nil
			}
			continue
		}
		// Judged at an instant after the items were read, as Get judges
		// one: the BatchGetItem (the SDK's retries, unprocessed keys) may
		// have taken seconds, and another endpoint may meanwhile have
		// reported a session EXPIRED, or gone; it must not come back here.
		// A read that straddled a session's expiry (or end of retention)
		// is made again, as Get does.
		// The first round runs to its end: every listing makes progress.
		cut := deadline
		if round == 0 {
			cut = time.Time{}
		}
		found, now, err := s.batchGetJudged(rctx, q.MerchantID, window, cut)
		cancel()
		// errListBudget alone (a retry's wait would pass the budget), or
		// nothing but cut calls. Not errors.Is: a call cut by the budget
		// may fail with its cause, errListBudget (net/http's body read),
		// beside another call's failure, which wins.
		if err == errListBudget || cutByBudget(err, rctx, ctx) {
			r.unread(window)
			return r.cursor(), nil
		}
		if err != nil {
			return "", err
		}
		skipped = false
		for i, e := range window {
			if v := found[e.id]; v != nil && createdKey(v.CreatedAt, v.ID) != e.key {
				// An entry's key is its session's createdKey, which never
				// changes: an entry of another key is none DynamoDB holds
				// (refuseForeignAnswers). Read as it is, one session under
				// two keys was listed twice, and a key of another instant
				// listed it out of order.
				return "", session.Unavailable(foreignItem(middleware.Metadata{}, "list: DynamoDB answered an index entry whose key is not its session's "+attrCreatedKey))
			}
			if v := found[e.id]; v != nil && v.MerchantID == q.MerchantID {
				if v, err := v.At(now, s.policy); err == nil {
					if q.Limit > 0 && listed == q.Limit {
						r.unread(window[i:])
						return r.cursor(), nil // one more exists: a next page
					}
					if !yield(v) {
						r.unread(window[i:])
						return r.cursor(), nil
					}
					listed++
					r.consumed(e)
					continue
				}
			}
			skipped = true
			r.consumed(e)
		}
	}
}

// roundContext is the context of a listing's round: ctx for the first
// (every listing makes progress), else ctx cut off at the budget's
// deadline, measured on the list's clock, with errListBudget as the cut's
// cause.
func (s *Store) roundContext(ctx context.Context, round int, deadline time.Time) (context.Context, context.CancelFunc) {
	if round == 0 {
		return ctx, func() {}
	}
	return context.WithTimeoutCause(ctx, deadline.Sub(s.list.clock()), errListBudget)
}

// cutByBudget reports whether err is nothing but a round's calls cut off
// by its budget (rctx's deadline passed: its cause is errListBudget) while
// the listing's own context (ctx) still runs: the listing then answers its
// cursor. A failure of DynamoDB's in the same round wins over the budget,
// as in batchGet: the listing is unavailable. The cause, not rctx.Err(),
// tells the cut: the round's context is also done once the round cancels
// it, and DynamoDB failing within the budget can fail with an error that
// is context.DeadlineExceeded to errors.Is (net/http's own per-attempt
// timeout); read as a cut, it answered a page short, and a whole day 400
// LIST_TOO_LARGE, for a failure (503). So is a call that failed while
// the round's context still ran (failedWithin), whatever its error wraps,
// when another call of the round was still running as the budget ended:
// the cause alone read it as a cut.
func cutByBudget(err error, rctx, ctx context.Context) bool {
	if err == nil || context.Cause(rctx) != errListBudget || ctx.Err() != nil {
		return false
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			if !cutByBudget(e, rctx, ctx) {
				return false
			}
		}
		return true
	}
	var own *ownFailure
	if errors.As(err, &own) {
		return false
	}
	return errors.Is(err, errListBudget) || errors.Is(err, context.DeadlineExceeded)
}

// ownFailure is the error of a round's call that failed while the round's
// context (ctx) still ran: DynamoDB's own failure, never the budget's cut,
// even when it is context.DeadlineExceeded to errors.Is (net/http's own
// per-attempt timeout) and the budget has ended by the time the round's
// other calls answer. A call the budget cut returns only once ctx is done.
type ownFailure struct{ err error }

func (e *ownFailure) Error() string { return e.err.Error() }
func (e *ownFailure) Unwrap() error { return e.err }

// failedWithin marks err, a round's call's error, as its own failure
// (ownFailure) if ctx, the round's context, still runs as it returns.
// errListBudget (a wait that would pass the budget) is left as it is.
func failedWithin(ctx context.Context, err error) error {
	if err == nil || err == errListBudget || ctx.Err() != nil {
		return err
	}
	return &ownFailure{err}
}

// indexEntry is one session as the index gives it: its sort key and id, and
// the partition it was read from.
type indexEntry struct {
	key, id string
	part    int
}

// listPart is the reading of one partition of the day.
type listPart struct {
	expr    expression.Expression
	lek     map[string]ddb.AttributeValue // where the next Query starts
	limit   int32                         // the next Query's Limit; 0: none
	buf     []indexEntry                  // read, not yet consumed
	done    bool                          // nothing left to read
	scanned string                        // sort key of the last entry the index evaluated
	// passed is scanned as it was when the Query that filled buf began:
	// everything of the partition up to it is consumed or gone (a Query
	// is made only once the partition's buffer is consumed).
	passed string
}

// lister merges the partitions of a day by sort key and keeps the position
// of everything consumed — listed, or skipped because its session is gone.
type lister struct {
	s      *Store
	layout listLayout
	day    time.Time
	now    time.Time
	mtag   string
	parts  []*listPart
	last   string // everything up to this sort key, in every partition, is consumed
	taken  string // the sort key take returned last
	from   []string
}

func (s *Store) newLister(l listLayout, q ListQuery, cur cursorPos) (*lister, error) {
	r := &lister{s: s, layout: l, day: q.Day, now: s.now(), mtag: merchantTag(q.MerchantID), last: cur.after, from: make([]string, len(l.partitions))}
	limit := int32(0)
	if q.Limit > 0 {
		per := (q.Limit + 1 + len(l.partitions) - 1) / len(l.partitions)
		if len(l.partitions) > 1 {
			per += per/2 + 8 // partitions are not equal
		}
		limit = int32(min(max(per, minPageQuery), maxQueryLimit))
	}
	for i, pv := range l.partitions {
		start := max(cur.after, cur.pos[i])
		r.from[i] = start
		key := expression.Key(l.partition).Equal(expression.Value(pv))
		if start != "" {
			key = key.And(expression.Key(attrCreatedKey).GreaterThan(expression.Value(start)))
		}
		expr, err := expression.NewBuilder().
			WithKeyCondition(key).
			WithFilter(expression.Name(l.until).GreaterThan(expression.Value(formatTime(r.now.Add(-listLagMargin))))).
			// The item's key too: two items sharing a createdKey are told
			// apart by it (query).
			WithProjection(expression.NamesList(expression.Name(attrCreatedKey), expression.Name(attrPK))).
			Build()
		if err != nil {
			return nil, session.Internal(err)
		}
		r.parts = append(r.parts, &listPart{expr: expr, limit: limit})
	}
	return r, nil
}

// fill reads, in parallel, every partition that has nothing buffered and
// more to read. The Query's Limit counts the entries DynamoDB evaluates
// before the filter, so it never follows the page size alone: it starts at
// a page's share (at least minPageQuery) and grows eightfold with each
// Query, so passing many purged entries takes few calls; a whole day is
// read in DynamoDB's 1 MB pages.
func (r *lister) fill(ctx context.Context) error {
	var wg sync.WaitGroup
	errs := make([]error, len(r.parts))
	for i, p := range r.parts {
		if len(p.buf) > 0 || p.done {
			continue
		}
		wg.Go(func() { errs[i] = failedWithin(ctx, r.query(ctx, i, p)) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (r *lister) query(ctx context.Context, i int, p *listPart) error {
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(r.s.table),
		IndexName:                 aws.String(r.layout.index),
		KeyConditionExpression:    p.expr.KeyCondition(),
		FilterExpression:          p.expr.Filter(),
		ProjectionExpression:      p.expr.Projection(),
		ExpressionAttributeNames:  p.expr.Names(),
		ExpressionAttributeValues: p.expr.Values(),
		ExclusiveStartKey:         p.lek,
	}
	if p.limit > 0 {
		in.Limit = aws.Int32(p.limit)
		if p.limit *= queryGrowth; p.limit > maxQueryLimit {
			p.limit = 0
		}
	}
	out, err := r.s.db.Query(ctx, in)
	if err != nil {
		return classify(err)
	}
	// DynamoDB answers a Query in ascending sort key order, after where it
	// was asked to start (ExclusiveStartKey, or the cursor's position),
	// and the keys (<createdAt>#<id>) of one partition are distinct.
	after, afterPK := r.from[i], ""
	if k, ok := in.ExclusiveStartKey[attrCreatedKey].(*ddb.AttributeValueMemberS); ok {
		after = max(after, k.Value)
		if pk, ok := in.ExclusiveStartKey[attrPK].(*ddb.AttributeValueMemberS); ok && k.Value == after {
			afterPK = pk.Value
		}
	}
	for _, it := range out.Items {
		key, ok := it[attrCreatedKey].(*ddb.AttributeValueMemberS)
		if !ok || key.Value == "" {
			// The index holds only items with its sort key, a string,
			// never empty (DynamoDB refuses a write breaking that,
			// whoever writes): not DynamoDB's answer (refuseForeignAnswers).
			return session.Unavailable(foreignItem(out.ResultMetadata, "list: DynamoDB answered an index entry without a string "+attrCreatedKey))
		}
		if !validListKey(key.Value, r.day) {
			// An entry no release writes (its key not <createdAt in the
			// store's form, on this day>#<a session id in lower case>:
			// an item written by hand or by another tool) names no
			// session any read reaches: skipped before any read, never
			// buffered, so never consumed either: no cursor holds its
			// key, which the next page would refuse as not this list's (a
			// walk stopped at 400 until r111-seeds24), and the next page
			// passes it again. Read beside the entry of the session its
			// id names, it made the BatchGetItem one of duplicate keys
			// (DynamoDB's 400: the whole day 500), and judged after the
			// read, a key not that session's createdKey (503), and two
			// such items of one key, the whole day 500 as items sharing
			// a key of the service's (below): for as long as they stayed
			// (r111-review). Its order is not judged either: it is
			// never listed.
			continue
		}
		pk, _ := it[attrPK].(*ddb.AttributeValueMemberS)
		if key.Value == after && afterPK != "" && pk != nil && pk.Value != afterPK {
			// Two stored items of the partition share the key: an index's
			// keys need not be distinct, and DynamoDB answers both, in
			// order. At most one is the service's (its createdKey is its
			// createdAt and id; a single read of the other is 500), so the
			// other is an item the service did not write: 500, as for a
			// single read, not an answer no stored item could give (503,
			// retry later, for as long as the item stays: r103-lambda).
			return session.Internal(errors.New("list: two stored items of one " + attrMerchantDayShard + " partition share a " + attrCreatedKey + "; at most one is the service's"))
		}
		if key.Value <= after {
			// Out of order, repeated, or before where the Query starts:
			// read as it came, such an entry was listed out of the
			// day's order, or a session twice.
			return session.Unavailable(foreignItem(out.ResultMetadata, "list: DynamoDB answered index entries out of "+attrCreatedKey+" order"))
		}
		after, afterPK = key.Value, ""
		if pk != nil {
			afterPK = pk.Value
		}
		_, id, _ := strings.Cut(key.Value, "#")
		p.buf = append(p.buf, indexEntry{key: key.Value, id: id, part: i})
	}
	p.lek, p.passed = out.LastEvaluatedKey, p.scanned
	if p.lek == nil {
		p.done = true
	} else if k, ok := p.lek[attrCreatedKey].(*ddb.AttributeValueMemberS); ok && validListKey(k.Value, r.day) {
		// A position a cursor can hold: the key of an entry no release
		// writes is none (ListByDay), so the partition resumes before it.
		p.scanned = k.Value
	}
	return nil
}

// take removes up to n entries in sort-key order. It stops early when a
// partition with more to read has nothing buffered: that partition may hold
// the next entry.
func (r *lister) take(n int) []indexEntry {
	var out []indexEntry
	for len(out) < n {
		var next *listPart
		for _, p := range r.parts {
			switch {
			case len(p.buf) > 0:
				if next == nil || p.buf[0].key < next.buf[0].key {
					next = p
				}
			case !p.done:
				return out
			}
		}
		if next == nil {
			return out
		}
		e := next.buf[0]
		next.buf = next.buf[1:]
		if e.key == r.taken {
			continue // the same session in a second partition
		}
		r.taken = e.key
		out = append(out, e)
	}
	return out
}

// unread puts entries taken and not consumed back, in order. Each
// partition's buffer is rebuilt once, whatever the number of entries it
// gets back: putting them back one at a time copied the buffer for each,
// and a whole day's listing that filled its answer put back up to
// listWindow entries in front of buffers of up to a 1 MB index page each
// (some 3,500 entries): 65 MB of copies for 16 partitions of 4,000.
func (r *lister) unread(es []indexEntry) {
	back := make([][]indexEntry, len(r.parts))
	for _, e := range es {
		back[e.part] = append(back[e.part], e)
	}
	for i, b := range back {
		if len(b) > 0 {
			r.parts[i].buf = append(b, r.parts[i].buf...)
		}
	}
	r.taken = r.last
}

// consumed records that e was listed or skipped: entries are consumed in
// sort-key order, so every entry up to e's key, in every partition, is.
func (r *lister) consumed(e indexEntry) { r.last = e.key }

// exhausted reports whether every partition is read and consumed.
func (r *lister) exhausted() bool {
	for _, p := range r.parts {
		if len(p.buf) > 0 || !p.done {
			return false
		}
	}
	return true
}

// cursor is the position of the rest: everything up to r.last is consumed
// in every partition, and a partition the index evaluated further (entries
// the filter dropped: past their listUntil by more than listLagMargin, gone
// for good) resumes there: after what it scanned if nothing is buffered,
// else after what it had scanned before the entries buffered (a round cut
// after its Queries answered leaves them unread). Without the latter, a
// page cut so, having consumed nothing, gave back a cursor before its own:
// while DynamoDB stayed slow, the walk went round.
func (r *lister) cursor() string {
	pos := map[int]string{}
	for i, p := range r.parts {
		at := max(r.from[i], p.passed)
		if len(p.buf) == 0 {
			if p.done {
				continue
			}
			at = max(at, p.scanned)
		}
		if at > r.last {
			pos[i] = at
		}
	}
	return encodeCursor(len(r.parts), r.mtag, r.last, pos)
}

// batchGetJudged reads the sessions of entries as batchGet does and returns
// the instant to judge them at: one after the reads. A session whose read
// straddled its expiry or end of retention, from the moment its read began
// to that instant, is read again (see Get), alone: a read of a whole window
// can straddle many sessions' instants in a row (hundreds of sessions, a
// slow DynamoDB), so a bound on reads of the window would judge the
// session whose instant passed during the last one straddled. Each session
// read again begins past the instant it straddled, so it straddles again
// only at its next one (at most two: expiry, end of retention): the reads
// end after at most 2 × len(entries) rounds, fewer than one per round in
// practice (an instant must pass during the round).
func (s *Store) batchGetJudged(ctx context.Context, merchantID string, entries []indexEntry, cut time.Time) (map[string]*session.Session, time.Time, error) {
	began := s.now()
	found, err := s.batchGet(ctx, merchantID, entries, cut)
	if err != nil {
		return nil, time.Time{}, err
	}
	read := make(map[string]time.Time, len(found)) // when each session's read began
	for id := range found {
		read[id] = began
	}
	for round := 1; ; round++ {
		now := s.now()
		var again []indexEntry
		for _, e := range entries {
			if v := found[e.id]; v != nil && v.TurnsBetween(read[e.id], now, s.policy) {
				again = append(again, e)
			}
		}
		// The bound holds on a clock that never goes back; it keeps one
		// that does (a test's, an NTP step) from reading forever.
		if len(again) == 0 || round > 2*len(entries) {
			return found, now, nil
		}
		began := s.now()
		more, err := s.batchGet(ctx, merchantID, again, cut)
		if err != nil {
			return nil, time.Time{}, err
		}
		for _, e := range again {
			delete(found, e.id)
			if v := more[e.id]; v != nil {
				found[e.id], read[e.id] = v, began
			}
		}
	}
}

// batchGet reads merchantID's sessions of entries from the table,
// consistently, at most batchGetKeys to a call and batchGetsAtOnce calls at
// once. Sessions the table does not have, and items whose raw merchantId
// is not merchantID's, are absent from the map: another merchant's item is
// neither decoded nor judged, as a single read's (ownedBy), so a damaged
// one is skipped, never the merchant's 500. A call that would wait
// for unprocessed keys past cut (none when zero) ends the read with
// errListBudget, unless another call failed.
func (s *Store) batchGet(ctx context.Context, merchantID string, entries []indexEntry, cut time.Time) (map[string]*session.Session, error) {
	expr, err := listProjection()
	if err != nil {
		return nil, session.Internal(err)
	}
	var (
		mu     sync.Mutex
		found  = make(map[string]*session.Session, len(entries))
		wg     sync.WaitGroup
		chunks = slices.Collect(slices.Chunk(entries, batchGetKeys))
		errs   = make([]error, len(chunks))
	)
	for c, chunk := range chunks {
		keys := make([]map[string]ddb.AttributeValue, len(chunk))
		for i, e := range chunk {
			keys[i] = keyOf(sessionKey(e.id))
		}
		slot := &errs[c]
		wg.Go(func() {
			items, err := s.batchGetKeys(ctx, ddb.KeysAndAttributes{
				Keys: keys, ConsistentRead: aws.Bool(true),
				ProjectionExpression: expr.Projection(), ExpressionAttributeNames: expr.Names(),
			}, cut)
			if err != nil {
				*slot = failedWithin(ctx, err)
				return
			}
			for _, av := range items {
				// Read as the session of its key, as Get reads it: an item
				// whose id is not its key's is the store's own data written
				// badly (500), never a session gone, nor another's.
				// refuseForeignAnswers has held the key to those asked.
				pk, _ := av[attrPK].(*ddb.AttributeValueMemberS)
				if pk == nil {
					*slot = session.Internal(errors.New("list: an item without its key"))
					return
				}
				if !ownedBy(av, merchantID) {
					continue
				}
				// One gone is as absent, however its other attributes
				// read (decodeRead).
				v, err := s.decodeRead(strings.TrimPrefix(pk.Value, "SESSION#"), av, false)
				if session.ErrorCode(err) == session.ENOTFOUND {
					continue
				}
				if err != nil {
					*slot = err
					return
				}
				mu.Lock()
				found[v.ID] = v
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	// A failure wins over the budget: the listing is then unavailable.
	if err := errors.Join(slices.DeleteFunc(slices.Clone(errs), func(err error) bool { return err == errListBudget })...); err != nil {
		return nil, err
	}
	if slices.Contains(errs, errListBudget) {
		return nil, errListBudget
	}
	return found, nil
}

// batchGetKeys is one BatchGetItem of at most batchGetKeys keys, calling
// again, after an exponential jittered backoff (batchGetWait), for the keys
// DynamoDB leaves unprocessed (it does under load, and past 16 MB of
// answer). A retry sends
// the unprocessed Keys with req's own ConsistentRead and projection, never
// the rest of what the answer echoes: those fields are optional in
// UnprocessedKeys, and without them the retry would be an eventually
// consistent read of whole items. A wait whose ceiling would end past cut
// (none when zero) is not waited: errListBudget.
func (s *Store) batchGetKeys(ctx context.Context, req ddb.KeysAndAttributes, cut time.Time) ([]map[string]ddb.AttributeValue, error) {
	var items []map[string]ddb.AttributeValue
	for attempt := 1; ; attempt++ {
		out, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]ddb.KeysAndAttributes{s.table: req}})
		if err != nil {
			return nil, classify(err)
		}
		items = append(items, out.Responses[s.table]...)
		left, ok := out.UnprocessedKeys[s.table]
		if !ok || len(left.Keys) == 0 {
			return items, nil
		}
		if attempt >= maxBatchGets {
			// The last answer's status and request id, for on-call.
			return nil, session.Unavailable(answerError(nil, out.ResultMetadata, fmt.Errorf("batch get: keys left unprocessed after %d BatchGetItems", attempt)))
		}
		ceiling := batchGetWait(attempt)
		if !cut.IsZero() && s.list.clock().Add(ceiling).After(cut) {
			return nil, errListBudget
		}
		if err := s.list.wait(ctx, ceiling); err != nil {
			return nil, err
		}
		req.Keys = left.Keys
	}
}

// jitterWait waits a random time below ceiling (full jitter), or until ctx
// is done: then the listing is unavailable.
func jitterWait(ctx context.Context, ceiling time.Duration) error {
	return sleep(ctx, jitter(ceiling))
}

// cursorPos is a position in a day: everything up to after is listed, and
// partition i, if in pos, resumes after pos[i] (it had nothing to list up
// to there).
type cursorPos struct {
	after string
	pos   []string
}

// The cursor is opaque to clients: "v2|<merchant tag>|<partitions>|<after>|
// <i>=<key>,…", base64url encoded. The merchant tag (a hash of the merchant
// id) binds it to its merchant, after and the keys to its day (they are
// sort keys, which begin with the creation instant), the partition count to
// the index layout it was made for. A cursor of another merchant or day, or
// malformed, is refused (the tag is no secret: a cursor rewritten with
// another merchant's tag is taken, and selects as any other); one made for another partition count keeps only
// after (the partitions' own positions would not mean the same), if that
// count is one LIST_SHARDS may have (1..MaxListShards): no other was ever
// written, so such a cursor is refused as altered. It only
// ever selects within the caller's own merchant and day: the partitions
// come from the request. Only the encoding encodeCursor writes is read (no
// padding, newline or unused bit set), so an altered cursor never reads as
// the original. A "v1|<after>" cursor (before the list read its sessions
// from the table) is refused: it named no merchant, so another merchant's
// was accepted; a client that holds one lists its day again from the start.
func encodeCursor(partitions int, mtag, after string, pos map[int]string) string {
	var b strings.Builder
	b.WriteString("v2|" + mtag + "|" + strconv.Itoa(partitions) + "|" + after + "|")
	first := true
	for i := range partitions {
		if k, ok := pos[i]; ok {
			if !first {
				b.WriteByte(',')
			}
			first = false
			b.WriteString(strconv.Itoa(i) + "=" + k)
		}
	}
	return base64.RawURLEncoding.EncodeToString([]byte(b.String()))
}

func merchantTag(merchantID string) string {
	sum := sha256.Sum256([]byte(merchantID))
	return hex.EncodeToString(sum[:6])
}

func decodeCursor(cursor, merchantID string, day time.Time, partitions int) (cursorPos, error) {
	cur := cursorPos{pos: make([]string, partitions)}
	if cursor == "" {
		return cur, nil
	}
	bad := session.Invalid("cursor", "cursor is not a cursor of this list; use the Link header of the previous page.")
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || base64.RawURLEncoding.EncodeToString(raw) != cursor {
		return cur, bad // the decoder skips newlines and unused bits
	}
	f := strings.Split(string(raw), "|")
	if len(f) != 5 || f[0] != "v2" || f[1] != merchantTag(merchantID) {
		return cur, bad
	}
	n, err := strconv.Atoi(f[2])
	if err != nil || n < 1 || n > MaxListShards || strconv.Itoa(n) != f[2] {
		return cur, bad
	}
	if cur.after = f[3]; cur.after != "" && !validListKey(cur.after, day) {
		return cur, bad
	}
	if f[4] == "" {
		return cur, nil
	}
	seen := map[int]bool{}
	for _, p := range strings.Split(f[4], ",") {
		is, key, ok := strings.Cut(p, "=")
		i, err := strconv.Atoi(is)
		if !ok || err != nil || i < 0 || i >= n || strconv.Itoa(i) != is || seen[i] || !validListKey(key, day) || key <= cur.after {
			return cur, bad
		}
		seen[i] = true
		if n == partitions {
			cur.pos[i] = key
		}
	}
	return cur, nil
}

// validListKey reports whether key is a sort key of the list index of day:
// "<createdAt>#<id>", createdAt as the store writes it, on that day.
func validListKey(key string, day time.Time) bool {
	ts, id, ok := strings.Cut(key, "#")
	if !ok || !session.StoredID(id) {
		return false
	}
	t, ok := storedInstant(ts)
	if !ok {
		return false
	}
	// Compared without formatting: ListByDay judges every entry so.
	y, m, d := t.Date()
	dy, dm, dd := day.UTC().Date()
	return y == dy && m == dm && d == dd
}
