package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/pyshim/pyshim/internal/testenv"
	"github.com/pyshim/pyshim/plugins/sdk"
	"github.com/pyshim/pyshim/plugins/sdk/interp"
	"github.com/pyshim/pyshim/shim"
)

// The shim's fault tests of issue 11: many concurrent cold calls, a cache
// directory that cannot be written, damaged entries, a target deleted
// after caching, and plugins that hang, crash, print garbage or die
// mid-answer.

// printVersion works on Python 2 and 3 alike.
const printVersion = "import sys; sys.stdout.write(sys.executable + ' ' + sys.version.split()[0] + '\\n')"

// diesPluginName is the name the test binary runs as to be a third-party
// plugin that completes the handshake and is killed while answering.
const diesPluginName = "pyshim-plugin-dies"

// testPlugin runs the test binary as a plugin when it was started under a
// plugin's name; it reports whether it did.
func testPlugin() bool {
	if filepath.Base(os.Args[0]) != diesPluginName {
		return false
	}
	sdk.Serve(diesPlugin{})
	return true
}

// diesPlugin describes itself, then is killed (SIGKILL) in the middle of
// its Discover answer.
type diesPlugin struct{}

func (diesPlugin) Describe(context.Context) (sdk.Description, error) {
	return sdk.Description{Name: "dies"}, nil
}

func (diesPlugin) Discover(context.Context, sdk.DiscoverRequest) (sdk.DiscoverResult, error) {
	_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {}
}

func (diesPlugin) Unwrap(context.Context, string, map[string]string) (interp.Interpreter, bool, error) {
	return interp.Interpreter{}, false, nil
}

// 200 shims started together across 10 projects, each pinning another
// pyenv version, on a cold cache: every call runs its project's
// interpreter, and each project gets one valid entry.
func TestShimConcurrentProjects(t *testing.T) {
	s := newSandbox(t)
	projects := []struct{ pin, version string }{
		{"2.7.18", "2.7.18"}, {"3.6", "3.6.15"}, {"3.7", "3.7.16"}, {"3.8", "3.8.18"}, {"3.9", "3.9.18"},
		{"3.10", "3.10.13"}, {"3.11", "3.11.7"}, {"3.11.7", "3.11.7"}, {"3.12", "3.12.1"}, {"3.13", "3.13.0"},
	}
	for i, p := range projects {
		testenv.PyenvPython(t, p.version)
		s.write(t, fmt.Sprintf("p%d/.python-version", i), p.pin+"\n", 0o644)
	}
	s.age(t)
	const calls = 200
	type result struct {
		proj        int
		out, stderr string
		code        int
	}
	results := make([]result, calls)
	var wg sync.WaitGroup
	for i := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := i % len(projects)
			out, stderr, code := s.run(t, filepath.Join(s.root, fmt.Sprintf("p%d", p)), "", "python", "-c", printVersion)
			results[i] = result{p, out, stderr, code}
		}()
	}
	wg.Wait()
	versions := filepath.Join(s.vars["PYENV_ROOT"], "versions")
	for i, r := range results {
		want := projects[r.proj].version
		exe, got, _ := strings.Cut(strings.TrimSpace(r.out), " ")
		if r.code != 0 || got != want || !strings.HasPrefix(exe, filepath.Join(versions, want)+"/") {
			t.Errorf("call %d in p%d (pin %s): exit %d, stdout %q, want %s from %s\n%s", i, r.proj, projects[r.proj].pin, r.code, r.out, want, versions, r.stderr)
		}
	}
	for i := range projects {
		if _, err := s.entry(filepath.Join(s.root, fmt.Sprintf("p%d", i)), "python"); err != nil {
			t.Errorf("p%d: no valid entry: %v", i, err)
		}
	}
}

// A cache directory that cannot be written (a read-only mount, or a file
// where the directory should be) costs the cache, not the run.
func TestShimCacheUnwritable(t *testing.T) {
	s := newSandbox(t)
	proj := filepath.Join(s.root, "proj")
	s.write(t, "proj/.python-version", "3.12\n", 0o644)
	s.age(t)
	want := " 3.12.1\n"
	dir := shim.CacheDir(shim.EnvGetter(s.env()))

	t.Run("read-only mount", func(t *testing.T) {
		if !testenv.InPrivateMountNamespace() {
			if os.Getenv("CI") == "true" {
				t.Fatal("no private mount namespace under CI")
			}
			t.Skip("needs a private mount namespace (root and unshare)")
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := syscall.Mount(dir, dir, "", syscall.MS_BIND, ""); err != nil {
			t.Fatal(err)
		}
		defer syscall.Unmount(dir, syscall.MNT_DETACH)
		if err := syscall.Mount("", dir, "", syscall.MS_REMOUNT|syscall.MS_BIND|syscall.MS_RDONLY, ""); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			out, stderr, code := s.run(t, proj, "", "python3", "-c", printVersion)
			if code != 0 || !strings.HasSuffix(out, want) {
				t.Fatalf("exit %d stdout %q stderr %q", code, out, stderr)
			}
		}
		if m, _ := filepath.Glob(filepath.Join(dir, "*")); len(m) != 0 {
			t.Errorf("written into the read-only cache: %v", m)
		}
	})
	t.Run("a file instead of the directory", func(t *testing.T) {
		parent := filepath.Dir(dir)
		if err := os.RemoveAll(parent); err != nil {
			t.Fatal(err)
		}
		testenv.WriteFile(t, parent, "not a directory\n", 0o644)
		for range 2 {
			out, stderr, code := s.run(t, proj, "", "python3", "-c", printVersion)
			if code != 0 || !strings.HasSuffix(out, want) {
				t.Fatalf("exit %d stdout %q stderr %q", code, out, stderr)
			}
		}
		if data, err := os.ReadFile(parent); err != nil || string(data) != "not a directory\n" {
			t.Errorf("the file in the cache's place changed: %q %v", data, err)
		}
		os.Remove(parent)
	})
}

// A garbage entry is a miss and is rewritten; so is one whose target was
// deleted after it was cached: the shim resolves again (here to Debian's
// 3.11) instead of failing or running what is gone.
func TestShimDamagedEntryAndDeletedTarget(t *testing.T) {
	s := newSandbox(t)
	sys311 := testenv.Require(t, "/usr/bin/python3.11")
	proj := filepath.Join(s.root, "proj")
	s.write(t, "proj/.python-version", "3.11\n", 0o644)
	// The sandbox's 3.11.7 gets a copy of its binary, a target of its own
	// that the test can delete.
	mine := filepath.Join(s.vars["PYENV_ROOT"], "versions", "3.11.7", "bin", "python3.11")
	data, err := os.ReadFile(testenv.PyenvPython(t, "3.11.7"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(mine); err != nil {
		t.Fatal(err)
	}
	testenv.WriteFile(t, mine, string(data), 0o755)
	s.age(t)
	out, stderr, code := s.run(t, proj, "", "python3", "-c", printVersion)
	if code != 0 || out != mine+" 3.11.7\n" {
		t.Fatalf("exit %d stdout %q stderr %q", code, out, stderr)
	}
	getenv := shim.EnvGetter(s.env())
	key, _ := shim.Key(shim.KeyInputs{Name: "python3", Cwd: proj, Getenv: getenv})
	path := shim.EntryPath(shim.CacheDir(getenv), key)

	for _, garbage := range []string{"", "\x00\x01\x02 not an entry", "{\"format\":\"1\",\"key\":", strings.Repeat("[", 100000)} {
		testenv.WriteFile(t, path, garbage, 0o644)
		out, stderr, code := s.runEnv(t, s.env(shim.DebugEnv+"=1"), proj, "", "python3", "-c", printVersion)
		if code != 0 || out != mine+" 3.11.7\n" || !strings.Contains(stderr, "pyshim-exec: miss") {
			t.Errorf("garbage entry %.20q: exit %d stdout %q stderr %q", garbage, code, out, stderr)
		}
		if e, err := s.entry(proj, "python3"); err != nil || e.Target.File != mine {
			t.Errorf("garbage entry %.20q was not rewritten: %+v %v", garbage, e, err)
		}
	}

	// Delete the cached target (the sandbox's 3.11.7 bin holds links).
	for _, n := range []string{"python3.11", "python3", "python"} {
		if err := os.Remove(filepath.Join(filepath.Dir(mine), n)); err != nil {
			t.Fatal(err)
		}
	}
	s.age(t)
	out, stderr, code = s.runEnv(t, s.env(shim.DebugEnv+"=1"), proj, "", "python3", "-c", printVersion)
	if code != 0 || !strings.HasPrefix(out, "/usr/bin/python3") || !strings.Contains(stderr, "pyshim-exec: miss") {
		t.Fatalf("after deleting the target: exit %d stdout %q stderr %q; want %s, resolved afresh", code, out, stderr, sys311)
	}
	if e, err := s.entry(proj, "python3"); err != nil || !strings.HasPrefix(e.Target.File, "/usr/bin/python3") {
		t.Errorf("entry after the re-resolution: %+v %v", e, err)
	}
}

// Plugins that hang, crash, print garbage or are killed mid-answer: the
// shim runs the interpreter the built-in plugins find, and caches nothing
// from such a round; once the bad plugins are gone the answer is cached.
func TestShimFaultyPlugins(t *testing.T) {
	s := newSandbox(t)
	proj := filepath.Join(s.root, "proj")
	s.write(t, "proj/.python-version", "3.12\n", 0o644)
	cfg := filepath.Join(s.vars["XDG_CONFIG_HOME"], "pyshim", "config.toml")
	testenv.WriteFile(t, cfg, "[plugins]\ntimeout = \"5s\"\n", 0o644)
	plugins := filepath.Join(s.vars["XDG_DATA_HOME"], "pyshim", "plugins")
	bad := map[string]string{
		"pyshim-plugin-hang":    "#!/bin/sh\nexec sleep 600\n",
		"pyshim-plugin-crash":   "#!/bin/sh\necho 'fatal: out of cheese' >&2\nexit 3\n",
		"pyshim-plugin-garbage": "#!/bin/sh\necho 'this is not a handshake'\nexec sleep 600\n",
	}
	for name, script := range bad {
		testenv.WriteFile(t, filepath.Join(plugins, name), script, 0o755)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(self, filepath.Join(plugins, diesPluginName)); err != nil {
		t.Fatal(err)
	}
	s.age(t)
	out, stderr, code := s.run(t, s.root, "", "pyshim", "plugins")
	for _, name := range []string{"hang", "crash", "garbage", "dies"} {
		if !strings.Contains(out, name+" ") || !regexpLine(out, name, "error") {
			t.Errorf("pyshim plugins does not report %s as failed (exit %d):\n%s%s", name, code, out, stderr)
		}
	}

	want := " 3.12.1\n"
	for i := range 2 {
		out, stderr, code := s.runEnv(t, s.env(shim.DebugEnv+"=1"), proj, "", "python3", "-c", printVersion)
		if code != 0 || !strings.HasSuffix(out, want) {
			t.Fatalf("call %d with faulty plugins: exit %d stdout %q stderr %q", i, code, out, stderr)
		}
		if !strings.Contains(stderr, "not cached: plugin") {
			t.Errorf("call %d: stderr does not say why nothing was cached:\n%s", i, stderr)
		}
		if _, err := s.entry(proj, "python3"); err == nil {
			t.Fatalf("call %d: an entry was cached from a round with failed plugins", i)
		}
		if m, _ := filepath.Glob(filepath.Join(shim.CacheDir(shim.EnvGetter(s.env())), "*.json")); len(m) != 0 {
			t.Fatalf("call %d: entries in the cache: %v", i, m)
		}
	}

	// Without them the same call is cached: the check above could fail.
	if err := os.RemoveAll(plugins); err != nil {
		t.Fatal(err)
	}
	if out, stderr, code := s.run(t, proj, "", "python3", "-c", printVersion); code != 0 || !strings.HasSuffix(out, want) {
		t.Fatalf("without the faulty plugins: exit %d stdout %q stderr %q", code, out, stderr)
	}
	if _, err := s.entry(proj, "python3"); err != nil {
		t.Errorf("no entry once every plugin answers: %v", err)
	}
}

// regexpLine reports whether out has a line starting with name and
// holding word.
func regexpLine(out, name, word string) bool {
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) > 1 && f[0] == name && strings.Contains(l, word) {
			return true
		}
	}
	return false
}
