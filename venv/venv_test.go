package venv

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/pyshim/pyshim/plugins/sdk/interp"
	"github.com/pyshim/pyshim/resolver"
)

// fakeBase describes an interpreter without running one.
type fakeBase struct {
	version        []any
	impl           string
	exe            string // sys.executable and sys._base_executable
	scheme         string
	paths          map[string]string
	platform       string
	prefix, bprefx string
	argv0          string
	env            []interp.EnvOp
}

func (f fakeBase) base() *Base {
	b := &Base{
		Interp: interp.Interpreter{Path: f.exe, Exe: f.exe, Argv0: f.argv0, Env: f.env},
		Info: resolver.Info{
			VersionInfo:    f.version,
			Implementation: f.impl,
			Executable:     f.exe,
			BaseExecutable: f.exe,
			VenvScheme:     f.scheme,
			VenvPaths:      f.paths,
			PointerBits:    64,
			Platform:       f.platform,
			Prefix:         f.prefix,
			BasePrefix:     f.bprefx,
		},
	}
	if b.Info.Implementation == "" {
		b.Info.Implementation = "cpython"
	}
	if b.Info.Platform == "" {
		b.Info.Platform = "linux-x86_64"
	}
	if b.Interp.Argv0 == "" {
		b.Interp.Argv0 = f.exe
	}
	return b
}

func ver(major, minor, micro float64) []any { return []any{major, minor, micro, "final", 0.0} }

func posixPaths(lib string) map[string]string {
	return map[string]string{"purelib": "lib/" + lib + "/site-packages", "platlib": "lib/" + lib + "/site-packages", "include": "include/" + lib, "scripts": "bin"}
}

func TestPlan(t *testing.T) {
	const dir = "/work/proj/.venv"
	eraAEnv := "/nix/store/hhhh-python3-3.11.7-env"
	eraABase := "/nix/store/bbbb-python3-3.11.7/bin/python3.11"
	cases := []struct {
		name string
		base fakeBase
		opts Options
		// want: home, python link target, the bin names, purelib,
		// include, lib64, and pyvenv.cfg.
		home, python string
		links        []string
		purelib      string
		include      string
		lib64        bool
		cfg          string
		files        []string // extra files beyond the always-written ones
		err          string
	}{
		{
			name: "cpython 3.6: python, python3 only; no prompt, executable or command keys",
			base: fakeBase{version: ver(3, 6, 15), exe: "/py/3.6/bin/python3.6", scheme: "posix_prefix", paths: posixPaths("python3.6")},
			opts: Options{Prompt: "p", PromptSet: true},
			home: "/py/3.6/bin", python: "/py/3.6/bin/python3.6",
			links:   []string{"bin/python3.6 -> /py/3.6/bin/python3.6", "bin/python -> python3.6", "bin/python3 -> python3.6"},
			purelib: "lib/python3.6/site-packages", include: "include", lib64: true,
			cfg: "home = /py/3.6/bin\ninclude-system-site-packages = false\nversion = 3.6.15\n",
		},
		{
			name: "cpython 3.8: the prompt key",
			base: fakeBase{version: ver(3, 8, 18), exe: "/py/3.8/bin/python3.8", scheme: "posix_prefix", paths: posixPaths("python3.8")},
			opts: Options{Prompt: "it's", PromptSet: true, SystemSitePackages: true},
			home: "/py/3.8/bin", python: "/py/3.8/bin/python3.8",
			links:   []string{"bin/python3.8 -> /py/3.8/bin/python3.8", "bin/python -> python3.8", "bin/python3 -> python3.8"},
			purelib: "lib/python3.8/site-packages", include: "include", lib64: true,
			cfg: "home = /py/3.8/bin\ninclude-system-site-packages = true\nversion = 3.8.18\nprompt = \"it's\"\n",
		},
		{
			name: "cpython 3.9 as python3: python3.9 links to it",
			base: fakeBase{version: ver(3, 9, 18), exe: "/usr/bin/python3", scheme: "posix_prefix", paths: posixPaths("python3.9")},
			opts: Options{PromptSet: true, Prompt: ".", Cwd: "/home/me/work"},
			home: "/usr/bin", python: "/usr/bin/python3",
			links:   []string{"bin/python3 -> /usr/bin/python3", "bin/python -> python3", "bin/python3.9 -> python3"},
			purelib: "lib/python3.9/site-packages", include: "include", lib64: true,
			cfg: "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.9.18\nprompt = 'work'\n",
		},
		{
			name: "cpython 3.13: venv scheme, executable and command",
			base: fakeBase{version: ver(3, 13, 0), exe: "/py/3.13/bin/python3.13", scheme: "venv", paths: posixPaths("python3.13")},
			opts: Options{Copies: true, WithoutSCMIgnoreFiles: true, Clear: true, PyshimVersion: "1.2.3"},
			home: "/py/3.13/bin", python: "/py/3.13/bin/python3.13",
			links:   []string{"bin/python3.13 -> /py/3.13/bin/python3.13", "bin/python -> python3.13", "bin/python3 -> python3.13"},
			purelib: "lib/python3.13/site-packages", include: "include/python3.13", lib64: true,
			cfg: "home = /py/3.13/bin\ninclude-system-site-packages = false\nversion = 3.13.0\n" +
				"executable = /py/3.13/bin/python3.13\ncommand = /py/3.13/bin/python3.13 -m venv --copies --without-pip --clear --without-scm-ignore-files /work/proj/.venv\npyshim = 1.2.3\n",
		},
		{
			name: "cpython 3.13t: the free-threaded name",
			base: fakeBase{version: ver(3, 13, 1), exe: "/py/3.13t/bin/python3.13t", scheme: "venv", paths: posixPaths("python3.13t")},
			home: "/py/3.13t/bin", python: "/py/3.13t/bin/python3.13t",
			links:   []string{"bin/python3.13t -> /py/3.13t/bin/python3.13t", "bin/python -> python3.13t", "bin/python3 -> python3.13t", "bin/python3.13 -> python3.13t"},
			purelib: "lib/python3.13t/site-packages", include: "include/python3.13t", lib64: true,
			cfg: "home = /py/3.13t/bin\ninclude-system-site-packages = false\nversion = 3.13.1\n" +
				"executable = /py/3.13t/bin/python3.13t\ncommand = /py/3.13t/bin/python3.13t -m venv --without-pip /work/proj/.venv\n",
			files: []string{".gitignore"},
		},
		{
			name: "cpython 3.15: no lib64",
			base: fakeBase{version: ver(3, 15, 0), exe: "/py/3.15/bin/python3.15", scheme: "venv", paths: posixPaths("python3.15")},
			home: "/py/3.15/bin", python: "/py/3.15/bin/python3.15",
			links:   []string{"bin/python3.15 -> /py/3.15/bin/python3.15", "bin/python -> python3.15", "bin/python3 -> python3.15"},
			purelib: "lib/python3.15/site-packages", include: "include/python3.15", lib64: false,
			cfg: "home = /py/3.15/bin\ninclude-system-site-packages = false\nversion = 3.15.0\n" +
				"executable = /py/3.15/bin/python3.15\ncommand = /py/3.15/bin/python3.15 -m venv --without-pip /work/proj/.venv\n",
			files: []string{".gitignore"},
		},
		{
			name: "macOS: no lib64",
			base: fakeBase{version: ver(3, 12, 1), exe: "/py/3.12/bin/python3.12", scheme: "venv", paths: posixPaths("python3.12"), platform: "macosx-14.0-arm64"},
			home: "/py/3.12/bin", python: "/py/3.12/bin/python3.12",
			links:   []string{"bin/python3.12 -> /py/3.12/bin/python3.12", "bin/python -> python3.12", "bin/python3 -> python3.12"},
			purelib: "lib/python3.12/site-packages", include: "include/python3.12", lib64: false,
			cfg: "home = /py/3.12/bin\ninclude-system-site-packages = false\nversion = 3.12.1\n" +
				"executable = /py/3.12/bin/python3.12\ncommand = /py/3.12/bin/python3.12 -m venv --without-pip /work/proj/.venv\n",
		},
		{
			name: "pypy 3.9: its own names and lib/pypy3.9",
			base: fakeBase{version: ver(3, 9, 16), impl: "pypy", exe: "/usr/bin/pypy3", scheme: "posix_prefix", paths: posixPaths("pypy3.9")},
			opts: Options{Prompt: "pp", PromptSet: true},
			home: "/usr/bin", python: "/usr/bin/pypy3",
			links:   []string{"bin/pypy3 -> /usr/bin/pypy3", "bin/python -> pypy3", "bin/python3 -> pypy3", "bin/python3.9 -> pypy3", "bin/pypy -> pypy3"},
			purelib: "lib/pypy3.9/site-packages", include: "include", lib64: true,
			cfg: "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.9.16\nprompt = 'pp'\n",
		},
		{
			name: "nix era A: the base, never the env's wrapper, even when sys._base_executable names it",
			base: fakeBase{version: ver(3, 11, 7), exe: eraAEnv + "/bin/python3.11", argv0: eraABase, scheme: "venv", paths: posixPaths("python3.11"),
				prefix: eraAEnv, bprefx: "/nix/store/bbbb-python3-3.11.7",
				env: []interp.EnvOp{{Op: interp.EnvSet, Name: "NIX_PYTHONPATH", Value: eraAEnv + "/lib/python3.11/site-packages"}}},
			opts: Options{SystemSitePackages: true},
			home: "/nix/store/bbbb-python3-3.11.7/bin", python: eraABase,
			links:   []string{"bin/python3.11 -> " + eraABase, "bin/python -> python3.11", "bin/python3 -> python3.11"},
			purelib: "lib/python3.11/site-packages", include: "include/python3.11", lib64: true,
			cfg: "home = /nix/store/bbbb-python3-3.11.7/bin\ninclude-system-site-packages = true\nversion = 3.11.7\n" +
				"executable = " + eraAEnv + "/bin/python3.11\ncommand = " + eraAEnv + "/bin/python3.11 -m venv --without-pip --system-site-packages /work/proj/.venv\n",
			files: []string{"lib/python3.11/site-packages/_pyshim_nix_env.pth"},
		},
		{name: "python 2.7", base: fakeBase{version: ver(2, 7, 18), exe: "/py/2.7/bin/python2.7"}, err: "Python 2.7.18, which has no venv"},
		{name: "python 3.5", base: fakeBase{version: ver(3, 5, 10), exe: "/py/3.5/bin/python3.5"}, err: "needs Python 3.6 or newer"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, err := Plan(dir, c.base.base(), c.opts)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("Plan error %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if l.Home != c.home || l.Python != c.python {
				t.Errorf("home %s python %s, want %s %s", l.Home, l.Python, c.home, c.python)
			}
			var links []string
			for _, ln := range l.Links {
				links = append(links, ln.Path+" -> "+ln.Target)
			}
			if !reflect.DeepEqual(links, c.links) {
				t.Errorf("links %q, want %q", links, c.links)
			}
			if l.Purelib != c.purelib || l.Include != c.include || l.Lib64 != c.lib64 || l.Bin != "bin" {
				t.Errorf("bin %s purelib %s include %s lib64 %v, want bin %s %s %v", l.Bin, l.Purelib, l.Include, l.Lib64, c.purelib, c.include, c.lib64)
			}
			files := map[string]string{}
			for _, f := range l.Files {
				files[f.Path] = string(f.Data)
			}
			cfg := files["pyvenv.cfg"]
			if c.opts.PyshimVersion == "" && !strings.Contains(c.cfg, "pyshim =") {
				cfg = strings.TrimSuffix(cfg, "pyshim = \n")
			}
			if cfg != c.cfg {
				t.Errorf("pyvenv.cfg:\n%s\nwant\n%s", cfg, c.cfg)
			}
			for _, want := range append([]string{"CACHEDIR.TAG", "bin/activate", "bin/activate.fish", "bin/activate.csh", "bin/activate.nu", "bin/Activate.ps1", "bin/activate_this.py"}, c.files...) {
				if _, ok := files[want]; !ok {
					t.Errorf("no %s among %v", want, keys(files))
				}
			}
			if _, ok := files[".gitignore"]; ok == c.opts.WithoutSCMIgnoreFiles {
				t.Errorf(".gitignore written: %v, --without-scm-ignore-files: %v", ok, c.opts.WithoutSCMIgnoreFiles)
			}
			if pth, ok := files["lib/python3.11/site-packages/_pyshim_nix_env.pth"]; ok {
				want := "import site; site.addsitedir('" + eraAEnv + "/lib/python3.11/site-packages')\n"
				if pth != want {
					t.Errorf("nix env .pth %q, want %q", pth, want)
				}
			}
		})
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestPyRepr checks PyRepr against Python's own repr().
func TestPyRepr(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3 to compare with")
	}
	inputs := []string{"", "plain", "it's", `say "hi"`, `both ' and "`, `back\slash`, "tab\tnl\ncr\r", "\x01\x7f", "é ü ß", "日本", "nbsp\u00a0", "\u200b", "\U0001F600", "emoji 😀"}
	data, _ := json.Marshal(inputs)
	cmd := exec.Command(py, "-c", "import json, sys\nfor s in json.loads(sys.argv[1]): print(json.dumps(repr(s)))", string(data))
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	for i, s := range inputs {
		var want string
		if err := json.Unmarshal([]byte(lines[i]), &want); err != nil {
			t.Fatal(err)
		}
		if got := PyRepr(s); got != want {
			t.Errorf("PyRepr(%q) = %s, Python says %s", s, got, want)
		}
	}
}

func TestQuoting(t *testing.T) {
	cases := []struct {
		name  string
		quote func(string) string
		in    string
		want  string
	}{
		{"sh plain", shQuote, "/a b", `'/a b'`},
		{"sh quote", shQuote, "it's", `'it'\''s'`},
		{"fish", fishQuote, `it's \ok`, `'it\'s \\ok'`},
		{"csh", cshQuote, "it's !1", `'it'\''s \!1'`},
		{"nu", nuQuote, "a 'b'", `r#'a 'b''#`},
		{"nu hash", nuQuote, "a '# b", `r##'a '# b'##`},
		{"pwsh", psQuote, "it's ‘x’", `'it''s ‘‘x’’'`},
		{"python", PyRepr, "it's", `"it's"`},
	}
	for _, c := range cases {
		if got := c.quote(c.in); got != c.want {
			t.Errorf("%s: %q -> %s, want %s", c.name, c.in, got, c.want)
		}
	}
}

// TestCheck covers each refusal and what is allowed.
func TestCheck(t *testing.T) {
	root := t.TempDir()
	store := filepath.Join(root, "store")
	mk := func(p string) string {
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write := func(p string) string {
		mk(filepath.Dir(p))
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	mk(store)
	venvDir := filepath.Dir(write(filepath.Join(root, "venv", "pyvenv.cfg")))
	write(filepath.Join(venvDir, "lib", "x.py"))
	notVenv := filepath.Dir(write(filepath.Join(root, "project", "notes.txt")))
	if err := os.Symlink(notVenv, filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(store, filepath.Join(root, "storelink")); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		dir   string
		clear bool
		err   string
	}{
		{filepath.Join(root, "new"), false, ""},
		{filepath.Join(root, "a", "b", "new"), false, ""},
		{mk(filepath.Join(root, "empty")), false, ""},
		{venvDir, false, ""},
		{notVenv, true, ""},
		{notVenv, false, "holds files and is not a venv; pass --clear"},
		{filepath.Join(root, "a:b"), false, `contains ":", the PATH separator`},
		{filepath.Join(store, "x-venv"), false, "inside the Nix store"},
		{store, false, "inside the Nix store"},
		{filepath.Join(root, "storelink", "v"), false, "inside the Nix store"},
		{filepath.Join(root, "link"), true, "is a symlink to " + notVenv},
		{write(filepath.Join(root, "file")), true, "a file of that name exists"},
		{"relative/venv", false, "not absolute"},
	}
	for _, c := range cases {
		err := Check(c.dir, Options{Clear: c.clear, StoreDir: store})
		switch {
		case c.err == "" && err != nil:
			t.Errorf("Check(%s, clear=%v): %v", c.dir, c.clear, err)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("Check(%s, clear=%v) = %v, want %q", c.dir, c.clear, err, c.err)
		}
	}
}

// tree lists the paths under dir (links as "p -> target").
func tree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if fi.Mode()&os.ModeSymlink != 0 {
			target, _ := os.Readlink(p)
			rel += " -> " + target
		}
		out = append(out, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCreate(t *testing.T) {
	ctx := context.Background()
	b := fakeBase{version: ver(3, 12, 1), exe: "/py/3.12/bin/python3.12", scheme: "venv", paths: posixPaths("python3.12")}.base()
	root := t.TempDir()
	dir := filepath.Join(root, "deep", "er", ".venv")

	// A seeder that fails leaves nothing, not even the parents it needed.
	boom := errors.New("boom")
	_, err := Create(ctx, dir, b, Options{}, func(ctx context.Context, staging string, l *Layout) error { return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("Create with a failing seeder: %v", err)
	}
	if got := tree(t, root); !reflect.DeepEqual(got, []string{"."}) {
		t.Fatalf("a failed Create left %v", got)
	}

	// An empty directory is filled, not replaced (it may be a mount point
	// or a shell's working directory).
	empty := filepath.Join(root, "empty")
	if err := os.Mkdir(empty, 0o700); err != nil {
		t.Fatal(err)
	}
	before, _ := os.Stat(empty)
	if _, err := Create(ctx, empty, b, Options{}, nil); err != nil {
		t.Fatal(err)
	}
	after, err := os.Stat(empty)
	if err != nil || !os.SameFile(before, after) || !contains(tree(t, empty), "pyvenv.cfg") {
		t.Errorf("the empty directory was replaced or not filled: %v %v", err, tree(t, empty))
	}
	if entries, _ := os.ReadDir(root); len(entries) != 1 {
		t.Errorf("staging left next to the venv: %v", entries)
	}
	os.RemoveAll(empty)

	// A fresh venv; the seeder sees the staging tree and the final path.
	var seen string
	l, err := Create(ctx, dir, b, Options{}, func(ctx context.Context, staging string, l *Layout) error {
		seen = l.Dir
		return os.WriteFile(filepath.Join(staging, l.Purelib, "seeded.py"), nil, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen != dir || l.Dir != dir {
		t.Errorf("seeder saw %s, layout %s, want %s", seen, l.Dir, dir)
	}
	got := tree(t, dir)
	for _, want := range []string{"bin/python3.12 -> /py/3.12/bin/python3.12", "bin/python -> python3.12", "lib64 -> lib", "include/python3.12", "lib/python3.12/site-packages/seeded.py", "pyvenv.cfg", ".gitignore", "bin/activate"} {
		if !contains(got, want) {
			t.Errorf("venv lacks %s: %v", want, got)
		}
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("venv dir mode: %v %v", fi.Mode(), err)
	}

	// Again: rebuilt, installed files kept.
	if err := os.WriteFile(filepath.Join(dir, "bin", "tool"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Create(ctx, dir, b, Options{Prompt: "new", PromptSet: true}, nil); err != nil {
		t.Fatal(err)
	}
	got = tree(t, dir)
	for _, want := range []string{"lib/python3.12/site-packages/seeded.py", "bin/tool", "bin/python3.12 -> /py/3.12/bin/python3.12"} {
		if !contains(got, want) {
			t.Errorf("rebuilt venv lacks %s: %v", want, got)
		}
	}
	if cfg, _ := os.ReadFile(filepath.Join(dir, "pyvenv.cfg")); !strings.Contains(string(cfg), "prompt = 'new'") {
		t.Errorf("pyvenv.cfg not rewritten: %s", cfg)
	}

	// Another minor version needs Clear, which drops everything.
	b311 := fakeBase{version: ver(3, 11, 7), exe: "/py/3.11/bin/python3.11", scheme: "venv", paths: posixPaths("python3.11")}.base()
	if _, err := Create(ctx, dir, b311, Options{}, nil); err == nil || !strings.Contains(err.Error(), "pass --clear") {
		t.Fatalf("Create over a 3.12 venv with 3.11: %v", err)
	}
	if _, err := Create(ctx, dir, b311, Options{Clear: true}, nil); err != nil {
		t.Fatal(err)
	}
	got = tree(t, dir)
	if contains(got, "bin/tool") || contains(got, "lib/python3.12") || !contains(got, "lib/python3.11/site-packages") {
		t.Errorf("--clear kept the old venv's files: %v", got)
	}
	if entries, _ := os.ReadDir(filepath.Dir(dir)); len(entries) != 1 {
		t.Errorf("staging or old directories left next to the venv: %v", entries)
	}

	// A venv cannot be based on an interpreter that lives inside it.
	inside := fakeBase{version: ver(3, 12, 1), exe: filepath.Join(dir, "bin", "python3.12"), scheme: "venv", paths: posixPaths("python3.12")}.base()
	if _, err := Create(ctx, dir, inside, Options{Clear: true}, nil); err == nil || !strings.Contains(err.Error(), "lives there") {
		t.Errorf("Create from an interpreter inside the venv: %v", err)
	}
}

// BenchmarkCreate measures writing one venv (no python runs).
func BenchmarkCreate(b *testing.B) {
	base := fakeBase{version: ver(3, 12, 1), exe: "/py/3.12/bin/python3.12", scheme: "venv", paths: posixPaths("python3.12")}.base()
	root := b.TempDir()
	for i := 0; b.Loop(); i++ {
		dir := filepath.Join(root, "v"+strconv.Itoa(i))
		if _, err := Create(context.Background(), dir, base, Options{}, nil); err != nil {
			b.Fatal(err)
		}
	}
}
