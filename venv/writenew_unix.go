//go:build unix

package venv

import (
	"io"
	"os"
	"syscall"
)

// writeNew creates the file p with data and exactly mode perm. It goes by
// the raw descriptor: os.OpenFile would spend four fcntls and an epoll
// registration on each of a venv's files, a tenth of its syscalls.
func writeNew(p string, data []byte, perm os.FileMode) error {
	var fd int
	for {
		var err error
		fd, err = syscall.Open(p, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL|syscall.O_CLOEXEC, uint32(perm.Perm()))
		if err == nil {
			break
		}
		if err != syscall.EINTR {
			return &os.PathError{Op: "open", Path: p, Err: err}
		}
	}
	var werr error
	for len(data) > 0 {
		n, err := syscall.Write(fd, data)
		if err == syscall.EINTR {
			continue
		}
		if err == nil && n == 0 {
			err = io.ErrShortWrite
		}
		if err != nil {
			werr = &os.PathError{Op: "write", Path: p, Err: err}
			break
		}
		data = data[n:]
	}
	if err := syscall.Close(fd); err != nil && werr == nil {
		werr = &os.PathError{Op: "close", Path: p, Err: err}
	}
	return werr
}
