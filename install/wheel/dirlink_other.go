//go:build !linux

package wheel

import "os"

// dirLinker links by path where O_PATH directory descriptors are not
// available.
type dirLinker struct{}

func (dirLinker) link(src, dst string) bool { return os.Link(src, dst) == nil }
func (dirLinker) close()                    {}

// dirStater stats by path where O_PATH directory descriptors are not
// available.
type dirStater struct{}

func openDirStater(string) dirStater { return dirStater{} }

func (dirStater) regularSize(path, _ string) (int64, error) {
	st, err := lstatRegular(path)
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

func (dirStater) close() {}
