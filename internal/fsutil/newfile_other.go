//go:build !unix

package fsutil

import "os"

// NewFile is a file CreateNew made, open for writing.
type NewFile = os.File

// CreateNew creates path, which must not exist, for writing with mode perm
// (less the umask).
func CreateNew(path string, perm os.FileMode) (*NewFile, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
}
