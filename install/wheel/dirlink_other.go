//go:build !linux

package wheel

import "os"

// localFS: raw system calls are Linux's only.
func localFS(string) bool { return false }

// makeDir makes the directory dir (mode 0755); one that exists is no
// error.
func makeDir(dir string, _ bool) error {
	if err := os.Mkdir(dir, 0o755); err != nil && !os.IsExist(err) {
		return err
	}
	return nil
}

// dirLinker links by path where O_PATH directory descriptors are not
// available.
type dirLinker struct{ raw bool }

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
