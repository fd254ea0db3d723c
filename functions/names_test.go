package functions_test

import (
	"strings"
	"testing"
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
			v := get(r, "Properties", p)
			if v == nil {
				continue
			}
			// A Ref to one of the template's resources names that
			// resource (a metric filter's log group), not a new one.
			if ref, ok := get(v, "Ref").(string); ok && get(tpl, "Resources", ref) != nil {
				continue
			}
			if !namedForStack(v) {
				t.Errorf("%s: %s = %v; want a name holding ${AWS::StackName} (or none: CloudFormation's own)", id, p, v)
			}
		}
		if get(r, "Type") != "AWS::Serverless::Function" {
			continue
		}
		events, _ := get(r, "Properties", "Events").(map[string]any)
		for name, ev := range events {
			typ := get(ev, "Type")
			if typ != "ScheduleV2" {
				continue
			}
			if n := get(ev, "Properties", "Name"); n != nil {
				if !namedForStack(n) {
					t.Errorf("%s.%s: Name = %v; want a name holding ${AWS::StackName}", id, name, n)
				}
				continue
			}
			if om := get(ev, "Properties", "OmitName"); om != "true" && om != true {
				t.Errorf("%s.%s: a ScheduleV2 event with no Name and OmitName %v; SAM names its schedule %s%s in every stack, so a second stack in the account cannot create it: want OmitName: true", id, name, om, id, name)
			}
		}
	}
}

// namedForStack reports whether a name property's value holds the stack's
// name: a !Sub whose template names ${AWS::StackName}.
func namedForStack(v any) bool {
	sub := get(v, "Fn::Sub")
	if l, ok := sub.([]any); ok && len(l) > 0 {
		sub = l[0]
	}
	s, ok := sub.(string)
	return ok && strings.Contains(s, "${AWS::StackName}")
}
