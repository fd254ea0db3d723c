package main

import (
	"strconv"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/paysessions/paysessions/shared/session"
)

// TestOpenAPIAmountsAreInt64: docs/design.md §3, "`amount` an integer from 0
// to 10^15", in minor units. OpenAPI gives an integer's width by its format
// alone ("There are two OAS-supported integer formats: int32 (signed 32
// bits), and int64"); a schema of type integer without one is generated as
// a 32-bit int by the common client generators (openapi-generator's Integer,
// NSwag's int), which cannot read an amount above 2^31−1 minor units
// (21,474,836.47 EUR) that the service accepts and answers. So every amount
// the document describes (the create request, the native session, 001's
// PaymentStatus) says int64 and the range, 0 to session.MaxAmount.
func TestOpenAPIAmountsAreInt64(t *testing.T) {
	found := 0
	walkMappings(loadYAML(t), "", func(k string, v *yaml.Node, p string) bool {
		if k == "amount" && v.Kind == yaml.MappingNode && scalar(v, "type") == "integer" {
			found++
			for _, want := range [][2]string{
				{"format", "int64"},
				{"minimum", "0"},
				{"maximum", strconv.FormatInt(session.MaxAmount, 10)},
			} {
				if got := scalar(v, want[0]); got != want[1] {
					t.Errorf("%s: %s %q; want %q", p, want[0], got, want[1])
				}
			}
		}
		return true
	})
	// The create request, the native session and 001's PaymentStatus.
	if found != 3 {
		t.Errorf("found %d amount schemas; want 3", found)
	}
}

// scalar is the text of the scalar member k of the mapping n, or "".
func scalar(n *yaml.Node, k string) string {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == k && n.Content[i+1].Kind == yaml.ScalarNode {
			return n.Content[i+1].Value
		}
	}
	return ""
}
