package session

import (
	"math"
	"math/big"
	"strconv"
	"strings"
	"testing"
)

// plainDecimalBefore is plainDecimal as it was before decimalForm
// (77f5892), for FuzzNumberReadingsAsBefore.
func plainDecimalBefore(lit string) string {
	s := strings.TrimPrefix(lit, "-")
	mant, exp := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant = s[:i]
		e := strings.TrimPrefix(s[i+1:], "+")
		neg := strings.HasPrefix(e, "-")
		e = strings.TrimLeft(strings.TrimPrefix(e, "-"), "0")
		if len(e) > 7 {
			if strings.Trim(mant, "0.") == "" {
				return "0"
			}
			return lit
		}
		for _, c := range e {
			if c < '0' || c > '9' {
				return lit
			}
			exp = exp*10 + int(c-'0')
		}
		if neg {
			exp = -exp
		}
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	digits := intPart + frac
	for _, c := range digits {
		if c < '0' || c > '9' {
			return lit
		}
	}
	point := len(intPart) + exp
	lead := len(digits) - len(strings.TrimLeft(digits, "0"))
	digits, point = digits[lead:], point-lead
	digits = strings.TrimRight(digits, "0")
	if digits == "" {
		return "0"
	}
	if point > 310 || point < -330 {
		return lit
	}
	return writePlain(digits, point)
}

// isJSONNumber reports whether lit is a JSON number (RFC 8259 §6).
func isJSONNumber(lit string) bool {
	s := strings.TrimPrefix(lit, "-")
	i := 0
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i, n = i+1, n+1
		}
		return n
	}
	start := i
	if n := digits(); n == 0 || n > 1 && s[start] == '0' {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// FuzzNumberReadingsAsBefore: for every JSON number literal, inFloatRange
// is ParseFloat's decision, plainDecimal writes what it wrote before, and
// NumberLooksLikeCardNumber answers what reading every form answered (for
// the literals in float64's range, the only ones it is asked about).
func FuzzNumberReadingsAsBefore(f *testing.F) {
	for _, lit := range edgeLiterals() {
		f.Add(lit)
	}
	for _, lit := range []string{"-0.0e-400", "4111111111111111e-35", "0.4111111111111111e-18",
		"41111111111111110000000000.4111111111111111", "1e+0000000000000025", "0e-00000000009"} {
		f.Add(lit)
	}
	f.Fuzz(func(t *testing.T, lit string) {
		if !isJSONNumber(lit) {
			return
		}
		checkNumberReadings(t, lit)
	})
}

// FuzzNumberPartsAsBefore builds a JSON number from its parts (digits
// mapped from bytes, the exponent's spelling) and checks it as
// FuzzNumberReadingsAsBefore does: random bytes seldom spell a number.
func FuzzNumberPartsAsBefore(f *testing.F) {
	f.Add(false, []byte{4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, []byte{}, true, int32(-35), uint8(0), uint8(0), uint8(0))
	f.Add(true, []byte{0}, []byte{0}, true, int32(-400), uint8(1), uint8(3), uint8(2))
	f.Add(false, []byte{2, 4, 7}, []byte{0, 3, 2, 8}, true, int32(-326), uint8(0), uint8(0), uint8(7))
	f.Fuzz(func(t *testing.T, neg bool, ip, fp []byte, hasExp bool, exp int32, form, zeros, card uint8) {
		cards := [][]byte{{4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, {3, 7, 8, 2, 8, 2, 2, 4, 6, 3, 1, 0, 0, 0, 5}, {6, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4}}
		switch c := cards[int(card>>2)%len(cards)]; card & 3 {
		case 1:
			ip = append(append([]byte{}, c...), ip...)
		case 2:
			fp = append(append([]byte{}, c...), fp...)
		case 3:
			fp = append(append([]byte{}, fp...), c...)
		}
		var b strings.Builder
		if neg {
			b.WriteByte('-')
		}
		if len(ip) == 0 {
			ip = []byte{0}
		}
		if ip[0]%10 == 0 {
			ip = ip[:1]
		}
		for _, c := range ip {
			b.WriteByte('0' + c%10)
		}
		if len(fp) > 0 {
			b.WriteByte('.')
			b.WriteString(strings.Repeat("0", int(zeros)*int(form>>4)))
			for _, c := range fp {
				b.WriteByte('0' + c%10)
			}
		}
		if hasExp {
			b.WriteString([]string{"e", "E"}[form&1])
			if exp >= 0 && form&2 != 0 {
				b.WriteByte('+')
			}
			if exp < 0 {
				b.WriteByte('-')
			}
			if form&4 != 0 {
				b.WriteString(strings.Repeat("0", int(zeros%12)))
			}
			e := int64(exp)
			if e < 0 {
				e = -e
			}
			if form&8 == 0 {
				e %= 1000
			}
			b.WriteString(strconv.FormatInt(e, 10))
		}
		lit := b.String()
		if !isJSONNumber(lit) {
			t.Fatalf("built %q, no JSON number", lit)
		}
		checkNumberReadings(t, lit)
	})
}

// nearestReadingLooksLikeCardNumber is everyReadingLooksLikeCardNumber
// with the float64 nearest the value (math/big's exact reading, as
// JavaScript's JSON.parse reads it) in place of strconv.ParseFloat's, which
// misreads a literal of over 800 digits before its point.
func nearestReadingLooksLikeCardNumber(lit string) bool {
	if LooksLikeCardNumber(lit) || LooksLikeCardNumber(plainDecimal(lit)) {
		return true
	}
	if _, point, ok := decimalForm(lit); !ok || point < -400 || point > 400 {
		return everyReadingLooksLikeCardNumber(lit)
	}
	r, ok := new(big.Rat).SetString(lit)
	if !ok {
		return false
	}
	f, _ := r.Float64()
	return LooksLikeCardNumber(strconv.FormatFloat(f, 'f', -1, 64))
}

// nearestInFloatRange is parsedInFloatRange with math/big's exact reading
// in place of strconv.ParseFloat's where the value is near float64's
// range (ParseFloat read 4111111111111111, 9000 zeros, e-9000 as 0).
func nearestInFloatRange(lit string) bool {
	digits, point, ok := decimalForm(lit)
	if !ok || point < -400 || point > 400 {
		return parsedInFloatRange(lit)
	}
	r, ok := new(big.Rat).SetString(lit)
	if !ok {
		return false
	}
	f, _ := r.Float64()
	return !math.IsInf(f, 0) && (f != 0 || digits == "")
}

func checkNumberReadings(t *testing.T, lit string) {
	{
		if got, want := inFloatRange(lit), nearestInFloatRange(lit); got != want {
			t.Fatalf("inFloatRange(%s) = %v; want %v", lit, got, want)
		}
		if got, want := plainDecimal(lit), plainDecimalBefore(lit); got != want {
			t.Fatalf("plainDecimal(%s) = %s; want %s", lit, got, want)
		}
		if !inFloatRange(lit) {
			return
		}
		if got, want := NumberLooksLikeCardNumber(lit), nearestReadingLooksLikeCardNumber(lit); got != want {
			t.Fatalf("NumberLooksLikeCardNumber(%s) = %v; want %v", lit, got, want)
		}
	}
}

// TestNumberReadAsJavaScriptReadsIt: the float64 reading of a number is
// the float64 nearest its value, as JavaScript's JSON.parse takes it, also
// for a literal of over 800 digits before its point: strconv.ParseFloat's
// slow path reads such a literal with its point moved (it counts at most
// 800 digits before it), and read 411111111111111075 followed by 900
// zeros, a 1 and e-903 (4111111111111110.75…01, which JSON.parse reads as
// 4111111111111111) as 4.1e-88.
func TestNumberReadAsJavaScriptReadsIt(t *testing.T) {
	z := strings.Repeat("0", 900)
	for _, c := range []struct {
		lit  string
		want bool
	}{
		{"411111111111111075" + z + "1e-903", true},
		{"-411111111111111075" + z + "1E-903", true},
		{"411111111111111075" + z + "1e-0903", true},
		{"4111111111111110.75" + z + "1", true},
		{"411111111111111000" + z + "1e-903", false}, // 4111111111111110.00…01 reads 4111111111111110
		{"411111111111111025" + z + "1e-903", true},  // 4111111111111110.25…01 reads 4111111111111110.5, 41111111111111105
		{"411111111111111075" + z + "e-902", true},   // exactly halfway: the even 4111111111111111
		{"4111111111111111" + strings.Repeat("0", 9000) + "e-9000", true},
	} {
		// In float64's range, as its value is (strconv.ParseFloat read
		// the last as 0, out of range before inFloatRange read digits).
		if !inFloatRange(c.lit) {
			t.Errorf("inFloatRange(%.24s…, %d bytes) = false; want true", c.lit, len(c.lit))
		}
		if got := NumberLooksLikeCardNumber(c.lit); got != c.want {
			t.Errorf("NumberLooksLikeCardNumber(%.24s…, %d bytes) = %v; want %v", c.lit, len(c.lit), got, c.want)
		}
		if _, err := scanJSON("provider", []byte(`{"n":`+c.lit+`}`), onInput); (err != nil) != c.want {
			t.Errorf("scanJSON({\"n\":%.24s…}) = %v; want refused %v", c.lit, err, c.want)
		}
	}
}

// TestDecimalFormReadsTheValue: decimalForm's reading, 0.digits ×
// 10^point, of exponents spelled with a sign, leading zeros and 8 or more
// digits (±hugeExponent), of zeros however written (point 0), and its
// refusal of a byte no JSON number holds.
func TestDecimalFormReadsTheValue(t *testing.T) {
	for _, c := range []struct {
		lit    string
		digits string
		point  int
		ok     bool
	}{
		{"12300", "123", 5, true},
		{"-0.00120", "12", -2, true},
		{"1E5", "1", 6, true},
		{"1e+5", "1", 6, true},
		{"1e-5", "1", -4, true},
		{"1e0000000005", "1", 6, true},
		{"1e+00000000000000000005", "1", 6, true},
		{"1e-0000000000000000000400", "1", -399, true},
		{"1e1234567", "1", 1234568, true},
		{"1e-1234567", "1", -1234566, true},
		{"1e12345678", "1", 1 + hugeExponent, true},
		{"1e-12345678", "1", 1 - hugeExponent, true},
		{"1e18446744073709551616", "1", 1 + hugeExponent, true},
		{"0", "", 0, true},
		{"-0.0e-400", "", 0, true},
		{"0e5", "", 0, true},
		{"0.000e99999999", "", 0, true},
		{"1x", "", 0, false},
		{"1/5", "", 0, false},
		{"1e5x", "", 0, false},
		{"1e/5", "", 0, false},
		{"1e-x", "", 0, false},
		// An exponent of 8 digits or more is still read to its end: a byte
		// no JSON number holds after it is refused (r86-numreview: the
		// reading stopped at the eighth digit, and 1e1234567x was ok).
		{"1e1234567x", "", 0, false},
		{"1e12345678x", "", 0, false},
	} {
		digits, point, ok := decimalForm(c.lit)
		if digits != c.digits || point != c.point || ok != c.ok {
			t.Errorf("decimalForm(%s) = %q, %d, %v; want %q, %d, %v", c.lit, digits, point, ok, c.digits, c.point, c.ok)
		}
	}
}

// TestInFloatRangeOfLongLiterals: the range is decided from the value
// however long its literal: a fraction's leading zeros count against an
// exponent of 8 digits (its value is far beyond float64's range), an
// exponent of 20 digits is not read as a wrapped int, and trailing zeros
// do not move a value over float64's edges.
func TestInFloatRangeOfLongLiterals(t *testing.T) {
	e := float64Edges()
	for _, c := range []struct {
		name, lit string
		want      bool
	}{
		{"100 zeros, e+10000000", "0." + strings.Repeat("0", 100) + "1e+10000000", false},
		{"999800 zeros, e+10000000", "0." + strings.Repeat("0", 999_800) + "1e+10000000", false},
		{"99800 zeros, e+10000000", "0." + strings.Repeat("0", 99_800) + "1e+10000000", false},
		{"900 zeros, e+10000000", "0." + strings.Repeat("0", 900) + "1e+10000000", false},
		{"2^64 exponent", "1e18446744073709551616", false},
		{"2^64 negative exponent", "1e-18446744073709551616", false},
		{"half the least subnormal, trailing zeros", "0." + e.halfLeast + "000e-323", false},
		{"halfway past MaxFloat64, trailing zeros", "0." + e.overflow + "000e309", false},
		{"309 nines", strings.Repeat("9", 309), false},
		{"308 nines", strings.Repeat("9", 308), true},
		{"-0.(330 zeros)1", "-0." + strings.Repeat("0", 330) + "1", false},
	} {
		if got := inFloatRange(c.lit); got != c.want {
			t.Errorf("inFloatRange(%s) = %v; want %v", c.name, got, c.want)
		}
	}
}

// TestNumberFractionFrom10To25: a value from 10^25 on whose exact value has
// a fraction is still judged written out (the fraction's group is a
// window), where its literal shows one long run of digits.
func TestNumberFractionFrom10To25(t *testing.T) {
	for _, c := range []struct {
		lit  string
		want bool
	}{
		{"0.411111111111111100000000004111111111111111e26", true},  // 41111111111111110000000000.4111111111111111
		{"0.411111111111111100000000004111111111111112e26", false}, // its fraction fails Luhn
		{"-0.4111111111111111" + strings.Repeat("0", 14) + "4111111111111111E+30", true},
		{"0.4111111111111111" + strings.Repeat("0", 14) + "411111111111e30", false}, // fraction of 12 digits
		{"0.4111111111111111" + strings.Repeat("0", 200) + "4111111111111111e216", true},
	} {
		if got := NumberLooksLikeCardNumber(c.lit); got != c.want {
			t.Errorf("NumberLooksLikeCardNumber(%s) = %v; want %v", c.lit, got, c.want)
		}
	}
}
