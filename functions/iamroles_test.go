package functions_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/app/apptest"
)

// TestFunctionRolesHoldOnlyTheirStatements: README ("Security") says
// "Each function's IAM policy reaches only the kinds of item its code
// touches", and docs/design.md gives each function "its own
// least-privilege IAM policy ... checked by a test". The checks that hold
// the template to the code (TestPermissionsAreExactlyWhatTheCodeCalls,
// TestPoliciesConfineEachFunctionToItsItems) read each statement's Action,
// Resource and LeadingKeys, and nothing else, so four edits passed every
// -short test of this package and cfn-lint:
//
//   - a statement with NotAction (Allow everything but DeleteTable on the
//     table: every item, every write) counted as no grant at all;
//   - a statement's Effect turned to Deny counted as the grant it denies
//     (post-session-event's one statement denied: every event AccessDenied
//     in AWS, a 503, while the tests said the policy grants what it needs);
//   - an AWS::IAM::Policy attached to a function's generated role
//     (Roles: [!Ref SessionV1FunctionRole], dynamodb:* on *) is outside
//     the function's Policies, where no test looked;
//   - a Condition on an index's Query statement (dynamodb:Select, say)
//     was read by no test, and one the code's Query does not meet is
//     AccessDenied in AWS.
//
// So: each statement of a function's inline policies allows (Effect
// Allow) with Action, Resource and, on the table only, a Condition; no function names
// its own Role (SAM's generated one holds exactly its Policies, beside the
// managed policies TestSAMManagedPoliciesAreTheReadmes names); nothing
// else in the template refers to a function's generated role; and the one
// shared policy, TableKeyUsePolicy, attaches to no role by itself (the
// functions list it in their Policies).
func TestFunctionRolesHoldOnlyTheirStatements(t *testing.T) {
	tpl := readTemplate(t)
	fns := resourcesOfType(tpl, "AWS::Serverless::Function")
	if len(fns) == 0 {
		t.Fatal("template.yaml has no AWS::Serverless::Function")
	}
	roles := map[string]string{} // generated role's logical id -> function's
	for id, r := range fns {
		roles[id+"Role"] = id
		if v := functionSetting(tpl, r, "Role"); v != nil {
			t.Errorf("%s: Role %v; want SAM's generated role, which holds exactly its Policies", id, v)
		}
		for _, p := range toAnys(apptest.Field("Properties", "Policies")(r)) {
			if isTableKeyPolicy(p) {
				continue
			}
			for i, s := range toAnys(apptest.Field("Statement")(p)) {
				st, _ := s.(map[string]any)
				keys := slices.Sorted(maps.Keys(st))
				for _, k := range keys {
					if !slices.Contains([]string{"Action", "Condition", "Effect", "Resource", "Sid"}, k) {
						t.Errorf("%s: statement %d has %s; want only Effect, Action, Resource and Condition (the tests read no other)", id, i, k)
					}
				}
				if st["Effect"] != "Allow" {
					t.Errorf("%s: statement %d has Effect %v; want Allow (the tests count every statement as a grant)", id, i, st["Effect"])
				}
				if len(toStrings(st["Action"])) == 0 || st["Resource"] == nil {
					t.Errorf("%s: statement %d has Action %v, Resource %v; want both", id, i, st["Action"], st["Resource"])
				}
				// TestPoliciesConfineEachFunctionToItsItems reads the
				// conditions of table statements only; one on an index's
				// Query (dynamodb:Select, dynamodb:Attributes) was read by
				// nothing, and one the code's Query does not meet is
				// AccessDenied in AWS.
				if apptest.Field("Resource", "Fn::Sub")(st) != nil && st["Condition"] != nil {
					t.Errorf("%s: statement %d on an index has Condition %v; want none (no test reads it)", id, i, st["Condition"])
				}
			}
		}
	}
	for id, r := range tpl["Resources"].(map[string]any) {
		if fn, ok := roles[id]; ok {
			t.Errorf("resource %s has the name SAM gives %s's generated role", id, fn)
		}
		if id == "TableKeyUsePolicy" {
			for _, k := range []string{"Roles", "Users", "Groups"} {
				if v := apptest.Field("Properties", k)(r); v != nil {
					t.Errorf("TableKeyUsePolicy: %s %v; want it attached only through the functions' Policies", k, v)
				}
			}
		}
		for _, name := range referredTo(r) {
			if fn, ok := roles[name]; ok {
				t.Errorf("%s refers to %s, %s's generated role: whatever it grants there is outside the function's Policies", id, name, fn)
			}
		}
	}
}

// referredTo lists the logical ids v names through Ref, Fn::GetAtt and
// Fn::Sub's ${...}.
func referredTo(v any) []string {
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				switch k {
				case "Ref":
					if s, ok := e.(string); ok {
						out = append(out, s)
					}
				case "Fn::GetAtt":
					switch g := e.(type) {
					case string:
						out = append(out, strings.SplitN(g, ".", 2)[0])
					case []any:
						if len(g) > 0 {
							if s, ok := g[0].(string); ok {
								out = append(out, s)
							}
						}
					}
				case "Fn::Sub":
					s, _ := e.(string)
					if l, ok := e.([]any); ok && len(l) > 0 {
						s, _ = l[0].(string)
					}
					for _, part := range strings.Split(s, "${")[1:] {
						name, _, _ := strings.Cut(part, "}")
						out = append(out, strings.SplitN(name, ".", 2)[0])
					}
				}
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}
