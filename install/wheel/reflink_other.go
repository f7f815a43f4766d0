//go:build !linux

package wheel

import (
	"errors"
	"os"
)

// reflink is not implemented on this system; callers fall back to hard
// links or copies.
func reflink(src, dst string) error {
	return &os.PathError{Op: "reflink", Path: dst, Err: errors.ErrUnsupported}
}
