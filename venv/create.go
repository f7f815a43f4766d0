package venv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/pyshim/pyshim/internal/fsutil"
	"github.com/pyshim/pyshim/internal/writable"
	"github.com/pyshim/pyshim/plugins/sdk/interp"
)

// Seeder installs packages into a venv that is still being built: staging
// is where its files are now, l.Dir where they will be (and what scripts
// must name).
type Seeder func(ctx context.Context, staging string, l *Layout) error

// Create checks dir (see Check), writes the venv Plan describes into a
// staging directory next to dir, runs seed on it when not nil, and renames
// it into place. An existing venv is rebuilt with its installed packages
// kept (a different Python minor version needs o.Clear); with o.Clear,
// whatever dir held is replaced. On failure nothing is left behind.
func Create(ctx context.Context, dir string, b *Base, o Options, seed Seeder) (*Layout, error) {
	dest, err := check(dir, o)
	if err != nil {
		return nil, err
	}
	l, err := Plan(dir, b, o)
	if err != nil {
		return nil, err
	}
	for _, p := range []string{l.Home, l.Python} {
		if writable.Within(p, dir) {
			return nil, fmt.Errorf("refusing to create a venv in %s from %s, which lives there; choose another interpreter with -p", dir, l.Python)
		}
	}
	keep := dest.venv && !o.Clear
	if keep {
		if err := sameSeries(dir, l); err != nil {
			return nil, err
		}
	}

	parent := filepath.Dir(dir)
	made, err := mkdirAll(parent)
	if err != nil {
		return nil, err
	}
	prefix := "." + filepath.Base(dir) + ".pyshim-"
	removeStale(parent, prefix, dir)
	staging, held, err := fsutil.CreateLocked(parent, func() (string, error) { return mkdirUnique(parent, prefix) })
	if err != nil {
		removeMade(made)
		return nil, fmt.Errorf("creating a staging directory next to %s: %w", dir, err)
	}
	defer held.Release()
	fail := func(err error) (*Layout, error) {
		os.RemoveAll(staging)
		removeMade(made)
		return nil, err
	}
	if err := write(staging, l); err != nil {
		return fail(err)
	}
	if seed != nil {
		if err := seed(ctx, staging, l); err != nil {
			return fail(err)
		}
	}
	if keep {
		// The installed packages join the new venv before it replaces
		// the old one, as links: until the swap, dir is untouched.
		if err := linkOver(dir, staging); err != nil {
			return fail(fmt.Errorf("carrying the installed packages of %s over: %w", dir, err))
		}
	}
	if !dest.exists {
		if err := os.Rename(staging, dir); err != nil {
			return fail(fmt.Errorf("moving the new venv into place at %s: %w", dir, err))
		}
		return l, nil
	}
	if dest.empty {
		// Fill the directory itself rather than replace it: it may be a
		// mount point, or some shell's working directory.
		if err := moveEntries(staging, dir); err != nil {
			return fail(err)
		}
		os.Remove(staging)
		return l, nil
	}
	old, err := swap(staging, dir)
	if err != nil {
		return fail(err)
	}
	if err := os.RemoveAll(old); err != nil {
		return nil, fmt.Errorf("removing the previous contents of %s (now in %s): %w", dir, old, err)
	}
	return l, nil
}

// sameSeries refuses to rebuild an existing venv for another Python
// (another minor version or implementation, whose site-packages is
// elsewhere): its installed packages would not fit.
func sameSeries(dir string, l *Layout) error {
	cfg, _ := interp.ReadPyvenvCfg(filepath.Join(dir, "pyvenv.cfg"))
	have, err1 := interp.ParseVersion(cfg.Version)
	want, err2 := interp.ParseVersion(l.Version)
	same := err1 == nil && err2 == nil && have.MinorString() == want.MinorString() &&
		(cfg.Implementation == "" || cfg.Implementation == l.Implementation)
	if fi, err := os.Stat(filepath.Join(dir, l.Purelib)); err != nil || !fi.IsDir() {
		same = false
	}
	if !same {
		what := "another Python"
		if cfg.Version != "" {
			what = "Python " + cfg.Version
		}
		return fmt.Errorf("%s is a venv of %s; pass --clear to replace it with a venv of %s %s", dir, what, l.ImplementationName(), l.Version)
	}
	return nil
}

// swap puts staging at dir and returns where dir's previous contents are
// now; they are the caller's to remove.
func swap(staging, dir string) (string, error) {
	ok, err := exchange(staging, dir)
	if err != nil {
		return "", fmt.Errorf("moving the new venv into place at %s: %w", dir, err)
	}
	if ok {
		return staging, nil
	}
	old, err := mkdirUnique(filepath.Dir(dir), "."+filepath.Base(dir)+".pyshim-old-")
	if err != nil {
		return "", fmt.Errorf("moving the new venv into place at %s: %w", dir, err)
	}
	// rename(2) replaces the empty directory just made (os.Rename refuses
	// an existing directory, so call it directly).
	if err := syscall.Rename(dir, old); err != nil {
		os.Remove(old)
		return "", fmt.Errorf("moving %s aside: %w", dir, err)
	}
	if err := os.Rename(staging, dir); err != nil {
		if back := os.Rename(old, dir); back != nil {
			return "", fmt.Errorf("moving the new venv into place at %s: %w (its previous contents are in %s)", dir, err, old)
		}
		return "", fmt.Errorf("moving the new venv into place at %s: %w", dir, err)
	}
	return old, nil
}

// mkdirUnique creates a new directory dir/prefixNNN with mode 0777 less
// the umask, as python -m venv makes its directories (os.MkdirTemp's are
// 0700).
func mkdirUnique(dir, prefix string) (string, error) {
	var buf [6]byte
	for i := 0; i < 100; i++ {
		if _, err := rand.Read(buf[:]); err != nil {
			return "", err
		}
		p := filepath.Join(dir, prefix+hex.EncodeToString(buf[:]))
		err := os.Mkdir(p, 0o777)
		if err == nil {
			return p, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", err
		}
	}
	return "", fmt.Errorf("no free name for %s* in %s", prefix, dir)
}

// moveEntries moves every entry of from into the empty directory to; on
// failure it moves back what it had moved. pyvenv.cfg goes last: a process
// killed in the middle leaves a directory that is not taken for a venv
// (a re-run says to pass --clear), never a venv with parts missing.
func moveEntries(from, to string) error {
	entries, err := os.ReadDir(from)
	if err != nil {
		return fmt.Errorf("reading %s: %w", from, err)
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[j].Name() == "pyvenv.cfg" && entries[i].Name() != "pyvenv.cfg" })
	for i, e := range entries {
		if err := os.Rename(filepath.Join(from, e.Name()), filepath.Join(to, e.Name())); err != nil {
			for _, back := range entries[:i] {
				os.Rename(filepath.Join(to, back.Name()), filepath.Join(from, back.Name()))
			}
			return fmt.Errorf("moving the new venv into place at %s: %w", to, err)
		}
	}
	return nil
}

// linkOver gives the new venv in staging everything the venv dir holds
// that it lacks (installed packages, their scripts), recreated as hard
// links (copies where linking fails), directories merged; dir itself is
// not changed.
func linkOver(dir, staging string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("reading %s: %w", dir, err)
	}
	for _, e := range entries {
		from, to := filepath.Join(dir, e.Name()), filepath.Join(staging, e.Name())
		fi, err := os.Lstat(from)
		if err != nil {
			return fmt.Errorf("inspecting %s: %w", from, err)
		}
		have, err := os.Lstat(to)
		switch {
		case err == nil:
			if have.IsDir() && fi.IsDir() {
				if err := linkOver(from, to); err != nil {
					return err
				}
			}
			continue
		case !errors.Is(err, fs.ErrNotExist):
			return fmt.Errorf("inspecting %s: %w", to, err)
		}
		switch {
		case fi.IsDir():
			if err := os.Mkdir(to, fi.Mode().Perm()); err != nil {
				return fmt.Errorf("creating %s: %w", to, err)
			}
			if err := linkOver(from, to); err != nil {
				return err
			}
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(from)
			if err != nil {
				return fmt.Errorf("reading the link %s: %w", from, err)
			}
			if err := os.Symlink(target, to); err != nil {
				return fmt.Errorf("linking %s: %w", to, err)
			}
		case fi.Mode().IsRegular():
			if os.Link(from, to) != nil {
				if err := copyFile(from, to, fi.Mode().Perm()); err != nil {
					return err
				}
			}
		}
		// Sockets, fifos and devices are not a venv's; they stay behind.
	}
	return nil
}

// removeStale removes what a killed `pyshim venv` of dir left next to
// it: staging directories and moved-aside old contents (the entries of
// parent named prefix*) that no live process holds. When dir itself is
// missing because the process was killed between moving the old venv
// aside and the new one in (file systems without RENAME_EXCHANGE), the old
// venv goes back first.
func removeStale(parent, prefix, dir string) {
	match := func(name string) bool { return strings.HasPrefix(name, prefix) }
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		entries, _ := os.ReadDir(parent)
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), prefix+"old-") && e.IsDir() {
				old := filepath.Join(parent, e.Name())
				if fsutil.IsStale(old) && os.Rename(old, dir) == nil {
					break
				}
			}
		}
	}
	fsutil.RemoveStale(parent, match)
}

// write creates the venv l describes in root (its staging directory).
// It makes each directory once, parents first, and nothing twice: on a
// busy disk every file-system call counts.
func write(root string, l *Layout) error {
	made := map[string]bool{".": true}
	var mkdir func(rel string) error
	mkdir = func(rel string) error {
		if made[rel] {
			return nil
		}
		if err := mkdir(filepath.Dir(rel)); err != nil {
			return err
		}
		if err := os.Mkdir(filepath.Join(root, rel), 0o777); err != nil {
			return fmt.Errorf("creating %s: %w", rel, err)
		}
		made[rel] = true
		return nil
	}
	dirs := []string{l.Bin, l.Include, l.Purelib}
	if l.Platlib != l.Purelib && !(l.Lib64 && writable.Within(l.Platlib, "lib64")) {
		dirs = append(dirs, l.Platlib)
	}
	for _, f := range l.Files {
		dirs = append(dirs, filepath.Dir(f.Path))
	}
	for _, d := range dirs {
		if err := mkdir(filepath.Clean(d)); err != nil {
			return err
		}
	}
	if l.Lib64 {
		if err := os.Symlink("lib", filepath.Join(root, "lib64")); err != nil {
			return fmt.Errorf("linking lib64: %w", err)
		}
	}
	for i, ln := range l.Links {
		dst := filepath.Join(root, ln.Path)
		if !l.Copies {
			if err := os.Symlink(ln.Target, dst); err != nil {
				return fmt.Errorf("linking %s: %w", ln.Path, err)
			}
			continue
		}
		src := ln.Target
		if i > 0 {
			src = filepath.Join(root, l.Links[0].Path)
		}
		if err := copyFile(src, dst, 0o755); err != nil {
			return err
		}
	}
	for _, lib := range l.CopyLibs {
		if err := copyFile(lib, filepath.Join(root, l.Bin, filepath.Base(lib)), 0o755); err != nil {
			return err
		}
	}
	for _, f := range l.Files {
		if err := fsutil.WriteNew(filepath.Join(root, f.Path), f.Data, f.Mode); err != nil {
			return fmt.Errorf("writing %s: %w", f.Path, err)
		}
	}
	return nil
}

// copyFile copies src (following symlinks) to a new file dst.
func copyFile(src, dst string, perm os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("copying %s: %w", src, err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return fmt.Errorf("copying %s: %w", src, err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copying %s to %s: %w", src, dst, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("copying %s to %s: %w", src, dst, err)
	}
	return os.Chmod(dst, perm)
}

// mkdirAll creates dir and its missing parents, returning those it made,
// deepest first, so that a failure can remove them again.
func mkdirAll(dir string) ([]string, error) {
	var missing []string
	for p := dir; ; p = filepath.Dir(p) {
		if _, err := os.Lstat(p); err == nil || filepath.Dir(p) == p {
			break
		}
		missing = append(missing, p)
	}
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return nil, fmt.Errorf("creating %s: %w", dir, err)
	}
	return missing, nil
}

// removeMade removes the directories mkdirAll made (if still empty).
func removeMade(made []string) {
	for _, d := range made {
		os.Remove(d)
	}
}
