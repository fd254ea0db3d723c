package docs_test

import (
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// Document 002 on its `hosted` member: "When true, the provider
// configuration contains a checkout URL for redirecting the customer. When
// false, it contains a client secret for rendering an embedded payment
// widget." The service stores `provider` as the merchant wrote it, so the
// examples the merchant learns from (the README and docs/openapi.yaml) are
// the only place that shape is taught: a 002 client that redirects a hosted
// session's customer finds a checkout URL there, and one that renders the
// widget a client secret.
const doc002Hosted = "When true, the provider configuration contains a checkout URL for redirecting the customer. When false, it contains a client secret for rendering an embedded payment widget."

// providerShapeErrors returns what breaks doc002Hosted in v, a decoded
// JSON or YAML value, at any depth: an object holding both `hosted` and a
// non-empty `provider` object whose provider is the other mode's.
func providerShapeErrors(where string, v any) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		hosted, okH := v["hosted"].(bool)
		provider, okP := v["provider"].(map[string]any)
		if okH && okP && len(provider) > 0 {
			_, secret := provider["clientSecret"]
			switch {
			case hosted && (secret || !holdsURL(provider)):
				out = append(out, where+": hosted true with provider "+shown(provider)+"; want a checkout URL, no client secret")
			case !hosted && !secret:
				out = append(out, where+": hosted false with provider "+shown(provider)+"; want a client secret")
			}
		}
		for k, m := range v {
			out = append(out, providerShapeErrors(where+"."+k, m)...)
		}
	case []any:
		for _, m := range v {
			out = append(out, providerShapeErrors(where, m)...)
		}
	}
	return out
}

// holdsURL reports whether one of provider's values is an absolute https URL.
func holdsURL(provider map[string]any) bool {
	for _, v := range provider {
		if s, ok := v.(string); ok {
			if u, err := url.Parse(s); err == nil && u.Scheme == "https" && u.Host != "" {
				return true
			}
		}
	}
	return false
}

func shown(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// jsonObjects returns every JSON object in text: each '{' from which one
// whole JSON value decodes (a request body inside a shell string, an answer
// in a code block).
func jsonObjects(text string) []any {
	var out []any
	for i := strings.IndexByte(text, '{'); i >= 0; {
		dec := json.NewDecoder(strings.NewReader(text[i:]))
		var v any
		if err := dec.Decode(&v); err == nil {
			out = append(out, v)
		}
		next := strings.IndexByte(text[i+1:], '{')
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return out
}

// TestExamplesFollowDocument002Provider: doc002Hosted, in every example of
// the README (request bodies and answers) and of docs/openapi.yaml.
func TestExamplesFollowDocument002Provider(t *testing.T) {
	t.Logf("document 002: %q", doc002Hosted)
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, v := range jsonObjects(string(readme)) {
		if m, ok := v.(map[string]any); ok && m["hosted"] != nil && m["provider"] != nil {
			seen++
		}
		for _, e := range providerShapeErrors("README.md", v) {
			t.Error(e)
		}
	}
	spec, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := yaml.NewDecoder(bytes.NewReader(spec)).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	for _, e := range providerShapeErrors("openapi.yaml", doc) {
		t.Error(e)
	}
	// The README's walkthrough creates a hosted session with a provider
	// and shows it through 002: both are examples this test must read.
	if seen < 2 {
		t.Errorf("README.md: %d examples with hosted and provider; want the walkthrough's create and its 002 answer", seen)
	}
}
