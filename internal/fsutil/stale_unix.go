//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package fsutil

import (
	"os"
	"syscall"
)

// lockDir takes parent's shared (or, with exclusive, exclusive) flock and
// returns its release; a directory that cannot be opened or locked is
// not locked.
func lockDir(parent string, exclusive bool) func() {
	f, err := os.Open(parent)
	if err != nil {
		return func() {}
	}
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	for {
		err = syscall.Flock(int(f.Fd()), how)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return func() {}
	}
	return func() { f.Close() }
}

// lockEntry takes p's exclusive flock, held by the returned file.
func lockEntry(p string) *Held {
	f, err := os.Open(p)
	if err != nil {
		return &Held{}
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return &Held{}
	}
	return &Held{f: f}
}

// lockFile takes f's exclusive flock (held while f is open).
func lockFile(f *os.File) { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) }

// stale reports whether nobody holds p's lock (taking it for a moment).
func stale(p string) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil
}
