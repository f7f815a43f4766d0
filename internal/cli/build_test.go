package cli

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pyshim/pyshim/internal/testenv"
)

// debianSite is where Debian's python3-* packages put the build backends
// the build tests use (python3-hatchling, flit, python3-poetry-core).
const debianSite = "/usr/lib/python3/dist-packages"

// addFile serves data as file name of project.
func (ti *tindex) addFile(name, project string, data []byte) {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	ti.files[name] = data
	n := normName(project)
	ti.projects[n] = append(ti.projects[n], name)
}

// backendIndex serves real build backends, repacked into wheels from
// installed packages: setuptools 65.5 from pyenv's 3.11.7 and the 67.6.1
// wheel of pyenv 3.13.0's test data, wheel from Debian's python3-wheel-whl, hatchling (with packaging, pathspec, pluggy, tomli),
// flit_core and poetry-core from Debian; plus tinydep, the dependency of
// the test projects. Debian has no package of editables, which hatchling
// lists as a requirement: the index serves an empty editables 0.3, and the
// hatchling projects use dev-mode-dirs, the editable mode that does not
// import it.
func backendIndex(t *testing.T) *tindex {
	t.Helper()
	py := testenv.PyenvPython(t, "3.11.7")
	for _, p := range []string{"hatchling", "flit_core", "poetry", "pluggy", "packaging", "pathspec", "tomli"} {
		testenv.Require(t, filepath.Join(debianSite, p))
	}
	wheelWhl := testenv.Require(t, "/usr/share/python-wheels/wheel-0.38.4-py3-none-any.whl")
	// setuptools 65 imports pkgutil.ImpImporter, which Python 3.12 removed:
	// 3.13 needs the newer upstream wheel CPython's own tests use.
	st67 := testenv.Require(t, filepath.Join(testenv.RealPyenvRoot(), "versions", "3.13.0", "lib", "python3.13", "test", "wheeldata", "setuptools-67.6.1-py3-none-any.whl"))
	out := t.TempDir()
	repack := func(site string, names ...string) {
		// shared/ lies beside the checkout (../shared from its top).
		tool, err := filepath.Abs(filepath.Join("..", "..", "..", "shared", "tools", "repack_wheels.py"))
		if err != nil {
			t.Fatal(err)
		}
		if p := os.Getenv("PYSHIM_REPACK_WHEELS"); p != "" {
			tool = p
		}
		testenv.Require(t, tool)
		cmd := exec.Command(py, append([]string{tool, site, out}, names...)...)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("repacking %v: %v\n%s", names, err, b)
		}
	}
	repack(filepath.Join(filepath.Dir(filepath.Dir(py)), "lib", "python3.11", "site-packages"), "setuptools")
	repack(debianSite, "hatchling", "packaging", "pathspec", "tomli", "flit_core", "poetry_core")
	ti := newTIndex(t, "html", twheel{name: "tinydep", version: "1.0"}, twheel{name: "editables", version: "0.3"})
	ents, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".whl") {
			b, err := os.ReadFile(filepath.Join(out, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			ti.addFile(e.Name(), strings.SplitN(e.Name(), "-", 2)[0], b)
		}
	}
	for _, w := range []string{wheelWhl, st67} {
		b, err := os.ReadFile(w)
		if err != nil {
			t.Fatal(err)
		}
		ti.addFile(filepath.Base(w), strings.SplitN(filepath.Base(w), "-", 2)[0], b)
	}
	ti.addFile("pluggy-1.0.0-py3-none-any.whl", "pluggy", eggWheel(t, debianSite, "pluggy", "pluggy-1.0.0+repack.egg-info", "1.0.0"))
	return ti
}

// eggWheel makes a wheel of an egg-info installed package (Debian's
// pluggy): the package directory, with PKG-INFO as METADATA.
func eggWheel(t *testing.T, site, pkg, eggInfo, version string) []byte {
	t.Helper()
	pkgInfo, err := os.ReadFile(filepath.Join(site, eggInfo, "PKG-INFO"))
	if err != nil {
		t.Fatal(err)
	}
	md := strings.Replace(string(pkgInfo), "Version: 1.0.0+repack", "Version: "+version, 1)
	di := fmt.Sprintf("%s-%s.dist-info", pkg, version)
	files := map[string][]byte{di + "/METADATA": []byte(md), di + "/WHEEL": []byte("Wheel-Version: 1.0\nGenerator: pyshim-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")}
	filepath.WalkDir(filepath.Join(site, pkg), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(p, "__pycache__") {
			return err
		}
		rel, _ := filepath.Rel(site, p)
		b, err := os.ReadFile(p)
		files[filepath.ToSlash(rel)] = b
		return err
	})
	return zipWithRecord(t, files, di)
}

// zipWithRecord zips files with a RECORD in di.
func zipWithRecord(t *testing.T, files map[string][]byte, di string) []byte {
	t.Helper()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	var record strings.Builder
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		w, _ := zw.Create(n)
		w.Write(files[n])
		sum := sha256.Sum256(files[n])
		fmt.Fprintf(&record, "%s,sha256=%s,%d\n", n, base64.RawURLEncoding.EncodeToString(sum[:]), len(files[n]))
	}
	fmt.Fprintf(&record, "%s/RECORD,,\n", di)
	w, _ := zw.Create(di + "/RECORD")
	w.Write([]byte(record.String()))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writeTree writes files (relative path -> content) under dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, c := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// demoProject writes a small project built by backend: module demo_B with
// VALUE and main(), console script demo-B, depending on tinydep.
func demoProject(t *testing.T, dir, backend string) (module, script string) {
	t.Helper()
	module, script = "demo_"+backend, "demo-"+backend
	name := "demo-" + backend
	code := fmt.Sprintf("\"\"\"A demo project.\"\"\"\n__version__ = \"1.0\"\nVALUE = \"first\"\n\ndef main():\n    print(\"hello from %s\", VALUE)\n", name)
	files := map[string]string{module + "/__init__.py": code}
	project := fmt.Sprintf("[project]\nname = %q\nversion = \"1.0\"\ndescription = \"demo\"\ndependencies = [\"tinydep>=1\"]\n\n[project.scripts]\n%s = \"%s:main\"\n", name, script, module)
	switch backend {
	case "setuptools":
		files["pyproject.toml"] = "[build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \"setuptools.build_meta\"\n\n" + project +
			fmt.Sprintf("\n[tool.setuptools]\npackages = [%q]\n", module)
	case "hatchling":
		files["pyproject.toml"] = "[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n\n" + project +
			fmt.Sprintf("\n[tool.hatch.build.targets.wheel]\npackages = [%q]\ndev-mode-dirs = [\".\"]\n", module)
	case "flit":
		// Debian's flit_core is de-vendored: before 3.11 it needs tomli,
		// which upstream's wheel carries inside.
		files["pyproject.toml"] = "[build-system]\nrequires = [\"flit_core>=3.2,<4\", \"tomli; python_version < '3.11'\"]\nbuild-backend = \"flit_core.buildapi\"\n\n" + project +
			fmt.Sprintf("\n[tool.flit.module]\nname = %q\n", module)
	case "poetry":
		files["pyproject.toml"] = fmt.Sprintf("[build-system]\nrequires = [\"poetry-core>=1.0\"]\nbuild-backend = \"poetry.core.masonry.api\"\n\n"+
			"[tool.poetry]\nname = %q\nversion = \"1.0\"\ndescription = \"demo\"\nauthors = [\"Demo <demo@example.com>\"]\npackages = [{include = %q}]\n\n"+
			"[tool.poetry.dependencies]\npython = \">=3.7\"\ntinydep = \">=1\"\n\n[tool.poetry.scripts]\n%s = \"%s:main\"\n", name, module, script, module)
	}
	writeTree(t, dir, files)
	return module, script
}

// recordNames are the paths a dist-info's RECORD lists, without bytecode.
func recordNames(t *testing.T, venv, project string) []string {
	t.Helper()
	site := sitePackages(t, venv)
	ents, _ := os.ReadDir(site)
	for _, e := range ents {
		n := e.Name()
		if strings.HasSuffix(n, ".dist-info") && normName(strings.SplitN(n, "-", 2)[0]) == normName(project) {
			b, err := os.ReadFile(filepath.Join(site, n, "RECORD"))
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
				p := l
				if i := strings.Index(l, ","); i >= 0 {
					p = l[:i]
				}
				if !strings.HasSuffix(p, ".pyc") {
					names = append(names, strings.Trim(p, `"`))
				}
			}
			sort.Strings(names)
			return names
		}
	}
	t.Fatalf("%s is not installed in %s", project, venv)
	return nil
}

// pipInstallFresh runs pip of a fresh venv of python (with pip) with args.
func pipInstallFresh(t *testing.T, python string, args ...string) string {
	t.Helper()
	venv := makeTestVenv(t, python, filepath.Join(t.TempDir(), "pip"), true)
	cmd := exec.Command(filepath.Join(venv, "bin", "python"), append([]string{"-m", "pip", "install", "-q", "--no-compile"}, args...)...)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "PIP_DISABLE_PIP_VERSION_CHECK=1", "PIP_NO_CACHE_DIR=1", "PIP_CONFIG_FILE=/dev/null", "TMPDIR=" + t.TempDir()}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pip install %v: %v\n%s", args, err, out)
	}
	return venv
}

// runIn runs a program of a venv's bin and returns its output.
func runIn(t *testing.T, venv, prog string, args ...string) string {
	t.Helper()
	cmd := exec.Command(filepath.Join(venv, "bin", prog), args...)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "LC_ALL=C.UTF-8"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", prog, args, err, out)
	}
	return string(out)
}

// buildEnv is installEnv with a private TMPDIR, returned too, so a test
// can see that builds leave nothing there.
func buildEnv(t *testing.T) ([]string, string) {
	env := installEnv(t)
	tmp := t.TempDir()
	return append(env, "TMPDIR="+tmp), tmp
}

func assertEmptyDir(t *testing.T, dir string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	if len(ents) > 0 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("%s holds %v after the build; temporary directories must be removed", dir, names)
	}
}

// TestBuildBackends installs a small project with each real backend on
// three CPythons: its script runs, it imports with its dependency, pip
// check passes, and its RECORD lists what pip's install of it lists.
func TestBuildBackends(t *testing.T) {
	ti := backendIndex(t)
	for _, backend := range []string{"setuptools", "hatchling", "flit", "poetry"} {
		for _, version := range []string{"3.8.18", "3.11.7", "3.13.0"} {
			t.Run(backend+"/"+version, func(t *testing.T) {
				py := testenv.PyenvPython(t, version)
				env, tmp := buildEnv(t)
				proj := filepath.Join(t.TempDir(), "proj")
				module, script := demoProject(t, proj, backend)
				venv := makeTestVenv(t, py, filepath.Join(t.TempDir(), "venv"), false)
				cmd := exec.Command("pyshim", "install", "--venv", venv, "--index-url", ti.url(), ".")
				cmd.Env, cmd.Dir = env, proj
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("pyshim install .: %v\n%s", err, out)
				}
				if out := runIn(t, venv, script); out != "hello from demo-"+backend+" first\n" {
					t.Errorf("%s printed %q", script, out)
				}
				if out := pyRun(t, venv, "-c", "import "+module+", tinydep; print(tinydep.VERSION)"); out != "1.0\n" {
					t.Errorf("import printed %q", out)
				}
				pipCheck(t, venv)
				pipVenv := pipInstallFresh(t, py, "--index-url", ti.url(), proj)
				if got, want := recordNames(t, venv, "demo-"+backend), recordNames(t, pipVenv, "demo-"+backend); !slices.Equal(got, want) {
					t.Errorf("RECORD differs from pip's:\npyshim %q\npip    %q", got, want)
				}
				assertEmptyDir(t, tmp)
			})
		}
	}
}

// sdistBytes makes a .tar.gz sdist of files under the top directory top.
func sdistBytes(t *testing.T, top string, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		tw.WriteHeader(&tar.Header{Name: top + "/" + n, Mode: 0o644, Size: int64(len(files[n])), Typeflag: tar.TypeReg})
		tw.Write([]byte(files[n]))
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

// setuptoolsSdist is the sdist of a setuptools project name==1.0 whose
// PKG-INFO is static (Metadata 2.2, Requires-Dist: tinydep) or, with
// dynamic, marks Requires-Dist dynamic (setup.py computes it).
func setuptoolsSdist(t *testing.T, name string, dynamic bool) []byte {
	mod := strings.ReplaceAll(name, "-", "_")
	pkgInfo := fmt.Sprintf("Metadata-Version: 2.2\nName: %s\nVersion: 1.0\nRequires-Dist: tinydep\n\n", name)
	if dynamic {
		pkgInfo = fmt.Sprintf("Metadata-Version: 2.2\nName: %s\nVersion: 1.0\nDynamic: Requires-Dist\n\n", name)
	}
	return sdistBytes(t, name+"-1.0", map[string]string{
		"PKG-INFO":           pkgInfo,
		"pyproject.toml":     "[build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \"setuptools.build_meta\"\n",
		"setup.py":           fmt.Sprintf("from setuptools import setup\nsetup(name=%q, version='1.0', packages=[%q], install_requires=['tinydep'])\n", name, mod),
		mod + "/__init__.py": "VALUE = 'from sdist'\n",
	})
}

// TestBuildSdists installs packages the index offers only as sdists: one
// with static PKG-INFO (resolved without a build), one with dynamic
// dependencies (prepare_metadata_for_build_wheel), each built once per
// sdist and interpreter; --only-binary refuses them, --no-binary builds a
// package that also has a wheel from its sdist.
func TestBuildSdists(t *testing.T) {
	ti := backendIndex(t)
	ti.addFile("static_pkg-1.0.tar.gz", "static-pkg", setuptoolsSdist(t, "static-pkg", false))
	ti.addFile("dyn-pkg-1.0.tar.gz", "dyn-pkg", setuptoolsSdist(t, "dyn-pkg", true))
	ti.addFile("tinydep-1.0.tar.gz", "tinydep", sdistBytes(t, "tinydep-1.0", map[string]string{
		"PKG-INFO":            "Metadata-Version: 2.2\nName: tinydep\nVersion: 1.0\n\n",
		"pyproject.toml":      "[build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \"setuptools.build_meta\"\n[project]\nname = \"tinydep\"\nversion = \"1.0\"\n[tool.setuptools]\npackages = [\"tinydep\"]\n",
		"tinydep/__init__.py": "VERSION = 'sdist'\n",
	}))
	py := testenv.PyenvPython(t, "3.11.7")
	env, tmp := buildEnv(t)
	cacheDir := filepath.Join(strings.TrimPrefix(envValue(env, "XDG_CACHE_HOME"), ""), "pyshim", "build")

	// A dry run reads static metadata from PKG-INFO: nothing is built and
	// no build environment is made.
	venv := makeTestVenv(t, py, filepath.Join(t.TempDir(), "v1"), false)
	out, _ := mustPyshim(t, env, "install", "--venv", venv, "--index-url", ti.url(), "--dry-run", "static-pkg")
	if !strings.Contains(out, "static-pkg==1.0") || !strings.Contains(out, "tinydep==1.0") {
		t.Errorf("dry run: %s", out)
	}
	if _, err := os.Stat(cacheDir); err == nil {
		t.Errorf("a dry run of a static sdist made %s", cacheDir)
	}
	// Dynamic dependencies need the backend.
	out, _ = mustPyshim(t, env, "install", "--venv", venv, "--index-url", ti.url(), "--dry-run", "dyn-pkg")
	if !strings.Contains(out, "dyn-pkg==1.0") || !strings.Contains(out, "tinydep==1.0") {
		t.Errorf("dry run of a dynamic sdist: %s", out)
	}
	if ents, _ := os.ReadDir(filepath.Join(cacheDir, "envs")); len(ents) == 0 {
		t.Errorf("metadata of a dynamic sdist was read without a build environment")
	}

	mustPyshim(t, env, "install", "--venv", venv, "--index-url", ti.url(), "static-pkg", "dyn-pkg")
	if out := pyRun(t, venv, "-c", "import static_pkg, dyn_pkg, tinydep; print(static_pkg.VALUE, dyn_pkg.VALUE, tinydep.VERSION)"); out != "from sdist from sdist 1.0\n" {
		t.Errorf("imports printed %q", out)
	}
	pipCheck(t, venv)
	built := func() []string {
		ents, _ := os.ReadDir(filepath.Join(cacheDir, "wheels"))
		var out []string
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), ".") {
				continue // locks
			}
			fi, _ := e.Info()
			out = append(out, fmt.Sprintf("%s %d", e.Name(), fi.ModTime().UnixNano()))
		}
		return out
	}
	first := built()
	if len(first) != 2 {
		t.Errorf("built wheels after installing two sdists: %v", first)
	}
	// A second venv reuses the built wheels.
	venv2 := makeTestVenv(t, py, filepath.Join(t.TempDir(), "v2"), false)
	mustPyshim(t, env, "install", "--venv", venv2, "--index-url", ti.url(), "static-pkg", "dyn-pkg")
	if again := built(); !slices.Equal(first, again) {
		t.Errorf("the second install built again: %v, then %v", first, again)
	}
	// An sdist by URL ("name @ http://..."): built, and recorded with the
	// sdist's own hash.
	venvURL := makeTestVenv(t, py, filepath.Join(t.TempDir(), "vurl"), false)
	sdURL := ti.srv.URL + "/files/static_pkg-1.0.tar.gz"
	mustPyshim(t, env, "install", "--venv", venvURL, "--index-url", ti.url(), "static-pkg @ "+sdURL)
	d := readDirectURL(t, venvURL, "static_pkg-1.0.dist-info")
	if want := sha256hex(setuptoolsSdist(t, "static-pkg", false)); d["url"] != sdURL || !strings.Contains(fmt.Sprint(d["archive_info"]), "sha256="+want) {
		t.Errorf("direct_url.json of an sdist URL: %v (want sha256 %s)", d, want)
	}
	// --only-binary refuses to build.
	venv3 := makeTestVenv(t, py, filepath.Join(t.TempDir(), "v3"), false)
	_, errs, err := pyshimRun(env, "", "install", "--venv", venv3, "--index-url", ti.url(), "--only-binary", ":all:", "static-pkg")
	if err == nil || !strings.Contains(errs, "static-pkg") {
		t.Errorf("--only-binary :all: installed an sdist-only package: %v\n%s", err, errs)
	}
	// --no-binary builds tinydep from its sdist though a wheel exists.
	mustPyshim(t, env, "install", "--venv", venv3, "--index-url", ti.url(), "--no-binary", "tinydep", "tinydep")
	if out := pyRun(t, venv3, "-c", "import tinydep; print(tinydep.VERSION)"); out != "sdist\n" {
		t.Errorf("--no-binary tinydep installed %q", out)
	}
	assertEmptyDir(t, tmp)
}

func envValue(env []string, key string) string {
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return ""
}

// gitCmd runs git in dir.
func gitCmd(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_NOSYSTEM=1"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// TestBuildLocalSources installs a directory (rebuilt only when its tree
// changed), "name @ file:///dir", a local sdist and git+file URLs at a tag,
// recording each as PEP 610 says and printing them in freeze as pip does.
func TestBuildLocalSources(t *testing.T) {
	ti := backendIndex(t)
	py := testenv.PyenvPython(t, "3.11.7")
	env, tmp := buildEnv(t)
	wheels := filepath.Join(envValue(env, "XDG_CACHE_HOME"), "pyshim", "build", "wheels")
	proj := filepath.Join(t.TempDir(), "proj")
	module, _ := demoProject(t, proj, "setuptools")
	venv := makeTestVenv(t, py, filepath.Join(t.TempDir(), "venv"), false)
	count := func() int {
		ents, _ := os.ReadDir(wheels)
		n := 0
		for _, e := range ents {
			if !strings.HasPrefix(e.Name(), ".") {
				n++
			}
		}
		return n
	}

	mustPyshim(t, env, "install", "--venv", venv, "--index-url", ti.url(), proj)
	if d := readDirectURL(t, venv, "demo_setuptools-1.0.dist-info"); d["url"] != "file://"+proj || fmt.Sprint(d["dir_info"]) != "map[]" {
		t.Errorf("direct_url.json of a directory: %v", d)
	}
	if out, _ := mustPyshim(t, env, "freeze", "--venv", venv); !strings.Contains(out, "demo-setuptools @ file://"+proj+"\n") {
		t.Errorf("freeze: %s", out)
	}
	// Unchanged: not built again (into a second venv either).
	venv2 := makeTestVenv(t, py, filepath.Join(t.TempDir(), "venv2"), false)
	mustPyshim(t, env, "install", "--venv", venv2, "--index-url", ti.url(), "demo-setuptools @ file://"+proj)
	if n := count(); n != 1 {
		t.Errorf("%d built wheels after installing an unchanged project twice", n)
	}
	// Changed: built again, and the change is installed, in the build
	// environments the first build made (nothing reinstalled there).
	envs := func() []string {
		var out []string
		ms, _ := filepath.Glob(filepath.Join(filepath.Dir(wheels), "envs", "*", ".pyshim-ready"))
		for _, m := range ms {
			fi, _ := os.Stat(m)
			st, _ := os.Stat(filepath.Join(filepath.Dir(m), "lib", "python3.11", "site-packages"))
			out = append(out, fmt.Sprintf("%s %d %d", m, fi.ModTime().UnixNano(), st.ModTime().UnixNano()))
		}
		return out
	}
	envsBefore := envs()
	writeTree(t, proj, map[string]string{module + "/__init__.py": "VALUE = 'second'\n"})
	mustPyshim(t, env, "install", "--venv", venv, "--index-url", ti.url(), proj)
	if n := count(); n != 2 {
		t.Errorf("%d built wheels after a change", n)
	}
	if after := envs(); len(envsBefore) == 0 || !slices.Equal(envsBefore, after) {
		t.Errorf("the second build changed the build environments:\n%q\n%q", envsBefore, after)
	}
	if out := pyRun(t, venv, "-c", "import "+module+"; print("+module+".VALUE)"); out != "second\n" {
		t.Errorf("after the change: %q", out)
	}

	// A local sdist.
	sd := filepath.Join(t.TempDir(), "static-pkg-1.0.tar.gz")
	if err := os.WriteFile(sd, setuptoolsSdist(t, "static-pkg", false), 0o644); err != nil {
		t.Fatal(err)
	}
	mustPyshim(t, env, "install", "--venv", venv, "--index-url", ti.url(), sd)
	d := readDirectURL(t, venv, "static_pkg-1.0.dist-info")
	if d["url"] != "file://"+sd || !strings.Contains(fmt.Sprint(d["archive_info"]), "sha256=") {
		t.Errorf("direct_url.json of an sdist: %v", d)
	}

	// git+file at a tag, then the default branch.
	repo := filepath.Join(t.TempDir(), "repo")
	demoProject(t, repo, "flit")
	gitCmd(t, repo, "init", "-q", "-b", "main")
	gitCmd(t, repo, "add", ".")
	gitCmd(t, repo, "commit", "-qm", "one")
	gitCmd(t, repo, "tag", "v1")
	tagged := gitCmd(t, repo, "rev-parse", "HEAD")
	writeTree(t, repo, map[string]string{"demo_flit/__init__.py": "\"\"\"A demo.\"\"\"\n__version__ = '1.0'\nVALUE = 'two'\ndef main(): pass\n"})
	gitCmd(t, repo, "commit", "-qam", "two")
	venv3 := makeTestVenv(t, py, filepath.Join(t.TempDir(), "venv3"), false)
	mustPyshim(t, env, "install", "--venv", venv3, "--index-url", ti.url(), "git+file://"+repo+"@v1")
	if out := pyRun(t, venv3, "-c", "import demo_flit; print(demo_flit.VALUE)"); out != "first\n" {
		t.Errorf("git @v1 installed %q", out)
	}
	d = readDirectURL(t, venv3, "demo_flit-1.0.dist-info")
	if vi := fmt.Sprint(d["vcs_info"]); d["url"] != "file://"+repo || !strings.Contains(vi, "commit_id:"+tagged) || !strings.Contains(vi, "requested_revision:v1") || !strings.Contains(vi, "vcs:git") {
		t.Errorf("direct_url.json of a git URL: %v", d)
	}
	if out, _ := mustPyshim(t, env, "freeze", "--venv", venv3); !strings.Contains(out, "demo-flit @ git+file://"+repo+"@"+tagged+"\n") {
		t.Errorf("freeze of a git install: %s", out)
	}
	mustPyshim(t, env, "install", "--venv", venv3, "--index-url", ti.url(), "demo-flit @ git+file://"+repo)
	if out := pyRun(t, venv3, "-c", "import demo_flit; print(demo_flit.VALUE)"); out != "two\n" {
		t.Errorf("git default branch installed %q", out)
	}
	pipCheck(t, venv3)
	assertEmptyDir(t, tmp)
}

// TestBuildEditable installs projects editable with setuptools and
// hatchling: an edit is seen without a reinstall, freeze prints -e, and
// uninstall removes the files that made it importable. A backend without
// build_editable is named in a one-line error.
func TestBuildEditable(t *testing.T) {
	ti := backendIndex(t)
	py := testenv.PyenvPython(t, "3.11.7")
	for _, backend := range []string{"setuptools", "hatchling"} {
		t.Run(backend, func(t *testing.T) {
			env, tmp := buildEnv(t)
			proj := filepath.Join(t.TempDir(), "proj")
			module, script := demoProject(t, proj, backend)
			venv := makeTestVenv(t, py, filepath.Join(t.TempDir(), "venv"), false)
			site := sitePackages(t, venv)
			before := treeNames(t, site)
			mustPyshim(t, env, "install", "--venv", venv, "--index-url", ti.url(), "-e", proj)
			show := "import " + module + "; print(" + module + ".VALUE)"
			if out := pyRun(t, venv, "-c", show); out != "first\n" {
				t.Errorf("editable import: %q", out)
			}
			writeTree(t, proj, map[string]string{module + "/__init__.py": "VALUE = 'edited'\ndef main():\n    print('edited main')\n"})
			if out := pyRun(t, venv, "-c", show); out != "edited\n" {
				t.Errorf("after an edit: %q", out)
			}
			if out := runIn(t, venv, script); out != "edited main\n" {
				t.Errorf("%s after an edit: %q", script, out)
			}
			if out, _ := mustPyshim(t, env, "freeze", "--venv", venv); !strings.Contains(out, "-e "+proj+"\n") {
				t.Errorf("freeze of an editable: %s", out)
			}
			pipCheck(t, venv)
			mustPyshim(t, env, "uninstall", "--venv", venv, "demo-"+backend, "tinydep")
			if after := treeNames(t, site); !slices.Equal(before, after) {
				t.Errorf("uninstall left files behind:\nbefore %q\nafter  %q", before, after)
			}
			assertEmptyDir(t, tmp)
		})
	}
	t.Run("no hook", func(t *testing.T) {
		env, _ := buildEnv(t)
		proj := filepath.Join(t.TempDir(), "proj")
		writeTree(t, proj, map[string]string{
			"pyproject.toml":      "[build-system]\nrequires = []\nbuild-backend = \"mybackend\"\nbackend-path = [\"_build\"]\n",
			"_build/mybackend.py": "def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):\n    raise SystemExit('not here')\n",
		})
		venv := makeTestVenv(t, py, filepath.Join(t.TempDir(), "venv"), false)
		_, errs, err := pyshimRun(env, "", "install", "--venv", venv, "--index-url", ti.url(), "-e", proj)
		if err == nil || !strings.Contains(errs, "mybackend has no build_editable hook (PEP 660)") || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
			t.Errorf("editable with a backend lacking the hook: %v\n%s", err, errs)
		}
	})
}

// TestBuildFailures: a bare setup.py project builds with the legacy
// backend; a failing build shows the backend's last lines and how to
// reproduce it, changes nothing and leaves no temporary directory; and
// --no-build-isolation builds with the venv's own setuptools, no index.
func TestBuildFailures(t *testing.T) {
	ti := backendIndex(t)
	py := testenv.PyenvPython(t, "3.11.7")
	env, tmp := buildEnv(t)

	legacy := filepath.Join(t.TempDir(), "legacy")
	writeTree(t, legacy, map[string]string{
		"setup.py":                "from setuptools import setup\nsetup(name='legacy-proj', version='2.0', packages=['legacy_proj'], install_requires=['tinydep'])\n",
		"legacy_proj/__init__.py": "VALUE = 'legacy'\n",
	})
	venv := makeTestVenv(t, py, filepath.Join(t.TempDir(), "venv"), false)
	mustPyshim(t, env, "install", "--venv", venv, "--index-url", ti.url(), legacy)
	if out := pyRun(t, venv, "-c", "import legacy_proj, tinydep; print(legacy_proj.VALUE)"); out != "legacy\n" {
		t.Errorf("setup.py project: %q", out)
	}

	broken := filepath.Join(t.TempDir(), "broken")
	writeTree(t, broken, map[string]string{
		"pyproject.toml": "[build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \"setuptools.build_meta\"\n",
		"setup.py":       "import sys\nprint('about to fail', file=sys.stderr)\nraise SystemExit('boom: the compiler is missing')\n",
	})
	before := treeSnapshot(t, venv)
	_, errs, err := pyshimRun(env, "", "install", "--venv", venv, "--index-url", ti.url(), broken)
	for _, want := range []string{"building " + broken + " failed", "boom: the compiler is missing", "| about to fail", "to reproduce it: cd " + broken + " && "} {
		if err == nil || !strings.Contains(errs, want) {
			t.Errorf("a failed build's error lacks %q: %v\n%s", want, err, errs)
		}
	}
	if strings.Contains(errs, "goroutine ") || strings.Contains(errs, "panic") {
		t.Errorf("a failed build printed a Go trace:\n%s", errs)
	}
	if after := treeSnapshot(t, venv); !slices.Equal(before, after) {
		t.Errorf("a failed build changed the venv")
	}
	assertEmptyDir(t, tmp)

	// --no-build-isolation: the venv's own setuptools (ensurepip's), and
	// no index at all.
	venvPip := makeTestVenv(t, py, filepath.Join(t.TempDir(), "withpip"), true)
	proj := filepath.Join(t.TempDir(), "proj")
	writeTree(t, proj, map[string]string{
		"pyproject.toml":   "[build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \"setuptools.build_meta\"\n[project]\nname = \"nobi\"\nversion = \"1.0\"\n[tool.setuptools]\npackages = [\"nobi\"]\n",
		"nobi/__init__.py": "import setuptools\nWHERE = setuptools.__file__\n",
	})
	env2, _ := buildEnv(t)
	_, errs, err = pyshimRun(env2, "", "install", "--venv", venvPip, "--no-index", "--no-build-isolation", proj)
	if err == nil || !strings.Contains(errs, "lacks the build requirements wheel;") || !strings.Contains(errs, "wheel") {
		t.Errorf("--no-build-isolation without wheel installed: %v\n%s", err, errs)
	}
	mustPyshim(t, env2, "install", "--venv", venvPip, "--index-url", ti.url(), "wheel")
	mustPyshim(t, env2, "install", "--venv", venvPip, "--no-index", "--no-build-isolation", proj)
	if out := pyRun(t, venvPip, "-c", "import nobi, sys; print(nobi.WHERE.startswith(sys.prefix))"); out != "True\n" {
		t.Errorf("--no-build-isolation: %q", out)
	}
	if _, err := os.Stat(filepath.Join(envValue(env2, "XDG_CACHE_HOME"), "pyshim", "build", "envs")); err == nil {
		t.Errorf("--no-build-isolation made a build environment")
	}
}

// TestBuildProjectRequirements installs -r pyproject.toml with extras, and
// PEP 735 groups (with include-group).
func TestBuildProjectRequirements(t *testing.T) {
	ti := newTIndex(t, "html", twheel{name: "tinydep", version: "1.0"}, twheel{name: "fastlib", version: "2.0"},
		twheel{name: "testlib", version: "3.0"}, twheel{name: "lintlib", version: "4.0"}, twheel{name: "unused", version: "1.0"})
	py := testenv.PyenvPython(t, "3.11.7")
	env, _ := buildEnv(t)
	proj := t.TempDir()
	writeTree(t, proj, map[string]string{"pyproject.toml": `[project]
name = "app"
version = "0.1"
dependencies = ["tinydep"]

[project.optional-dependencies]
fast = ["fastlib>=2"]
never = ["unused"]

[dependency-groups]
lint = ["lintlib"]
dev = ["testlib", {include-group = "lint"}]
`})
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"-r", "pyproject.toml"}, []string{"tinydep==1.0"}},
		{[]string{"-r", "pyproject.toml", "--extra", "fast"}, []string{"fastlib==2.0", "tinydep==1.0"}},
		{[]string{"-r", "pyproject.toml", "--all-extras"}, []string{"fastlib==2.0", "tinydep==1.0", "unused==1.0"}},
		{[]string{"--group", "dev"}, []string{"lintlib==4.0", "testlib==3.0"}},
		{[]string{"-r", "pyproject.toml", "--group", "lint"}, []string{"lintlib==4.0", "tinydep==1.0"}},
	} {
		venv := makeTestVenv(t, py, filepath.Join(t.TempDir(), "venv"), false)
		cmd := exec.Command("pyshim", append([]string{"install", "--venv", venv, "--index-url", ti.url()}, tc.args...)...)
		cmd.Env, cmd.Dir = env, proj
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("pyshim install %v: %v\n%s", tc.args, err, out)
		}
		if got := freezeSet(t, env, venv); !slices.Equal(got, tc.want) {
			t.Errorf("%v installed %v, want %v", tc.args, got, tc.want)
		}
	}
	cmd := exec.Command("pyshim", "install", "--venv", t.TempDir(), "-r", "pyproject.toml", "--group", "nope")
	cmd.Env, cmd.Dir = env, proj
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), `has no dependency group "nope" (it has: dev, lint)`) {
		t.Errorf("an unknown group: %v\n%s", err, out)
	}
}

// TestBuildInterrupted sends SIGINT, as a terminal's Ctrl-C does, to the
// process group of an install whose build is running: pyshim exits,
// leaves no temporary directory and does not change the venv.
func TestBuildInterrupted(t *testing.T) {
	ti := backendIndex(t)
	py := testenv.PyenvPython(t, "3.11.7")
	env, tmp := buildEnv(t)
	proj := filepath.Join(t.TempDir(), "slow")
	marker := filepath.Join(t.TempDir(), "started")
	writeTree(t, proj, map[string]string{
		"pyproject.toml": "[build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \"setuptools.build_meta\"\n",
		"setup.py":       fmt.Sprintf("import time\nopen(%q, 'w').close()\ntime.sleep(120)\n", marker),
	})
	venv := makeTestVenv(t, py, filepath.Join(t.TempDir(), "venv"), false)
	before := treeSnapshot(t, venv)
	cmd, out, done := startGroup(t, env, "install", "--venv", venv, "--index-url", ti.url(), proj)
	for started := false; !started; {
		select {
		case err := <-done:
			t.Fatalf("pyshim ended before the build started: %v\n%s", err, out.String())
		case <-time.After(10 * time.Millisecond):
			_, err := os.Stat(marker)
			started = err == nil
		}
	}
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 130 || !strings.Contains(out.String(), "pyshim: interrupted") {
			t.Errorf("interrupted install: %v\n%s", err, out.String())
		}
	case <-time.After(60 * time.Second):
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		t.Fatalf("pyshim did not exit after SIGINT\n%s", out.String())
	}
	assertEmptyDir(t, tmp)
	if after := treeSnapshot(t, venv); !slices.Equal(before, after) {
		t.Errorf("an interrupted build changed the venv")
	}
	ents, _ := os.ReadDir(filepath.Join(envValue(env, "XDG_CACHE_HOME"), "pyshim", "build", "wheels"))
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".lock") {
			t.Errorf("an interrupted build left %s among the built wheels", e.Name())
		}
	}
}

// treeNames lists the paths under dir.
func treeNames(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		if err == nil {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// TestBuildKilled kills `pyshim install .` with SIGKILL at random points
// of a build (making the build environment, running the hooks, keeping
// the wheel, installing it), then runs it again: the re-run succeeds, the
// project imports with its dependency and pip check passes. The seed is
// logged; PYSHIM_TEST_KILL_SEED repeats a run, PYSHIM_TEST_KILL_POINTS
// sets the number of kills (50 under CI).
func TestBuildKilled(t *testing.T) {
	ti := backendIndex(t)
	py := testenv.PyenvPython(t, "3.11.7")
	env, _ := buildEnv(t)
	proj := filepath.Join(t.TempDir(), "proj")
	module, _ := demoProject(t, proj, "setuptools")
	buildDir := filepath.Join(envValue(env, "XDG_CACHE_HOME"), "pyshim", "build")
	install := func(venv string) *exec.Cmd {
		cmd := exec.Command("pyshim", "install", "--venv", venv, "--index-url", ti.url(), proj)
		cmd.Env = env
		return cmd
	}
	// One uninterrupted cold run gives the span to kill within.
	start := time.Now()
	if out, err := install(makeTestVenv(t, py, filepath.Join(t.TempDir(), "v0"), false)).CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted install: %v\n%s", err, out)
	}
	span := time.Since(start)
	t.Logf("an uninterrupted build and install takes %v", span)
	rng := killRand(t)
	for i := range killPoints(t) {
		if i%3 == 0 {
			// Cold again: the build environments are made anew.
			os.Rename(buildDir, filepath.Join(t.TempDir(), "old-build"))
		}
		// setuptools copies a source file into build/lib only when its
		// mtime in whole seconds is newer than the copy's, which may be
		// the second the last (perhaps killed) build ran in; so an edit
		// in that second builds the old file, under pip as here. The
		// edit waits for the next second of the file system's coarse
		// clock, as a person's edit would be later.
		time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second + 20*time.Millisecond)))
		writeTree(t, proj, map[string]string{module + "/__init__.py": fmt.Sprintf("VALUE = %d\ndef main(): pass\n", i)})
		venv := makeTestVenv(t, py, filepath.Join(t.TempDir(), "v"), false)
		runKilled(t, env, time.Duration(rng.Int64N(int64(span))), "install", "--venv", venv, "--index-url", ti.url(), proj)
		if out, err := install(venv).CombinedOutput(); err != nil {
			t.Fatalf("kill %d: the re-run failed: %v\n%s", i, err, out)
		}
		if out := pyRun(t, venv, "-c", "import "+module+", tinydep; print("+module+".VALUE)"); out != fmt.Sprintf("%d\n", i) {
			t.Errorf("kill %d: the project imports as %q", i, out)
		}
		pipCheck(t, venv)
	}
}

// TestBuildConcurrent runs two installs of one project into two venvs at
// once on a cold cache: one builds while the other waits for its wheel.
// The project's in-tree backend (hatchling, wrapped through backend-path)
// logs each build_wheel call.
func TestBuildConcurrent(t *testing.T) {
	ti := backendIndex(t)
	py := testenv.PyenvPython(t, "3.11.7")
	env, tmp := buildEnv(t)
	proj := filepath.Join(t.TempDir(), "proj")
	module, _ := demoProject(t, proj, "hatchling")
	log := filepath.Join(t.TempDir(), "builds.log")
	pp, err := os.ReadFile(filepath.Join(proj, "pyproject.toml"))
	if err != nil {
		t.Fatal(err)
	}
	writeTree(t, proj, map[string]string{
		"pyproject.toml": strings.Replace(string(pp), `build-backend = "hatchling.build"`, `build-backend = "logged"`+"\nbackend-path = [\"_b\"]", 1),
		"_b/logged.py": fmt.Sprintf("import time\nfrom hatchling.build import *\nimport hatchling.build as h\n\n"+
			"def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):\n"+
			"    with open(%q, 'a') as f:\n        f.write('build\\n')\n    time.sleep(1)\n"+
			"    return h.build_wheel(wheel_directory, config_settings, metadata_directory)\n", log),
	})
	var cmds []*exec.Cmd
	var outs []*bytes.Buffer
	var venvs []string
	for i := range 2 {
		venv := makeTestVenv(t, py, filepath.Join(t.TempDir(), fmt.Sprintf("v%d", i)), false)
		cmd := exec.Command("pyshim", "install", "--venv", venv, "--index-url", ti.url(), proj)
		var out bytes.Buffer
		cmd.Env, cmd.Stdout, cmd.Stderr = env, &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs, venvs = append(cmds, cmd), append(outs, &out), append(venvs, venv)
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("install %d: %v\n%s", i, err, outs[i])
		}
	}
	for _, venv := range venvs {
		if out := pyRun(t, venv, "-c", "import "+module+"; print("+module+".VALUE)"); out != "first\n" {
			t.Errorf("%s: %q", venv, out)
		}
	}
	ms, _ := filepath.Glob(filepath.Join(envValue(env, "XDG_CACHE_HOME"), "pyshim", "build", "wheels", "dir-*", "*.whl"))
	if b, _ := os.ReadFile(log); len(ms) != 1 || string(b) != "build\n" {
		t.Errorf("built wheels: %q, want one; the backend's log: %q", ms, b)
	}
	assertEmptyDir(t, tmp)
}
