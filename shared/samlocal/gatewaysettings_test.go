package samlocal

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadTemplateRefusesGatewaySettingsItCannotServe: make start-api is
// "the template's API as AWS runs it", and its gateway serves one shape of
// HTTP API: the $default stage (rawPath is the path the client sent),
// routes from the functions' HttpApi events, no CORS, no authorizer, payload
// format 2.0 and the 30 s integration timeout. A template setting any of
// these otherwise is served differently on AWS, where every local test
// passed: a StageName puts "/<stage>" in front of rawPath (the functions'
// own routers answer every request 404), a CorsConfiguration has API
// Gateway answer preflights itself, an authorizer refuses requests before
// the function, a DefinitionBody routes by its own document, a
// PayloadFormatVersion "1.0" sends events the adapter cannot read, a
// TimeoutInMillis answers 503 sooner. Each is refused, naming the setting,
// as an unsupported event type or build method is; the settings it does
// serve ($default named, 2.0, 30000, Authorizer NONE) are read as before.
func TestReadTemplateRefusesGatewaySettingsItCannotServe(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(testStack, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	mk, err := os.ReadFile(filepath.Join(testStack, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	// apiProps and eventProps are where a row's lines go: the HttpApi's
	// Properties, and the first HttpApi event's (GET /items/{itemId}).
	const apiProps = "  Api:\n    Type: AWS::Serverless::HttpApi\n    Properties:\n"
	const eventProps = "            ApiId: !Ref Api\n            Method: GET\n            Path: /items/{itemId}\n"
	for _, tt := range []struct {
		name, at, lines string
		refused         bool
	}{
		{"the template as it is", apiProps, "", false},
		{"StageName $default", apiProps, "      StageName: $default\n", false},
		{"StageName prod", apiProps, "      StageName: prod\n", true},
		{"StageName from a parameter", apiProps, "      StageName: !Ref Greeting\n", true},
		{"CorsConfiguration", apiProps, "      CorsConfiguration:\n        AllowOrigins: ['*']\n", true},
		{"CorsConfiguration true", apiProps, "      CorsConfiguration: true\n", true},
		{"a JWT authorizer", apiProps, "      Auth:\n        DefaultAuthorizer: Jwt\n        Authorizers:\n          Jwt:\n            IdentitySource: $request.header.Authorization\n            JwtConfiguration:\n              issuer: https://issuer.example\n              audience: [a]\n", true},
		{"a DefinitionBody", apiProps, "      DefinitionBody:\n        openapi: 3.0.1\n", true},
		{"a DefinitionUri", apiProps, "      DefinitionUri: api.yaml\n", true},
		{"PayloadFormatVersion 2.0", eventProps, "            PayloadFormatVersion: \"2.0\"\n", false},
		{"PayloadFormatVersion 1.0", eventProps, "            PayloadFormatVersion: \"1.0\"\n", true},
		{"TimeoutInMillis 30000", eventProps, "            TimeoutInMillis: 30000\n", false},
		{"TimeoutInMillis 5000", eventProps, "            TimeoutInMillis: 5000\n", true},
		{"an event's Authorizer NONE", eventProps, "            Auth:\n              Authorizer: NONE\n", false},
		{"an event's authorizer", eventProps, "            Auth:\n              Authorizer: Jwt\n", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if strings.Count(string(raw), tt.at) != 1 {
				t.Fatalf("the test template has %d places for the row's lines; want 1", strings.Count(string(raw), tt.at))
			}
			dir := t.TempDir()
			tpl := strings.Replace(string(raw), tt.at, tt.at+tt.lines, 1)
			if err := os.WriteFile(filepath.Join(dir, "template.yaml"), []byte(tpl), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "Makefile"), mk, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ReadTemplate(dir)
			if got := err != nil; got != tt.refused {
				t.Fatalf("ReadTemplate refused: got %v (%v); want %v", got, err, tt.refused)
			}
			if tt.refused && !errors.Is(err, errUnsupportedGateway) {
				t.Errorf("error: got %v; want one wrapping errUnsupportedGateway", err)
			}
		})
	}
}
