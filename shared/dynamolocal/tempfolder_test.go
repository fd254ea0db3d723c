package dynamolocal_test

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/dynamolocal"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestKilledEngineLeavesNothingInTheTempFolder: DynamoDB Local copies its
// native SQLite library out of DynamoDBLocal.jar into the JVM's temporary
// folder (/tmp/sqlite-392-<uuid>-libsqlite4java.so, 0.9 MB) unless told
// where the install holds it, and deletes the copy only when the JVM exits
// by itself. A server or test binary that is killed (SIGKILL, a test's
// timeout) takes its engine with it (the kernel's parent-death signal,
// SIGKILL), so each such stop left one such file in /tmp (r94-fresh: a
// make run killed with kill -9). Started by Start, the engine loads the
// install's own copy and writes nothing there, so a killed one leaves
// nothing behind. Nor in the JVM's performance-data folder: HotSpot keeps a
// 32 KB file, /tmp/hsperfdata_<user>/<pid> (always /tmp, whatever
// java.io.tmpdir says), that only a clean exit removes (a later JVM of the
// same user clears a dead one's); the engine runs without it
// (-XX:-UsePerfData), as nothing reads it.
func TestKilledEngineLeavesNothingInTheTempFolder(t *testing.T) {
	storetest.RequireEngine(t)
	tmp := t.TempDir()
	// The JVM's temporary folder is /tmp unless java.io.tmpdir names one
	// (TMPDIR is not read); the engine runs with the user's options.
	t.Setenv("JAVA_TOOL_OPTIONS", "-Djava.io.tmpdir="+tmp)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	e, err := dynamolocal.Start(ctx, dynamolocal.Options{})
	if err != nil {
		t.Fatalf("Start() = %v; want an engine", err)
	}
	defer e.Stop()
	// A table, so that the engine has opened its SQLite database.
	req, err := http.NewRequest("POST", e.Endpoint, strings.NewReader(`{"TableName":"tmp-check","AttributeDefinitions":[{"AttributeName":"k","AttributeType":"S"}],"KeySchema":[{"AttributeName":"k","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.CreateTable")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("CreateTable on %s: %v", e.Endpoint, err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("CreateTable on %s = %d; want 200", e.Endpoint, res.StatusCode)
	}
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	perfData := filepath.Join("/tmp", "hsperfdata_"+u.Username, strconv.Itoa(e.PID()))
	// Killed as the kernel kills it when its parent is killed.
	if err := syscall.Kill(-e.PID(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case <-e.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("the engine still runs 30 s after SIGKILL")
	}
	entries, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, entry := range entries {
		left = append(left, entry.Name())
	}
	if len(left) != 0 {
		t.Errorf("the JVM's temporary folder after a killed engine holds %q; want nothing", left)
	}
	if _, err := os.Stat(perfData); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("after a killed engine, os.Stat(%s) = %v; want no such file (the JVM's performance data)", perfData, err)
	}
}
