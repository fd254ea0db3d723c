package functions_test

import (
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/app/apptest"
)

// nameProperties are the properties by which a CloudFormation resource of
// the template's kinds is given a physical name of its own choosing, one
// that must be unique in the account and region.
var nameProperties = []string{"LogGroupName", "FunctionName", "TableName", "RoleName", "AlarmName", "FilterName", "Name", "TopicName", "QueueName", "ScheduleName"}

// TestTwoStacksFitOneAccount: a second stack of the template (a staging
// stack beside production, make deploy with another stack_name) deploys in
// the same account and region. Every physical name the template sets holds
// ${AWS::StackName}; the others CloudFormation generates, unique per stack.
//
// A ScheduleV2 event is the trap: "If you don't specify a name, AWS SAM
// generates a name in the format Function-Logical-IDEvent-Source-Name and
// uses that ID for the schedule name" (AWS SAM Developer Guide, ScheduleV2,
// Name), the same in every stack, and a schedule's name is unique in its
// schedule group, so the second stack's create failed ("<function-event>
// already exists in stack ...", aws/serverless-application-model#3109).
// "OmitName: true" leaves the name to CloudFormation.
func TestTwoStacksFitOneAccount(t *testing.T) {
	tpl := readTemplate(t)
	for id, r := range tpl["Resources"].(map[string]any) {
		for _, p := range nameProperties {
			v := apptest.Field("Properties", p)(r)
			if v == nil {
				continue
			}
			// A Ref to one of the template's resources names that
			// resource (a metric filter's log group), not a new one.
			if ref, ok := apptest.Field("Ref")(v).(string); ok && apptest.Field("Resources", ref)(tpl) != nil {
				continue
			}
			if !namedForStack(v) {
				t.Errorf("%s: %s = %v; want a name holding ${AWS::StackName} (or none: CloudFormation's own)", id, p, v)
			}
		}
		if apptest.Field("Type")(r) != "AWS::Serverless::Function" {
			continue
		}
		events, _ := apptest.Field("Properties", "Events")(r).(map[string]any)
		for name, ev := range events {
			typ := apptest.Field("Type")(ev)
			if typ != "ScheduleV2" {
				continue
			}
			if n := apptest.Field("Properties", "Name")(ev); n != nil {
				if !namedForStack(n) {
					t.Errorf("%s.%s: Name = %v; want a name holding ${AWS::StackName}", id, name, n)
				}
				continue
			}
			if om := apptest.Field("Properties", "OmitName")(ev); om != "true" && om != true {
				t.Errorf("%s.%s: a ScheduleV2 event with no Name and OmitName %v; SAM names its schedule %s%s in every stack, so a second stack in the account cannot create it: want OmitName: true", id, name, om, id, name)
			}
		}
	}
}

// namedForStack reports whether a name property's value holds the stack's
// name: a !Sub whose template names ${AWS::StackName}.
func namedForStack(v any) bool {
	sub := apptest.Field("Fn::Sub")(v)
	if l, ok := sub.([]any); ok && len(l) > 0 {
		sub = l[0]
	}
	s, ok := sub.(string)
	return ok && strings.Contains(s, "${AWS::StackName}")
}
