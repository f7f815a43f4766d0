package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/pyshim/pyshim/internal/testenv"
)

// venvProbe prints what must be equal between a venv pyshim made and the
// one python -m venv made: prefixes, sys.path and the site directories.
const venvProbe = `import json, site, sys
print(json.dumps({"prefix": sys.prefix, "base_prefix": sys.base_prefix,
    "exec_prefix": sys.exec_prefix, "path": sys.path,
    "site": site.getsitepackages() if hasattr(site, "getsitepackages") else None}))`

// venvView is the probe's answer.
type venvView struct {
	Prefix     string   `json:"prefix"`
	BasePrefix string   `json:"base_prefix"`
	ExecPrefix string   `json:"exec_prefix"`
	Path       []string `json:"path"`
	Site       []string `json:"site"`
}

// probeVenv runs venv's python with the probe, writing $VENV for the
// venv's own path so that two venvs compare.
func probeVenv(t *testing.T, dir string) venvView {
	t.Helper()
	cmd := exec.Command(filepath.Join(dir, "bin", "python"), "-c", venvProbe)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "LC_ALL=C.UTF-8"}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("running %s/bin/python: %v\n%s", dir, err, stderrOf(err))
	}
	out = []byte(strings.ReplaceAll(string(out), dir, "$VENV"))
	var v venvView
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("probe of %s: %v: %s", dir, err, out)
	}
	return v
}

func stderrOf(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}

// venvTree maps each path in a venv to what it is: "dir MODE", "file
// MODE" or "link -> TARGET".
func venvTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			out[rel] = "link -> " + target
		case d.IsDir():
			out[rel] = fmt.Sprintf("dir %o", fi.Mode().Perm())
		default:
			out[rel] = fmt.Sprintf("file %o", fi.Mode().Perm())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// cfgEntry is one key = value line of pyvenv.cfg.
type cfgEntry struct{ Key, Value string }

func readCfg(t *testing.T, dir string) []cfgEntry {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "pyvenv.cfg"))
	if err != nil {
		t.Fatal(err)
	}
	var out []cfgEntry
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), " = ")
		if !ok {
			t.Fatalf("%s/pyvenv.cfg: unexpected line %q", dir, sc.Text())
		}
		out = append(out, cfgEntry{k, strings.ReplaceAll(v, dir, "$VENV")})
	}
	return out
}

// venvCase is one venv made both ways.
type venvCase struct {
	name string
	// python makes the reference venv (python -m venv); request is what
	// pyshim venv -p gets (python itself when empty).
	python, request string
	// args are the options, the same for both.
	args []string
	// extras are files only pyshim writes, on top of
	// alwaysExtra.
	extras []string
}

// alwaysExtra are the files every pyshim venv has that python -m venv
// does not write.
var alwaysExtra = []string{"CACHEDIR.TAG", "bin/activate.nu", "bin/activate_this.py"}

// compareVenvs makes a venv with python -m venv and one with pyshim venv
// and compares their trees, pyvenv.cfg (up to command and pyshim) and
// what their pythons report. cfgExempt names keys whose values may
// differ (with a reason in the caller).
func compareVenvs(t *testing.T, env []string, c venvCase, refPython string, cfgExempt map[string]string) (ref, ours string) {
	t.Helper()
	work := t.TempDir()
	ref, ours = filepath.Join(work, "ref", "venv"), filepath.Join(work, "ours", "venv")
	if refPython == "" {
		refPython = c.python
	}
	refArgs := append([]string{"-m", "venv", "--without-pip"}, c.args...)
	run(t, env, refPython, append(refArgs, ref)...)
	req := c.request
	if req == "" {
		req = c.python
	}
	run(t, env, "pyshim", append(append([]string{"venv", "-p", req}, c.args...), ours)...)

	refTree, ourTree := venvTree(t, ref), venvTree(t, ours)
	extra := map[string]bool{}
	for _, e := range append(append([]string(nil), alwaysExtra...), c.extras...) {
		extra[e] = true
	}
	for p, kind := range ourTree {
		want, ok := refTree[p]
		switch {
		case !ok && extra[p]:
		case !ok:
			t.Errorf("%s: only pyshim made %s (%s)", c.name, p, kind)
		case want != kind:
			t.Errorf("%s: %s is %s, python -m venv made %s", c.name, p, kind, want)
		}
	}
	for p, kind := range refTree {
		if _, ok := ourTree[p]; !ok {
			t.Errorf("%s: pyshim did not make %s (%s)", c.name, p, kind)
		}
	}
	for e := range extra {
		if _, ok := ourTree[e]; !ok {
			t.Errorf("%s: pyshim's own %s is missing", c.name, e)
		}
	}
	if got, want := readFileString(t, filepath.Join(ours, ".gitignore")), readFileString(t, filepath.Join(ref, ".gitignore")); want != "" && got != want {
		t.Errorf("%s: .gitignore %q, python -m venv wrote %q", c.name, got, want)
	}

	refCfg, ourCfg := readCfg(t, ref), readCfg(t, ours)
	var keys []string
	for _, e := range ourCfg {
		keys = append(keys, e.Key)
	}
	var refKeys []string
	for _, e := range refCfg {
		refKeys = append(refKeys, e.Key)
	}
	if want := append(refKeys, "pyshim"); !reflect.DeepEqual(keys, want) {
		t.Errorf("%s: pyvenv.cfg keys %v, want %v (python -m venv's, then pyshim)", c.name, keys, want)
	}
	refVals := map[string]string{}
	for _, e := range refCfg {
		refVals[e.Key] = e.Value
	}
	for _, e := range ourCfg {
		if e.Key == "command" || e.Key == "pyshim" {
			continue
		}
		if want, ok := cfgExempt[e.Key]; ok {
			if e.Value != want {
				t.Errorf("%s: pyvenv.cfg %s = %s, want %s", c.name, e.Key, e.Value, want)
			}
			continue
		}
		if e.Value != refVals[e.Key] {
			t.Errorf("%s: pyvenv.cfg %s = %s, python -m venv wrote %s", c.name, e.Key, e.Value, refVals[e.Key])
		}
	}

	if got, want := probeVenv(t, ours), probeVenv(t, ref); !reflect.DeepEqual(got, want) {
		t.Errorf("%s: the venvs' pythons differ:\n pyshim:         %+v\n python -m venv: %+v", c.name, got, want)
	}
	return ref, ours
}

func readFileString(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(data)
}

// venvEnv is a private environment for pyshim and the pythons whose pyenv
// root holds only 3.12.1.
func venvEnv(t *testing.T) []string { return installEnv(t, "3.12.1") }

func TestVenvMatchesPythonMVenv(t *testing.T) {
	env := venvEnv(t)
	var cases []venvCase
	for _, v := range []struct {
		version string
		extras  []string
	}{
		{"3.6.15", []string{".gitignore", "bin/Activate.ps1"}},
		{"3.7.16", []string{".gitignore", "bin/Activate.ps1"}},
		{"3.8.18", []string{".gitignore"}},
		{"3.9.18", []string{".gitignore"}},
		{"3.10.13", []string{".gitignore"}},
		{"3.11.7", []string{".gitignore"}},
		{"3.12.1", []string{".gitignore"}},
		{"3.13.0", nil},
	} {
		py := testenv.PyenvPython(t, v.version)
		cases = append(cases, venvCase{name: "pyenv " + v.version, python: py, extras: v.extras})
	}
	py313, py311, py38 := testenv.PyenvPython(t, "3.13.0"), testenv.PyenvPython(t, "3.11.7"), testenv.PyenvPython(t, "3.8.18")
	py3 := filepath.Join(testenv.RealPyenvRoot(), "versions", "3.12.1", "bin", "python3")
	cases = append(cases,
		venvCase{name: "pyenv 3.12 as python3", python: py3, extras: []string{".gitignore"}},
		venvCase{name: "3.13 --system-site-packages --prompt", python: py313, args: []string{"--system-site-packages", "--prompt", "it's mine"}},
		venvCase{name: "3.13 --copies --without-scm-ignore-files", python: py313, args: []string{"--copies", "--without-scm-ignore-files"}},
		venvCase{name: "3.11 --copies --prompt", python: py311, args: []string{"--copies", "--prompt", "p"}, extras: []string{".gitignore"}},
		venvCase{name: "3.8 --prompt", python: py38, args: []string{"--prompt", `say "hi"`}, extras: []string{".gitignore"}},
		venvCase{name: "debian python3", python: testenv.Require(t, "/usr/bin/python3"), extras: []string{".gitignore"}},
		venvCase{name: "debian python3 --system-site-packages", python: "/usr/bin/python3", args: []string{"--system-site-packages"}, extras: []string{".gitignore"}},
		venvCase{name: "pypy3", python: testenv.Require(t, "/usr/bin/pypy3"), extras: []string{".gitignore"}},
		venvCase{name: "pypy3 --system-site-packages --prompt", python: "/usr/bin/pypy3", args: []string{"--system-site-packages", "--prompt", "pp"}, extras: []string{".gitignore"}},
	)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			compareVenvs(t, env, c, "", nil)
		})
	}
}

// TestVenvNix makes a venv from every wrapper kind of a read-only fake Nix
// store, with both sitecustomize variants, and compares it with the venv
// python -m venv makes where that one is right: through the wrapper,
// except for era A with the newer sitecustomize, whose wrapper-made venv
// runs the read-only env again (FACTS.md): there the base's python -m venv
// is the reference. Each venv must have sys.prefix = the venv and take a
// pip install while the store stays unchanged.
func TestVenvNix(t *testing.T) {
	wheel := buildTestWheel(t)
	for _, newer := range []bool{false, true} {
		n := testenv.NixStore(t, testenv.NixOptions{NewerSitecustomize: newer})
		n.MakeReadOnly(t)
		env := append(venvEnv(t), "NIX_STORE_DIR="+n.StoreDir)
		pip := bundledPip(t, n.RealPrefix, n.Minor)
		for _, kind := range []testenv.NixEnvKind{testenv.NixEraAShell, testenv.NixEraABinary, testenv.NixEraAChain, testenv.NixEraB, testenv.NixEraBBinary} {
			name := string(kind)
			if newer {
				name += "/newer-sitecustomize"
			}
			t.Run(name, func(t *testing.T) {
				wrapper := filepath.Join(n.Env(kind), "bin", "python"+n.Minor)
				base := filepath.Join(n.Base, "bin", "python"+n.Minor)
				eraA := kind != testenv.NixEraB && kind != testenv.NixEraBBinary
				refPython, exempt := wrapper, map[string]string(nil)
				if eraA && newer {
					// The base's venv names the base as its executable; the
					// interpreter pyshim was asked for reports the wrapper.
					refPython = base
					exempt = map[string]string{"executable": realpath(t, wrapper)}
				}
				_, ours := compareVenvs(t, env, venvCase{name: name, python: wrapper, extras: []string{".gitignore"}}, refPython, exempt)
				v := probeVenv(t, ours)
				if v.Prefix != "$VENV" {
					t.Errorf("sys.prefix of the venv is %s, want the venv", v.Prefix)
				}
				home := filepath.Dir(base)
				if !eraA {
					home = filepath.Dir(wrapper)
				}
				if got := cfgValue(t, ours, "home"); got != home {
					t.Errorf("home = %s, want %s", got, home)
				}
				pipInstall(t, ours, pip, wheel)

				// With --system-site-packages the env's packages stay
				// importable too; --seed gives it its own pip.
				sys := filepath.Join(t.TempDir(), "sys")
				run(t, env, "pyshim", "venv", "--system-site-packages", "--seed", "-p", wrapper, sys)
				out := run(t, env, filepath.Join(sys, "bin", "python"), "-c", "import nixonly, sys; print(nixonly.__file__); print(sys.prefix)")
				if !strings.Contains(out, n.Env(kind)) && !strings.Contains(out, n.Package) {
					t.Errorf("--system-site-packages: nixonly not from the env: %s", out)
				}
				if !strings.HasSuffix(strings.TrimSpace(out), sys) {
					t.Errorf("--system-site-packages: sys.prefix is not the venv: %s", out)
				}
				pipInstall(t, sys, "", wheel)
			})
		}
		// Through the profile, python -m venv keeps the profile's bin as
		// home (the path it was started as, unresolved); so does pyshim.
		profile := "profile"
		if newer {
			profile += "/newer-sitecustomize"
		}
		t.Run(profile, func(t *testing.T) {
			prof := filepath.Join(n.Profile, "bin", "python"+n.Minor)
			_, ours := compareVenvs(t, env, venvCase{name: "profile", python: prof, extras: []string{".gitignore"}}, "", nil)
			if got := cfgValue(t, ours, "home"); got != filepath.Dir(prof) {
				t.Errorf("home = %s, want the profile's bin %s", got, filepath.Dir(prof))
			}
		})
	}
}

func realpath(t *testing.T, p string) string {
	t.Helper()
	r, err := filepath.EvalSymlinks(p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func cfgValue(t *testing.T, dir, key string) string {
	t.Helper()
	for _, e := range readCfg(t, dir) {
		if e.Key == key {
			return e.Value
		}
	}
	return ""
}

// bundledPip returns the pip wheel ensurepip bundles with the pyenv
// python at prefix; `PYTHONPATH=WHEEL python -m pip` runs pip from it.
func bundledPip(t *testing.T, prefix, minor string) string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(prefix, "lib", "python"+minor, "ensurepip", "_bundled", "pip-*.whl"))
	if len(m) == 0 {
		t.Fatalf("no bundled pip wheel under %s", prefix)
	}
	sort.Strings(m)
	return m[len(m)-1]
}

// pipInstall installs wheel into venv with `python -m pip` (the venv's own
// pip, or when pip is set, pip imported from that wheel; nothing from the
// network) and imports it.
func pipInstall(t *testing.T, venv, pip, wheel string) {
	t.Helper()
	py := filepath.Join(venv, "bin", "python")
	cmd := exec.Command(py, "-m", "pip", "install", "--no-index", "--no-deps", "--no-cache-dir", "--disable-pip-version-check", wheel)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "LC_ALL=C.UTF-8"}
	if pip != "" {
		cmd.Env = append(cmd.Env, "PYTHONPATH="+pip)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pip install into %s: %v\n%s", venv, err, out)
	}
	out := run(t, []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir()}, py, "-c", "import pyshimtestpkg, sys; print(pyshimtestpkg.__file__.startswith(sys.prefix))")
	if strings.TrimSpace(out) != "True" {
		t.Errorf("the installed package is not inside the venv: %s", out)
	}
}

// buildTestWheel writes a minimal pure-Python wheel (pyshimtestpkg 1.0).
func buildTestWheel(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	whl := filepath.Join(dir, "pyshimtestpkg-1.0-py3-none-any.whl")
	script := `import base64, hashlib, sys, zipfile
files = {
    "pyshimtestpkg/__init__.py": b"VALUE = 1\n",
    "pyshimtestpkg-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: pyshimtestpkg\nVersion: 1.0\n",
    "pyshimtestpkg-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: pyshim-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
}
record = []
with zipfile.ZipFile(sys.argv[1], "w") as z:
    for name, data in files.items():
        z.writestr(name, data)
        h = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append("%s,sha256=%s,%d" % (name, h, len(data)))
    record.append("pyshimtestpkg-1.0.dist-info/RECORD,,")
    z.writestr("pyshimtestpkg-1.0.dist-info/RECORD", "\n".join(record) + "\n")
`
	run(t, []string{"PATH=/usr/bin:/bin"}, testenv.Require(t, "/usr/bin/python3"), "-c", script, whl)
	return whl
}

// requireShell returns the path of shell, skipping the test when it is
// not installed (failing under CI=true, where .ci/run installs it).
func requireShell(t *testing.T, shell string) string {
	t.Helper()
	p, err := exec.LookPath(shell)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed; .ci/run installs it", shell)
		}
		t.Skipf("%s is not installed", shell)
	}
	return p
}

// TestVenvActivation sources each activation script in its shell, checks
// that python is the venv's and the variables are set, then deactivates
// and checks that everything is back. The venv's path and prompt hold a
// space, a quote and a dollar sign to exercise each script's quoting.
func TestVenvActivation(t *testing.T) {
	env := venvEnv(t)
	dir := filepath.Join(t.TempDir(), "it's a $venv")
	prompt := `my "env" $x`
	run(t, env, "pyshim", "venv", "-p", testenv.PyenvPython(t, "3.12.1"), "--prompt", prompt, dir)
	bin := filepath.Join(dir, "bin")
	// Each script prints, one per line: python's path, VIRTUAL_ENV,
	// VIRTUAL_ENV_PROMPT, then after deactivate: python's path (or
	// "none"), VIRTUAL_ENV (or "unset") and PATH.
	cases := []struct {
		shell  string
		args   func(script string) []string
		script string
	}{
		{"bash", func(s string) []string { return []string{"--noprofile", "--norc", "-c", s} }, `source "$BIN/activate"
which python
echo "$VIRTUAL_ENV"
echo "$VIRTUAL_ENV_PROMPT"
deactivate
which python || echo none
echo "${VIRTUAL_ENV-unset}"
echo "$PATH"
if type deactivate >/dev/null 2>&1; then echo "deactivate left behind"; fi
`},
		{"zsh", func(s string) []string { return []string{"-f", "-c", s} }, `source "$BIN/activate"
whence -p python
echo "$VIRTUAL_ENV"
echo "$VIRTUAL_ENV_PROMPT"
deactivate
whence -p python || echo none
echo "${VIRTUAL_ENV-unset}"
echo "$PATH"
if whence deactivate >/dev/null; then echo "deactivate left behind"; fi
`},
		{"fish", func(s string) []string { return []string{"--no-config", "-c", s} }, `source "$BIN/activate.fish"
command -v python
echo "$VIRTUAL_ENV"
echo "$VIRTUAL_ENV_PROMPT"
deactivate
command -v python; or echo none
set -q VIRTUAL_ENV; and echo "$VIRTUAL_ENV"; or echo unset
string join : $PATH
if functions -q deactivate; echo "deactivate left behind"; end
`},
		{"csh", func(s string) []string { return []string{"-f", s} }, ""},
		{"tcsh", func(s string) []string { return []string{"-f", s} }, ""},
		{"nu", func(s string) []string { return []string{"-n", "-c", s} }, `overlay use r#'BIN/activate.nu'#
print (which python | get path | first)
print $env.VIRTUAL_ENV
print $env.VIRTUAL_ENV_PROMPT
deactivate
print (if (which python | is-empty) { 'none' } else { which python | get path | first })
print (if 'VIRTUAL_ENV' in $env { $env.VIRTUAL_ENV } else { 'unset' })
print ($env.PATH | str join ':')
`},
	}
	cshScript := `source "$BIN/activate.csh"
which python
echo "$VIRTUAL_ENV"
echo "$VIRTUAL_ENV_PROMPT"
deactivate
which python >& /dev/null
if ($status) echo none
if ($?VIRTUAL_ENV) then
echo "$VIRTUAL_ENV"
else
echo unset
endif
echo "$PATH"
alias deactivate
`
	t.Run("activate_this.py", func(t *testing.T) {
		testenv.WriteFile(t, filepath.Join(dir, "lib", "python3.12", "site-packages", "inside_venv.py"), "", 0o644)
		script := `import os, sys
p = sys.argv[1]
exec(open(p).read(), {"__file__": p})
import inside_venv
print(sys.prefix)
print(inside_venv.__file__.startswith(sys.prefix))
print(os.environ["VIRTUAL_ENV"])
print(os.environ["PATH"].split(os.pathsep)[0])`
		out := run(t, []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir()}, testenv.PyenvPython(t, "3.12.1"), "-c", script, filepath.Join(bin, "activate_this.py"))
		if want := strings.Join([]string{dir, "True", dir, bin}, "\n") + "\n"; out != want {
			t.Errorf("activate_this.py: got\n%swant\n%s", out, want)
		}
	})
	for _, c := range cases {
		t.Run(c.shell, func(t *testing.T) {
			sh := requireShell(t, c.shell)
			script := c.script
			// nushell's overlay use takes a path known when parsing.
			script = strings.ReplaceAll(script, "r#'BIN/", "r#'"+bin+"/")
			if script == "" {
				script = filepath.Join(t.TempDir(), "test.csh")
				testenv.WriteFile(t, script, cshScript, 0o644)
			}
			cmd := exec.Command(sh, c.args(script)...)
			cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "BIN=" + bin, "LC_ALL=C.UTF-8"}
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s: %v\n%s", c.shell, err, out)
			}
			want := []string{filepath.Join(bin, "python"), dir, prompt, "none", "unset", "/usr/bin:/bin"}
			got := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s printed\n%s\nwant\n%s", c.shell, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// TestVenvRefusesReadOnly mounts a directory read-only (in the tests'
// private mount namespace) and checks that pyshim venv refuses it by its
// mount flags, not by permission bits, which root ignores.
func TestVenvRefusesReadOnly(t *testing.T) {
	if !testenv.InPrivateMountNamespace() {
		if os.Getenv("CI") == "true" {
			t.Fatal("not in a private mount namespace (needs root and unshare)")
		}
		t.Skip("not in a private mount namespace (needs root and unshare)")
	}
	env := venvEnv(t)
	ro := filepath.Join(t.TempDir(), "ro")
	if err := os.MkdirAll(filepath.Join(ro, "existing"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount(ro, ro, "", syscall.MS_BIND, ""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Unmount(ro, syscall.MNT_DETACH) })
	if err := syscall.Mount("", ro, "", syscall.MS_REMOUNT|syscall.MS_BIND|syscall.MS_RDONLY, ""); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{filepath.Join(ro, "venv"), filepath.Join(ro, "a", "b", "venv"), filepath.Join(ro, "existing")} {
		cmd := exec.Command("pyshim", "venv", "-p", testenv.PyenvPython(t, "3.12.1"), dir)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err == nil {
			t.Fatalf("pyshim venv %s succeeded on a read-only file system:\n%s", dir, out)
		}
		if !strings.Contains(string(out), "is on a read-only file system; choose a writable directory") {
			t.Errorf("pyshim venv %s: %s", dir, out)
		}
	}
}

// pipList returns `python -m pip list` of a venv as "name version" lines.
func pipList(t *testing.T, venv string) []string {
	t.Helper()
	out := run(t, []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "LC_ALL=C.UTF-8", "PIP_DISABLE_PIP_VERSION_CHECK=1", "PIP_NO_INDEX=1"},
		filepath.Join(venv, "bin", "python"), "-m", "pip", "list", "--format=freeze")
	return strings.Fields(out)
}

// TestVenvSeed checks that --seed gives a venv whose pip works, with the
// distributions python -m venv (ensurepip) would install, for every kind
// of interpreter.
func TestVenvSeed(t *testing.T) {
	env := venvEnv(t)
	cases := []struct {
		name, python string
		// compare runs python -m venv with pip and compares pip list.
		compare bool
		want    []string
	}{
		{"3.6", testenv.PyenvPython(t, "3.6.15"), false, []string{"pip==18.1", "setuptools==40.6.2"}},
		{"3.8", testenv.PyenvPython(t, "3.8.18"), false, []string{"pip==23.0.1", "setuptools==56.0.0"}},
		{"3.11", testenv.PyenvPython(t, "3.11.7"), true, nil},
		{"3.12", testenv.PyenvPython(t, "3.12.1"), false, []string{"pip==23.2.1"}},
		{"3.13", testenv.PyenvPython(t, "3.13.0"), true, nil},
		{"debian python3", testenv.Require(t, "/usr/bin/python3"), false, []string{"pip==23.0.1", "setuptools==66.1.1"}},
		{"pypy3", testenv.Require(t, "/usr/bin/pypy3"), false, nil},
	}
	// A group, so that the parallel subtests finish before the check.
	t.Run("group", func(t *testing.T) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				dir := filepath.Join(t.TempDir(), "seeded venv")
				run(t, env, "pyshim", "venv", "--seed", "-p", c.python, dir)
				out := run(t, []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir()}, filepath.Join(dir, "bin", "pip"), "--version")
				if !strings.Contains(out, filepath.Join(dir, "lib")) {
					t.Errorf("bin/pip --version: %s", out)
				}
				got := pipList(t, dir)
				if !contains(strings.Fields(strings.Join(got, " ")), "pip=="+strings.Fields(out)[1]) {
					t.Errorf("pip list %v lacks the pip that runs (%s)", got, out)
				}
				want := c.want
				if c.compare {
					ref := filepath.Join(t.TempDir(), "ref")
					run(t, env, c.python, "-m", "venv", ref)
					want = pipList(t, ref)
				}
				if want != nil && !reflect.DeepEqual(got, want) {
					t.Errorf("pip list %v, want %v", got, want)
				}
			})
		}
	})
	// The wheels were unpacked once into pyshim's wheel cache, from which
	// every seed links them.
	for _, kv := range env {
		if dir, ok := strings.CutPrefix(kv, "XDG_CACHE_HOME="); ok {
			if m, _ := filepath.Glob(filepath.Join(dir, "pyshim", "wheels-v2", "sha256", "*")); len(m) == 0 {
				t.Errorf("no unpacked wheels in the cache %s", dir)
			}
		}
	}
}
