package samlocal

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/doctext"
)

// TestEmulatorCopyNamesTheTemporaryFolder: the stack copies aws-lambda-rie
// (9 MB) into TMPDIR before it serves. Under a full TMPDIR a fresh user's
// make start-api stopped with `start-api: write
// /tmp/…/start-api-rie-…/aws-lambda-rie: no space left on device`, which
// named neither the setting nor what to do (README, Troubleshooting, has
// it). A TMPDIR that cannot take the copy is ErrTempFolder, whatever
// failed in it; an emulator that is not there is not.
func TestEmulatorCopyNamesTheTemporaryFolder(t *testing.T) {
	emulator := filepath.Join(t.TempDir(), "aws-lambda-rie")
	if err := os.WriteFile(emulator, []byte("#!/bin/sh\necho rie\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	notAFolder := filepath.Join(t.TempDir(), "a file")
	if err := os.WriteFile(notAFolder, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		tmpdir   string
		emulator string
		want     bool
	}{
		{"a TMPDIR that is a file", notAFolder, emulator, true},
		{"a TMPDIR that does not exist", filepath.Join(t.TempDir(), "gone"), emulator, true},
		{"an emulator that is not there", t.TempDir(), emulator + ".gone", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("TMPDIR", tc.tmpdir)
			dir, _, lock, err := runEmulatorCopy(tc.emulator)
			if err == nil {
				lock.Close()
				os.RemoveAll(dir)
				t.Fatal("runEmulatorCopy() = a copy; want an error")
			}
			if got := errors.Is(err, ErrTempFolder); got != tc.want {
				t.Errorf("runEmulatorCopy() = %v: ErrTempFolder %v; want %v", err, got, tc.want)
			}
		})
	}
}

// TestTemporaryFolderIsTheReadmes: README's Troubleshooting quotes what
// make start-api prints for a TMPDIR that cannot take the emulator's copy,
// so that a user who searches for it finds the entry.
func TestTemporaryFolderIsTheReadmes(t *testing.T) {
	text := strings.Join(strings.Fields(doctext.Section(t, "Troubleshooting")), " ")
	if want := "start-api: " + ErrTempFolder.Error(); !strings.Contains(text, want) {
		t.Errorf("README's Troubleshooting does not quote %q", want)
	}
}
