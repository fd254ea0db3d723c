package functions_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/config"
)

// allowedPattern compiles a parameter's AllowedPattern. CloudFormation
// matches it against the whole value (Java regular expressions); the
// patterns here use only syntax Go's regexp reads the same way, anchored.
func allowedPattern(t *testing.T, tpl map[string]any, name string) *regexp.Regexp {
	t.Helper()
	pattern, _ := get(tpl, "Parameters", name, "AllowedPattern").(string)
	if pattern == "" {
		t.Fatalf("parameter %s has no AllowedPattern", name)
	}
	if !strings.HasPrefix(pattern, "^") || !strings.HasSuffix(pattern, "$") {
		t.Fatalf("parameter %s: AllowedPattern %q is not anchored", name, pattern)
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		t.Fatalf("parameter %s: AllowedPattern %q: %v", name, pattern, err)
	}
	return re
}

// TestTableKmsKeyArnIsAKeyARN: the parameter is used twice, as the table's
// KMSMasterKeyId (which takes a key id, key ARN, alias name or alias ARN)
// and as the Resource of TableKeyUsePolicy, the functions' grant to use
// the key. "To specify a KMS key in an IAM policy statement, you must use
// its key ARN. You cannot use a key id, alias name, or alias ARN to
// identify a KMS key in an IAM policy statement" (AWS KMS Developer Guide,
// "Specifying KMS keys in IAM policy statements"): given anything but a
// key ARN the stack deployed, the table was encrypted with the key, and
// every function was denied it, so every request failed. Only a key ARN
// (or empty, for aws/dynamodb) is admitted.
func TestTableKmsKeyArnIsAKeyARN(t *testing.T) {
	re := allowedPattern(t, readTemplate(t), "TableKmsKeyArn")
	for v, want := range map[string]bool{
		"": true,
		"arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab":            true,
		"arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab":            true, // multi-Region key
		"arn:aws-cn:kms:cn-north-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab":        true,
		"arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab": true,
		"1234abcd-12ab-34cd-56ef-1234567890ab":                                                   false, // key id
		"alias/paysessions":                                                                      false, // alias name
		"arn:aws:kms:eu-west-1:111122223333:alias/paysessions":                                   false, // alias ARN
		"arn:aws:kms:eu-west-1:111122223333:key/*":                                               false,
		"*": false,
		"arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab ": false,
		" arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab": false,
		"arn:aws:kms:eu-west-1:11112222333:key/1234abcd-12ab-34cd-56ef-1234567890ab":   false, // 11-digit account
	} {
		if got := re.MatchString(v); got != want {
			t.Errorf("TableKmsKeyArn %q: admitted %v; want %v", v, got, want)
		}
	}
}

// startsWith reports whether an API function starts with the JWT
// settings set to the given values (config.Load, then RequireJWT, as
// app.MustLoadAPI does), and reads each exactly as given.
func startsWith(jwksURL, issuer, audience string) bool {
	env := map[string]string{"TABLE_NAME": "sessions", "JWKS_URL": jwksURL, "JWT_ISSUER": issuer, "JWT_AUDIENCE": audience}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err == nil {
		err = cfg.RequireJWT()
	}
	return err == nil && cfg.JWKSURL == jwksURL && cfg.JWTIssuer == issuer && cfg.JWTAudience == audience
}

// TestJWTParametersAreWhatTheFunctionsStartWith: a JwksUrl, JwtIssuer or
// JwtAudience the stack admits is one every API function starts with, read
// as given. Before, the stack admitted values (a stray %, a bad port, a
// control character in JwksUrl; a blank or space-padded issuer or audience)
// that deployed fine and then failed all twelve API functions at init
// (every request a 500), or that the functions read trimmed, so tokens
// were checked against another value than the one deployed.
func TestJWTParametersAreWhatTheFunctionsStartWith(t *testing.T) {
	tpl := readTemplate(t)
	const (
		goodURL = "https://id.example/.well-known/jwks.json"
		goodIss = "https://id.example/"
		goodAud = "paysessions"
	)
	urls := []string{
		goodURL, "https://id.example:8443/keys", "https://id.example", "https://[2001:db8::1]/keys",
		"https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC/.well-known/jwks.json",
		"https://id.example/keys?tenant=a%20b", "https://id.example/keys#frag",
		"https://%zz/keys", "https://id.example/%zz", "https://id.example:abc/keys", "https://[::1/keys",
		"https://id.example/k\x7f", "https://id\x01.example/keys", "https://id.example/k\teys",
		"https://id.example/k%", "https://id.example/ké",
	}
	texts := []string{
		"x", goodIss, "api://paysessions", "a b",
		" ", "  ", "\t", " " + goodIss, goodIss + " ", goodIss + "\n", "\u00a0",
	}
	url := allowedPattern(t, tpl, "JwksUrl")
	for _, u := range urls {
		if admitted := url.MatchString(u); admitted && !startsWith(u, goodIss, goodAud) {
			t.Errorf("JwksUrl %q: the stack admits it, but the API functions refuse it at init (or read it changed)", u)
		}
	}
	if !url.MatchString(goodURL) {
		t.Errorf("JwksUrl %q refused", goodURL)
	}
	for _, p := range []string{"JwtIssuer", "JwtAudience"} {
		re := allowedPattern(t, tpl, p)
		for _, v := range texts {
			iss, aud := goodIss, goodAud
			if p == "JwtIssuer" {
				iss = v
			} else {
				aud = v
			}
			if admitted := re.MatchString(v); admitted && !startsWith(goodURL, iss, aud) {
				t.Errorf("%s %q: the stack admits it, but the API functions refuse it at init (or read it changed)", p, v)
			}
		}
		if !re.MatchString("x") || !re.MatchString(goodIss) {
			t.Errorf("%s: a plain value is refused", p)
		}
	}
}
