package httpapi

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/session"
)

// nullsUnderLongName is a create body of about size bytes: a free-form
// provider object whose one member, named by half the body, holds nulls.
func nullsUnderLongName(size int) []byte {
	name := strings.Repeat("a", size/2)
	return []byte(`{"amount":1,"currency":"EUR","provider":{"` + name + `":[` + strings.Repeat("null,", size/10) + `null]}}`)
}

// TestRefuseNullStringsCostIsLinear: finding each null's place cost the
// length of its JSON pointer, so a body of nulls under a long member name
// cost the square of its size (64 KiB: a second and 1.5 GB). A body sixteen
// times as large must cost at most maxGrowth times the bytes
// (allocationGrowth; no clock).
func TestRefuseNullStringsCostIsLinear(t *testing.T) {
	const size, rounds = 4 << 10, 4
	draft := reflect.TypeOf(session.Draft{})
	got := allocationGrowth(t, nullsUnderLongName, func(body []byte) {
		if err := refuseNullStrings(draft, body); err != nil {
			t.Fatal(err)
		}
	}, size, rounds)
	if got > maxGrowth {
		t.Errorf("refuseNullStrings allocated %.1f times the bytes for a body %d times as large as %d bytes; want at most %d", got, growthFactor, size, maxGrowth)
	}
}

func BenchmarkRefuseNullStrings(b *testing.B) {
	for _, size := range []int{32 << 10, 64 << 10} {
		body := nullsUnderLongName(size)
		b.Run(strconv.Itoa(size>>10)+"K", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := refuseNullStrings(reflect.TypeOf(session.Draft{}), body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
