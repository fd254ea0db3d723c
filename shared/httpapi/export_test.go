package httpapi

import "strings"

// MaxEncodedBody is the most bytes a list body may take in the invoke
// response.
const MaxEncodedBody = maxEncodedBody

// ListFits reports whether one whole-day answer takes the n records made
// by rec, plain or gzip, by the handler's own rule (listBody).
func ListFits(n int, rec func(i int) []byte, gzipped bool) bool {
	b := newListBody(gzipped, false)
	for i := 0; i < n; i++ {
		if !b.add(rec(i)) {
			return false
		}
	}
	if _, err := b.finish(); err != nil {
		panic(err)
	}
	return !b.full
}

// ListCapacity is the most records made by rec that one whole-day answer of
// document 004's list takes, plain or gzip: the handler's own rule
// (listBody), for the figures the README quotes.
func ListCapacity(rec func(i int) []byte, gzipped bool) int {
	fits := func(n int) bool { return ListFits(n, rec, gzipped) }
	// add refuses the first record that cannot fit: an upper bound, exact
	// for a plain body; gzip's last bytes are known only at the end, so
	// search below it.
	b := newListBody(gzipped, false)
	hi := 0
	for b.add(rec(hi)) {
		hi++
	}
	if fits(hi) {
		return hi
	}
	lo, step := hi, 16
	for lo > 0 && !fits(lo) {
		hi, lo, step = lo, max(lo-step, 0), step*2
	}
	for lo+1 < hi {
		if mid := (lo + hi) / 2; fits(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}

// PageCapacity is the most records made by rec that one page of document
// 004's list (limit set) takes, by the handler's own rule (listBody): the
// same whatever the client accepts, as a page is cut where it would not
// fit as an escaped plain body or as the base64 of gzip's worst case.
func PageCapacity(rec func(i int) []byte) int {
	b := newListBody(false, true)
	n := 0
	for b.add(rec(n)) {
		n++
	}
	return n
}

// Authenticate is the handlers' authentication: the authenticator's, the
// caller and its token's count noted for the request's log line.
var Authenticate = authenticate

// FullWidth is s with each printable ASCII character but the space in its
// full-width form (U+FF01 to U+FF5E), which NFKC reads back as s.
func FullWidth(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 0x21 && r <= 0x7e {
			r += 0xfee0
		}
		b.WriteRune(r)
	}
	return b.String()
}
