package auth

import (
	"slices"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwt"
)

// TestScopesOfATokenBuiltInCode: scopesOf's []string branch, which a token
// parsed from text never reaches (jwx reads a JSON array as []any) but a
// token built in code (jwt.New, Set) does, holds every element to one RFC
// 6749 §3.3 scope-token as the []any branch does, and agrees with scope.
// README: "every scope must be an RFC 6749 scope-token (printable ASCII
// but `"` and `\`): a tab, line break, NBSP or other character in `scope`
// or `scp` is 401, never a second scope". (r90-mutate: the []string branch without its
// validScopeToken check passed every test, since every other test signs
// and parses its token.)
func TestScopesOfATokenBuiltInCode(t *testing.T) {
	for _, tt := range []struct {
		name   string
		claims map[string]any
		want   []string // nil: refused
	}{
		{"scp []string", map[string]any{"scp": []string{"sessions:read", "sessions:write"}}, []string{"sessions:read", "sessions:write"}},
		{"scp []string beside scope", map[string]any{"scope": "sessions:write sessions:read", "scp": []string{"sessions:read", "sessions:write"}}, []string{"sessions:write", "sessions:read"}},
		{"scp []string with a tab", map[string]any{"scp": []string{"sessions:read", "x\tsessions:process"}}, nil},
		{"scp []string with a space", map[string]any{"scp": []string{"x sessions:process"}}, nil},
		{"scp []string with an empty element", map[string]any{"scp": []string{"", "sessions:read"}}, nil},
		{"scp []string with a quote", map[string]any{"scp": []string{`sessions:"read"`}}, nil},
		{"scp []string naming other scopes than scope", map[string]any{"scope": "sessions:read", "scp": []string{"sessions:process"}}, nil},
	} {
		tok := jwt.New()
		for k, v := range tt.claims {
			if err := tok.Set(k, v); err != nil {
				t.Fatalf("%s: Set(%s) = %v", tt.name, k, err)
			}
		}
		got, err := scopesOf(tok)
		switch {
		case tt.want == nil && err == nil:
			t.Errorf("%s: scopesOf = %q; want refused", tt.name, got)
		case tt.want != nil && (err != nil || !slices.Equal(got, tt.want)):
			t.Errorf("%s: scopesOf = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}
