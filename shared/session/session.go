// Package session is the payment-session domain: the canonical session, its
// statuses and transitions, the time rules of expiry and retention, input
// validation and the program's coded errors. It imports nothing from AWS and
// never reads the clock: every function that needs the time takes it.
package session

import (
	"encoding/json"
	"slices"
	"time"
)

// Policy holds the configured durations of the lifecycle.
type Policy struct {
	// Expiry is how long an open session lives after creation (SESSION_EXPIRY).
	Expiry time.Duration
	// Retention is how long a closed session stays readable (RESULT_RETENTION).
	Retention time.Duration
	// WriteGuard is the guard band (WRITE_GUARD) before expiresAt and before
	// the end of retention in which writes are refused: a write judges the
	// session as it will be WriteGuard from now, because DynamoDB may apply
	// it that much later (SDK retries) and other instances' clocks differ.
	// Reads are not affected: they are exact. See docs/design.md §4.
	WriteGuard time.Duration
}

// DefaultWriteGuard is WRITE_GUARD's default.
const DefaultWriteGuard = 5 * time.Second

// DefaultPolicy is the lifecycle of docs/design.md §4: 30 minutes open, 15 minutes
// readable after closing, writes refused in the 5 seconds before either ends.
var DefaultPolicy = Policy{Expiry: 30 * time.Minute, Retention: 15 * time.Minute, WriteGuard: DefaultWriteGuard}

// MaxHistory bounds a session's history so no item nears DynamoDB's 400 KB
// item limit. Processor events and merchant cancels are refused (409
// HISTORY_FULL) once the history holds MaxHistory entries, and events between
// open statuses already once it holds MaxHistory-MaxHistoryReserve, so a
// processor can always still close a busy session; a cancel request and a
// declined cancellation are refused earlier still (moneyEnds). System changes (expiry,
// parent/child propagation) are never refused for length, but they only
// ever close an open session, which holds at most
// MaxHistory-MaxHistoryReserve entries, or follow a child's non-repeating
// moves, at most three once FollowChild refuses the repeating ones at
// MaxHistory-MaxHistoryReserve: a history never exceeds MaxHistory.
// (The store also refuses any write that would make the item itself too
// large.)
const (
	MaxHistory        = 100
	MaxHistoryReserve = 10
)

// moneyEnds is how many changes an AUTHORISED session may still need to
// end its money: SETTLED, FRAUD_CANCELLATION_REQUESTED, CANCELED. A cancel
// request (refused at MaxHistory-moneyEnds-1 entries) and a declined
// cancellation (at MaxHistory-moneyEnds) leave room for them, so a
// merchant asking again and again to cancel a payment the processor keeps
// declining to cancel never leaves it where no processor report can land.
const moneyEnds = 3

// ChangesStillDue is how many changes a merchant's or processor's change of
// a session from status from to status to must leave room for, as the
// history's limits leave entries for them (transition): a change between
// open statuses leaves room for the close, one cancel request and its
// answer, and the changes that end its money (1 + 2 + moneyEnds: r86-review
// found a merchant's cancel request with a long reason refused after open
// events had filled the item and the processor had closed it); a cancel
// request, its answer and those (moneyEnds + 1); a close to AUTHORISED, for
// the merchant's cancel request, its answer and those (moneyEnds + 2:
// r87-mutate found an AUTHORISED with data filling the item so that the
// merchant's cancel request was refused); a declined cancellation (back to
// AUTHORISED), for those (moneyEnds); a settlement, for the fraud
// cancellation and cancellation after it (moneyEnds - 1); a fraud
// cancellation request, for its cancellation (1); any other change (it ends
// the session), none. Only to decides, but for AUTHORISED (a close or a
// decline): no closed status moves to an open one. The store keeps that
// many changes' room in bytes under its item limit, so a session grown by
// its own events' texts can still be closed and its money ended, as its
// history can; and a change that takes money and brings data cannot fill
// the item so that the changes ending its money are refused (r86-review: an
// AUTHORISED or SETTLED with resultData filled it to the limit, and the
// SETTLED, FRAUD_CANCELLATION_REQUESTED and CANCELED after it were refused
// SESSION_TOO_LARGE).
func ChangesStillDue(from, to Status) int {
	switch {
	case from.Open() && to.Open():
		return 1 + 2 + moneyEnds
	case to == CancelRequested:
		return moneyEnds + 1
	case to == Authorised && from.Open():
		return moneyEnds + 2
	case to == Authorised:
		return moneyEnds
	case to == Settled:
		return moneyEnds - 1
	case to == FraudCancellationRequested:
		return 1
	}
	return 0
}

// Reasons recorded by the system itself.
const (
	ReasonCreated          = "Session created."
	ReasonExpiredText      = "Session expired before it was completed."
	ReasonMerchantCancel   = "Canceled by the merchant."
	ReasonMerchantCancelRq = "Cancellation requested by the merchant."
)

// ProcessorReason is the reason recorded for a processor's event to status
// s that gives none. (Renderers that speak another vocabulary recognise it:
// document 001 shows its own words.)
func ProcessorReason(s Status) string {
	return "Status updated to " + string(s) + " by the payment processor."
}

// Change is one entry of a session's history.
type Change struct {
	Status Status    `json:"status"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
	// EventID is the processor's event id that made this change, kept so a
	// retried event is acknowledged instead of applied twice. Not rendered.
	EventID string `json:"-"`
}

// DeclineReasons explains a failed payment (document 004's decline_reasons).
type DeclineReasons struct {
	Category string   `json:"category"`
	Reasons  []string `json:"reasons"`
}

// Session is the canonical payment session (docs/design.md §3), the union of what
// the five status APIs expose. Its JSON form is the native API's.
type Session struct {
	ID                   string            `json:"id"`
	MerchantID           string            `json:"merchantId"`
	OrderID              string            `json:"orderId,omitempty"`
	Status               Status            `json:"status"`
	StatusReason         string            `json:"statusReason,omitempty"`
	CreatedAt            time.Time         `json:"createdAt"`
	UpdatedAt            time.Time         `json:"updatedAt"`
	ExpiresAt            time.Time         `json:"expiresAt"`
	ClosedAt             time.Time         `json:"closedAt,omitzero"`
	RetainUntil          time.Time         `json:"retainUntil,omitzero"`
	Amount               int64             `json:"amount"`
	Currency             string            `json:"currency"`
	PaymentMethod        string            `json:"paymentMethod,omitempty"`
	PaymentScenario      string            `json:"paymentScenario,omitempty"`
	TransactionID        string            `json:"transactionId,omitempty"`
	PartnerTransactionID string            `json:"partnerTransactionId,omitempty"`
	ShopBuyerID          string            `json:"shopBuyerId,omitempty"`
	CallGUID             string            `json:"callGuid,omitempty"`
	ProviderSessionGUID  string            `json:"providerSessionGuid,omitempty"`
	PaymentProvider      string            `json:"paymentProvider,omitempty"`
	Provider             json.RawMessage   `json:"provider,omitempty"`
	Hosted               bool              `json:"hosted"`
	ActionURL            string            `json:"actionUrl,omitempty"`
	ReturnURL            string            `json:"returnUrl,omitempty"`
	CancelURL            string            `json:"cancelUrl,omitempty"`
	SavePaymentProfile   bool              `json:"savePaymentProfile"`
	PaymentProfileID     string            `json:"paymentProfileId,omitempty"`
	PaymentMethodDetails json.RawMessage   `json:"paymentMethodDetails,omitempty"`
	Appearance           json.RawMessage   `json:"appearance,omitempty"`
	CardCategories       []string          `json:"cardCategories,omitempty"`
	HCPToken             string            `json:"hcpToken"`
	ResultData           map[string]string `json:"resultData,omitempty"`
	DeclineReasons       *DeclineReasons   `json:"declineReasons,omitempty"`
	Metadata             map[string]string `json:"metadata,omitempty"`
	ParentSessionID      string            `json:"parentSessionId,omitempty"`
	ChildSessionID       string            `json:"childSessionId,omitempty"`
	History              []Change          `json:"history"`

	// Version counts the stored writes of the session, for optimistic
	// concurrency. The store owns it; it is never rendered.
	Version int64 `json:"-"`

	// PurgeBy is, while the session is open, the end of retention its
	// record was written with (zero when not known): its store deletes it
	// then, and PurgeAt gives it, whatever retention the policy gives now
	// (a RESULT_RETENTION changed since would bring back a session already
	// gone). The store reads it; it is never rendered.
	PurgeBy time.Time `json:"-"`
}

// Normalize returns t in UTC at the precision the service keeps (100 ns, the
// finest any dialect renders), without a monotonic clock reading.
func Normalize(t time.Time) time.Time {
	return t.UTC().Round(0).Truncate(100 * time.Nanosecond)
}

// New makes a session from a validated draft. id and hcpToken are made by the
// caller (random), now is the creation instant.
func New(d *Draft, merchantID, id, hcpToken string, now time.Time, p Policy) *Session {
	now = Normalize(now)
	s := &Session{
		ID:                   id,
		MerchantID:           merchantID,
		OrderID:              d.OrderID,
		Status:               Created,
		StatusReason:         ReasonCreated,
		CreatedAt:            now,
		UpdatedAt:            now,
		ExpiresAt:            Normalize(now.Add(p.Expiry)),
		Currency:             d.Currency,
		PaymentMethod:        d.PaymentMethod,
		PaymentScenario:      d.PaymentScenario,
		TransactionID:        d.TransactionID,
		PartnerTransactionID: d.PartnerTransactionID,
		ShopBuyerID:          d.ShopBuyerID,
		CallGUID:             d.CallGUID,
		ProviderSessionGUID:  d.ProviderSessionGUID,
		PaymentProvider:      d.PaymentProvider,
		Provider:             d.Provider,
		Hosted:               d.Hosted,
		ActionURL:            d.ActionURL,
		ReturnURL:            d.ReturnURL,
		CancelURL:            d.CancelURL,
		SavePaymentProfile:   d.SavePaymentProfile,
		PaymentProfileID:     d.PaymentProfileID,
		PaymentMethodDetails: d.PaymentMethodDetails,
		Appearance:           d.Appearance,
		CardCategories:       d.CardCategories,
		HCPToken:             hcpToken,
		Metadata:             d.Metadata,
		ParentSessionID:      string(d.ParentSessionID),
		History:              []Change{{Status: Created, Reason: ReasonCreated, At: now}},
	}
	if d.Amount != nil {
		s.Amount = *d.Amount
	}
	return s
}

// Clone returns a deep copy of s, so a view or a change never aliases the
// original's slices and maps.
func (s *Session) Clone() *Session {
	c := *s
	c.History = slices.Clone(s.History)
	c.CardCategories = slices.Clone(s.CardCategories)
	c.Provider = slices.Clone(s.Provider)
	c.PaymentMethodDetails = slices.Clone(s.PaymentMethodDetails)
	c.Appearance = slices.Clone(s.Appearance)
	c.ResultData = cloneMap(s.ResultData)
	c.Metadata = cloneMap(s.Metadata)
	if s.DeclineReasons != nil {
		dr := *s.DeclineReasons
		dr.Reasons = slices.Clone(dr.Reasons)
		c.DeclineReasons = &dr
	}
	return &c
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// PurgeAt is the instant from which the session no longer exists for anyone:
// retainUntil once closed; while open, the retainUntil its expiry at
// expiresAt will carry (ExpiryOf: expiresAt + retention, kept to 100 ns like
// every instant), so a read finds an unswept session exactly when it would
// find the swept one, whatever RESULT_RETENTION's precision.
//
// An open session's end is the PurgeBy its record was written with, when
// known, whatever retention p gives: a changed retention, raised or
// lowered, reaches an open session only when a processor or merchant
// closes it, or it was created after the change (the sweeper's EXPIRED
// keeps PurgeBy as its retainUntil). So every
// instance reads it alike from its item, whatever retention each runs
// with: under the policy of the moment, a session 404 under a lowered
// retention read EXPIRED again under the old one (a rollback, an instance
// not yet updated), and a raised one brought back a session already gone.
func (s *Session) PurgeAt(p Policy) time.Time {
	if s.Status.Open() {
		if !s.PurgeBy.IsZero() {
			return s.PurgeBy
		}
		return Normalize(s.ExpiresAt.Add(p.Retention))
	}
	return s.RetainUntil
}

// ExpiredAt reports whether an open session has expired at now. The instant
// expiresAt itself already counts as expired.
func (s *Session) ExpiredAt(now time.Time) bool {
	return s.Status.Open() && !now.Before(s.ExpiresAt)
}

// At returns the session as it is at now: an open session past expiresAt is
// reported EXPIRED (closedAt = expiresAt, a history entry at expiresAt),
// exactly as the sweeper will store it, whether or not the sweeper has run.
// A session past its retention does not exist: At returns ENOTFOUND.
// The receiver is never modified.
func (s *Session) At(now time.Time, p Policy) (*Session, error) {
	if !now.Before(s.PurgeAt(p)) {
		return nil, NotFound()
	}
	if !s.ExpiredAt(now) {
		return s, nil
	}
	v := s.Clone()
	v.expire(p)
	return v, nil
}

// TurnsBetween reports whether At answers differently at b than at a: the
// session expires, or passes its retention, between the two instants. A
// read that began at a and ended at b straddles that instant, and a write
// accepted before it may have landed after the read (docs/design.md §4).
func (s *Session) TurnsBetween(a, b time.Time, p Policy) bool {
	purge := s.PurgeAt(p)
	return s.ExpiredAt(a) != s.ExpiredAt(b) || a.Before(purge) != b.Before(purge)
}

// Expiry describes the write that persists an expiry: everything the sweeper
// stores when it expires an open session whose expiresAt has passed.
type Expiry struct {
	Status      Status
	Reason      string
	ClosedAt    time.Time // = expiresAt
	RetainUntil time.Time // = expiresAt + retention
	Change      Change    // the history entry at expiresAt
}

// ExpiryOf returns the expiry of a session that expires at expiresAt.
func ExpiryOf(expiresAt time.Time, p Policy) Expiry {
	return Expiry{
		Status:      Expired,
		Reason:      ReasonExpiredText,
		ClosedAt:    expiresAt,
		RetainUntil: Normalize(expiresAt.Add(p.Retention)),
		Change:      Change{Status: Expired, Reason: ReasonExpiredText, At: expiresAt},
	}
}

func (s *Session) expire(p Policy) {
	e := ExpiryOf(s.ExpiresAt, p)
	s.RetainUntil = s.PurgeAt(p) // PurgeBy when known, else e.RetainUntil
	s.Status = e.Status
	s.StatusReason = e.Reason
	s.ClosedAt = e.ClosedAt
	s.UpdatedAt = e.ClosedAt
	s.PurgeBy = time.Time{}
	s.History = append(s.History, e.Change)
}

// WriteAt is the instant a write made at now is judged at: now, kept to
// 100 ns as every instant the service records (Normalize), plus the guard
// band. A write may land (an SDK retry) or be compared with another
// instance's clock up to that much later, so it is accepted only if the
// session would still accept it then (docs/design.md §4). Every write rule
// takes its instant from here, with the clock as read or already kept to
// 100 ns (a caller that records now does that first): the session's own
// (writable), its family's (Adopt, ApplyToChild, propagate, CloseChild)
// and the store's conditions. So they agree to the nanosecond whatever the
// band's precision; config.Load admits whole milliseconds only, and a band
// on the 100 ns grid gives the same instant either way.
func (p Policy) WriteAt(now time.Time) time.Time { return Normalize(now).Add(p.WriteGuard) }

// writable checks that the session, as stored, may be written at now, judged
// at now plus the guard band: it still exists then (else ENOTFOUND: within
// the band before its retention ends, a write sees the session as it will
// be when the write may land, gone), is not EXPIRED as stored, and, if
// open, has not expired then (else ECONFLICT SESSION_EXPIRED, the same as a
// write after expiresAt, swept or not: a client must treat a session within
// the band as expired for writes, though reads still show it open until
// expiresAt itself).
func (s *Session) writable(now time.Time, p Policy) error {
	at := p.WriteAt(now)
	if !at.Before(s.PurgeAt(p)) {
		return NotFound()
	}
	if s.Status == Expired {
		// Written by the sweeper: refused as it was before the sweeper
		// ran (docs/design.md §4), not as an invalid transition.
		return Errorf(ECONFLICT, ReasonSessionExpired, "The session expired at %s; it can no longer change.", s.ExpiresAt.Format(time.RFC3339))
	}
	if s.ExpiredAt(at) {
		if s.ExpiredAt(now) {
			return Errorf(ECONFLICT, ReasonSessionExpired, "The session expired at %s; it can no longer change.", s.ExpiresAt.Format(time.RFC3339))
		}
		return Errorf(ECONFLICT, ReasonSessionExpired, "The session expires at %s, less than %s from now; it no longer accepts changes.", s.ExpiresAt.Format(time.RFC3339), p.WriteGuard)
	}
	return nil
}

// HasEvent reports whether a processor event with this id was applied.
func (s *Session) HasEvent(eventID string) bool {
	if eventID == "" {
		return false
	}
	for _, c := range s.History {
		if c.EventID == eventID {
			return true
		}
	}
	return false
}

// Apply applies a processor event at now. It reports applied=false, with no
// error, when the event's id was applied before (a processor retry): the
// session is unchanged and the caller answers as if it had been applied.
// That check comes first, right after the one for a session past its
// retention (ENOTFOUND): a retry acknowledges an applied event even after
// the session has expired or closed, or within the guard band.
func (s *Session) Apply(ev *Event, now time.Time, p Policy) (applied bool, err error) {
	return s.apply(ev, now, p, nil)
}

// apply is Apply, with check (when not nil) run once the event is known to
// be new and the session writable, before the transition.
func (s *Session) apply(ev *Event, now time.Time, p Policy, check func() error) (applied bool, err error) {
	now = Normalize(now)
	if !now.Before(s.PurgeAt(p)) {
		return false, NotFound()
	}
	if s.HasEvent(string(ev.EventID)) {
		return false, nil
	}
	if err := s.writable(now, p); err != nil {
		return false, err
	}
	if check != nil {
		if err := check(); err != nil {
			return false, err
		}
	}
	reason := ev.Reason
	if reason == "" {
		reason = ProcessorReason(ev.Status)
	}
	if err := s.transition(ev.Status, reason, string(ev.EventID), false, now, p); err != nil {
		return false, err
	}
	if ev.ResultData != nil {
		s.ResultData = ev.ResultData
	}
	if ev.DeclineReasons != nil {
		s.DeclineReasons = ev.DeclineReasons
	}
	if ev.PaymentMethodDetails != nil {
		s.PaymentMethodDetails = ev.PaymentMethodDetails
	}
	if ev.Provider != nil {
		s.Provider = ev.Provider
	}
	if ev.TransactionID != "" {
		s.TransactionID = ev.TransactionID
	}
	if ev.ProviderSessionGUID != "" {
		s.ProviderSessionGUID = ev.ProviderSessionGUID
	}
	if ev.ActionURL != "" {
		s.ActionURL = ev.ActionURL
	}
	return true, nil
}

// Cancel is the merchant's cancel at now: an open session becomes CANCELED,
// an AUTHORISED one CANCEL_REQUESTED (the processor confirms the
// cancellation later); any other status refuses with ECONFLICT.
func (s *Session) Cancel(reason string, now time.Time, p Policy) error {
	now = Normalize(now)
	if err := s.writable(now, p); err != nil {
		return err
	}
	var to Status
	switch {
	case s.Status.Open():
		to = Canceled
		if reason == "" {
			reason = ReasonMerchantCancel
		}
	case s.Status == Authorised:
		to = CancelRequested
		if reason == "" {
			reason = ReasonMerchantCancelRq
		}
	default:
		return Errorf(ECONFLICT, ReasonInvalidTransition, "A session in status %s cannot be canceled.", s.Status)
	}
	return s.transition(to, reason, "", false, now, p)
}

// transition moves the session to status to at now, recording the change.
// A system change (propagation between parent and child) is never refused
// for the history's length; it only closes an open session or follows a
// child (FollowChild, which bounds the moves that repeat).
func (s *Session) transition(to Status, reason, eventID string, system bool, now time.Time, p Policy) error {
	if !CanTransition(s.Status, to) {
		return Errorf(ECONFLICT, ReasonInvalidTransition, "A session in status %s cannot move to %s.", s.Status, to)
	}
	limit := MaxHistory
	switch {
	case s.Status.Open() && to.Open():
		limit = MaxHistory - MaxHistoryReserve
	case !s.Status.Open() && repeats(to):
		// A cancel request and a declined cancellation can alternate
		// without end: the cycle stops while the money can still end
		// (moneyEnds more entries after AUTHORISED), and a request still
		// gets its answer (one more: AUTHORISED again, or CANCELED).
		limit = MaxHistory - moneyEnds
		if to == CancelRequested {
			limit--
		}
	}
	if !system && len(s.History) >= limit {
		return Errorf(ECONFLICT, ReasonHistoryFull, "The session's history is full (%d entries); no further changes of this kind are accepted.", len(s.History))
	}
	s.Status = to
	s.StatusReason = reason
	s.UpdatedAt = now
	if !to.Open() {
		s.ClosedAt = now
		s.RetainUntil = Normalize(now.Add(p.Retention))
	}
	s.History = append(s.History, Change{Status: to, Reason: reason, At: now, EventID: eventID})
	return nil
}
