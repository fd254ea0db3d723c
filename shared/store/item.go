package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/session"
)

// timeLayout stores instants as fixed-width UTC strings at 100 ns, so string
// order is time order (the indexes sort on them) and conditions can compare
// them.
const timeLayout = "2006-01-02T15:04:05.0000000Z"

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

// epochCeil is t in whole epoch seconds, rounded up so TTL never deletes an
// item before its purge instant. In integers: a float64 holds today's
// UnixNano only to 256 ns, so 100 ns past a second rounded down to it.
func epochCeil(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

// storedTime is a stored item's attribute name, text s: the instant, or
// the zero time for an absent one (""). Every time the store reads is held
// to the one form it writes (storedInstant): any other, though RFC 3339
// names an instant by it (an offset, another number of fraction digits),
// is an item the service did not write. Its error names the attribute and
// the text's length, never the text (time.Parse's quotes it whole): an
// item the service did not write can hold a secret there, and the error is
// logged.
func storedTime(name, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, ok := storedInstant(s)
	if !ok {
		return time.Time{}, fmt.Errorf("its %s (%d bytes) is not a time", name, len(s))
	}
	return t, nil
}

// storedInstant reads s, a time as the store writes it: exactly
// formatTime's form (timeLayout: UTC, "Z", seven fraction digits) of an
// instant other than the zero time, which formatTime writes as "". The
// indexes sort on these texts and write conditions compare them, while
// every read takes the instant: a text of another form names an instant
// it does not sort as (2026-11-23T10:00:03-00:09 is 10:09:03 UTC, yet
// sorts before 10:00:04 UTC), so a write's condition could refuse, for
// ever, a session every read shows open, or pass one every read shows
// gone. It checks the form byte by byte, allocating nothing on a read.
func storedInstant(s string) (time.Time, bool) {
	if len(s) != len(timeLayout) {
		return time.Time{}, false
	}
	for i := 0; i < len(s); i++ {
		c, l := s[i], timeLayout[i]
		if '0' <= l && l <= '9' {
			if c < '0' || c > '9' {
				return time.Time{}, false
			}
		} else if c != l {
			return time.Time{}, false
		}
	}
	// The digits are in place; time.Parse judges their ranges (a month
	// 13, February 30, a leap second :60).
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.IsZero() {
		return time.Time{}, false
	}
	return t, true
}

// undecodedItem is err, attributevalue's error reading a stored item,
// told as the store tells an item it cannot decode (storedTime): by what
// is wrong and the text's length, never the text. The decoder quotes a
// number its Go field cannot hold (strconv's "parsing \"<n>\"", "number
// overflow, <n>") and a map key it cannot read, and an item the service
// did not write can put anything there (README, Security): a session's
// version of 32 digits was logged whole on both local servers
// (r102-regress). An error of any other kind is named by its Go type.
func undecodedItem(what string, err error) error {
	var ne *strconv.NumError
	if errors.As(err, &ne) {
		return fmt.Errorf("%s: a number (%d bytes) its attribute cannot hold: %s: %w", what, len(ne.Num), ne.Func, ne.Err)
	}
	var te *attributevalue.UnmarshalTypeError
	if errors.As(err, &te) {
		switch te.Value {
		case "binary", "binary set", "bool", "list", "map", "number", "number set", "string", "string set":
			// A kind of attribute value, no text of the item.
			return fmt.Errorf("%s: %s", what, te.Error())
		}
		return fmt.Errorf("%s: a value (%d bytes) its attribute cannot hold, into Go type %v", what, len(te.Value), te.Type)
	}
	return fmt.Errorf("%s: an attribute it cannot decode (%T)", what, err)
}

func sessionKey(id string) (pk, sk string) { return "SESSION#" + id, "SESSION" }

// sessionItem is a session as stored. Besides the session's own fields it
// carries the keys, the index attributes, purgeAt (the instant it stops
// existing) and ttl (purgeAt in epoch seconds, for DynamoDB TTL).
type sessionItem struct {
	PK                   string            `dynamodbav:"pk"`
	SK                   string            `dynamodbav:"sk"`
	ID                   string            `dynamodbav:"id"`
	MerchantID           string            `dynamodbav:"merchantId"`
	OrderID              string            `dynamodbav:"orderId,omitempty"`
	Status               string            `dynamodbav:"status"`
	StatusReason         string            `dynamodbav:"statusReason,omitempty"`
	CreatedAt            string            `dynamodbav:"createdAt"`
	UpdatedAt            string            `dynamodbav:"updatedAt"`
	ExpiresAt            string            `dynamodbav:"expiresAt"`
	ClosedAt             string            `dynamodbav:"closedAt,omitempty"`
	RetainUntil          string            `dynamodbav:"retainUntil,omitempty"`
	PurgeAt              string            `dynamodbav:"purgeAt"`
	TTL                  int64             `dynamodbav:"ttl"`
	Amount               int64             `dynamodbav:"amount"`
	Currency             string            `dynamodbav:"currency,omitempty"`
	PaymentMethod        string            `dynamodbav:"paymentMethod,omitempty"`
	PaymentScenario      string            `dynamodbav:"paymentScenario,omitempty"`
	TransactionID        string            `dynamodbav:"transactionId,omitempty"`
	PartnerTransactionID string            `dynamodbav:"partnerTransactionId,omitempty"`
	ShopBuyerID          string            `dynamodbav:"shopBuyerId,omitempty"`
	CallGUID             string            `dynamodbav:"callGuid,omitempty"`
	ProviderSessionGUID  string            `dynamodbav:"providerSessionGuid,omitempty"`
	PaymentProvider      string            `dynamodbav:"paymentProvider,omitempty"`
	Provider             string            `dynamodbav:"provider,omitempty"` // JSON text, kept verbatim
	Hosted               bool              `dynamodbav:"hosted"`
	ActionURL            string            `dynamodbav:"actionUrl,omitempty"`
	ReturnURL            string            `dynamodbav:"returnUrl,omitempty"`
	CancelURL            string            `dynamodbav:"cancelUrl,omitempty"`
	SavePaymentProfile   bool              `dynamodbav:"savePaymentProfile"`
	PaymentProfileID     string            `dynamodbav:"paymentProfileId,omitempty"`
	PaymentMethodDetails string            `dynamodbav:"paymentMethodDetails,omitempty"` // JSON text
	Appearance           string            `dynamodbav:"appearance,omitempty"`           // JSON text
	CardCategories       []string          `dynamodbav:"cardCategories,omitempty"`
	HCPToken             string            `dynamodbav:"hcpToken,omitempty"`
	ResultData           map[string]string `dynamodbav:"resultData,omitempty"`
	DeclineReasons       *declineItem      `dynamodbav:"declineReasons,omitempty"`
	Metadata             map[string]string `dynamodbav:"metadata,omitempty"`
	ParentSessionID      string            `dynamodbav:"parentSessionId,omitempty"`
	ChildSessionID       string            `dynamodbav:"childSessionId,omitempty"`
	History              []historyItem     `dynamodbav:"history"`
	Version              int64             `dynamodbav:"version"`
	// MerchantDayShard, CreatedKey and ListUntil put the session in the list
	// index (table.go): its partition of the merchant's day, its place in
	// it, and an instant by which it is surely gone.
	MerchantDayShard string `dynamodbav:"merchantDayShard"`
	CreatedKey       string `dynamodbav:"createdKey"`
	ListUntil        string `dynamodbav:"listUntil"`
	// ExpiryShard puts an open session in the sparse expiry index; it is
	// removed when the session closes.
	ExpiryShard *int `dynamodbav:"expiryShard,omitempty"`
}

type declineItem struct {
	Category string   `dynamodbav:"category"`
	Reasons  []string `dynamodbav:"reasons"`
}

type historyItem struct {
	Status  string `dynamodbav:"status"`
	Reason  string `dynamodbav:"reason"`
	At      string `dynamodbav:"at"`
	EventID string `dynamodbav:"eventId,omitempty"`
}

// shardOf spreads sessions over n index partitions by a hash of the id, so
// no index partition is hot: the expiry index's expiryShard, and the list
// index's shard of a merchant's day.
func shardOf(id string, n int) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(id))
	return int(h.Sum32() % uint32(n))
}

// merchantDay is merchantID's day t: "<merchantId>#<yyyy-mm-dd>".
func merchantDay(merchantID string, t time.Time) string {
	return merchantID + "#" + t.UTC().Format(time.DateOnly)
}

// merchantDayShard is partition shard of merchantID's day t in the sharded
// list index: "<merchantId>#<yyyy-mm-dd>#<shard>".
func merchantDayShard(merchantID string, t time.Time, shard int) string {
	return merchantDay(merchantID, t) + "#" + strconv.Itoa(shard)
}

// listUntil is an instant by which v is surely gone: its purge instant, or,
// when that is earlier, expiresAt + retention (the purge instant of the
// session as created). The list's index query skips entries past it by
// more than listLagMargin (list.go). Kept at its creation value unless a
// late change (a settlement after expiresAt)
// moves the purge instant beyond it, or a write by an instance of another
// RESULT_RETENTION sets it by that one's (never before the purge instant),
// it does not change on status changes,
// so they do not rewrite the list index's entry: with four status changes,
// a session writes its index entry once, at creation, and TTL deletes it
// once (the partition-heat model counts both). The price: a session closed early is skipped by the
// table read, not by the index, until expiresAt + retention.
func listUntil(v *session.Session, p session.Policy) time.Time {
	purge, created := v.PurgeAt(p), session.Normalize(v.ExpiresAt.Add(p.Retention))
	if purge.After(created) {
		return purge
	}
	return created
}

func createdKey(createdAt time.Time, id string) string {
	return formatTime(createdAt) + "#" + id
}

func (s *Store) toItem(v *session.Session) *sessionItem {
	pk, sk := sessionKey(v.ID)
	purge := v.PurgeAt(s.policy)
	it := &sessionItem{
		PK: pk, SK: sk,
		ID: v.ID, MerchantID: v.MerchantID, OrderID: v.OrderID,
		Status: string(v.Status), StatusReason: v.StatusReason,
		CreatedAt: formatTime(v.CreatedAt), UpdatedAt: formatTime(v.UpdatedAt),
		ExpiresAt: formatTime(v.ExpiresAt), ClosedAt: formatTime(v.ClosedAt),
		RetainUntil: formatTime(v.RetainUntil),
		PurgeAt:     formatTime(purge), TTL: epochCeil(purge),
		Amount: v.Amount, Currency: v.Currency,
		PaymentMethod: v.PaymentMethod, PaymentScenario: v.PaymentScenario,
		TransactionID: v.TransactionID, PartnerTransactionID: v.PartnerTransactionID,
		ShopBuyerID: v.ShopBuyerID, CallGUID: v.CallGUID, ProviderSessionGUID: v.ProviderSessionGUID,
		PaymentProvider: v.PaymentProvider, Provider: string(v.Provider),
		Hosted: v.Hosted, ActionURL: v.ActionURL, ReturnURL: v.ReturnURL, CancelURL: v.CancelURL,
		SavePaymentProfile: v.SavePaymentProfile, PaymentProfileID: v.PaymentProfileID,
		PaymentMethodDetails: string(v.PaymentMethodDetails), Appearance: string(v.Appearance),
		CardCategories: v.CardCategories, HCPToken: v.HCPToken,
		ResultData: v.ResultData, Metadata: v.Metadata,
		ParentSessionID: v.ParentSessionID, ChildSessionID: v.ChildSessionID,
		Version:          v.Version,
		MerchantDayShard: merchantDayShard(v.MerchantID, v.CreatedAt, shardOf(v.ID, s.list.shards)),
		CreatedKey:       createdKey(v.CreatedAt, v.ID),
		ListUntil:        formatTime(listUntil(v, s.policy)),
	}
	if v.DeclineReasons != nil {
		it.DeclineReasons = &declineItem{Category: v.DeclineReasons.Category, Reasons: v.DeclineReasons.Reasons}
	}
	it.History = make([]historyItem, len(v.History))
	for i, c := range v.History {
		it.History[i] = historyItem{Status: string(c.Status), Reason: c.Reason, At: formatTime(c.At), EventID: c.EventID}
	}
	if v.Status.Open() {
		shard := shardOf(v.ID, s.shards)
		it.ExpiryShard = &shard
	}
	return it
}

// Item is v as the store writes it — its keys and index attributes
// included, with the store's LIST_SHARDS and EXPIRY_SHARDS — for models of
// the table's traffic (the partition-heat model) and benchmarks. The store
// writes sessions through Transact, never through Item.
func (s *Store) Item(v *session.Session) (map[string]ddb.AttributeValue, error) {
	av, err := attributevalue.MarshalMap(s.toItem(v))
	if err != nil {
		return nil, session.Internal(fmt.Errorf("encode session: %w", err))
	}
	return av, nil
}

// IdempotencyItem is the Idempotency-Key record a create with idem writes
// beside its session, in the same transaction — keys included — for models
// of the table's traffic (the partition-heat model). The store writes it
// through Transact, never through IdempotencyItem.
func (s *Store) IdempotencyItem(idem *Idempotency, sessionID string, status int, body []byte, now time.Time) (map[string]ddb.AttributeValue, error) {
	put, err := s.idempotencyPut(&idempotencyWrite{idem: idem, sessionID: sessionID, status: status, body: body}, now)
	if err != nil {
		return nil, err
	}
	return put.Item, nil
}

// toSession is the session the item holds, or the error of an item the
// service did not write. whole says the item was read whole, not through
// a projection (listAttributes): see session.ForeignField.
func (it *sessionItem) toSession(whole bool) (*session.Session, error) {
	v := &session.Session{
		ID: it.ID, MerchantID: it.MerchantID, OrderID: it.OrderID,
		Status: session.Status(it.Status), StatusReason: it.StatusReason,
		Amount: it.Amount, Currency: it.Currency,
		PaymentMethod: it.PaymentMethod, PaymentScenario: it.PaymentScenario,
		TransactionID: it.TransactionID, PartnerTransactionID: it.PartnerTransactionID,
		ShopBuyerID: it.ShopBuyerID, CallGUID: it.CallGUID, ProviderSessionGUID: it.ProviderSessionGUID,
		PaymentProvider: it.PaymentProvider, Provider: rawJSON(it.Provider),
		Hosted: it.Hosted, ActionURL: it.ActionURL, ReturnURL: it.ReturnURL, CancelURL: it.CancelURL,
		SavePaymentProfile: it.SavePaymentProfile, PaymentProfileID: it.PaymentProfileID,
		PaymentMethodDetails: rawJSON(it.PaymentMethodDetails), Appearance: rawJSON(it.Appearance),
		CardCategories: it.CardCategories, HCPToken: it.HCPToken,
		ResultData: it.ResultData, Metadata: it.Metadata,
		ParentSessionID: it.ParentSessionID, ChildSessionID: it.ChildSessionID,
		Version: it.Version,
	}
	// An item the service did not write can hold anything in any
	// attribute (a card number, a token, free text), and this error's text
	// is logged (a 500's ERROR line, the sweeper's): it names what is wrong
	// by the attribute and its length, never by the stored text, nor by the
	// item's id unless it is one the service makes (a UUID; checked
	// against the key asked only after: decodeItemOf).
	// Named only on an error: every read decodes an item.
	what := func() string {
		if !session.ValidID(it.ID) {
			return fmt.Sprintf("stored session (an id of %d bytes, not a UUID)", len(it.ID))
		}
		return "stored session " + it.ID
	}
	if !v.Status.Valid() {
		return nil, fmt.Errorf("%s: its status (%d bytes) is not canonical", what(), len(it.Status))
	}
	// The merchant is a token's merchant_id, refused unless it is one: any
	// other was answered to a processor's event and written into the list
	// index's key (merchantDayShard).
	if !session.ValidMerchantID(it.MerchantID) {
		return nil, fmt.Errorf("%s: its merchantId (%d bytes) is not a merchant id", what(), len(it.MerchantID))
	}
	// A parent's or child's id is read back to read and write the family
	// by, and the native shape answers a parent's: one the service does
	// not make (not a UUID, or one in upper case: session.StoredID) is as
	// foreign as a status.
	for _, f := range []struct{ name, id string }{{"parentSessionId", it.ParentSessionID}, {"childSessionId", it.ChildSessionID}} {
		if f.id != "" && !session.StoredID(f.id) {
			return nil, fmt.Errorf("%s: its %s (%d bytes) is not a session id as create makes it", what(), f.name, len(f.id))
		}
	}
	// Every release writes these times (a closed session's closedAt and
	// retainUntil too), and storedTime reads an empty one as the zero
	// time: left out, a session read EXPIRED at 0001-01-01 in every shape,
	// and an event rewrote the item (r103-lifecycle).
	for _, f := range [...]struct {
		name, src string
		closed    bool // required of a closed session only
	}{{"createdAt", it.CreatedAt, false}, {"updatedAt", it.UpdatedAt, false}, {"expiresAt", it.ExpiresAt, false}, {"closedAt", it.ClosedAt, true}, {"retainUntil", it.RetainUntil, true}} {
		if f.src == "" && (!f.closed || !v.Status.Open()) {
			return nil, fmt.Errorf("%s: it has no %s", what(), f.name)
		}
	}
	var err error
	for _, f := range []struct {
		name string
		dst  *time.Time
		src  string
	}{
		{"createdAt", &v.CreatedAt, it.CreatedAt}, {"updatedAt", &v.UpdatedAt, it.UpdatedAt}, {"expiresAt", &v.ExpiresAt, it.ExpiresAt},
		{"closedAt", &v.ClosedAt, it.ClosedAt}, {"retainUntil", &v.RetainUntil, it.RetainUntil},
	} {
		if *f.dst, err = storedTime(f.name, f.src); err != nil {
			return nil, fmt.Errorf("%s: %w", what(), err)
		}
	}
	// The list index's attributes are written from the id, the merchant
	// and createdAt, and never changed: an item whose do not follow them
	// is one the service did not write, which the day's list would find
	// under another instant or merchant than its single read shows (a
	// createdAt moved within its day was answered 200 alone and 503 in the
	// list; a merchantId of another merchant was answered to that merchant
	// alone, never in its list). Every release wrote createdKey, so an
	// item without it is foreign too: it is in no list, and its single
	// read was 200 while its day's list was [] (r103-mutate). A
	// merchantDayShard may be absent: a release before the sharded index
	// wrote merchantDay instead (README, "Migrating the list index").
	//
	// Compared as text, without building the keys (a read's hot path):
	// createdAt read above is in the store's one form (storedTime), so
	// its text is formatTime's of the instant.
	if !isCreatedKey(it.CreatedKey, it.CreatedAt, it.ID) {
		return nil, fmt.Errorf("%s: its createdKey (%d bytes) is not its createdAt and id's", what(), len(it.CreatedKey))
	}
	if it.MerchantDayShard != "" && !validDayShard(it.MerchantDayShard, it.MerchantID, it.CreatedAt[:len(time.DateOnly)]) {
		return nil, fmt.Errorf("%s: its merchantDayShard (%d bytes) is not a partition of its merchant's day", what(), len(it.MerchantDayShard))
	}
	if v.Status.Open() {
		// The end of retention the item was written with, which its ttl
		// follows: a changed RESULT_RETENTION does not move it
		// (session.PurgeAt).
		if v.PurgeBy, err = storedTime("purgeAt", it.PurgeAt); err != nil {
			return nil, fmt.Errorf("%s: %w", what(), err)
		}
	}
	// listUntil, the filter the day's list reads its index entry by, is
	// written with merchantDayShard, in the store's form, at or past the
	// session's purge instant (listUntil), so the list reads the session
	// as long as a single read finds it: one before that instant, of
	// another form or absent beside a merchantDayShard hid a session from
	// its day's list while /session-record/{id} answered it (r103-review).
	if it.ListUntil != "" || it.MerchantDayShard != "" {
		until, ok := storedInstant(it.ListUntil)
		purge := v.RetainUntil
		if v.Status.Open() {
			purge = v.PurgeBy
		}
		if !ok || until.Before(purge) {
			return nil, fmt.Errorf("%s: its listUntil (%d bytes) is not a time at or past its purge instant", what(), len(it.ListUntil))
		}
	}
	if it.DeclineReasons != nil {
		reasons := it.DeclineReasons.Reasons
		if reasons == nil {
			reasons = []string{}
		}
		v.DeclineReasons = &session.DeclineReasons{Category: it.DeclineReasons.Category, Reasons: reasons}
	}
	v.History = make([]session.Change, len(it.History))
	for i, h := range it.History {
		at, ok := storedInstant(h.At)
		if !ok {
			// As storedTime says, the index only made on an error.
			return nil, fmt.Errorf("%s: its history[%d].at (%d bytes) is not a time", what(), i, len(h.At))
		}
		// A status no release writes is as foreign in a history entry as
		// at the top: each shape maps every entry (document 001 answered
		// one as "", outside its word list).
		if !session.Status(h.Status).Valid() {
			return nil, fmt.Errorf("%s: its history[%d].status (%d bytes) is not canonical", what(), i, len(h.Status))
		}
		v.History[i] = session.Change{Status: session.Status(h.Status), Reason: h.Reason, At: at, EventID: h.EventID}
	}
	// Every other field under the rules create and events hold input to
	// (one place, the domain's): named, never quoted.
	if f := v.ForeignField(whole); f != "" {
		return nil, fmt.Errorf("%s: its %s is not a value the service writes", what(), f)
	}
	return v, nil
}

// isCreatedKey reports whether key is createdKey's of the stored
// createdAt text (in the store's form) and id: "<createdAt>#<id>".
func isCreatedKey(key, createdAt, id string) bool {
	rest, ok := strings.CutPrefix(key, createdAt)
	return ok && createdAt != "" && len(rest) == 1+len(id) && rest[0] == '#' && rest[1:] == id
}

// validDayShard reports whether p is a partition of merchantID's day date
// (yyyy-mm-dd, "<merchantId>#<yyyy-mm-dd>", merchantDay) as
// merchantDayShard writes it under some LIST_SHARDS: a shard written as
// strconv.Itoa writes it, below MaxListShards. A shard at or past the
// LIST_SHARDS a list reads is a partition of a raised setting's, which a
// lowering hides (README, "LIST_SHARDS"); one no setting makes is never
// read by any list.
func validDayShard(p, merchantID, date string) bool {
	rest, ok := strings.CutPrefix(p, merchantID)
	if !ok || len(rest) < len(date)+2 || rest[0] != '#' || rest[1:1+len(date)] != date || rest[1+len(date)] != '#' {
		return false
	}
	rest = rest[len(date)+2:]
	n, err := strconv.Atoi(rest)
	return err == nil && strconv.Itoa(n) == rest && n >= 0 && n < MaxListShards
}

func rawJSON(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	return json.RawMessage(s)
}

// maxItemBytes is the largest session item the store writes, but for a
// reserved system change (reservedItemBytes): DynamoDB's limit is 400 KB;
// the margin leaves room for the sweeper's history entry, which it appends
// without reading the item.
const maxItemBytes = 380 << 10

// changeRoomBytes is the room changeLimit keeps for each change still due:
// more than any change adds with no data of its own (a reason of 500
// four-byte characters as the status reason and in its history entry, an
// eventId of 128, the status and its times: about 4.7 KB). A change that
// brings data (resultData, declineReasons, a transactionId, objects) may
// need more, and is refused SESSION_TOO_LARGE if the item has no room for
// it; sent without its data, it fits.
const changeRoomBytes = 6 << 10

// reservedItemBytes is the room kept above maxItemBytes for the system
// changes of a family member that are never refused for size
// (session.Reserved): at most four once the item is past maxItemBytes
// (a close of an open session or a followed declined cancellation, whose
// request fitted under the limit, then at most three non-repeating
// follows), each under 400 bytes (a history entry with the system's
// reason, the status, its reason and times; 765 bytes for all four
// measured with the item encoding). An item that uses it stays well under
// DynamoDB's 400 KB.
const reservedItemBytes = 4 << 10

// ItemSize is an item's size as DynamoDB counts it, for write units: see
// itemSize.
func ItemSize(av map[string]ddb.AttributeValue) int { return itemSize(av) }

// itemSize is an item's size as DynamoDB counts it: attribute names and
// values in UTF-8 bytes, numbers by their digits, a few bytes per list or
// map entry.
func itemSize(av map[string]ddb.AttributeValue) int {
	n := 0
	for k, v := range av {
		n += len(k) + valueSize(v)
	}
	return n
}

func valueSize(v ddb.AttributeValue) int {
	switch v := v.(type) {
	case *ddb.AttributeValueMemberS:
		return len(v.Value)
	case *ddb.AttributeValueMemberN:
		return len(v.Value)
	case *ddb.AttributeValueMemberB:
		return len(v.Value)
	case *ddb.AttributeValueMemberBOOL, *ddb.AttributeValueMemberNULL:
		return 1
	case *ddb.AttributeValueMemberL:
		n := 3
		for _, e := range v.Value {
			n += 1 + valueSize(e)
		}
		return n
	case *ddb.AttributeValueMemberM:
		n := 3
		for k, e := range v.Value {
			n += 1 + len(k) + valueSize(e)
		}
		return n
	case *ddb.AttributeValueMemberSS:
		n := 0
		for _, e := range v.Value {
			n += len(e)
		}
		return n
	}
	return 0
}

// attrType is the type the store writes an attribute with, as
// attributevalue.MarshalMap writes sessionItem's, apiKeyItem's and
// idempotencyItem's fields: a string as S, an integer as N, a bool as
// BOOL, bytes as B, a slice as L of its element's type, a map as M of its
// value's type, a struct as M of its fields'. null says the store writes
// NULL there too: a nil slice, map or pointer of a field
// without omitempty (a decline's reasons when a processor sent none).
type attrType struct {
	kind   string // "S", "N", "BOOL", "B", "L", "M"
	null   bool
	elem   *attrType            // L's elements, M's values (a map)
	fields map[string]*attrType // M's members (a struct); unknown members are not judged
}

// sessionItemTypes, apiKeyItemTypes and idempotencyItemTypes are the
// items' attribute types, read from their fields so they cannot drift from
// what the store writes. So an edit of those structs changes what reads
// accept: a field's type changed, or omitempty added where a nil was
// written as NULL, makes every item an earlier release wrote so 500 for
// the rest of its life (README, Decisions: "A release must not tighten
// what reads accept while items written under the looser rule live").
// Each is read at its first use, not at start-up: a cold start does no
// work before its first request (TestColdStartInitsDoNoWork).
var (
	sessionItemTypes     = sync.OnceValue(func() *attrType { return typeOfStruct(reflect.TypeFor[sessionItem]()) })
	apiKeyItemTypes      = sync.OnceValue(func() *attrType { return typeOfStruct(reflect.TypeFor[apiKeyItem]()) })
	idempotencyItemTypes = sync.OnceValue(func() *attrType { return typeOfStruct(reflect.TypeFor[idempotencyItem]()) })
)

func typeOfStruct(t reflect.Type) *attrType {
	out := &attrType{kind: "M", fields: map[string]*attrType{}}
	for f := range t.Fields() {
		name, opts, _ := strings.Cut(f.Tag.Get("dynamodbav"), ",")
		out.fields[name] = typeOf(f.Type, !strings.Contains(opts, "omitempty"))
	}
	return out
}

// typeOf is t's attribute type; written says a zero value is written (no
// omitempty), so a nil slice, map or pointer is NULL.
func typeOf(t reflect.Type, written bool) *attrType {
	switch t.Kind() {
	case reflect.String:
		return &attrType{kind: "S"}
	case reflect.Int, reflect.Int64:
		return &attrType{kind: "N"}
	case reflect.Bool:
		return &attrType{kind: "BOOL"}
	case reflect.Pointer:
		a := *typeOf(t.Elem(), written)
		a.null = written
		return &a
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return &attrType{kind: "B", null: written}
		}
		return &attrType{kind: "L", null: written, elem: typeOf(t.Elem(), true)}
	case reflect.Map:
		return &attrType{kind: "M", null: written, elem: typeOf(t.Elem(), true)}
	case reflect.Struct:
		return typeOfStruct(t)
	}
	panic("store: stored item field of kind " + t.Kind().String())
}

// foreignType names an attribute of av, an item of types (a session's,
// whole or through a projection, an API key's or an idempotency record),
// that holds a value of another type than the store writes it with, or ""
// when there is none. The SDK's decoder reads a number (N) into a text
// field as its digits, a set (SS, NS) or a list of numbers into a list of
// texts (a list of numbers into bytes as those bytes), and NULL as the
// zero value, so without this an item the service did not write with
// {"transactionId":{"N":"5"}} was answered "5" by every shape
// (r105-seeds24), while create refuses a number where a text is
// (docs/design.md §3). Attributes the struct does not name (writeId,
// recentWrites, a legacy merchantDay) are not judged here.
func foreignType(av map[string]ddb.AttributeValue, types *attrType) string {
	for name, v := range av {
		if want, ok := types.fields[name]; ok && !want.holds(v) {
			return name
		}
	}
	return ""
}

// holds reports whether v is of type a, at every depth.
func (a *attrType) holds(v ddb.AttributeValue) bool {
	switch v := v.(type) {
	case *ddb.AttributeValueMemberNULL:
		return a.null
	case *ddb.AttributeValueMemberS:
		return a.kind == "S"
	case *ddb.AttributeValueMemberN:
		return a.kind == "N"
	case *ddb.AttributeValueMemberBOOL:
		return a.kind == "BOOL"
	case *ddb.AttributeValueMemberB:
		return a.kind == "B"
	case *ddb.AttributeValueMemberL:
		if a.kind != "L" {
			return false
		}
		for _, e := range v.Value {
			if !a.elem.holds(e) {
				return false
			}
		}
		return true
	case *ddb.AttributeValueMemberM:
		if a.kind != "M" {
			return false
		}
		for k, e := range v.Value {
			want := a.elem
			if a.fields != nil {
				if want = a.fields[k]; want == nil {
					continue
				}
			}
			if !want.holds(e) {
				return false
			}
		}
		return true
	}
	return false // SS, NS, BS: the store writes none
}
