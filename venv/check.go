package venv

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/pyshim/pyshim/internal/writable"
)

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
	if store, ok := writable.InStore(dir, o.StoreDir); ok {
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
	existing := writable.NearestExisting(dir)
	ro, err := writable.ReadOnly(existing)
	if err != nil {
		return d, fmt.Errorf("inspecting the file system of %s: %w", existing, err)
	}
	if ro {
		return d, fmt.Errorf("refusing to create a venv in %s: %s is on a read-only file system; choose a writable directory", dir, existing)
	}
	return d, nil
}
