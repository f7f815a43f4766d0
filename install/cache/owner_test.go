package cache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/pyshim/pyshim/install/wheel"
	"github.com/pyshim/pyshim/internal/fsutil"
)

// TestAnotherUsersTreeIsReplaced: an unpacked tree owned by another user
// is not a hit; Unpack moves it aside and puts its own in its place, 0700.
func TestAnotherUsersTreeIsReplaced(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to chown a tree to another user")
	}
	c := New(t.TempDir())
	whl := writeWheel(t, t.TempDir(), 2)
	data, _ := os.ReadFile(whl)
	s := sha256.Sum256(data)
	sum := hex.EncodeToString(s[:])
	// Another user's "tree" for the same digest, with a planted file.
	theirs := c.unpackedDir(sum)
	if err := os.MkdirAll(theirs, 0o755); err != nil {
		t.Fatal(err)
	}
	planted := wheel.MemberPath(theirs, "pkg/m0.py")
	if err := os.WriteFile(planted, []byte("import os; os.system('evil')\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(theirs, 12345, 12345); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Lookup(sum); ok {
		t.Fatal("Lookup takes another user's tree")
	}
	dir, _, err := c.Unpack(context.Background(), whl, sum)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !fsutil.OwnedByMe(fi) || fi.Mode().Perm() != 0o700 {
		t.Errorf("tree %s: mode %v, ours %v; want ours and 0700", dir, fi.Mode().Perm(), fsutil.OwnedByMe(fi))
	}
	got, err := os.ReadFile(wheel.MemberPath(dir, "pkg/m0.py"))
	if err != nil || string(got) == "import os; os.system('evil')\n" {
		t.Errorf("the planted file is still there: %q, %v", got, err)
	}
	if ents, _ := os.ReadDir(filepath.Dir(dir)); len(ents) != 1 {
		t.Errorf("left beside the tree: %v", ents)
	}
}
