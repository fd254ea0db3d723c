package httpapi

import (
	"reflect"
	"runtime"
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
// cost the square of its size (64 KiB: a second and 1.5 GB). Doubling the
// body must at most double the bytes allocated (measured in one run; no
// clock).
func TestRefuseNullStringsCostIsLinear(t *testing.T) {
	allocated := func(body []byte) uint64 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		if err := refuseNullStrings(reflect.TypeOf(session.Draft{}), body); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	const size = 8 << 10
	one, two := allocated(nullsUnderLongName(size)), allocated(nullsUnderLongName(2*size))
	if two > 3*one {
		t.Errorf("refuseNullStrings allocated %d bytes for a %d-byte body, %d for twice that; want at most three times", one, size, two)
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
