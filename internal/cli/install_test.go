package cli

import (
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pyshim/pyshim/internal/testenv"
)

// twheel describes a wheel a test builds.
type twheel struct {
	name, version  string
	tag            string // default py3-none-any
	deps           []string
	requiresPython string
	entryPoints    string
	// data are .data files: "scripts/x", "data/share/y", "purelib/z.py".
	data map[string]string
	// code replaces the package's __init__.py.
	code   string
	yanked bool
	// filler adds this many small modules (a large wheel).
	filler int
}

func (w twheel) esc() string { return strings.NewReplacer("-", "_", ".", "_").Replace(w.name) }

func (w twheel) filename() string {
	tag := w.tag
	if tag == "" {
		tag = "py3-none-any"
	}
	return fmt.Sprintf("%s-%s-%s.whl", w.esc(), w.version, tag)
}

// build makes the wheel's bytes: a package named after the project whose
// __init__ holds VERSION, METADATA with the requirements, WHEEL, optional
// entry points and .data files, and a RECORD with hashes.
func (w twheel) build(t testing.TB) []byte {
	t.Helper()
	tag := w.tag
	if tag == "" {
		tag = "py3-none-any"
	}
	pkg := strings.ToLower(w.esc())
	di := fmt.Sprintf("%s-%s.dist-info", w.esc(), w.version)
	var md strings.Builder
	fmt.Fprintf(&md, "Metadata-Version: 2.1\nName: %s\nVersion: %s\n", w.name, w.version)
	if w.requiresPython != "" {
		fmt.Fprintf(&md, "Requires-Python: %s\n", w.requiresPython)
	}
	extras := map[string]bool{}
	for _, d := range w.deps {
		fmt.Fprintf(&md, "Requires-Dist: %s\n", d)
		if _, e, ok := strings.Cut(d, `extra == "`); ok {
			extras[strings.TrimSuffix(e, `"`)] = true
		}
	}
	for _, e := range slices.Sorted(func(yield func(string) bool) {
		for e := range extras {
			if !yield(e) {
				return
			}
		}
	}) {
		fmt.Fprintf(&md, "Provides-Extra: %s\n", e)
	}
	md.WriteString("\n")
	code := w.code
	if code == "" {
		code = fmt.Sprintf("VERSION = %q\n", w.version)
	}
	type file struct{ path, data string }
	files := []file{{pkg + "/__init__.py", code}}
	for i := range w.filler {
		files = append(files, file{fmt.Sprintf("%s/filler/m%05d.py", pkg, i), fmt.Sprintf("X = %d\n", i)})
	}
	if w.filler > 0 {
		files = append(files, file{pkg + "/filler/__init__.py", ""})
	}
	keys := make([]string, 0, len(w.data))
	for k := range w.data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		files = append(files, file{fmt.Sprintf("%s-%s.data/%s", w.esc(), w.version, k), w.data[k]})
	}
	files = append(files, file{di + "/METADATA", md.String()},
		file{di + "/WHEEL", fmt.Sprintf("Wheel-Version: 1.0\nGenerator: pyshim-test\nRoot-Is-Purelib: %v\nTag: %s\n", tag == "py3-none-any", tag)})
	if w.entryPoints != "" {
		files = append(files, file{di + "/entry_points.txt", w.entryPoints})
	}
	var record strings.Builder
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		h := &zip.FileHeader{Name: f.path, Method: zip.Deflate}
		h.SetMode(0o644)
		if strings.Contains(f.path, ".data/scripts/") {
			h.SetMode(0o755)
		}
		fw, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write([]byte(f.data))
		sum := sha256.Sum256([]byte(f.data))
		fmt.Fprintf(&record, "%s,sha256=%s,%d\n", f.path, base64.RawURLEncoding.EncodeToString(sum[:]), len(f.data))
	}
	fmt.Fprintf(&record, "%s/RECORD,,\n", di)
	fw, _ := zw.Create(di + "/RECORD")
	fw.Write([]byte(record.String()))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// tindex serves wheels as a PEP 503 (HTML) or PEP 691 (JSON) simple API.
type tindex struct {
	srv  *httptest.Server
	mode string // "html" or "json"
	mu   sync.Mutex
	// files are the wheels by file name, projects the file names per
	// normalised project name.
	files    map[string][]byte
	projects map[string][]string
	yanked   map[string]bool
	// gate, when set, holds every wheel download until it is closed.
	gate chan struct{}
	// downloads counts wheel downloads.
	downloads int
}

func normName(s string) string {
	return strings.NewReplacer("_", "-", ".", "-").Replace(strings.ToLower(s))
}

func newTIndex(t testing.TB, mode string, wheels ...twheel) *tindex {
	ti := &tindex{mode: mode, files: map[string][]byte{}, projects: map[string][]string{}, yanked: map[string]bool{}}
	for _, w := range wheels {
		ti.add(t, w)
	}
	ti.srv = httptest.NewServer(http.HandlerFunc(ti.serve))
	t.Cleanup(ti.srv.Close)
	return ti
}

func (ti *tindex) add(t testing.TB, w twheel) {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	fn := w.filename()
	ti.files[fn] = w.build(t)
	n := normName(w.name)
	ti.projects[n] = append(ti.projects[n], fn)
	ti.yanked[fn] = w.yanked
}

func (ti *tindex) url() string { return ti.srv.URL + "/simple" }

func sha256hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func (ti *tindex) serve(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) == 2 && parts[0] == "files" {
		ti.mu.Lock()
		data, ok := ti.files[parts[1]]
		gate := ti.gate
		ti.downloads++
		ti.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		if gate != nil {
			select {
			case <-gate:
			case <-r.Context().Done():
				return
			}
		}
		w.Write(data)
		return
	}
	if len(parts) != 2 || parts[0] != "simple" {
		http.NotFound(w, r)
		return
	}
	ti.mu.Lock()
	defer ti.mu.Unlock()
	fns, ok := ti.projects[parts[1]]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if ti.mode == "json" {
		type jf struct {
			Filename string            `json:"filename"`
			URL      string            `json:"url"`
			Hashes   map[string]string `json:"hashes"`
			Yanked   any               `json:"yanked"`
		}
		var files []jf
		for _, fn := range fns {
			f := jf{Filename: fn, URL: "../../files/" + fn, Hashes: map[string]string{"sha256": sha256hex(ti.files[fn])}, Yanked: false}
			if ti.yanked[fn] {
				f.Yanked = "broken"
			}
			files = append(files, f)
		}
		w.Header().Set("Content-Type", "application/vnd.pypi.simple.v1+json")
		json.NewEncoder(w).Encode(map[string]any{"meta": map[string]string{"api-version": "1.0"}, "name": parts[1], "files": files})
		return
	}
	w.Header().Set("Content-Type", "text/html")
	fmt.Fprintln(w, "<!DOCTYPE html><html><body>")
	for _, fn := range fns {
		y := ""
		if ti.yanked[fn] {
			y = ` data-yanked=""`
		}
		fmt.Fprintf(w, "<a href=\"/files/%s#sha256=%s\"%s>%s</a><br/>\n", html.EscapeString(fn), sha256hex(ti.files[fn]), y, html.EscapeString(fn))
	}
	fmt.Fprintln(w, "</body></html>")
}

// findLinksDir writes wheels into a directory.
func findLinksDir(t testing.TB, wheels ...twheel) string {
	dir := t.TempDir()
	for _, w := range wheels {
		if err := os.WriteFile(filepath.Join(dir, w.filename()), w.build(t), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// installEnv is a private environment for pyshim: its own XDG dirs (so
// its own wheel cache), no VIRTUAL_ENV, and a pyenv root that links the
// named versions, or all of the real ones (testenv.PyenvRoot).
func installEnv(t testing.TB, versions ...string) []string {
	t.Helper()
	xdg := t.TempDir()
	return []string{
		"HOME=" + filepath.Join(xdg, "home"),
		"PATH=" + os.Getenv("PATH"),
		"LC_ALL=C.UTF-8",
		"XDG_CACHE_HOME=" + filepath.Join(xdg, "cache"),
		"XDG_CONFIG_HOME=" + filepath.Join(xdg, "config"),
		"XDG_DATA_HOME=" + filepath.Join(xdg, "data"),
		"XDG_STATE_HOME=" + filepath.Join(xdg, "state"),
		"PYENV_ROOT=" + testenv.PyenvRoot(t, versions...),
		"NIX_STORE_DIR=" + filepath.Join(xdg, "nix", "store"),
	}
}

// pyshimRun runs pyshim in dir and returns stdout, stderr and the error.
func pyshimRun(env []string, dir string, args ...string) (string, string, error) {
	cmd := exec.Command("pyshim", args...)
	cmd.Env, cmd.Dir = env, dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}

func mustPyshim(t testing.TB, env []string, args ...string) (string, string) {
	t.Helper()
	out, errs, err := pyshimRun(env, "", args...)
	if err != nil {
		t.Fatalf("pyshim %s: %v\n%s%s", strings.Join(args, " "), err, out, errs)
	}
	return out, errs
}

// makeTestVenv makes a venv with python -m venv --without-pip.
func makeTestVenv(t testing.TB, python, dir string, withPip bool) string {
	t.Helper()
	args := []string{"-m", "venv"}
	if !withPip {
		args = append(args, "--without-pip")
	}
	cmd := exec.Command(python, append(args, dir)...)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir()}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s -m venv %s: %v\n%s", python, dir, err, out)
	}
	return dir
}

// pyRun runs a venv's python with args and returns its output.
func pyRun(t testing.TB, venv string, args ...string) string {
	t.Helper()
	cmd := exec.Command(filepath.Join(venv, "bin", "python"), args...)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "LC_ALL=C.UTF-8"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s/bin/python %s: %v\n%s", venv, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// freezeSet is `pyshim freeze --all` of a venv, as normalised name==version.
func freezeSet(t testing.TB, env []string, venv string) []string {
	t.Helper()
	out, _ := mustPyshim(t, env, "freeze", "--all", "--venv", venv)
	var set []string
	for _, l := range strings.Fields(out) {
		n, v, _ := strings.Cut(l, "==")
		set = append(set, normName(n)+"=="+v)
	}
	sort.Strings(set)
	return set
}

const pip311Python = "3.11.7"

// pipCheck runs pip check over venv with the pip of a helper venv
// (pip imported through PYTHONPATH, so the checked venv needs no pip).
func pipCheck(t testing.TB, venv string) {
	t.Helper()
	pipSite := pipSitePackages(t)
	cmd := exec.Command(filepath.Join(venv, "bin", "python"), "-m", "pip", "check")
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "PYTHONPATH=" + pipSite, "PIP_DISABLE_PIP_VERSION_CHECK=1", "PIP_CONFIG_FILE=/dev/null"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pip check in %s: %v\n%s", venv, err, out)
	}
}

// pipSitePackages is a directory holding only pip: a link to the pip
// package of pyenv's 3.11 (pip vendors its dependencies), for PYTHONPATH.
func pipSitePackages(t testing.TB) string {
	t.Helper()
	base := filepath.Dir(filepath.Dir(testenv.PyenvPython(t, pip311Python)))
	dir := t.TempDir()
	if err := os.Symlink(filepath.Join(base, "lib", "python3.11", "site-packages", "pip"), filepath.Join(dir, "pip")); err != nil {
		t.Fatal(err)
	}
	return dir
}

// appWheels are a small project: an app with a console script, a GUI
// script and .data files, depending on a library with an extra, on a
// dependency its marker excludes, and on a platform-tagged wheel.
func appWheels(platTag string) []twheel {
	return []twheel{
		{name: "demo-app", version: "1.0", deps: []string{"demo-lib[fast]>=1.0", `never-here; python_version < "3"`, "demo-plat"},
			entryPoints: "[console_scripts]\ndemo = demo_app:main\n[gui_scripts]\ndemo-gui = demo_app:main\n",
			code:        "import demo_lib\nVERSION = '1.0'\ndef main():\n    print('demo', VERSION, demo_lib.VERSION, demo_lib.fast())\n",
			data:        map[string]string{"scripts/demo-sh": "#!python\nimport sys\nprint('script', sys.executable)\n", "data/share/demo/readme.txt": "hello\n"}},
		{name: "demo-lib", version: "1.0", deps: []string{`demo-speed; extra == "fast"`},
			code: "VERSION = '1.0'\ndef fast():\n    import demo_speed\n    return demo_speed.VERSION\n"},
		{name: "demo-lib", version: "0.9"},
		{name: "demo-speed", version: "2.0"},
		{name: "demo-plat", version: "1.0", tag: platTag},
	}
}

// TestInstallInterpreters installs the same project into venvs of every
// kind of interpreter, from every kind of source, and runs it.
func TestInstallInterpreters(t *testing.T) {
	cases := []struct {
		python, source string
	}{
		{testenv.PyenvPython(t, "3.8.18"), "html"},
		{testenv.PyenvPython(t, "3.11.7"), "json"},
		{testenv.PyenvPython(t, "3.13.0"), "find-links"},
		{testenv.Require(t, "/usr/bin/pypy3"), "html"},
	}
	for _, c := range cases {
		t.Run(filepath.Base(c.python)+"-"+c.source, func(t *testing.T) {
			env := installEnv(t)
			wheels := appWheels("py3-none-manylinux_2_17_x86_64")
			// An incompatible newer build of the platform wheel must be skipped.
			wheels = append(wheels, twheel{name: "demo-plat", version: "9.0", tag: "py3-none-win_amd64"})
			var src []string
			switch c.source {
			case "find-links":
				src = []string{"--no-index", "--find-links", findLinksDir(t, wheels...)}
			default:
				src = []string{"--index-url", newTIndex(t, c.source, wheels...).url()}
			}
			venv := makeTestVenv(t, c.python, filepath.Join(t.TempDir(), "venv"), false)
			_, errs := mustPyshim(t, env, append([]string{"install", "--venv", venv, "demo-app"}, src...)...)
			if !strings.Contains(errs, "Installed 4 packages in ") || !strings.Contains(errs, " + demo-app==1.0\n") || !strings.Contains(errs, " + demo-plat==1.0\n") {
				t.Errorf("summary:\n%s", errs)
			}
			if got := pyRun(t, venv, "-c", "import demo_app; demo_app.main()"); got != "demo 1.0 1.0 2.0\n" {
				t.Errorf("import: %q", got)
			}
			for _, script := range []string{"demo", "demo-gui"} {
				cmd := exec.Command(filepath.Join(venv, "bin", script))
				out, err := cmd.CombinedOutput()
				if err != nil || string(out) != "demo 1.0 1.0 2.0\n" {
					t.Errorf("%s: %v %q", script, err, out)
				}
			}
			out, err := exec.Command(filepath.Join(venv, "bin", "demo-sh")).CombinedOutput()
			if err != nil || !strings.HasPrefix(string(out), "script ") {
				t.Errorf("demo-sh: %v %q", err, out)
			}
			if b, err := os.ReadFile(filepath.Join(venv, "share", "demo", "readme.txt")); err != nil || string(b) != "hello\n" {
				t.Errorf(".data/data: %v %q", err, b)
			}
			if di := filepath.Join(sitePackages(t, venv), "demo_app-1.0.dist-info"); !fileExists(filepath.Join(di, "REQUESTED")) || fileExists(filepath.Join(sitePackages(t, venv), "demo_lib-1.0.dist-info", "REQUESTED")) {
				t.Errorf("REQUESTED must mark demo-app only")
			}
			if got, want := freezeSet(t, env, venv), []string{"demo-app==1.0", "demo-lib==1.0", "demo-plat==1.0", "demo-speed==2.0"}; !slices.Equal(got, want) {
				t.Errorf("freeze %q, want %q", got, want)
			}
			// A second install finds everything satisfied.
			_, errs = mustPyshim(t, env, append([]string{"install", "--venv", venv, "demo-app"}, src...)...)
			if !strings.Contains(errs, "Audited 4 packages") {
				t.Errorf("second install: %s", errs)
			}
		})
	}
}

// sitePackages finds a venv's site-packages.
func sitePackages(t testing.TB, venv string) string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(venv, "lib", "*", "site-packages"))
	if len(m) != 1 {
		t.Fatalf("site-packages of %s: %v", venv, m)
	}
	return m[0]
}

// TestInstallResolution runs the resolver's cases end to end.
func TestInstallResolution(t *testing.T) {
	py := testenv.PyenvPython(t, "3.11.7")
	cases := []struct {
		name   string
		wheels []twheel
		args   []string
		want   []string // the venv's freeze afterwards
		err    string   // a substring of the error
	}{
		{
			name: "backtracking",
			wheels: []twheel{
				{name: "x", version: "2.0", deps: []string{"y<2"}}, {name: "x", version: "1.0", deps: []string{"y>=1"}},
				{name: "y", version: "1.0"}, {name: "y", version: "2.0"}, {name: "z", version: "1.0", deps: []string{"y>=2"}},
			},
			args: []string{"x", "z"},
			want: []string{"x==1.0", "y==2.0", "z==1.0"},
		},
		{
			name:   "conflict explained",
			wheels: []twheel{{name: "a", version: "1.0", deps: []string{"b<2"}}, {name: "c", version: "1.0", deps: []string{"b>=2"}}, {name: "b", version: "1.0"}, {name: "b", version: "2.0"}},
			args:   []string{"a==1.0", "c"},
			err:    "no solution: ",
		},
		{
			name:   "extras",
			wheels: []twheel{{name: "e", version: "1.0", deps: []string{`f; extra == "more"`, `g; extra == "other"`}}, {name: "f", version: "1.0"}, {name: "g", version: "1.0"}},
			args:   []string{"e[more]"},
			want:   []string{"e==1.0", "f==1.0"},
		},
		{
			name:   "marker excludes a dependency",
			wheels: []twheel{{name: "m", version: "1.0", deps: []string{`old; python_version < "3.8"`, `win; sys_platform == "win32"`, `lin; sys_platform == "linux"`}}, {name: "old", version: "1.0"}, {name: "win", version: "1.0"}, {name: "lin", version: "1.0"}},
			args:   []string{"m"},
			want:   []string{"lin==1.0", "m==1.0"},
		},
		{
			name:   "requires-python excludes newer",
			wheels: []twheel{{name: "rp", version: "1.0", requiresPython: ">=3.7"}, {name: "rp", version: "2.0", requiresPython: ">=3.12"}},
			args:   []string{"rp"},
			want:   []string{"rp==1.0"},
		},
		{
			name:   "pre-releases only when named",
			wheels: []twheel{{name: "p", version: "1.0"}, {name: "p", version: "2.0rc1"}, {name: "q", version: "1.0", deps: []string{"p>=2.0rc1"}}},
			args:   []string{"p"},
			want:   []string{"p==1.0"},
		},
		{
			name:   "pre-release a dependency names",
			wheels: []twheel{{name: "p", version: "1.0"}, {name: "p", version: "2.0rc1"}, {name: "q", version: "1.0", deps: []string{"p>=2.0rc1"}}},
			args:   []string{"q"},
			want:   []string{"p==2.0rc1", "q==1.0"},
		},
		{
			name:   "--pre",
			wheels: []twheel{{name: "p", version: "1.0"}, {name: "p", version: "2.0rc1"}},
			args:   []string{"--pre", "p"},
			want:   []string{"p==2.0rc1"},
		},
		{
			name:   "yanked skipped",
			wheels: []twheel{{name: "yk", version: "1.0"}, {name: "yk", version: "1.1", yanked: true}},
			args:   []string{"yk"},
			want:   []string{"yk==1.0"},
		},
		{
			name:   "yanked pinned",
			wheels: []twheel{{name: "yk", version: "1.0"}, {name: "yk", version: "1.1", yanked: true}},
			args:   []string{"yk==1.1"},
			want:   []string{"yk==1.1"},
		},
		{
			name:   "no-deps",
			wheels: []twheel{{name: "nd", version: "1.0", deps: []string{"dep"}}, {name: "dep", version: "1.0"}},
			args:   []string{"--no-deps", "nd"},
			want:   []string{"nd==1.0"},
		},
		{
			name:   "unknown project",
			wheels: []twheel{{name: "a", version: "1.0"}},
			args:   []string{"does-not-exist"},
			err:    "does-not-exist",
		},
	}
	for _, mode := range []string{"html", "json"} {
		for _, c := range cases {
			t.Run(mode+"/"+c.name, func(t *testing.T) {
				env := installEnv(t)
				ti := newTIndex(t, mode, c.wheels...)
				venv := makeTestVenv(t, py, filepath.Join(t.TempDir(), "v"), false)
				out, errs, err := pyshimRun(env, "", append([]string{"install", "--venv", venv, "-i", ti.url()}, c.args...)...)
				if c.err != "" {
					if err == nil || !strings.Contains(errs, c.err) {
						t.Fatalf("want an error with %q, got %v\n%s%s", c.err, err, out, errs)
					}
					if strings.Count(strings.TrimSpace(errs), "\n") != 0 {
						t.Errorf("the error is not one line:\n%s", errs)
					}
					if got := freezeSet(t, env, venv); len(got) != 0 {
						t.Errorf("a failed install left %q", got)
					}
					return
				}
				if err != nil {
					t.Fatalf("%v\n%s%s", err, out, errs)
				}
				if got := freezeSet(t, env, venv); !slices.Equal(got, c.want) {
					t.Errorf("installed %q, want %q", got, c.want)
				}
			})
		}
	}
}

// TestInstallConflictMessage checks that a conflict names the chain.
func TestInstallConflictMessage(t *testing.T) {
	env := installEnv(t)
	ti := newTIndex(t, "json", twheel{name: "a", version: "1.0", deps: []string{"b<2"}}, twheel{name: "c", version: "1.0", deps: []string{"b>=2"}},
		twheel{name: "b", version: "1.0"}, twheel{name: "b", version: "2.0"})
	venv := makeTestVenv(t, testenv.PyenvPython(t, "3.11.7"), filepath.Join(t.TempDir(), "v"), false)
	_, errs, err := pyshimRun(env, "", "install", "--venv", venv, "-i", ti.url(), "a", "c")
	if err == nil {
		t.Fatal("conflicting requirements installed")
	}
	for _, want := range []string{"a", "b<2", "c", "b>=2"} {
		if !strings.Contains(errs, want) {
			t.Errorf("the explanation lacks %q:\n%s", want, errs)
		}
	}
}

// TestInstallUpgradeUninstall upgrades (old files removed), uninstalls,
// and lists packages.
func TestInstallUpgradeUninstall(t *testing.T) {
	env := installEnv(t)
	ti := newTIndex(t, "json",
		twheel{name: "up", version: "1.0", data: map[string]string{"purelib/up_old_only.py": "X = 1\n"}},
		twheel{name: "up", version: "2.0"}, twheel{name: "keep", version: "1.0"})
	venv := makeTestVenv(t, testenv.PyenvPython(t, "3.11.7"), filepath.Join(t.TempDir(), "v"), false)
	site := sitePackages(t, venv)
	mustPyshim(t, env, "install", "--venv", venv, "-i", ti.url(), "up==1.0", "keep")
	if !fileExists(filepath.Join(site, "up_old_only.py")) {
		t.Fatal("up 1.0's .data/purelib file is missing")
	}
	_, errs := mustPyshim(t, env, "install", "--venv", venv, "-i", ti.url(), "up")
	if !strings.Contains(errs, "Audited") {
		t.Errorf("without --upgrade the installed up 1.0 must satisfy up: %s", errs)
	}
	_, errs = mustPyshim(t, env, "install", "--venv", venv, "-i", ti.url(), "--upgrade", "up")
	if !strings.Contains(errs, " - up==1.0\n + up==2.0\n") {
		t.Errorf("upgrade summary:\n%s", errs)
	}
	if fileExists(filepath.Join(site, "up_old_only.py")) || fileExists(filepath.Join(site, "up-1.0.dist-info")) {
		t.Error("the upgrade left up 1.0's files")
	}
	out, _ := mustPyshim(t, env, "packages", "--json", "--venv", venv)
	var list []struct{ Name, Version, Installer string }
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("packages --json: %v\n%s", err, out)
	}
	if len(list) != 2 || list[0].Name != "keep" || list[1].Name != "up" || list[1].Version != "2.0" || list[1].Installer != "pyshim" {
		t.Errorf("packages --json: %+v", list)
	}
	_, errs = mustPyshim(t, env, "uninstall", "--venv", venv, "up", "nothere")
	if !strings.Contains(errs, "Uninstalled 1 package") || !strings.Contains(errs, " - up==2.0") || !strings.Contains(errs, "Skipping nothere") {
		t.Errorf("uninstall:\n%s", errs)
	}
	if fileExists(filepath.Join(site, "up")) {
		t.Error("uninstall left the package")
	}
	if got := freezeSet(t, env, venv); !slices.Equal(got, []string{"keep==1.0"}) {
		t.Errorf("after uninstall: %q", got)
	}
}

// TestInstallMatchesPip installs the same requirements from the same
// find-links directory with pip and with pyshim, compares the installed
// sets, and runs pip check on pyshim's venv.
func TestInstallMatchesPip(t *testing.T) {
	py := testenv.PyenvPython(t, pip311Python)
	wheels := []twheel{
		{name: "x", version: "2.0", deps: []string{"y<2"}}, {name: "x", version: "1.0", deps: []string{"y>=1"}},
		{name: "y", version: "1.0"}, {name: "y", version: "2.0"}, {name: "y", version: "2.1"}, {name: "y", version: "3.0b1"},
		{name: "z", version: "1.0", deps: []string{"y>=2"}},
		{name: "d", version: "1.0", deps: []string{`e>=1; extra == "fast"`, `old-only; python_version < "3.8"`, `f; sys_platform == "linux"`}},
		{name: "e", version: "1.0"}, {name: "e", version: "1.5"}, {name: "old-only", version: "1.0"},
		{name: "f", version: "0.1"}, {name: "f", version: "0.2", deps: []string{"y!=2.1"}},
		{name: "h", version: "1.0", requiresPython: ">=3.7"}, {name: "h", version: "2.0", requiresPython: ">=3.12"},
		{name: "p", version: "1.0"}, {name: "p", version: "2.0rc1"}, {name: "q", version: "1.0", deps: []string{"p>=2.0rc1"}},
		{name: "Some.Name", version: "1.0", deps: []string{"other_name>=1"}}, {name: "other-name", version: "1.2"},
		{name: "plat", version: "1.0", tag: "py3-none-manylinux_2_17_x86_64"}, {name: "plat", version: "1.1", tag: "py3-none-macosx_11_0_arm64"},
	}
	dir := findLinksDir(t, wheels...)
	for _, reqs := range [][]string{{"x", "z"}, {"d[fast]", "h"}, {"q", "plat"}, {"some-name", "x<2", "d"}} {
		t.Run(strings.Join(reqs, " "), func(t *testing.T) {
			env := installEnv(t)
			pipVenv := makeTestVenv(t, py, filepath.Join(t.TempDir(), "pip"), true)
			cmd := exec.Command(filepath.Join(pipVenv, "bin", "python"), append([]string{"-m", "pip", "install", "-q", "--no-index", "--find-links", dir, "--no-compile"}, reqs...)...)
			cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "PIP_DISABLE_PIP_VERSION_CHECK=1", "PIP_NO_CACHE_DIR=1", "PIP_CONFIG_FILE=/dev/null"}
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("pip install: %v\n%s", err, out)
			}
			var want []string
			for _, l := range freezeSet(t, env, pipVenv) {
				if n, _, _ := strings.Cut(l, "=="); n != "pip" && n != "setuptools" {
					want = append(want, l)
				}
			}
			venv := makeTestVenv(t, py, filepath.Join(t.TempDir(), "ours"), false)
			mustPyshim(t, env, append([]string{"install", "--venv", venv, "--no-index", "--find-links", dir}, reqs...)...)
			if got := freezeSet(t, env, venv); !slices.Equal(got, want) {
				t.Errorf("pyshim %q\npip    %q", got, want)
			}
			pipCheck(t, venv)
			// pip reads what pyshim wrote: its freeze matches pyshim's.
			pc := exec.Command(filepath.Join(venv, "bin", "python"), "-m", "pip", "freeze", "--all")
			pc.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "PYTHONPATH=" + pipSitePackages(t), "PIP_DISABLE_PIP_VERSION_CHECK=1"}
			pout, err := pc.Output()
			if err != nil {
				t.Fatalf("pip freeze: %v", err)
			}
			ours, _ := mustPyshim(t, env, "freeze", "--venv", venv)
			for _, l := range strings.Fields(ours) {
				if !strings.Contains(string(pout), l+"\n") {
					t.Errorf("pip freeze lacks %s:\n%s", l, pout)
				}
			}
		})
	}
}

// TestInstallHashes checks --require-hashes and --hash in requirement
// files.
func TestInstallHashes(t *testing.T) {
	py := testenv.PyenvPython(t, "3.11.7")
	a, b := twheel{name: "ha", version: "1.0", deps: []string{"hb"}}, twheel{name: "hb", version: "1.0"}
	ti := newTIndex(t, "html", a, b)
	ha, hb := "sha256:"+sha256hex(a.build(t)), "sha256:"+sha256hex(b.build(t))
	bad := "sha256:" + strings.Repeat("0", 64)
	cases := []struct {
		name, reqs string
		args       []string
		err        string
	}{
		{"all hashed", "ha==1.0 --hash=" + ha + "\nhb==1.0 \\\n    --hash=" + hb + "\n", nil, ""},
		{"several allowed", "ha==1.0 --hash=" + bad + " --hash=" + ha + "\nhb==1.0 --hash=" + hb + "\n", nil, ""},
		{"wrong hash", "ha==1.0 --hash=" + bad + "\nhb==1.0 --hash=" + hb + "\n", nil, "does not match any --hash"},
		{"dependency without hash", "ha==1.0 --hash=" + ha + "\n", nil, "hb==1.0"},
		{"not pinned", "ha>=1.0 --hash=" + ha + "\nhb==1.0 --hash=" + hb + "\n", nil, "must be pinned with =="},
		{"require-hashes without hashes", "ha==1.0\nhb==1.0\n", []string{"--require-hashes"}, "needs --hash"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := installEnv(t)
			venv := makeTestVenv(t, py, filepath.Join(t.TempDir(), "v"), false)
			req := filepath.Join(t.TempDir(), "req.txt")
			testenv.WriteFile(t, req, c.reqs, 0o644)
			// Twice: a cold cache, then a warm one (the hash is then checked
			// against the cache entry).
			for range 2 {
				_, errs, err := pyshimRun(env, "", append([]string{"install", "--venv", venv, "-i", ti.url(), "-r", req}, c.args...)...)
				if c.err == "" && err != nil {
					t.Fatalf("%v\n%s", err, errs)
				}
				if c.err != "" && (err == nil || !strings.Contains(errs, c.err)) {
					t.Fatalf("want an error with %q, got %v: %s", c.err, err, errs)
				}
				if c.err == "" {
					mustPyshim(t, env, "uninstall", "--venv", venv, "ha", "hb")
				}
			}
		})
	}
}

// TestInstallTargets checks how the target is chosen and what is refused.
func TestInstallTargets(t *testing.T) {
	py := testenv.PyenvPython(t, "3.11.7")
	ti := newTIndex(t, "json", twheel{name: "tiny", version: "1.0"})

	t.Run("VIRTUAL_ENV and project .venv", func(t *testing.T) {
		env := installEnv(t)
		proj := t.TempDir()
		sub := filepath.Join(proj, "src", "pkg")
		os.MkdirAll(sub, 0o755)
		// Not trusted: named with the fix, and its python never runs.
		venv := filepath.Join(proj, ".venv")
		testenv.WriteFile(t, filepath.Join(venv, "pyvenv.cfg"), "home = /usr/bin\n", 0o644)
		marker := filepath.Join(t.TempDir(), "ran")
		testenv.MarkerPython(t, filepath.Join(venv, "bin", "python"), marker)
		_, errs, err := pyshimRun(env, sub, "install", "-i", ti.url(), "tiny")
		if err == nil || !strings.Contains(errs, "is not trusted") || !strings.Contains(errs, "pyshim trust "+proj) || !strings.Contains(errs, "--venv "+venv) {
			t.Fatalf("untrusted .venv: %v %s", err, errs)
		}
		if fileExists(marker) {
			t.Fatal("the untrusted venv's python ran")
		}
		os.RemoveAll(venv)
		makeTestVenv(t, py, venv, false)
		mustPyshim(t, env, "trust", proj)
		if _, errs, err := pyshimRun(env, sub, "install", "-i", ti.url(), "tiny"); err != nil {
			t.Fatalf("trusted .venv: %v %s", err, errs)
		}
		if got := freezeSet(t, env, venv); !slices.Equal(got, []string{"tiny==1.0"}) {
			t.Errorf("project .venv holds %q", got)
		}
		// VIRTUAL_ENV beats the project .venv.
		other := makeTestVenv(t, py, filepath.Join(t.TempDir(), "other"), false)
		if _, errs, err := pyshimRun(append(env, "VIRTUAL_ENV="+other), sub, "install", "-i", ti.url(), "tiny"); err != nil {
			t.Fatalf("VIRTUAL_ENV: %v %s", err, errs)
		}
		if got := freezeSet(t, env, other); !slices.Equal(got, []string{"tiny==1.0"}) {
			t.Errorf("VIRTUAL_ENV venv holds %q", got)
		}
		// -p of a venv's python installs into that venv.
		third := makeTestVenv(t, py, filepath.Join(t.TempDir(), "third"), false)
		if _, errs, err := pyshimRun(env, sub, "install", "-p", filepath.Join(third, "bin", "python"), "-i", ti.url(), "tiny"); err != nil {
			t.Fatalf("-p venv python: %v %s", err, errs)
		}
		if got := freezeSet(t, env, third); !slices.Equal(got, []string{"tiny==1.0"}) {
			t.Errorf("-p venv holds %q", got)
		}
	})

	t.Run("no venv", func(t *testing.T) {
		env := installEnv(t)
		dir := t.TempDir()
		_, errs, err := pyshimRun(env, dir, "install", "-i", ti.url(), "tiny")
		if err == nil || !strings.Contains(errs, "`pyshim venv "+filepath.Join(dir, ".venv")+"`") {
			t.Fatalf("%v %s", err, errs)
		}
		// A base interpreter without --system.
		_, errs, err = pyshimRun(env, dir, "install", "-p", py, "-i", ti.url(), "tiny")
		if err == nil || !strings.Contains(errs, "is not a virtual environment") || !strings.Contains(errs, "`pyshim venv -p "+py+" .venv`") {
			t.Fatalf("-p base: %v %s", err, errs)
		}
	})

	t.Run("Debian EXTERNALLY-MANAGED", func(t *testing.T) {
		testenv.Require(t, "/usr/lib/python3.11/EXTERNALLY-MANAGED")
		env := installEnv(t)
		before := treeSnapshot(t, "/usr/local/lib/python3.11", "/usr/lib/python3/dist-packages", "/usr/local/bin")
		for _, args := range [][]string{{"--system", "-p", "/usr/bin/python3"}, {"-p", "/usr/bin/python3"}} {
			_, errs, err := pyshimRun(env, t.TempDir(), append(append([]string{"install"}, args...), "-i", ti.url(), "tiny")...)
			if err == nil || !strings.Contains(errs, "`pyshim venv -p /usr/bin/python3 .venv`") {
				t.Fatalf("%v: %v %s", args, err, errs)
			}
			if args[0] == "--system" && !strings.Contains(errs, "externally managed") {
				t.Errorf("--system: %s", errs)
			}
		}
		if after := treeSnapshot(t, "/usr/local/lib/python3.11", "/usr/lib/python3/dist-packages", "/usr/local/bin"); !slices.Equal(before, after) {
			t.Error("the refused install changed Debian's python")
		}
	})

	t.Run("Nix era-A env", func(t *testing.T) {
		n := testenv.NixStore(t, testenv.NixOptions{})
		n.MakeReadOnly(t)
		env := append(installEnv(t), "NIX_STORE_DIR="+n.StoreDir, "HOME="+n.Home)
		py := filepath.Join(n.Env(testenv.NixEraAShell), "bin", "python3")
		for _, args := range [][]string{{"-p", py}, {"--system", "-p", py}, {"--system", "--break-system-packages", "-p", py}} {
			_, errs, err := pyshimRun(env, t.TempDir(), append(append([]string{"install"}, args...), "-i", ti.url(), "tiny")...)
			if err == nil || !strings.Contains(errs, "in the Nix store") || !strings.Contains(errs, "`pyshim venv -p "+py+" .venv`") {
				t.Fatalf("%v: %v %s", args, err, errs)
			}
			if strings.Contains(errs, "Permission denied") || strings.Contains(errs, "read-only file system:") {
				t.Errorf("refused by a failed write, not before it: %s", errs)
			}
		}
		// A venv made from it works.
		venv := filepath.Join(t.TempDir(), "v")
		mustPyshim(t, env, "venv", "-p", py, venv)
		mustPyshim(t, env, "install", "--venv", venv, "-i", ti.url(), "tiny")
		if got := pyRun(t, venv, "-c", "import tiny; print(tiny.VERSION)"); got != "1.0\n" {
			t.Errorf("import from the venv of a Nix python: %q", got)
		}
	})

	t.Run("read-only mount", func(t *testing.T) {
		if !testenv.InPrivateMountNamespace() {
			if os.Getenv("CI") == "true" {
				t.Fatal("not in a private mount namespace (needs root and unshare)")
			}
			t.Skip("not in a private mount namespace (needs root and unshare)")
		}
		env := installEnv(t)
		venv := makeTestVenv(t, py, filepath.Join(t.TempDir(), "ro"), false)
		if err := syscall.Mount(venv, venv, "", syscall.MS_BIND, ""); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = syscall.Unmount(venv, syscall.MNT_DETACH) })
		if err := syscall.Mount("", venv, "", syscall.MS_REMOUNT|syscall.MS_BIND|syscall.MS_RDONLY, ""); err != nil {
			t.Fatal(err)
		}
		_, errs, err := pyshimRun(env, "", "install", "--venv", venv, "-i", ti.url(), "tiny")
		if err == nil || !strings.Contains(errs, "is on a read-only file system") || !strings.Contains(errs, "`pyshim venv .venv`") {
			t.Fatalf("%v %s", err, errs)
		}
	})
}

// treeSnapshot lists the entries (path, size, mode) under dirs.
func treeSnapshot(t testing.TB, dirs ...string) []string {
	var out []string
	for _, d := range dirs {
		filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			fi, err := e.Info()
			if err == nil {
				out = append(out, fmt.Sprintf("%s %d %v %d", p, fi.Size(), fi.Mode(), fi.ModTime().UnixNano()))
			}
			return nil
		})
	}
	return out
}

// TestInstallConcurrent runs two installs into one venv at once: the
// second waits for the first's lock, then both succeed.
func TestInstallConcurrent(t *testing.T) {
	env := installEnv(t)
	ti := newTIndex(t, "json", twheel{name: "one", version: "1.0", deps: []string{"common"}}, twheel{name: "two", version: "1.0", deps: []string{"common"}},
		twheel{name: "common", version: "1.0"})
	gate := make(chan struct{})
	ti.mu.Lock()
	ti.gate = gate
	ti.mu.Unlock()
	venv := makeTestVenv(t, testenv.PyenvPython(t, "3.11.7"), filepath.Join(t.TempDir(), "v"), false)

	// The first install holds the lock while its downloads are held.
	first := exec.Command("pyshim", "install", "--venv", venv, "-i", ti.url(), "one")
	first.Env = env
	var firstErr bytes.Buffer
	first.Stderr = &firstErr
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		ti.mu.Lock()
		defer ti.mu.Unlock()
		return ti.downloads > 0
	})
	second := exec.Command("pyshim", "install", "--venv", venv, "-i", ti.url(), "two")
	second.Env = env
	pr, err := second.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := second.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(pr)
	var secondErr strings.Builder
	waited := false
	for sc.Scan() {
		secondErr.WriteString(sc.Text() + "\n")
		if strings.HasPrefix(sc.Text(), "Waiting for another install to finish") {
			waited = true
			close(gate) // now let the first one finish
			break
		}
	}
	if !waited {
		close(gate)
	}
	io.Copy(&secondErr, pr)
	if err := first.Wait(); err != nil {
		t.Fatalf("first: %v\n%s", err, firstErr.String())
	}
	if err := second.Wait(); err != nil {
		t.Fatalf("second: %v\n%s", err, secondErr.String())
	}
	if !waited {
		t.Fatalf("the second install did not wait for the lock:\n%s", secondErr.String())
	}
	if got := freezeSet(t, env, venv); !slices.Equal(got, []string{"common==1.0", "one==1.0", "two==1.0"}) {
		t.Errorf("installed %q", got)
	}
	// The second saw what the first installed: it installed only "two".
	if !strings.Contains(secondErr.String(), "Installed 1 package") {
		t.Errorf("second:\n%s", secondErr.String())
	}
	pipCheck(t, venv)
}

// waitFor polls cond until it holds (the test's own timeout bounds it).
func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	for !cond() {
		syscall.Nanosleep(&syscall.Timespec{Nsec: 5e6}, nil)
	}
}

// TestInstallKilled kills an upgrade of a large package with SIGKILL while
// it writes into the venv, then runs it again: the venv is consistent.
func TestInstallKilled(t *testing.T) {
	env := installEnv(t)
	ti := newTIndex(t, "json",
		twheel{name: "big", version: "1.0", deps: []string{"small==1.0"}}, twheel{name: "small", version: "1.0"},
		twheel{name: "big", version: "2.0", deps: []string{"small==2.0"}, filler: 20000}, twheel{name: "small", version: "2.0"})
	venv := makeTestVenv(t, testenv.PyenvPython(t, "3.11.7"), filepath.Join(t.TempDir(), "v"), false)
	site := sitePackages(t, venv)
	mustPyshim(t, env, "install", "--venv", venv, "-i", ti.url(), "big==1.0")

	cmd := exec.Command("pyshim", "install", "--venv", venv, "-i", ti.url(), "big==2.0")
	cmd.Env = env
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// Kill it once the new files start to appear.
	filler := filepath.Join(site, "big", "filler")
	killed := false
	for !killed {
		select {
		case err := <-done:
			t.Logf("the install finished before it could be killed (%v); checking the result anyway", err)
			killed = true
			continue
		default:
		}
		if fileExists(filler) {
			cmd.Process.Signal(syscall.SIGKILL)
			<-done
			killed = true
		}
	}
	// Whatever state it was killed in, big 2.0 is not half-registered.
	for _, d := range freezeSet(t, env, venv) {
		if d == "big==2.0" && !fileExists(filepath.Join(site, "big", "filler", "m19999.py")) {
			t.Fatal("big 2.0 is registered without all its files")
		}
	}
	_, errs := mustPyshim(t, env, "install", "--venv", venv, "-i", ti.url(), "big==2.0")
	t.Logf("re-run:\n%s", errs)
	if got := freezeSet(t, env, venv); !slices.Equal(got, []string{"big==2.0", "small==2.0"}) {
		t.Errorf("after the re-run: %q", got)
	}
	pipCheck(t, venv)
	if got := pyRun(t, venv, "-c", "import big, big.filler.m19999 as m; print(big.VERSION, m.X)"); got != "2.0 19999\n" {
		t.Errorf("import: %q", got)
	}
	if m, _ := filepath.Glob(filepath.Join(site, ".*pyshim*")); len(m) != 0 {
		t.Errorf("staging left behind: %v", m)
	}
}

// TestInstallCompileAndDryRun checks --dry-run (nothing written) and
// --compile (.pyc files written).
func TestInstallCompileAndDryRun(t *testing.T) {
	env := installEnv(t)
	ti := newTIndex(t, "html", twheel{name: "cc", version: "1.0"})
	venv := makeTestVenv(t, testenv.PyenvPython(t, "3.11.7"), filepath.Join(t.TempDir(), "v"), false)
	before := treeSnapshot(t, venv)
	out, _ := mustPyshim(t, env, "install", "--dry-run", "--venv", venv, "-i", ti.url(), "cc")
	if out != "Would install 1 package\n + cc==1.0\n" {
		t.Errorf("dry run printed %q", out)
	}
	if after := treeSnapshot(t, venv); !slices.Equal(before, after) {
		t.Error("--dry-run wrote into the venv")
	}
	// A dry run reads metadata only: no wheel is unpacked (the look-ahead
	// that prepares likely wheels is for real installs). (A server that
	// ignores Range requests sends whole wheels, which the HTTP cache keeps.)
	var cacheDir string
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "XDG_CACHE_HOME="); ok {
			cacheDir = filepath.Join(v, "pyshim")
		}
	}
	unpacked := filepath.Join(cacheDir, "wheels-*", "sha256", "*")
	if m, _ := filepath.Glob(unpacked); len(m) > 0 {
		t.Errorf("--dry-run unpacked %v", m)
	}
	_, errs := mustPyshim(t, env, "install", "-q", "--compile", "--venv", venv, "-i", ti.url(), "cc")
	if errs != "" {
		t.Errorf("-q printed %q", errs)
	}
	if m, _ := filepath.Glob(unpacked); len(m) != 1 {
		t.Errorf("after the install the wheel cache holds %v, want one unpacked wheel", m)
	}
	if m, _ := filepath.Glob(filepath.Join(sitePackages(t, venv), "cc", "__pycache__", "__init__.cpython-311.pyc")); len(m) != 1 {
		t.Error("--compile wrote no .pyc")
	}
}

// readDirectURL parses a venv's direct_url.json of a distribution.
func readDirectURL(t testing.TB, venv, distInfo string) map[string]any {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join(venv, "lib", "python*", "site-packages", distInfo, "direct_url.json"))
	if len(matches) != 1 {
		t.Fatalf("no %s/direct_url.json in %s", distInfo, venv)
	}
	b, err := os.ReadFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return m
}

// pipFreeze runs the pip of pyenv's 3.11 over venv.
func pipFreeze(t testing.TB, venv string) string {
	t.Helper()
	pc := exec.Command(filepath.Join(venv, "bin", "python"), "-m", "pip", "freeze")
	pc.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "PYTHONPATH=" + pipSitePackages(t), "PIP_DISABLE_PIP_VERSION_CHECK=1", "PIP_CONFIG_FILE=/dev/null"}
	out, err := pc.CombinedOutput()
	if err != nil {
		t.Fatalf("pip freeze: %v\n%s", err, out)
	}
	return string(out)
}

// TestInstallDirectURL installs wheels given by direct URLs ("name @ URL",
// a bare wheel path, an http URL with #sha256=) and compares what is
// recorded (direct_url.json, freeze) with what pip does for the same file.
func TestInstallDirectURL(t *testing.T) {
	py := testenv.PyenvPython(t, pip311Python)
	app := twheel{name: "direct-app", version: "1.0", deps: []string{"direct-dep>=1"}}
	deps := findLinksDir(t, twheel{name: "direct-dep", version: "1.0"}, twheel{name: "direct-dep", version: "2.0"},
		// The index has a newer direct-app, which a direct URL must not pick.
		twheel{name: "direct-app", version: "3.0"})
	work := t.TempDir()
	dist := filepath.Join(work, "dist")
	data := app.build(t)
	whl := filepath.Join(dist, app.filename())
	testenv.WriteFile(t, whl, string(data), 0o644)
	sum := sha256hex(data)
	fileURL := "file://" + whl
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/w/"+app.filename() {
			http.NotFound(w, r)
			return
		}
		http.ServeContent(w, r, app.filename(), time.Time{}, bytes.NewReader(data))
	}))
	t.Cleanup(srv.Close)
	httpURL := srv.URL + "/w/" + app.filename()
	wantArchive := map[string]any{"hash": "sha256=" + sum, "hashes": map[string]any{"sha256": sum}}

	// What pip writes for the same local file.
	pipVenv := makeTestVenv(t, py, filepath.Join(t.TempDir(), "pip"), true)
	cmd := exec.Command(filepath.Join(pipVenv, "bin", "python"), "-m", "pip", "install", "-q", "--no-index", "--find-links", deps, "--no-compile", whl)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "PIP_DISABLE_PIP_VERSION_CHECK=1", "PIP_NO_CACHE_DIR=1", "PIP_CONFIG_FILE=/dev/null"}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pip install: %v\n%s", err, out)
	}
	pipDU := readDirectURL(t, pipVenv, "direct_app-1.0.dist-info")
	var pipLine string
	for _, l := range strings.Split(pipFreeze(t, pipVenv), "\n") {
		if strings.HasPrefix(l, "direct-app") || strings.HasPrefix(l, "direct_app") {
			pipLine = l
		}
	}
	t.Logf("pip: %v; freeze %q", pipDU, pipLine)
	if pipDU["url"] != fileURL || !reflect.DeepEqual(pipDU["archive_info"], wantArchive) {
		t.Errorf("pip's direct_url.json is %v (the test expects url %s and archive_info %v)", pipDU, fileURL, wantArchive)
	}

	cases := []struct {
		name string
		args []string // after install --venv V --no-index -f DEPS
		dir  string   // working directory
		url  string   // the recorded URL
		pip  bool     // compare with pip's records
	}{
		{name: "name @ file URL", args: []string{"direct-app @ " + fileURL}, url: fileURL, pip: true},
		{name: "bare path", args: []string{"./dist/" + app.filename()}, dir: work, url: fileURL, pip: true},
		{name: "bare file name", args: []string{app.filename()}, dir: dist, url: fileURL, pip: true},
		{name: "requirement file", args: []string{"-r", filepath.Join(work, "req.txt")}, url: fileURL, pip: true},
		{name: "http with sha256", args: []string{"direct-app @ " + httpURL + "#sha256=" + sum}, url: httpURL},
		{name: "http without hash", args: []string{"direct-app @ " + httpURL}, url: httpURL},
		{name: "with a compatible requirement", args: []string{"direct-app @ " + fileURL, "direct-app<2"}, url: fileURL, pip: true},
	}
	testenv.WriteFile(t, filepath.Join(work, "req.txt"), "# a direct reference\ndirect-app @ "+fileURL+"\n", 0o644)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := installEnv(t)
			venv := makeTestVenv(t, py, filepath.Join(t.TempDir(), "v"), false)
			args := append([]string{"install", "--venv", venv, "--no-index", "-f", deps}, c.args...)
			_, errs, err := pyshimRun(env, c.dir, args...)
			if err != nil {
				t.Fatalf("pyshim %q: %v\n%s", args, err, errs)
			}
			if !strings.Contains(errs, " + direct-app==1.0\n") || !strings.Contains(errs, " + direct-dep==2.0\n") {
				t.Errorf("summary:\n%s", errs)
			}
			du := readDirectURL(t, venv, "direct_app-1.0.dist-info")
			if du["url"] != c.url || !reflect.DeepEqual(du["archive_info"], wantArchive) {
				t.Errorf("direct_url.json = %v, want url %s and archive_info %v", du, c.url, wantArchive)
			}
			if c.pip && (du["url"] != pipDU["url"] || !reflect.DeepEqual(du["archive_info"], pipDU["archive_info"])) {
				t.Errorf("direct_url.json = %v; pip wrote %v", du, pipDU)
			}
			if got := pyRun(t, venv, "-c", "import direct_app; print(direct_app.VERSION)"); got != "1.0\n" {
				t.Errorf("import: %q", got)
			}
			wantLine := "direct-app @ " + c.url + "#sha256=" + sum
			ours, _ := mustPyshim(t, env, "freeze", "--venv", venv)
			if want := wantLine + "\ndirect-dep==2.0\n"; ours != want {
				t.Errorf("pyshim freeze:\n%s\nwant:\n%s", ours, want)
			}
			if c.pip && wantLine != pipLine {
				t.Errorf("pip's freeze line of its own install is %q, ours %q", pipLine, wantLine)
			}
			if pf := pipFreeze(t, venv); pf != ours {
				t.Errorf("pip freeze of our venv:\n%s\npyshim freeze:\n%s", pf, ours)
			}
			// Installed from the same URL: satisfied.
			_, errs, err = pyshimRun(env, c.dir, args...)
			if err != nil || !strings.Contains(errs, "Audited 2 packages") {
				t.Errorf("second install: %v\n%s", err, errs)
			}
		})
	}

	t.Run("index copy replaced by the URL", func(t *testing.T) {
		env := installEnv(t)
		venv := makeTestVenv(t, py, filepath.Join(t.TempDir(), "v"), false)
		mustPyshim(t, env, "install", "--venv", venv, "--no-index", "-f", deps, "direct-app==3.0")
		_, errs := mustPyshim(t, env, "install", "--venv", venv, "--no-index", "-f", deps, "direct-app @ "+fileURL)
		if !strings.Contains(errs, " - direct-app==3.0\n") || !strings.Contains(errs, " + direct-app==1.0\n") {
			t.Errorf("summary:\n%s", errs)
		}
		if du := readDirectURL(t, venv, "direct_app-1.0.dist-info"); du["url"] != fileURL {
			t.Errorf("direct_url.json = %v", du)
		}
	})

	errCases := []struct {
		name string
		args []string
		err  string
	}{
		{"wrong sha256", []string{"direct-app @ " + httpURL + "#sha256=" + strings.Repeat("0", 64)},
			"sha256 hash mismatch: expected " + strings.Repeat("0", 64) + ", got " + sum},
		{"conflicting requirement", []string{"direct-app @ " + fileURL, "direct-app>=2"},
			"the direct URL " + fileURL + " gives only direct-app==1.0 (not direct-app>=2)"},
		{"wrong project", []string{"other @ " + fileURL}, "is a wheel of direct-app, not of other"},
		{"sdist URL gone", []string{"direct-app @ " + srv.URL + "/direct-app-1.0.tar.gz"}, "downloading direct-app-1.0.tar.gz: GET " + srv.URL + "/direct-app-1.0.tar.gz: 404 Not Found"},
		{"other VCS", []string{"direct-app @ hg+file:///nonexistent/repo"}, "direct-app @ hg+file:///nonexistent/repo: version control URLs other than git are not supported"},
		{"git repository missing", []string{"git+file:///nonexistent/repo"}, "cannot clone file:///nonexistent/repo:"},
		{"bare sdist missing", []string{"./dist/direct-app-1.0.tar.gz"}, "the source distribution " + filepath.Join(work, "dist", "direct-app-1.0.tar.gz") + " does not exist"},
		{"not a project", []string{"./dist"}, filepath.Join(work, "dist") + " has neither pyproject.toml nor setup.py: it is not a Python project"},
		{"missing file", []string{"direct-app @ file://" + filepath.Join(work, "nosuch", app.filename())}, "the wheel file " + filepath.Join(work, "nosuch", app.filename()) + " does not exist"},
	}
	for _, c := range errCases {
		t.Run(c.name, func(t *testing.T) {
			env := installEnv(t)
			venv := makeTestVenv(t, py, filepath.Join(t.TempDir(), "v"), false)
			out, errs, err := pyshimRun(env, work, append([]string{"install", "--venv", venv, "--no-index", "-f", deps}, c.args...)...)
			if err == nil {
				t.Fatalf("install succeeded:\n%s%s", out, errs)
			}
			if !strings.Contains(errs, c.err) {
				t.Errorf("error %q does not contain %q", errs, c.err)
			}
			if strings.Count(strings.TrimSpace(errs), "\n") > 0 {
				t.Errorf("error is not one line: %q", errs)
			}
			if fr, _ := mustPyshim(t, env, "freeze", "--venv", venv); fr != "" {
				t.Errorf("installed after an error:\n%s", fr)
			}
		})
	}
}
