package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/session"
)

// The session operations: each is one Transact, so everything it changes —
// a session, its parent or child, an idempotency record — is written
// atomically or not at all.

// Create stores v, a new session. When v.ParentSessionID is set, v becomes
// that session's child (session.Adopt: same merchant, parent open, expiry
// capped at the parent's) and the parent is linked in the same transaction.
// render makes the response body from the session as stored; with idem,
// the status and body are remembered with the key in the same transaction,
// and a repeat of the key returns them as a Replay instead (ECONFLICT
// IDEMPOTENCY_KEY_REUSED if the request differs), whatever has become of
// the parent since. Without a parent or idem,
// Create is one conditional PutItem.
//
// A create with idem refused PARENT_NOT_OPEN because its parent, open as
// stored, is in the band before its expiresAt waits until then and reads
// the key again (replayAfterBand): the same create's first try, decided
// just before the band, may still land.
func (s *Store) Create(ctx context.Context, v *session.Session, idem *Idempotency, status int, render func(*session.Session) ([]byte, error)) ([]byte, *Replay, error) {
	began := s.now()
	var body []byte
	var created *session.Session
	var parentEnd time.Time // the parent's band end, when the last attempt read it in that band
	err := s.Transact(ctx, func(t *Txn) error {
		c := v.Clone()
		parentEnd = time.Time{}
		if c.ParentSessionID != "" {
			// Another merchant's session costs what an unknown one does,
			// a damaged one too (GetOwned), its child never read.
			parent, err := t.GetOwned(c.MerchantID, c.ParentSessionID)
			if session.ErrorCode(err) == session.ENOTFOUND {
				return session.Invalid("parentSessionId", "parentSessionId names no session of this merchant.")
			}
			if err != nil {
				return err
			}
			var current *session.Session
			if parent.ChildSessionID != "" {
				if current, err = t.Get(parent.ChildSessionID); session.ErrorCode(err) == session.ENOTFOUND {
					current = nil
				} else if err != nil {
					return err
				} else if current, err = s.linkedChild(parent, current); err != nil {
					return err
				}
			}
			if err := session.Adopt(parent, c, current, t.Now(), s.policy); err != nil {
				// A refusal changes none of the three.
				parentEnd = adoptBandEnd(parent, c, current, s.policy)
				return err
			}
			t.Put(parent)
		}
		c.Version = 1
		var b []byte
		if render != nil {
			var err error
			if b, err = render(c); err != nil {
				return session.Internal(err)
			}
		}
		body, created = b, c
		t.Create(c)
		if idem != nil {
			t.Remember(idem, c.ID, status, b)
		}
		return nil
	})
	if errors.Is(err, errReplay) {
		r, err := s.replay(ctx, idem)
		return nil, r, err
	}
	if err != nil && idem != nil && refusal(err) {
		// The key's first answer comes before any judgement of the
		// request: a retried create of a child whose parent has since
		// changed (it holds this very child, it closed, it expired, it is
		// gone) is the replay, not a refusal. Read only when refused, so
		// a create costs no extra round trip.
		if r, rerr := s.remembered(ctx, idem); r != nil || rerr != nil {
			return nil, r, rerr
		}
		if !parentEnd.IsZero() && session.ErrorReason(err) == session.ReasonParentNotOpen {
			r, err := s.replayAfterBand(ctx, idem, parentEnd, began, err)
			return nil, r, err
		}
	}
	if err != nil {
		return nil, nil, err
	}
	*v = *created
	return body, nil, nil
}

// adoptBandEnd is the parent's expiresAt when child's adoption, refused
// (the parent, open as stored, in the band before it: PARENT_NOT_OPEN),
// would have been made just before the band: only then can a first try of
// the create, decided there, still land. Else the zero time: a parent
// closed or expired as stored, or one that would have refused the child
// before the band too (another open child it holds), refused it then too,
// so no try of it lands. parent, child and current are left as they are.
func adoptBandEnd(parent, child, current *session.Session, p session.Policy) time.Time {
	// The last instant before the band, on the 100 ns grid every instant
	// is kept to (as parentBandEnd judges an event).
	before := session.Normalize(parent.ExpiresAt.Add(-p.WriteGuard)).Add(-100 * time.Nanosecond)
	if session.Adopt(parent.Clone(), child.Clone(), current, before, p) != nil {
		return time.Time{}
	}
	return parent.ExpiresAt
}

// replayAfterBand answers a create with idem refused in its parent's band
// before expiresAt (until): as an event with an eventId refused in a band
// is (landedMeanwhile), it waits until then, once every write decided
// before the band has landed or been cut off, and reads the key again:
// the first answer when the same create's first try landed meanwhile (or
// IDEMPOTENCY_KEY_REUSED for another request's), else the refusal. Before,
// the retry was 409 PARENT_NOT_OPEN at once and the first try then landed:
// a child the merchant was told was never made, linked to the parent, and
// the key replaying its 201 from then on. A read again that fails answers
// its error (503: whether the create landed is unknown), as does a refusal
// whose request's time ends before until (afterBand).
func (s *Store) replayAfterBand(ctx context.Context, idem *Idempotency, until, began time.Time, refusal error) (*Replay, error) {
	var r *Replay
	_, err := s.afterBand(ctx, until, began, refusal, func() (*session.Session, error) {
		rr, err := s.remembered(ctx, idem)
		if err != nil {
			return nil, err
		}
		if rr == nil {
			return nil, refusal
		}
		r = rr
		return nil, nil
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// refusal reports whether err refuses the request itself (400, 404, 409),
// as opposed to a failure to serve it.
func refusal(err error) bool {
	switch session.ErrorCode(err) {
	case session.EINVALID, session.ENOTFOUND, session.ECONFLICT:
		return true
	}
	return false
}

// idempotencyPut is the transaction item of an idempotency record: written
// only if the key is free (no record, or an expired one TTL has not deleted).
// The record's expiry is in epoch seconds rounded up, and the key is free
// once the clock's whole second reaches it: never before IdempotencyTTL has
// passed (a key first used at 10:00:00.7 is free from 10:00:01 the next
// day, not from 10:00:00). The record is made at now (the attempt's
// instant), and the key's freedom is judged by the clock: an attempt's
// instant may run up to maxClockLead ahead of it (a session read was
// changed by an instance whose clock is ahead), and a key must not come
// free that much early.
func (s *Store) idempotencyPut(w *idempotencyWrite, now time.Time) (*ddb.Put, error) {
	pk, sk := idempotencyKey(w.idem.MerchantID, w.idem.Key)
	rec, err := attributevalue.MarshalMap(idempotencyItem{
		PK: pk, SK: sk, RequestHash: w.idem.RequestHash, SessionID: w.sessionID, Status: w.status, Body: w.body,
		ExpiresAt: IdempotencyExpiry(now), TTL: IdempotencyExpiry(now),
	})
	if err != nil {
		return nil, session.Internal(fmt.Errorf("encode idempotency record: %w", err))
	}
	free, err := expression.NewBuilder().WithCondition(
		expression.AttributeNotExists(expression.Name(attrPK)).
			Or(expression.Name(attrIdemExpiry).LessThanEqual(expression.Value(s.now().Unix()))),
	).Build()
	if err != nil {
		return nil, session.Internal(err)
	}
	return &ddb.Put{
		TableName: &s.table, Item: rec,
		ConditionExpression: free.Condition(), ExpressionAttributeNames: free.Names(),
		ExpressionAttributeValues: free.Values(),
	}, nil
}

// ApplyEvent applies a processor event to session id. A repeated eventId
// changes nothing and is acknowledged first, whatever the session's state
// (the session is returned as it is). The family rules of docs/design.md §4
// are written in the same transaction: a child's move to AUTHORISED or
// SETTLED needs an open parent (else ECONFLICT PARENT_CLOSED) and moves it
// to the same status; an event that closes a parent closes its open child.
// A caller acting for a merchant (merchantID not empty) reaches only that
// merchant's sessions: another merchant's is ENOTFOUND, as an unknown one,
// before its eventIds are looked at; a processor ("") reaches any.
func (s *Store) ApplyEvent(ctx context.Context, merchantID, id string, ev *session.Event) (*session.Session, error) {
	return s.applyEvent(ctx, merchantID, id, ev, true)
}

// applyEvent is ApplyEvent; mayWait false answers a refusal in a guard band
// at once: the try landedMeanwhile makes again at the band's end.
func (s *Store) applyEvent(ctx context.Context, merchantID, id string, ev *session.Event, mayWait bool) (*session.Session, error) {
	began := s.now()
	var out *session.Session
	var parentEnd time.Time // the parent's band end, when the last attempt read it in that band
	var parentVersion int64 // the parent as that attempt read it
	var applied bool
	err := s.Transact(ctx, func(t *Txn) error {
		out = nil // an attempt's own read: bandEnd judges the last
		parentEnd, parentVersion = time.Time{}, 0
		v, err := t.GetOwned(merchantID, id)
		if err != nil {
			return err
		}
		now := t.Now()
		out = v
		if v.ParentSessionID == "" || v.HasEvent(string(ev.EventID)) {
			applied, err = v.Apply(ev, now, s.policy)
			if err != nil || !applied {
				return err
			}
			t.Put(v)
			return s.closeOpenChild(t, v)
		}
		// A child: its parent is read (and written or checked in the
		// same transaction) when the event may take money, or when the
		// child holds money its parent may show (session.NeedsParent).
		var parent *session.Session
		if session.NeedsParent(v, ev.Status) {
			if parent, err = t.Get(v.ParentSessionID); session.ErrorCode(err) == session.ENOTFOUND {
				parent, err = nil, nil
			}
			if err != nil {
				return err
			}
			if parent != nil {
				if parent, err = s.ownParent(v, parent); err != nil {
					return err
				}
			}
			parentEnd = parentBandEnd(v, parent, ev, now, s.policy)
			if parent != nil {
				parentVersion = parent.Version
			}
		}
		var parentChanged bool
		applied, parentChanged, err = session.ApplyToChild(v, parent, ev, now, s.policy)
		if err != nil || !applied {
			return err
		}
		t.Put(v)
		switch {
		case parentChanged:
			t.PutSystem(parent)
		case parent != nil:
			// The child's move was allowed on the parent as read (it
			// shows the child's money): written only if the parent has
			// not changed since, so a parent canceled meanwhile is seen.
			t.Check(parent)
		}
		return nil
	})
	if err != nil {
		if until, ok := bandEnd(out, err); ok && ev.EventID != "" && mayWait {
			return s.landedMeanwhile(ctx, merchantID, id, ev, out.Version, nil, until, began, err)
		}
		if !parentEnd.IsZero() && session.ErrorReason(err) == session.ReasonParentClosed && ev.EventID != "" && mayWait {
			// A child's money refused because its parent, as read, is
			// in the band before its retainUntil (it counts as gone
			// there): the same event's first try, decided on the
			// parent before the band, may still land, as in the
			// child's own bands (r96-writes).
			return s.landedMeanwhile(ctx, merchantID, id, ev, out.Version, &readVersion{out.ParentSessionID, parentVersion}, parentEnd, began, err)
		}
		return nil, err
	}
	if !applied {
		// An acknowledgement is a read: judge the session at an instant
		// after the item was read, as Get does. The attempt's instant was
		// read before the GetItem, which the SDK may have retried for
		// seconds; by now another endpoint may have reported the session
		// EXPIRED, or gone, and it must not come back here. A read that
		// straddled the session's expiry is made again, as Get does.
		if now := s.now(); !out.TurnsBetween(began, now, s.policy) {
			return out.At(now, s.policy)
		}
		return s.Get(ctx, id)
	}
	return out, nil
}

// bandEnd is the end of the guard band in which a write on v (the session
// as the refused attempt read it, nil if it read none of the caller's) was
// refused with refusal: expiresAt for SESSION_EXPIRED, and a closed
// session's retainUntil for ENOTFOUND (the band before retainUntil: a write
// decided before it, the first try of a SETTLED, a CANCELED, a merchant's
// cancel, may still land and keep the session RESULT_RETENTION longer; a
// session open as stored takes no write there, and one in a final status,
// FAILED, CANCELED or EXPIRED, takes none at all: a write decided on it
// before would be a transition none leaves, and one decided on an earlier
// version fails its condition).
func bandEnd(v *session.Session, refusal error) (time.Time, bool) {
	switch {
	case v == nil:
		return time.Time{}, false
	case session.ErrorReason(refusal) == session.ReasonSessionExpired:
		return v.ExpiresAt, true
	case session.ErrorCode(refusal) == session.ENOTFOUND && !v.Status.Open() && !v.Status.Final():
		return v.RetainUntil, true
	}
	return time.Time{}, false
}

// parentBandEnd is the end of the guard band before parent's retainUntil
// when a child's write decided at now finds the parent (as read) in it,
// where session.ApplyToChild counts the parent as gone for the child's
// money, and the same event (ev) decided on child and parent as read just
// before the band would have been applied: only then can its first try
// still land. Else the zero time. A parent open as stored, or in a final
// status (FAILED, CANCELED, EXPIRED), has none: a child's money decided on
// it before the band was refused then too (an open parent is expired long
// before its retention's band, and a final one shows no money), and one
// decided on an earlier version of it fails its check. Nor has a parent
// that refuses ev by itself (FRAUD_CANCELLATION_REQUESTED, a
// CANCEL_REQUESTED that is not the child's), nor an ev the child's
// lifecycle refuses (a CANCEL_REQUESTED child's SETTLED): refused before
// the band too, so no try of it lands, and a wait would only delay (or,
// past the request's time, turn into a 503) an answer that is final.
// child and parent are left as they are.
func parentBandEnd(child, parent *session.Session, ev *session.Event, now time.Time, p session.Policy) time.Time {
	if parent == nil || parent.Status.Open() || parent.Status.Final() {
		return time.Time{}
	}
	end := parent.PurgeAt(p)
	if p.WriteAt(now).Before(end) {
		return time.Time{}
	}
	// The last instant before the band, on the 100 ns grid every instant
	// is kept to: WriteAt(before) is just short of end.
	before := session.Normalize(end.Add(-p.WriteGuard)).Add(-100 * time.Nanosecond)
	if _, _, err := session.ApplyToChild(child.Clone(), parent.Clone(), ev, before, p); err != nil {
		return time.Time{}
	}
	return end
}

// landedMeanwhile judges an event refused in a guard band again at the
// band's end (until), once no write can still land: the band before
// expiresAt (SESSION_EXPIRED), and the band before a closed session's
// retainUntil (ENOTFOUND). A write decided just before the band (the same
// event's first try, which the processor gave up waiting for) may still be
// on its way to DynamoDB: its call is cut off WriteTimeout after the band
// began, and the band's last fifth absorbs what WriteTimeout leaves out (a
// request already sent when its call is cut off, instances' clocks apart;
// see WriteTimeout). If its retry were refused meanwhile, the processor
// would be told its event was refused (or its session gone) and then the
// session would read it applied. So a refusal whose read began before the
// band's end waits until then and is judged again, as the same event sent
// then is: the event applied meanwhile is acknowledged (200, the session
// as it now is), as any repeated eventId is; another change that landed
// meanwhile and moved the session out of the band (an AUTHORISED before
// expiresAt, a SETTLED that keeps it RESULT_RETENTION longer) has it
// judged on the session as it now is, as a cancel made again is (before,
// it was refused SESSION_EXPIRED, or 404, for a session that then read
// AUTHORISED, or 200: r97-lifecycle, two instances with different
// WRITE_GUARDs on one table); else (the session as the refusal read it,
// version) the refusal stands, even where the session is now in another
// band (a child kept less than WRITE_GUARD beyond its parent, refused
// PARENT_CLOSED in the parent's band, is in its own at the parent's
// retainUntil: the parent is gone, so PARENT_CLOSED is final). For a
// refusal in the parent's band (parent not nil), a parent that another
// change kept meanwhile (its own processor's SETTLED at an instance with a
// narrower band) counts as such a change: it is read again, and if it
// still reads at another version the event is judged again (before, it
// was 409 PARENT_CLOSED at the parent's old retainUntil and the same
// eventId 200 at once after: r97-lifecycle). A read again that fails
// answers its error (503): the event may have landed, and so does a refusal whose request's
// deadline comes before the band's end, at once, with the time until then
// to wait before a retry (session.UnavailableFor). The wait is at most
// WRITE_GUARD (5 s by default), only for events with an eventId (and, in
// Cancel, merchants' cancels) refused in a band.
func (s *Store) landedMeanwhile(ctx context.Context, merchantID, id string, ev *session.Event, version int64, parent *readVersion, until, began time.Time, refusal error) (*session.Session, error) {
	return s.afterBand(ctx, until, began, refusal, func() (*session.Session, error) {
		v, err := s.GetOwned(ctx, merchantID, id)
		if err != nil {
			// Whether the event landed is unknown: never the refusal,
			// which a processor takes as final, but the read's failure
			// (503).
			return nil, err
		}
		switch {
		case v.HasEvent(string(ev.EventID)):
			return v, nil
		case v.Version == version && parent == nil:
			return nil, refusal // nothing landed meanwhile
		case v.Version == version:
			p, err := s.Get(ctx, parent.id)
			if session.ErrorCode(err) == session.ENOTFOUND {
				return nil, refusal // the parent is gone
			}
			if err != nil {
				return nil, err
			}
			if p.Version == parent.version {
				return nil, refusal
			}
		}
		// Another change landed meanwhile: the event as sent now.
		return s.applyEvent(ctx, merchantID, id, ev, false)
	})
}

// readVersion is a session's id and the version a refused attempt read it
// at (landedMeanwhile).
type readVersion struct {
	id      string
	version int64
}

// afterBand waits until the end (until) of the guard band a write was
// refused in, once no write decided before the band can still land, and
// then answers again(): landedMeanwhile for an event, the whole cancel
// again for a merchant's cancel. A refusal whose read began at or after
// until stands at once; one whose request's deadline comes first is 503
// at once, with the time until the band's end to wait before a retry.
func (s *Store) afterBand(ctx context.Context, until, began time.Time, refusal error, again func() (*session.Session, error)) (*session.Session, error) {
	if !began.Before(until) {
		return nil, refusal // read after every write that can land
	}
	wait := until.Sub(s.now())
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
		// The request's time ends first (a WRITE_GUARD longer than the
		// function's time): whether the write lands is unknown, and
		// waiting would only say so later. A retry from the band's end
		// on is answered at once (Retry-After says so); one sooner, 503
		// again.
		return nil, session.UnavailableFor(fmt.Errorf("a write refused %s before the band's end, past the request's deadline: a write in flight may still land", wait), wait)
	}
	if err := s.settle(ctx, wait); err != nil {
		return nil, err
	}
	return again()
}

// SettleWait replaces how the store waits, in afterBand, for writes
// still in flight (a real sleep until expiresAt, up to the whole guard
// band). For tests on a clock of their own, which would otherwise sleep
// that long in real time at every such refusal in a band (up to 30 s with
// a 30 s band), though their clock does not move meanwhile.
func SettleWait(wait func(ctx context.Context, d time.Duration) error) Option {
	return func(s *Store) { s.settle = wait }
}

// Cancel is merchantID's cancel of session id. An open child of the session
// is closed (CANCELED) in the same transaction, and a parent that shows the
// session's money (an AUTHORISED child's, now CANCEL_REQUESTED) follows it.
// Another merchant's session is ENOTFOUND.
//
// A cancel refused in a guard band (SESSION_EXPIRED before expiresAt, not
// found before a closed session's retainUntil) is made again at the band's
// end (afterBand), as an event with an eventId is read again there: a
// cancel takes no id, so the merchant's retry of a cancel still on its
// way to DynamoDB cannot be told from a new one, and answered at once it
// would be refused while the first try then lands (the session read
// CANCEL_REQUESTED after the retry's 404, and after a GET that still read
// AUTHORISED). Made again once that first try has landed or been cut
// off, it is judged on the session as it then is: as a retry of a landed
// cancel is (409 INVALID_TRANSITION), as a cancel sent after a
// processor's change that landed meanwhile is (an AUTHORISED: 200
// CANCEL_REQUESTED), or, if nothing landed, as before. A session in a
// final status is not waited for (bandEnd).
func (s *Store) Cancel(ctx context.Context, merchantID, id, reason string) (*session.Session, error) {
	began := s.now()
	out, seen, err := s.cancel(ctx, merchantID, id, reason)
	if until, ok := bandEnd(seen, err); ok {
		return s.afterBand(ctx, until, began, err, func() (*session.Session, error) {
			out, _, err := s.cancel(ctx, merchantID, id, reason)
			return out, err
		})
	}
	return out, err
}

// cancel is one try of Cancel: the session as canceled, or, beside a
// refusal by the cancel's own rules (session.Session.Cancel), the session
// as read (merchantID's only).
func (s *Store) cancel(ctx context.Context, merchantID, id, reason string) (out, seen *session.Session, err error) {
	err = s.Transact(ctx, func(t *Txn) error {
		seen = nil
		v, err := t.GetOwned(merchantID, id)
		if err != nil {
			return err
		}
		follow := session.NeedsParent(v, session.CancelRequested)
		if err := v.Cancel(reason, t.Now(), s.policy); err != nil {
			seen = v // refused by the cancel's own rules, unchanged
			return err
		}
		t.Put(v)
		out = v
		if follow {
			if err := s.followChild(t, v); err != nil {
				return err
			}
		}
		return s.closeOpenChild(t, v)
	})
	if err != nil {
		return nil, seen, err
	}
	return out, nil, nil
}

// followChild marks v's parent for writing when it shows the money of v, a
// child just changed in t, and follows it (session.FollowChild). A parent
// gone (past its retention) is left alone.
func (s *Store) followChild(t *Txn, v *session.Session) error {
	parent, err := t.Get(v.ParentSessionID)
	if session.ErrorCode(err) == session.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	if parent, err = s.ownParent(v, parent); err != nil || parent == nil {
		return err
	}
	changed, err := session.FollowChild(v, parent, t.Now(), s.policy)
	if changed {
		t.PutSystem(parent)
	}
	return err
}

// closeOpenChild marks v's open child for writing, CANCELED, when v — a
// parent just changed in t — is closed, whatever closed it (docs/design.md
// §4): so a child can never take money under a closed parent. A child gone
// (past its retention), already closed, or within its guard band is left as
// it is.
func (s *Store) closeOpenChild(t *Txn, v *session.Session) error {
	if v.Status.Open() || v.ChildSessionID == "" {
		return nil
	}
	child, err := t.Get(v.ChildSessionID)
	if session.ErrorCode(err) == session.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	if child, err = s.linkedChild(v, child); err != nil || child == nil {
		return err
	}
	if session.CloseChild(child, t.Now(), s.policy) {
		t.PutSystem(child)
	}
	return nil
}

// linkedChild is child, read as stored by parent's childSessionId, judged
// as foreignChild judges it, told gone first: one foreignChild refuses
// that is past its retention at an instant after the read is no child
// (nil), however it is linked, as decodeRead tells an item it cannot
// decode (before, such a child was 500 at its parent's document-003 read,
// cancel and next child's create until TTL deleted it, where one past its
// retention is none: r108-gonefirst). Only a child refused pays the
// judgement; one linked as the service links it is judged gone by the
// caller, at its instant.
func (s *Store) linkedChild(parent, child *session.Session) (*session.Session, error) {
	return s.unlessGone(child, foreignChild(parent, child))
}

// unlessGone is v, read as stored, when refusal is nil; else nil if v is
// past its retention at an instant after the read (as decodeRead judges
// an item it cannot decode), and refusal if it is not.
func (s *Store) unlessGone(v *session.Session, refusal error) (*session.Session, error) {
	switch {
	case refusal == nil:
		return v, nil
	case !s.now().Before(v.PurgeAt(s.policy)):
		return nil, nil
	}
	return nil, refusal
}

// foreignChild refuses child, read by parent's childSessionId, when it is
// not parent's child: the service makes a child of its parent's merchant,
// naming the parent, and links both in one transaction (Create), and
// neither id changes after (a replaced child still names its parent). Any
// other session so named is a link the service did not write: followed,
// a merchant's cancel of its own session canceled another merchant's
// session, and document 003 showed it as the child (r102-writes). The
// error names the parent alone, as decodeSession names an item.
func foreignChild(parent, child *session.Session) error {
	if child.ParentSessionID != parent.ID || child.MerchantID != parent.MerchantID {
		return session.Internal(fmt.Errorf("stored session %s: its childSessionId names a session that is not its child", loggedID(parent.ID)))
	}
	return nil
}

// ownParent is parent, read as stored by child's parentSessionId, judged
// as foreignParent judges it, told gone first (linkedChild): one
// foreignParent refuses that is past its retention at an instant after
// the read is gone (nil), as one undamaged is to the child's change.
func (s *Store) ownParent(child, parent *session.Session) (*session.Session, error) {
	return s.unlessGone(parent, foreignParent(child, parent))
}

// foreignParent refuses parent, read by child's parentSessionId, when it
// is another merchant's: the service links a child only under a parent of
// its own merchant (Create), and no merchant changes after. Followed, a
// merchant's cancel of its own session moved another merchant's session
// (r102-writes). A parent of the child's merchant whose childSessionId
// names another child is the service's own (a replaced child) and passes.
func foreignParent(child, parent *session.Session) error {
	if parent.MerchantID != child.MerchantID {
		return session.Internal(fmt.Errorf("stored session %s: its parentSessionId names another merchant's session", loggedID(child.ID)))
	}
	return nil
}

// Import writes v exactly as given, if no session with its id exists: no
// lifecycle rule is applied and no parent is linked. It is for restoring
// records and for tests that need a session with a document's example
// values (times in the past included).
func (s *Store) Import(ctx context.Context, v *session.Session) error {
	return s.Transact(ctx, func(t *Txn) error {
		t.Create(v.Clone())
		return nil
	})
}

// ImportAll writes many sessions exactly as given, 25 to a BatchWriteItem,
// overwriting any with the same id (batch writes take no condition). Like
// Import, it applies no lifecycle rule: it is for bulk restores and for
// tests that need a large table quickly.
func (s *Store) ImportAll(ctx context.Context, vs []*session.Session) error {
	for i := 0; i < len(vs); i += 25 {
		batch := vs[i:min(i+25, len(vs))]
		reqs := make([]ddb.WriteRequest, 0, len(batch))
		for _, v := range batch {
			if v.Version == 0 {
				v.Version = 1
			}
			av, err := attributevalue.MarshalMap(s.toItem(v))
			if err != nil {
				return session.Internal(fmt.Errorf("encode session: %w", err))
			}
			reqs = append(reqs, ddb.WriteRequest{PutRequest: &ddb.PutRequest{Item: av}})
		}
		pending := map[string][]ddb.WriteRequest{s.table: reqs}
		for attempt := 1; len(pending) > 0; attempt++ {
			out, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
			if err != nil {
				return classify(err)
			}
			pending = out.UnprocessedItems
			if len(pending) > 0 {
				if attempt >= maxWriteAttempts {
					return session.Unavailable(errors.New("batch write: items left unprocessed"))
				}
				if err := backoff(ctx, attempt); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
