package shim

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// otherUID owns the files the tests give to "another user" (tests run as
// root, which can chown).
const otherUID = 12345

// TestLookupRefusesAnotherUsersEntry: an entry owned by another user is a
// miss, and the next Write replaces it (a new file by rename, ours, 0600)
// rather than writing into it.
func TestLookupRefusesAnotherUsersEntry(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to chown a file to another user")
	}
	dir := filepath.Join(t.TempDir(), "resolve")
	watched := filepath.Join(t.TempDir(), "watched")
	if err := os.WriteFile(watched, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	e := &Entry{Key: "k1", Name: "python3", Target: Target{File: "/usr/bin/python3", Argv: []string{"/usr/bin/python3"}}, Files: Fingerprints(watched)}
	if err := Write(dir, e); err != nil {
		t.Fatal(err)
	}
	p := EntryPath(dir, "k1")
	for path, want := range map[string]os.FileMode{dir: 0o700, p: 0o600} {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v (%v), want %v", path, fi.Mode().Perm(), err, want)
		}
	}
	if _, err := Lookup(dir, "k1"); err != nil {
		t.Fatalf("own entry: %v", err)
	}
	if err := os.Chown(p, otherUID, otherUID); err != nil {
		t.Fatal(err)
	}
	before, _ := os.Stat(p)
	if _, err := Lookup(dir, "k1"); !isMiss(err) || !strings.Contains(err.Error(), "another user") {
		t.Fatalf("another user's entry: %v, want a miss saying so", err)
	}
	if err := Write(dir, e); err != nil {
		t.Fatal(err)
	}
	after, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if os.SameFile(before, after) {
		t.Error("the other user's entry was written in place, not replaced")
	}
	if _, err := Lookup(dir, "k1"); err != nil {
		t.Errorf("after the rewrite: %v", err)
	}
}
