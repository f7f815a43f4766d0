package fsutil

import (
	"os"
	"path/filepath"
)

// A temporary file or directory that a process writes and renames into
// place is left behind when the process is killed. CreateLocked and
// RemoveStale tell such leftovers from the temporaries of live processes:
// a live writer holds an advisory lock (flock) on its temporary, which the
// kernel drops when the process dies, and creation itself happens under a
// shared lock of the parent directory, so that a cleaner (holding the
// parent's exclusive lock) never sees a temporary that exists but is not
// locked yet. Nothing is written for the locks: they are taken on the
// directories and files themselves.

// Held is the lock CreateLocked took; Release drops it (the process's
// exit drops it too).
type Held struct{ f *os.File }

// Release drops the lock.
func (h *Held) Release() {
	if h != nil && h.f != nil {
		h.f.Close()
		h.f = nil
	}
}

// CreateLocked runs create, which makes a new temporary entry in parent
// and returns its path, and locks that entry, so that RemoveStale leaves
// it alone until the returned lock is released or the process ends. Where
// locks are not supported it only runs create.
func CreateLocked(parent string, create func() (string, error)) (string, *Held, error) {
	unlock := lockDir(parent, false)
	defer unlock()
	p, err := create()
	if err != nil {
		return "", nil, err
	}
	return p, lockEntry(p), nil
}

// CreateTempLocked is os.CreateTemp(dir, pattern) with the file locked as
// CreateLocked locks it, for as long as the returned file is open.
func CreateTempLocked(dir, pattern string) (*os.File, error) {
	unlock := lockDir(dir, false)
	defer unlock()
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, err
	}
	lockFile(f)
	return f, nil
}

// Commit runs finish (which closes a temporary from CreateTempLocked and
// renames it into place) under dir's shared lock, so that no RemoveStale
// takes the temporary for a leftover between its close and its rename.
func Commit(dir string, finish func() error) error {
	unlock := lockDir(dir, false)
	defer unlock()
	return finish()
}

// RemoveStale removes the entries of parent whose names match (and that
// match says are temporaries) when no live process holds their
// CreateLocked lock: what killed processes left. Errors are ignored; a
// leftover that cannot be removed stays.
func RemoveStale(parent string, match func(name string) bool) {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	var cands []string
	for _, e := range entries {
		if match(e.Name()) {
			cands = append(cands, filepath.Join(parent, e.Name()))
		}
	}
	if len(cands) == 0 {
		return
	}
	unlock := lockDir(parent, true)
	defer unlock()
	for _, p := range cands {
		if stale(p) {
			_ = os.RemoveAll(p)
		}
	}
}

// IsStale reports whether p, a temporary that CreateLocked made, is not
// held by a live process (false where locks are not supported).
func IsStale(p string) bool { return stale(p) }
