package functions_test

import (
	"testing"

	"github.com/paysessions/paysessions/shared/app/apptest"
)

// TestListShardsIsFixedByTheTemplate: docs/design.md §8, "`LIST_SHARDS` is
// fixed by the template: lowering it would hide items" (§9: "`16`, fixed by
// the template").
// It is a literal in the globals, not a parameter a deploy could lower, and
// no function sets its own: a function that wrote or listed with another
// count than the rest would hide sessions from the list.
func TestListShardsIsFixedByTheTemplate(t *testing.T) {
	tpl := readTemplate(t)
	v := apptest.Field("Globals", "Function", "Environment", "Variables", "LIST_SHARDS")(tpl)
	if _, literal := v.(string); !literal {
		t.Errorf("Globals LIST_SHARDS = %v; want a literal (a parameter or an intrinsic lets a deploy change it)", v)
	}
	for _, typ := range []string{"AWS::Serverless::Function", "AWS::Lambda::Function"} {
		for id, r := range resourcesOfType(tpl, typ) {
			if own := apptest.Field("Properties", "Environment", "Variables", "LIST_SHARDS")(r); own != nil {
				t.Errorf("%s sets its own LIST_SHARDS (%v); want only the globals'", id, own)
			}
		}
	}
}
