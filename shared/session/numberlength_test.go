package session

import (
	"errors"
	"strings"
	"testing"
)

// TestNumberLongerThanJacksonReadsIsRefused: a number literal of more
// than MaxNumberLength characters is refused wherever JSON is read (a
// body, a free-form object), though its value is in float64's range
// ("1." and 2,000 zeros is 1): the free-form objects are served back as
// written (document 003's paymentMethod and appearance, 002's provider),
// and Jackson, the JSON reader of the Java clients document 003's Spring
// service has, refuses a number of more than 1,000 digits by default
// (StreamReadConstraints.getMaxNumberLength): a processor's event that
// put one into paymentMethodDetails made every poll of that session fail
// to parse there (measured with jackson-databind 2.21.5).
func TestNumberLongerThanJacksonReadsIsRefused(t *testing.T) {
	for _, c := range []struct {
		lit     string
		refused bool
	}{
		{"1." + strings.Repeat("0", MaxNumberLength-2), false},
		{"1." + strings.Repeat("0", MaxNumberLength-1), true},
		{"-0." + strings.Repeat("0", 2000), true},
		// The sign, the point and the exponent are characters too (README:
		// "no number written with more than 1,000 characters"): a bound on
		// the literal without its sign passed every test.
		{"-1." + strings.Repeat("0", MaxNumberLength-3), false},
		{"-1." + strings.Repeat("0", MaxNumberLength-2), true},
		{"1." + strings.Repeat("0", MaxNumberLength-6) + "E-01", false},
		{"1." + strings.Repeat("0", MaxNumberLength-5) + "E-01", true},
		{"1" + strings.Repeat("0", 300), false},
		{"1e" + strings.Repeat("0", MaxNumberLength), true},
	} {
		_, err := scanJSON("paymentMethodDetails", []byte(`{"v":`+c.lit+`}`), onInput)
		var e *Error
		if got := errors.As(err, &e) && e.Reason == ReasonMalformedJSON && e.Field == "paymentMethodDetails.v"; got != c.refused {
			t.Errorf("scanJSON of a %d-character number: %v; want refused %v", len(c.lit), err, c.refused)
		}
		err = CheckJSON([]byte(`{"amount":1,"appearance":{"n":` + c.lit + `}}`))
		if got := errors.As(err, &e) && e.Reason == ReasonMalformedJSON && e.Field == "appearance.n"; got != c.refused {
			t.Errorf("CheckJSON of a %d-character number: %v; want refused %v", len(c.lit), err, c.refused)
		}
	}
}
