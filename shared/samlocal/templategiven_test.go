package samlocal

import (
	"os"
	"path/filepath"
	"testing"
)

// TestStackRunsTheTemplateItIsGiven: Options.Template is the template a
// caller has read once for many stacks (apitarget's tests start one per
// test; reading it ran make -n for every function, about 2 s of each
// start on a loaded machine). A stack given it reads neither template.yaml
// nor the Makefile: started on a folder holding only events/env.json, it
// serves the given template's routes through its functions.
func TestStackRunsTheTemplateItIsGiven(t *testing.T) {
	tpl, err := ReadTemplate(testStack)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "events"), 0o755); err != nil {
		t.Fatal(err)
	}
	env, err := os.ReadFile(filepath.Join(testStack, "events", "env.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "events", "env.json"), env, 0o600); err != nil {
		t.Fatal(err)
	}
	bins, _ := testBootstraps(t)
	s, _ := startTestStackWith(t, bins, 1, nil, func(o *Options) { o.Dir, o.Template = dir, tpl })
	r := send(t, "GET", s.URL+"/items/abc", nil)
	if got, want := r.status, 200; got != want {
		t.Fatalf("GET /items/abc = %d; want %d", got, want)
	}
	if got, want := decodeEcho(t, r).Event.RouteKey, "GET /items/{itemId}"; got != want {
		t.Errorf("routeKey = %q; want %q", got, want)
	}
}
