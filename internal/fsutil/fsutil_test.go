package fsutil

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a", "b", "f.json")
	for _, data := range []string{"one", "two"} {
		if err := WriteFileAtomic(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(p)
		if err != nil || string(got) != data {
			t.Fatalf("got %q, %v; want %q", got, err, data)
		}
	}
	st, _ := os.Stat(p)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode())
	}
	entries, _ := os.ReadDir(filepath.Dir(p))
	if len(entries) != 1 {
		t.Errorf("temp files left behind: %v", entries)
	}
	if err := WriteFileAtomic(filepath.Join(p, "under-a-file"), nil, 0o600); err == nil {
		t.Error("writing under a file succeeded")
	}
}

func TestWriteNew(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := WriteNew(p, []byte("data"), 0o754); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(p)
	if string(data) != "data" || st.Mode().Perm() != 0o754&^umask(t) {
		t.Errorf("wrote %q mode %v", data, st.Mode().Perm())
	}
	if err := WriteNew(p, []byte("other"), 0o644); !os.IsExist(err) {
		t.Errorf("over an existing file: %v, want it refused", err)
	}
	if data, _ := os.ReadFile(p); string(data) != "data" {
		t.Errorf("an existing file was changed: %q", data)
	}
	if err := WriteNew(filepath.Join(p, "x"), nil, 0o644); err == nil || !strings.Contains(err.Error(), "open "+p) {
		t.Errorf("under a file: %v", err)
	}
}

// umask is the process's file mode creation mask.
func umask(t *testing.T) os.FileMode {
	p := filepath.Join(t.TempDir(), "probe")
	if err := os.WriteFile(p, nil, 0o777); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return 0o777 &^ st.Mode().Perm()
}
