//go:build !unix

package wheel

import (
	"archive/zip"
	"os"
)

func mkdirs(dir string) error { return os.MkdirAll(dir, 0o755) }

// mkdirOne makes the directory dir (mode 0755); one that exists is no error.
func mkdirOne(dir string) error {
	if err := os.Mkdir(dir, 0o755); err != nil && !os.IsExist(err) {
		return err
	}
	return nil
}

func openZip(path string) (*zip.Reader, func() error, error) { return openZipFile(path) }
