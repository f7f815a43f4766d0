package installer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pyshim/pyshim/install/pep508"
	"github.com/pyshim/pyshim/install/wheel"
	"github.com/pyshim/pyshim/internal/testenv"
	"github.com/pyshim/pyshim/internal/writable"
	"github.com/pyshim/pyshim/plugins/sdk/interp"
	"github.com/pyshim/pyshim/resolver"
)

func TestInStore(t *testing.T) {
	root := t.TempDir()
	store := filepath.Join(root, "nix", "store")
	os.MkdirAll(filepath.Join(store, "abc-python3-env", "bin"), 0o755)
	os.Symlink(filepath.Join(store, "abc-python3-env"), filepath.Join(root, "profile"))
	os.Symlink(store, filepath.Join(root, "storelink"))
	cases := []struct {
		p, storeDir string
		want        bool
	}{
		{filepath.Join(store, "abc-python3-env", "lib"), store, true},
		{filepath.Join(root, "profile", "lib", "site-packages"), store, true}, // through a symlink, not yet existing below
		{filepath.Join(root, "nix", "storex"), store, false},
		{filepath.Join(root, "other"), store, false},
		{filepath.Join(store, "x"), filepath.Join(root, "storelink"), true}, // the store dir itself a link
		{"/nix/store/abc-env/bin/python3", "", true},                        // the default store
	}
	for _, c := range cases {
		if _, got := writable.InStore(c.p, c.storeDir); got != c.want {
			t.Errorf("InStore(%s, %s) = %v", c.p, c.storeDir, got)
		}
	}
}

func TestPinned(t *testing.T) {
	for _, c := range []struct {
		req  string
		want bool
	}{
		{"a==1.0", true}, {"a===1.0", true}, {"a==1.*", false}, {"a>=1", false}, {"a", false},
		{"a==1.0,!=1.1", false}, {"a @ https://x/a.whl", false}, {"a[x]==2; python_version > '3'", true},
	} {
		if got := pinned(pep508.MustParseRequirement(c.req)); got != c.want {
			t.Errorf("pinned(%s) = %v", c.req, got)
		}
	}
}

// fakeVenv makes a directory that looks like a venv (pyvenv.cfg) whose
// bin/python, if run, records that it ran.
func fakeVenv(t *testing.T, dir string) (marker string) {
	t.Helper()
	testenv.WriteFile(t, filepath.Join(dir, "pyvenv.cfg"), "home = /usr/bin\n", 0o644)
	marker = filepath.Join(t.TempDir(), "ran")
	testenv.MarkerPython(t, filepath.Join(dir, "bin", "python"), marker)
	return marker
}

// TestFindTargetRefusesWithoutRunning checks the choices FindTarget makes
// before any python runs, and their messages.
func TestFindTargetRefusesWithoutRunning(t *testing.T) {
	root := t.TempDir()
	proj := filepath.Join(root, "proj")
	sub := filepath.Join(proj, "a", "b")
	os.MkdirAll(sub, 0o755)
	marker := fakeVenv(t, filepath.Join(proj, ".venv"))
	store := filepath.Join(root, "store")
	storeVenv := filepath.Join(store, "h-venv")
	storeMarker := fakeVenv(t, storeVenv)
	notVenv := filepath.Join(root, "plain")
	os.MkdirAll(notVenv, 0o755)
	resolveErr := errors.New("resolver was asked")
	cases := []struct {
		name string
		s    Selection
		want string
	}{
		{"untrusted project venv", Selection{Cwd: sub}, "pyshim trust " + proj},
		{"untrusted names --venv", Selection{Cwd: sub}, "--venv " + filepath.Join(proj, ".venv")},
		{"no venv at all", Selection{Cwd: root}, "`pyshim venv " + filepath.Join(root, ".venv") + "`"},
		{"--venv missing", Selection{Cwd: root, Venv: "nope"}, "does not exist; create it with `pyshim venv " + filepath.Join(root, "nope") + "`"},
		{"--venv not a venv", Selection{Cwd: root, Venv: notVenv}, "is not a virtual environment (no pyvenv.cfg)"},
		{"VIRTUAL_ENV missing", Selection{Cwd: root, Getenv: func(k string) string {
			if k == "VIRTUAL_ENV" {
				return filepath.Join(root, "gone")
			}
			return ""
		}}, "VIRTUAL_ENV"},
		{"venv in the store", Selection{Cwd: root, Venv: storeVenv, StoreDir: store, Write: true}, "in the Nix store " + store},
		{"-p asks the resolver", Selection{Cwd: root, Python: "3.12", Resolve: func(context.Context, string) (*interp.Interpreter, error) { return nil, resolveErr }}, "resolver was asked"},
		{"a store python is refused before it runs", Selection{Cwd: root, Python: "x", StoreDir: store, Write: true, Resolve: func(context.Context, string) (*interp.Interpreter, error) {
			p := filepath.Join(storeVenv, "bin", "python")
			return &interp.Interpreter{Path: p, Exe: p}, nil
		}}, "`pyshim venv -p x .venv`"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.s.Info = &resolver.InfoCache{}
			_, err := FindTarget(context.Background(), c.s)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("FindTarget: %v; want %q", err, c.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("not one line: %q", err)
			}
		})
	}
	for _, m := range []string{marker, storeMarker} {
		if _, err := os.Stat(m); err == nil {
			t.Errorf("a python that must not run ran (%s)", m)
		}
	}
}

// TestFindTargetVenvAndSystem uses real interpreters.
func TestFindTargetVenvAndSystem(t *testing.T) {
	py := testenv.PyenvPython(t, "3.11.7")
	info := &resolver.InfoCache{}
	resolve := func(context.Context, string) (*interp.Interpreter, error) {
		return &interp.Interpreter{Path: py, Exe: py, Argv0: py}, nil
	}
	// -p of a base python: refused without --system, allowed with it
	// (pyenv's python is writable and not externally managed).
	_, err := FindTarget(context.Background(), Selection{Python: "3.11", Resolve: resolve, Info: info, Write: true, Cwd: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "pass --system") {
		t.Fatalf("base without --system: %v", err)
	}
	tg, err := FindTarget(context.Background(), Selection{Python: "3.11", System: true, Resolve: resolve, Info: info, Write: true, Cwd: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	prefix := filepath.Dir(filepath.Dir(py))
	if tg.Venv || tg.Dir != prefix || tg.Scheme.Purelib != filepath.Join(prefix, "lib", "python3.11", "site-packages") || lockPath(tg) != filepath.Join(tg.Scheme.Purelib, LockFile) {
		t.Errorf("system target %+v", tg)
	}
}

func TestSystemSchemeDebian(t *testing.T) {
	info := &resolver.Info{
		VersionInfo: []any{3.0, 11.0}, Prefix: "/usr", BasePrefix: "/usr",
		VenvPaths:    map[string]string{"purelib": "lib/python3.11/site-packages", "platlib": "lib/python3.11/site-packages", "scripts": "bin", "data": ""},
		SitePackages: []string{"/usr/local/lib/python3.11/dist-packages", "/usr/lib/python3/dist-packages"},
	}
	s, err := systemScheme(info, "3.11")
	if err != nil {
		t.Fatal(err)
	}
	want := wheel.Scheme{Purelib: "/usr/local/lib/python3.11/dist-packages", Platlib: "/usr/local/lib/python3.11/dist-packages",
		Headers: "/usr/local/include/python3.11", Scripts: "/usr/local/bin", Data: "/usr/local"}
	if s != want {
		t.Errorf("scheme %+v\nwant %+v", s, want)
	}
}

func TestExternallyManaged(t *testing.T) {
	base := t.TempDir()
	info := &resolver.Info{VersionInfo: []any{3.0, 11.0}, Prefix: base, BasePrefix: base, VenvPaths: map[string]string{"stdlib": "lib/python3.11"}}
	if got := externallyManaged(info); got != "" {
		t.Errorf("no marker: %q", got)
	}
	testenv.WriteFile(t, filepath.Join(base, "lib", "python3.11", "EXTERNALLY-MANAGED"), "[externally-managed]\n", 0o644)
	if got := externallyManaged(info); got != filepath.Join(base, "lib", "python3.11", "EXTERNALLY-MANAGED") {
		t.Errorf("marker: %q", got)
	}
}

// TestLockSerializes takes the lock from many goroutines (each its own
// flock, as separate processes would): never two holders at once.
func TestLockSerializes(t *testing.T) {
	tg := &Target{Dir: t.TempDir(), Venv: true}
	var mu sync.Mutex
	holders, maxHolders, waited := 0, 0, 0
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			unlock, err := lock(context.Background(), tg, func(string) {
				mu.Lock()
				waited++
				mu.Unlock()
			})
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			holders++
			maxHolders = max(maxHolders, holders)
			mu.Unlock()
			for range 1000 {
				_, _ = os.Stat(tg.Dir)
			}
			mu.Lock()
			holders--
			mu.Unlock()
			unlock()
		}()
	}
	wg.Wait()
	if maxHolders != 1 {
		t.Errorf("%d holders at once", maxHolders)
	}
	if _, err := os.Stat(filepath.Join(tg.Dir, LockFile)); err != nil {
		t.Errorf("the lock is not inside the venv: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	unlock, _ := lock(context.Background(), tg, nil)
	cancel()
	if _, err := lock(ctx, tg, nil); err == nil {
		t.Error("a cancelled wait took the lock")
	}
	unlock()
}

func TestListSkipsBroken(t *testing.T) {
	site := t.TempDir()
	testenv.WriteFile(t, filepath.Join(site, "Good_Pkg-1.0.dist-info", "METADATA"), "Metadata-Version: 2.1\nName: Good_Pkg\nVersion: 1.0\nRequires-Dist: dep>=1\n\n", 0o644)
	testenv.WriteFile(t, filepath.Join(site, "Good_Pkg-1.0.dist-info", "INSTALLER"), "pip\n", 0o644)
	os.MkdirAll(filepath.Join(site, "broken-1.0.dist-info"), 0o755)
	os.MkdirAll(filepath.Join(site, ".staged-1.0.dist-info.pyshim-x"), 0o755)
	testenv.WriteFile(t, filepath.Join(site, "a-2.0.dist-info", "METADATA"), "Name: a\nVersion: 2.0\n\n", 0o644)
	ds, err := listDists([]string{site, site})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 2 || ds[0].Name != "a" || ds[1].Normalized() != "good-pkg" || ds[1].Installer != "pip" || len(ds[1].Metadata.RequiresDist) != 1 {
		t.Errorf("%+v", ds)
	}
}

// TestCleanStaging checks what an install removes of a killed one's
// leftovers (it runs under the venv's lock) and what it leaves alone.
func TestCleanStaging(t *testing.T) {
	root := t.TempDir()
	s := wheel.Scheme{Purelib: filepath.Join(root, "site"), Platlib: filepath.Join(root, "site"), Scripts: filepath.Join(root, "bin"), Data: root}
	gone := []string{
		"site/.demo-1.0.dist-info.pyshim-123/RECORD",
		"site/.pyshim-unpack-9/x.py",
		"site/" + wheel.LinkProbePrefix + "2eb148729c986026",
		"bin/.demo.pyshim-abc",
		"bin/.demo.tmp-1",
	}
	kept := []string{
		"site/demo-1.0.dist-info/RECORD",
		"site/demo/__init__.py",
		"site/.hidden",
		"site/.link-probe-of-someone-else",
		"bin/demo",
		"bin/.keep",
	}
	for _, f := range append(append([]string{}, gone...), kept...) {
		testenv.WriteFile(t, filepath.Join(root, f), "x", 0o644)
	}
	cleanStaging(&Target{Scheme: s})
	for _, f := range gone {
		if _, err := os.Lstat(filepath.Join(root, f)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s is still there (%v)", f, err)
		}
	}
	for _, f := range kept {
		if _, err := os.Lstat(filepath.Join(root, f)); err != nil {
			t.Errorf("%s was removed: %v", f, err)
		}
	}
}
