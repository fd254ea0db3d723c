package session

import (
	"bytes"
	"encoding/json"
	"sort"
	"strconv"
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
// Club, JCB, UnionPay, Maestro, Mir, RuPay, Verve and Troy.
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
	{50, 50, 2, 12, 19},         // Maestro
	{56, 69, 2, 12, 19},         // Maestro and other 5x/6x debit
	{2200, 2204, 4, 16, 19},     // Mir
	{60, 60, 2, 16, 16},         // RuPay
	{81, 82, 2, 16, 16},         // RuPay
	{506099, 506198, 6, 16, 19}, // Verve
	{9792, 9792, 4, 16, 16},     // Troy
}

// LooksLikeCardNumber reports whether s contains a full payment card number:
// a run of 12 to 19 digits (single spaces or dashes between digits allowed)
// that starts with a card network's prefix, has one of its lengths and passes
// the Luhn check. Masked numbers (411111******1111) and longer digit runs
// (references, transaction ids) do not count: only whole runs are judged,
// never a part of a longer one.
func LooksLikeCardNumber(s string) bool {
	var run [19]byte
	n := 0 // digits in the current run; 20 means "longer than any card"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' {
			if n < len(run) {
				run[n] = c
			}
			if n < 20 {
				n++
			}
			continue
		}
		if (c == ' ' || c == '-') && n > 0 && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' {
			continue // a separator inside a run
		}
		if n <= len(run) && isCardNumber(run[:n]) {
			return true
		}
		n = 0
	}
	return n <= len(run) && isCardNumber(run[:n])
}

func isCardNumber(d []byte) bool {
	n := len(d)
	if n < 12 || n > 19 {
		return false
	}
	for _, r := range cardRanges {
		if n < r.minLen || n > r.maxLen {
			continue
		}
		p, _ := strconv.Atoi(string(d[:r.prefixLen]))
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

// cardError is the refusal for a value that looks like a card number. It
// names the field and never echoes the value.
func cardError(field string) *Error {
	return &Error{
		Code:    EINVALID,
		Reason:  ReasonCardNumber,
		Field:   field,
		Message: "The value of " + field + " looks like a payment card number. This service does not accept card numbers; send a token or a masked number instead.",
	}
}

// checkText refuses s when it looks like a card number.
func checkText(field, s string) error {
	if LooksLikeCardNumber(s) {
		return cardError(field)
	}
	return nil
}

// checkStringMap refuses a map whose keys or values look like card numbers.
func checkStringMap(field string, m map[string]string) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if LooksLikeCardNumber(k) {
			return cardError(field)
		}
		if err := checkText(field+"."+k, m[k]); err != nil {
			return err
		}
	}
	return nil
}

// checkJSON walks a JSON document and refuses any string, key or number
// literal that looks like a card number.
func checkJSON(field string, raw json.RawMessage) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return Invalid(field, "%s must be valid JSON.", field)
	}
	return checkValue(field, v)
}

func checkValue(field string, v any) error {
	switch v := v.(type) {
	case string:
		return checkText(field, v)
	case json.Number:
		return checkText(field, v.String())
	case []any:
		for i, e := range v {
			if err := checkValue(field+"["+strconv.Itoa(i)+"]", e); err != nil {
				return err
			}
		}
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if LooksLikeCardNumber(k) {
				return cardError(field)
			}
			if err := checkValue(field+"."+k, v[k]); err != nil {
				return err
			}
		}
	}
	return nil
}
