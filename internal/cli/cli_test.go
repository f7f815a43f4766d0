package cli

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/pyshim/pyshim/internal/testenv"
	"github.com/pyshim/pyshim/plugins/sdk"
	"github.com/pyshim/pyshim/plugins/sdk/interp"
	"github.com/pyshim/pyshim/resolver/pluginhost"
	"github.com/pyshim/pyshim/shim"
)

// commands are the programs the test binary can become: pyshim itself,
// pyshim-plugins (which serves the built-in plugins, hosts plugin rounds
// for pyshim and resolves for the shim), and a third-party plugin that
// answers with bad candidates.
func commands() map[string]func() {
	return map[string]func(){
		"pyshim": func() { os.Exit(Main(os.Args[1:])) },
		// Only for `pyshim shims install` to link to: no script here runs
		// a shim (cmd/pyshim-exec's tests do, with real binaries).
		"pyshim-exec": func() { os.Exit(shim.Main(os.Args, os.Environ(), os.Stderr)) },
		"pyshim-plugins": func() {
			if code, ok := pluginhost.Main(os.Args[1:]); ok {
				os.Exit(code)
			}
			os.Exit(MainWith(os.Args[1:], Options{Runner: pluginhost.Runner{}}))
		},
		"pyshim-plugin-bad": func() { sdk.Serve(badPlugin{}) },
	}
}

func TestMain(m *testing.M) {
	if _, isCmd := commands()[filepath.Base(os.Args[0])]; !isCmd {
		testenv.InMountNamespace(m)
	}
	testscript.Main(m, commands())
}

// badPlugin answers with candidates the host must reject, and one good
// one that must survive.
type badPlugin struct{}

func (badPlugin) Describe(context.Context) (sdk.Description, error) {
	return sdk.Description{Name: "bad"}, nil
}

func (badPlugin) Discover(_ context.Context, req sdk.DiscoverRequest) (sdk.DiscoverResult, error) {
	real := filepath.Join(testenv.RealPyenvRoot(), "versions", "3.12.1", "bin", "python3.12")
	shim := filepath.Join(req.Env["PYSHIM_SHIMS_DIR"], "python3")
	return sdk.DiscoverResult{Candidates: []interp.Interpreter{
		{Path: "python3", Exe: real, Version: "3.12.1"},
		{Path: "/nonexistent/python3.12", Exe: "/nonexistent/python3.12", Version: "3.12.1"},
		{Path: shim, Exe: shim, Version: "3.12.1"},
		{Path: real, Exe: real, Version: "three"},
		{Path: real, Exe: real, Version: "3.12.1", Names: []string{"bad-but-fine"}},
	}}, nil
}

func (badPlugin) Unwrap(context.Context, string, map[string]string) (interp.Interpreter, bool, error) {
	return interp.Interpreter{}, false, nil
}

// setup gives each script a private HOME and XDG dirs, a PYENV_ROOT whose
// versions link to the real ones (3.11.7 as a real directory of links, so a
// script can add pyenv-virtualenv envs to it), and a PATH without pyenv's
// shims.
func setup(e *testscript.Env) error {
	work := e.WorkDir
	home := filepath.Join(work, "home")
	for k, sub := range map[string]string{
		"XDG_DATA_HOME": ".local/share", "XDG_CONFIG_HOME": ".config",
		"XDG_CACHE_HOME": ".cache", "XDG_STATE_HOME": ".local/state",
	} {
		dir := filepath.Join(home, sub)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		e.Setenv(k, dir)
	}
	e.Setenv("HOME", home)
	root := filepath.Join(work, "pyenv")
	vdir := filepath.Join(root, "versions")
	if err := os.MkdirAll(vdir, 0o755); err != nil {
		return err
	}
	real := filepath.Join(testenv.RealPyenvRoot(), "versions")
	entries, err := os.ReadDir(real)
	if err != nil {
		return err
	}
	for _, v := range entries {
		if v.Name() != "3.11.7" {
			if err := os.Symlink(filepath.Join(real, v.Name()), filepath.Join(vdir, v.Name())); err != nil {
				return err
			}
			continue
		}
		dir := filepath.Join(vdir, v.Name())
		if err := os.MkdirAll(filepath.Join(dir, "envs"), 0o755); err != nil {
			return err
		}
		sub, err := os.ReadDir(filepath.Join(real, v.Name()))
		if err != nil {
			return err
		}
		for _, s := range sub {
			if err := os.Symlink(filepath.Join(real, v.Name(), s.Name()), filepath.Join(dir, s.Name())); err != nil {
				return err
			}
		}
	}
	e.Setenv("PYENV_ROOT", root)
	e.Setenv("REAL_PYENV", real)
	e.Setenv("NIX_STORE_DIR", filepath.Join(work, "nix", "store"))
	e.Setenv("PYSHIM_SHIMS_DIR", filepath.Join(home, ".local/share/pyshim/shims"))
	e.Setenv("PATH", filepath.SplitList(e.Getenv("PATH"))[0]+":/usr/local/bin:/usr/bin:/bin")
	return nil
}

func TestScripts(t *testing.T) {
	for _, v := range []string{"2.7.18", "3.9.18", "3.10.13", "3.11.7", "3.12.1", "3.13.0"} {
		testenv.PyenvPython(t, v)
	}
	testenv.Require(t, "/usr/bin/python3")
	testenv.Require(t, "/usr/bin/pypy3")
	uv := buildUVPlugin(t)
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			e.Setenv("UV_PLUGIN", uv)
			return setup(e)
		},
	})
}

// buildUVPlugin builds the example third-party plugin once.
func buildUVPlugin(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "pyshim-plugin-uv")
	cmd := exec.Command("go", "build", "-o", out, "github.com/pyshim/pyshim/examples/pyshim-plugin-uv")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the uv plugin: %v\n%s", err, b)
	}
	return out
}
