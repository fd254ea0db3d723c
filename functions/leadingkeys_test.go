package functions_test

import (
	"slices"
	"testing"

	"github.com/paysessions/paysessions/shared/app/apptest"
)

// TestPoliciesConfineEachFunctionToItsItems: each function may use the
// table's actions only on the kinds of item its code touches (itemKinds,
// which the bootstrap and family-path tests hold the real requests to).
// Actions and resources alone let every function reach every item of the
// one table: delete-api-key could rewrite a session, the sweeper or the
// processors' event function could mint or revive a merchant's API key,
// and a read-only dialect function could read API key hashes. IAM's
// dynamodb:LeadingKeys condition ("the partition key values of the items
// the request acts on") closes that: every statement on the table carries
// ForAllValues:StringLike on it with exactly the kinds its actions need.
// Queries of an index are confined by the index's ARN instead (their
// leading keys are the index's partition keys).
func TestPoliciesConfineEachFunctionToItsItems(t *testing.T) {
	tpl := readTemplate(t)
	byID := functionOf(t, tpl)
	for id, r := range resourcesOfType(tpl, "AWS::Serverless::Function") {
		dir, ok := byID[id]
		if !ok {
			continue
		}
		want := itemKinds[dir]
		if want == nil {
			t.Errorf("functions/%s has no entry in itemKinds (iam_test.go)", dir)
			continue
		}
		covered := map[string]bool{}
		policies, _ := apptest.Field("Properties", "Policies")(r).([]any)
		for _, p := range policies {
			if isTableKeyPolicy(p) {
				continue
			}
			stmts, _ := apptest.Field("Statement")(p).([]any)
			for _, s := range stmts {
				if apptest.Field("Resource", "Fn::Sub")(s) != nil {
					continue // an index: TestPermissionsAreExactlyWhatTheCodeCalls
				}
				var got []string
				if c, ok := apptest.Field("Condition")(s).(map[string]any); ok && len(c) == 1 {
					if ops, ok := c["ForAllValues:StringLike"].(map[string]any); ok && len(ops) == 1 {
						got = toStrings(ops["dynamodb:LeadingKeys"])
					}
				}
				slices.Sort(got)
				for _, a := range toStrings(apptest.Field("Action")(s)) {
					covered[a] = true
					var kinds []string
					for _, k := range want[a] {
						kinds = append(kinds, k+"*")
					}
					slices.Sort(kinds)
					if len(kinds) == 0 || !slices.Equal(got, kinds) {
						t.Errorf("%s: %s on the table is confined to %v (Condition %v); want ForAllValues:StringLike dynamodb:LeadingKeys %v", id, a, got, apptest.Field("Condition")(s), kinds)
					}
				}
			}
		}
		for a := range want {
			if !covered[a] {
				t.Errorf("%s: itemKinds names %s, which no statement on the table grants", id, a)
			}
		}
	}
}
