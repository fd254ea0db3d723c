package functions_test

import (
	"slices"
	"testing"
)

// isTableKeyPolicy reports whether a function's Policies entry is the
// customer-managed-key policy, attached only when the stack has one:
// !If [HasTableKey, !Ref TableKeyUsePolicy, !Ref AWS::NoValue].
func isTableKeyPolicy(p any) bool {
	l, ok := get(p, "Fn::If").([]any)
	return ok && len(l) == 3 && l[0] == "HasTableKey" &&
		get(l[1], "Ref") == "TableKeyUsePolicy" && get(l[2], "Ref") == "AWS::NoValue"
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
		policies, _ := get(r, "Properties", "Policies").([]any)
		if !slices.ContainsFunc(policies, isTableKeyPolicy) {
			t.Errorf("%s: Policies %v; want !If [HasTableKey, !Ref TableKeyUsePolicy, !Ref AWS::NoValue]", id, policies)
		}
	}
	pol := get(tpl, "Resources", "TableKeyUsePolicy")
	if got := get(pol, "Type"); got != "AWS::IAM::ManagedPolicy" {
		t.Fatalf("TableKeyUsePolicy type %v; want AWS::IAM::ManagedPolicy", got)
	}
	if got := get(pol, "Condition"); got != "HasTableKey" {
		t.Errorf("TableKeyUsePolicy condition %v; want HasTableKey", got)
	}
	stmts, _ := get(pol, "Properties", "PolicyDocument", "Statement").([]any)
	if len(stmts) != 1 {
		t.Fatalf("TableKeyUsePolicy has %d statements; want 1", len(stmts))
	}
	s := stmts[0]
	want := []string{"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"}
	got := slices.Sorted(slices.Values(toStrings(get(s, "Action"))))
	if get(s, "Effect") != "Allow" || !slices.Equal(got, want) {
		t.Errorf("TableKeyUsePolicy allows %v (%v); want Allow %v", got, get(s, "Effect"), want)
	}
	if got := get(s, "Resource", "Ref"); got != "TableKmsKeyArn" {
		t.Errorf("TableKeyUsePolicy resource %v; want the key, !Ref TableKmsKeyArn", get(s, "Resource"))
	}
	if got := get(s, "Condition", "StringEquals", "kms:ViaService", "Fn::Sub"); got != "dynamodb.${AWS::Region}.amazonaws.com" {
		t.Errorf("TableKeyUsePolicy kms:ViaService %v; want dynamodb.${AWS::Region}.amazonaws.com (the key through DynamoDB only)", got)
	}
}
