package venv

import (
	"errors"

	"golang.org/x/sys/unix"
)

// exchange atomically swaps the directories a and b (renameat2
// RENAME_EXCHANGE). ok is false when the file system cannot; the caller
// then falls back to two renames.
func exchange(a, b string) (ok bool, err error) {
	err = unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EOPNOTSUPP) {
		return false, nil
	}
	return err == nil, err
}
