//go:build unix

package fsutil

import (
	"io"
	"os"
	"syscall"
)

// NewFile is a file CreateNew made, open for writing by its bare
// descriptor: an *os.File would register it with the runtime poller (two
// fcntls there, an epoll_ctl, two fcntls back), which an installer or a
// venv writing thousands of files pays for every one.
type NewFile struct {
	fd   int
	name string
}

// CreateNew creates path, which must not exist, for writing with mode perm
// (less the umask).
func CreateNew(path string, perm os.FileMode) (*NewFile, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL|syscall.O_CLOEXEC, uint32(perm.Perm()))
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "open", Path: path, Err: err}
		}
		return &NewFile{fd: fd, name: path}, nil
	}
}

// Write writes all of p.
func (f *NewFile) Write(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m, err := syscall.Write(f.fd, p[n:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return n, &os.PathError{Op: "write", Path: f.name, Err: err}
		}
		if m == 0 {
			return n, &os.PathError{Op: "write", Path: f.name, Err: io.ErrShortWrite}
		}
		n += m
	}
	return n, nil
}

// Close closes the descriptor.
func (f *NewFile) Close() error {
	if err := syscall.Close(f.fd); err != nil {
		return &os.PathError{Op: "close", Path: f.name, Err: err}
	}
	return nil
}
