package httpapi

import (
	"bytes"
	"encoding/base64"
	"testing"
)

// TestWholeDayPlainBodyIsCountedToTheByte holds a whole day's plain body to
// README's "One response": "The list keeps 8 KiB for the rest and counts the
// body exactly as Lambda will" — the JSON array, its brackets and commas
// included, escaped as a JSON string ("`\"` for each of the records'
// quotes"). A body of exactly maxEncodedBody bytes so counted is taken, one
// byte more is not: a day one record too large is refused
// (LIST_TOO_LARGE), never answered past what Lambda returns.
func TestWholeDayPlainBodyIsCountedToTheByte(t *testing.T) {
	digits := func(n int) []byte { return bytes.Repeat([]byte{'1'}, n) }
	quotes := func(n int) []byte { return bytes.Repeat([]byte{'"'}, n) } // each counts 2
	tests := []struct {
		name string
		recs [][]byte
		want bool // the last record is taken
	}{
		{"[ one record ] is exactly the limit", [][]byte{digits(maxEncodedBody - 2)}, true},
		{"[ one record ] is one byte over", [][]byte{digits(maxEncodedBody - 1)}, false},
		{"[ a , b ] is exactly the limit", [][]byte{digits(1000), digits(maxEncodedBody - 1003)}, true},
		{"[ a , b ] is one byte over", [][]byte{digits(1000), digits(maxEncodedBody - 1002)}, false},
		{"escaped quotes are exactly the limit", [][]byte{quotes((maxEncodedBody - 2) / 2)}, true},
		{"escaped quotes are two bytes over", [][]byte{quotes((maxEncodedBody-2)/2 + 1)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newListBody(false, false)
			var took bool
			for _, rec := range tt.recs {
				took = b.add(rec)
			}
			if took != tt.want || b.full == tt.want {
				t.Errorf("last record taken: got %v (full %v); want %v", took, b.full, tt.want)
			}
			body, err := b.finish()
			if err != nil {
				t.Fatal(err)
			}
			if got := jsonStringLen(body); tt.want && got != maxEncodedBody {
				t.Errorf("body as counted in the invoke response: got %d bytes; want %d (exactly the limit)", got, maxEncodedBody)
			}
		})
	}
}

// TestBase64LenIsPaddedBase64: README's "One response": a gzip body travels
// as "base64 (4/3 of the bytes)" — standard, padded base64, which the
// adapter writes (encoding/base64.StdEncoding), so a gzip body's cost is
// counted with its padding.
func TestBase64LenIsPaddedBase64(t *testing.T) {
	for n := 0; n <= 64; n++ {
		if got, want := base64Len(n), base64.StdEncoding.EncodedLen(n); got != want {
			t.Errorf("base64Len(%d): got %d; want %d", n, got, want)
		}
	}
	if got, want := base64Len(maxEncodedBody), base64.StdEncoding.EncodedLen(maxEncodedBody); got != want {
		t.Errorf("base64Len(%d): got %d; want %d", maxEncodedBody, got, want)
	}
}
