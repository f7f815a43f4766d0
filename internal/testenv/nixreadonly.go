package testenv

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"syscall"
	"testing"
)

// MountNamespaceEnv is set to "1" in a test binary that InMountNamespace
// re-executed inside a private mount namespace.
const MountNamespaceEnv = "PYSHIM_TEST_MNTNS"

// parentNamespaceEnv carries the mount namespace of the process that ran
// unshare, so that the child can check it really is in another one.
const parentNamespaceEnv = "PYSHIM_TEST_MNTNS_PARENT"

// InMountNamespace is for a package's TestMain, before m.Run: when the
// tests run as root, unshare(1) works, and MountNamespaceEnv is unset, it
// re-executes the test binary under `unshare --mount --propagation
// private` with MountNamespaceEnv=1 and exits with its status. Otherwise it
// returns and the caller goes on with m.Run. Inside the namespace
// MakeReadOnly can bind-mount the store read-only without touching the
// host's mounts.
func InMountNamespace(m *testing.M) {
	_ = m // the caller runs it; taking it keeps this TestMain-only
	if os.Geteuid() != 0 || os.Getenv(MountNamespaceEnv) != "" {
		return
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		return
	}
	if exec.Command(unshare, "--mount", "--propagation", "private", "true").Run() != nil {
		return // no CAP_SYS_ADMIN (e.g. an unprivileged container)
	}
	cmd := exec.Command(unshare, append([]string{"--mount", "--propagation", "private", "--", os.Args[0]}, os.Args[1:]...)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	parent, err := os.Readlink("/proc/self/ns/mnt")
	if err != nil {
		return
	}
	cmd.Env = append(os.Environ(), MountNamespaceEnv+"=1", parentNamespaceEnv+"="+parent)
	err = cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		os.Exit(0)
	case errors.As(err, &ee) && ee.ExitCode() >= 0:
		os.Exit(ee.ExitCode())
	}
	fmt.Fprintf(os.Stderr, "testenv: running tests in a mount namespace: %v\n", err)
	os.Exit(2)
}

// InPrivateMountNamespace reports whether this process runs in a mount
// namespace that InMountNamespace made (and so may mount freely).
func InPrivateMountNamespace() bool {
	if os.Getenv(MountNamespaceEnv) != "1" || os.Geteuid() != 0 {
		return false
	}
	// Comparing with /proc/1/ns/mnt is not reliable in containers, whose
	// pid 1 may already live in another namespace; compare with the
	// namespace InMountNamespace ran unshare from.
	parent := os.Getenv(parentNamespaceEnv)
	self, err := os.Readlink("/proc/self/ns/mnt")
	return err == nil && parent != "" && self != parent
}

// MakeReadOnly protects the store for the rest of the test. It always
// snapshots the store tree (paths, modes, sizes, mtimes, link targets) and
// fails the test at cleanup if anything changed. In a private mount
// namespace (see InMountNamespace) it also bind-mounts the store, and the
// real pyenv prefix the base was copied from, read-only, so that a write
// fails at once with EROFS; the mounts are undone at cleanup. It returns
// whether the read-only mounts are in place.
func (n *Nix) MakeReadOnly(t testing.TB) bool {
	t.Helper()
	before, err := snapshotTree(n.StoreDir)
	if err != nil {
		t.Fatalf("snapshotting store: %v", err)
	}
	mounted := false
	if InPrivateMountNamespace() {
		for _, dir := range []string{n.StoreDir, n.RealPrefix} {
			if err := bindReadOnly(dir); err != nil {
				t.Fatalf("making %s read-only: %v", dir, err)
			}
			t.Cleanup(func() {
				if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
					t.Errorf("unmounting read-only %s: %v", dir, err)
				}
			})
		}
		mounted = true
	}
	t.Cleanup(func() {
		after, err := snapshotTree(n.StoreDir)
		if err != nil {
			t.Errorf("snapshotting store: %v", err)
			return
		}
		for _, d := range diffTrees(before, after) {
			t.Errorf("store changed during the test: %s", d)
		}
	})
	return mounted
}

// bindReadOnly bind-mounts dir onto itself and remounts it read-only.
func bindReadOnly(dir string) error {
	if err := syscall.Mount(dir, dir, "", syscall.MS_BIND|syscall.MS_REC, ""); err != nil {
		return fmt.Errorf("bind mount: %w", err)
	}
	flags := uintptr(syscall.MS_REMOUNT | syscall.MS_BIND | syscall.MS_RDONLY)
	if err := syscall.Mount("", dir, "", flags, ""); err != nil {
		_ = syscall.Unmount(dir, syscall.MNT_DETACH)
		return fmt.Errorf("read-only remount: %w", err)
	}
	return nil
}

// treeEntry is what a snapshot records of one path.
type treeEntry struct {
	mode  fs.FileMode
	size  int64
	mtime int64
	link  string
}

func (e treeEntry) String() string {
	s := fmt.Sprintf("mode %v size %d mtime %d", e.mode, e.size, e.mtime)
	if e.link != "" {
		s += " -> " + e.link
	}
	return s
}

// snapshotTree records every path under root without following symlinks.
func snapshotTree(root string) (map[string]treeEntry, error) {
	out := map[string]treeEntry{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		e := treeEntry{mode: fi.Mode(), size: fi.Size(), mtime: fi.ModTime().UnixNano()}
		if fi.Mode()&fs.ModeSymlink != 0 {
			if e.link, err = os.Readlink(p); err != nil {
				return err
			}
		}
		if fi.IsDir() {
			e.size = 0 // directory sizes vary by filesystem; mtime tells
		}
		rel, _ := filepath.Rel(root, p)
		out[rel] = e
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("walking %s: %w", root, err)
	}
	return out, nil
}

// diffTrees lists differences between two snapshots, sorted.
func diffTrees(a, b map[string]treeEntry) []string {
	var out []string
	for p, ea := range a {
		eb, ok := b[p]
		switch {
		case !ok:
			out = append(out, "removed "+p)
		case ea != eb:
			out = append(out, fmt.Sprintf("changed %s: %v, was %v", p, eb, ea))
		}
	}
	for p := range b {
		if _, ok := a[p]; !ok {
			out = append(out, "added "+p)
		}
	}
	sort.Strings(out)
	return out
}
