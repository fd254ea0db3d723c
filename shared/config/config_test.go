package config

import (
	"log/slog"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadDefaults(t *testing.T) {
	c, err := Load(env(map[string]string{"TABLE_NAME": "sessions"}))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{TableName: "sessions", SessionExpiry: 30 * time.Minute, ResultRetention: 15 * time.Minute, ExpiryShards: 64, ListShards: 16, LogLevel: slog.LevelInfo, Port: 3000, Host: "127.0.0.1", SweepInterval: time.Minute}
	if c != want {
		t.Errorf("Load() = %+v; want %+v", c, want)
	}
	if err := c.RequireJWT(); err == nil {
		t.Errorf("RequireJWT() = nil; want errors for JWKS_URL, JWT_ISSUER, JWT_AUDIENCE")
	}
}

func TestLoadValues(t *testing.T) {
	c, err := Load(env(map[string]string{
		"TABLE_NAME": "t-1", "DYNAMODB_ENDPOINT": "http://127.0.0.1:8000", "SESSION_EXPIRY": "5s",
		"RESULT_RETENTION": "10s", "EXPIRY_SHARDS": "4", "LIST_SHARDS": "8", "JWKS_URL": "https://id.example/jwks.json",
		"JWT_ISSUER": "https://id.example", "JWT_AUDIENCE": "api", "LOG_LEVEL": "debug", "PORT": "8080", "SWEEP_INTERVAL": "2s",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.SessionExpiry != 5*time.Second || c.ResultRetention != 10*time.Second || c.ExpiryShards != 4 || c.ListShards != 8 || c.LogLevel != slog.LevelDebug || c.Port != 8080 || c.SweepInterval != 2*time.Second {
		t.Errorf("Load() = %+v", c)
	}
	if err := c.RequireJWT(); err != nil {
		t.Errorf("RequireJWT() = %v; want nil", err)
	}
}

func TestLoadRefusesBadValues(t *testing.T) {
	tests := []struct {
		name, value string
	}{
		{"TABLE_NAME", ""},
		{"TABLE_NAME", "a b"},
		{"DYNAMODB_ENDPOINT", "localhost:8000"},
		{"SESSION_EXPIRY", "30"},
		{"SESSION_EXPIRY", "-5m"},
		{"RESULT_RETENTION", "forever"},
		{"EXPIRY_SHARDS", "0"},
		{"EXPIRY_SHARDS", "x"},
		{"LIST_SHARDS", "0"},
		{"LIST_SHARDS", "257"},
		{"JWKS_URL", "/jwks.json"},
		{"LOG_LEVEL", "loud"},
		{"PORT", "70000"},
		{"SWEEP_INTERVAL", "0s"},
		{"HOST", "example.com"},
	}
	for _, tt := range tests {
		m := map[string]string{"TABLE_NAME": "sessions"}
		m[tt.name] = tt.value
		_, err := Load(env(m))
		if err == nil || !strings.Contains(err.Error(), tt.name) {
			t.Errorf("Load(%s=%q) = %v; want an error naming %s", tt.name, tt.value, err, tt.name)
		}
	}
}
