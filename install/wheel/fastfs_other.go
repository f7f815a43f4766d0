//go:build !unix

package wheel

import (
	"archive/zip"
	"os"
)

func mkdirs(dir string) error { return os.MkdirAll(dir, 0o755) }

func openZip(path string) (*zip.Reader, func() error, error) { return openZipFile(path) }
