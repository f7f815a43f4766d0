package writable

import (
	"os"
	"path/filepath"
	"testing"
)

func TestInStore(t *testing.T) {
	root := t.TempDir()
	store := filepath.Join(root, "nix", "store")
	if err := os.MkdirAll(filepath.Join(store, "abc-env"), 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(root, "profile")
	if err := os.Symlink(filepath.Join(store, "abc-env"), link); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		p    string
		want bool
	}{
		{filepath.Join(store, "abc-env", "new", "dir"), true},
		{store, true},
		{filepath.Join(link, "lib"), true}, // through a symlink into the store
		{filepath.Join(root, "nix", "storefront"), false},
		{filepath.Join(root, "elsewhere", "venv"), false},
	} {
		if _, got := InStore(tc.p, store); got != tc.want {
			t.Errorf("InStore(%s) = %v, want %v", tc.p, got, tc.want)
		}
	}
	if s, _ := InStore("/x", ""); s != DefaultStoreDir {
		t.Errorf("default store %q", s)
	}
}

func TestNearestExistingAndReadOnly(t *testing.T) {
	dir := t.TempDir()
	if got := NearestExisting(filepath.Join(dir, "a", "b")); got != dir {
		t.Errorf("NearestExisting = %s, want %s", got, dir)
	}
	ro, err := ReadOnly(dir)
	if err != nil || ro {
		t.Errorf("ReadOnly(temp dir) = %v, %v", ro, err)
	}
	if _, err := ReadOnly(filepath.Join(dir, "missing")); err == nil {
		t.Error("ReadOnly of a missing path gave no error")
	}
}
