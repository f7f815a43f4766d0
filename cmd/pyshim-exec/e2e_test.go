package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pyshim/pyshim/internal/testenv"
	"github.com/pyshim/pyshim/shim"
)

const printExe = "import sys; print(sys.executable, sys.version.split()[0])"

// 32 shims started together on a cold cache all run the same interpreter,
// and leave one valid entry behind; a truncated entry is survived.
func TestConcurrentColdCacheAndCorruption(t *testing.T) {
	s := newSandbox(t)
	proj := filepath.Join(s.root, "proj")
	s.write(t, "proj/.python-version", "3.11\n", 0o644)
	s.age(t)

	const n = 32
	type result struct {
		out, stderr string
		code        int
	}
	results := make([]result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, stderr, code := s.run(t, proj, "", "python3", "-c", printExe)
			results[i] = result{out, stderr, code}
		}()
	}
	wg.Wait()
	want := filepath.Join(s.vars["PYENV_ROOT"], "versions", "3.11.7", "bin", "python3.11") + " 3.11.7\n"
	for i, r := range results {
		if r.code != 0 || r.out != want {
			t.Errorf("call %d: exit %d, stdout %q, want %q\n%s", i, r.code, r.out, want, r.stderr)
		}
	}
	e, err := s.entry(proj, "python3")
	if err != nil {
		t.Fatalf("no valid cache entry after the concurrent calls: %v", err)
	}
	if !strings.HasSuffix(e.Target.File, "/3.11.7/bin/python3.11") || !e.Final {
		t.Errorf("entry target %+v final %v", e.Target, e.Final)
	}
	entries, _ := filepath.Glob(filepath.Join(shim.CacheDir(shim.EnvGetter(s.env())), "*.json"))
	if len(entries) != 1 {
		t.Errorf("cache holds %d entries, want 1: %v", len(entries), entries)
	}

	// Truncate the entry: the next call resolves again and rewrites it.
	data, err := os.ReadFile(entries[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(entries[0], data[:len(data)/3], 0o644); err != nil {
		t.Fatal(err)
	}
	s.age(t)
	out, stderr, code := s.runEnv(t, s.env(shim.DebugEnv+"=1"), proj, "", "python3", "-c", printExe)
	if code != 0 || out != want || !strings.Contains(stderr, "corrupt entry") {
		t.Errorf("after truncating the entry: exit %d, stdout %q, stderr %q; want %q and a miss for the corrupt entry", code, out, stderr, want)
	}
	if _, err := s.entry(proj, "python3"); err != nil {
		t.Errorf("the truncated entry was not rewritten: %v", err)
	}
}

// The shim execs: same process, exit status, signals, stdin and stdout
// pass through, on a cold miss and on a cache hit alike.
func TestExecSemantics(t *testing.T) {
	s := newSandbox(t)
	proj := filepath.Join(s.root, "proj")
	s.write(t, "proj/.python-version", "3.12\n", 0o644)
	s.age(t)
	for _, pass := range []string{"miss", "hit"} {
		t.Run(pass, func(t *testing.T) {
			env := s.env(shim.DebugEnv + "=1")
			out, stderr, code := s.runEnv(t, env, proj, "hello\nworld\n", "python3", "-c",
				"import sys; sys.stdout.write(sys.stdin.read().upper()); sys.stderr.write('to stderr\\n'); sys.exit(3)")
			if code != 3 || out != "HELLO\nWORLD\n" || !strings.Contains(stderr, "to stderr") {
				t.Errorf("exit %d stdout %q stderr %q; want 3, the upper-cased stdin, and stderr passed through", code, out, stderr)
			}
			if !strings.Contains(stderr, "pyshim-exec: "+pass) {
				t.Errorf("expected a cache %s: %s", pass, stderr)
			}

			// The same process: python's pid is the one we started.
			cmd := exec.Command(filepath.Join(s.vars["SHIMS"], "python3"), "-c", "import os; print(os.getpid())")
			cmd.Args[0] = "python3"
			cmd.Env, cmd.Dir = env, proj
			b, err := cmd.Output()
			if err != nil {
				t.Fatal(err)
			}
			if pid, _ := strconv.Atoi(strings.TrimSpace(string(b))); pid != cmd.Process.Pid {
				t.Errorf("python ran as pid %d, the shim was %d: not an exec", pid, cmd.Process.Pid)
			}

			// A signal that kills python kills the process we started.
			cmd = exec.Command(filepath.Join(s.vars["SHIMS"], "python3"), "-c", "import os, signal; os.kill(os.getpid(), signal.SIGTERM)")
			cmd.Env, cmd.Dir = env, proj
			err = cmd.Run()
			ee, ok := err.(*exec.ExitError)
			if !ok || ee.ExitCode() != -1 || !strings.Contains(ee.Error(), "terminated") {
				t.Errorf("python killed by SIGTERM: %v, want the process terminated by the signal", err)
			}

			// The hop counter never reaches the interpreter.
			out, _, _ = s.runEnv(t, env, proj, "", "python3", "-c", "import os; print(os.environ.get('"+shim.HopsEnv+"'))")
			if out != "None\n" {
				t.Errorf("%s reached python: %q", shim.HopsEnv, out)
			}
		})
	}
}

// Failures exit 127 like a missing command, with one clear line.
func TestExitStatuses(t *testing.T) {
	s := newSandbox(t)
	s.write(t, "nomatch/.python-version", "3.99\n", 0o644)
	s.write(t, "proj/.python-version", "3.12\n", 0o644)
	s.write(t, "loop/python", "#!/bin/sh\nexec python \"$@\"\n", 0o755)
	lonely := filepath.Join(s.root, "lonely")
	if err := os.MkdirAll(lonely, 0o755); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(binDir(t), "pyshim-exec"))
	if err != nil {
		t.Fatal(err)
	}
	testenv.WriteFile(t, filepath.Join(lonely, "pyshim-exec"), string(data), 0o755)
	if err := os.Symlink("pyshim-exec", filepath.Join(lonely, "python3")); err != nil {
		t.Fatal(err)
	}
	s.age(t)
	for _, tc := range []struct {
		name, dir, shim string
		env             []string
		code            int
		stderr          string
	}{
		{"not installed", "nomatch", "python3", nil, 127, "pyshim: python3: version `3.99' is not installed (set by "},
		{"narrowed to nothing", "proj", "python3.14", nil, 127, "pyshim: python3.14: no interpreter matches python3.14; installed: "},
		{"missing console script", "proj", "onlyin311", nil, 127, "pyshim: onlyin311: command not found"},
		{"PYSHIM_PYTHON is a shim", "proj", "python3", []string{"PYSHIM_PYTHON=" + filepath.Join(s.vars["SHIMS"], "python3")}, 127, "is one of pyshim's own shims"},
		{"script loop", "proj", "python", []string{"PYSHIM_PYTHON=" + filepath.Join(s.root, "loop", "python")}, 127, "loop: reached pyshim's shims 7 times"},
		{"no pyshim next to the shim", "proj", filepath.Join(lonely, "python3"), nil, 127, "cannot run the resolver " + filepath.Join(lonely, "pyshim-plugins")},
		{"the shim by its own name", "proj", "pyshim-exec", nil, 2, "pyshim-exec is pyshim's shim binary"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.shim == "onlyin311" {
				if err := os.Symlink(filepath.Join(binDir(t), "pyshim-exec"), filepath.Join(s.vars["SHIMS"], "onlyin311")); err != nil {
					t.Fatal(err)
				}
			}
			out, stderr, code := s.runEnv(t, s.env(tc.env...), filepath.Join(s.root, tc.dir), "", tc.shim, "-c", "pass")
			if code != tc.code || out != "" || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("exit %d stdout %q stderr %q; want exit %d and %q", code, out, stderr, tc.code, tc.stderr)
			}
			if tc.code == 127 && tc.shim != "onlyin311" && strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
				t.Errorf("the error is not one line:\n%s", stderr)
			}
		})
	}
}

// probe prints what a Nix wrapper's unwrapping must preserve.
const probe = `import json, os, sys
try:
    import nixonly
    pkg = nixonly.__file__
except ImportError:
    pkg = None
print(json.dumps({"prefix": sys.prefix, "base_prefix": sys.base_prefix, "exec_prefix": sys.exec_prefix,
    "executable": sys.executable, "path": sys.path, "nixonly": pkg,
    "nix_vars": sorted(k for k in os.environ if k.startswith("NIX_")),
    "nousersite": os.environ.get("PYTHONNOUSERSITE"), "hops": os.environ.get("PYSHIM_HOPS")}, sort_keys=True))`

// A Nix -env selected with PYSHIM_PYTHON runs, through the shim, exactly
// as its wrapper would (same sys.prefix, sys.executable, sys.path, the
// env's packages importable) while the wrapper itself never runs; from
// the cache as from a fresh resolution.
func TestNixEnvThroughShim(t *testing.T) {
	for _, newer := range []bool{false, true} {
		n := testenv.NixStore(t, testenv.NixOptions{NewerSitecustomize: newer})
		if err := age(n.Root); err != nil {
			t.Fatal(err)
		}
		n.MakeReadOnly(t)
		s := newSandbox(t)
		s.vars["NIX_STORE_DIR"] = n.StoreDir
		proj := filepath.Join(s.root, "proj")
		s.write(t, "proj/.python-version", "3.12\n", 0o644)
		s.age(t)
		for _, kind := range []testenv.NixEnvKind{testenv.NixEraAShell, testenv.NixEraABinary, testenv.NixEraAChain, testenv.NixEraB, testenv.NixEraBBinary} {
			name := string(kind)
			if newer {
				name += "/newer-sitecustomize"
			}
			t.Run(name, func(t *testing.T) {
				wrapper := filepath.Join(n.Env(kind), "bin", "python"+n.Minor)
				env := s.env("PYSHIM_PYTHON="+wrapper, shim.DebugEnv+"=1")
				// The wrapper itself, run directly with the same environment.
				direct := exec.Command(wrapper, "-c", probe)
				direct.Env, direct.Dir = s.env(), proj
				n.ResetLog(t)
				want, err := direct.Output()
				if err != nil {
					t.Fatalf("running the wrapper: %v", err)
				}
				if !n.WrapperRan(t) {
					t.Fatal("running the wrapper left no log line: the log proves nothing")
				}
				for _, pass := range []string{"miss", "hit"} {
					n.ResetLog(t)
					got, stderr, code := s.runEnv(t, env, proj, "", "python3", "-c", probe)
					if code != 0 {
						t.Fatalf("%s: exit %d\n%s", pass, code, stderr)
					}
					if !strings.Contains(stderr, "pyshim-exec: "+pass) {
						t.Errorf("expected a cache %s:\n%s", pass, stderr)
					}
					if n.WrapperRan(t) {
						t.Errorf("%s: the wrapper ran: %v", pass, n.LogLines(t))
					}
					if got != string(want) {
						t.Errorf("%s: the shim's run differs from the wrapper's:\n got %s\nwant %s", pass, got, want)
					}
					var p struct{ Nixonly string }
					if err := json.Unmarshal([]byte(got), &p); err != nil || !strings.HasPrefix(p.Nixonly, n.Env(kind)) {
						t.Errorf("%s: the env's package is not importable from the env: %s", pass, got)
					}
				}
			})
		}
	}
}

// The README's first command, run verbatim in a fresh HOME, installs both
// binaries and the shims and ends with a working python3 through the shim.
func TestReadmeFirstCommand(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var first string
	for _, line := range strings.Split(string(readme), "\n") {
		if strings.HasPrefix(line, "    ./install.sh") {
			first = strings.TrimSpace(line)
			break
		}
	}
	if !strings.Contains(first, "python3") {
		t.Fatalf("the README's first command %q does not end with python3", first)
	}
	s := newSandbox(t)
	home := filepath.Join(s.root, "fresh")
	if err := os.MkdirAll(home, 0o755); err != nil {
		t.Fatal(err)
	}
	goenv, err := exec.Command("go", "env", "GOROOT", "GOCACHE", "GOMODCACHE", "GOPATH").Output()
	if err != nil {
		t.Fatal(err)
	}
	g := strings.Split(strings.TrimSpace(string(goenv)), "\n")
	cmd := exec.Command("bash", "-c", first)
	cmd.Dir = "../.."
	cmd.Env = []string{
		"HOME=" + home, "PYENV_ROOT=" + s.vars["PYENV_ROOT"],
		"PATH=" + filepath.Join(g[0], "bin") + ":/usr/bin:/bin",
		"GOCACHE=" + g[1], "GOMODCACHE=" + g[2], "GOPATH=" + g[3], "GOFLAGS=-mod=readonly",
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", first, err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, s.vars["PYENV_ROOT"]+"/versions/") {
		t.Errorf("python3 through the shim printed %q, want a pyenv interpreter\n%s", last, out)
	}
	for _, p := range []string{".local/bin/pyshim", ".local/bin/pyshim-install", ".local/bin/pyshim-plugins", ".local/bin/pyshim-exec", ".local/share/pyshim/shims/python3"} {
		if _, err := os.Stat(filepath.Join(home, p)); err != nil {
			t.Errorf("install.sh left no %s: %v", p, err)
		}
	}
}
