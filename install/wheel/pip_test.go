package wheel

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pyshim/pyshim/internal/testenv"
)

// bundledPip is the pip wheel that CPython version's ensurepip carries.
func bundledPip(t *testing.T, version string) string {
	t.Helper()
	py := testenv.PyenvPython(t, version)
	minor := filepath.Base(py)[len("python"):]
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(filepath.Dir(py)), "lib", "python"+minor, "ensurepip", "_bundled", "pip-*.whl"))
	if len(matches) != 1 {
		t.Fatalf("bundled pip wheel for %s: %v", version, matches)
	}
	return matches[0]
}

// checkPip runs the installed pip the ways a user would.
func checkPip(t *testing.T, v *venv, version string) {
	t.Helper()
	bin := v.scheme.Scripts
	want := "pip " + version + " from " + filepath.Join(v.scheme.Purelib, "pip") + " (python " + v.version + ")\n"
	if got := run(t, filepath.Join(bin, "pip"), "--version"); got != want {
		t.Errorf("bin/pip --version = %q, want %q", got, want)
	}
	for _, name := range []string{"pip3", "pip" + v.version} {
		if got := run(t, filepath.Join(bin, name), "--version"); got != want {
			t.Errorf("bin/%s --version = %q", name, got)
		}
	}
	list := run(t, v.python, "-m", "pip", "list", "--disable-pip-version-check")
	if !regexp.MustCompile(`(?m)^pip +` + regexp.QuoteMeta(version) + `$`).MatchString(list) {
		t.Errorf("pip list:\n%s", list)
	}
	if got := run(t, v.python, "-m", "pip", "check", "--disable-pip-version-check"); got != "No broken requirements found.\n" {
		t.Errorf("pip check: %q", got)
	}
	if got := run(t, filepath.Join(bin, "pip"), "show", "--disable-pip-version-check", "pip"); !strings.Contains(got, "Location: "+v.scheme.Purelib) {
		t.Errorf("pip show:\n%s", got)
	}
}

// pyenv 3.12's ensurepip pip, installed the way `pyshim venv --seed` does,
// gives the same dist-info, RECORD and launchers as `python -m venv` with
// pip (ensurepip running pip), byte for byte; pip then works.
func TestSeedPipLikeEnsurepip(t *testing.T) {
	if testing.Short() {
		t.Skip("python -m venv with pip takes seconds")
	}
	t.Parallel()
	whl := bundledPip(t, py312)
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "venv")

	// Reference: python -m venv (ensurepip) at the same path.
	base := testenv.PyenvPython(t, py312)
	run(t, base, "-m", "venv", dir)
	ref := installedView(t, dir, "3.12")
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}

	v := makeVenv(t, py312, dir)
	o := Options{Python: filepath.Join(v.scheme.Scripts, "python3.12"), PythonVersion: v.version, Installer: "pip", Requested: true}
	start := time.Now()
	inst, err := Install(context.Background(), whl, v.scheme, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Install(%s): %v", filepath.Base(whl), time.Since(start))
	if inst.Name != "pip" || !strings.HasPrefix(filepath.Base(whl), "pip-"+inst.Version+"-") {
		t.Errorf("Installed = %s %s", inst.Name, inst.Version)
	}
	checkRecord(t, inst)
	got := installedView(t, dir, "3.12")
	if d := testenv.DiffSnapshots(ref, got); len(d) > 0 {
		t.Errorf("differs from python -m venv with pip:\n%s", strings.Join(d, "\n"))
	}
	checkPip(t, v, inst.Version)
	noTemps(t, dir)
}

// installedView is what a pip install leaves that can be compared across
// installers: the RECORD rows (without compiled files, which pip makes
// and we leave to the interpreter or `--compile`), the dist-info files,
// and the bin/pip* launchers.
func installedView(t *testing.T, dir, minor string) map[string]string {
	t.Helper()
	site := filepath.Join(dir, "lib", "python"+minor, "site-packages")
	dis, _ := filepath.Glob(filepath.Join(site, "pip-*.dist-info"))
	if len(dis) != 1 {
		t.Fatalf("pip dist-info in %s: %v", site, dis)
	}
	out := map[string]string{}
	for _, e := range readRecord(t, dis[0]) {
		if !strings.Contains(e.Path, "__pycache__") {
			out["RECORD "+e.Path] = e.Hash + "," + strconv.FormatInt(e.Size, 10)
		}
	}
	for k, v := range testenv.ContentSnapshot(t, dis[0], nil) {
		if k != "RECORD" {
			out["dist-info "+k] = v
		}
	}
	scripts, _ := filepath.Glob(filepath.Join(dir, "bin", "pip*"))
	sort.Strings(scripts)
	for _, s := range scripts {
		data, _ := os.ReadFile(s)
		st, _ := os.Stat(s)
		out["bin "+filepath.Base(s)] = st.Mode().String() + "\n" + string(data)
	}
	return out
}

// Unpack once into a cache, then install from it into venvs by copy,
// hard link and reflink (which falls back where the file system cannot
// clone); the cache is never modified and each venv's pip works.
func TestInstallUnpackedLinkModes(t *testing.T) {
	t.Parallel()
	whl := bundledPip(t, py312)
	tmp := t.TempDir()
	ctx := context.Background()
	cache := filepath.Join(tmp, "cache", "pip-unpacked")
	if err := Unpack(ctx, whl, cache); err != nil {
		t.Fatal(err)
	}
	if err := Unpack(ctx, whl, cache); err != nil {
		t.Fatalf("second Unpack into an existing dir: %v", err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(cache)); len(entries) != 1 {
		t.Errorf("cache parent holds %d entries", len(entries))
	}
	cacheBefore := testenv.ContentSnapshot(t, cache, nil)
	t.Cleanup(func() { // after the parallel subtests
		if d := testenv.DiffSnapshots(cacheBefore, testenv.ContentSnapshot(t, cache, nil)); len(d) > 0 {
			t.Errorf("installs changed the unpacked cache:\n%s", strings.Join(d, "\n"))
		}
	})
	for _, mode := range []LinkMode{Copy, Hardlink, Reflink} {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			v := makeVenv(t, py312, filepath.Join(tmp, "venv-"+mode.String()))
			inst, err := InstallUnpacked(ctx, cache, v.scheme, Options{Python: v.python, PythonVersion: v.version, Link: mode})
			if err != nil {
				t.Fatal(err)
			}
			checkRecord(t, inst)
			checkPip(t, v, inst.Version)
			a, _ := os.Stat(MemberPath(cache, "pip/__init__.py"))
			b, _ := os.Stat(filepath.Join(v.scheme.Purelib, "pip", "__init__.py"))
			shared := os.SameFile(a, b)
			if (mode == Copy && shared) || (mode == Hardlink && !shared) {
				t.Errorf("mode %v: installed file shares the cache's inode: %v", mode, shared)
			}
			t.Logf("mode %v: shares inode with the cache: %v", mode, shared)
			// Upgrade-in-place (reinstall) over hard links to the same
			// inodes leaves no temporary names.
			if _, err := InstallUnpacked(ctx, cache, v.scheme, Options{Python: v.python, PythonVersion: v.version, Link: mode}); err != nil {
				t.Fatal(err)
			}
			noTemps(t, v.dir)
			if got := run(t, filepath.Join(v.scheme.Scripts, "pip"), "--version"); !strings.HasPrefix(got, "pip "+inst.Version+" from "+v.scheme.Purelib) {
				t.Errorf("after reinstall, pip --version = %q", got)
			}
		})
	}
}

func BenchmarkInstallPip(b *testing.B) {
	py := testenv.PyenvPython(b, py312)
	whl, _ := filepath.Glob(filepath.Join(filepath.Dir(filepath.Dir(py)), "lib", "python3.12", "ensurepip", "_bundled", "pip-*.whl"))
	if len(whl) != 1 {
		b.Skip("no bundled pip")
	}
	tmp := b.TempDir()
	ctx := context.Background()
	cache := filepath.Join(tmp, "cache")
	if err := Unpack(ctx, whl[0], cache); err != nil {
		b.Fatal(err)
	}
	n := 0
	for _, bc := range []struct {
		name string
		f    func(s Scheme) error
	}{
		{"Install", func(s Scheme) error { _, err := Install(ctx, whl[0], s, Options{}); return err }},
		{"Unpack", func(s Scheme) error { return Unpack(ctx, whl[0], filepath.Join(s.Data, "unpacked")) }},
		{"InstallUnpacked/copy", func(s Scheme) error { _, err := InstallUnpacked(ctx, cache, s, Options{Link: Copy}); return err }},
		{"InstallUnpacked/hardlink", func(s Scheme) error {
			_, err := InstallUnpacked(ctx, cache, s, Options{Link: Hardlink})
			return err
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				n++
				root := filepath.Join(tmp, strconv.Itoa(n))
				s := Scheme{Purelib: filepath.Join(root, "lib"), Platlib: filepath.Join(root, "lib"), Scripts: filepath.Join(root, "bin"), Data: root, Headers: filepath.Join(root, "include")}
				if err := bc.f(s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
