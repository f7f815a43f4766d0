package nix

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pyshim/pyshim/internal/testenv"
	"github.com/pyshim/pyshim/plugins/sdk"
	"github.com/pyshim/pyshim/plugins/sdk/interp"
)

func TestMain(m *testing.M) {
	testenv.InMountNamespace(m)
	os.Exit(m.Run())
}

// probeSrc prints what decides how a python behaves: its prefixes,
// executables, import path, whether the env's package imports, the
// NIX_* variables left over, and the argv[0] it was given.
const probeSrc = `import json, os, sys
try:
    import nixonly
    ok = True
except ImportError:
    ok = False
print(json.dumps({
    "prefix": sys.prefix, "exec_prefix": sys.exec_prefix, "base_prefix": sys.base_prefix,
    "executable": sys.executable, "base_executable": sys._base_executable,
    "path": sys.path, "nixonly": ok, "argv0": sys.orig_argv[0],
    "nix_env": {k: v for k, v in os.environ.items() if k.startswith("NIX_")},
    "env": {k: os.environ.get(k) for k in ("PYTHONNOUSERSITE", "PYSHIM_CHAIN", "PATH")},
    "cwd": os.getcwd(), "environ": dict(os.environ),
}, sort_keys=True))
`

type probe struct {
	Prefix     string             `json:"prefix"`
	ExecPrefix string             `json:"exec_prefix"`
	BasePrefix string             `json:"base_prefix"`
	Executable string             `json:"executable"`
	BaseExe    string             `json:"base_executable"`
	Path       []string           `json:"path"`
	Nixonly    bool               `json:"nixonly"`
	Argv0      string             `json:"argv0"`
	NixEnv     map[string]string  `json:"nix_env"`
	Env        map[string]*string `json:"env"`
	Cwd        string             `json:"cwd"`
	// Environ is the whole environment; compared apart, since bash adds
	// its own variables.
	Environ map[string]string `json:"environ"`
}

func baseEnviron(n *testenv.Nix) []string {
	return []string{"PATH=/usr/bin:/bin", "HOME=" + n.Home, "LC_ALL=C.UTF-8"}
}

// runProbe runs file with argv and env and decodes its report.
func runProbe(t *testing.T, file string, argv, env []string) probe {
	t.Helper()
	cmd := &exec.Cmd{Path: file, Args: argv, Env: env, Dir: "/"}
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("running %s %q: %v\n%s", file, argv, err, ee.Stderr)
		}
		t.Fatalf("running %s %q: %v", file, argv, err)
	}
	var p probe
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatalf("decoding %q: %v", out, err)
	}
	return p
}

func TestUnwrapRealProcesses(t *testing.T) {
	for _, newer := range []bool{false, true} {
		name := "older-sitecustomize"
		if newer {
			name = "newer-sitecustomize"
		}
		t.Run(name, func(t *testing.T) {
			// The newer run also uses older docstrings (unquoted target).
			n := testenv.NixStore(t, testenv.NixOptions{NewerSitecustomize: newer, UnquotedDocTarget: newer})
			n.MakeReadOnly(t)
			baseExe := filepath.Join(n.Base, "bin", "python3.11")
			for _, tc := range []struct {
				name    string
				path    string
				eraB    bool
				argv0   string // want Interpreter.Argv0
				nWraps  int
				env     NixEnvCheck
				wrapLog string
			}{
				{"era A shell python3.11", filepath.Join(n.EraAShell, "bin/python3.11"), false, baseExe, 1, eraA(n.EraAShell), "shell"},
				{"era A shell python3", filepath.Join(n.EraAShell, "bin/python3"), false, filepath.Join(n.Base, "bin/python3"), 1, eraA(n.EraAShell), "shell"},
				{"era A shell python", filepath.Join(n.EraAShell, "bin/python"), false, filepath.Join(n.Base, "bin/python"), 1, eraA(n.EraAShell), "shell"},
				{"era A binary python3.11", filepath.Join(n.EraABinary, "bin/python3.11"), false, baseExe, 1, eraA(n.EraABinary), "binary"},
				{"era A binary python3", filepath.Join(n.EraABinary, "bin/python3"), false, filepath.Join(n.Base, "bin/python3"), 1, eraA(n.EraABinary), "binary"},
				{"era A wrapProgram chain", filepath.Join(n.EraAChain, "bin/python3.11"), false, baseExe, 2, eraA(n.EraAChain), "shell"},
				{"era A chain via symlink", filepath.Join(n.EraAChain, "bin/python3"), false, baseExe, 2, eraA(n.EraAChain), "shell"},
				{"era B shell python3.11", filepath.Join(n.EraB, "bin/python3.11"), true, "", 1, eraBCheck, "shell"},
				{"era B shell python3 symlink", filepath.Join(n.EraB, "bin/python3"), true, "", 1, eraBCheck, "shell"},
				{"era B via profile", filepath.Join(n.Profile, "bin/python3"), true, "", 1, eraBCheck, "shell"},
				{"era B binary python3.11", filepath.Join(n.EraBBinary, "bin/python3.11"), true, "", 1, eraBCheck, "binary"},
				{"era B binary python3 symlink", filepath.Join(n.EraBBinary, "bin/python3"), true, "", 1, eraBCheck, "binary"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					in, known, err := New().Unwrap(context.Background(), tc.path, map[string]string{"NIX_STORE_DIR": n.StoreDir})
					if err != nil || !known {
						t.Fatalf("Unwrap: known=%v err=%v", known, err)
					}
					if in.Kind != interp.KindNixEnv || in.Exe != baseExe || in.Path != tc.path || in.Note != "" ||
						in.Version != "3.11.7" || in.Implementation != "cpython" || in.Source != "nix" || len(in.Wraps) != tc.nWraps {
						t.Fatalf("Unwrap = %+v", in)
					}
					wantArgv0 := tc.argv0
					if tc.eraB {
						wantArgv0 = tc.path // as invoked, not resolved
					}
					if in.Argv0 != wantArgv0 {
						t.Errorf("Argv0 = %q, want %q", in.Argv0, wantArgv0)
					}
					tc.env(t, in.Env)

					args := []string{"-c", probeSrc}
					file, argv, env := in.Command(args, baseEnviron(n))
					n.ResetLog(t)
					direct := runProbe(t, file, argv, env)
					if n.WrapperRan(t) {
						t.Fatalf("a wrapper ran during the unwrapped run: %q", n.LogLines(t))
					}
					viaWrapper := runProbe(t, tc.path, append([]string{tc.path}, args...), baseEnviron(n))
					if lines := n.LogLines(t); len(lines) == 0 || !strings.HasPrefix(lines[0], tc.wrapLog+" ") {
						t.Errorf("wrapper log %q, want a %s wrapper line", lines, tc.wrapLog)
					}
					if d := environDiff(direct.Environ, viaWrapper.Environ); len(d) > 0 {
						t.Logf("environment differences (unwrapped vs wrapper): %s", strings.Join(d, "; "))
					}
					direct.Environ, viaWrapper.Environ = nil, nil
					if !reflect.DeepEqual(direct, viaWrapper) {
						t.Errorf("unwrapped run differs from the wrapper's:\nunwrapped %+v\nwrapper   %+v", direct, viaWrapper)
					}
					// What the process looks like, per FACTS.md.
					lastWrap, err := filepath.EvalSymlinks(in.Wraps[len(in.Wraps)-1])
					if err != nil {
						t.Fatal(err)
					}
					env0 := filepath.Dir(filepath.Dir(lastWrap))
					switch {
					case !direct.Nixonly || len(direct.NixEnv) != 0:
						t.Errorf("nixonly=%v leftover NIX_*=%v", direct.Nixonly, direct.NixEnv)
					case !tc.eraB && (direct.Prefix != env0 || direct.BasePrefix != n.Base ||
						direct.Executable != filepath.Join(env0, "bin/python3.11")):
						t.Errorf("era A process: %+v", direct)
					case tc.eraB && (direct.Prefix != env0 || direct.BasePrefix != env0 || direct.Executable != tc.path):
						t.Errorf("era B process: %+v", direct)
					}
					if !tc.eraB {
						wantBase := filepath.Join(n.Base, "bin", filepath.Base(tc.argv0))
						if newer {
							wantBase = filepath.Join(env0, "bin/python3.11")
						}
						if direct.BaseExe != wantBase {
							t.Errorf("sys._base_executable = %q, want %q", direct.BaseExe, wantBase)
						}
					}
				})
			}
		})
	}
}

// NixEnvCheck checks the environment operations Unwrap returned.
type NixEnvCheck func(t *testing.T, ops []interp.EnvOp)

func eraA(env string) NixEnvCheck {
	return func(t *testing.T, ops []interp.EnvOp) {
		t.Helper()
		want := []interp.EnvOp{
			set("NIX_PYTHONPREFIX", env),
			set("NIX_PYTHONEXECUTABLE", filepath.Join(env, "bin/python3.11")),
			set("NIX_PYTHONPATH", filepath.Join(env, "lib/python3.11/site-packages")),
			set("PYTHONNOUSERSITE", "true"),
		}
		if len(ops) > len(want) {
			// The chain's outer wrapper comes first.
			want = append([]interp.EnvOp{
				{Op: interp.EnvSetDefault, Name: "PYSHIM_CHAIN", Value: "outer"},
				{Op: interp.EnvPrefix, Name: "PATH", Value: filepath.Join(env, "chain-bin"), Sep: ":"},
			}, want...)
		}
		if !reflect.DeepEqual(ops, want) {
			t.Errorf("Env = %+v\nwant  %+v", ops, want)
		}
	}
}

func eraBCheck(t *testing.T, ops []interp.EnvOp) {
	t.Helper()
	if want := []interp.EnvOp{set("PYTHONNOUSERSITE", "true")}; !reflect.DeepEqual(ops, want) {
		t.Errorf("Env = %+v, want %+v", ops, want)
	}
}

func TestUnwrapBase(t *testing.T) {
	n := testenv.NixStore(t, testenv.NixOptions{})
	n.MakeReadOnly(t)
	for _, name := range []string{"python3.11", "python3", "python"} {
		p := filepath.Join(n.Base, "bin", name)
		in, known, err := New().Unwrap(context.Background(), p, map[string]string{"NIX_STORE_DIR": n.StoreDir})
		if err != nil || !known {
			t.Fatalf("Unwrap(%s): %v %v", p, known, err)
		}
		want := interp.Interpreter{Path: p, Exe: filepath.Join(n.Base, "bin/python3.11"), Argv0: p,
			Version: "3.11.7", Implementation: "cpython", Kind: interp.KindBase, Source: "nix"}
		if !reflect.DeepEqual(in, want) {
			t.Errorf("Unwrap(%s) = %+v\nwant %+v", p, in, want)
		}
	}
	// Outside the store, a file that is no wrapper is not ours.
	if _, known, err := New().Unwrap(context.Background(), n.RealPython, map[string]string{"NIX_STORE_DIR": n.StoreDir}); known || err != nil {
		t.Errorf("Unwrap of a pyenv python: known=%v err=%v", known, err)
	}
	if n.WrapperRan(t) {
		t.Errorf("wrappers ran: %q", n.LogLines(t))
	}
}

// TestUnwrapUnparseable: a wrapper we cannot read fully, anywhere in a
// chain, is run as itself.
func TestUnwrapUnparseable(t *testing.T) {
	store := t.TempDir()
	env := filepath.Join(store, testenv.NixHash("x")+"-python3-3.11.7-env")
	inner := filepath.Join(env, "bin/.python3.11-wrapped")
	outer := filepath.Join(env, "bin/python3.11")
	good := filepath.Join(env, "bin/python3")
	testenv.WriteFile(t, inner, "#! /bin/bash -e\nsource /etc/profile\nexec \"/bin/true\" \"$@\"\n", 0o755)
	testenv.WriteFile(t, outer, "#! /bin/bash -e\nexport A='b'\nexec -a \"$0\" \""+inner+"\" \"$@\"\n", 0o755)
	testenv.WriteFile(t, good, "#! /bin/bash -e\nexport A='b'\nexec \"/bin/true\" \"$@\"\n", 0o755)
	for _, p := range []string{inner, outer} {
		in, known, err := New().Unwrap(context.Background(), p, map[string]string{"NIX_STORE_DIR": store})
		if err != nil || !known {
			t.Fatalf("Unwrap(%s): %v %v", p, known, err)
		}
		if in.Kind != interp.KindWrapper || in.Exe != p || in.Argv0 != p || in.Env != nil || in.Wraps != nil ||
			!strings.Contains(in.Note, "run as itself") || !strings.Contains(in.Note, "source") {
			t.Errorf("Unwrap(%s) = %+v", p, in)
		}
	}
	in, _, _ := New().Unwrap(context.Background(), good, map[string]string{"NIX_STORE_DIR": store})
	real, _ := filepath.EvalSymlinks("/bin/true") // Exe is resolved
	if in.Kind != interp.KindNixEnv || in.Exe != real || in.Argv0 != "/bin/true" || len(in.Env) != 1 {
		t.Errorf("Unwrap(good) = %+v", in)
	}
}

func TestDiscover(t *testing.T) {
	n := testenv.NixStore(t, testenv.NixOptions{ProfileEnv: testenv.NixEraB})
	n.MakeReadOnly(t)
	shims := filepath.Join(t.TempDir(), "shims")
	testenv.WriteFile(t, filepath.Join(shims, "python3"), "#!/bin/sh\nexit 1\n", 0o755)
	if err := os.Symlink(filepath.Join(n.EraAShell, "bin/python3.11"), filepath.Join(shims, "python3.11")); err != nil {
		t.Fatal(err)
	}
	other := t.TempDir() // a PATH dir outside the store
	testenv.WriteFile(t, filepath.Join(other, "python3"), "#!/bin/sh\nexit 1\n", 0o755)
	env := map[string]string{
		"HOME":             n.Home,
		"USER":             "pyshim-test-nobody",
		"NIX_STORE_DIR":    n.StoreDir,
		"PYSHIM_SHIMS_DIR": shims,
		"PATH": strings.Join([]string{shims, other, filepath.Join(n.Profile, "bin"),
			filepath.Join(n.EraABinary, "bin"), filepath.Join(n.Base, "bin")}, ":"),
	}
	res, err := New().Discover(context.Background(), sdkRequest(env))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]interp.Interpreter{}
	var paths []string
	for _, c := range res.Candidates {
		got[c.Path] = c
		paths = append(paths, c.Path)
	}
	want := map[string]interp.Kind{
		// The profile's python3.11 and python3 resolve to one file: the
		// more specific name is kept.
		filepath.Join(n.Profile, "bin/python3.11"):    interp.KindNixEnv,
		filepath.Join(n.EraABinary, "bin/python3.11"): interp.KindNixEnv,
		filepath.Join(n.EraABinary, "bin/python3"):    interp.KindNixEnv,
		filepath.Join(n.EraABinary, "bin/python"):     interp.KindNixEnv,
		filepath.Join(n.Base, "bin/python3.11"):       interp.KindBase,
	}
	if len(got) != len(want) {
		t.Errorf("candidates %q, want %d", paths, len(want))
	}
	for p, k := range want {
		c, ok := got[p]
		if !ok {
			t.Errorf("missing candidate %s (have %q)", p, paths)
			continue
		}
		if c.Kind != k || c.Version != "3.11.7" || c.Source != "nix" || c.Exe != filepath.Join(n.Base, "bin/python3.11") {
			t.Errorf("candidate %s = %+v", p, c)
		}
	}
	for _, w := range []string{
		n.Profile,
		filepath.Join(n.Home, ".local/state/nix/profiles/profile"),
		filepath.Join(n.Home, ".local/state/nix/profiles/profile-1-link"),
		filepath.Join(n.Profile, "bin/python3.11"),
		n.EraB, n.Base,
		filepath.Join(n.EraB, "bin/python3.11"),
	} {
		if !slices.Contains(res.Watch, w) {
			t.Errorf("Watch lacks %s:\n%s", w, strings.Join(res.Watch, "\n"))
		}
	}
	if n.WrapperRan(t) {
		t.Errorf("Discover ran wrappers: %q", n.LogLines(t))
	}
}

func sdkRequest(env map[string]string) sdk.DiscoverRequest {
	return sdk.DiscoverRequest{Cwd: "/", Env: env}
}

// environDiff lists the variables that differ between two environments.
// A shell wrapper's bash adds SHLVL, _ and PWD, which the unwrapped run
// (correctly) does not have.
func environDiff(a, b map[string]string) []string {
	var out []string
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			out = append(out, k+": "+strconv.Quote(v)+" vs "+strconv.Quote(b[k]))
		}
	}
	for k, v := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k+": unset vs "+strconv.Quote(v))
		}
	}
	slices.Sort(out)
	return out
}
