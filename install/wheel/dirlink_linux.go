package wheel

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// dirLinker makes hard links relative to descriptors of the source and
// destination directories, reopened only when the directory changes. Its
// zero value is ready; close releases the descriptors.
type dirLinker struct {
	srcDir, dstDir string
	srcFd, dstFd   int // valid when the matching dir is set
}

// link hard-links src to the new name dst and reports whether it did; on
// false (dst exists, another file system, ...) the caller places the file
// its own way, which also says what went wrong.
func (l *dirLinker) link(src, dst string) bool {
	sd, sb := splitDir(src)
	dd, db := splitDir(dst)
	if !l.open(&l.srcDir, &l.srcFd, sd) || !l.open(&l.dstDir, &l.dstFd, dd) {
		return false
	}
	for {
		err := unix.Linkat(l.srcFd, sb, l.dstFd, db, 0)
		if err == unix.EINTR {
			continue
		}
		return err == nil
	}
}

// open makes *fd a descriptor of dir, reusing it when *cur is dir already.
func (l *dirLinker) open(cur *string, fd *int, dir string) bool {
	if *cur == dir {
		return true
	}
	if *cur != "" {
		unix.Close(*fd)
		*cur = ""
	}
	f, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	*cur, *fd = dir, f
	return true
}

func (l *dirLinker) close() {
	if l.srcDir != "" {
		unix.Close(l.srcFd)
	}
	if l.dstDir != "" {
		unix.Close(l.dstFd)
	}
	l.srcDir, l.dstDir = "", ""
}

// dirStater stats the members of one directory (a flat unpacked wheel)
// relative to a descriptor of it: one name looked up per file, not the
// whole long path. Its zero value (or a failed open) stats by path.
type dirStater struct {
	fd int // valid when ok
	ok bool
}

func openDirStater(dir string) dirStater {
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return dirStater{}
	}
	return dirStater{fd: fd, ok: true}
}

// regularSize returns the size of the regular file name in dir (whose
// path is path), and an error for anything else, a symlink included.
func (d dirStater) regularSize(path, name string) (int64, error) {
	if !d.ok {
		st, err := lstatRegular(path)
		if err != nil {
			return 0, err
		}
		return st.Size(), nil
	}
	var st unix.Stat_t
	for {
		err := unix.Fstatat(d.fd, name, &st, unix.AT_SYMLINK_NOFOLLOW)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 0, &os.PathError{Op: "lstat", Path: path, Err: err}
		}
		break
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		st, err := lstatRegular(path) // says what it is
		if err != nil {
			return 0, err
		}
		return 0, fmt.Errorf("%s is a %v, not a regular file", path, st.Mode().Type())
	}
	return st.Size, nil
}

func (d dirStater) close() {
	if d.ok {
		unix.Close(d.fd)
	}
}
