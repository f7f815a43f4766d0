// Package writable decides whether pyshim may write somewhere: never into
// a Nix store and never onto a read-only file system. Read-only is judged
// by the mount (statfs), not by permission bits, which root ignores.
package writable

import (
	"os"
	"path/filepath"
)

// DefaultStoreDir is the Nix store when NIX_STORE_DIR is not set.
const DefaultStoreDir = "/nix/store"

// InStore reports whether p lies in the Nix store (storeDir, else
// DefaultStoreDir), as written or once the symlinks of its existing part
// are resolved; it returns the store as a message should name it.
func InStore(p, storeDir string) (string, bool) {
	if storeDir == "" {
		storeDir = DefaultStoreDir
	}
	storeDir = filepath.Clean(storeDir)
	if Within(p, storeDir) {
		return storeDir, true
	}
	realStore, err := filepath.EvalSymlinks(storeDir)
	if err != nil {
		realStore = storeDir
	}
	existing := NearestExisting(p)
	real, err := filepath.EvalSymlinks(existing)
	if err != nil {
		return "", false
	}
	rest, _ := filepath.Rel(existing, p)
	full := filepath.Join(real, rest)
	return storeDir, Within(full, realStore) || Within(full, storeDir)
}

// Within reports whether p is dir or lies below it (lexically).
func Within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && (rel == "." || filepath.IsLocal(rel))
}

// NearestExisting returns p, or its closest ancestor that exists.
func NearestExisting(p string) string {
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
