package auth

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
)

func TestZZRealJWKS(t *testing.T) {
	files, _ := filepath.Glob("/tmp/r60rev/jwks/*.json")
	for _, f := range files {
		body, _ := os.ReadFile(f)
		set, refused, err := parseJWKS(body)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		var logs bytes.Buffer
		v := NewJWTVerifier(JWTConfig{JWKSURL: "https://x.example/jwks", Issuer: "i", Audience: "a", Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
		keys := v.usable(set, refused)
		t.Logf("%s: %d of %d usable; %s", filepath.Base(f), len(keys), set.Len(), logs.String())
	}
}
