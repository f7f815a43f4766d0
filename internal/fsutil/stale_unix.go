//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package fsutil

import (
	"os"

	"golang.org/x/sys/unix"
)

// lockDir takes parent's shared (or, with exclusive, exclusive) flock and
// returns its release; a directory that cannot be opened or locked is
// not locked.
func lockDir(parent string, exclusive bool) func() {
	f, err := os.Open(parent)
	if err != nil {
		return func() {}
	}
	how := unix.LOCK_SH
	if exclusive {
		how = unix.LOCK_EX
	}
	for {
		err = unix.Flock(int(f.Fd()), how)
		if err != unix.EINTR {
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
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		return &Held{}
	}
	return &Held{f: f}
}

// lockFile takes f's exclusive flock (held while f is open).
func lockFile(f *os.File) { _ = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) }

// stale reports whether nobody holds p's lock (taking it for a moment).
func stale(p string) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	return unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) == nil
}
