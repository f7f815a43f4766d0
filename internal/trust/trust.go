// Package trust records which project virtual environments pyshim may use
// without being asked: those `pyshim venv` made and those the user marked
// with `pyshim trust`. A .venv committed to a cloned repository is never
// run until then.
package trust

import (
	"bufio"
	"bytes"
	"path/filepath"

	"github.com/pyshim/pyshim/internal/fsutil"
)

// File returns the trust list's path: $XDG_STATE_HOME/pyshim/trusted, or
// ~/.local/state/pyshim/trusted.
func File(env map[string]string) string {
	base := env["XDG_STATE_HOME"]
	if base == "" {
		base = filepath.Join(env["HOME"], ".local", "state")
	}
	return filepath.Join(base, "pyshim", "trusted")
}

// List returns the trusted directories (absolute, one per line), as
// recorded.
func List(env map[string]string) []string {
	data, err := fsutil.ReadFileOwned(File(env))
	if err != nil {
		return nil // absent, or another user's: trusts nothing
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if line := sc.Text(); filepath.IsAbs(line) {
			out = append(out, filepath.Clean(line))
		}
	}
	return out
}

// Resolve returns path absolute with every symlink resolved; a path that
// does not exist (or cannot be resolved) is returned absolute and clean.
// Trust belongs to what a path resolves to: a .venv that is a link is as
// trusted as its target, whatever the link's directory.
func Resolve(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.Clean(path)
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		return real
	}
	return abs
}

// Checker returns a function reporting whether path (a .venv, or a project
// file such as .python-version) is trusted: whether it, or the directory
// it is in, is on the list once symlinks are resolved on both sides. So
// trusting a project trusts its .venv and its own files, not those of
// subdirectories, and a .venv that links elsewhere counts as its target:
// changing the link makes it untrusted again. The list is read once.
func Checker(env map[string]string) func(path string) bool {
	set := map[string]bool{}
	for _, d := range List(env) {
		set[d] = true
		set[Resolve(d)] = true
	}
	return func(path string) bool {
		real := Resolve(path)
		return set[real] || set[filepath.Dir(real)]
	}
}

// Add records dir (resolved: a link's target) as trusted. The list is
// written atomically, readable by its owner only, in a directory only its
// owner can enter.
func Add(env map[string]string, dir string) error {
	abs := Resolve(dir)
	list := List(env)
	for _, d := range list {
		if d == abs {
			return nil
		}
	}
	var buf bytes.Buffer
	for _, d := range append(list, abs) {
		buf.WriteString(d + "\n")
	}
	return fsutil.WriteFilePrivate(File(env), buf.Bytes())
}
