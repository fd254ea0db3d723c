package auth_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/paysessions/paysessions/shared/auth"
)

// TestHeaderList: a header sent twice and one field holding both values
// joined by a comma are one list (RFC 9110 §5.3), as a function on AWS
// receives them ("Duplicate headers are combined with commas", API
// Gateway's payload format 2.0).
func TestHeaderList(t *testing.T) {
	for _, tt := range []struct {
		values []string
		want   []string
	}{
		{nil, nil},
		{[]string{""}, nil},
		{[]string{"a"}, []string{"a"}},
		{[]string{" a "}, []string{"a"}},
		{[]string{"a,b"}, []string{"a", "b"}},
		{[]string{"a", "b"}, []string{"a", "b"}},
		{[]string{"a, b", "c"}, []string{"a", "b", "c"}},
		{[]string{"a,", ",b,,"}, []string{"a", "b"}},
		{[]string{"Bearer x.y.z"}, []string{"Bearer x.y.z"}},
	} {
		h := http.Header{}
		for _, v := range tt.values {
			h.Add("X-Test", v)
		}
		if got := auth.HeaderList(h, "x-test"); !slices.Equal(got, tt.want) {
			t.Errorf("HeaderList(%q) = %q; want %q", tt.values, got, tt.want)
		}
	}
}
