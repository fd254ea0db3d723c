package session

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestNewKeepsEveryDraftField: docs/design.md §3, the canonical session is
// "the union of what the five status APIs expose", and a Draft is "every
// settable field of the canonical session": each field a merchant sets on
// create is the session's, under the same JSON name. TestNew held the
// money and orderId only, so a New that dropped metadata or
// parentSessionId passed every test of this package (r94-mutate). Every
// field of Draft is set here (found by reflection, so a field added later
// is held too) and must come back in the new session's JSON.
func TestNewKeepsEveryDraftField(t *testing.T) {
	d := &Draft{}
	v := reflect.ValueOf(d).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		name := v.Type().Field(i).Name
		switch {
		case f.Type() == reflect.TypeFor[ParentID]():
			f.SetString("5f0c3b9e-8a41-4d7c-b2e6-1c9d0a7f3e52")
		case f.Type() == reflect.TypeFor[json.RawMessage]():
			f.SetBytes([]byte(`{"field":"` + name + `"}`))
		case f.Kind() == reflect.String:
			f.SetString("v-" + name)
		case f.Kind() == reflect.Bool:
			f.SetBool(true)
		case f.Type() == reflect.TypeFor[*int64]():
			f.Set(reflect.ValueOf(amount(4200)))
		case f.Type() == reflect.TypeFor[[]string]():
			f.Set(reflect.ValueOf([]string{"c-" + name}))
		case f.Type() == reflect.TypeFor[map[string]string]():
			f.Set(reflect.ValueOf(map[string]string{"k": "v-" + name}))
		default:
			t.Fatalf("Draft.%s: a field of type %s the test cannot set", name, f.Type())
		}
	}
	s := New(d, "m-1", "38ecb39d-ea98-443f-94d3-557404881d37", "tok", t0, DefaultPolicy)
	asMap := func(x any) map[string]any {
		b, err := json.Marshal(x)
		if err != nil {
			t.Fatalf("json.Marshal(%T) = %v", x, err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("json.Unmarshal(%s) = %v", b, err)
		}
		return m
	}
	draft, got := asMap(d), asMap(s)
	for k, want := range draft {
		if !reflect.DeepEqual(got[k], want) {
			t.Errorf("session %s: got %v; want %v (the draft's)", k, got[k], want)
		}
	}
}
