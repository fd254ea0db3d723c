package session

import (
	"strings"
	"testing"
)

// FuzzURLDecodingReadsPartsAsTheWhole: URLDecoding reads a text given in
// parts (a path's segments) as URLDecodedOnce reads the whole, the parts
// joined by their separator: a '+' that starts a part is read after the
// parts before it ("4111/" then "+1111" is "4111/ 1111"), and what each
// part reads, joined, is what the whole reads.
func FuzzURLDecodingReadsPartsAsTheWhole(f *testing.F) {
	for _, s := range []string{
		"4111/+1111/+1111/+1111", "4111+/+1111", "x/+49", "4111 /+1111",
		"4111%2F/+1111", "4/%2B1", "4%0D%0A/%0D%0A+1", "４/+１", "⒈/+1", "4\u200b/+1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		parts := strings.Split(s, "/")
		var d URLDecoding
		outs := make([]string, len(parts))
		changedAny := false
		for i, p := range parts {
			sep := ""
			if i > 0 {
				sep = "/"
			}
			var changed bool
			outs[i], changed = d.Next(sep, p)
			changedAny = changedAny || changed
		}
		want, wantChanged := URLDecodedOnce(s)
		if got := strings.Join(outs, "/"); got != want || changedAny != wantChanged {
			t.Fatalf("parts of %q read %q (changed %v); want %q (changed %v)", s, got, changedAny, want, wantChanged)
		}
	})
}
