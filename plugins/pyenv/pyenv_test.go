package pyenv

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pyshim/pyshim/internal/testenv"
	"github.com/pyshim/pyshim/plugins/sdk"
	"github.com/pyshim/pyshim/plugins/sdk/interp"
)

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// fixture is a temp PYENV_ROOT: the real versions except 3.11.7 linked in,
// a local 3.11.7 whose binary links to the real one and which holds two
// pyenv-virtualenv envs, fake versions whose binaries are marker scripts,
// and a shims dir with a pyenv bash shim.
type fixture struct {
	root, marker string
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	realBin := testenv.PyenvPython(t, "3.11.7")
	var others []string
	for _, v := range testenv.InstalledPyenvVersions(t) {
		if v != "3.11.7" {
			others = append(others, v)
		}
	}
	root := testenv.PyenvRoot(t, others...)
	marker := filepath.Join(t.TempDir(), "ran")
	v := filepath.Join(root, "versions")

	// A base whose binary is the real 3.11.7, so that envs can run.
	symlink(t, realBin, filepath.Join(v, "3.11.7", "bin", "python3.11"))
	symlink(t, "python3.11", filepath.Join(v, "3.11.7", "bin", "python3"))
	symlink(t, "python3.11", filepath.Join(v, "3.11.7", "bin", "python"))

	// pyenv-virtualenv env "proj" (venv style) with its versions/proj link.
	proj := filepath.Join(v, "3.11.7", "envs", "proj")
	testenv.WriteFile(t, filepath.Join(proj, "pyvenv.cfg"),
		"home = "+filepath.Join(v, "3.11.7", "bin")+"\ninclude-system-site-packages = false\nversion = 3.11.7\n", 0o644)
	symlink(t, filepath.Join(v, "3.11.7", "bin", "python"), filepath.Join(proj, "bin", "python"))
	symlink(t, "python", filepath.Join(proj, "bin", "python3"))
	symlink(t, "python", filepath.Join(proj, "bin", "python3.11"))
	if err := os.MkdirAll(filepath.Join(proj, "lib", "python3.11", "site-packages"), 0o755); err != nil {
		t.Fatal(err)
	}
	symlink(t, proj, filepath.Join(v, "proj"))

	// An env without a versions/ link, virtualenv style cfg.
	orphan := filepath.Join(v, "3.11.7", "envs", "orphan")
	testenv.WriteFile(t, filepath.Join(orphan, "pyvenv.cfg"),
		"home = /x\nimplementation = CPython\nversion_info = 3.11.7.final.0\nvirtualenv = 20.25.0\n", 0o644)
	symlink(t, filepath.Join(v, "3.11.7", "bin", "python3.11"), filepath.Join(orphan, "bin", "python"))
	symlink(t, "python", filepath.Join(orphan, "bin", "python3.11"))

	// Fake versions: running any of them writes the marker.
	testenv.MarkerPython(t, filepath.Join(v, "3.13.0t", "bin", "python3.13t"), marker)
	symlink(t, "python3.13t", filepath.Join(v, "3.13.0t", "bin", "python3"))
	testenv.MarkerPython(t, filepath.Join(v, "3.14-dev", "bin", "python3.14"), marker)
	symlink(t, "python3.14", filepath.Join(v, "3.14-dev", "bin", "python3"))
	testenv.MarkerPython(t, filepath.Join(v, "3.13.0rc1", "bin", "python3.13"), marker)
	testenv.MarkerPython(t, filepath.Join(v, "pypy3.9-7.3.11", "bin", "pypy3.9"), marker)
	symlink(t, "pypy3.9", filepath.Join(v, "pypy3.9-7.3.11", "bin", "pypy3"))
	symlink(t, "pypy3.9", filepath.Join(v, "pypy3.9-7.3.11", "bin", "python"))
	testenv.MarkerPython(t, filepath.Join(v, "miniconda3-latest", "bin", "python3.12"), marker)
	symlink(t, "python3.12", filepath.Join(v, "miniconda3-latest", "bin", "python3"))
	// A broken install and a stray file: skipped.
	if err := os.MkdirAll(filepath.Join(v, "3.99.0", "include"), 0o755); err != nil {
		t.Fatal(err)
	}
	testenv.WriteFile(t, filepath.Join(v, "README"), "not a version\n", 0o644)
	testenv.WriteFile(t, filepath.Join(v, ".hidden", "bin", "python3"), "x", 0o755)

	// pyenv's shims: never returned.
	testenv.WriteFile(t, filepath.Join(root, "shims", "python3"),
		"#!/usr/bin/env bash\nset -e\nprogram=\"${0##*/}\"\nexec \"/root/.pyenv/libexec/pyenv\" exec \"$program\" \"$@\"\n", 0o755)
	testenv.WriteFile(t, filepath.Join(root, "version"), "3.12.1\n", 0o644)
	return fixture{root: root, marker: marker}
}

func discover(t *testing.T, env map[string]string) sdk.DiscoverResult {
	t.Helper()
	res, err := New().Discover(context.Background(), sdk.DiscoverRequest{Env: env, Cwd: t.TempDir()})
	if err != nil {
		t.Fatalf("Discover: %v", err)
	}
	return res
}

func byName(res sdk.DiscoverResult) map[string]interp.Interpreter {
	m := map[string]interp.Interpreter{}
	for _, c := range res.Candidates {
		if len(c.Names) > 0 {
			m[c.Names[0]] = c
		}
	}
	return m
}

func TestDiscover(t *testing.T) {
	testenv.Home(t)
	fx := newFixture(t)
	res := discover(t, map[string]string{"PYENV_ROOT": fx.root, "HOME": os.Getenv("HOME")})
	v := filepath.Join(fx.root, "versions")
	got := byName(res)

	type want struct {
		bin     string // Path relative to versions/
		version string
		impl    string
		kind    interp.Kind
		names   []string
	}
	wants := map[string]want{
		"3.11.7":            {"3.11.7/bin/python3.11", "3.11.7", "cpython", interp.KindBase, []string{"3.11.7"}},
		"3.13.0t":           {"3.13.0t/bin/python3.13t", "3.13.0t", "cpython", interp.KindBase, []string{"3.13.0t"}},
		"3.14-dev":          {"3.14-dev/bin/python3.14", "3.14-dev", "cpython", interp.KindBase, []string{"3.14-dev"}},
		"3.13.0rc1":         {"3.13.0rc1/bin/python3.13", "3.13.0rc1", "cpython", interp.KindBase, []string{"3.13.0rc1"}},
		"pypy3.9-7.3.11":    {"pypy3.9-7.3.11/bin/pypy3.9", "3.9", "pypy", interp.KindBase, []string{"pypy3.9-7.3.11"}},
		"miniconda3-latest": {"miniconda3-latest/bin/python3", "", "", interp.KindBase, []string{"miniconda3-latest"}},
		"proj":              {"proj/bin/python3.11", "3.11.7", "cpython", interp.KindVenv, []string{"proj", "3.11.7/envs/proj"}},
		"3.11.7/envs/orphan": {"3.11.7/envs/orphan/bin/python3.11", "3.11.7", "cpython", interp.KindVenv,
			[]string{"3.11.7/envs/orphan"}},
	}
	for _, real := range testenv.InstalledPyenvVersions(t) {
		if _, ok := wants[real]; ok {
			continue
		}
		info := ParseVersionName(real)
		minor := real[:strings.LastIndex(real, ".")]
		wants[real] = want{real + "/bin/python" + minor, info.Version, "cpython", interp.KindBase, []string{real}}
	}
	for name, w := range wants {
		c, ok := got[name]
		if !ok {
			t.Errorf("no candidate named %q", name)
			continue
		}
		path := filepath.Join(v, w.bin)
		exe, err := filepath.EvalSymlinks(path)
		if err != nil {
			t.Fatal(err)
		}
		if c.Path != path || c.Argv0 != path || c.Exe != exe {
			t.Errorf("%s: Path %q Argv0 %q Exe %q, want %q %q %q", name, c.Path, c.Argv0, c.Exe, path, path, exe)
		}
		if c.Version != w.version || c.Implementation != w.impl || c.Kind != w.kind || c.Source != "pyenv" {
			t.Errorf("%s: version %q impl %q kind %q source %q, want %q %q %q pyenv",
				name, c.Version, c.Implementation, c.Kind, c.Source, w.version, w.impl, w.kind)
		}
		if !reflect.DeepEqual(c.Names, w.names) {
			t.Errorf("%s: Names %q, want %q", name, c.Names, w.names)
		}
	}
	if len(res.Candidates) != len(wants) {
		for _, c := range res.Candidates {
			t.Logf("candidate %v %s", c.Names, c.Path)
		}
		t.Errorf("%d candidates, want %d (envs listed once, broken/hidden dirs skipped)", len(res.Candidates), len(wants))
	}
	for _, c := range res.Candidates {
		for _, p := range []string{c.Path, c.Exe, c.Argv0} {
			if strings.HasPrefix(p, filepath.Join(fx.root, "shims")) || strings.HasPrefix(p, "/root/.pyenv/shims") {
				t.Errorf("candidate in pyenv shims: %+v", c)
			}
		}
	}
	if !slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.Contains(w, `"3.99.0"`) }) {
		t.Errorf("no warning for the broken 3.99.0; warnings %q", res.Warnings)
	}
	for _, w := range []string{v, filepath.Join(fx.root, "version"), filepath.Join(v, "3.11.7", "envs")} {
		if !slices.Contains(res.Watch, w) {
			t.Errorf("Watch %q lacks %q", res.Watch, w)
		}
	}
	if _, err := os.Stat(fx.marker); err == nil {
		data, _ := os.ReadFile(fx.marker)
		t.Fatalf("Discover started an interpreter: %s", data)
	}
}

// TestCandidatesRun checks the Path/Exe/Argv0 convention with the real
// binaries: run through Command, a base reports its Path as sys.executable
// and an env reports the env as sys.prefix.
func TestCandidatesRun(t *testing.T) {
	testenv.Home(t)
	fx := newFixture(t)
	got := byName(discover(t, map[string]string{"PYENV_ROOT": fx.root}))
	v := filepath.Join(fx.root, "versions")
	tests := []struct{ name, executable, prefix string }{
		{"3.12.1", filepath.Join(v, "3.12.1", "bin", "python3.12"), filepath.Join(v, "3.12.1")},
		{"proj", filepath.Join(v, "proj", "bin", "python3.11"), filepath.Join(v, "proj")},
	}
	for _, tt := range tests {
		c, ok := got[tt.name]
		if !ok {
			t.Errorf("no candidate %q", tt.name)
			continue
		}
		file, argv, env := c.Command([]string{"-c", "import sys; print(sys.executable); print(sys.prefix)"}, os.Environ())
		cmd := &exec.Cmd{Path: file, Args: argv, Env: env}
		out, err := cmd.Output()
		if err != nil {
			t.Errorf("%s: running %s: %v", tt.name, file, err)
			continue
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if len(lines) != 2 || lines[0] != tt.executable {
			t.Errorf("%s: sys.executable/prefix = %q, want executable %q", tt.name, lines, tt.executable)
			continue
		}
		// sys.prefix may be reported through the real path of the root.
		if p, _ := filepath.EvalSymlinks(lines[1]); lines[1] != tt.prefix && p != mustEval(t, tt.prefix) {
			t.Errorf("%s: sys.prefix = %q, want %q", tt.name, lines[1], tt.prefix)
		}
	}
}

func mustEval(t *testing.T, p string) string {
	t.Helper()
	r, err := filepath.EvalSymlinks(p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestDiscoverDefaultRootAndMissing(t *testing.T) {
	home := testenv.Home(t)
	real := testenv.PyenvPython(t, "3.12.1")
	symlink(t, filepath.Dir(filepath.Dir(real)), filepath.Join(home, ".pyenv", "versions", "3.12.1"))
	res := discover(t, map[string]string{"HOME": home})
	if len(res.Candidates) != 1 || res.Candidates[0].Version != "3.12.1" ||
		res.Candidates[0].Path != filepath.Join(home, ".pyenv", "versions", "3.12.1", "bin", "python3.12") {
		t.Errorf("default root: got %+v", res.Candidates)
	}

	res = discover(t, map[string]string{"PYENV_ROOT": filepath.Join(home, "nope")})
	if len(res.Candidates) != 0 || len(res.Watch) != 2 {
		t.Errorf("missing root: candidates %v watch %q; want none and the versions dir + version file watched", res.Candidates, res.Watch)
	}
	res = discover(t, map[string]string{})
	if len(res.Candidates) != 0 || len(res.Warnings) != 1 {
		t.Errorf("no HOME: %+v", res)
	}
}

func TestGlobalVersionFile(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"PYENV_ROOT": "/opt/pyenv", "HOME": "/h"}, "/opt/pyenv/version"},
		{map[string]string{"PYENV_ROOT": "", "HOME": "/h"}, "/h/.pyenv/version"},
		{map[string]string{"HOME": "/h"}, "/h/.pyenv/version"},
		{map[string]string{}, ""},
	}
	for _, tt := range tests {
		if got := GlobalVersionFile(tt.env); got != tt.want {
			t.Errorf("GlobalVersionFile(%v) = %q, want %q", tt.env, got, tt.want)
		}
	}
}

func TestParseVersionName(t *testing.T) {
	tests := []struct {
		name string
		want VersionInfo
	}{
		{"3.11.7", VersionInfo{"3.11.7", "cpython"}},
		{"2.7.18", VersionInfo{"2.7.18", "cpython"}},
		{"3.13.0t", VersionInfo{"3.13.0t", "cpython"}},
		{"3.14-dev", VersionInfo{"3.14-dev", "cpython"}},
		{"3.14t-dev", VersionInfo{"3.14t-dev", "cpython"}},
		{"3.13.0rc1", VersionInfo{"3.13.0rc1", "cpython"}},
		{"3.14.0a1", VersionInfo{"3.14.0a1", "cpython"}},
		{"pypy3.9-7.3.11", VersionInfo{"3.9", "pypy"}},
		{"pypy3.10-7.3.17-src", VersionInfo{"3.10", "pypy"}},
		{"pypy2.7-7.3.11", VersionInfo{"2.7", "pypy"}},
		{"pypy-5.7.1", VersionInfo{"", "pypy"}},
		{"pypy3-2.4.0", VersionInfo{"", "pypy"}},
		{"miniconda3-latest", VersionInfo{}},
		{"anaconda3-2024.02-1", VersionInfo{}},
		{"graalpy-24.1.0", VersionInfo{}},
		{"3.12.1-src", VersionInfo{}},
		{"python-3.11", VersionInfo{}}, // the matcher strips python-, not us
		{"myenv", VersionInfo{}},
	}
	for _, tt := range tests {
		if got := ParseVersionName(tt.name); got != tt.want {
			t.Errorf("ParseVersionName(%q) = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}
