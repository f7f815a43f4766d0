// Package cache is pyshim's content-addressed wheel cache: each wheel is
// unpacked once, into a directory named by the sha256 of the wheel file,
// and installs then link (reflink, else hardlink, else copy, per file) from
// that tree into environments. The downloaded wheel files themselves are
// kept by the index client's HTTP cache beside it (Cache.IndexDir).
//
// Entries are immutable once they exist. Every entry appears by one rename
// of a fully written temporary sibling, so processes that race on the same
// wheel are safe: the first rename wins and the others use its tree.
package cache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/pyshim/pyshim/install/wheel"

	"github.com/pyshim/pyshim/internal/fsutil"
)

// layout names the on-disk format; a change of format takes a new name so
// that an older pyshim's entries are never misread.
const layout = "wheels-v2"

// Cache is a wheel cache rooted at Dir ($XDG_CACHE_HOME/pyshim).
type Cache struct {
	Dir string
}

// New returns the cache rooted at dir.
func New(dir string) *Cache { return &Cache{Dir: dir} }

// IndexDir is where the index client keeps pages, metadata files and
// downloaded wheels.
func (c *Cache) IndexDir() string { return filepath.Join(c.Dir, "index") }

// unpackedDir is the entry of a wheel whose sha256 is sum (lower-case hex).
func (c *Cache) unpackedDir(sum string) string {
	return filepath.Join(c.Dir, layout, "sha256", sum)
}

// validSum reports whether s is a lower-case hex sha256 digest.
func validSum(s string) bool {
	if len(s) != sha256.Size*2 {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdef", r) {
			return false
		}
	}
	return true
}

// Lookup returns the unpacked tree of the wheel whose sha256 is sum, when
// the cache holds it. A tree that belongs to another user (or is a
// symlink) is not ours to use: it is a miss.
func (c *Cache) Lookup(sum string) (string, bool) {
	sum = strings.ToLower(sum)
	if !validSum(sum) {
		return "", false
	}
	dir := c.unpackedDir(sum)
	if fi, err := os.Lstat(dir); err == nil && fi.IsDir() && fsutil.OwnedByMe(fi) {
		return dir, true
	}
	return "", false
}

// Unpack returns the unpacked tree of the wheel file at wheelPath, unpacking
// it (verified against its RECORD) the first time. sum is the file's sha256
// when the caller already verified it; "" makes Unpack hash the file. It
// returns the tree and the sha256 it is filed under.
func (c *Cache) Unpack(ctx context.Context, wheelPath, sum string) (dir, digest string, err error) {
	sum = strings.ToLower(sum)
	if !validSum(sum) {
		if sum, err = HashFile(wheelPath); err != nil {
			return "", "", err
		}
	}
	if dir, ok := c.Lookup(sum); ok {
		return dir, sum, nil
	}
	dir = c.unpackedDir(sum)
	if fi, err := os.Lstat(dir); err == nil {
		if fi.IsDir() && fsutil.OwnedByMe(fi) {
			return dir, sum, nil // ours, renamed into place meanwhile
		}
		// Someone else's tree (Lookup refused it): move it aside, so that
		// ours takes its place by a rename.
		if err := c.Evict(sum); err != nil {
			return "", "", err
		}
	}
	if err := wheel.Unpack(ctx, wheelPath, dir); err != nil {
		return "", "", err
	}
	return dir, sum, nil
}

// Evict removes the entry of sum (a tree found damaged), so that the next
// Unpack makes it again. Other processes using the tree keep their open
// files; a concurrent Unpack of the same wheel simply makes it anew.
func (c *Cache) Evict(sum string) error {
	sum = strings.ToLower(sum)
	if !validSum(sum) {
		return fmt.Errorf("evicting %q from the wheel cache: not a sha256 digest", sum)
	}
	dir := c.unpackedDir(sum)
	// Rename first so that nobody sees a half-removed tree under the
	// entry's name.
	trash, err := os.MkdirTemp(filepath.Dir(dir), ".evict-*")
	if err != nil {
		return fmt.Errorf("evicting %s: %w", dir, err)
	}
	defer os.RemoveAll(trash)
	if err := os.Rename(dir, filepath.Join(trash, "t")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("evicting %s: %w", dir, err)
	}
	return nil
}

// HashFile returns the sha256 of the file at path, in lower-case hex.
func HashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("hashing %s: %w", path, err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hashing %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
