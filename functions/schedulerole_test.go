package functions_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/paysessions/paysessions/shared/app/apptest"
)

// TestScheduleRolesAreConfinedToTheirSchedules: the role EventBridge
// Scheduler assumes to run a ScheduleV2 event is the template's own, with
// AWS's confused-deputy conditions in its trust policy, and it may do one
// thing, invoke its function.
//
// Without a RoleArn, SAM generates the role, and its trust policy lets
// scheduler.amazonaws.com assume it with no condition at all. "We
// recommend using the aws:SourceArn and aws:SourceAccount global condition
// context keys in your schedule execution role" (EventBridge Scheduler User
// Guide, "Confused deputy prevention"); there "The value of aws:SourceArn
// must be your EventBridge Scheduler schedule group ARN", and "Do not scope
// the aws:SourceArn statement to a specific schedule or a schedule name
// prefix. The ARN you specify must be a schedule group." So the trust
// policy names the schedule's own group (its GroupName, else default) in
// this account and Region, exactly, and this account. (The schedule's own
// ARN would be circular besides: the schedule names the role, and its name
// is CloudFormation's, OmitName.)
//
// Its one permission is lambda:InvokeFunction on the function's
// unqualified ARN, the schedule's target, as SAM's generated role had: no
// managed policy, and no policy resource of the template attaches to it.
func TestScheduleRolesAreConfinedToTheirSchedules(t *testing.T) {
	tpl := readTemplate(t)
	schedules := 0
	for id, r := range resourcesOfType(tpl, "AWS::Serverless::Function") {
		events, _ := apptest.Field("Properties", "Events")(r).(map[string]any)
		for name, ev := range events {
			if apptest.Field("Type")(ev) != "ScheduleV2" {
				continue
			}
			schedules++
			ref := toStrings(apptest.Field("Properties", "RoleArn", "Fn::GetAtt")(ev))
			if len(ref) != 2 || ref[1] != "Arn" || apptest.Field("Resources", ref[0], "Type")(tpl) != "AWS::IAM::Role" {
				t.Errorf("%s.%s: RoleArn = %v; want !GetAtt <role>.Arn of an AWS::IAM::Role of the template (without one SAM generates a role whose trust has no condition)", id, name, apptest.Field("Properties", "RoleArn")(ev))
				continue
			}
			roleID := ref[0]
			role := apptest.Field("Resources", roleID, "Properties")(tpl)
			group := "default"
			if g := apptest.Field("Properties", "GroupName")(ev); g != nil {
				group = fmt.Sprint(g)
			}
			// The trust policy: one statement, Scheduler alone, this
			// account and the schedule's group.
			trust := toAnys(apptest.Field("AssumeRolePolicyDocument", "Statement")(role))
			wantCondition := map[string]any{"StringEquals": map[string]any{
				"aws:SourceAccount": map[string]any{"Ref": "AWS::AccountId"},
				"aws:SourceArn":     map[string]any{"Fn::Sub": "arn:${AWS::Partition}:scheduler:${AWS::Region}:${AWS::AccountId}:schedule-group/" + group},
			}}
			if len(trust) != 1 {
				t.Errorf("%s: trust policy has %d statements %v; want 1", roleID, len(trust), trust)
			} else {
				s := trust[0]
				principal, _ := apptest.Field("Principal")(s).(map[string]any)
				if apptest.Field("Effect")(s) != "Allow" || !slices.Equal(toStrings(apptest.Field("Action")(s)), []string{"sts:AssumeRole"}) ||
					len(principal) != 1 || !slices.Equal(toStrings(principal["Service"]), []string{"scheduler.amazonaws.com"}) {
					t.Errorf("%s: trust statement %v; want Allow sts:AssumeRole to the Service scheduler.amazonaws.com alone", roleID, s)
				}
				if got, want := jsonOf(apptest.Field("Condition")(s)), jsonOf(wantCondition); got != want {
					t.Errorf("%s: trust condition %s; want %s (the schedule's group, in this account)", roleID, got, want)
				}
			}
			// Its permissions: invoke the target, nothing else.
			for _, p := range []string{"ManagedPolicyArns", "PermissionsBoundary"} {
				if v := apptest.Field(p)(role); v != nil {
					t.Errorf("%s: %s = %v; want none (the role's one permission is its inline policy)", roleID, p, v)
				}
			}
			var stmts []any
			for _, p := range toAnys(apptest.Field("Policies")(role)) {
				stmts = append(stmts, toAnys(apptest.Field("PolicyDocument", "Statement")(p))...)
			}
			want := map[string]any{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": map[string]any{"Fn::GetAtt": []any{id, "Arn"}}}
			if len(stmts) != 1 || jsonOf(stmts[0]) != jsonOf(want) {
				t.Errorf("%s: permissions %s; want only %s (the schedule's target)", roleID, jsonOf(stmts), jsonOf(want))
			}
			for pid, pr := range tpl["Resources"].(map[string]any) {
				switch apptest.Field("Type")(pr) {
				case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy":
					for _, rr := range append(toAnys(apptest.Field("Properties", "Roles")(pr)), apptest.Field("Properties", "RoleName")(pr)) {
						if apptest.Field("Ref")(rr) == roleID {
							t.Errorf("%s attaches to %s: want the role's own inline policy alone", pid, roleID)
						}
					}
				}
			}
		}
	}
	if schedules == 0 {
		t.Fatal("template.yaml has no ScheduleV2 event: the sweeper's schedule is gone, or this test reads the template wrongly")
	}
}

// jsonOf is v as JSON (map keys sorted), to compare policy fragments.
func jsonOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("unmarshalable %v: %v", v, err)
	}
	return string(b)
}
