// Package config reads the service's settings from the environment
// (DESIGN.md §9). A bad value stops start-up with a message naming the
// variable, the value's problem and what is expected.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/paysessions/paysessions/shared/session"
)

// Config is every setting of the service.
type Config struct {
	TableName        string        // TABLE_NAME (required)
	DynamoDBEndpoint string        // DYNAMODB_ENDPOINT: a local engine's URL; empty in AWS
	SessionExpiry    time.Duration // SESSION_EXPIRY, default 30m
	ResultRetention  time.Duration // RESULT_RETENTION, default 15m
	ExpiryShards     int           // EXPIRY_SHARDS, default 64 (the partition-heat model, BENCHMARKS.md)
	ListShards       int           // LIST_SHARDS, default 16; the template fixes it
	JWKSURL          string        // JWKS_URL
	JWTIssuer        string        // JWT_ISSUER
	JWTAudience      string        // JWT_AUDIENCE
	LogLevel         slog.Level    // LOG_LEVEL: debug, info (default), warn, error
	Port             int           // PORT: the local server's, default 3000
	Host             string        // HOST: the local server's address, default 127.0.0.1
	SweepInterval    time.Duration // SWEEP_INTERVAL: the local server's sweep timer, default 1m
}

// Policy is the lifecycle the settings describe.
func (c Config) Policy() session.Policy {
	return session.Policy{Expiry: c.SessionExpiry, Retention: c.ResultRetention}
}

// Load reads the settings through getenv (os.Getenv, or a map in tests).
// TABLE_NAME is required; everything else has a default or may be empty.
// All errors are reported at once.
func Load(getenv func(string) string) (Config, error) {
	p := parser{getenv: getenv}
	c := Config{
		TableName:        p.str("TABLE_NAME", "", true),
		DynamoDBEndpoint: p.url("DYNAMODB_ENDPOINT"),
		SessionExpiry:    p.duration("SESSION_EXPIRY", 30*time.Minute, time.Second, 24*time.Hour),
		ResultRetention:  p.duration("RESULT_RETENTION", 15*time.Minute, time.Second, 24*time.Hour),
		ExpiryShards:     p.integer("EXPIRY_SHARDS", 64, 1, 256),
		ListShards:       p.integer("LIST_SHARDS", 16, 1, 256),
		JWKSURL:          p.url("JWKS_URL"),
		JWTIssuer:        p.str("JWT_ISSUER", "", false),
		JWTAudience:      p.str("JWT_AUDIENCE", "", false),
		LogLevel:         p.level("LOG_LEVEL"),
		Port:             p.integer("PORT", 3000, 1, 65535),
		Host:             p.host("HOST"),
		SweepInterval:    p.duration("SWEEP_INTERVAL", time.Minute, time.Second, time.Hour),
	}
	if c.TableName != "" && !validTableName(c.TableName) {
		p.fail("TABLE_NAME", c.TableName, "3 to 255 of A-Z a-z 0-9 _ - .")
	}
	return c, p.err()
}

// RequireJWT checks the settings an API function needs to verify tokens.
func (c Config) RequireJWT() error {
	var errs []error
	if c.JWKSURL == "" {
		errs = append(errs, errors.New("JWKS_URL is required: the URL of the JSON Web Key Set that signs bearer tokens"))
	}
	if c.JWTIssuer == "" {
		errs = append(errs, errors.New("JWT_ISSUER is required: the iss every accepted token must carry"))
	}
	if c.JWTAudience == "" {
		errs = append(errs, errors.New("JWT_AUDIENCE is required: the aud every accepted token must carry"))
	}
	return errors.Join(errs...)
}

type parser struct {
	getenv func(string) string
	errs   []error
}

func (p *parser) fail(name, value, want string) {
	p.errs = append(p.errs, fmt.Errorf("%s=%q is invalid: want %s", name, value, want))
}

func (p *parser) err() error { return errors.Join(p.errs...) }

func (p *parser) str(name, def string, required bool) string {
	v := strings.TrimSpace(p.getenv(name))
	if v == "" {
		if required {
			p.errs = append(p.errs, fmt.Errorf("%s is required", name))
		}
		return def
	}
	return v
}

func (p *parser) url(name string) string {
	v := strings.TrimSpace(p.getenv(name))
	if v == "" {
		return ""
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.fail(name, v, "an absolute http(s) URL")
		return ""
	}
	return v
}

func (p *parser) duration(name string, def, min, max time.Duration) time.Duration {
	v := strings.TrimSpace(p.getenv(name))
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < min || d > max {
		p.fail(name, v, fmt.Sprintf("a Go duration from %s to %s, e.g. 30m or 5s", min, max))
		return def
	}
	return d
}

func (p *parser) integer(name string, def, min, max int) int {
	v := strings.TrimSpace(p.getenv(name))
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		p.fail(name, v, fmt.Sprintf("an integer from %d to %d", min, max))
		return def
	}
	return n
}

// host reads a listen address: an IP address or localhost.
func (p *parser) host(name string) string {
	v := strings.TrimSpace(p.getenv(name))
	if v == "" {
		return "127.0.0.1"
	}
	if v != "localhost" && net.ParseIP(v) == nil {
		p.fail(name, v, "an IP address to listen on, e.g. 127.0.0.1 or 0.0.0.0")
		return "127.0.0.1"
	}
	return v
}

func (p *parser) level(name string) slog.Level {
	v := strings.TrimSpace(p.getenv(name))
	if v == "" {
		return slog.LevelInfo
	}
	var l slog.Level
	if err := l.UnmarshalText([]byte(v)); err != nil {
		p.fail(name, v, "debug, info, warn or error")
		return slog.LevelInfo
	}
	return l
}

func validTableName(s string) bool {
	if len(s) < 3 || len(s) > 255 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}
