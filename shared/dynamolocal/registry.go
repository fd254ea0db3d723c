package dynamolocal

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"unicode"
)

// DefaultRegistry is npm's own default registry.
const DefaultRegistry = "https://registry.npmjs.org/"

// registryAndSource returns the npm registry the engine is downloaded from,
// and where it came from: the variable or file that named it, or "" for the
// default. The registry is chosen as npm chooses it, highest precedence
// first:
//
//  1. the environment variable npm_config_registry (any case, as npm reads
//     its npm_config_* variables);
//  2. a registry= line in the project's .npmrc: the one at the root of this
//     Go module (the repository), where a team puts settings for the project;
//  3. a registry= line in the user's .npmrc: $npm_config_userconfig, else
//     ~/.npmrc;
//  4. DefaultRegistry.
//
// npm's global npmrc ($PREFIX/etc/npmrc) and built-in npmrc belong to an npm
// installation, and finding them means asking that installation; the point
// of this installer is not to need one, so they do not count. Values may use
// ${VAR} as in npm. A registry must be an http or https URL. Registries that
// need credentials are not supported.
func registryAndSource() (string, string, error) {
	root, _ := moduleRoot()
	home, _ := os.UserHomeDir()
	return registryFrom(os.Environ(), root, home)
}

// registryFrom is registryAndSource with its inputs given: the environment
// as os.Environ returns it, the project folder (may be empty) and the home
// folder (may be empty).
func registryFrom(environ []string, projectDir, home string) (string, string, error) {
	getenv := func(name string) (string, bool) {
		var v string
		var found bool
		for _, kv := range environ {
			k, val, ok := strings.Cut(kv, "=")
			if ok && strings.EqualFold(k, name) {
				v, found = val, true // the last one wins, as in npm
			}
		}
		return v, found
	}
	expand := func(s string) string {
		return envRef.ReplaceAllStringFunc(s, func(ref string) string {
			if v, ok := getenv(ref[2 : len(ref)-1]); ok {
				return v
			}
			return ref
		})
	}

	if v, _ := getenv("npm_config_registry"); strings.TrimSpace(v) != "" {
		r, err := checkRegistry(strings.TrimSpace(v), "npm_config_registry")
		return r, "npm_config_registry", err
	}
	var files []string
	if projectDir != "" {
		files = append(files, filepath.Join(projectDir, ".npmrc"))
	}
	if v, _ := getenv("npm_config_userconfig"); v != "" {
		files = append(files, expand(v))
	} else if home != "" {
		files = append(files, filepath.Join(home, ".npmrc"))
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			if os.IsNotExist(err) {
				continue
			}
			return "", "", fmt.Errorf("dynamolocal: read %s: %w", f, err)
		}
		if v, ok := npmrcValue(data, "registry"); ok && v != "" {
			r, err := checkRegistry(expand(v), f)
			return r, f, err
		}
	}
	return DefaultRegistry, "", nil
}

// envRef matches npm's ${VAR} references in config values.
var envRef = regexp.MustCompile(`\$\{[^${}]+\}`)

// npmrcValue reads key from an .npmrc file as npm's ini parser (its
// decode) reads it: lines split at '\r' or '\n'; a line blank or starting
// with ';' or '#' (after white space) is a comment; a line that is '[', a
// name and ']' (white space after it only) starts a section, whose keys are
// not top-level and do not count; any other line with an '=' is a key
// (before the first '=') and its value (after it), each read by iniValue.
func npmrcValue(data []byte, key string) (string, bool) {
	var value string
	var found bool
	inSection := false
	for _, line := range strings.FieldsFunc(string(data), func(r rune) bool { return r == '\r' || r == '\n' }) {
		if t := jsTrim(line); t == "" || t[0] == ';' || t[0] == '#' {
			continue
		}
		if end := strings.IndexByte(line, ']'); line[0] == '[' && end > 0 && jsTrim(line[end+1:]) == "" {
			inSection = true
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || k == "" || inSection || iniValue(k) != key {
			continue
		}
		value, found = iniValue(v), true // the last one wins, as in ini
	}
	return value, found
}

// jsTrim is s trimmed as JavaScript's String.prototype.trim trims it: of
// Unicode white space and line terminators and the byte-order mark U+FEFF
// (a file saved by a Windows editor may start with one), but not U+0085,
// which Go's unicode.IsSpace counts.
func jsTrim(s string) string {
	return strings.TrimFunc(s, func(r rune) bool {
		return r == '\uFEFF' || unicode.IsSpace(r) && r != '\u0085'
	})
}

// iniValue is v as npm's ini reads a value (its unsafe): in double or
// single quotes, the JSON string between them (the text itself when it is
// none); otherwise up to the first ';' or '#' not escaped by a backslash,
// which starts a comment, with "\;", "\#" and "\\" read as the character
// and any other backslash kept. Either way trimmed as jsTrim trims.
func iniValue(v string) string {
	v = jsTrim(v)
	if v != "" && (v[0] == '"' && v[len(v)-1] == '"' || v[0] == '\'' && v[len(v)-1] == '\'') {
		if v[0] == '\'' {
			v = v[1:max(len(v)-1, 1)] // a lone ' is quotes around nothing
		}
		var s string
		if json.Unmarshal([]byte(v), &s) == nil {
			return s
		}
		return v
	}
	var b strings.Builder
	esc := false
	for _, c := range v {
		switch {
		case esc:
			if !strings.ContainsRune(`\;#`, c) {
				b.WriteByte('\\')
			}
			b.WriteRune(c)
			esc = false
		case c == ';' || c == '#':
			return jsTrim(b.String())
		case c == '\\':
			esc = true
		default:
			b.WriteRune(c)
		}
	}
	if esc {
		b.WriteByte('\\')
	}
	return jsTrim(b.String())
}

// checkRegistry accepts an absolute http(s) URL with a host, and without
// user information, query or fragment.
func checkRegistry(raw, source string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("dynamolocal: the npm registry from %s is not a URL", source)
	}
	// A query or fragment is refused with credentials: the tarball's URL is
	// the registry's with a path added, which a query or fragment would
	// swallow, and a query may carry a token.
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.ForceQuery || strings.Contains(raw, "#") {
		// A URL with credentials never reaches a message: its user
		// information and query are shown as xxxxx whole, since a token
		// may be the user name by itself, which url.URL.Redacted leaves in
		// view, and a value without a host (https:/<token>@host,
		// <token>@host) not at all: there the user information parses as
		// a path or an opaque part (config.ShownURL's rule).
		if u.Opaque != "" || u.Host == "" {
			return "", fmt.Errorf("dynamolocal: the npm registry from %s is not an absolute http(s) URL", source)
		}
		if u.User != nil {
			u.User = url.User("xxxxx")
		}
		if u.RawQuery != "" || u.ForceQuery {
			u.RawQuery, u.ForceQuery = "xxxxx", false
		}
		u.Fragment, u.RawFragment = "", ""
		return "", fmt.Errorf("dynamolocal: the npm registry %q (from %s) is not an http(s) URL without credentials, query or fragment", u.String(), source)
	}
	return raw, nil
}
