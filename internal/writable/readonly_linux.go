package writable

import "golang.org/x/sys/unix"

// ReadOnly reports whether the file system holding path is mounted
// read-only (statfs ST_RDONLY): permission bits say nothing to root.
func ReadOnly(path string) (bool, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return false, err
	}
	return st.Flags&unix.ST_RDONLY != 0, nil
}
