//go:build !linux

package wheel

import "os"

// dirLinker links by path where O_PATH directory descriptors are not
// available.
type dirLinker struct{}

func (dirLinker) link(src, dst string) bool { return os.Link(src, dst) == nil }
func (dirLinker) close()                    {}
