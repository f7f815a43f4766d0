package wheel

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The calls a warm install makes once per file (link) or directory
// (mkdir) are, on a local file system, a few to a few tens of
// microseconds of kernel work that never waits for a device for long.
// Made through the Go scheduler's syscall path, every one that outlasts
// the monitor's 20 us tick has its P handed to another thread and taken
// back afterwards: with two workers per core that is thousands of futex
// wake-ups and thread switches per install (measured: 5% of a warm
// install's wall time). On the file systems localFS names they are made
// as raw system calls instead, which keep their P; anywhere else (NFS,
// FUSE, ...), where a call can hang, they go the usual way, so a stuck
// server cannot also stall the scheduler.

// localMagic lists the statfs magic numbers of local disk and memory
// file systems.
var localMagic = map[int64]bool{
	0xEF53:     true, // ext2, ext3, ext4
	0x58465342: true, // xfs
	0x9123683E: true, // btrfs
	0xF2F52010: true, // f2fs
	0x2FC12FC1: true, // zfs
	0xCA451A4E: true, // bcachefs
	0x01021994: true, // tmpfs
	0x858458F6: true, // ramfs
	0x794C7630: true, // overlayfs (containers; its layers are local)
}

// localFS reports whether the directory dir is on a local disk or memory
// file system.
func localFS(dir string) bool {
	var st unix.Statfs_t
	return unix.Statfs(dir, &st) == nil && localMagic[int64(st.Type)]
}

// linkat hard-links name src in the directory srcFd to dst in dstFd, as a
// raw call when raw is set; buf is scratch space for the two
// NUL-terminated names, kept between calls so that a link allocates
// nothing.
func linkat(srcFd int, src string, dstFd int, dst string, raw bool, buf *[]byte) error {
	if !raw {
		return unix.Linkat(srcFd, src, dstFd, dst, 0)
	}
	if strings.IndexByte(src, 0) >= 0 || strings.IndexByte(dst, 0) >= 0 {
		return unix.EINVAL
	}
	b := append(append(append(append((*buf)[:0], src...), 0), dst...), 0)
	*buf = b
	_, _, e := unix.RawSyscall6(unix.SYS_LINKAT, uintptr(srcFd), uintptr(unsafe.Pointer(&b[0])), uintptr(dstFd), uintptr(unsafe.Pointer(&b[len(src)+1])), 0, 0)
	runtime.KeepAlive(b)
	if e != 0 {
		return e
	}
	return nil
}

// makeDir makes the directory dir (mode 0755); one that exists is no
// error. raw: dir is on a local file system.
func makeDir(dir string, raw bool) error {
	var err error
	if !raw {
		err = unix.Mkdirat(unix.AT_FDCWD, dir, 0o755)
	} else if p, perr := unix.BytePtrFromString(dir); perr != nil {
		err = perr
	} else {
		cwd := unix.AT_FDCWD
		if _, _, e := unix.RawSyscall(unix.SYS_MKDIRAT, uintptr(cwd), uintptr(unsafe.Pointer(p)), 0o755); e != 0 {
			err = e
		}
	}
	if err != nil && err != unix.EEXIST {
		return &os.PathError{Op: "mkdir", Path: dir, Err: err}
	}
	return nil
}

// dirLinker makes hard links relative to descriptors of the source and
// destination directories, reopened only when the directory changes. Its
// zero value is ready; close releases the descriptors. raw: the
// destination is on a local file system (then so is the source of any
// link that works).
type dirLinker struct {
	srcDir, dstDir string
	srcFd, dstFd   int // valid when the matching dir is set
	raw            bool
	names          []byte // linkat's scratch space
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
		err := linkat(l.srcFd, sb, l.dstFd, db, l.raw, &l.names)
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
