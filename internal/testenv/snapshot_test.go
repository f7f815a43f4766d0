package testenv

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestContentSnapshotAndDiff(t *testing.T) {
	dir := t.TempDir()
	WriteFile(t, filepath.Join(dir, "a/f"), "x", 0o644)
	WriteFile(t, filepath.Join(dir, "skip/g"), "y", 0o644)
	if err := os.Symlink("f", filepath.Join(dir, "a/l")); err != nil {
		t.Fatal(err)
	}
	skip := func(p string, _ fs.DirEntry) bool { return p == filepath.Join(dir, "skip") }
	before := ContentSnapshot(t, dir, skip)
	if _, ok := before["skip/g"]; ok {
		t.Errorf("skipped directory in the snapshot: %v", before)
	}
	if got := before["a/l"]; got != "Lrwxrwxrwx -> f" {
		t.Errorf("link = %q", got)
	}
	if d := DiffSnapshots(before, before); len(d) != 0 {
		t.Fatalf("self diff: %v", d)
	}
	WriteFile(t, filepath.Join(dir, "a/f"), "z", 0o644) // same size, other content
	WriteFile(t, filepath.Join(dir, "a/n"), "", 0o644)
	if err := os.Remove(filepath.Join(dir, "a/l")); err != nil {
		t.Fatal(err)
	}
	d := DiffSnapshots(before, ContentSnapshot(t, dir, skip))
	want := []string{"+ a/n", "- a/l", "~ a/f: " + before["a/f"] + " -> " + ContentSnapshot(t, dir, skip)["a/f"]}
	slices.Sort(want)
	if !slices.Equal(d, want) {
		t.Errorf("diff = %q, want %q", d, want)
	}
}
