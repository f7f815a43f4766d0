package wheel

import (
	"os"
	"syscall"
)

// ficlone is FICLONE, _IOW(0x94, 9, int).
const ficlone = 0x40049409

// reflink makes dst a copy-on-write clone of src (btrfs, xfs, bcachefs);
// it fails with EOPNOTSUPP, EXDEV or EINVAL where cloning is not possible.
func reflink(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, st.Mode().Perm())
	if err != nil {
		return err
	}
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, out.Fd(), ficlone, in.Fd())
	cerr := out.Close()
	if errno != 0 {
		os.Remove(dst)
		return &os.PathError{Op: "ficlone", Path: dst, Err: errno}
	}
	if cerr != nil {
		os.Remove(dst)
	}
	return cerr
}
