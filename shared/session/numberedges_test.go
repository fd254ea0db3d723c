package session

import (
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// parsedInFloatRange is inFloatRange as strconv.ParseFloat decides it
// (what the service did before it read the literal's digits instead).
func parsedInFloatRange(lit string) bool {
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil {
		return false
	}
	if f == 0 {
		mant := lit
		if i := strings.IndexAny(lit, "eE"); i >= 0 {
			mant = lit[:i]
		}
		return strings.Trim(mant, "-0.") == ""
	}
	return true
}

// everyReadingLooksLikeCardNumber is NumberLooksLikeCardNumber reading
// all three forms of every literal (what the service did before it left
// out the written-out forms that cannot hold a card number).
func everyReadingLooksLikeCardNumber(lit string) bool {
	if LooksLikeCardNumber(lit) || LooksLikeCardNumber(plainDecimal(lit)) {
		return true
	}
	f, err := strconv.ParseFloat(lit, 64)
	return err == nil && LooksLikeCardNumber(strconv.FormatFloat(f, 'f', -1, 64))
}

// edgeLiterals are literals at and around the ends of float64's range and
// around the powers of ten at which NumberLooksLikeCardNumber stops
// reading a value's written-out forms, card numbers among their digits.
func edgeLiterals() []string {
	e := float64Edges()
	// d as a literal 0.d × 10^point.
	lit := func(d string, point int) string { return "0." + d + "e" + strconv.Itoa(point) }
	lits := []string{
		lit(e.halfLeast, -323), lit(e.halfLeast+"1", -323), lit(e.halfLeast[:17], -323),
		lit(e.overflow, 309), lit(e.overflow+"1", 309), lit(e.overflow[:17], 309),
		"5e-324", "4.9e-324", "2.5e-324", "2.4e-324", "2.4703282292062327e-324", "2.4703282292062328e-324",
		"1e-323", "9.99e-324", "1e-324", "1e-325", "0.1e-322", "1e-320", "37e-320", "1e-300", "-1e-400",
		"1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308", "1.8e308", "1e308",
		"9.99e308", "1e309", "-1e309", "0e99999999", "1e99999999", "1e-99999999", "0.0", "-0", "0",
		"4111111111111111e-20", "4111111111111111e-35", "4111111111111111e-36", "0.00000000000000000004111111111111111",
		"4111111111111111e9", "4111111111111111e10", "4111111111111111e11", "41111111111111110000000000.4111111111111111",
		"1e25", "1e26", "9.999999999999999e25", "0.4111111111111111e-19", "0.4111111111111111e-18",
		// No exponent: beyond the 300 characters read as in range unread.
		"0." + strings.Repeat("0", 296) + "1", "0." + strings.Repeat("0", 297) + "1", "0." + strings.Repeat("0", 330) + "4111111111111111",
		"1" + strings.Repeat("0", 299), "1" + strings.Repeat("0", 308), "1" + strings.Repeat("0", 309), "-" + strings.Repeat("9", 310),
		"0." + strings.Repeat("0", 322) + "3", "0." + strings.Repeat("0", 323) + "3", "0." + strings.Repeat("0", 3000),
	}
	// Digits one above and one below each edge at its last place.
	for _, d := range []string{e.halfLeast, e.overflow} {
		n, _ := new(big.Int).SetString(d, 10)
		point := -323
		if d == e.overflow {
			point = 309
		}
		for _, k := range []int64{-1, 1} {
			lits = append(lits, lit(new(big.Int).Add(n, big.NewInt(k)).String(), point))
		}
	}
	return lits
}

// TestNumberEdgesReadFromDigits: inFloatRange decides from a literal's
// digits what strconv.ParseFloat decides, at float64's range's ends
// exactly (half the least subnormal rounds to zero, a hair above it does
// not; halfway past MaxFloat64 rounds to infinity), and
// NumberLooksLikeCardNumber answers what reading every form answers, for
// values of every size, card numbers among their digits.
func TestNumberEdgesReadFromDigits(t *testing.T) {
	lits := edgeLiterals()
	r := rand.New(rand.NewPCG(7, 86))
	cards := []string{"4111111111111111", "6011000000000004", "5555555555554444", "378282246310005"}
	for range 20000 {
		var d strings.Builder
		switch r.IntN(4) {
		case 0:
			d.WriteString(cards[r.IntN(len(cards))])
		case 1:
			d.WriteString(cards[r.IntN(len(cards))][:1+r.IntN(15)])
			d.WriteString(strings.Repeat("9", r.IntN(30)))
		default:
			for range 1 + r.IntN(25) {
				d.WriteByte(byte('0' + r.IntN(10)))
			}
		}
		digits := d.String()
		if cut := r.IntN(len(digits) + 1); cut < len(digits) && r.IntN(2) == 0 {
			digits = digits[:cut] + "." + digits[cut:]
		}
		if strings.HasPrefix(digits, ".") || strings.HasSuffix(digits, ".") {
			digits = "0" + strings.Trim(digits, ".")
		}
		exp := r.IntN(700) - 350
		if r.IntN(3) == 0 {
			exp = r.IntN(80) - 40
		}
		lits = append(lits, digits+"e"+strconv.Itoa(exp), "-"+digits+"E"+strconv.Itoa(exp))
		if exp >= 0 {
			lits = append(lits, digits+"e+"+strconv.Itoa(exp))
		}
	}
	for _, lit := range lits {
		if got, want := inFloatRange(lit), parsedInFloatRange(lit); got != want {
			t.Errorf("inFloatRange(%s) = %v; want %v (ParseFloat's)", lit, got, want)
		}
		if !parsedInFloatRange(lit) {
			continue // refused as out of range before any card check
		}
		if got, want := NumberLooksLikeCardNumber(lit), everyReadingLooksLikeCardNumber(lit); got != want {
			t.Errorf("NumberLooksLikeCardNumber(%s) = %v; want %v (every form read)", lit, got, want)
		}
	}
}

// TestFloat64EdgesAreThoseValues: the digits inFloatRange compares with
// are 2^-1075 at 10^-323 and 2^1024 - 2^970 at 10^309.
func TestFloat64EdgesAreThoseValues(t *testing.T) {
	e := float64Edges()
	for _, c := range []struct {
		name, digits string
		point        int
		want         *big.Float
	}{
		{"halfLeast", e.halfLeast, -323, new(big.Float).SetMantExp(big.NewFloat(1), -1075)},
		{"overflow", e.overflow, 309, new(big.Float).SetPrec(64).Sub(new(big.Float).SetMantExp(big.NewFloat(1), 1024), new(big.Float).SetMantExp(big.NewFloat(1), 970))},
	} {
		got, ok := new(big.Float).SetPrec(4096).SetString("0." + c.digits + "e" + strconv.Itoa(c.point))
		if !ok || got.Cmp(c.want) != 0 {
			t.Errorf("%s = 0.%s…e%d; want %s", c.name, c.digits[:20], c.point, c.want.Text('g', 20))
		}
	}
}

// TestNumberCostIsNotItsExpansion: a number is judged at a cost of its
// literal, not of its value written out. Reading 1e-300 or 1e300 in plain
// decimal wrote 300 digits for each (and again as a float64, where
// 37e-320 also took strconv.ParseFloat's slow path, 15 µs): a body of
// such numbers allocated 40 times what one of small numbers did (r86-create:
// a 48 KiB create of subnormals cost 60 to 120 times a normal one).
func TestNumberCostIsNotItsExpansion(t *testing.T) {
	const size = 8 << 10
	body := func(num string) []byte {
		b := []byte(`{"n":[`)
		for len(b) < size {
			b = append(b, num...)
			b = append(b, ',')
		}
		return append(b, "0]}"...)
	}
	scan := func(b []byte) func() {
		return func() {
			if _, err := scanJSON("provider", b, onInput); err != nil {
				t.Fatal(err)
			}
		}
	}
	small := allocatedBytes(scan(body("12")))
	for _, num := range []string{"1e-300", "37e-320", "5e-324", "1e300", "1.5e307"} {
		if got := allocatedBytes(scan(body(num))); got > 2*small {
			t.Errorf("a body of %s allocated %d bytes, one of 12 %d; want at most twice", num, got, small)
		}
	}
}

// BenchmarkScanJSONNumbers scans a 48 KiB free-form object of one kind of
// number each (r86-create's body of subnormals cost 60 to 120 times a
// normal create): the kinds should cost about alike.
func BenchmarkScanJSONNumbers(b *testing.B) {
	for _, num := range []string{"12", "1.0834", "1e-300", "37e-320", "5e-324", "1e300"} {
		body := []byte(`{"n":[`)
		for len(body) < 48<<10 {
			body = append(body, num...)
			body = append(body, ',')
		}
		body = append(body, "0]}"...)
		b.Run(num, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if _, err := scanJSON("provider", body, onInput); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
