package auth

import (
	"runtime"
	"strings"
	"testing"
)

// TestJWKSNotJSONIsRefusedBeforeJWXReadsIt: README, Auth: a fetch fails,
// and the set in hand stays, when the answer "holds more than 50,000 JSON
// values and member names (jwx's reader takes about 1 KB for each, so a
// 1 MiB set within the other bounds took 380 MB ...)" or "is not a JSON key
// set". valuesWithin counts with encoding/json's tokenizer and stopped
// counting at the first byte it refuses; jwx's quick reader
// (jwkbb.HeaderParse, fastjson) takes a raw control character in a string
// or a number with a leading zero, and read the whole document before
// encoding/json refused it: a 1 MiB document of one such byte and 350,000
// empty objects, 2 values by the count, took 176 MB (190 MB resident) on
// functions of 128 MB (r91-review). A document encoding/json does not read
// is refused before jwx reads it (jwx refuses every such document itself).
func TestJWKSNotJSONIsRefusedBeforeJWXReadsIt(t *testing.T) {
	pad := strings.TrimSuffix(strings.Repeat("{},", 350000), ",")
	for _, c := range []struct{ name, doc string }{
		{"a control character in a string", "{\"keys\":[],\"a\":\"\x01\",\"pad\":[" + pad + "]}"},
		{"a leading zero", `{"a":01,"pad":[` + pad + `]}`},
		{"data after the object", `{"keys":[]}x` + `[` + pad + `]`},
	} {
		t.Run(c.name, func(t *testing.T) {
			body := []byte(c.doc)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			set, _, err := parseJWKS(body)
			runtime.ReadMemStats(&after)
			if err == nil || set != nil {
				t.Fatalf("parseJWKS() = %v, %v; want an error", set, err)
			}
			if n := after.TotalAlloc - before.TotalAlloc; n > 16<<20 {
				t.Errorf("parseJWKS() allocated %d MB to refuse %d bytes; want at most 16 MB", n>>20, len(body))
			}
		})
	}
}
