package cli

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pyshim/pyshim/internal/testenv"
	"github.com/pyshim/pyshim/plugins/sdk/interp"
)

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
    "nousersite": os.environ.get("PYTHONNOUSERSITE")}, sort_keys=True))`

// pyshimEnv is a private environment for running the pyshim binary that
// testscript put on PATH.
func pyshimEnv(t *testing.T, n *testenv.Nix) []string {
	t.Helper()
	xdg := t.TempDir()
	return []string{
		"HOME=" + n.Home,
		"PATH=" + os.Getenv("PATH"),
		"XDG_CACHE_HOME=" + filepath.Join(xdg, "cache"),
		"XDG_CONFIG_HOME=" + filepath.Join(xdg, "config"),
		"XDG_DATA_HOME=" + filepath.Join(xdg, "data"),
		"XDG_STATE_HOME=" + filepath.Join(xdg, "state"),
		"NIX_STORE_DIR=" + n.StoreDir,
		"PYENV_ROOT=" + testenv.PyenvRoot(t, "3.12.1"),
	}
}

func run(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, msg)
	}
	return string(out)
}

func TestNixWrappersUnwrapped(t *testing.T) {
	for _, newer := range []bool{false, true} {
		n := testenv.NixStore(t, testenv.NixOptions{NewerSitecustomize: newer})
		n.MakeReadOnly(t)
		env := pyshimEnv(t, n)
		for _, kind := range []testenv.NixEnvKind{testenv.NixEraAShell, testenv.NixEraABinary, testenv.NixEraAChain, testenv.NixEraB, testenv.NixEraBBinary} {
			name := string(kind)
			if newer {
				name += "/newer-sitecustomize"
			}
			t.Run(name, func(t *testing.T) {
				wrapper := filepath.Join(n.Env(kind), "bin", "python"+n.Minor)
				base := filepath.Join(n.Base, "bin", "python"+n.Minor)

				n.ResetLog(t)
				var in interp.Interpreter
				if err := json.Unmarshal([]byte(run(t, env, "pyshim", "which", "--json", wrapper)), &in); err != nil {
					t.Fatal(err)
				}
				if in.Exe != base || in.Kind != interp.KindNixEnv || in.Source != "nix" {
					t.Errorf("which --json: exe=%s kind=%s source=%s, want exe=%s kind=nix-env source=nix", in.Exe, in.Kind, in.Source, base)
				}
				if in.Prefix != n.Env(kind) {
					t.Errorf("which --json: prefix %s, want the env %s", in.Prefix, n.Env(kind))
				}
				got := run(t, env, "pyshim", "exec", "-p", wrapper, "--", "-c", probe)
				if n.WrapperRan(t) {
					t.Fatalf("the wrapper ran during which/exec: %v", n.LogLines(t))
				}
				want := run(t, env, wrapper, "-c", probe)
				if !n.WrapperRan(t) {
					t.Fatal("running the wrapper itself left no log line: the log proves nothing")
				}
				if got != want {
					t.Errorf("unwrapped run differs from the wrapper's:\n got %s\nwant %s", got, want)
				}
				if !strings.Contains(got, `"nixonly": "`+n.Env(kind)) {
					t.Errorf("the env's package is not importable from the env: %s", got)
				}
			})
		}
	}
}

func TestNixProfileDiscovery(t *testing.T) {
	n := testenv.NixStore(t, testenv.NixOptions{ProfileEnv: testenv.NixEraB})
	n.MakeReadOnly(t)
	env := pyshimEnv(t, n)
	var in interp.Interpreter
	if err := json.Unmarshal([]byte(run(t, env, "pyshim", "which", "--json", "nix:3.11")), &in); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(in.Path, n.Profile+"/bin/") || in.Exe != filepath.Join(n.Base, "bin", "python"+n.Minor) || in.Argv0 != in.Path {
		t.Errorf("profile python: path=%s exe=%s argv0=%s", in.Path, in.Exe, in.Argv0)
	}
	if in.Prefix != n.EraB {
		t.Errorf("prefix %s, want the era-B env %s", in.Prefix, n.EraB)
	}
	list := run(t, env, "pyshim", "list")
	if !strings.Contains(list, "nix ") || !strings.Contains(list, n.Profile) {
		t.Errorf("list lacks the profile python:\n%s", list)
	}
	if n.WrapperRan(t) {
		t.Errorf("a wrapper ran: %v", n.LogLines(t))
	}
}
