package venv

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// DefaultStoreDir is the Nix store when NIX_STORE_DIR is not set.
const DefaultStoreDir = "/nix/store"

// destination is what Check found at a venv's path.
type destination struct {
	exists bool // a directory is there
	empty  bool // ... and holds nothing
	venv   bool // ... and holds a pyvenv.cfg
}

// Check refuses, before anything is written, a destination that cannot
// hold a working venv: a path holding the PATH separator, a path inside
// the Nix store or on a read-only file system, a symlink, a file, or a
// directory with files that is not a venv (unless o.Clear). dir must be
// absolute and clean.
func Check(dir string, o Options) error {
	_, err := check(dir, o)
	return err
}

func check(dir string, o Options) (destination, error) {
	var d destination
	if !filepath.IsAbs(dir) {
		return d, fmt.Errorf("venv path %q is not absolute", dir)
	}
	if strings.ContainsRune(dir, os.PathListSeparator) {
		return d, fmt.Errorf("refusing to create a venv in %s: the path contains %q, the PATH separator, so its bin could never go on PATH; choose another directory", dir, string(os.PathListSeparator))
	}
	if store, ok := inStore(dir, o.StoreDir); ok {
		return d, fmt.Errorf("refusing to create a venv in %s: it is inside the Nix store %s, which is read-only; create it in your project instead (e.g. pyshim venv .venv)", dir, store)
	}
	fi, err := os.Lstat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return d, fmt.Errorf("inspecting %s: %w", dir, err)
	case fi.Mode()&fs.ModeSymlink != 0:
		target, _ := os.Readlink(dir)
		return d, fmt.Errorf("refusing to create a venv at %s: it is a symlink to %s; pass the real directory, or remove the link", dir, target)
	case !fi.IsDir():
		return d, fmt.Errorf("refusing to create a venv at %s: a file of that name exists; remove it or choose another path", dir)
	default:
		d.exists = true
		entries, err := os.ReadDir(dir)
		if err != nil {
			return d, fmt.Errorf("reading %s: %w", dir, err)
		}
		d.empty = len(entries) == 0
		if _, err := os.Lstat(filepath.Join(dir, "pyvenv.cfg")); err == nil {
			d.venv = true
		}
		if !d.empty && !d.venv && !o.Clear {
			return d, fmt.Errorf("refusing to create a venv in %s: the directory holds files and is not a venv; pass --clear to replace its contents, or choose another directory", dir)
		}
	}
	existing := nearestExisting(dir)
	ro, err := readOnly(existing)
	if err != nil {
		return d, fmt.Errorf("inspecting the file system of %s: %w", existing, err)
	}
	if ro {
		return d, fmt.Errorf("refusing to create a venv in %s: %s is on a read-only file system; choose a writable directory", dir, existing)
	}
	return d, nil
}

// inStore reports whether dir lies in the Nix store (storeDir, else
// DefaultStoreDir), as written or once the symlinks of its existing part
// are resolved; it returns the store as the message should name it.
func inStore(dir, storeDir string) (string, bool) {
	if storeDir == "" {
		storeDir = DefaultStoreDir
	}
	storeDir = filepath.Clean(storeDir)
	if within(dir, storeDir) {
		return storeDir, true
	}
	realStore, err := filepath.EvalSymlinks(storeDir)
	if err != nil {
		realStore = storeDir
	}
	existing := nearestExisting(dir)
	real, err := filepath.EvalSymlinks(existing)
	if err != nil {
		return "", false
	}
	rest, _ := filepath.Rel(existing, dir)
	return storeDir, within(filepath.Join(real, rest), realStore) || within(filepath.Join(real, rest), storeDir)
}

// within reports whether p is dir or lies below it.
func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && (rel == "." || filepath.IsLocal(rel))
}

// nearestExisting returns p, or its closest ancestor that exists.
func nearestExisting(p string) string {
	for {
		if _, err := os.Lstat(p); err == nil {
			return p
		}
		parent := filepath.Dir(p)
		if parent == p {
			return p
		}
		p = parent
	}
}
