package session

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

// maxHCPTokenLen is the longest hcpToken a stored session may hold: the
// service makes 32 base64url characters (24 random bytes); the rule keeps
// room for another length, never for another alphabet.
const maxHCPTokenLen = 64

// ForeignField names the first field of s, as read back from a store, that
// holds a value the service could not have written, or is "" when there
// is none. The rules are Validate's (Draft's, Event's, CancelRequest's),
// the single place input is judged, applied to what a read answers: a
// session is made only from a validated draft and changed only by
// validated events and cancels, so a stored value those refuse (a card
// number in orderId, an amount below 0 or past MaxAmount, a currency that
// is not three capital letters, provider JSON with duplicate member names
// or a lone surrogate, a noncharacter in any text (which a request body
// refuses before its fields are read), a URL a browser reads otherwise,
// an hcpToken outside base64url) is one the service did not write, however
// it came to be stored (README, Security). The caller refuses the whole item and
// names the field, never its value.
//
// whole says s was read whole: a projection (document 004's reads carry
// listAttributes only) leaves other fields zero, so only the rules a zero
// value can break when the field is required (currency, a hosted
// session's URLs) are skipped for it; every field it carries is judged.
//
// It allocates nothing for a session without URLs or JSON objects: a
// read's hot path (BenchmarkDecodeSession). A URL or object costs its
// parse, as create's check of it does.
func (s *Session) ForeignField(whole bool) string {
	if s.Amount < 0 || s.Amount > MaxAmount || s.Amount >= 1e12 && StoredHoldsCardNumber(strconv.FormatInt(s.Amount, 10)) {
		return "amount"
	}
	if s.Currency != "" || whole {
		if !isCurrency(s.Currency) {
			return "currency"
		}
	}
	for _, f := range [...]namedText{
		{"orderId", s.OrderID}, {"paymentMethod", s.PaymentMethod}, {"paymentScenario", s.PaymentScenario},
		{"transactionId", s.TransactionID}, {"partnerTransactionId", s.PartnerTransactionID},
		{"shopBuyerId", s.ShopBuyerID}, {"callGuid", s.CallGUID}, {"providerSessionGuid", s.ProviderSessionGUID},
		{"paymentProvider", s.PaymentProvider}, {"paymentProfileId", s.PaymentProfileID},
	} {
		if !storedText(f.v, maxIDLen) {
			return f.name
		}
	}
	if checkGUID("callGuid", s.CallGUID) != nil {
		return "callGuid"
	}
	if checkGUID("providerSessionGuid", s.ProviderSessionGUID) != nil {
		return "providerSessionGuid"
	}
	// A URL holding a noncharacter is refused by checkURL itself, as an
	// invisible character: each of the 66, raw in a path, query, fragment
	// or host (r107-mutate), so storedText's own check is not repeated.
	for _, f := range [...]namedText{{"actionUrl", s.ActionURL}, {"returnUrl", s.ReturnURL}, {"cancelUrl", s.CancelURL}} {
		if onRead.checkURL(f.name, f.v) != nil || whole && s.Hosted && f.v == "" && f.name != "actionUrl" {
			return f.name
		}
	}
	for _, f := range [...]struct {
		name string
		v    json.RawMessage
	}{{"provider", s.Provider}, {"paymentMethodDetails", s.PaymentMethodDetails}, {"appearance", s.Appearance}} {
		if !storedObject(f.name, f.v) {
			return f.name
		}
	}
	if len(s.CardCategories) > maxCategories {
		return "cardCategories"
	}
	for _, c := range s.CardCategories {
		if !storedText(c, maxCategoryLen) {
			return "cardCategories"
		}
	}
	if !storedMap(s.Metadata, maxMetadataKeys, maxMetadataKeyLen, maxMetadataValLen) {
		return "metadata"
	}
	// resultData by its form alone, not its size: the store's own size
	// rules (maxItemBytes) bound it, and the store's tests fill items to
	// their limit through it.
	if !storedMap(s.ResultData, math.MaxInt, math.MaxInt, math.MaxInt) {
		return "resultData"
	}
	if dr := s.DeclineReasons; dr != nil {
		if !storedText(dr.Category, maxIDLen) || len(dr.Reasons) > maxDeclineReasons {
			return "declineReasons"
		}
		for _, r := range dr.Reasons {
			if !storedText(r, maxReasonLen) {
				return "declineReasons"
			}
		}
	}
	if !storedText(s.StatusReason, maxReasonLen) {
		return "statusReason"
	}
	for i := range s.History {
		h := &s.History[i]
		if !storedText(h.Reason, maxReasonLen) || !storedText(h.EventID, maxEventIDLen) {
			return "history"
		}
	}
	if !validHCPToken(s.HCPToken) {
		return "hcpToken"
	}
	// A parent's or child's id is one create made: a lower-case UUID (a
	// parentSessionId is read in either case and stored in lower case, a
	// parent linked to its child's new id). The store reads and writes the
	// family by it, under keys written in lower case: one in upper case
	// named no session there, so document 003 answered a parent without
	// its child (r110-seeds013).
	if s.ParentSessionID != "" && !StoredID(s.ParentSessionID) {
		return "parentSessionId"
	}
	if s.ChildSessionID != "" && !StoredID(s.ChildSessionID) {
		return "childSessionId"
	}
	return ""
}

// StoredID reports whether id is a session id as the service writes it
// (uuid.NewString's): a UUID (ValidID) without an upper-case letter. A
// stored id in any other form, in a session's family or an
// Idempotency-Key's record, is one the service did not write.
func StoredID(id string) bool {
	return ValidID(id) && !strings.ContainsAny(id, "ABCDEF")
}

// storedObject reports whether raw is a free-form object as checkObject
// stores it: absent, or exactly the re-encoding of the tokens it judged
// (scanJSON), so a stored object with duplicate member names, a lone
// surrogate escape, another spelling of its strings or a card number
// anywhere is one the service did not write. An empty raw is absent too,
// as the session's JSON renders it (omitempty).
func storedObject(field string, raw json.RawMessage) bool {
	if len(raw) == 0 {
		return true
	}
	if len(raw) > maxObjectBytes || raw[0] != '{' {
		return false
	}
	out, err := scanJSON(field, raw, onRead)
	return err == nil && string(out) == string(raw)
}

// storedMap reports whether m passes checkMap's rules (its number of
// keys, non-empty clean keys and clean values of their lengths, no card
// number in either), judged without naming a key: checkMap builds each
// value's field name, an allocation a read need not pay.
func storedMap(m map[string]string, maxKeys, maxKey, maxVal int) bool {
	if len(m) > maxKeys {
		return false
	}
	for k, v := range m {
		if k == "" || !storedText(k, maxKey) || !storedText(v, maxVal) {
			return false
		}
	}
	return true
}

// storedText reports whether v is a text create or an event stores in a
// field of at most max characters: checkString's rules, and no Unicode
// noncharacter (holdsNoncharacter), which a request body refuses before
// any field is read (I-JSON, RFC 7493 §2.1; 400 MALFORMED_JSON), so no
// create or event ever stored one.
func storedText(v string, max int) bool {
	return onRead.checkString("", v, max) == nil && !holdsNoncharacter(v)
}

// validHCPToken reports whether t is an hcpToken as the service makes
// them: base64url characters (RFC 4648 §5, no padding), at most
// maxHCPTokenLen, holding no card number. "" is a session stored without
// one (test data, imports).
func validHCPToken(t string) bool {
	if len(t) > maxHCPTokenLen {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return !LooksLikeCardNumber(t)
}
