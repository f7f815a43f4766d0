package build

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// skipDir reports whether a directory of a source tree is left out of its
// fingerprint: version control, caches, virtual environments, and what
// in-tree builds write (build/ and dist/ at the top, *.egg-info anywhere),
// so that building a project does not make it look changed.
func skipDir(rel, name, full string) bool {
	switch name {
	case ".git", ".hg", ".svn", ".bzr", "__pycache__", ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", "node_modules":
		return true
	}
	if strings.HasSuffix(name, ".egg-info") {
		return true
	}
	if rel == name && (name == "build" || name == "dist") {
		return true
	}
	_, err := os.Lstat(filepath.Join(full, "pyvenv.cfg"))
	return err == nil
}

// fingerprint hashes what identifies the state of the source tree at dir:
// each file's path, mode, size and modification time (not its content,
// which would cost a read of the whole tree).
func fingerprint(dir string) (string, error) {
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			if p != dir && skipDir(filepath.ToSlash(rel), d.Name(), p) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(d.Name(), ".pyc") {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%o\x00%d\x00%d\n", filepath.ToSlash(rel), fi.Mode(), fi.Size(), fi.ModTime().UnixNano())
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("reading the source tree %s: %w", dir, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
