// Package testenv builds the fixtures pyshim's tests run against: temporary
// homes, pyenv roots that link to the real pyenv versions, and a fake Nix
// store made from a real python. Everything it makes lives under t.TempDir.
package testenv

import (
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// RealPyenvRoot is where the machine's pyenv versions live. Tests only
// ever link to it, never write into it.
func RealPyenvRoot() string {
	if r := os.Getenv("PYSHIM_TEST_PYENV_ROOT"); r != "" {
		return r
	}
	return "/root/.pyenv"
}

// Require returns path if it exists. When it does not, the test is skipped,
// or failed under CI=true, where every interpreter must be present.
func Require(t testing.TB, path string) string {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("required interpreter missing under CI: %v", err)
		}
		t.Skipf("interpreter not present: %v", err)
	}
	return path
}

// PyenvPython returns the real pyenv binary bin/pythonX.Y of version (such
// as "3.11.7"), requiring it to exist.
func PyenvPython(t testing.TB, version string) string {
	t.Helper()
	minor := version
	if i := nthIndex(version, '.', 2); i > 0 {
		minor = version[:i]
	}
	return Require(t, filepath.Join(RealPyenvRoot(), "versions", version, "bin", "python"+minor))
}

// InstalledPyenvVersions lists the version directory names of the real
// pyenv root, sorted.
func InstalledPyenvVersions(t testing.TB) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(RealPyenvRoot(), "versions"))
	if err != nil {
		Require(t, filepath.Join(RealPyenvRoot(), "versions"))
		return nil
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out
}

// Home makes a temporary HOME with XDG_* directories inside it and sets
// HOME, XDG_DATA_HOME, XDG_CONFIG_HOME, XDG_CACHE_HOME and XDG_STATE_HOME
// for the test. It returns the home directory.
func Home(t testing.TB) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	for k, sub := range map[string]string{
		"XDG_DATA_HOME":   ".local/share",
		"XDG_CONFIG_HOME": ".config",
		"XDG_CACHE_HOME":  ".cache",
		"XDG_STATE_HOME":  ".local/state",
	} {
		dir := filepath.Join(home, sub)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		t.Setenv(k, dir)
	}
	return home
}

// PyenvRoot makes a temporary PYENV_ROOT whose versions/ holds one symlink
// per real pyenv version (or only those named), so that tests can add fake
// versions and version files without touching the real root. It does not
// set PYENV_ROOT; it returns the new root.
func PyenvRoot(t testing.TB, versions ...string) string {
	t.Helper()
	root := t.TempDir()
	vdir := filepath.Join(root, "versions")
	if err := os.MkdirAll(vdir, 0o755); err != nil {
		t.Fatal(err)
	}
	if len(versions) == 0 {
		versions = InstalledPyenvVersions(t)
	}
	for _, v := range versions {
		real := filepath.Join(RealPyenvRoot(), "versions", v)
		Require(t, real)
		if err := os.Symlink(real, filepath.Join(vdir, v)); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// WriteFile writes data to path, creating parent directories, failing the
// test on error.
func WriteFile(t testing.TB, path, data string, perm os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), perm); err != nil {
		t.Fatal(err)
	}
}

// MarkerPython writes an executable at path that, if ever run, creates the
// file marker and exits 1. Tests use it to prove that listing or selecting
// interpreters starts none.
func MarkerPython(t testing.TB, path, marker string) {
	t.Helper()
	WriteFile(t, path, "#!/bin/sh\necho ran \"$0\" >> '"+marker+"'\nexit 1\n", 0o755)
}

func nthIndex(s string, c byte, n int) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			n--
			if n == 0 {
				return i
			}
		}
	}
	return -1
}
