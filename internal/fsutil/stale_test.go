package fsutil

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// RemoveStale removes the leftovers of dead processes (unlocked
// temporaries) and nothing a live writer holds, nor names it does not
// match.
func TestRemoveStale(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("no advisory locks here: RemoveStale removes nothing")
	}
	dir := t.TempDir()
	match := func(n string) bool { return strings.HasPrefix(n, ".x.tmp-") }
	mk := func(name string) func() (string, error) {
		return func() (string, error) { p := filepath.Join(dir, name); return p, os.Mkdir(p, 0o755) }
	}
	liveDir, held, err := CreateLocked(dir, mk(".x.tmp-live"))
	if err != nil {
		t.Fatal(err)
	}
	liveFile, err := CreateTempLocked(dir, ".x.tmp-file-*")
	if err != nil {
		t.Fatal(err)
	}
	dead := filepath.Join(dir, ".x.tmp-dead") // as a killed writer leaves it: no lock
	other := filepath.Join(dir, ".y.tmp-dead")
	for _, p := range []string{dead, other} {
		if err := os.Mkdir(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	RemoveStale(dir, match)
	for _, c := range []struct {
		path string
		want bool
	}{{liveDir, true}, {liveFile.Name(), true}, {dead, false}, {other, true}} {
		if _, err := os.Lstat(c.path); (err == nil) != c.want {
			t.Errorf("%s exists: %v, want %v", filepath.Base(c.path), err == nil, c.want)
		}
	}
	if IsStale(liveDir) {
		t.Error("a held temporary is stale")
	}
	// Released (or its process gone), the temporaries are leftovers.
	held.Release()
	liveFile.Close()
	if !IsStale(liveDir) {
		t.Error("a released temporary is not stale")
	}
	RemoveStale(dir, match)
	for _, p := range []string{liveDir, liveFile.Name()} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s was not removed once released", filepath.Base(p))
		}
	}
}
