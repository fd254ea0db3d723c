package dynamolocal_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/doctext"
	"github.com/paysessions/paysessions/shared/dynamolocal"
)

// TestTroubleshootingQuotesWhatStartPrints: README's Troubleshooting names
// each failure by what the terminal shows, so a user who searches the
// README for it finds the entry. Each entry's quote is held to what Start
// prints (its error, as main prints it, with this test's own paths and
// port put back to the README's): a Java that is not there, one too old
// (the README's /usr/bin/java 1.8.0_392) and a port another server holds
// (the README's 8000). None of them needs Java or a download. The README's
// other entries for make run and make start-api are held by
// cmd/localapi's and cmd/startapi's TestWrongEndpointIsTheReadmes and
// TestPortInUseIsTheReadmes.
func TestTroubleshootingQuotesWhatStartPrints(t *testing.T) {
	troubleshooting := doctext.Section(t, "Troubleshooting")

	tests := []struct {
		name  string
		quote string // the README's, between **` and `**
		setup func(t *testing.T) (port int, shown func(string) string)
	}{
		{"no java on PATH", "java not found", func(t *testing.T) (int, func(string) string) {
			t.Setenv("PATH", t.TempDir())
			return 0, func(s string) string { return s }
		}},
		{"java 8 first on PATH", "java too old: /usr/bin/java is Java 1.8.0_392", func(t *testing.T) (int, func(string) string) {
			fakeJava(t, `java version "1.8.0_392"`+"\nJava(TM) SE Runtime Environment (build 1.8.0_392-b08)", 0)
			java, err := exec.LookPath("java")
			if err != nil {
				t.Fatal(err)
			}
			return 0, func(s string) string { return strings.ReplaceAll(s, java, "/usr/bin/java") }
		}},
		{"a port another server holds", "dynamolocal: port in use: port 8000 is taken by another server", func(t *testing.T) (int, func(string) string) {
			t.Setenv("PATH", t.TempDir())
			other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusBadRequest)
			}))
			t.Cleanup(other.Close)
			port := other.Listener.Addr().(*net.TCPAddr).Port
			return port, func(s string) string { return strings.ReplaceAll(s, strconv.Itoa(port), "8000") }
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if want := "**`" + tt.quote + "`**"; !strings.Contains(troubleshooting, want) {
				t.Fatalf("README's Troubleshooting has no entry %s", want)
			}
			port, shown := tt.setup(t)
			// A registry that fails every download, should one be tried.
			reg := httptest.NewServer(http.NotFoundHandler())
			defer reg.Close()
			t.Setenv("npm_config_registry", reg.URL)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			e, err := dynamolocal.Start(ctx, dynamolocal.Options{Dir: t.TempDir(), Port: port})
			if err == nil {
				e.Stop()
				t.Fatal("Start() = an engine; want an error")
			}
			if printed := shown(err.Error()); !strings.Contains(printed, tt.quote) {
				t.Errorf("Start() prints %q; the README's Troubleshooting quotes it as %q", printed, tt.quote)
			}
		})
	}
}
