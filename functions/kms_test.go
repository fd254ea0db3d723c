package functions_test

import (
	"slices"
	"testing"

	"github.com/paysessions/paysessions/shared/app/apptest"
)

// isTableKeyPolicy reports whether a function's Policies entry is the
// customer-managed-key policy, attached only when the stack has one:
// !If [HasTableKey, !Ref TableKeyUsePolicy, !Ref AWS::NoValue].
func isTableKeyPolicy(p any) bool {
	l, ok := apptest.Field("Fn::If")(p).([]any)
	return ok && len(l) == 3 && l[0] == "HasTableKey" &&
		apptest.Field("Ref")(l[1]) == "TableKeyUsePolicy" && apptest.Field("Ref")(l[2]) == "AWS::NoValue"
}

// TestTableKeyIsUsableByEveryFunction: with TableKmsKeyArn set, every
// function may use that key, and only through DynamoDB. AWS's own key for
// DynamoDB (aws/dynamodb) lets "all principals in the account that are
// authorized to use Amazon DynamoDB" use it with the condition
// kms:ViaService dynamodb.<region>.amazonaws.com; a customer managed key's
// policy need not say so (a new key's default policy only enables IAM
// policies), and without a grant of their own the functions' reads and
// writes would fail on every request. The grant mirrors that statement
// without kms:CreateGrant, which only the table's creator needs.
func TestTableKeyIsUsableByEveryFunction(t *testing.T) {
	tpl := readTemplate(t)
	for id, r := range resourcesOfType(tpl, "AWS::Serverless::Function") {
		policies, _ := apptest.Field("Properties", "Policies")(r).([]any)
		if !slices.ContainsFunc(policies, isTableKeyPolicy) {
			t.Errorf("%s: Policies %v; want !If [HasTableKey, !Ref TableKeyUsePolicy, !Ref AWS::NoValue]", id, policies)
		}
	}
	pol := apptest.Field("Resources", "TableKeyUsePolicy")(tpl)
	if got := apptest.Field("Type")(pol); got != "AWS::IAM::ManagedPolicy" {
		t.Fatalf("TableKeyUsePolicy type %v; want AWS::IAM::ManagedPolicy", got)
	}
	if got := apptest.Field("Condition")(pol); got != "HasTableKey" {
		t.Errorf("TableKeyUsePolicy condition %v; want HasTableKey", got)
	}
	stmts, _ := apptest.Field("Properties", "PolicyDocument", "Statement")(pol).([]any)
	if len(stmts) != 1 {
		t.Fatalf("TableKeyUsePolicy has %d statements; want 1", len(stmts))
	}
	s := stmts[0]
	want := []string{"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"}
	got := slices.Sorted(slices.Values(toStrings(apptest.Field("Action")(s))))
	if apptest.Field("Effect")(s) != "Allow" || !slices.Equal(got, want) {
		t.Errorf("TableKeyUsePolicy allows %v (%v); want Allow %v", got, apptest.Field("Effect")(s), want)
	}
	if got := apptest.Field("Resource", "Ref")(s); got != "TableKmsKeyArn" {
		t.Errorf("TableKeyUsePolicy resource %v; want the key, !Ref TableKmsKeyArn", apptest.Field("Resource")(s))
	}
	if got := apptest.Field("Condition", "StringEquals", "kms:ViaService", "Fn::Sub")(s); got != "dynamodb.${AWS::Region}.amazonaws.com" {
		t.Errorf("TableKeyUsePolicy kms:ViaService %v; want dynamodb.${AWS::Region}.amazonaws.com (the key through DynamoDB only)", got)
	}
}
