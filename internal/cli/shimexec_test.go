package cli

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pyshim/pyshim/config"
	"github.com/pyshim/pyshim/internal/trust"
	"github.com/pyshim/pyshim/plugins/sdk"
	"github.com/pyshim/pyshim/plugins/sdk/interp"
	"github.com/pyshim/pyshim/resolver"
	"github.com/pyshim/pyshim/shim"
)

// The shim cannot import the resolver (it would link TOML and gRPC), so
// it keeps its own copies of the lists the cache key depends on; they must
// agree.
func TestShimListsMatchResolver(t *testing.T) {
	if !reflect.DeepEqual(shim.ProjectFileNames(), resolver.ProjectFileNames()) {
		t.Errorf("shim.ProjectFileNames %v != resolver.ProjectFileNames %v", shim.ProjectFileNames(), resolver.ProjectFileNames())
	}
	if !contains(shim.ProjectFileNames(), config.ProjectFile) {
		t.Errorf("the project config %s is not a project file of the key", config.ProjectFile)
	}
	sel := shim.SelectionEnv()
	for _, k := range append(sdk.EnvKeys(), "PYSHIM_PYTHON", "PYSHIM_CONFIG", "VIRTUAL_ENV", "CONDA_PREFIX", "PYENV_VERSION") {
		if !contains(sel, k) {
			t.Errorf("%s reaches the resolver or its plugins but is not part of the shim's cache key", k)
		}
	}
	for _, env := range []map[string]string{
		{"HOME": "/h"},
		{"HOME": "/h", "XDG_CONFIG_HOME": "/c", "XDG_STATE_HOME": "/s", "PYENV_ROOT": "/p"},
		{"HOME": "/h", "PYSHIM_CONFIG": "/etc/pyshim.toml"},
	} {
		getenv := func(k string) string { return env[k] }
		want := []string{config.GlobalPath(getenv), resolver.GlobalVersionFile(env), filepath.Join(pyenvRootOf(env), "version"), trust.File(env)}
		if got := shim.GlobalFiles(getenv); !reflect.DeepEqual(got, want) {
			t.Errorf("GlobalFiles(%v) = %v, want %v", env, got, want)
		}
	}
}

func pyenvRootOf(env map[string]string) string {
	if r := env["PYENV_ROOT"]; r != "" {
		return r
	}
	return filepath.Join(env["HOME"], ".pyenv")
}

func TestIsFinal(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, data string
		want       bool
	}{
		{"elf", "\x7fELF\x02\x01\x01", true},
		{"abs-python", "#!/usr/bin/python3.11\nprint(1)\n", true},
		{"abs-python-space", "#! /opt/py/bin/python3 -E\n", true},
		{"abs-pypy", "#!/usr/bin/pypy3\n", true},
		{"env-python", "#!/usr/bin/env python3\n", false},
		{"shell", "#!/bin/sh\nexec python3 \"$@\"\n", false},
		{"nix-wrapper", "#! /nix/store/abc-bash-5.2/bin/bash -e\nexec /nix/store/x/bin/python3.12 \"$@\"\n", false},
		{"relative", "#!python3\n", false},
		{"text", "hello", false},
		{"empty", "", false},
	} {
		p := filepath.Join(dir, tc.name)
		if err := os.WriteFile(p, []byte(tc.data), 0o755); err != nil {
			t.Fatal(err)
		}
		if got := isFinal(p); got != tc.want {
			t.Errorf("isFinal(%s) = %v, want %v", tc.name, got, tc.want)
		}
	}
	if isFinal(filepath.Join(dir, "missing")) {
		t.Error("a missing file is final")
	}
}

func TestPathLine(t *testing.T) {
	for _, tc := range []struct {
		shell string
		dirs  []string
		want  string
	}{
		{"bash", []string{"/h/shims"}, `export PATH='/h/shims':"$PATH"`},
		{"zsh", []string{"/h/shims", "/h/bin"}, `export PATH='/h/shims':'/h/bin':"$PATH"`},
		{"fish", []string{"/h/it's"}, `set -gx PATH '/h/it'\''s' $PATH`},
	} {
		got, err := pathLine(tc.shell, tc.dirs)
		if err != nil || got != tc.want {
			t.Errorf("pathLine(%s, %v) = %q, %v; want %q", tc.shell, tc.dirs, got, err, tc.want)
		}
	}
	if _, err := pathLine("tcsh", []string{"/x"}); err == nil {
		t.Error("tcsh accepted")
	}
}

func TestInvocationDir(t *testing.T) {
	root := t.TempDir()
	exe := filepath.Join(root, "bin", "pyshim-exec")
	shims := filepath.Join(root, "shims")
	other := filepath.Join(root, "other")
	for _, d := range []string{filepath.Dir(exe), shims, other} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(exe, []byte("x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(other, "python3"), []byte("x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(exe, filepath.Join(shims, "python3")); err != nil {
		t.Fatal(err)
	}
	path := other + ":relative:" + shims
	for _, tc := range []struct{ argv0, want string }{
		{"python3", shims},
		{filepath.Join(shims, "python3"), shims},
		{"./python3", filepath.Join(root, "x")},
		{"pytest", ""},
	} {
		if got := invocationDir(tc.argv0, exe, root+"/x", path); got != tc.want {
			t.Errorf("invocationDir(%q) = %q, want %q", tc.argv0, got, tc.want)
		}
	}
}

func TestOwnBinDir(t *testing.T) {
	a := &app{env: map[string]string{"PATH": "/usr/local/bin:/home/u/.nix-profile/bin:/home/u/venv/bin"}}
	for _, tc := range []struct {
		in   interp.Interpreter
		want bool
	}{
		{interp.Interpreter{Path: "/home/u/.pyenv/versions/3.11.7/bin/python3.11", Source: "pyenv"}, true},
		{interp.Interpreter{Path: "/nix/store/h-python3-3.12.3-env/bin/python3.12", Source: "nix", Kind: interp.KindNixEnv}, true},
		{interp.Interpreter{Path: "/home/u/.nix-profile/bin/python3", Source: "nix"}, false},
		{interp.Interpreter{Path: "/usr/bin/python3", Source: "system"}, false},
		{interp.Interpreter{Path: "/opt/py/bin/python3", Source: "path"}, false},
		{interp.Interpreter{Path: "/home/u/proj/.venv/bin/python", Source: "path", Kind: interp.KindVenv}, true},
		{interp.Interpreter{Path: "/home/u/venv/bin/python", Source: "path", Kind: interp.KindVenv}, false},
	} {
		if got := a.ownBinDir(&tc.in); got != tc.want {
			t.Errorf("ownBinDir(%s from %s) = %v, want %v", tc.in.Path, tc.in.Source, got, tc.want)
		}
	}
}

func TestLinkShimsAndScriptNames(t *testing.T) {
	root := t.TempDir()
	bin := filepath.Join(root, "bin")
	shims := filepath.Join(root, "shims")
	for _, d := range []string{bin, shims} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, mode := range map[string]os.FileMode{"pytest": 0o755, "activate": 0o644, ".pytest-wrapped": 0o755, "we ird": 0o755, "pyshim": 0o755, "black": 0o755} {
		if err := os.WriteFile(filepath.Join(bin, name), nil, mode); err != nil {
			t.Fatal(err)
		}
	}
	names := scriptNames(bin)
	if !reflect.DeepEqual(names, []string{"black", "pytest"}) {
		t.Errorf("scriptNames = %v, want [black pytest]", names)
	}
	if err := os.WriteFile(filepath.Join(shims, "black"), nil, 0o755); err != nil {
		t.Fatal(err)
	}
	made := linkShims(shims, names, "/x/pyshim-exec")
	if !reflect.DeepEqual(made, []string{"pytest"}) {
		t.Errorf("linkShims made %v, want [pytest] (black exists)", made)
	}
	if l, _ := os.Readlink(filepath.Join(shims, "pytest")); l != "/x/pyshim-exec" {
		t.Errorf("pytest shim -> %q", l)
	}
	if made := linkShims(shims, names, "/x/pyshim-exec"); len(made) != 0 {
		t.Errorf("a second refresh made %v", made)
	}
}

// A second resolution of the same key waits for the first; one whose
// context ends stops waiting and goes on without the lock.
func TestLockKey(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	unlockA := lockKey(ctx, dir, "k")
	var released atomic.Bool
	done := make(chan bool)
	go func() {
		unlockB := lockKey(ctx, dir, "k")
		done <- released.Load()
		unlockB()
	}()
	// Give the second locker a chance to (wrongly) get the lock. A slow
	// machine can only make this test pass vacuously, never fail.
	time.Sleep(50 * time.Millisecond)
	released.Store(true)
	unlockA()
	if !<-done {
		t.Error("the second lock was granted while the first was held")
	}

	// Another key is independent.
	unlockC := lockKey(ctx, dir, "k")
	unlockD := lockKey(ctx, dir, "other")
	unlockD()

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	unlockE := lockKey(cctx, dir, "k") // held by C: gives up at once
	unlockE()
	unlockC()
}
