// Package trust records which project virtual environments pyshim may use
// without being asked: those `pyshim venv` made and those the user marked
// with `pyshim trust`. A .venv committed to a cloned repository is never
// run until then.
package trust

import (
	"bufio"
	"bytes"
	"os"
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

// List returns the trusted directories (absolute, one per line).
func List(env map[string]string) []string {
	data, err := os.ReadFile(File(env))
	if err != nil {
		return nil
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

// Checker returns a function reporting whether dir (a .venv, or a project
// directory holding one) is trusted. The list is read once.
func Checker(env map[string]string) func(dir string) bool {
	set := map[string]bool{}
	for _, d := range List(env) {
		set[d] = true
	}
	return func(dir string) bool {
		dir = filepath.Clean(dir)
		return set[dir] || set[filepath.Dir(dir)]
	}
}

// Add records dir as trusted.
func Add(env map[string]string, dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	for _, d := range List(env) {
		if d == abs {
			return nil
		}
	}
	var buf bytes.Buffer
	for _, d := range append(List(env), abs) {
		buf.WriteString(d + "\n")
	}
	return fsutil.WriteFileAtomic(File(env), buf.Bytes(), 0o644)
}
