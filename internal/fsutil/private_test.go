package fsutil

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteFilePrivate(t *testing.T) {
	root := t.TempDir()
	p := filepath.Join(root, "a", "b", "f")
	if err := WriteFilePrivate(p, []byte("one")); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{filepath.Join(root, "a"): 0o700, filepath.Join(root, "a", "b"): 0o700, p: 0o600} {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: %v, %v; want %v", path, fi.Mode().Perm(), err, want)
		}
	}
	got, err := ReadFileOwned(p)
	if err != nil || string(got) != "one" {
		t.Errorf("ReadFileOwned = %q, %v", got, err)
	}
}

func TestReadFileOwnedRefusesAnotherUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to chown a file to another user")
	}
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte("theirs"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(p, 12345, 12345); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFileOwned(p); !errors.Is(err, ErrNotOwned) {
		t.Errorf("another user's file: %v, want ErrNotOwned", err)
	}
	if _, err := ReadFileOwned(filepath.Join(t.TempDir(), "none")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	big := filepath.Join(t.TempDir(), "big")
	data := make([]byte, 100000)
	for i := range data {
		data[i] = byte(i)
	}
	if err := os.WriteFile(big, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadFileOwned(big); err != nil || string(got) != string(data) {
		t.Errorf("big file: %d bytes, %v", len(got), err)
	}
}
