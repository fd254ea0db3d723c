package session

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"
)

// Input limits. Strings are counted in characters (runes).
const (
	MaxAmount         = 1_000_000_000_000_000 // 10^15 minor units
	maxIDLen          = 255                   // identifiers and short texts
	maxURLLen         = 2048
	maxReasonLen      = 500
	maxEventIDLen     = 128
	maxMetadataKeys   = 50
	maxMetadataKeyLen = 40
	maxMetadataValLen = 500
	maxResultKeys     = 100
	maxResultKeyLen   = 100
	maxResultValLen   = 1000
	maxCategories     = 20
	maxCategoryLen    = 64
	maxDeclineReasons = 20
	maxObjectBytes    = 16 << 10 // provider, paymentMethodDetails, appearance
)

// Draft is what a merchant sends to create a session: every settable field
// of the canonical session (docs/design.md §3). Absent fields are zero.
type Draft struct {
	OrderID              string            `json:"orderId"`
	Amount               *int64            `json:"amount"`
	Currency             string            `json:"currency"`
	PaymentMethod        string            `json:"paymentMethod"`
	PaymentScenario      string            `json:"paymentScenario"`
	TransactionID        string            `json:"transactionId"`
	PartnerTransactionID string            `json:"partnerTransactionId"`
	ShopBuyerID          string            `json:"shopBuyerId"`
	CallGUID             string            `json:"callGuid"`
	ProviderSessionGUID  string            `json:"providerSessionGuid"`
	PaymentProvider      string            `json:"paymentProvider"`
	Provider             json.RawMessage   `json:"provider"`
	Hosted               bool              `json:"hosted"`
	ActionURL            string            `json:"actionUrl"`
	ReturnURL            string            `json:"returnUrl"`
	CancelURL            string            `json:"cancelUrl"`
	SavePaymentProfile   bool              `json:"savePaymentProfile"`
	PaymentProfileID     string            `json:"paymentProfileId"`
	PaymentMethodDetails json.RawMessage   `json:"paymentMethodDetails"`
	Appearance           json.RawMessage   `json:"appearance"`
	CardCategories       []string          `json:"cardCategories"`
	Metadata             map[string]string `json:"metadata"`
	// ParentSessionID makes the new session a child of that session.
	// "" is no parent; a body's "" is refused as it is read (ParentID).
	ParentSessionID ParentID `json:"parentSessionId"`
}

// Validate checks a draft. amount and currency are required, and returnUrl
// and cancelUrl when hosted is true; everything else is optional. No value
// may look like a card number. A JSON null object (provider,
// paymentMethodDetails, appearance) is taken as absent.
func (d *Draft) Validate() error {
	absentNull(&d.Provider)
	absentNull(&d.PaymentMethodDetails)
	absentNull(&d.Appearance)
	if d.Amount == nil {
		return Invalid("amount", "amount is required: an integer in minor units.")
	}
	if *d.Amount < 0 || *d.Amount > MaxAmount {
		return Invalid("amount", "amount must be an integer from 0 to %d (minor units).", int64(MaxAmount))
	}
	if err := onInput.checkText("amount", strconv.FormatInt(*d.Amount, 10)); err != nil {
		return err
	}
	if !isCurrency(d.Currency) {
		return Invalid("currency", "currency must be an ISO 4217 code: three upper-case letters.")
	}
	for _, f := range []struct{ name, v string }{
		{"orderId", d.OrderID},
		{"paymentMethod", d.PaymentMethod},
		{"paymentScenario", d.PaymentScenario},
		{"transactionId", d.TransactionID},
		{"partnerTransactionId", d.PartnerTransactionID},
		{"shopBuyerId", d.ShopBuyerID},
		{"callGuid", d.CallGUID},
		{"providerSessionGuid", d.ProviderSessionGUID},
		{"paymentProvider", d.PaymentProvider},
		{"paymentProfileId", d.PaymentProfileID},
	} {
		if err := onInput.checkString(f.name, f.v, maxIDLen); err != nil {
			return err
		}
	}
	for _, f := range []struct{ name, v string }{
		{"callGuid", d.CallGUID},
		{"providerSessionGuid", d.ProviderSessionGUID},
	} {
		if err := checkGUID(f.name, f.v); err != nil {
			return err
		}
	}
	for _, f := range d.urls() {
		if err := onInput.checkURL(f.name, f.v); err != nil {
			return err
		}
		// Document 002 promises both URLs of a hosted session: "Present
		// when hosted is true".
		if d.Hosted && f.v == "" && f.name != "actionUrl" {
			return Invalid(f.name, "%s is required when hosted is true.", f.name)
		}
	}
	for _, f := range []struct {
		name string
		v    *json.RawMessage
	}{
		{"provider", &d.Provider},
		{"paymentMethodDetails", &d.PaymentMethodDetails},
		{"appearance", &d.Appearance},
	} {
		if err := checkObject(f.name, f.v); err != nil {
			return err
		}
	}
	if len(d.CardCategories) > maxCategories {
		return Invalid("cardCategories", "cardCategories has at most %d entries.", maxCategories)
	}
	for i, c := range d.CardCategories {
		if err := onInput.checkString("cardCategories["+strconv.Itoa(i)+"]", c, maxCategoryLen); err != nil {
			return err
		}
	}
	if d.ParentSessionID != "" {
		if !ValidID(string(d.ParentSessionID)) {
			return Invalid("parentSessionId", "parentSessionId must be a UUID.")
		}
		d.ParentSessionID = ParentID(lowerASCII(string(d.ParentSessionID)))
	}
	return checkMap("metadata", d.Metadata, maxMetadataKeys, maxMetadataKeyLen, maxMetadataValLen)
}

// Canonical is the JSON of a validated draft that an Idempotency-Key's
// request hash is taken of: the same JSON content gives the same bytes,
// whatever the order of members and the whitespace, at every depth (the
// free-form objects' members are sorted as RFC 8785 §3.2.3 sorts them).
// Numbers stay as written, as they are stored: 1 and 1.0 differ. A draft
// whose objects' members are already in that order gives the bytes it gave
// before objects were sorted, so a key remembered then still matches.
func (d *Draft) Canonical() ([]byte, error) {
	c := *d
	for _, raw := range []*json.RawMessage{&c.Provider, &c.PaymentMethodDetails, &c.Appearance} {
		if *raw == nil {
			continue
		}
		v := jsontext.Value(bytes.Clone(*raw))
		if err := v.Format(jsontext.ReorderRawObjects(true)); err != nil {
			return nil, err
		}
		*raw = json.RawMessage(v)
	}
	return json.Marshal(&c)
}

// checkGUID checks an optional GUID field, which document 000 answers as
// a GUID ("callGuid - contains the GUID of the call"; "PCI payment provider
// session guid"): absent, or 8-4-4-4-12 hexadecimal digits in either case,
// so a client that reads it into a .NET Guid or a Java UUID never fails on
// it. It is stored as sent (a retry's Idempotency-Key hash is of the value
// as sent); other layouts (braces, 32 digits, padding) are refused rather
// than rewritten.
func checkGUID(name, v string) error {
	if v != "" && !ValidID(v) {
		return Invalid(name, "%s must be a GUID: 8-4-4-4-12 hexadecimal digits.", name)
	}
	return nil
}

// ValidID reports whether s is a session id: a UUID in its canonical
// 8-4-4-4-12 form, either case (ids are read in lower case).
func ValidID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// ValidMerchantID reports whether id is a merchant id: 1 to 128 characters
// of letters, digits and . _ : @ -, and nothing that looks like a card
// number. A token's merchant_id is refused otherwise, so the service
// stores no other: a stored session or API key of another merchant id is
// an item it did not write. The store builds keys from it and logs show
// it.
func ValidMerchantID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			c == '.', c == '_', c == ':', c == '@', c == '-':
		default:
			return false
		}
	}
	return !HoldsCardNumber(id)
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// Event is a processor's report of a status change (POST /sessions/{id}/events).
// Fields other than status and reason, when present, replace the session's.
type Event struct {
	Status               Status            `json:"status"`
	Reason               string            `json:"reason"`
	EventID              EventID           `json:"eventId"`
	ResultData           map[string]string `json:"resultData"`
	DeclineReasons       *DeclineReasons   `json:"declineReasons"`
	PaymentMethodDetails json.RawMessage   `json:"paymentMethodDetails"`
	TransactionID        string            `json:"transactionId"`
	ProviderSessionGUID  string            `json:"providerSessionGuid"`
	ActionURL            string            `json:"actionUrl"`
	Provider             json.RawMessage   `json:"provider"`
}

// Validate checks an event's form. Whether the transition is allowed is
// decided by Session.Apply against the session's current status. A JSON
// null object is taken as absent.
func (e *Event) Validate() error {
	absentNull(&e.PaymentMethodDetails)
	absentNull(&e.Provider)
	if e.Status == "" {
		return Invalid("status", "status is required.")
	}
	if !e.Status.Valid() {
		return Invalid("status", "status must be one of the canonical statuses.")
	}
	if err := onInput.checkString("reason", e.Reason, maxReasonLen); err != nil {
		return err
	}
	if err := onInput.checkString("eventId", string(e.EventID), maxEventIDLen); err != nil {
		return err
	}
	for _, f := range []struct{ name, v string }{
		{"transactionId", e.TransactionID},
		{"providerSessionGuid", e.ProviderSessionGUID},
	} {
		if err := onInput.checkString(f.name, f.v, maxIDLen); err != nil {
			return err
		}
	}
	if err := checkGUID("providerSessionGuid", e.ProviderSessionGUID); err != nil {
		return err
	}
	if err := onInput.checkURL("actionUrl", e.ActionURL); err != nil {
		return err
	}
	if err := checkObject("paymentMethodDetails", &e.PaymentMethodDetails); err != nil {
		return err
	}
	if err := checkObject("provider", &e.Provider); err != nil {
		return err
	}
	if err := checkMap("resultData", e.ResultData, maxResultKeys, maxResultKeyLen, maxResultValLen); err != nil {
		return err
	}
	if dr := e.DeclineReasons; dr != nil {
		if dr.Reasons == nil {
			dr.Reasons = []string{}
		}
		if err := onInput.checkString("declineReasons.category", dr.Category, maxIDLen); err != nil {
			return err
		}
		if len(dr.Reasons) > maxDeclineReasons {
			return Invalid("declineReasons.reasons", "declineReasons.reasons has at most %d entries.", maxDeclineReasons)
		}
		for i, r := range dr.Reasons {
			if err := onInput.checkString("declineReasons.reasons["+strconv.Itoa(i)+"]", r, maxReasonLen); err != nil {
				return err
			}
		}
	}
	return nil
}

// EventID is a processor's id for an event, by which a retry of it is
// acknowledged rather than applied again. "" is an event without one. Read
// from a JSON body (go-json-experiment, as shared/httpapi decodes), a string
// must be an id: "" identifies nothing, and taking it as no id would apply
// every retry of an event that carried it, so it is refused (400
// VALIDATION_FAILED naming eventId), as an empty Idempotency-Key is. null,
// like any null field, is taken as absent.
type EventID string

// UnmarshalJSONFrom reads a JSON string as the id, refusing "" (readNonEmpty).
func (id *EventID) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return readNonEmpty(dec, (*string)(id), "eventId", "eventId must not be empty: leave it out, or send null, for an event without an id.")
}

// ParentID is the session a new one is created as the child of; "" is a
// session without a parent. Read from a JSON body, a string must name one:
// "" names no session, and taking it as no parent would create a
// standalone session, outside the family rules, where the merchant asked
// for a child (say from an unset variable), so it is refused (400
// VALIDATION_FAILED naming parentSessionId). null, like any null field, is
// taken as absent. encoding/json writes it as the string it is, so a
// draft's Canonical bytes are those of a plain string.
type ParentID string

// UnmarshalJSONFrom reads a JSON string as the parent's id, refusing ""
// (readNonEmpty).
func (id *ParentID) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return readNonEmpty(dec, (*string)(id), "parentSessionId", "parentSessionId must not be empty: leave it out, or send null, for a session without a parent.")
}

// readNonEmpty is the reading of a JSON string that must not be empty
// (EventID, ParentID): a string is stored in *v, and "" is refused as
// Invalid(field, msg). Any other value (null, a number) is left to the
// default reading: null is absent, the rest the usual type error.
func readNonEmpty(dec *jsontext.Decoder, v *string, field, msg string) error {
	if dec.PeekKind() != '"' {
		return errors.ErrUnsupported
	}
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	if tok.String() == "" {
		return Invalid(field, "%s", msg)
	}
	*v = tok.String()
	return nil
}

// CancelRequest is the body of a merchant cancel.
type CancelRequest struct {
	Reason string `json:"reason"`
}

// Validate checks a cancel request.
func (c *CancelRequest) Validate() error {
	return onInput.checkString("reason", c.Reason, maxReasonLen)
}

// CheckText refuses a free-form value (a header, a query parameter) that is
// over max characters, not clean text, or looks like a card number.
func CheckText(field, v string, max int) error {
	return onInput.checkString(field, v, max)
}

func isCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// checkString refuses text that is too long, not valid UTF-8, holds control
// characters, or looks like a card number by rule.
func (rule cardRule) checkString(field, v string, max int) error {
	if v == "" {
		return nil
	}
	if !utf8.ValidString(v) {
		return Invalid(field, "%s must be valid UTF-8 text.", field)
	}
	if utf8.RuneCountInString(v) > max {
		return Invalid(field, "%s is longer than %d characters.", field, max)
	}
	for _, r := range v {
		if unicode.IsControl(r) {
			return Invalid(field, "%s must not contain control characters.", field)
		}
	}
	return rule.checkText(field, v)
}

// checkURL refuses anything but an absolute http(s) URL with a host, as a
// browser will be sent to it (docs/design.md §3): no user information
// (https://shop.example@evil.example/ is evil.example's), a port from 1 to
// 65535, a host a browser reads as net/url does (browserReadsHost), and
// none of the characters RFC 3986 never lets a URL hold raw
// (space, " < > \ ^ ` { | }: percent-encode them), nor an invisible or
// space character (zero-width, bidi controls, line separators, and the
// letters and marks Unicode renders as nothing: Hangul fillers, the
// combining grapheme joiner, variation selectors that vary nothing
// (variesPrevious); its Default_Ignorable_Code_Point characters; and the
// blanks, such as the braille blank: blankGlyphs). Letters
// of any script are allowed, as an IRI (RFC 3987) holds them, and emoji as
// typed.
func (rule cardRule) checkURL(field, v string) error {
	if v == "" {
		return nil
	}
	if err := rule.checkString(field, v, maxURLLen); err != nil {
		return err
	}
	if !shownAsWritten(v) {
		return Invalid(field, "%s must be a URL without spaces, invisible characters or any of \" < > \\ ^ ` { | } (percent-encode them).", field)
	}
	u, err := url.Parse(v)
	if err != nil || !u.IsAbs() || u.Hostname() == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return Invalid(field, "%s must be an absolute http or https URL with a host.", field)
	}
	if u.User != nil {
		return Invalid(field, "%s must not hold user information (user:password@ before the host).", field)
	}
	// net/url refuses a "%" that starts no percent-escape in the host,
	// path and fragment, but not in the query, which it keeps raw.
	if !percentEscaped(u.RawQuery) {
		return Invalid(field, "%s must write a %% only as the start of a percent-escape (two hex digits; a %% itself is %%25).", field)
	}
	if !browserReadsHost(u) {
		return Invalid(field, "%s must have a host a browser reads as written: no %%, IPv6 zone, ideographic or full-width full stop, invisible character or compatibility form (a full-width letter, a ligature) once percent-decoded, and a host ending in a number must be a dotted-decimal IPv4 address.", field)
	}
	// A browser shows a Punycode label decoded: the card rule reads the
	// host so too (xn--e4baaaaaaaaaaaaaa7a is ४१११११११११११११११).
	if shownHostHoldsCardNumber(u, rule) {
		return cardError(field)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return Invalid(field, "%s must have a port from 1 to 65535.", field)
		}
	}
	return nil
}

// percentEscaped reports whether every "%" in s starts a percent-escape:
// two hex digits (RFC 3986's pct-encoded).
func percentEscaped(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && (i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2])) {
			return false
		}
	}
	return true
}

// shownHostHoldsCardNumber reports whether u's host, as a browser shows
// it (its Punycode labels decoded), holds a card number by rule the host
// as written does not show.
func shownHostHoldsCardNumber(u *url.URL, rule cardRule) bool {
	shown, err := browserIDNA.ToUnicode(u.Hostname())
	return err == nil && shown != u.Hostname() && rule.holds(shown)
}

// urls are the members of a draft Validate reads as URLs (checkURL), by
// name, with their values.
func (d *Draft) urls() []namedText {
	return []namedText{{"actionUrl", d.ActionURL}, {"returnUrl", d.ReturnURL}, {"cancelUrl", d.CancelURL}}
}

// namedText is a member's name and its text.
type namedText struct{ name, v string }

// URLFields are the members of a draft Validate reads as URLs (checkURL):
// a card number in one's Punycode host is judged as a browser shows it.
func (*Draft) URLFields() []string {
	var names []string
	for _, f := range new(Draft).urls() { // the names only: any receiver, nil too
		names = append(names, f.name)
	}
	return names
}

// URLFields are the members of an event Validate reads as URLs (checkURL).
func (*Event) URLFields() []string { return []string{"actionUrl"} }

// shownAsWritten reports whether v holds none of the characters checkURL
// refuses raw: the ones RFC 3986 never lets a URL hold (space, " < > \ ^ `
// { | }), a control or other character that is not graphic, white space,
// and a character Unicode draws as nothing (rendersAsNothing) unless it is
// a selector varying the character before it (variesPrevious).
func shownAsWritten(v string) bool {
	prev := rune(-1)
	for i, r := range v {
		if strings.ContainsRune(" \"<>\\^`{|}", r) || !unicode.IsGraphic(r) || unicode.IsSpace(r) || rendersAsNothing(r) && !variesPrevious(prev, r, v[i+utf8.RuneLen(r):]) {
			return false
		}
		prev = r
	}
	return true
}

// browserReadsHost reports whether a browser goes to the host net/url reads
// from u: the WHATWG URL Standard's host parser refuses a host holding % (a
// decoded %25) or a bracket outside an IPv6 address, an IPv6 zone, and a
// host whose percent-decoded bytes are not UTF-8; it maps the ideographic,
// full-width and half-width full stops (U+3002, U+FF0E, U+FF61) to "." (so
// a。b is a.b, two labels where net/url reads one); and it reads a host
// whose last label is a number (digits, or 0x and hex digits) as an IPv4
// address in any of its old forms (0x7f.1, 127.1 and 2130706433 are
// 127.0.0.1) or refuses it (1.2.3.4.5, shop.example.123). Such a host must
// be an IPv4 address as written: four decimal numbers to 255, no leading
// zero, no trailing dot.
// And it maps the host, once percent-decoded, by UTS #46: a character
// drawn as nothing is dropped and a compatibility form folded (a
// full-width letter, a ligature), so the decoded host must hold nothing
// the raw URL may not (shownAsWritten) and be unchanged by NFKC; and it
// refuses a host UTS #46 finds no valid name in (idnaAccepts).
func browserReadsHost(u *url.URL) bool {
	h := u.Hostname()
	if strings.HasPrefix(u.Host, "[") {
		return !strings.Contains(h, "%")
	}
	if !utf8.ValidString(h) || strings.ContainsAny(h, "%[]\u3002\uff0e\uff61") {
		return false
	}
	// The host as net/url decoded it (%E2%80%8B is a zero-width space): a
	// browser's IDNA mapping (UTS #46) drops what is drawn as nothing and
	// folds compatibility forms to their plain letters (a full-width ｅ is
	// e, ﬁ is fi), so a host that changes under NFKC, or holds what the
	// raw URL may not, is not the host a browser goes to.
	if !shownAsWritten(h) || !norm.NFKC.IsNormalString(h) {
		return false
	}
	if !idnaAccepts(h) {
		return false
	}
	labels := strings.Split(strings.TrimSuffix(h, "."), ".")
	last := labels[len(labels)-1]
	if last == "" {
		return true
	}
	if strings.Trim(last, "0123456789") != "" &&
		!((strings.HasPrefix(last, "0x") || strings.HasPrefix(last, "0X")) && strings.Trim(last[2:], "0123456789abcdefABCDEF") == "") {
		return true
	}
	a, err := netip.ParseAddr(h)
	return err == nil && a.Is4()
}

// browserIDNA is UTS #46 as the WHATWG URL Standard's "domain to ASCII"
// runs it (CheckHyphens false, CheckBidi true, CheckJoiners true,
// UseSTD3ASCIIRules false, Transitional_Processing false, VerifyDnsLength
// false), as browsers apply it to a URL's host before they go there.
var browserIDNA = idna.New(idna.MapForLookup(), idna.Transitional(false), idna.StrictDomainName(false),
	idna.CheckHyphens(false), idna.CheckJoiners(true), idna.BidiRule())

// idnaAccepts reports whether a browser finds a host name in h (a host
// name, not an IP address; percent-decoded, NFKC as written): UTS #46
// refuses a label in Punycode ("xn--") that does not decode, or decodes to
// nothing, to ASCII alone or to a label it would not write that way
// ("xn--a" is U+0080, a control), and a name breaking the Bidi rule (a
// right-to-left label starting with a digit, as "1שלום", makes the whole
// name refused) or the joiners' rule. The "xn--" label with nothing after
// it decodes to nothing: the current UTS #46 refuses it, where the
// library lets it through, so it is refused here.
func idnaAccepts(h string) bool {
	if _, err := browserIDNA.ToASCII(h); err != nil {
		return false
	}
	for l := range strings.SplitSeq(h, ".") {
		if strings.EqualFold(l, "xn--") {
			return false
		}
	}
	return true
}

// rendersAsNothing reports a graphic character Unicode gives no visible
// form (Default_Ignorable_Code_Point; its format characters are not
// graphic, so checkURL refuses them already): a Hangul filler is a letter
// and a variation selector a mark, yet a reader sees neither. So are the
// graphic characters whose only form is a blank, as their names say
// (blankGlyphs): a reader sees nothing where one stands.
func rendersAsNothing(r rune) bool {
	return unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) || unicode.Is(unicode.Variation_Selector, r) ||
		strings.ContainsRune(blankGlyphs, r)
}

// blankGlyphs are graphic characters outside Default_Ignorable_Code_Point
// drawn as nothing: U+2800 BRAILLE PATTERN BLANK (the usual "invisible"
// user name or link text), U+1D159 MUSICAL SYMBOL NULL NOTEHEAD and
// U+16FE4 KHITAN SMALL SCRIPT FILLER.
const blankGlyphs = "\u2800\U0001d159\U00016fe4"

// variesPrevious reports a variation selector r that chooses how the
// character before it, prev, is drawn, so that it is part of a visible
// character, not an invisible one of its own, by the kinds of sequence
// Unicode defines: a presentation or standardized-variant selector
// (U+FE00..FE0F) after a symbol beyond ASCII or a letterlike symbol (an
// emoji's VS-16 in "merci-❤️" or "ℹ️", a math symbol's variant), after the
// four punctuation marks emoji-variation-sequences.txt gives an emoji
// style (‼ ⁉ 〰 〽: "〰️" as typed), after a CJK ideograph or a Myanmar
// letter; VS-16 in a keycap (a digit, # or *,
// then U+FE0F and U+20E3, as "1️⃣" is written); an ideographic variation
// selector (U+E0100..E01EF) after a CJK ideograph; a Mongolian free
// variation selector after a Mongolian letter. After anything else (a
// Latin or Cyrillic letter, a mark, punctuation, another selector, the
// start) it varies nothing a reader sees, and is refused as invisible.
func variesPrevious(prev, r rune, rest string) bool {
	switch {
	case r >= '\ufe00' && r <= '\ufe0f':
		if prev >= utf8.RuneSelf && unicode.Is(unicode.S, prev) || prev >= '\u2100' && prev <= '\u214f' ||
			strings.ContainsRune("\u203c\u2049\u3030\u303d", prev) || unicode.Is(unicode.Han, prev) || unicode.Is(unicode.Myanmar, prev) && unicode.IsLetter(prev) {
			return true
		}
		return r == '\ufe0f' && strings.ContainsRune("0123456789#*", prev) && strings.HasPrefix(rest, "\u20e3")
	case r >= '\U000e0100' && r <= '\U000e01ef':
		return unicode.Is(unicode.Han, prev)
	case r >= '\u180b' && r <= '\u180f':
		return unicode.Is(unicode.Mongolian, prev) && unicode.IsLetter(prev)
	}
	return false
}

// absentNull turns a JSON null into an absent value.
func absentNull(raw *json.RawMessage) {
	if string(bytes.TrimSpace(*raw)) == "null" {
		*raw = nil
	}
}

// checkObject refuses a free-form value that is not a JSON object, breaks
// the JSON profile (CheckJSON) or holds a card number anywhere (a string, a
// member name, a number), and replaces it with the re-encoding of what was
// checked (scanJSON): the bytes stored are exactly the tokens judged.
func checkObject(field string, raw *json.RawMessage) error {
	if *raw == nil {
		return nil
	}
	if len(*raw) > maxObjectBytes {
		return Invalid(field, "%s is larger than %d bytes.", field, maxObjectBytes)
	}
	t := bytes.TrimSpace(*raw)
	if len(t) == 0 || t[0] != '{' {
		return Invalid(field, "%s must be a JSON object.", field)
	}
	out, err := scanJSON(field, t, onInput)
	if err != nil {
		return err
	}
	*raw = out
	return nil
}

func checkMap(field string, m map[string]string, maxKeys, maxKey, maxVal int) error {
	if len(m) > maxKeys {
		return Invalid(field, "%s has at most %d keys.", field, maxKeys)
	}
	if err := checkStringMap(field, m); err != nil {
		return err
	}
	for k, v := range m {
		if k == "" {
			return Invalid(field, "%s keys must not be empty.", field)
		}
		if err := onInput.checkString(field, k, maxKey); err != nil {
			return Invalid(field, "%s keys are at most %d characters of clean text.", field, maxKey)
		}
		if err := onInput.checkString(SafeFieldName(field, k), v, maxVal); err != nil {
			return err
		}
	}
	return nil
}
