package store

import (
	"time"

	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/session"
)

// The store's own rules about what it keeps and how it lists, exposed so
// that storetest.Memory — the in-memory store the handler tests run on
// without DynamoDB — follows them instead of restating them. None of these
// reads or writes the table: a Store made with a nil client answers them.

// Stored returns v as a read returns it once the store has written it: v's
// item, keys and index attributes included, decoded again (JSON objects
// kept as their text, empty maps and lists dropped, times at 100 ns). A
// session whose item would be larger than the store writes is ECONFLICT
// SESSION_TOO_LARGE, as writing it is.
func (s *Store) Stored(v *session.Session) (*session.Session, error) {
	return s.stored(v, maxItemBytes)
}

// StoredChange is Stored for a merchant's or processor's change of a
// session from status from (changeLimit), as Txn's write of it is.
func (s *Store) StoredChange(v *session.Session, from session.Status) (*session.Session, error) {
	return s.stored(v, s.changeLimit(from, v.Status))
}

// changeLimit is the largest item a merchant's or processor's change of a
// session from status from to status to may make: maxItemBytes, less the
// room of the changes that must still land after it
// (session.ChangesStillDue), changeRoomBytes each. Without it, events
// between open statuses with long reasons and eventIds (or large data)
// filled the item to maxItemBytes, and the processor's close was refused
// SESSION_TOO_LARGE (r86-events: an AUTHORISED, a FAILED and the
// merchant's cancel all refused; the sweeper then stored EXPIRED).
func (s *Store) changeLimit(from, to session.Status) int {
	return maxItemBytes - session.ChangesStillDue(from, to)*s.changeRoom
}

// StoredSystem is Stored for a system change of a family member from
// status from (session.Reserved): such a change may use the room the
// store keeps above its limit, as Txn.PutSystem's write does.
func (s *Store) StoredSystem(v *session.Session, from session.Status) (*session.Session, error) {
	return s.stored(v, itemLimit(from, v.Status))
}

// itemLimit is the largest item a write of a session moving from status
// from to status to may make: maxItemBytes, and the reserved room beyond
// it for a system change session.Reserved allows.
func itemLimit(from, to session.Status) int {
	if session.Reserved(from, to) {
		return maxItemBytes + reservedItemBytes
	}
	return maxItemBytes
}

func (s *Store) stored(v *session.Session, limit int) (*session.Session, error) {
	av, err := s.Item(v)
	if err != nil {
		return nil, err
	}
	av[attrWriteID] = &ddb.AttributeValueMemberS{Value: uuid.NewString()} // as every write adds
	if itemSize(av)+recentWritesSize > limit {
		return nil, errSessionTooLarge()
	}
	return decodeSession(av)
}

// errSessionTooLarge refuses a write whose item would exceed its limit
// (maxItemBytes, or itemLimit for a system change).
func errSessionTooLarge() error {
	return session.Errorf(session.ECONFLICT, session.ReasonSessionTooLarge, "The session has grown too large to store this change (its history and data are near the limit).")
}

// Read returns v as a read of its whole item judges it (Get): the item
// the store writes for v, decoded, so a session holding a value the
// service does not write is refused as the store refuses its item
// (session.ForeignField), for test doubles that keep sessions, not items.
func (s *Store) Read(v *session.Session) (*session.Session, error) {
	av, err := s.Item(v)
	if err != nil {
		return nil, err
	}
	return decodeSession(av)
}

// GoneAt reports whether a read at now that cannot decode v's item finds
// v gone instead (decodeRead): v's item as the store writes it, past its
// retention by the attributes the time rules read alone. For test doubles
// that keep sessions, not items.
func (s *Store) GoneAt(v *session.Session, now time.Time) bool {
	av, err := s.Item(v)
	return err == nil && goneAt(av, now, s.policy)
}

// LinkedChild is child, read as stored by parent's childSessionId, as the
// store's reads and writes take it (linkedChild): nil when it is not
// parent's child and past its retention, an error (EINTERNAL) when it is
// not parent's child and not gone. OwnParent is parent, read as stored by
// child's parentSessionId, so judged (ownParent). For test doubles that
// keep sessions, not items: storetest.Memory followed any link, so a
// handler test on it could not see a merchant's cancel reach another
// merchant's session (r110-mutate).
func (s *Store) LinkedChild(parent, child *session.Session) (*session.Session, error) {
	return s.linkedChild(parent, child)
}

// OwnParent: see LinkedChild.
func (s *Store) OwnParent(child, parent *session.Session) (*session.Session, error) {
	return s.ownParent(child, parent)
}

// Listed returns v as ListByDay reads it, before the time rules are
// applied: only the attributes a listed session carries.
func (s *Store) Listed(v *session.Session) (*session.Session, error) {
	av, err := s.Item(v)
	if err != nil {
		return nil, err
	}
	projected := make(map[string]ddb.AttributeValue, len(listAttributes))
	for _, a := range listAttributes {
		if x, ok := av[a]; ok {
			projected[a] = x
		}
	}
	return decodeListed(projected)
}

// ListKey is v's place in the list of its day, the list index's sort key
// ("<createdAt>#<id>"): ListByDay lists in ListKey order.
func ListKey(v *session.Session) string { return createdKey(v.CreatedAt, v.ID) }

// ListsKey reports whether ListByDay lists the index entry of key on day:
// a key as the store writes it, <createdAt in its form, on day>#<a session
// id in lower case> (session.StoredID). ListByDay skips any other entry,
// and no cursor holds its key.
func (s *Store) ListsKey(key string, day time.Time) bool { return validListKey(key, day) }

// ListUntil is the instant from which ListByDay's index query no longer
// returns v's entry: its listUntil + listLagMargin. Until then a listing
// reads the entry even if v is gone (closed, and past its retention): it
// skips v, but a page that stops at its limit before such an entry still
// ends with a cursor.
func (s *Store) ListUntil(v *session.Session) time.Time {
	return listUntil(v, s.policy).Add(listLagMargin)
}

// ListCursor is the cursor ListByDay returns for the rest of
// merchantID's day once it has consumed every entry up to after (a
// ListKey).
func (s *Store) ListCursor(merchantID, after string) string {
	return encodeCursor(s.list.shards, merchantTag(merchantID), after, nil)
}

// ListResume reads q.Cursor as ListByDay does: the ListKey after which the
// listing resumes ("" from the day's start), or EINVALID naming cursor for a
// cursor of another merchant or day, or one the store did not make.
func (s *Store) ListResume(q ListQuery) (string, error) {
	cur, err := decodeCursor(q.Cursor, q.MerchantID, q.Day, s.list.shards)
	if err != nil {
		return "", err
	}
	return cur.after, nil
}

// IdempotencyExpiry is the expiry, in epoch seconds, of an Idempotency-Key
// first used at now: now + IdempotencyTTL rounded up to the second. The key
// is free again once the clock's whole second reaches it, so never before
// IdempotencyTTL has passed.
func IdempotencyExpiry(now time.Time) int64 { return epochCeil(now.Add(IdempotencyTTL)) }
