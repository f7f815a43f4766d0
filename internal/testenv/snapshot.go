package testenv

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// ContentSnapshot describes every entry under root, keyed by its path
// relative to root ("." for root), but the directories skip (nil: none)
// leaves out: type and mode, and a regular file's size and sha256 or a
// link's target. Times are left out: a directory's mtime changes when a
// temporary entry comes and goes. Any error, a missing root included,
// fails the test.
func ContentSnapshot(t testing.TB, root string, skip func(p string, d fs.DirEntry) bool) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && skip != nil && skip(p, d) {
			return filepath.SkipDir
		}
		st, err := os.Lstat(p)
		if err != nil {
			return err
		}
		desc := st.Mode().String()
		switch {
		case st.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			desc += " -> " + target
		case st.Mode().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(data)
			desc += fmt.Sprintf(" %d %s", len(data), hex.EncodeToString(sum[:]))
		}
		rel, _ := filepath.Rel(root, p)
		out[rel] = desc
		return nil
	})
	if err != nil {
		t.Fatalf("walking %s: %v", root, err)
	}
	return out
}

// DiffSnapshots lists, sorted, how got differs from want: "- PATH" for an
// entry only want has, "+ PATH" for one only got has, "~ PATH: WANT ->
// GOT" for one that changed. Tests match these lines.
func DiffSnapshots(want, got map[string]string) []string {
	var d []string
	for k, v := range want {
		if g, ok := got[k]; !ok {
			d = append(d, "- "+k)
		} else if g != v {
			d = append(d, fmt.Sprintf("~ %s: %s -> %s", k, v, g))
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			d = append(d, "+ "+k)
		}
	}
	sort.Strings(d)
	return d
}
