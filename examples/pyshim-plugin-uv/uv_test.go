package main

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/pyshim/pyshim/internal/testenv"
	"github.com/pyshim/pyshim/plugins/sdk"
	"github.com/pyshim/pyshim/plugins/sdk/interp"
)

// uvPlatform returns the OS-ARCH-LIBC tail uv gives installation names on
// the running platform, and the same for a platform with another
// architecture. It skips the test on platforms the fixtures do not cover.
func uvPlatform(t *testing.T) (host, foreign string) {
	t.Helper()
	var uvOS, libc string
	switch runtime.GOOS {
	case "linux":
		uvOS, libc = "linux", "gnu"
	case "darwin":
		uvOS, libc = "macos", "none"
	default:
		t.Skipf("no uv fixture for GOOS %s", runtime.GOOS)
	}
	switch runtime.GOARCH {
	case "amd64":
		return uvOS + "-x86_64-" + libc, uvOS + "-aarch64-" + libc
	case "arm64":
		return uvOS + "-aarch64-" + libc, uvOS + "-x86_64-" + libc
	}
	t.Skipf("no uv fixture for GOARCH %s", runtime.GOARCH)
	return "", ""
}

// symlink makes link point at target, creating link's parent directories.
func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// mkdir creates dir and its parents.
func mkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

// realPath resolves path through symlinks, failing the test on error.
func realPath(t *testing.T, path string) string {
	t.Helper()
	p, err := filepath.EvalSymlinks(path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// uvTree makes a uv install root holding cpython 3.12.1 for this platform,
// a symlink to the real pyenv python, and returns the XDG_DATA_HOME it lives
// in, the root, and the real python.
func uvTree(t *testing.T) (dataHome, root, real string) {
	t.Helper()
	host, _ := uvPlatform(t)
	real = testenv.PyenvPython(t, "3.12.1")
	dataHome = t.TempDir()
	root = filepath.Join(dataHome, "uv", "python")
	symlink(t, real, filepath.Join(root, "cpython-3.12.1-"+host, "bin", "python3.12"))
	return dataHome, root, real
}

func TestDiscover(t *testing.T) {
	host, foreign := uvPlatform(t)
	dataHome, root, real := uvTree(t)
	marker := filepath.Join(t.TempDir(), "ran")

	// Interpreters that must be listed, or skipped, without being run.
	ft := "cpython-3.13.0+freethreaded-" + host
	testenv.MarkerPython(t, filepath.Join(root, ft, "bin", "python3.13t"), marker)
	pypy := "pypy-3.9.19-" + host
	testenv.MarkerPython(t, filepath.Join(root, pypy, "bin", "pypy3"), marker) // no pypy3.9: falls back
	testenv.MarkerPython(t, filepath.Join(root, "cpython-3.11.7-"+foreign, "bin", "python3.11"), marker)
	testenv.MarkerPython(t, filepath.Join(root, "cpython-3.12.1+debug-"+host, "bin", "python3.12d"), marker)
	// uv's minor-version link, an install with no interpreter, a garbage
	// name, and entries that are ignored silently.
	symlink(t, "cpython-3.12.1-"+host, filepath.Join(root, "cpython-3.12-"+host))
	mkdir(t, filepath.Join(root, "cpython-3.10.14-"+host, "bin"))
	mkdir(t, filepath.Join(root, "not-a-python"))
	mkdir(t, filepath.Join(root, ".cache"))
	testenv.WriteFile(t, filepath.Join(root, ".lock"), "", 0o644)
	testenv.WriteFile(t, filepath.Join(root, "notes.txt"), "", 0o644)

	res, err := New().Discover(context.Background(), sdk.DiscoverRequest{
		Env: map[string]string{"XDG_DATA_HOME": dataHome, "HOME": "/nonexistent"},
	})
	if err != nil {
		t.Fatalf("Discover: %v", err)
	}

	cpy := filepath.Join(root, "cpython-3.12.1-"+host, "bin", "python3.12")
	ftPath := filepath.Join(root, ft, "bin", "python3.13t")
	pypyPath := filepath.Join(root, pypy, "bin", "pypy3")
	want := []interp.Interpreter{
		{Path: cpy, Exe: realPath(t, real), Argv0: cpy, Version: "3.12.1", Implementation: "cpython",
			Kind: interp.KindBase, Source: "uv", Names: []string{"cpython-3.12.1-" + host, "cpython-3.12-" + host}},
		{Path: ftPath, Exe: realPath(t, ftPath), Argv0: ftPath, Version: "3.13.0t", Implementation: "cpython",
			Kind: interp.KindBase, Source: "uv", Names: []string{ft}},
		{Path: pypyPath, Exe: realPath(t, pypyPath), Argv0: pypyPath, Version: "3.9.19", Implementation: "pypy",
			Kind: interp.KindBase, Source: "uv", Names: []string{pypy}},
	}
	if !reflect.DeepEqual(res.Candidates, want) {
		t.Errorf("candidates:\n got %+v\nwant %+v", res.Candidates, want)
	}
	if !reflect.DeepEqual(res.Watch, []string{root}) {
		t.Errorf("watch = %q, want [%q]", res.Watch, root)
	}
	wantWarn := []string{
		"cpython-3.10.14-" + host + ": no interpreter found",
		"cpython-3.12.1+debug-" + host + ": debug builds",
		"not-a-python: parsing uv install name",
	}
	if len(res.Warnings) != len(wantWarn) {
		t.Fatalf("warnings = %q, want %d", res.Warnings, len(wantWarn))
	}
	for i, w := range wantWarn {
		if !strings.Contains(res.Warnings[i], w) {
			t.Errorf("warning %d = %q, want it to contain %q", i, res.Warnings[i], w)
		}
	}
	if _, err := os.Stat(marker); err == nil {
		t.Errorf("discovery ran an interpreter")
	}
}

func TestDiscoverInstallDirOverride(t *testing.T) {
	dataHome, root, _ := uvTree(t)
	moved := filepath.Join(t.TempDir(), "pythons")
	if err := os.Rename(root, moved); err != nil {
		t.Fatal(err)
	}
	res, err := New().Discover(context.Background(), sdk.DiscoverRequest{
		Env: map[string]string{"UV_PYTHON_INSTALL_DIR": moved, "XDG_DATA_HOME": dataHome},
	})
	if err != nil {
		t.Fatalf("Discover: %v", err)
	}
	if len(res.Candidates) != 1 || !strings.HasPrefix(res.Candidates[0].Path, moved+string(filepath.Separator)) {
		t.Errorf("candidates = %+v, want one under %s", res.Candidates, moved)
	}
	if !reflect.DeepEqual(res.Watch, []string{moved}) {
		t.Errorf("watch = %q, want [%q]", res.Watch, moved)
	}
}

func TestDiscoverNoRoot(t *testing.T) {
	home := t.TempDir()
	res, err := New().Discover(context.Background(), sdk.DiscoverRequest{Env: map[string]string{"HOME": home}})
	if err != nil {
		t.Fatalf("Discover: %v", err)
	}
	root := filepath.Join(home, ".local", "share", "uv", "python")
	if len(res.Candidates) != 0 || len(res.Warnings) != 0 || !reflect.DeepEqual(res.Watch, []string{root}) {
		t.Errorf("Discover with no uv root = %+v, want only watch [%s]", res, root)
	}

	res, err = New().Discover(context.Background(), sdk.DiscoverRequest{})
	if err != nil || len(res.Candidates) != 0 || len(res.Warnings) != 1 {
		t.Errorf("Discover with empty env = %+v, %v; want one warning", res, err)
	}
}

func TestDiscoverCanceled(t *testing.T) {
	_, root, _ := uvTree(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := New().Discover(ctx, sdk.DiscoverRequest{Env: map[string]string{"UV_PYTHON_INSTALL_DIR": root}})
	if err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Errorf("Discover with canceled context: err = %v", err)
	}
}

func TestInstallRoot(t *testing.T) {
	tests := []struct {
		env     map[string]string
		cwd     string
		want    string
		wantErr bool
	}{
		{env: map[string]string{"UV_PYTHON_INSTALL_DIR": "/opt/uv/", "XDG_DATA_HOME": "/d", "HOME": "/h"}, want: "/opt/uv"},
		{env: map[string]string{"UV_PYTHON_INSTALL_DIR": "pythons"}, cwd: "/proj", want: "/proj/pythons"},
		{env: map[string]string{"UV_PYTHON_INSTALL_DIR": "pythons"}, wantErr: true},
		{env: map[string]string{"XDG_DATA_HOME": "/d", "HOME": "/h"}, want: "/d/uv/python"},
		{env: map[string]string{"XDG_DATA_HOME": "relative", "HOME": "/h"}, want: "/h/.local/share/uv/python"},
		{env: map[string]string{"HOME": "/h"}, want: "/h/.local/share/uv/python"},
		{env: map[string]string{}, wantErr: true},
	}
	for _, tt := range tests {
		got, err := InstallRoot(tt.env, tt.cwd)
		if (err != nil) != tt.wantErr || got != filepath.FromSlash(tt.want) {
			t.Errorf("InstallRoot(%v, %q) = %q, %v; want %q, error %v", tt.env, tt.cwd, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestDescribeAndUnwrap(t *testing.T) {
	ctx := context.Background()
	d, err := New().Describe(ctx)
	if err != nil || d.Name != "uv" || d.Version == "" || d.Summary == "" {
		t.Errorf("Describe = %+v, %v", d, err)
	}
	_, known, err := New().Unwrap(ctx, "/usr/bin/python3", nil)
	if known || err != nil {
		t.Errorf("Unwrap = known %v, %v; want false, nil", known, err)
	}
}
