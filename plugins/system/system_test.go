package system

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pyshim/pyshim/internal/testenv"
	"github.com/pyshim/pyshim/plugins/sdk"
	"github.com/pyshim/pyshim/plugins/sdk/interp"
)

const pyenvShim = `#!/usr/bin/env bash
set -e
[ -n "$PYENV_DEBUG" ] && set -x

program="${0##*/}"

export PYENV_ROOT="/root/.pyenv"
exec "/root/.pyenv/libexec/pyenv" exec "$program" "$@"
`

const asdfShim = `#!/usr/bin/env bash
# asdf-plugin: python 3.12.1
exec asdf exec "python3.12" "$@"
`

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

func discover(t *testing.T, env map[string]string) sdk.DiscoverResult {
	t.Helper()
	res, err := New().Discover(context.Background(), sdk.DiscoverRequest{Env: env, Cwd: t.TempDir()})
	if err != nil {
		t.Fatalf("Discover: %v", err)
	}
	return res
}

// find returns the candidate whose Path or Names holds path.
func find(res sdk.DiscoverResult, path string) (interp.Interpreter, bool) {
	for _, c := range res.Candidates {
		if c.Path == path || slices.Contains(c.Names, path) {
			return c, true
		}
	}
	return interp.Interpreter{}, false
}

// under returns the candidates whose Path is inside dir.
func under(res sdk.DiscoverResult, dir string) []interp.Interpreter {
	var out []interp.Interpreter
	for _, c := range res.Candidates {
		if strings.HasPrefix(c.Path, dir+string(filepath.Separator)) {
			out = append(out, c)
		}
	}
	return out
}

func TestRealSystemPythons(t *testing.T) {
	home := testenv.Home(t)
	python3 := testenv.Require(t, "/usr/bin/python3")
	pypy3 := testenv.Require(t, "/usr/bin/pypy3")
	res := discover(t, map[string]string{"PATH": "/bin:/usr/bin", "HOME": home})
	tests := []struct {
		path, version, impl string
	}{
		{python3, "3.11", "cpython"},
		{pypy3, "3.9", "pypy"},
	}
	for _, tt := range tests {
		// /bin is /usr/bin here on merged-/usr systems; accept either.
		c, ok := find(res, tt.path)
		if !ok {
			c, ok = find(res, "/bin/"+filepath.Base(tt.path))
		}
		if !ok {
			t.Errorf("%s not found in %+v", tt.path, res.Candidates)
			continue
		}
		exe, _ := filepath.EvalSymlinks(tt.path)
		if c.Version != tt.version || c.Implementation != tt.impl || c.Exe != exe || c.Argv0 != c.Path ||
			c.Kind != interp.KindBase || c.Source != "system" {
			t.Errorf("%s: got %+v, want version %s impl %s exe %s", tt.path, c, tt.version, tt.impl, exe)
		}
	}
	// One candidate per file per dir, and /bin == /usr/bin examined once.
	seen := map[string]string{}
	for _, c := range res.Candidates {
		dir, _ := filepath.EvalSymlinks(filepath.Dir(c.Path))
		key := dir + "\x00" + c.Exe
		if prev, ok := seen[key]; ok {
			t.Errorf("duplicate candidates %s and %s", prev, c.Path)
		}
		seen[key] = c.Path
		if _, ok := ParseName(filepath.Base(c.Path)); !ok {
			t.Errorf("unexpected file %s", c.Path)
		}
	}
	for _, w := range []string{"/bin", "/usr/local/bin", "/opt/homebrew/bin"} {
		if !slices.Contains(res.Watch, w) {
			t.Errorf("Watch %q lacks %s", res.Watch, w)
		}
	}
}

func TestVersionFromSymlinkTarget(t *testing.T) {
	home := testenv.Home(t)
	py311 := testenv.Require(t, "/usr/bin/python3.11")
	pypy3 := testenv.Require(t, "/usr/bin/pypy3")
	dir := filepath.Join(t.TempDir(), "bin")
	symlink(t, py311, filepath.Join(dir, "python3"))
	symlink(t, "python3", filepath.Join(dir, "python"))
	symlink(t, pypy3, filepath.Join(dir, "pypy"))
	other := filepath.Join(t.TempDir(), "bin")
	testenv.WriteFile(t, filepath.Join(other, "python"), "\x7fELF not really\n", 0o755)

	res := discover(t, map[string]string{"PATH": dir + ":" + other, "HOME": home})
	tests := []struct {
		path    string
		version string
		impl    string
		names   []string
	}{
		{filepath.Join(dir, "python3"), "3.11", "cpython", []string{filepath.Join(dir, "python")}},
		{filepath.Join(dir, "pypy"), "3.9", "pypy", nil},
		{filepath.Join(other, "python"), "", "", nil},
	}
	for _, tt := range tests {
		c, ok := find(res, tt.path)
		if !ok || c.Path != tt.path {
			t.Errorf("%s: not found as a candidate's Path: %+v", tt.path, res.Candidates)
			continue
		}
		if c.Version != tt.version || c.Implementation != tt.impl || !reflect.DeepEqual(c.Names, tt.names) {
			t.Errorf("%s: version %q impl %q names %q, want %q %q %q", tt.path, c.Version, c.Implementation, c.Names,
				tt.version, tt.impl, tt.names)
		}
	}
	if n := len(under(res, dir)) + len(under(res, other)); n != 3 {
		t.Errorf("%d candidates in the temp dirs, want 3: %+v", n, res.Candidates)
	}
}

func TestSkipsShims(t *testing.T) {
	home := testenv.Home(t)
	py311 := testenv.Require(t, "/usr/bin/python3.11")
	tmp := t.TempDir()
	marker := filepath.Join(tmp, "ran")

	// A dir with a real interpreter, a wrapper script and other tools' shims.
	mixed := filepath.Join(tmp, "mixed")
	symlink(t, py311, filepath.Join(mixed, "python3.11"))
	testenv.MarkerPython(t, filepath.Join(mixed, "python3.10"), marker)
	testenv.WriteFile(t, filepath.Join(mixed, "python3"), pyenvShim, 0o755)
	testenv.WriteFile(t, filepath.Join(mixed, "python3.12"), asdfShim, 0o755)
	testenv.WriteFile(t, filepath.Join(mixed, "python3.9"), "#!/bin/sh\nexec mise x -- python3.9 \"$@\"\n", 0o755)
	symlink(t, filepath.Join(tmp, "mise-install", "mise"), filepath.Join(mixed, "python"))
	testenv.WriteFile(t, filepath.Join(tmp, "mise-install", "mise"), "\x7fELF fake mise\n", 0o755)

	// pyshim's shim binary, linked under interpreter names elsewhere.
	shimExe := filepath.Join(tmp, "libexec", "fake-shim")
	testenv.WriteFile(t, shimExe, "\x7fELF fake shim\n", 0o755)
	links := filepath.Join(tmp, "links")
	if err := os.MkdirAll(links, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(shimExe, filepath.Join(links, "python3.13")); err != nil {
		t.Fatal(err)
	}
	symlink(t, shimExe, filepath.Join(links, "python3"))

	// pyshim's shims dir and pyenv's, asdf's and mise's shims dirs.
	shimsDir := filepath.Join(tmp, "pyshim-shims")
	testenv.WriteFile(t, filepath.Join(shimsDir, "python3.10"), "\x7fELF\n", 0o755)
	pyenvRoot := filepath.Join(tmp, "pyenv")
	testenv.WriteFile(t, filepath.Join(pyenvRoot, "shims", "python"), "\x7fELF\n", 0o755)
	asdfData := filepath.Join(tmp, "asdf")
	testenv.WriteFile(t, filepath.Join(asdfData, "shims", "python3"), "\x7fELF\n", 0o755)
	miseShims := filepath.Join(home, ".local", "share", "mise", "shims")
	testenv.WriteFile(t, filepath.Join(miseShims, "python3"), "\x7fELF\n", 0o755)
	// A link from a normal dir into a shims dir.
	symlink(t, filepath.Join(pyenvRoot, "shims", "python"), filepath.Join(tmp, "intoshims", "python2.7"))

	path := strings.Join([]string{mixed, links, shimsDir, filepath.Join(pyenvRoot, "shims"),
		filepath.Join(asdfData, "shims"), miseShims, filepath.Join(tmp, "intoshims")}, ":")
	res := discover(t, map[string]string{
		"PATH": path, "HOME": home, "PYENV_ROOT": pyenvRoot,
		EnvShimExe: shimExe, EnvShimsDir: shimsDir, EnvAsdfDataDir: asdfData,
	})

	got := under(res, tmp)
	var paths []string
	for _, c := range got {
		paths = append(paths, c.Path)
	}
	want := []string{filepath.Join(mixed, "python3.10"), filepath.Join(mixed, "python3.11")}
	if !reflect.DeepEqual(paths, want) {
		t.Fatalf("candidates %q, want %q; warnings %q", paths, want, res.Warnings)
	}
	if c := got[0]; c.Kind != interp.KindWrapper || c.Version != "3.10" || c.Exe != want[0] {
		t.Errorf("wrapper script: got %+v", c)
	}
	if c := got[1]; c.Kind != interp.KindBase || c.Version != "3.11" || c.Exe != py311 {
		t.Errorf("real interpreter: got %+v", c)
	}
	for _, skipped := range []string{"python3: a pyenv shim", "python3.12: a asdf shim", "python3.9: a mise shim",
		"python: a mise shim", "python3.13: pyshim's shim binary", "python3: pyshim's shim binary",
		"python2.7: in a shims dir", "skipped shims dir " + shimsDir} {
		if !slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.HasSuffix(w, skipped) }) {
			t.Errorf("no note ending %q in %q", skipped, res.Warnings)
		}
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("Discover started an interpreter")
	}
}

func TestVenvOnPath(t *testing.T) {
	home := testenv.Home(t)
	py311 := testenv.Require(t, "/usr/bin/python3.11")
	venv := filepath.Join(t.TempDir(), "venv")
	testenv.WriteFile(t, filepath.Join(venv, "pyvenv.cfg"), "home = /usr/bin\nversion = 3.11.2\n", 0o644)
	symlink(t, py311, filepath.Join(venv, "bin", "python"))
	symlink(t, "python", filepath.Join(venv, "bin", "python3"))
	symlink(t, "python", filepath.Join(venv, "bin", "python3.11"))
	copies := filepath.Join(t.TempDir(), "copies")
	testenv.WriteFile(t, filepath.Join(copies, "pyvenv.cfg"), "home = /x\nversion_info = 3.12.1.final.0\n", 0o644)
	testenv.WriteFile(t, filepath.Join(copies, "bin", "python"), "\x7fELF copy\n", 0o755)

	// The venv's bin is also reached through a symlinked dir: listed once.
	alias := filepath.Join(t.TempDir(), "alias")
	symlink(t, filepath.Join(venv, "bin"), alias)
	res := discover(t, map[string]string{"PATH": filepath.Join(venv, "bin") + ":" + alias + ":" + filepath.Join(copies, "bin"), "HOME": home})

	got := under(res, venv)
	if len(got) != 1 {
		t.Fatalf("venv candidates %+v, want one", got)
	}
	c := got[0]
	bin := filepath.Join(venv, "bin")
	if c.Path != filepath.Join(bin, "python3.11") || c.Kind != interp.KindVenv || c.Version != "3.11" || c.Exe != py311 ||
		!reflect.DeepEqual(c.Names, []string{filepath.Join(bin, "python3"), filepath.Join(bin, "python")}) {
		t.Errorf("venv candidate %+v", c)
	}
	if len(under(res, alias)) != 0 {
		t.Errorf("symlinked dir listed again: %+v", res.Candidates)
	}
	got = under(res, copies)
	if len(got) != 1 || got[0].Kind != interp.KindVenv || got[0].Version != "3.12.1" {
		t.Errorf("--copies venv: %+v", got)
	}
}

func TestPathEntries(t *testing.T) {
	home := testenv.Home(t)
	missing := filepath.Join(t.TempDir(), "not-yet")
	res := discover(t, map[string]string{"PATH": "relative/bin::" + missing + ":" + missing + "/", "HOME": home})
	if !slices.Contains(res.Watch, missing) {
		t.Errorf("Watch %q lacks the missing dir %s", res.Watch, missing)
	}
	for _, w := range res.Watch {
		if !filepath.IsAbs(w) {
			t.Errorf("relative PATH entry examined: %q", w)
		}
	}
	if n := slices.Index(res.Watch, missing); n >= 0 && slices.Contains(res.Watch[n+1:], missing) {
		t.Errorf("dir examined twice: %q", res.Watch)
	}
}

func TestParseName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
		want NameInfo
	}{
		{"python", true, NameInfo{"", "cpython", 0}},
		{"python3", true, NameInfo{"", "cpython", 1}},
		{"python2", true, NameInfo{"", "cpython", 1}},
		{"python3.11", true, NameInfo{"3.11", "cpython", 2}},
		{"python3.13t", true, NameInfo{"3.13t", "cpython", 2}},
		{"python3t", true, NameInfo{"", "cpython", 1}},
		{"python2.7", true, NameInfo{"2.7", "cpython", 2}},
		{"python3.100", true, NameInfo{"3.100", "cpython", 2}},
		{"pypy", true, NameInfo{"", "pypy", 0}},
		{"pypy3", true, NameInfo{"", "pypy", 1}},
		{"pypy3.9", true, NameInfo{"3.9", "pypy", 2}},
		{"pypy3.10", true, NameInfo{"3.10", "pypy", 2}},
		{"python3-config", false, NameInfo{}},
		{"python3.11-config", false, NameInfo{}},
		{"python3.11-gdb.py", false, NameInfo{}},
		{"python3.7m", false, NameInfo{}},
		{"python-argcomplete-tcsh", false, NameInfo{}},
		{"pypy3clean", false, NameInfo{}},
		{"pythont", false, NameInfo{}},
		{"python3.", false, NameInfo{}},
		{"python3.011", false, NameInfo{}},
		{"python.11", false, NameInfo{}},
		{"python3.11.7", false, NameInfo{}},
		{"ipython3", false, NameInfo{}},
		{"pythonw", false, NameInfo{}},
	}
	for _, tt := range tests {
		got, ok := ParseName(tt.name)
		if ok != tt.ok || got != tt.want {
			t.Errorf("ParseName(%q) = %+v, %v; want %+v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}
