package samlocal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/dynamolocal"
)

// TestStartReportsTheEngineDownload: README says the DynamoDB Local
// download "happens once and says so (`dynamolocal: downloading ...`)",
// of the first make run or make start-api. make run's server passes the
// installer a progress writer; start-api passed none, so its first run
// fetched the 50 MB engine without a word (while every run said "the
// first run installs it"). The registry here serves other bytes than the
// lockfile pins, so Start stops at the download, before any build.
func TestStartReportsTheEngineDownload(t *testing.T) {
	java := t.TempDir()
	script := "#!/bin/sh\nif [ \"$1\" = -version ]; then echo 'openjdk version \"17.0.13\" 2024-10-15' >&2; exit 0; fi\nexit 1\n"
	if err := os.WriteFile(filepath.Join(java, "java"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", java+string(os.PathListSeparator)+"/usr/bin:/bin")
	var asked atomic.Int32
	reg := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		_, _ = w.Write([]byte("not the locked tarball"))
	}))
	defer reg.Close()
	t.Setenv("npm_config_registry", reg.URL)
	t.Setenv("DYNAMODB_LOCAL_DIR", t.TempDir())

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"TABLE_NAME": fmt.Sprintf("samlocal-%d-%d", os.Getpid(), tableSeq.Add(1))}
	var log bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Start(ctx, Options{Dir: testStack, Getenv: func(k string) string { return vars[k] }, Bootstraps: t.TempDir(), Log: &log, Listener: ln})
	if err == nil {
		s.Close()
		t.Fatal("Start() = a stack; want the registry's bytes refused")
	}
	if !errors.Is(err, dynamolocal.ErrIntegrity) {
		t.Fatalf("Start() = %v; want ErrIntegrity", err)
	}
	if got, want := asked.Load(), int32(1); got != want {
		t.Errorf("registry requests = %d; want %d", got, want)
	}
	if got, want := strings.Count(log.String(), "start-api  dynamolocal: downloading "), 1; got != want {
		t.Errorf("download lines in start-api's log = %d; want %d (log: %q)", got, want, log.String())
	}
}
