//go:build unix

package wheel

import (
	"archive/zip"
	"errors"
	"os"
	"runtime/debug"
	"syscall"
)

// This file holds the few file-system calls an install makes thousands of
// times, without the os package's per-file overhead: reading a zip member
// through an *os.File costs a pread per buffer (new files are written by
// fsutil.CreateNew's bare descriptors).

// mkdirs creates dir and its missing parents with mode 0755: one mkdir for
// a directory whose parent exists (os.MkdirAll stats first).
func mkdirs(dir string) error {
	err := syscall.Mkdir(dir, 0o755)
	switch {
	case err == nil || err == syscall.EEXIST:
		return nil
	case err == syscall.ENOENT:
		if parent, _ := splitDir(dir); parent != dir {
			if err := mkdirs(parent); err != nil {
				return err
			}
			if err := syscall.Mkdir(dir, 0o755); err == nil || err == syscall.EEXIST {
				return nil
			}
		}
	}
	return os.MkdirAll(dir, 0o755) // the slow path says what is wrong
}

// openZip opens the wheel at path as a zip archive read from a read-only
// mapping of the file: no copy, and the kernel maps the cached pages many
// at a time. Reading the mapping faults if the file shrinks meanwhile;
// code that reads the archive runs under faultGuard. close unmaps it.
func openZip(path string) (zr *zip.Reader, close func() error, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	size := st.Size()
	if size <= 0 || int64(int(size)) != size {
		return openZipFile(path)
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return openZipFile(path)
	}
	unmap := func() error { return syscall.Munmap(data) }
	zr, err = readZip(data)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		unmap()
		return nil, nil, err
	}
	return zr, unmap, err
}

// readZip reads the central directory of the archive in data.
func readZip(data []byte) (zr *zip.Reader, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer faultGuard(&err)
	return zip.NewReader(mappedData(data), int64(len(data)))
}
