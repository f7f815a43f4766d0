package wheel

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/pyshim/pyshim/internal/testenv"
)

const py311, py312 = "3.11.7", "3.12.1"

// demoWheel is a pure wheel with every kind of content: package files, an
// executable member, .data/{scripts,purelib,data,headers}, a #!python
// script, console and GUI entry points (one with a nested attribute).
func demoWheel(version string, extra ...zfile) testWheel {
	dd := "demo_pkg-" + version + ".data/"
	return testWheel{
		name: "demo_pkg", version: version,
		files: append([]zfile{
			{path: "demo_pkg/__init__.py", data: "import sys\nVERSION = '" + version + "'\ndef main():\n    print('demo main', VERSION, sys.argv[0].rsplit('/', 1)[-1], sys.argv[1:])\n    return 0\n"},
			{path: "demo_pkg/cli.py", data: "class app:\n    @staticmethod\n    def run():\n        print('nested run')\n        return 3\n"},
			{path: "demo_pkg/tool.sh", data: "#!/bin/sh\necho tool\n", mode: 0o755},
			{path: dd + "scripts/demo-script", data: "#!python -u\nimport demo_pkg\nprint('script', demo_pkg.VERSION)\n"},
			{path: dd + "scripts/plain.sh", data: "#!/bin/sh\necho plain \"$@\"\n"},
			{path: dd + "purelib/demo_extra.py", data: "EXTRA = 1\n"},
			{path: dd + "data/share/demo_pkg/data.txt", data: "data\n"},
			{path: dd + "headers/demo.h", data: "#define DEMO 1\n"},
		}, extra...),
		entryPoints: "[console_scripts]\ndemo = demo_pkg:main\ndemo-nested = demo_pkg.cli:app.run\n\n[gui_scripts]\ndemo-gui = demo_pkg:main [gui]\n\n[other.group]\nignored = x:y\n",
	}
}

func firstLine(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	line, _, _ := strings.Cut(string(data), "\n")
	return line
}

func mode(t *testing.T, p string) os.FileMode {
	t.Helper()
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

// noTemps fails when a pyshim temporary name is left under root.
func noTemps(t *testing.T, root string) {
	t.Helper()
	for p := range testenv.ContentSnapshot(t, root, nil) {
		if strings.Contains(p, ".pyshim-") || strings.Contains(p, ".tmp-") {
			t.Errorf("temporary file left behind: %s", p)
		}
	}
}

// checkRecord verifies every row of an installed RECORD against the file
// it names (relative to libDir) and that the rows are sorted, and returns
// the absolute paths it lists.
func checkRecord(t *testing.T, inst *Installed) map[string]bool {
	t.Helper()
	libDir := filepath.Dir(inst.DistInfo)
	rows := readRecord(t, inst.DistInfo)
	files := map[string]bool{}
	if !sort.SliceIsSorted(rows, func(i, j int) bool { return rows[i].Path < rows[j].Path }) {
		t.Error("RECORD is not sorted")
	}
	for _, e := range rows {
		p := filepath.Clean(filepath.Join(libDir, e.Path))
		files[p] = true
		if strings.HasSuffix(e.Path, ".dist-info/RECORD") {
			if e.Hash != "" || e.Size != -1 {
				t.Errorf("RECORD row for itself has a hash: %+v", e)
			}
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Errorf("RECORD lists %s: %v", e.Path, err)
			continue
		}
		if e.Hash != sha256Record(data) || e.Size != int64(len(data)) {
			t.Errorf("RECORD row %+v does not match the file (%s %d)", e, sha256Record(data), len(data))
		}
	}
	want := map[string]bool{}
	for _, f := range inst.Files {
		want[f] = true
	}
	if len(want) != len(files) {
		t.Errorf("RECORD lists %d files, Installed.Files %d", len(files), len(want))
	}
	for f := range want {
		if !files[f] {
			t.Errorf("installed %s is not in RECORD", f)
		}
	}
	return files
}

func TestInstallIntoVenv(t *testing.T) {
	tmp := t.TempDir()
	v := makeVenv(t, py311, filepath.Join(tmp, "venv"))
	before := testenv.ContentSnapshot(t, v.dir, nil)
	whl := demoWheel("1.0").build(t, tmp)
	o := v.options()
	o.Requested = true
	o.DirectURL = []byte(`{"archive_info": {}, "url": "file:///wheels/demo_pkg-1.0-py3-none-any.whl"}`)
	inst, err := Install(context.Background(), whl, v.scheme, o)
	if err != nil {
		t.Fatal(err)
	}
	if inst.Name != "demo_pkg" || inst.Version != "1.0" || inst.DistInfo != filepath.Join(v.scheme.Purelib, "demo_pkg-1.0.dist-info") {
		t.Errorf("Installed = %+v", inst)
	}

	// Exactly the RECORD's files appeared (plus directories).
	recorded := checkRecord(t, inst)
	after := testenv.ContentSnapshot(t, v.dir, nil)
	for _, d := range testenv.DiffSnapshots(before, after) {
		p := filepath.Join(v.dir, strings.TrimPrefix(d, "+ "))
		if st, err := os.Stat(p); !strings.HasPrefix(d, "+ ") || (!st.IsDir() && !recorded[p]) || err != nil {
			t.Errorf("unexpected change: %s", d)
		}
	}
	noTemps(t, v.dir)

	bin := v.scheme.Scripts
	if got := run(t, v.python, "-c", "import demo_pkg, demo_extra; print(demo_pkg.VERSION, demo_extra.EXTRA)"); got != "1.0 1\n" {
		t.Errorf("import: %q", got)
	}
	if got := run(t, filepath.Join(bin, "demo"), "a", "b c"); got != "demo main 1.0 demo ['a', 'b c']\n" {
		t.Errorf("bin/demo: %q", got)
	}
	if got := run(t, filepath.Join(bin, "demo-gui")); got != "demo main 1.0 demo-gui []\n" {
		t.Errorf("bin/demo-gui: %q", got)
	}
	out, err := exec.Command(filepath.Join(bin, "demo-nested")).CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 || string(out) != "nested run\n" {
		t.Errorf("bin/demo-nested: %q, %v (want exit status 3)", out, err)
	}
	if got := run(t, filepath.Join(bin, "demo-script")); got != "script 1.0\n" {
		t.Errorf("bin/demo-script: %q", got)
	}
	if got := run(t, filepath.Join(bin, "plain.sh"), "x"); got != "plain x\n" {
		t.Errorf("bin/plain.sh: %q", got)
	}
	for _, name := range []string{"demo", "demo-gui", "demo-nested", "demo-script"} {
		if l := firstLine(t, filepath.Join(bin, name)); l != "#!"+v.python {
			t.Errorf("bin/%s first line %q", name, l)
		}
	}
	for _, name := range []string{"demo", "demo-script", "plain.sh"} {
		if m := mode(t, filepath.Join(bin, name)); m != 0o755 {
			t.Errorf("bin/%s mode %v", name, m)
		}
	}
	if data, _ := os.ReadFile(filepath.Join(bin, "demo")); !strings.Contains(string(data), "from demo_pkg import main\nif __name__ == '__main__':\n    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n    sys.exit(main())\n") {
		t.Errorf("launcher body:\n%s", data)
	}
	if _, err := os.Stat(filepath.Join(bin, "ignored")); err == nil {
		t.Error("an entry point of another group became a script")
	}
	if m := mode(t, filepath.Join(v.scheme.Purelib, "demo_pkg", "tool.sh")); m != 0o755 {
		t.Errorf("executable member mode %v", m)
	}
	if m := mode(t, filepath.Join(v.scheme.Purelib, "demo_pkg", "cli.py")); m != 0o644 {
		t.Errorf("member mode %v", m)
	}
	for p, want := range map[string]string{
		filepath.Join(v.dir, "share", "demo_pkg", "data.txt"):                         "data\n",
		filepath.Join(v.dir, "include", "site", "python3.11", "demo_pkg", "demo.h"):   "#define DEMO 1\n",
		filepath.Join(inst.DistInfo, "INSTALLER"):                                     "pyshim\n",
		filepath.Join(inst.DistInfo, "REQUESTED"):                                     "",
		filepath.Join(inst.DistInfo, "direct_url.json"):                               string(o.DirectURL),
		filepath.Join(v.scheme.Purelib, "demo_pkg-1.0.dist-info", "entry_points.txt"): demoWheel("1.0").entryPoints,
	} {
		if data, err := os.ReadFile(p); err != nil || string(data) != want {
			t.Errorf("%s: %q, %v; want %q", p, data, err, want)
		}
	}
	rows := readRecord(t, inst.DistInfo)
	var paths []string
	for _, e := range rows {
		paths = append(paths, e.Path)
	}
	for _, want := range []string{"../../../bin/demo", "../../../bin/demo-script", "../../../share/demo_pkg/data.txt",
		"../../../include/site/python3.11/demo_pkg/demo.h", "demo_extra.py", "demo_pkg-1.0.dist-info/RECORD", "demo_pkg/__init__.py"} {
		if !strings.Contains("\n"+strings.Join(paths, "\n")+"\n", "\n"+want+"\n") {
			t.Errorf("RECORD lacks %s:\n%s", want, strings.Join(paths, "\n"))
		}
	}

	// Python's own view: importlib.metadata finds the distribution, its
	// version, entry points and every file RECORD lists.
	got := run(t, v.python, "-c", `
import importlib.metadata as m
d = m.distribution("demo-pkg")
missing = [str(f) for f in d.files if not f.locate().exists()]
eps = sorted(e.name for e in d.entry_points if e.group.endswith("_scripts"))
print(d.version, len(d.files), missing, eps, d.read_text("INSTALLER").strip())
`)
	if want := "1.0 " + strconv.Itoa(len(rows)) + " [] ['demo', 'demo-gui', 'demo-nested'] pyshim\n"; got != want {
		t.Errorf("importlib.metadata: %q, want %q", got, want)
	}
}

// A platform wheel (Root-Is-Purelib: false) goes to platlib, its
// .data/purelib to purelib; RECORD paths are relative to platlib.
func TestInstallPlatlibWheel(t *testing.T) {
	tmp := t.TempDir()
	root := filepath.Join(tmp, "env")
	s := Scheme{
		Purelib: filepath.Join(root, "lib", "python3.11", "site-packages"),
		Platlib: filepath.Join(root, "lib64", "python3.11", "site-packages"),
		Headers: filepath.Join(root, "include", "site", "python3.11"),
		Scripts: filepath.Join(root, "bin"),
		Data:    root,
	}
	w := testWheel{
		name: "demo_plat", version: "2.0", tag: "cp311-cp311-linux_x86_64", platlib: true,
		files: []zfile{
			{path: "demo_plat/__init__.py", data: "PLAT = True\n"},
			{path: "demo_plat-2.0.data/purelib/demo_plat_pure.py", data: "PURE = True\n"},
			{path: "demo_plat-2.0.data/platlib/demo_plat_native.py", data: "NATIVE = True\n"},
		},
	}
	inst, err := Install(context.Background(), w.build(t, tmp), s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if inst.DistInfo != filepath.Join(s.Platlib, "demo_plat-2.0.dist-info") {
		t.Errorf("dist-info at %s", inst.DistInfo)
	}
	for _, p := range []string{
		filepath.Join(s.Platlib, "demo_plat", "__init__.py"),
		filepath.Join(s.Platlib, "demo_plat_native.py"),
		filepath.Join(s.Purelib, "demo_plat_pure.py"),
	} {
		if _, err := os.Stat(p); err != nil {
			t.Error(err)
		}
	}
	checkRecord(t, inst)
	rows := readRecord(t, inst.DistInfo)
	found := false
	for _, e := range rows {
		found = found || e.Path == "../../../lib/python3.11/site-packages/demo_plat_pure.py"
	}
	if !found {
		t.Errorf("RECORD paths not relative to platlib: %+v", rows)
	}
	noTemps(t, root)

	// And into a real venv (where platlib = purelib), importable.
	v := makeVenv(t, py311, filepath.Join(tmp, "venv"))
	if _, err := Install(context.Background(), w.build(t, tmp), v.scheme, v.options()); err != nil {
		t.Fatal(err)
	}
	if got := run(t, v.python, "-c", "import demo_plat, demo_plat_pure, demo_plat_native; print(demo_plat.PLAT, demo_plat_pure.PURE, demo_plat_native.NATIVE)"); got != "True True True\n" {
		t.Errorf("import: %q", got)
	}
}

// Launchers in a venv whose python path is too long for a #! line, or has
// a space, use the /bin/sh trick and still run.
func TestLaunchersLongAndSpacedPaths(t *testing.T) {
	tmp := t.TempDir()
	long := filepath.Join(tmp, strings.Repeat("long-directory-name-", 4), strings.Repeat("x", 60), "venv")
	for _, dir := range []string{long, filepath.Join(tmp, "with space", "my venv")} {
		v := makeVenv(t, py311, dir)
		if _, err := Install(context.Background(), demoWheel("1.0").build(t, tmp), v.scheme, v.options()); err != nil {
			t.Fatal(err)
		}
		bin := v.scheme.Scripts
		for _, name := range []string{"demo", "demo-script"} {
			data, _ := os.ReadFile(filepath.Join(bin, name))
			if !strings.HasPrefix(string(data), "#!/bin/sh\n'''exec' \""+v.python+"\" \"$0\" \"$@\"\n' '''\n") {
				t.Errorf("%s: no /bin/sh trick for %d-byte path %q:\n%s", name, len(v.python), v.python, data)
			}
		}
		if got := run(t, filepath.Join(bin, "demo"), "arg with space"); got != "demo main 1.0 demo ['arg with space']\n" {
			t.Errorf("bin/demo: %q", got)
		}
		if got := run(t, filepath.Join(bin, "demo-script")); got != "script 1.0\n" {
			t.Errorf("bin/demo-script: %q", got)
		}
	}
}

func TestUpgradeRemovesOldFiles(t *testing.T) {
	tmp := t.TempDir()
	v := makeVenv(t, py311, filepath.Join(tmp, "venv"))
	ctx := context.Background()
	w1 := demoWheel("1.0", zfile{path: "demo_pkg/old_only.py", data: "OLD = 1\n"})
	w1.entryPoints += "\n[console_scripts]\ndemo-old = demo_pkg:main\n"
	if _, err := Install(ctx, w1.build(t, tmp), v.scheme, v.options()); err != nil {
		t.Fatal(err)
	}
	run(t, v.python, "-c", "import demo_pkg.old_only")
	run(t, filepath.Join(v.scheme.Scripts, "demo-old"))
	pyc, _ := filepath.Glob(filepath.Join(v.scheme.Purelib, "demo_pkg", "__pycache__", "old_only.*.pyc"))
	if len(pyc) != 1 {
		t.Fatalf("no compiled old_only: %v", pyc)
	}

	w2 := demoWheel("2.0", zfile{path: "demo_pkg/new_only.py", data: "NEW = 1\n"})
	inst, err := Install(ctx, w2.build(t, tmp), v.scheme, v.options())
	if err != nil {
		t.Fatal(err)
	}
	for _, gone := range []string{
		filepath.Join(v.scheme.Purelib, "demo_pkg", "old_only.py"),
		pyc[0],
		filepath.Join(v.scheme.Scripts, "demo-old"),
		filepath.Join(v.scheme.Purelib, "demo_pkg-1.0.dist-info"),
	} {
		if _, err := os.Lstat(gone); err == nil {
			t.Errorf("%s survived the upgrade", gone)
		}
	}
	checkRecord(t, inst)
	if got := run(t, v.python, "-c", "import importlib.metadata as m, demo_pkg.new_only, demo_pkg; print(m.version('demo-pkg'), demo_pkg.VERSION, len(list(m.distributions())))"); got != "2.0 2.0 1\n" {
		t.Errorf("after upgrade: %q", got)
	}
	if got := run(t, filepath.Join(v.scheme.Scripts, "demo")); got != "demo main 2.0 demo []\n" {
		t.Errorf("bin/demo: %q", got)
	}
	noTemps(t, v.dir)

	// Reinstalling the same version leaves the same tree, but for the
	// compiled files of the replaced modules.
	noCache := func(m map[string]string) map[string]string {
		for k := range m {
			if strings.Contains(k, "__pycache__") {
				delete(m, k)
			}
		}
		return m
	}
	before := noCache(testenv.ContentSnapshot(t, v.dir, nil))
	if _, err := Install(ctx, w2.build(t, tmp), v.scheme, v.options()); err != nil {
		t.Fatal(err)
	}
	if d := testenv.DiffSnapshots(before, noCache(testenv.ContentSnapshot(t, v.dir, nil))); len(d) > 0 {
		t.Errorf("reinstall changed the tree:\n%s", strings.Join(d, "\n"))
	}
}

func TestUninstallRemovesExactlyRecord(t *testing.T) {
	tmp := t.TempDir()
	v := makeVenv(t, py311, filepath.Join(tmp, "venv"))
	ctx := context.Background()
	other := testWheel{name: "other", version: "1.0", files: []zfile{{path: "other/__init__.py", data: ""}}}
	if _, err := Install(ctx, other.build(t, tmp), v.scheme, v.options()); err != nil {
		t.Fatal(err)
	}
	before := testenv.ContentSnapshot(t, v.dir, nil)
	inst, err := Install(ctx, demoWheel("1.0").build(t, tmp), v.scheme, v.options())
	if err != nil {
		t.Fatal(err)
	}
	run(t, v.python, "-c", "import demo_pkg, demo_pkg.cli, demo_extra")
	run(t, filepath.Join(v.scheme.Scripts, "demo"))
	user := filepath.Join(v.scheme.Purelib, "demo_pkg", "user-notes.txt")
	if err := os.WriteFile(user, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	removed, err := Uninstall(ctx, v.scheme, "Demo.Pkg")
	if err != nil {
		t.Fatal(err)
	}
	if removed.Name != "demo_pkg" || removed.Version != "1.0" || len(removed.Files) < len(inst.Files) {
		t.Errorf("Uninstall = %+v", removed)
	}
	d := testenv.DiffSnapshots(before, testenv.ContentSnapshot(t, v.dir, nil))
	// The headers root stays, as with pip: it is a scheme directory.
	want := []string{"+ include/site", "+ include/site/python3.11", "+ lib/python3.11/site-packages/demo_pkg", "+ lib/python3.11/site-packages/demo_pkg/user-notes.txt"}
	if strings.Join(d, "\n") != strings.Join(want, "\n") {
		t.Errorf("after uninstall, tree differs from before install:\n%s\nwant:\n%s", strings.Join(d, "\n"), strings.Join(want, "\n"))
	}
	if _, err := Uninstall(ctx, v.scheme, "demo-pkg"); err == nil || !strings.Contains(err.Error(), "not installed") {
		t.Errorf("second uninstall: %v", err)
	}
	run(t, v.python, "-c", "import other")
}

// A RECORD that names a file outside the environment is refused before
// anything is removed.
func TestUninstallRefusesOutsidePaths(t *testing.T) {
	tmp := t.TempDir()
	root := filepath.Join(tmp, "env")
	s := Scheme{Purelib: filepath.Join(root, "lib"), Platlib: filepath.Join(root, "lib"), Scripts: filepath.Join(root, "bin"), Data: root}
	outside := filepath.Join(tmp, "precious.txt")
	os.WriteFile(outside, []byte("keep"), 0o644)
	inst, err := Install(context.Background(), testWheel{name: "x", version: "1", files: []zfile{{path: "x.py"}}}.build(t, tmp), s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rec := filepath.Join(inst.DistInfo, "RECORD")
	data, _ := os.ReadFile(rec)
	os.WriteFile(rec, append(data, "../../precious.txt,,\n"...), 0o644)
	before := testenv.ContentSnapshot(t, tmp, nil)
	if _, err := Uninstall(context.Background(), s, "x"); err == nil || !strings.Contains(err.Error(), "outside this environment") {
		t.Fatalf("err = %v", err)
	}
	if d := testenv.DiffSnapshots(before, testenv.ContentSnapshot(t, tmp, nil)); len(d) > 0 {
		t.Errorf("refused uninstall changed things:\n%s", strings.Join(d, "\n"))
	}
}

func TestRefusedWheelsLeaveNothing(t *testing.T) {
	tmp := t.TempDir()
	v := makeVenv(t, py311, filepath.Join(tmp, "venv"))
	wheels := filepath.Join(tmp, "wheels")
	os.Mkdir(wheels, 0o755)
	sum := func(s string) string { return sha256Record([]byte(s)) }
	editRow := func(path string, f func(row []string) []string) func([][]string) [][]string {
		return func(rows [][]string) [][]string {
			var out [][]string
			for _, r := range rows {
				if r[0] == path {
					if r = f(r); r == nil {
						continue
					}
				}
				out = append(out, r)
			}
			return out
		}
	}
	tests := []struct {
		name string
		w    testWheel
		want string
	}{
		{"bad hash", withRecord(demoWheel("1.0"), editRow("demo_pkg/cli.py", func(r []string) []string { return []string{r[0], sum("other"), r[2]} })), "hash does not match RECORD"},
		{"bad size", withRecord(demoWheel("1.0"), editRow("demo_pkg/cli.py", func(r []string) []string { return []string{r[0], r[1], "3"} })), "RECORD says 3"},
		{"md5 hash", withRecord(demoWheel("1.0"), editRow("demo_pkg/cli.py", func(r []string) []string { return []string{r[0], "md5=abc", r[2]} })), "unsupported hash algorithm"},
		{"no hash", withRecord(demoWheel("1.0"), editRow("demo_pkg/cli.py", func(r []string) []string { return []string{r[0], "", ""} })), "no hash in RECORD"},
		{"unlisted member", withExtra(demoWheel("1.0"), zfile{path: "demo_pkg/sneaky.py", data: "x"}), "no hash in RECORD"},
		{"listed but missing", withRecord(demoWheel("1.0"), func(rows [][]string) [][]string {
			return append(rows, []string{"demo_pkg/missing.py", sum(""), "0"})
		}), "does not contain"},
		{"zip slip", withExtra(demoWheel("1.0"), zfile{path: "../../../../evil.py", data: "x"}), "escaping"},
		{"zip slip inside", withExtra(demoWheel("1.0"), zfile{path: "demo_pkg/../../evil.py", data: "x"}), "escaping"},
		{"absolute path", withExtra(demoWheel("1.0"), zfile{path: "/tmp/evil.py", data: "x"}), "absolute path"},
		{"backslash", withExtra(demoWheel("1.0"), zfile{path: "..\\evil.py", data: "x"}), "backslash"},
		{"symlink", withSymlink(demoWheel("1.0"), "demo_pkg/passwd", "/etc/passwd"), "symbolic link"},
		{"symlink escaping", withSymlink(demoWheel("1.0"), "demo_pkg/up", "../../../../../.."), "symbolic link"},
		{"second dist-info", withExtra(demoWheel("1.0"), zfile{path: "other-1.0.dist-info/METADATA", data: "x"}), "2 .dist-info directories"},
		{"foreign data dir", withExtra(demoWheel("1.0"), zfile{path: "other-1.0.data/scripts/x", data: "x"}), "does not belong"},
		{"unknown scheme key", testWheel{name: "demo_pkg", version: "1.0", files: []zfile{{path: "demo_pkg-1.0.data/bogus/x", data: "x"}}}, "unknown scheme directory"},
		{"file directly in .data", testWheel{name: "demo_pkg", version: "1.0", files: []zfile{{path: "demo_pkg-1.0.data/x", data: "x"}}}, "directly in"},
		{"name mismatch", withFileName(demoWheel("1.0"), "other-1.0-py3-none-any.whl"), "does not match the file name"},
		{"entry point injection", testWheel{name: "demo_pkg", version: "1.0", entryPoints: "[console_scripts]\nx = os:system('touch /tmp/pwned')\n"}, "not MODULE:ATTR"},
		{"entry point path", testWheel{name: "demo_pkg", version: "1.0", entryPoints: "[console_scripts]\n../../evil = os:getcwd\n"}, "invalid script name"},
		{"into dist-info", testWheel{name: "demo_pkg", version: "1.0", files: []zfile{{path: "demo_pkg-1.0.data/purelib/demo_pkg-1.0.dist-info/METADATA", data: "x"}}}, "inside its own dist-info"},
		{"wheel version 2", testWheel{name: "demo_pkg", version: "1.0", wheelVersion: "2.0"}, "Wheel-Version 2.0"},
		{"duplicate member", withExtra(demoWheel("1.0"), zfile{path: "demo_pkg/cli.py", data: "import os\n"}), "appears twice"},
		{"non-UTF-8 name", withExtra(demoWheel("1.0"), zfile{path: "demo_pkg/\xff.py", data: "x"}), "not UTF-8"},
		{"file and directory", withExtra(demoWheel("1.0"), zfile{path: "demo_pkg/cli.py/x.py", data: "x"}), "needs it as a directory"},
		{"file and directory through .data", testWheel{name: "demo_pkg", version: "1.0", files: []zfile{{path: "demo_pkg/x", data: "x"}, {path: "demo_pkg-1.0.data/purelib/demo_pkg/x/y.py", data: "y"}}}, "as a directory, but the wheel installs a file there"},
		{"file under the venv's pyvenv.cfg", testWheel{name: "demo_pkg", version: "1.0", files: []zfile{{path: "demo_pkg-1.0.data/data/pyvenv.cfg/x", data: "x"}}}, "which is a file in the environment"},
		{"file in place of the scripts directory", testWheel{name: "demo_pkg", version: "1.0", files: []zfile{{path: "demo_pkg-1.0.data/data/bin", data: "x"}}}, "would replace the directory"},
		{"METADATA over the limit", withRecord(testWheel{name: "demo_pkg", version: "1.0", declared: map[string]uint64{"demo_pkg-1.0.dist-info/METADATA": MaxMetadataSize + 1}}, func(rows [][]string) [][]string {
			for _, r := range rows {
				if strings.HasSuffix(r[0], "/METADATA") {
					r[2] = ""
				}
			}
			return rows
		}), "more than the 16777216 bytes pyshim reads"},
		{"declared size disagrees with RECORD", testWheel{name: "demo_pkg", version: "1.0", files: []zfile{{path: "demo_pkg/a.py", data: "abc"}}, declared: map[string]uint64{"demo_pkg/a.py": 2}}, "declares 2 bytes, RECORD says 3"},
		{"member over the size limit", withRecord(testWheel{name: "demo_pkg", version: "1.0", files: []zfile{{path: "demo_pkg/a.bin", data: "abc"}}, declared: map[string]uint64{"demo_pkg/a.bin": MaxMemberSize + 1}}, noSize("demo_pkg/a.bin")), "zip bomb"},
		{"members over the total limit", withRecord(testWheel{name: "demo_pkg", version: "1.0", files: []zfile{{path: "demo_pkg/a.bin", data: "a"}, {path: "demo_pkg/b.bin", data: "b"}, {path: "demo_pkg/c.bin", data: "c"}, {path: "demo_pkg/d.bin", data: "d"}, {path: "demo_pkg/e.bin", data: "e"}},
			declared: map[string]uint64{"demo_pkg/a.bin": MaxMemberSize, "demo_pkg/b.bin": MaxMemberSize, "demo_pkg/c.bin": MaxMemberSize, "demo_pkg/d.bin": MaxMemberSize, "demo_pkg/e.bin": 1}}, noSize("")), "in all"},
		{"member inflating past its declared size", withRecord(testWheel{name: "demo_pkg", version: "1.0", files: []zfile{{path: "demo_pkg/a.bin", data: strings.Repeat("a", 1<<20)}}, declared: map[string]uint64{"demo_pkg/a.bin": 100}}, noSize("demo_pkg/a.bin")), "more than the 100 bytes its header declares"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(wheels, strings.ReplaceAll(tt.name, " ", "-"))
			os.Mkdir(dir, 0o755)
			whl := tt.w.build(t, dir)
			before := testenv.ContentSnapshot(t, v.dir, nil)
			_, err := Install(context.Background(), whl, v.scheme, v.options())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Install: err = %v, want one mentioning %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
			t.Log(err)
			if d := testenv.DiffSnapshots(before, testenv.ContentSnapshot(t, v.dir, nil)); len(d) > 0 {
				t.Errorf("refused install changed the venv:\n%s", strings.Join(d, "\n"))
			}
			// Unpack refuses the same wheels (except the install-time
			// checks) and leaves nothing either.
			cache := filepath.Join(tmp, "cache", filepath.Base(dir))
			uerr := Unpack(context.Background(), whl, cache)
			if uerr == nil {
				_, uerr = InstallUnpacked(context.Background(), cache, v.scheme, v.options())
				if d := testenv.DiffSnapshots(before, testenv.ContentSnapshot(t, v.dir, nil)); len(d) > 0 {
					t.Errorf("refused InstallUnpacked changed the venv:\n%s", strings.Join(d, "\n"))
				}
			} else if entries, _ := os.ReadDir(filepath.Dir(cache)); len(entries) > 0 {
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				t.Errorf("refused Unpack left %v", names)
			}
			if uerr == nil || !strings.Contains(uerr.Error(), tt.want) {
				t.Errorf("Unpack+InstallUnpacked: err = %v, want one mentioning %q", uerr, tt.want)
			}
			os.RemoveAll(filepath.Dir(cache))
		})
	}
}

func withRecord(w testWheel, f func([][]string) [][]string) testWheel { w.editRecord = f; return w }

// noSize drops the size column of path's RECORD row (of every row for "").
func noSize(path string) func([][]string) [][]string {
	return func(rows [][]string) [][]string {
		for _, r := range rows {
			if (path == "" || r[0] == path) && len(r) > 2 {
				r[2] = ""
			}
		}
		return rows
	}
}
func withExtra(w testWheel, z zfile) testWheel     { w.extra = append(w.extra, z); return w }
func withFileName(w testWheel, n string) testWheel { w.fileName = n; return w }
func withSymlink(w testWheel, p, target string) testWheel {
	w.symlinks = map[string]string{p: target}
	return w
}

// An unpacked directory that was altered after Unpack is refused before
// anything is written: a member swapped for a symlink, or resized.
func TestInstallUnpackedRefusesAlteredCache(t *testing.T) {
	tmp := t.TempDir()
	v := makeVenv(t, py311, filepath.Join(tmp, "venv"))
	ctx := context.Background()
	whl := demoWheel("1.0").build(t, tmp)
	for _, tc := range []struct {
		name  string
		alter func(dir string)
		want  string
	}{
		{"symlink", func(dir string) {
			p := MemberPath(dir, "demo_pkg/cli.py")
			os.Remove(p)
			os.Symlink("/etc/passwd", p)
		}, "not a regular file"},
		{"resized", func(dir string) {
			os.WriteFile(MemberPath(dir, "demo_pkg/cli.py"), []byte("x"), 0o644)
		}, "RECORD says"},
		{"record path escaping", func(dir string) {
			p := MemberPath(dir, "demo_pkg-1.0.dist-info/RECORD")
			data, _ := os.ReadFile(p)
			os.WriteFile(p, append(data, "../../evil,sha256=x,1\n"...), 0o644)
		}, "escaping"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cache := filepath.Join(tmp, "cache", tc.name)
			if err := Unpack(ctx, whl, cache); err != nil {
				t.Fatal(err)
			}
			tc.alter(cache)
			before := testenv.ContentSnapshot(t, v.dir, nil)
			_, err := InstallUnpacked(ctx, cache, v.scheme, Options{Python: v.python, Link: Hardlink})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if d := testenv.DiffSnapshots(before, testenv.ContentSnapshot(t, v.dir, nil)); len(d) > 0 {
				t.Errorf("changed the venv:\n%s", strings.Join(d, "\n"))
			}
		})
	}
	// Same size, other content: a copy notices while hashing.
	cache := filepath.Join(tmp, "cache", "same-size")
	if err := Unpack(ctx, whl, cache); err != nil {
		t.Fatal(err)
	}
	p := MemberPath(cache, "demo_pkg/cli.py")
	data, _ := os.ReadFile(p)
	os.WriteFile(p, bytes.ToUpper(data), 0o644)
	if _, err := InstallUnpacked(ctx, cache, v.scheme, Options{Python: v.python, Link: Copy}); err == nil || !strings.Contains(err.Error(), "hash does not match") {
		t.Errorf("copy of an altered file: %v", err)
	}
}

// stopAfter is a context that reports cancellation from its n-th Err
// call on: an install interrupted part-way, at a chosen point.
type stopAfter struct {
	context.Context
	n int
}

func (c *stopAfter) Err() error {
	if c.n--; c.n < 0 {
		return context.Canceled
	}
	return nil
}

// An install stopped at any point never looks installed: no dist-info,
// no temporary names; running it again gives the full install.
func TestInterruptedInstallNeverLooksInstalled(t *testing.T) {
	tmp := t.TempDir()
	v := makeVenv(t, py311, filepath.Join(tmp, "venv"))
	whl := demoWheel("1.0").build(t, tmp)
	ctx := context.Background()
	for n := 0; ; n++ {
		_, err := Install(&stopAfter{ctx, n}, whl, v.scheme, v.options())
		if err == nil {
			break
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("stop after %d: %v", n, err)
		}
		if dis, _ := filepath.Glob(filepath.Join(v.scheme.Purelib, "*.dist-info")); len(dis) > 0 {
			t.Fatalf("stopped after %d checks, yet %v exists", n, dis)
		}
		noTemps(t, v.dir)
		if n > 100 {
			t.Fatal("never completed")
		}
	}
	if got := run(t, v.python, "-c", "import importlib.metadata as m; print(m.version('demo-pkg'))"); got != "1.0\n" {
		t.Errorf("after completing: %q", got)
	}
	if got := run(t, filepath.Join(v.scheme.Scripts, "demo")); got != "demo main 1.0 demo []\n" {
		t.Errorf("bin/demo: %q", got)
	}
}
