package functions_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/app/apptest"
	"github.com/paysessions/paysessions/shared/doctext"
)

// truthy is how SAM CLI, in Python, reads a property it only tests for
// presence (`if event.get("Properties", {}).get("Auth", False)`): absent,
// an empty map, list or string, and YAML's false are false.
func truthy(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case map[string]any:
		return len(v) > 0
	case []any:
		return len(v) > 0
	case string:
		return v != "" && v != "false" && v != "False"
	}
	return true
}

// unauthorisedHttpAPIEvents is what SAM CLI's `sam deploy --guided` asks
// about (samcli/commands/deploy/auth_utils.py, auth_per_resource): each
// HttpApi event of a function that has no Auth of its own and whose API
// has neither Auth nor a DefinitionBody with a security requirement. It
// asks "<function> has no authentication. Is this okay? [y/N]" (since
// SAM CLI 1.86.0) once for each such event, and its default, N, stops the deploy
// (samcli/commands/deploy/guided_context.py, prompt_authorization:
// GuidedDeployFailedError "Security Constraints Not Satisfied!").
func unauthorisedHttpAPIEvents(tpl map[string]any) (events int, functions []string) {
	resources := tpl["Resources"].(map[string]any)
	for id, fn := range resourcesOfType(tpl, "AWS::Serverless::Function") {
		evs, _ := apptest.Field("Properties", "Events")(fn).(map[string]any)
		for _, ev := range evs {
			if apptest.Field("Type")(ev) != "HttpApi" || truthy(apptest.Field("Properties", "Auth")(ev)) {
				continue
			}
			api, _ := resources[fmt.Sprint(apptest.Field("Properties", "ApiId", "Ref")(ev))].(map[string]any)
			if truthy(apptest.Field("Properties", "Auth")(api)) || strings.Contains(fmt.Sprint(apptest.Field("Properties", "DefinitionBody")(api)), "security") {
				continue
			}
			events++
			if !slices.Contains(functions, id) {
				functions = append(functions, id)
			}
		}
	}
	return events, functions
}

// TestGuidedDeployAuthorizationPromptIsTheReadmes: issue 5 promises "from
// clone to a deployed stack with `sam build && sam deploy --guided` ...
// with nothing surprising on the way". The API has no API Gateway
// authorizer on purpose (README, "Auth": credentials are checked in every
// function), so `sam deploy --guided` asks, once per HttpApi event, whether
// that is okay, defaulting to no: a first deployer who presses Enter
// through the prompts, as for the parameters before them, ends with
// "Security Constraints Not Satisfied!" and nothing deployed. README's
// Deploy section must say so, with the number of prompts the template
// makes.
func TestGuidedDeployAuthorizationPromptIsTheReadmes(t *testing.T) {
	events, functions := unauthorisedHttpAPIEvents(readTemplate(t))
	if events == 0 {
		t.Fatalf("no HttpApi event without an authorizer: the test tests nothing (or the API now has an authorizer: update README's Deploy section)")
	}
	deploy := doctext.Section(t, "Deploy")
	if i := strings.Index(deploy, "## sam local"); i >= 0 {
		deploy = deploy[:i]
	}
	deploy = strings.ReplaceAll(deploy, "`", "")
	for _, want := range []string{
		"has no authentication. Is this okay? [y/N]",
		"Security Constraints Not Satisfied!",
		fmt.Sprintf("%d times", events),
	} {
		if !strings.Contains(deploy, want) {
			t.Errorf("README's Deploy section does not say %q; want the guided deploy's authorization prompt (%d HttpApi events of %d functions have no authorizer) described", want, events, len(functions))
		}
	}
}
