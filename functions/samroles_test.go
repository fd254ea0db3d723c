package functions_test

import (
	"strings"
	"testing"
)

// TestSAMManagedPoliciesAreTheReadmes: README's Deploy list gives each
// function "a least-privilege policy (the DynamoDB actions its code
// calls, ...)", and its role holds more than that policy. A function
// without its own Role gets the role SAM generates, to which SAM's
// translator attaches AWS's managed AWSLambdaBasicExecutionRole
// (logs:CreateLogGroup, logs:CreateLogStream and logs:PutLogEvents on
// Resource "*": every log group of the account, the API's access log and
// the other functions' groups included) and, for Tracing: Active,
// AWSXrayWriteOnlyAccess (the expanded template of samtranslator 1.110.0
// lists both in every function role's ManagedPolicyArns). The README
// named neither, so the deployed roles were wider than the stack's
// description said. This holds README to what the template makes SAM add.
func TestSAMManagedPoliciesAreTheReadmes(t *testing.T) {
	text := readmeWords(t)
	tpl := readTemplate(t)
	var generated, traced bool
	for _, fn := range resourcesOfType(tpl, "AWS::Serverless::Function") {
		if functionSetting(tpl, fn, "Role") == nil {
			generated = true
			if functionSetting(tpl, fn, "Tracing") == "Active" {
				traced = true
			}
		}
	}
	for _, tt := range []struct {
		policy string
		added  bool
	}{
		{"AWSLambdaBasicExecutionRole", generated},
		{"AWSXrayWriteOnlyAccess", traced},
	} {
		if got := strings.Contains(text, tt.policy); got != tt.added {
			t.Errorf("README names %s: got %v; want %v (SAM attaches it to a generated role: %v)", tt.policy, got, tt.added, tt.added)
		}
	}
}
