package wheel

import "golang.org/x/sys/unix"

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
