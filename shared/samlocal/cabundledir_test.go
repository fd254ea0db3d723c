package samlocal

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestStartFailureReadsARelativeCABundleWhereTheFunctionRuns: a function
// reads a relative AWS_CA_BUNDLE from the folder it runs in (its
// bootstrap's, bin/start-api/, as Lambda reads it from /var/task), not from
// the folder make start-api was started in (the repository). So
// `AWS_CA_BUNDLE=certs/ca.pem DYNAMODB_ENDPOINT=https://... make
// start-api` served a stack whose own calls read the bundle while every
// function's start-up failed on it ("start-up failed", each request 500),
// under a banner with no NOT STARTING line: StartFailure read the name from
// start-api's own folder, where it was found.
func TestStartFailureReadsARelativeCABundleWhereTheFunctionRuns(t *testing.T) {
	declared := map[string]any{"TABLE_NAME": "payment-sessions", "DYNAMODB_ENDPOINT": "", "AWS_CA_BUNDLE": ""}
	tpl := &Template{}
	fn := &Function{LogicalID: "GetSessionFunction", Environment: declared}
	started, functionDir := t.TempDir(), t.TempDir()
	writeCA(t, filepath.Join(started, "ca.pem"))
	t.Chdir(started) // make start-api's folder: the bundle is found there
	for _, c := range []struct {
		name, dir, bundle string
		want              []string
	}{
		{"relative, found only where start-api runs", functionDir, "ca.pem", []string{"AWS_CA_BUNDLE"}},
		{"relative, found where the function runs", started, "ca.pem", nil},
		{"absolute", functionDir, filepath.Join(started, "ca.pem"), nil},
	} {
		in := EnvInput{
			Shell: func(k string) (string, bool) {
				if k == "AWS_CA_BUNDLE" {
					return c.bundle, true
				}
				return "", false
			},
			Stack: map[string]string{"DYNAMODB_ENDPOINT": "https://127.0.0.1:8443"},
			Dir:   c.dir,
		}
		if got := tpl.StartFailure(fn, in); !slices.Equal(got, c.want) {
			t.Errorf("%s: got StartFailure %v; want %v", c.name, got, c.want)
		}
	}
}

// writeCA writes a self-signed CA certificate in PEM to name.
func writeCA(t *testing.T, name string) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "r103 test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}
