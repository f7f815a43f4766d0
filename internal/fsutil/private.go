package fsutil

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// ErrNotOwned is wrapped by ReadFileOwned's error for a file that belongs
// to another user: pyshim never takes another user's cache entry, trust
// list or state for its own.
var ErrNotOwned = errors.New("owned by another user")

// PrivateFile and PrivateDir are the modes of pyshim's own cache, state
// and trust files and of the directories it makes for them.
const (
	PrivateFile os.FileMode = 0o600
	PrivateDir  os.FileMode = 0o700
)

// OwnedByMe reports whether fi belongs to the effective user.
func OwnedByMe(fi os.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return !ok || int(st.Uid) == os.Geteuid()
}

// ReadFileOwned is os.ReadFile for pyshim's own files: it fails with an
// error wrapping ErrNotOwned when the file belongs to another user. The
// owner is checked on the opened file, so a rename in between cannot
// swap another file in.
func ReadFileOwned(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !OwnedByMe(fi) {
		return nil, fmt.Errorf("%s: %w", path, ErrNotOwned)
	}
	data := make([]byte, 0, fi.Size()+1)
	for {
		n, err := f.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return nil, err
		}
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
	}
}

// MkdirAllPrivate makes dir and its missing parents, each 0700.
func MkdirAllPrivate(dir string) error {
	if err := os.MkdirAll(dir, PrivateDir); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	return nil
}

// WriteFilePrivate is WriteFileAtomic for pyshim's cache, state and trust
// files: the file is 0600 and missing parent directories are made 0700.
// An existing file (another user's too) is replaced by the rename, never
// written in place.
func WriteFilePrivate(path string, data []byte) error {
	if err := MkdirAllPrivate(filepath.Dir(path)); err != nil {
		return err
	}
	return WriteFileAtomic(path, data, PrivateFile)
}
