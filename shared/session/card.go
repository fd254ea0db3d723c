package session

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// cardRange is a card network's range of leading digits and the lengths its
// card numbers have.
type cardRange struct {
	lo, hi         int // inclusive range of the first prefixLen digits
	prefixLen      int
	minLen, maxLen int
}

// cardRanges covers the networks whose numbers a merchant or processor might
// paste by mistake: Visa, Mastercard, American Express, Discover, Diners
// Club, JCB, UnionPay, Maestro, Mir, RuPay, Verve and Troy. No network
// issues numbers shorter than 13 digits today (Maestro's 12-digit range is
// not judged: it would catch every 12-digit reference starting 50 or 56-69).
var cardRanges = []cardRange{
	{4, 4, 1, 13, 19},           // Visa
	{51, 55, 2, 16, 16},         // Mastercard
	{2221, 2720, 4, 16, 16},     // Mastercard 2-series
	{34, 34, 2, 15, 15},         // American Express
	{37, 37, 2, 15, 15},         // American Express
	{6011, 6011, 4, 16, 19},     // Discover
	{644, 649, 3, 16, 19},       // Discover
	{65, 65, 2, 16, 19},         // Discover, RuPay
	{300, 305, 3, 14, 19},       // Diners Club
	{3095, 3095, 4, 14, 19},     // Diners Club
	{36, 36, 2, 14, 19},         // Diners Club
	{38, 39, 2, 14, 19},         // Diners Club
	{3528, 3589, 4, 16, 19},     // JCB
	{62, 62, 2, 16, 19},         // UnionPay, Discover co-brand
	{50, 50, 2, 13, 19},         // Maestro
	{56, 69, 2, 13, 19},         // Maestro and other 5x/6x debit
	{2200, 2204, 4, 16, 19},     // Mir
	{60, 60, 2, 16, 16},         // RuPay
	{81, 82, 2, 16, 16},         // RuPay
	{506099, 506198, 6, 16, 19}, // Verve
	{9792, 9792, 4, 16, 16},     // Troy
}

// The card-number rule's constants (see LooksLikeCardNumber).
const (
	minCardDigits = 13 // the shortest card number judged
	maxCardDigits = 19 // the longest card number (ISO/IEC 7812)
	maxGap        = 3  // separators allowed between two digit groups of one run
	maxPhone      = 15 // E.164's longest phone number, in digits
)

// LooksLikeCardNumber reports whether s holds a full payment card number
// written in any common form. The rule:
//
//   - A digit is any Unicode decimal digit (category Nd: ASCII, full-width,
//     Arabic-Indic, Devanagari, ...), read as its value 0-9, or a
//     compatibility form of one (category No, NFKC one ASCII digit:
//     superscript, subscript, circled digits), or a circled digit that
//     has no decomposition (❶ ➀ ➊ ⓵ ⓿: circledDigit), or a parenthesized
//     one (⑴-⑼, whose NFKC "(1)" is no digit: circledDigit).
//   - A separator is white space of any kind (Unicode's White_Space: the
//     space, the no-break spaces, the ideographic space, a tab, a line
//     break, U+2028/U+2029), a dash or hyphen of any kind (Unicode's Dash
//     and Hyphen: category Pd, the minus signs, the swung dash ⁓, the
//     katakana middle dot ・), '.', '/', '_' and their full-width forms, a
//     character a reader or an input method puts for a dot, dash, slash
//     or space between digit groups (lookalikeSeparator: the ideographic
//     full stop 。, the middle dots · ‧ ∙ ⋅ ⸱ and the raised dots ⸳ ᛫ ꞏ, the
//     prolonged sound mark ー, the lines and minus signs ─ ━ ⎯ ➖ ˗ ⁃, the
//     slashes ⁄ ∕ ⧸ ╱, the braille pattern blank), an invisible format
//     character (category Cf, e.g. a zero-width space) or control
//     character (category Cc: U+0001, U+001F, DEL, the C1 controls), or a
//     compatibility form of one of these (NFKC one separator, or a space
//     and marks read as not there: the small full stop ﹒, the one dot
//     leader ․, the half-width ｡ ｰ, the low lines ﹍ ︳ ‗, the overline ‾,
//     the macron ¯).
//   - A mark a reader does not see as a character of its own (a combining
//     mark, a variation selector, another default-ignorable code point:
//     isTransparent) is read as if it were not there: keycap digits
//     (4\ufe0f\u20e3) and underlined ones are digits.
//   - A run is a sequence of digit groups (maximal sequences of digits), two
//     groups being joined by 1 to 3 separators. Anything else (a letter, a
//     '*', a ':', a fourth separator) ends the run. The separators are
//     counted as a reader sees them: an invisible one (category Cf: a
//     zero-width space, a soft hyphen, a word joiner; or a control
//     character that is no white space) ends a group but counts for none,
//     and a line break written CR LF counts once (an invisible one
//     between its CR and LF read as not there), so
//     4111\u200b\u200b\u200b\u200b1111... (shown 41111111...) and a number
//     over lines with blank lines between them (4111\r\n\r\n1111...) are
//     runs.
//   - The windows of a run are its sequences of consecutive whole groups:
//     a window starts where a group starts and ends where a group ends. A
//     window of 13 to 19 digits is a card number when its leading digits and
//     length are a card network's (cardRanges) and it passes the Luhn check.
//   - A run written as an international phone number, '+' right before its
//     first digit and at most 15 digits in all (E.164's limit), is a phone
//     number: none of its windows is judged.
//   - A UUID in its canonical form (8-4-4-4-12 ASCII hex digits joined by
//     '-', with no ASCII letter and no digit right before or after it, marks
//     read as not there passed over) is an
//     identifier: it ends any run and none of its digits is judged. Without
//     this, a random UUID whose first groups happen to be all digits (about
//     one in 50,000) reads as a card number written 8-4-4, and a processor's
//     or merchant's UUID-shaped id would be refused; no card network's
//     number is written in a UUID's shape.
//
// Why windows of whole groups: a card number is written as one block of
// digits or in groups, and whatever is written next to it (an expiry
// "12/28", a CVV "123", a year "-2028") is its own group, so the card number
// is always a window and is caught. A window never cuts a group, so the
// digits inside a longer block (a 20-digit reference, a timestamp's
// fraction) are never judged: only a whole group or groups can be a card
// number. Identifiers such as 20220211-0013-0000-0382 and
// ORD-2026-11-29-000123 pass because no window of theirs has a network's
// prefix; UUIDs by the rule above; ISO timestamps because letters and ':'
// end their runs; masked numbers (411111******1111) because '*' does.
func LooksLikeCardNumber(s string) bool {
	_, _, ok := FindCardNumber(s)
	return ok
}

// MaxURLDecodings is how many layers of URL encoding (and of JSON string
// escapes) HoldsCardNumber undoes.
const MaxURLDecodings = 3

// HoldsCardNumber reports whether s holds a card number as written
// (LooksLikeCardNumber) or as a reader that decodes it reads it:
//   - as part of a URL: a card number typed with spaces into a form
//     travels in a query string as 4111+1111+1111+1111 or
//     4111%201111%201111%201111, and every browser, shop and log viewer
//     that decodes the URL shows the number;
//   - as the text of a JSON string: a string that holds a JSON text (a
//     processor's raw answer kept in provider, an object kept as a
//     metadata value) shows {"pan":"\u0034111111111111111"} to whoever
//     parses it as {"pan":"4111111111111111"}.
//
// s is decoded up to MaxURLDecodings times (an encoded %25 decodes to a %
// that may start another escape, an escaped \\ to a \ that may start
// another), each time first undoing JSON escapes (jsonUnescapeOnce) and
// then URL encoding: every %HH escape read as its byte (a malformed escape
// is left as it is, so one bad escape cannot hide the rest) and a '+'
// inside a run of digits, after a digit or up to two separators that follow
// one, as a space (plusIsSpace: a phone number's leading '+' follows none
// and keeps its meaning). Each decoding is judged by the rule of
// LooksLikeCardNumber. When undoing a JSON escape changed anything, s is
// also decoded as a URL alone, up to MaxURLDecodings times, each decoding
// judged: a URL decoder leaves a backslash as it is, and undoing a JSON
// escape first can take the digits a URL reader shows (\u4111%201111...
// is \u4111 1111 1111 1111 to a URL reader, 䄑%201111... to a JSON one).
// Each text judged (s, and each decoding) is judged as written and, when
// it is not in Unicode's normal form NFKC, also as a reader that
// normalises it stores it (normalisedLooksLikeCardNumber). A text whose
// NFKC form holds an escape or a '+' that s does not (％34 is %34, ＼u0034
// is \u0034, 4111＋1111… is 4111+1111…) is also decoded once normalised,
// as a reader that normalises before it decodes reads it
// (normalisedDecodingHoldsCardNumber).
// This is the guard for input (and for what logs show);
// LooksLikeCardNumber is the rule for one text, and StoredHoldsCardNumber
// the rule reads hold stored text to.
func HoldsCardNumber(s string) bool {
	return !tooFewDigits(s) && readsCardNumber(s, true)
}

// StoredHoldsCardNumber is the card rule a read holds a stored text to:
// HoldsCardNumber less the normalised decoding
// (normalisedDecodingHoldsCardNumber), the rule input kept until
// 2026-12-07. Input gained that reading then; reads keep the rule items
// were written under until every such item is gone, because a read that
// refused one would make its session 500 at every read, event and cancel
// for the rest of its life (README, Decisions: "A release must not
// tighten what reads accept"): an Idempotency-Key record lives 24 hours,
// a session SESSION_EXPIRY + RESULT_RETENTION after its last write (48
// hours at their bounds; a change to a closed session starts its
// retention again; an item past it that TTL has not deleted is gone to
// every read since r108, however its other attributes read, unless its
// own times are damaged), so only a release deployed
// once no item written before input tightened can be read (README,
// Decisions) makes this HoldsCardNumber.
// Until then a text such as ％34111111111111111, stored before input
// refused it, is read as it was written.
func StoredHoldsCardNumber(s string) bool {
	return !tooFewDigits(s) && readsCardNumber(s, false)
}

// readsCardNumber is HoldsCardNumber without its short cut (tooFewDigits):
// the text as written, then its JSON and URL decodings, then (with
// renormalise) those of its NFKC form when normalising makes an escape or
// a '+'.
func readsCardNumber(s string, renormalise bool) bool {
	return judgeText(s) || decodingsHoldCardNumber(s, MaxURLDecodings, renormalise) ||
		renormalise && normalisedDecodingHoldsCardNumber(s, MaxURLDecodings)
}

// decodingsHoldCardNumber reports whether a decoding of s, up to layers
// of them, holds a card number: JSON escapes and URL encoding undone in
// turn, and, when undoing a JSON escape changed anything, URL encoding
// alone (HoldsCardNumber); with renormalise, each decoding's normal form
// decoded again too (decodedHoldsCardNumber).
func decodingsHoldCardNumber(s string, layers int, renormalise bool) bool {
	found, json := decodedHoldsCardNumber(s, true, layers, renormalise)
	if !found && json {
		found, _ = decodedHoldsCardNumber(s, false, layers, renormalise)
	}
	return found
}

// escapeForms are the characters whose compatibility decomposition holds
// a '%', a \ or a '+', all of them (TestEscapeFormsAreEveryCharacterThatNormalisesToOne
// holds the list to norm's tables): the full-width and small forms of
// each, the superscript and subscript plus signs and the Hebrew
// alternative plus sign.
const escapeForms = "％﹪＼﹨＋﹢⁺₊﬩"

// normalisedDecodingHoldsCardNumber reports whether s, normalised to NFKC
// and then decoded as a URL or a JSON string, holds a card number, as a
// reader that normalises a text before it decodes it (a search index's
// analyser, a log pipeline, then a URL or JSON reader) shows it: r106-
// cardcut's ％34111111111111111 is %34111111111111111, and 4111%201111…
// to such a reader. s's own decodings (decodingsHoldCardNumber) read the
// '%', \ and '+' s holds; only a character of escapeForms makes one they
// did not, so a text without one costs a scan for them and nothing more.
// It does not widen tooFewDigits' bound: ％ ＼ ﹪ ﹨ send a text to the
// full reading, and a '+' read as a space makes no digit. The normal form
// is written by NFKC's pooled reader: norm.NFKC.String allocates its
// buffers on every call, 600 bytes for the 3-byte "％25" (r106-review).
//
// A decoding of s may make such a character (％ URL-encoded,
// %EF%BC%8534…, or a JSON escape, \uff0534…): decodedHoldsCardNumber
// reads each decoding so too, its normal form decoded with the layers
// left, so no reader decodes more than MaxURLDecodings layers in all, and
// each layer that makes such a character starts at most one more chain
// (r106-review: %EF%BC%8534111111111111111 was taken).
func normalisedDecodingHoldsCardNumber(s string, layers int) bool {
	if layers <= 0 {
		return false
	}
	if NormalisesToEscape(s) {
		return decodingsHoldCardNumber(NFKC(s), layers, true)
	}
	return false
}

// NormalisesToEscape reports whether s holds a character whose NFKC form
// holds a '%', a \ or a '+' (escapeForms: ％ ＼ ＋ and their other forms),
// the only way normalising a text makes an escape it did not hold. It
// costs a scan of s's bytes, where NFKC(s) costs norm's tables for every
// character (a path of 8 KiB of U+FDFA, 18 characters each in NFKC, took
// 4 ms to normalise).
func NormalisesToEscape(s string) bool {
	for _, r := range s {
		if r >= utf8.RuneSelf && strings.ContainsRune(escapeForms, r) {
			return true
		}
	}
	return false
}

// tooFewDigits reports whether s surely holds no card number however it
// is read: fewer than minCardDigits digits in every reading of it, by an
// upper bound summed over its characters (digitBound). Every read judges
// each stored text (session.ForeignField), and a create each text it
// stores: this answers the usual text (a reason, an id, a name in any
// script) in one pass over its bytes, where the full reading
// (readsCardNumber) normalises and scans it twice or more. Why it is
// exact, for s without '%' or \, valid UTF-8, and no character whose
// NFKC form holds either:
//
//   - JSON unescaping needs a \ and changes nothing; URL decoding needs a
//     '%' to make a byte, and otherwise only reads a '+' as a space
//     (plusIsSpace), which makes no digit and takes none away, and makes
//     no '%' or \ for the next decoding. The normal form is decoded too
//     (normalisedDecodingHoldsCardNumber), but NFKC(s) holds no '%' or \
//     either, and a '+' normalising makes (＋ ⁺ …) is read as s's own. So
//     every text the full reading judges is s or NFKC(s), with some '+'
//     made spaces, read as written or in NFKC (NFKC's NFKC is itself).
//   - As written, the card rule's digits are the characters digitValue
//     reads (a UUID's are passed over, which only takes some away).
//   - NFKC is the canonical composition of the characters'
//     compatibility decompositions (NFKD) one after the other, their marks
//     reordered; composition makes only a precomposed character (one
//     with a canonical decomposition: of a starter and marks, or of two
//     starters, Hangul's L+V+T jamo and some vowel signs, U+0B47 U+0B3E
//     to U+0B4B), and no such character is a digit (a test holds the
//     tables to it), so NFKC(s) holds at most as many digits as the
//     NFKD forms of s's characters do (compactNFKC leaves out, never adds).
//   - So no reading holds more digits than the sum, over s's characters,
//     of the larger of the digits each is as written (0 or 1) and the
//     digits of its NFKD form (⒈ is "1.", ¼ "1⁄4", ⑩ "10"): digitBound.
//     A card number is at least minCardDigits digits of one reading.
//
// ASCII text is its own NFKD form, so its bound is its digits 0 to 9.
// Text outside that (a '%' or \, a character whose NFKC form holds one:
// ％ ＼ ﹪ ﹨, a byte that is no UTF-8, a character of more than two digits
// in NFKD: ⅒, "1⁄10") goes to the full reading.
func tooFewDigits(s string) bool {
	digits := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '%', c == '\\':
				return false
			case c >= '0' && c <= '9':
				if digits++; digits >= minCardDigits {
					return false
				}
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		b := digitBound(r)
		if size == 1 || b == readInFull {
			return false
		}
		if digits += int(b); digits >= minCardDigits {
			return false
		}
		i += size
	}
	return true
}

// readInFull is digitBound's answer for a character tooFewDigits does
// not bound: one whose NFKD form holds a '%' or a \ (％ ＼ ﹪ ﹨), or
// more than two digits.
const readInFull = 3

// digitBound is the most digits the card rule reads in r under any
// reading of the text it is in, as written or in NFKC (tooFewDigits): the
// larger of r's own (1 for a digit digitValue reads, else 0) and those of
// its compatibility decomposition; or readInFull. It is read from a table
// of two bits a character, made one block of 256 characters at a time as
// a text first needs it (runeBound, from digitValue and norm's tables),
// and a text in one script needs one or two. A block costs 15 to 22 µs
// to make (2 cores at a load average of 15); every block, 4,352 of them,
// 0.1 to 0.2 s and 278 KB, once per process: a hostile text of one
// character from each block (17 KB: nine metadata values) costs that on
// its first reading and 0.04 ms after (its full reading: 0.5 ms; make
// run's first create of it took 227 ms, the next 13 to 78), and readers
// that meet a block at once each make it, the copies but one garbage.
// That bound needs no other.
func digitBound(r rune) byte {
	blk := &boundBlocks[r>>8]
	t := blk.Load()
	if t == nil {
		t = new(boundBlock)
		base := r &^ 0xff
		for i := range rune(256) {
			t[i/4] |= runeBound(base+i) << (i % 4 * 2)
		}
		blk.Store(t) // a racing reader makes the same block
	}
	return t[(r&0xff)/4] >> (r & 3 * 2) & 3
}

// boundBlock holds digitBound for 256 consecutive characters, two bits
// each.
type boundBlock [64]byte

// boundBlocks are digitBound's table, a block per 256 characters, nil
// until first needed.
var boundBlocks [(unicode.MaxRune + 1) >> 8]atomic.Pointer[boundBlock]

// runeBound is digitBound of r computed: see digitBound. A surrogate (no
// character a valid UTF-8 text holds) reads in full.
func runeBound(r rune) byte {
	if utf16.IsSurrogate(r) {
		return readInFull
	}
	var own byte
	if _, ok := digitValue(r); ok {
		own = 1
	}
	d := string(compatDecomposition(r))
	if d == "" {
		d = string(r) // its own NFKD form
	}
	var nfkd byte
	for _, c := range d {
		if c == '%' || c == '\\' {
			return readInFull
		}
		if _, ok := digitValue(c); ok {
			nfkd++
		}
	}
	return min(max(own, nfkd), readInFull)
}

// decodedHoldsCardNumber judges up to layers decodings of s, each first
// undoing JSON escapes (with json) and then URL encoding, each also (with
// renormalise) with its normal form decoded again when normalising makes
// an escape or a '+' (normalisedDecodingHoldsCardNumber, with the layers
// left), and reports whether one holds a card number and whether undoing
// a JSON escape changed anything.
func decodedHoldsCardNumber(s string, json bool, layers int, renormalise bool) (found, jsonChanged bool) {
	for i := range layers {
		left := layers - i - 1 // the layers a normalised decoding may still undo
		j, jchanged := s, false
		if json {
			j, jchanged = jsonUnescapeOnce(s)
		}
		jsonChanged = jsonChanged || jchanged
		if jchanged && (judgeText(j) || renormalise && normalisedDecodingHoldsCardNumber(j, left)) {
			return true, true
		}
		d, changed := urlDecodeOnce(j)
		if !changed && !jchanged {
			return false, jsonChanged
		}
		if changed && (judgeText(d) || renormalise && normalisedDecodingHoldsCardNumber(d, left)) {
			return true, jsonChanged
		}
		s = d
	}
	return false, jsonChanged
}

// judgeText reports whether s holds a card number as written or as its
// NFKC form (normalisedLooksLikeCardNumber).
func judgeText(s string) bool {
	return LooksLikeCardNumber(s) || normalisedLooksLikeCardNumber(s)
}

// normalisedLooksLikeCardNumber reports whether s, not in NFKC, holds a
// card number once normalised to it, as a reader that normalises text (a
// search index, a log pipeline, a form's text) stores it. The rule reads a
// compatibility form of one digit or one separator itself (④, ﹒); a form
// of several is read here: the ellipsis … is "..." and the two dot leader
// ‥ "..", so 4111…1111…1111…1111 is stored as 4111...1111...1111...1111,
// and the digit full stops ⒋ ⒈ are "4." and "1.", so ⒋⒈⒈⒈… is stored as
// 4.1.1.1…. A text already in NFKC (every ASCII text) costs one pass and
// no allocation; another is normalised into one copy of its normal form's
// exact size (measured first), so it allocates once whatever it holds,
// and the copy leaves out what the rule reads as nothing (compactNFKC), so
// it stays near the text's size: U+FDFA alone is 18 letters in NFKC.
func normalisedLooksLikeCardNumber(s string) bool {
	if InNFKC(s) {
		return false
	}
	var b strings.Builder
	b.Grow(compactNFKC(s, nil))
	compactNFKC(s, &b)
	return LooksLikeCardNumber(b.String())
}

// compactNFKC writes to b (when not nil) the NFKC form of s less what the
// card rule reads as nothing, and returns its length in bytes. Once a
// character outside ASCII that ends runs has been written (a letter, a
// symbol: endsRunOutsideASCII), what follows it up to the next digit,
// ASCII letter or '+' changes nothing the rule reads: no run is open to
// end or join, no UUID starts there, and the byte before what follows is
// no ASCII letter or digit with or without it; so it is left out. U+FDFA's
// 18 letters and 3 spaces read as its first letter.
func compactNFKC(s string, b *strings.Builder) int {
	it := nfkcIter(s)
	defer releaseNFKCIter(it)
	n, after := 0, false // after: the last character written ends runs
	for !it.Done() {
		seg := it.Next()
		for i := 0; i < len(seg); {
			r, size := utf8.DecodeRune(seg[i:])
			if after && readsAsNothingAfterARunEnd(r) {
				i += size
				continue
			}
			after = endsRunOutsideASCII(r)
			if b != nil {
				b.Write(seg[i : i+size])
			}
			n, i = n+size, i+size
		}
	}
	return n
}

// endsRunOutsideASCII reports whether r is a character outside ASCII that
// ends a run of the card rule: no digit, separator or mark read as not
// there (nor the full-width plus, which no NFKC form holds: it is '+').
func endsRunOutsideASCII(r rune) bool {
	if r < utf8.RuneSelf || isTransparent(r) || isCardSeparator(r) {
		return false
	}
	_, digit := digitValue(r)
	return !digit
}

// readsAsNothingAfterARunEnd reports whether r, a character of an NFKC
// form read when no run is open and the last character read was no '+',
// leaves the card rule's reading as it was: anything but a digit, an ASCII
// letter (a UUID's first character, or one right before it) and '+'
// (which makes the run after it a phone number).
func readsAsNothingAfterARunEnd(r rune) bool {
	if r < utf8.RuneSelf {
		return !isASCIIAlnum(byte(r)) && r != '+'
	}
	_, digit := digitValue(r)
	return !digit
}

// InNFKC reports whether s is in Unicode's normal form NFKC, with no
// allocation: at once for ASCII (every ASCII text is), by norm's quick
// check for most other text, else by comparing s with its NFKC form as a
// pooled norm.Iter writes it. norm's own IsNormalString, and a norm.Iter
// declared in a function, allocate their buffers on every call (a
// kilobyte or more), whatever the text's length: a body or a path of many
// short texts outside NFKC (½, ﷺ) allocated hundreds of times its size
// and cost 10 to 80 times a body or path of ASCII text.
func InNFKC(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return norm.NFKC.QuickSpanString(s) == len(s) || sameAsNFKC(s)
		}
	}
	return true
}

// sameAsNFKC reports whether s equals its NFKC form, read segment by
// segment from a pooled norm.Iter.
func sameAsNFKC(s string) bool {
	it := nfkcIter(s)
	defer releaseNFKCIter(it)
	off := 0
	for !it.Done() {
		seg := it.Next()
		if len(seg) > len(s)-off || string(seg) != s[off:off+len(seg)] {
			return false
		}
		off += len(seg)
	}
	return off == len(s)
}

// NFKC is s in Unicode's normal form NFKC: s itself when it is so already
// (InNFKC), else one copy written from a pooled norm.Iter (norm.NFKC.String
// allocates its buffers on every call).
func NFKC(s string) string {
	if InNFKC(s) {
		return s
	}
	it := nfkcIter(s)
	defer releaseNFKCIter(it)
	b := make([]byte, 0, len(s)+len(s)/2)
	for !it.Done() {
		b = append(b, it.Next()...)
	}
	return string(b)
}

// nfkcIters holds norm.Iters for reuse: one is over a kilobyte, and a
// function's own escapes to the heap.
var nfkcIters = sync.Pool{New: func() any { return new(norm.Iter) }}

// nfkcIter is a pooled norm.Iter reading s in NFKC, zeroed first: norm's
// Init does not reset an Iter left within a character's decomposition
// (sameAsNFKC stops at the first difference), which then writes the rest
// of it again ("…" read "...." after a reading of it stopped at its first
// '.'). releaseNFKCIter gives it back.
func nfkcIter(s string) *norm.Iter {
	it := nfkcIters.Get().(*norm.Iter)
	*it = norm.Iter{}
	it.InitString(norm.NFKC, s)
	return it
}

func releaseNFKCIter(it *norm.Iter) {
	*it = norm.Iter{} // keep no reference to the text
	nfkcIters.Put(it)
}

// jsonUnescapeOnce undoes the escapes of a JSON string (RFC 8259 §7) in s,
// leniently: \uXXXX becomes its character (a surrogate pair one
// character, a lone surrogate U+FFFD), \n \r \t \f \b \/ \\ and \" what
// they stand for, and anything else (a malformed escape included) stays.
// It reports whether anything changed.
func jsonUnescapeOnce(s string) (string, bool) {
	if strings.IndexByte(s, '\\') < 0 {
		return s, false
	}
	b := make([]byte, 0, len(s))
	changed := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b = append(b, c)
			continue
		}
		if r, ok := jsonSimpleEscape(s[i+1]); ok {
			b = append(b, r)
			i++
			changed = true
			continue
		}
		r, n := jsonUnicodeEscape(s[i:])
		if n == 0 {
			b = append(b, c)
			continue
		}
		if utf16.IsSurrogate(r) {
			if r2, n2 := jsonUnicodeEscape(s[i+n:]); n2 > 0 {
				if p := utf16.DecodeRune(r, r2); p != utf8.RuneError {
					r, n = p, n+n2
				}
			}
		}
		b = utf8.AppendRune(b, r) // a lone surrogate is written U+FFFD
		i += n - 1
		changed = true
	}
	return string(b), changed
}

// jsonSimpleEscape is the byte a one-letter JSON escape \c stands for.
func jsonSimpleEscape(c byte) (byte, bool) {
	switch c {
	case 'n':
		return '\n', true
	case 'r':
		return '\r', true
	case 't':
		return '\t', true
	case 'f':
		return '\f', true
	case 'b':
		return '\b', true
	case '/', '\\', '"':
		return c, true
	}
	return 0, false
}

// jsonUnicodeEscape reads a \uXXXX escape at the start of s: its code unit
// and length (6), or 0 when s does not start with one.
func jsonUnicodeEscape(s string) (rune, int) {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return 0, 0
	}
	var r rune
	for _, c := range []byte(s[2:6]) {
		if !isHex(c) {
			return 0, 0
		}
		r = r<<4 | rune(unhex(c))
	}
	return r, 6
}

// JSONUnescapedOnce is s with the escapes of a JSON string undone as
// HoldsCardNumber undoes them (jsonUnescapeOnce), and whether anything
// changed: for a reader of texts HoldsCardNumber cannot see whole (a
// path's segments, judged across the '/' between them).
func JSONUnescapedOnce(s string) (string, bool) { return jsonUnescapeOnce(s) }

// URLDecodedOnce is s with one layer of URL encoding undone as
// HoldsCardNumber undoes it (urlDecodeOnce), and whether anything changed:
// for a reader of texts HoldsCardNumber cannot see whole (a path's
// segments, judged across the '/' between them), up to MaxURLDecodings
// times.
func URLDecodedOnce(s string) (string, bool) { return urlDecodeOnce(s) }

// AnyReading reports whether holds is true of s in any reading the card
// rule takes of a text: as written and in NFKC (as a search index or a log
// pipeline stores it), and, from each of these, with JSON's escapes undone
// and URL-decoded, a layer at a time up to MaxURLDecodings layers, each
// reading in NFKC too. The log lines' search for a credential in a text
// (an API key's psk_, a JWT's eyJ) reads a text so, as the card rule reads
// a card number: ｐｓｋ＿..., %70sk_... and \u0070sk_... are psk_. Linear in
// s: at most 2 × (1 + 2 × MaxURLDecodings) readings, each holds'd in NFKC.
func AnyReading(s string, holds func(string) bool) bool {
	read := func(t string) bool { return holds(t) || holds(NFKC(t)) }
	if read(s) {
		return true
	}
	for _, t := range []string{s, NFKC(s)} {
		if !strings.ContainsAny(t, `%\`) {
			continue
		}
		for range MaxURLDecodings {
			j, unescaped := jsonUnescapeOnce(t)
			if unescaped && read(j) {
				return true
			}
			d, decoded := urlDecodeOnce(j)
			if decoded && read(d) {
				return true
			}
			if !unescaped && !decoded {
				break
			}
			t = d
		}
	}
	return false
}

// URLDecoding reads a text given in parts (a path's segments) as
// URLDecodedOnce reads the whole of it: each part is decoded after the
// parts before it, so a '+' at a part's start continues a run of digits
// the parts before it end in, as plusIsSpace reads it ("4111/" and
// "+1111" read "4111/ 1111", as "4111/+1111" does). Its zero value reads
// a text from its start.
type URLDecoding struct {
	b        []byte // the text decoded so far
	rawSpace int    // appendURLDecoded's rawSpace in b
	started  bool   // whether rawSpace is set
}

// Grow makes room for n more bytes of decoded text.
func (d *URLDecoding) Grow(n int) { d.b = slices.Grow(d.b, n) }

// Next is part with one layer of URL encoding undone, read after the
// parts before it and sep between them (read as a URL decoder reads it
// too), and whether anything in part changed.
func (d *URLDecoding) Next(sep, part string) (string, bool) {
	if !d.started {
		d.rawSpace, d.started = -1, true
	}
	d.b, d.rawSpace, _ = appendURLDecoded(d.b, d.rawSpace, sep)
	start := len(d.b)
	var changed bool
	d.b, d.rawSpace, changed = appendURLDecoded(d.b, d.rawSpace, part)
	if !changed {
		return part, false
	}
	return string(d.b[start:]), true
}

// urlDecodeOnce undoes one layer of URL encoding, leniently: every %HH
// escape becomes its byte, a '+' inside a run of digits a space
// (plusIsSpace), and anything else (a malformed escape included) stays.
// It reports whether anything changed.
func urlDecodeOnce(s string) (string, bool) {
	if !strings.ContainsAny(s, "%+") {
		return s, false
	}
	b, _, changed := appendURLDecoded(make([]byte, 0, len(s)), -1, s)
	return string(b), changed
}

// appendURLDecoded appends s to b with one layer of URL encoding undone
// (urlDecodeOnce), b being the text decoded before it and rawSpace the
// last byte in b of the latest white space written as such (-1: none),
// and returns b, that byte's index after s, and whether anything in s
// changed. plusIsSpace tells a space the decoding made from one written
// by rawSpace.
func appendURLDecoded(b []byte, rawSpace int, s string) ([]byte, int, bool) {
	changed := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			changed = true
		case c == '+' && plusIsSpace(b, rawSpace):
			b = append(b, ' ')
			changed = true
		default:
			b = append(b, c)
			if c == ' ' || c >= '\t' && c <= '\r' {
				rawSpace = len(b) - 1
			} else if c >= utf8.RuneSelf {
				if r, _ := utf8.DecodeLastRune(b); unicode.Is(unicode.White_Space, r) {
					rawSpace = len(b) - 1
				}
			}
		}
	}
	return b, rawSpace, changed
}

// plusIsSpace reports whether a '+' that follows b, the text decoded so
// far, is read as the space a form encodes (rawSpace: the last byte in b
// of the latest white space written as such, -1 if none): when it
// continues a run of digits, following a digit the rule reads (marks a
// reader does not see passed over) or at most two separators after one,
// each a separator that is no white space ('-', '.', '/', ...) or a white
// space the decoding made ('+', %20); an invisible one (a zero-width space,
// U+0001) counts for none and a CR LF the decoding made once, as the rule
// counts them (so 4111%0D%0A%0D%0A+1111..., a blank line and a space, is
// a run). So 4111++1111++1111++1111 (two
// spaces between groups), 4111+-+1111+-+... (" - ") and ４１１１+１１１１+...
// read as the card numbers a URL decoder shows, and so does ⒋⒈⒈⒈+⒈⒈⒈⒈+...
// once normalised (a compatibility form of more than one character is
// read as NFKC writes it: ⒈ is "1."). A '+' after anything else
// (the start, a letter, white space written as such: "24/7 +49 1512
// 3456787") keeps its meaning, a phone number's leading '+'. The look back
// stops at the third separator, at a character of another kind or at a
// '+' kept, so a byte is looked at by at most four '+'s and the decoding
// stays linear. White space written as such ends the look back, so the
// latest one (rawSpace) is the only one it can meet.
func plusIsSpace(b []byte, rawSpace int) bool {
	seps := 0
	// lf: the separator counted last is an LF the decoding made, which
	// with a CR before it is one line break, as the rule counts it (an
	// invisible one between them read as not there).
	lf := false
	for end := len(b); end > 0; {
		if c := b[end-1]; c < utf8.RuneSelf {
			// ASCII, read as below without the tables: a digit; a
			// separator ('-' '.' '/' '_', white space the decoding
			// made; a control character that is no white space, which
			// counts for none); anything else ends the look.
			space := c == ' ' || c >= '\t' && c <= '\r'
			switch {
			case c >= '0' && c <= '9':
				return true
			case c == 0x7f || c < ' ' && !space:
			case lf && c == '\r' && end-1 != rawSpace:
				lf = false // the CR of a CR LF counted at its LF
			case seps < 2 && (c == '-' || c == '.' || c == '/' || c == '_'):
				seps, lf = seps+1, false
			case seps < 2 && space && end-1 != rawSpace:
				seps, lf = seps+1, c == '\n'
			default:
				return false
			}
			end--
			continue
		}
		r, size := utf8.DecodeLastRune(b[:end])
		switch _, digit := digitValue(r); {
		case digit:
			return true
		case isTransparent(r), countsForNone(r):
			// Read as not there, or a separator that counts for none
			// (a zero-width space), as the rule counts it.
		case seps < 2 && isCardSeparator(r) && (end-1 != rawSpace || !unicode.Is(unicode.White_Space, r)):
			seps, lf = seps+1, false
		default:
			// A compatibility form of more than one character is read
			// as NFKC writes it: the digit full stop ⒈ is "1.", a
			// digit and a separator after it.
			d := compatDecomposition(r)
			if len(d) < 2 || utf8.RuneCount(d) < 2 {
				return false
			}
			for len(d) > 0 {
				c, n := utf8.DecodeLastRune(d)
				switch _, digit := digitValue(c); {
				case digit:
					return true
				case isTransparent(c):
				case seps < 2 && isCardSeparator(c):
					seps, lf = seps+1, false
				default:
					return false
				}
				d = d[:len(d)-n]
			}
		}
		end -= size
	}
	return false
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// group is one group of digits of a run: its digits (at most
// maxCardDigits are kept; n counts up to maxCardDigits+1) and its byte span
// in the input.
type group struct {
	d          [maxCardDigits]byte
	n          int
	start, end int
}

// cardScanner finds card numbers by the rule of LooksLikeCardNumber, in one
// pass and without allocating: it keeps the last groups of the current run
// (a window of at most 19 digits spans at most 19 groups) and judges the
// windows that end with each group as the group closes.
type cardScanner struct {
	groups  [maxCardDigits]group
	ng      int // groups held
	cur     group
	inGroup bool // the last rune was a digit
	inRun   bool
	gap     int  // separators since the last digit
	plus    bool // the run's first digit follows a '+'
	digits  int  // digits in the run so far (capped)
	// pending is a window found in a run that may yet turn out to be a
	// phone number (plus and at most maxPhone digits so far).
	pending        bool
	pStart, pEnd   int
	foundS, foundE int  // the window found
	prevPlus       bool // the last rune was a '+'
	prevCR         bool // the last rune (those that count for none left out) was a carriage return
}

// FindCardNumber returns the byte span of the first card number in s, by
// the rule of LooksLikeCardNumber: s[start:end] is the window's digits and
// separators.
func FindCardNumber(s string) (start, end int, ok bool) {
	var c cardScanner
	skip := 0 // the end of a UUID being passed over
	for i, r := range s {
		if i < skip {
			continue
		}
		if n := uuidAt(s, i); n > 0 {
			// A UUID reads as one character that ends runs.
			if c.step(i, 'x') {
				return c.foundS, c.foundE, true
			}
			skip = i + n
			continue
		}
		if c.step(i, r) {
			return c.foundS, c.foundE, true
		}
	}
	if c.endRun() {
		return c.foundS, c.foundE, true
	}
	return 0, 0, false
}

// step reads rune r at byte offset i and reports whether a card number has
// been found.
func (c *cardScanner) step(i int, r rune) bool {
	if isTransparent(r) {
		return false // read as if it were not there
	}
	if v, ok := digitValue(r); ok {
		switch {
		case c.inGroup:
		case c.inRun && c.gap <= maxGap:
			c.cur = group{start: i}
			c.inGroup = true
		default:
			if c.endRun() {
				return true
			}
			c.inRun, c.plus, c.digits, c.pending = true, c.prevPlus, 0, false
			c.ng = 0
			c.cur = group{start: i}
			c.inGroup = true
		}
		if c.cur.n < maxCardDigits {
			c.cur.d[c.cur.n] = '0' + v
		}
		if c.cur.n <= maxCardDigits {
			c.cur.n++
		}
		c.cur.end = i + utf8.RuneLen(r) // a digit is a valid rune
		if c.digits <= maxPhone {
			c.digits++
		}
		c.gap = 0
		c.prevPlus, c.prevCR = false, false
		return false
	}
	c.prevPlus = r == '+' || r == '\uff0b'
	crlf := r == '\n' && c.prevCR
	if r == '\r' || c.prevCR && !countsForNone(r) {
		// A separator that counts for none is read as not there: the CR
		// before it and the LF after it are one line break.
		c.prevCR = r == '\r'
	}
	if c.inGroup {
		c.inGroup = false
		if c.closeGroup() {
			return true
		}
	}
	if c.inRun && isCardSeparator(r) {
		if !crlf && !countsForNone(r) {
			c.gap++
		}
		return false
	}
	if c.inRun {
		return c.endRun()
	}
	return false
}

// closeGroup adds the current group to the run and judges every window
// that ends with it.
func (c *cardScanner) closeGroup() bool {
	g := c.cur
	if g.n > maxCardDigits {
		c.ng = 0 // no window can hold this group, nor cross it
		return c.flushPending()
	}
	if c.ng == len(c.groups) {
		copy(c.groups[:], c.groups[1:])
		c.ng--
	}
	c.groups[c.ng] = g
	c.ng++
	var win [maxCardDigits]byte
	total := 0
	for k := c.ng - 1; k >= 0; k-- {
		total += c.groups[k].n
		if total > maxCardDigits {
			break
		}
		if total < minCardDigits {
			continue
		}
		// The window is groups k..ng-1, in order.
		n := 0
		for j := k; j < c.ng; j++ {
			n += copy(win[n:], c.groups[j].d[:c.groups[j].n])
		}
		if isCardNumber(win[:n]) {
			if !c.pending {
				c.pending, c.pStart, c.pEnd = true, c.groups[k].start, g.end
			}
			break
		}
	}
	return c.flushPending()
}

// flushPending reports a pending window once the run cannot be a phone
// number.
func (c *cardScanner) flushPending() bool {
	if c.pending && (!c.plus || c.digits > maxPhone) {
		c.foundS, c.foundE = c.pStart, c.pEnd
		return true
	}
	return false
}

// endRun closes the current run.
func (c *cardScanner) endRun() bool {
	if c.inGroup {
		c.inGroup = false
		if c.closeGroup() {
			return true
		}
	}
	c.inRun, c.ng, c.gap, c.pending = false, 0, 0, false
	return false
}

// uuidLen is the length of a UUID in its canonical form.
const uuidLen = 36

// uuidAt returns uuidLen if s holds a canonical UUID (8-4-4-4-12 ASCII hex
// digits and dashes) at byte offset i that nothing touches (touchesUUID),
// else 0.
func uuidAt(s string, i int) int {
	if len(s)-i < uuidLen {
		return 0
	}
	for k := 0; k < uuidLen; k++ {
		c := s[i+k]
		switch k {
		case 8, 13, 18, 23:
			if c != '-' {
				return 0
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return 0
			}
		}
	}
	if touchesUUID(s[:i], false) || touchesUUID(s[i+uuidLen:], true) {
		return 0
	}
	return uuidLen
}

// touchesUUID reports whether the character a reader sees right next to a
// UUID, at the end of before (or, with after, at the start of s), is an
// ASCII letter or a digit of any kind (digitValue): marks the rule reads as
// not there (isTransparent) are passed over, so ٤ or 4̲ right before a UUID,
// or ١ after it, joins its digits to the UUID's as an ASCII digit does.
func touchesUUID(s string, after bool) bool {
	for s != "" {
		var r rune
		var size int
		if after {
			r, size = utf8.DecodeRuneInString(s)
			s = s[size:]
		} else {
			r, size = utf8.DecodeLastRuneInString(s)
			s = s[:len(s)-size]
		}
		if isTransparent(r) {
			continue
		}
		if r < utf8.RuneSelf {
			return isASCIIAlnum(byte(r))
		}
		_, digit := digitValue(r)
		return digit
	}
	return false
}

func isASCIIAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// isTransparent reports whether r is a mark a reader does not see as a
// character of its own: a combining mark (category Mn or Me: U+0332
// COMBINING LOW LINE, U+20E3 COMBINING ENCLOSING KEYCAP), a variation
// selector (U+FE0F makes 4\ufe0f\u20e3 the keycap emoji 4️⃣), or another
// default-ignorable code point (U+034F COMBINING GRAPHEME JOINER, the
// Hangul fillers). The guard reads a text as if these were not there.
func isTransparent(r rune) bool {
	return r >= 0x300 && unicode.In(r, unicode.Mn, unicode.Me, unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point)
}

// isCardSeparator reports whether r may stand between the digit groups of a
// card number.
func isCardSeparator(r rune) bool {
	switch r {
	case '.', '/', '_', '\uff0e', '\uff0f', '\uff3f':
		return true
	}
	// White_Space: the spaces (Zs) and the line and paragraph separators
	// (Zl, Zp), and the tab, line feed, vertical tab, form feed, carriage
	// return and NEL, which a number pasted over several lines or typed
	// with tab stops holds (a free-form object may hold them). The other
	// control characters (Cc: U+0001, the information separators
	// U+001C-U+001F that payment messages put between fields, DEL, the C1
	// controls) show nothing, as a format character (Cf) does. Dash:
	// every dash (category Pd) and the minus signs and the swung dash ⁓.
	// Hyphen: the hyphens, and the katakana middle dot ・ a Japanese input
	// method writes for '/'.
	return unicode.In(r, unicode.White_Space, unicode.Dash, unicode.Hyphen, unicode.Cf, unicode.Cc) ||
		lookalikeSeparator(r) || compatSeparator(r)
}

// lookalikeSeparator reports whether r is none of Unicode's spaces, dashes
// or hyphens but a character a reader or an input method puts for a dot,
// a dash, a slash or a space between digit groups: a Japanese input
// method in its default mode writes 4111.1111.1111.1111 with the
// ideographic full stop 。, and '-' as the prolonged sound mark ー; the
// middle dots · ‧ ∙ ⋅ ⸱ show as a dot between digits, the fraction and
// division slashes ⁄ ∕ ⧸ as a slash, and the braille pattern blank as a
// space. (Their half-width forms ｡ ｰ ･ and the vertical ︒ are
// compatibility forms of them: compatSeparator.) The bullet • is left
// out: like '*', it masks digits (•••• 1111), and stands for none.
func lookalikeSeparator(r rune) bool {
	switch r {
	case '\u3002', // IDEOGRAPHIC FULL STOP
		'\u00b7', // MIDDLE DOT
		'\u2027', // HYPHENATION POINT
		'\u2219', // BULLET OPERATOR
		'\u22c5', // DOT OPERATOR
		'\u2e31', // WORD SEPARATOR MIDDLE DOT
		'\u30fc', // KATAKANA-HIRAGANA PROLONGED SOUND MARK
		'\u2044', // FRACTION SLASH
		'\u2215', // DIVISION SLASH
		'\u29f8', // BIG SOLIDUS
		'\u2800', // BRAILLE PATTERN BLANK
		'\u2e33', // RAISED DOT
		'\u16eb', // RUNIC SINGLE PUNCTUATION
		'\ua78f', // LATIN LETTER SINOLOGICAL DOT
		'\u2500', // BOX DRAWINGS LIGHT HORIZONTAL (a Japanese input method's conversion of ー)
		'\u2501', // BOX DRAWINGS HEAVY HORIZONTAL
		'\u23af', // HORIZONTAL LINE EXTENSION
		'\u2796', // HEAVY MINUS SIGN
		'\u02d7', // MODIFIER LETTER MINUS SIGN
		'\u2043', // HYPHEN BULLET
		'\u2571': // BOX DRAWINGS LIGHT DIAGONAL UPPER RIGHT TO LOWER LEFT
		return true
	}
	return false
}

// countsForNone reports whether separator r, which a reader does not see,
// adds nothing to the gap between two digit groups: a format character
// (Cf: a zero-width space, a soft hyphen) or a control character that is
// no white space (U+0001, U+001F, DEL).
func countsForNone(r rune) bool {
	return unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Cc, r) && !unicode.Is(unicode.White_Space, r)
}

// compatSeparator reports whether r is no separator but a compatibility
// form of one, as compatDigit reads a compatibility form of a digit: a
// character whose NFKC normalisation is a single separator, or a space
// with marks the rule reads as not there (isTransparent). These are the
// small full stop ﹒ and the one dot leader ․ (a '.'), the low lines
// ﹍ ﹎ ﹏ ︳ ︴ (a '_'), the half-width ideographic full stop ｡ and the
// vertical ︒ (a 。), the half-width prolonged sound mark ｰ (a ー), the
// Greek ano teleia (a middle dot ·), and the spacing accents and lines
// (the double low line ‗, the overline ‾, the macron ¯, the acute ´,
// ...: NFKC a space and a combining mark). (The superscript and
// subscript minus ⁻ ₋ normalise to the minus sign too, but are dashes
// themselves: Unicode's Dash.) A
// reader sees a separator; so does any text pipeline that normalises
// (4111﹒1111﹒1111﹒1111 is stored by one as 4111.1111.1111.1111).
func compatSeparator(r rune) bool {
	if r < 0xa8 { // DIAERESIS, the first
		return false
	}
	// A separator and marks are their own NFKC form, so r's NFKC form is
	// its compatibility decomposition, read from the tables without
	// normalising (norm's Append allocated three times a character: a
	// string of such characters cost 150 times its size in garbage); a
	// character without one is its own form and no compatibility form.
	d := compatDecomposition(r)
	if d == nil {
		return false
	}
	c, size := utf8.DecodeRune(d)
	if c == r || !isCardSeparator(c) {
		return false
	}
	for _, m := range string(d[size:]) {
		if !isTransparent(m) {
			return false
		}
	}
	return true
}

// compatDecomposition is r's full compatibility decomposition (NFKD) as
// Unicode's tables hold it, or nil when r has none; it does not allocate.
func compatDecomposition(r rune) []byte {
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	return norm.NFKC.Properties(buf[:n]).Decomposition()
}

// digitValue returns the value of a Unicode decimal digit. Unicode encodes
// every set of decimal digits as ten consecutive code points from zero, and
// each range of category Nd is whole sets (a test holds the tables to it),
// so a digit's value is its offset in its range, modulo 10.
func digitValue(r rune) (byte, bool) {
	if r >= '0' && r <= '9' {
		return byte(r - '0'), true
	}
	if r < 0x660 { // the first decimal digit after ASCII's, ARABIC-INDIC DIGIT ZERO
		return compatDigit(r)
	}
	if r <= 0xFFFF {
		t := unicode.Nd.R16
		i := sort.Search(len(t), func(i int) bool { return rune(t[i].Hi) >= r })
		if i < len(t) && rune(t[i].Lo) <= r {
			return byte((r - rune(t[i].Lo)) % 10), true
		}
		return compatDigit(r)
	}
	t := unicode.Nd.R32
	i := sort.Search(len(t), func(i int) bool { return rune(t[i].Hi) >= r })
	if i < len(t) && rune(t[i].Lo) <= r {
		return byte((r - rune(t[i].Lo)) % 10), true
	}
	return compatDigit(r)
}

// compatDigit returns the value of a character that is no decimal digit
// but a compatibility form of one: an "other number" (category No) whose
// NFKC normalisation is a single ASCII digit, such as the superscript ¹,
// the subscript ₁ or the circled ①, or a circled digit Unicode gives no
// decomposition at all (circledDigit). A reader sees a digit; so does the
// guard. (Forms that normalise to more, ⑩ to "10", are not digits; the
// parenthesized ⑴-⑼, "(1)"-"(9)", are, by circledDigit.)
func compatDigit(r rune) (byte, bool) {
	if r < 0xb2 || !unicode.Is(unicode.No, r) { // 0xb2: SUPERSCRIPT TWO, the first
		return 0, false
	}
	// NFKC is one ASCII digit exactly when the compatibility decomposition
	// is (composition never makes one ASCII digit of more, nor changes it).
	d := compatDecomposition(r)
	if len(d) == 1 && d[0] >= '0' && d[0] <= '9' {
		return d[0] - '0', true
	}
	return circledDigit(r)
}

// circledDigit returns the value of a circled digit that has no
// decomposition, so NFKC leaves it as it is: the double circled ⓵-⓽, the
// dingbats ❶-❾, ➀-➈ and ➊-➒, and the zeros ⓿, 🄋 and 🄌. docs/design.md §3
// names circled digits among the digits the guard reads, and a reader sees
// ❹❶❶❶ ❶❶❶❶ ❶❶❶❶ ❶❶❶❶ as a card number as surely as ④①①① ①①①① ①①①①
// ①①①①, which decomposes. (The tens ❿ ➉ ➓ ⓾ are two digits, like ⑩.)
// So are the parenthesized digits ⑴-⑼: NFKC makes them "(1)"-"(9)",
// whose parentheses end runs, so ⑷⑴⑴⑴⑴⑴⑴⑴⑴⑴⑴⑴⑴⑴⑴⑴, a number a reader
// sees as plainly as ④①①①…, passed both readings. (⑽-⒇ are two
// digits; there is no parenthesized zero.)
func circledDigit(r rune) (byte, bool) {
	switch {
	case r >= 0x24f5 && r <= 0x24fd: // DOUBLE CIRCLED DIGIT ONE-NINE
		return byte(r - 0x24f4), true
	case r >= 0x2776 && r <= 0x277e: // DINGBAT NEGATIVE CIRCLED DIGIT ONE-NINE
		return byte(r - 0x2775), true
	case r >= 0x2780 && r <= 0x2788: // DINGBAT CIRCLED SANS-SERIF DIGIT ONE-NINE
		return byte(r - 0x277f), true
	case r >= 0x278a && r <= 0x2792: // DINGBAT NEGATIVE CIRCLED SANS-SERIF DIGIT ONE-NINE
		return byte(r - 0x2789), true
	case r == 0x24ff, r == 0x1f10b, r == 0x1f10c: // NEGATIVE CIRCLED, DINGBAT (NEGATIVE) CIRCLED SANS-SERIF DIGIT ZERO
		return 0, true
	case r >= 0x2474 && r <= 0x247c: // PARENTHESIZED DIGIT ONE-NINE
		return byte(r - 0x2473), true
	}
	return 0, false
}

func isCardNumber(d []byte) bool {
	n := len(d)
	if n < minCardDigits || n > maxCardDigits {
		return false
	}
	for _, r := range cardRanges {
		if n < r.minLen || n > r.maxLen {
			continue
		}
		p := 0
		for _, c := range d[:r.prefixLen] {
			p = p*10 + int(c-'0')
		}
		if p >= r.lo && p <= r.hi {
			return luhn(d)
		}
	}
	return false
}

func luhn(d []byte) bool {
	sum := 0
	double := false
	for i := len(d) - 1; i >= 0; i-- {
		v := int(d[i] - '0')
		if double {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		double = !double
	}
	return sum%10 == 0
}

// NumberLooksLikeCardNumber reports whether a JSON number literal holds a
// card number. A number is judged by value as well as by spelling, each by
// the rule of LooksLikeCardNumber: the literal as written (what is
// stored); its exact value written out in plain decimal
// (4.111111111111111e15, 41111111111111110e-1 and 4111111111111111.0 are
// all 4111111111111111); and the float64 a reader such as JavaScript takes
// it for, written out (4111111111111110.99999999 is read as
// 4111111111111111).
//
// A value below 10^-20 or of 10^25 or more is judged as written only where
// its written-out forms cannot hold a card number: below 10^-20 both are
// "0." and a run of over 19 digits (at least 19 zeros before the first
// other digit, for the float64 too, which is at most the float64 of
// 10^-20, written 0.00000000000000000001), and a window never cuts a
// group (LooksLikeCardNumber); from 10^25 on the float64 is a whole
// number of at least 26 digits, and so is the exact value unless it has
// a fraction, which is then judged. Reading those forms cost the most:
// 300-digit expansions, and strconv.ParseFloat's slow path for numbers
// float64 holds only as subnormals (1e-320: about 15 µs each, where a
// 64 KiB body holds 9,000 of them).
func NumberLooksLikeCardNumber(lit string) bool {
	if LooksLikeCardNumber(lit) {
		return true
	}
	if digits, point, ok := decimalForm(lit); ok {
		switch {
		case digits == "" || point <= -20:
			return false
		case point >= 26:
			return len(digits) > point && LooksLikeCardNumber(writePlain(digits, point))
		case LooksLikeCardNumber(writePlain(digits, point)):
			return true
		}
		// The float64 is read from the value as 0.digits × 10^point:
		// strconv.ParseFloat's slow path counts at most 800 digits before
		// a literal's point and reads a longer run of them with its point
		// moved (411111111111111075, 900 zeros, 1e-903, which JSON.parse
		// reads as 4111111111111111, as 4.1e-88); after "0." none is
		// before it. The sign is kept.
		lit = lit[:len(lit)-len(strings.TrimPrefix(lit, "-"))] + "0." + digits + "e" + strconv.Itoa(point)
	}
	f, err := strconv.ParseFloat(lit, 64)
	return err == nil && LooksLikeCardNumber(strconv.FormatFloat(f, 'f', -1, 64))
}

// hugeExponent stands for every exponent of more than 7 digits (at least
// 10^7), where float64 holds only zero: such exponents are not read.
const hugeExponent = 10_000_000

// decimalForm reads a JSON number literal's value, without its sign, as
// 0.digits × 10^point: digits with no leading or trailing zero, "" for a
// zero (point is then 0). An exponent of more than 7 digits reads as
// ±hugeExponent. ok is false for a literal with a byte no JSON number
// holds; text with no digit before its exponent ("", "-", ".", "e5"),
// which is no JSON number either, reads as zero.
func decimalForm(lit string) (digits string, point int, ok bool) {
	s := strings.TrimPrefix(lit, "-")
	mant, exp := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant = s[:i]
		e := strings.TrimPrefix(s[i+1:], "+")
		neg := strings.HasPrefix(e, "-")
		e = strings.TrimLeft(strings.TrimPrefix(e, "-"), "0")
		for _, c := range e {
			if c < '0' || c > '9' {
				return "", 0, false
			}
			if len(e) <= 7 {
				exp = exp*10 + int(c-'0')
			}
		}
		if len(e) > 7 {
			exp = hugeExponent
		}
		if neg {
			exp = -exp
		}
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	digits = intPart + frac
	for _, c := range digits {
		if c < '0' || c > '9' {
			return "", 0, false
		}
	}
	point = len(intPart) + exp
	lead := len(digits) - len(strings.TrimLeft(digits, "0"))
	digits, point = strings.TrimRight(digits[lead:], "0"), point-lead
	if digits == "" {
		return "", 0, true
	}
	return digits, point, true
}

// writePlain writes 0.digits × 10^point (decimalForm's reading of a
// non-zero number) in plain decimal: no sign, no exponent, no leading
// zeros but one before the point, no trailing zeros after it, no point
// without a fraction.
func writePlain(digits string, point int) string {
	var b strings.Builder
	switch {
	case point <= 0:
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", -point))
		b.WriteString(digits)
	case point >= len(digits):
		b.WriteString(digits)
		b.WriteString(strings.Repeat("0", point-len(digits)))
	default:
		b.WriteString(digits[:point])
		b.WriteByte('.')
		b.WriteString(digits[point:])
	}
	return b.String()
}

// cardError is the refusal for a value that looks like a card number. It
// names the field and never echoes the value.
func cardError(field string) *Error {
	what := "The value of " + field
	if field == "" {
		what = "A value of the request"
	}
	return &Error{
		Code:    EINVALID,
		Reason:  ReasonCardNumber,
		Field:   field,
		Message: what + " looks like a payment card number. This service does not accept card numbers; send a token or a masked number instead.",
	}
}

// CardNumberRefused is the refusal of field for a value its caller found
// to look like a card number (the request decoder judges an integer
// field's literal before its type and range): 400 CARD_NUMBER_REFUSED,
// naming the field, never echoing the value.
func CardNumberRefused(field string) *Error { return cardError(field) }

// cardRule is the card rule a check holds text to: onInput
// (HoldsCardNumber) for what a request sends, onRead
// (StoredHoldsCardNumber) for what a read finds stored, which may be
// looser for one release after input tightened (StoredHoldsCardNumber's
// doc). The checks input and reads share (checkString, checkURL,
// scanJSON) take it, so each caller says which it holds text to; the zero
// rule is input's.
type cardRule uint8

const (
	onInput    cardRule = iota // HoldsCardNumber
	onRead                     // StoredHoldsCardNumber
	noCardRule                 // scanJSON's unguarded read (CheckJSON): no card rule
)

// holds reports whether s holds a card number by rule.
func (rule cardRule) holds(s string) bool {
	switch rule {
	case onInput:
		return HoldsCardNumber(s)
	case onRead:
		return StoredHoldsCardNumber(s)
	}
	return false
}

// checkText refuses s when it holds a card number by rule.
func (rule cardRule) checkText(field, s string) error {
	if rule.holds(s) {
		return cardError(field)
	}
	return nil
}

// checkStringMap refuses a map whose keys or values hold card numbers
// (input's rule).
func checkStringMap(field string, m map[string]string) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if HoldsCardNumber(k) {
			return cardError(field)
		}
		if err := onInput.checkText(SafeFieldName(field, k), m[k]); err != nil {
			return err
		}
	}
	return nil
}
