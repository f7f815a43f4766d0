package shim

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/pyshim/pyshim/internal/fsutil"
	"github.com/pyshim/pyshim/plugins/sdk/interp"
)

// formatVersion is the version of the entry format and of the key
// derivation; entries of another version are misses.
const formatVersion = "1"

// RacyWindow is how recently a fingerprinted file may have changed for its
// fingerprint to be trusted. File timestamps come from a coarse clock (a
// kernel tick; a second or two on some file systems), so a file changed
// again within the same tick after the resolver read it keeps its
// fingerprint. An entry with a file changed less than RacyWindow before
// the resolution started is not written; the next call resolves again.
const RacyWindow = 2 * time.Second

// Entry is one cached resolution: what to exec for a shim name in a given
// situation (the key), and the fingerprints that must all still hold.
type Entry struct {
	Format string `json:"format"`
	Key    string `json:"key"`
	Name   string `json:"name"`
	Target Target `json:"target"`
	// Final is set when Target.File is a real interpreter (a binary, or a
	// script whose #! names an interpreter by absolute path) that cannot
	// come back to a shim; the hop counter is then removed before the exec.
	Final bool `json:"final"`
	// Interp is the resolved interpreter, for people and `pyshim cache
	// list`; Decode leaves it to Interpreter.
	Interp    interp.Interpreter
	rawInterp string
	// Files are the fingerprints of everything whose change could change
	// the answer.
	Files []Fingerprint `json:"files"`
}

// Target is exactly what to exec.
type Target struct {
	// File is the absolute path of the executable.
	File string `json:"file"`
	// Argv holds argv[0] (an absolute path) and any flags that precede the
	// user's arguments ("-m pip", a wrapper's flags).
	Argv []string `json:"argv"`
	// Env lists the environment operations to apply.
	Env []interp.EnvOp `json:"env,omitempty"`
	// Chdir is a directory to change to first.
	Chdir string `json:"chdir,omitempty"`
}

// Fingerprint is the identity of a path at one moment: device, inode,
// mode, size and modification time, or its absence.
type Fingerprint struct {
	Path string `json:"p"`
	// Follow fingerprints the file a symlink points to rather than the
	// link itself.
	Follow bool   `json:"f,omitempty"`
	Absent bool   `json:"a,omitempty"`
	Dev    uint64 `json:"d,omitempty"`
	Ino    uint64 `json:"i,omitempty"`
	Mode   uint32 `json:"m,omitempty"`
	Size   int64  `json:"s,omitempty"`
	Mtime  int64  `json:"t,omitempty"`
}

// take fingerprints path with lstat (follow false) or stat (true).
func take(path string, follow bool) Fingerprint {
	f := Fingerprint{Path: path, Follow: follow}
	var fi os.FileInfo
	var err error
	if follow {
		fi, err = os.Stat(path)
	} else {
		fi, err = os.Lstat(path)
	}
	if err != nil {
		f.Absent = true
		return f
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		f.Dev, f.Ino = uint64(st.Dev), st.Ino
	}
	f.Mode = uint32(fi.Mode())
	if !fi.IsDir() {
		f.Size = fi.Size()
	}
	f.Mtime = fi.ModTime().UnixNano()
	return f
}

// Fingerprints returns the fingerprints of path: the path itself (not
// followed) and, when it is a symlink, the file it resolves to.
func Fingerprints(path string) []Fingerprint {
	l := take(path, false)
	if l.Absent || os.FileMode(l.Mode)&os.ModeSymlink == 0 {
		return []Fingerprint{l}
	}
	return []Fingerprint{l, take(path, true)}
}

// Holds reports whether the path still has this fingerprint.
func (f *Fingerprint) Holds() bool {
	return take(f.Path, f.Follow) == *f
}

// Racy reports whether the path changed so close to start (the moment the
// resolution began) that its fingerprint cannot be trusted.
func (f *Fingerprint) Racy(start time.Time) bool {
	return !f.Absent && f.Mtime > start.Add(-RacyWindow).UnixNano()
}

// EntryPath is the file holding the entry for key under dir.
func EntryPath(dir, key string) string { return filepath.Join(dir, key+".json") }

// MissError says why a cached entry cannot be used.
type MissError struct{ Reason string }

func (e *MissError) Error() string { return "cache miss: " + e.Reason }

func miss(format string, args ...any) error {
	return &MissError{Reason: fmt.Sprintf(format, args...)}
}

// Lookup returns the entry for key when it exists, parses, belongs to key
// and all its fingerprints hold. Anything else (no entry, a corrupt or
// truncated one, a changed file) is a *MissError that says why.
func Lookup(dir, key string) (*Entry, error) {
	data, err := fsutil.ReadFileOwned(EntryPath(dir, key))
	if errors.Is(err, fsutil.ErrNotOwned) {
		// Another user's entry is never used; the next Write replaces it.
		return nil, miss("entry owned by another user")
	}
	if err != nil {
		return nil, miss("no entry")
	}
	e, err := Decode(data)
	if err != nil {
		return nil, err
	}
	if e.Key != key {
		return nil, miss("entry belongs to another key")
	}
	if p := e.Changed(); p != "" {
		return nil, miss("%s changed", p)
	}
	return e, nil
}

// Decode parses an entry and checks that it is complete.
func Decode(data []byte) (*Entry, error) {
	e, err := decode(string(data))
	if err != nil {
		return nil, miss("corrupt entry: %v", err)
	}
	switch {
	case e.Format != formatVersion:
		return nil, miss("entry format %q, want %s", e.Format, formatVersion)
	case !filepath.IsAbs(e.Target.File) || len(e.Target.Argv) == 0 || len(e.Files) == 0:
		return nil, miss("incomplete entry")
	}
	return e, nil
}

// Changed returns the first fingerprinted path that no longer matches, or
// "" when all hold.
func (e *Entry) Changed() string {
	for i := range e.Files {
		if !e.Files[i].Holds() {
			return e.Files[i].Path
		}
	}
	return ""
}

// Write stores e under dir atomically (a temporary file and a rename), so
// that concurrent readers see the old entry, the new one or none. Entries
// are 0600 in 0700 directories, and an entry of another user's is replaced
// by the rename, never written in place.
func Write(dir string, e *Entry) error {
	e.Format = formatVersion
	data, err := e.encode()
	if err != nil {
		return err
	}
	return fsutil.WriteFilePrivate(EntryPath(dir, e.Key), data)
}
