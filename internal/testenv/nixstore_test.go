package testenv

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

func TestMain(m *testing.M) {
	InMountNamespace(m)
	os.Exit(m.Run())
}

func TestNixHash(t *testing.T) {
	re := regexp.MustCompile(`^[0123456789abcdfghijklmnpqrsvwxyz]{32}$`)
	for _, s := range []string{"", "python3-3.11.7", "python3-3.11.7-env#era-b"} {
		h := NixHash(s)
		if !re.MatchString(h) {
			t.Errorf("NixHash(%q) = %q, not 32 nix-base32 characters", s, h)
		}
		if NixHash(s) != h {
			t.Errorf("NixHash(%q) not deterministic", s)
		}
	}
	if NixHash("a") == NixHash("b") {
		t.Error("NixHash collides on a, b")
	}
}

// probe is what the fixture's pythons report.
type probe struct {
	Prefix     string            `json:"prefix"`
	BasePrefix string            `json:"base_prefix"`
	Executable string            `json:"executable"`
	BaseExe    string            `json:"base_executable"`
	Nixonly    bool              `json:"nixonly"`
	NixEnv     map[string]string `json:"nix_env"`
}

const probeSrc = `import json, os, sys
try:
    import nixonly
    ok = True
except ImportError:
    ok = False
print(json.dumps({"prefix": sys.prefix, "base_prefix": sys.base_prefix,
    "executable": sys.executable, "base_executable": sys._base_executable,
    "nixonly": ok, "nix_env": {k: v for k, v in os.environ.items() if k.startswith("NIX_")}}))
`

func runProbe(t *testing.T, n *Nix, exe string) probe {
	t.Helper()
	cmd := exec.Command(exe, "-c", probeSrc)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + n.Home}
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("running %s: %v\n%s", exe, err, ee.Stderr)
		}
		t.Fatalf("running %s: %v", exe, err)
	}
	var p probe
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatalf("decoding %s output %q: %v", exe, out, err)
	}
	return p
}

func TestNixStoreLayout(t *testing.T) {
	n := NixStore(t, NixOptions{})
	storeName := regexp.MustCompile(`^[0123456789abcdfghijklmnpqrsvwxyz]{32}-`)
	for _, d := range []string{n.Base, n.Package, n.EraAShell, n.EraABinary, n.EraAChain, n.EraB, n.EraBBinary} {
		if filepath.Dir(d) != n.StoreDir || !storeName.MatchString(filepath.Base(d)) {
			t.Errorf("%s is not a store path of %s", d, n.StoreDir)
		}
	}
	if !strings.HasSuffix(n.Base, "-python3-3.11.7") || !strings.HasSuffix(n.EraB, "-python3-3.11.7-env") {
		t.Errorf("unexpected names %s, %s", n.Base, n.EraB)
	}
	// The base: a copied ELF, not a link to pyenv.
	fi, err := os.Lstat(filepath.Join(n.Base, "bin", "python3.11"))
	if err != nil || !fi.Mode().IsRegular() {
		t.Fatalf("base bin/python3.11 is not a regular file: %v", err)
	}
	for link, want := range map[string]string{
		filepath.Join(n.Base, "bin", "python3"):                    "python3.11",
		filepath.Join(n.Base, "bin", "python"):                     filepath.Join(n.Base, "bin", "python3"),
		filepath.Join(n.EraB, "bin", "python3"):                    "python3.11",
		n.Profile:                                                  filepath.Join(n.Home, ".local/state/nix/profiles/profile"),
		filepath.Join(n.Home, ".local/state/nix/profiles/profile"): "profile-1-link",
	} {
		if got, err := os.Readlink(link); err != nil || got != want {
			t.Errorf("readlink %s = %q, %v; want %q", link, got, err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(n.Base, "lib/python3.11/EXTERNALLY-MANAGED")); err != nil {
		t.Error(err)
	}
	if fi, err := os.Lstat(filepath.Join(n.Base, "lib/python3.11/site-packages")); err != nil || !fi.IsDir() {
		t.Errorf("base site-packages is not a real directory: %v", err)
	}
	if fi, err := os.Lstat(filepath.Join(n.Base, "lib/python3.11/os.py")); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("base os.py is not a symlink: %v", err)
	}
	// The binary wrapper carries the docstring `strings` shows.
	bin, err := os.ReadFile(filepath.Join(n.EraABinary, "bin", "python3.11"))
	if err != nil {
		t.Fatal(err)
	}
	want := "makeCWrapper '" + filepath.Join(n.Base, "bin", "python3.11") + "' \\\n    --set 'NIX_PYTHONPREFIX' '" + n.EraABinary + "' \\\n"
	if !strings.Contains(string(bin), want) {
		t.Errorf("binary wrapper lacks docstring %q", want)
	}
	if out, err := exec.Command("strings", "-dw", filepath.Join(n.EraABinary, "bin", "python3.11")).Output(); err == nil {
		if !strings.Contains(string(out), want) {
			t.Errorf("strings -dw does not show the docstring")
		}
	}
	// The profile resolves into the chosen env.
	real, err := filepath.EvalSymlinks(filepath.Join(n.Profile, "bin", "python3"))
	if err != nil || real != filepath.Join(n.EraB, "bin", "python3.11") {
		t.Errorf("profile python3 resolves to %q, %v", real, err)
	}
	if n.WrapperRan(t) {
		t.Errorf("a wrapper ran while building: %v", n.LogLines(t))
	}
}

// TestNixStoreBehaviour checks that the fixture behaves as FACTS.md says a
// real store does, for each env kind and both sitecustomize variants.
func TestNixStoreBehaviour(t *testing.T) {
	for _, newer := range []bool{false, true} {
		n := NixStore(t, NixOptions{NewerSitecustomize: newer})
		n.MakeReadOnly(t)
		base := runProbe(t, n, filepath.Join(n.Base, "bin", "python3.11"))
		if base.Prefix != n.Base || base.BasePrefix != n.Base || base.Nixonly {
			t.Errorf("base: %+v", base)
		}
		for _, tc := range []struct {
			kind   NixEnvKind
			name   string
			prefix string // want sys.prefix
			bprefx string // want sys.base_prefix
			log    string // prefix of the log line
		}{
			{NixEraAShell, "python3.11", "", n.Base, "shell -e "},
			{NixEraAShell, "python3", "", n.Base, "shell -e "},
			{NixEraAShell, "python", "", n.Base, "shell -e "},
			{NixEraABinary, "python3.11", "", n.Base, "binary "},
			{NixEraAChain, "python3.11", "", n.Base, "shell -e "},
			{NixEraB, "python3.11", "", "", "shell -e "},
			{NixEraB, "python3", "", "", "shell -e "},
			{NixEraBBinary, "python3.11", "", "", "binary "},
		} {
			env := n.Env(tc.kind)
			exe := filepath.Join(env, "bin", tc.name)
			n.ResetLog(t)
			p := runProbe(t, n, exe)
			bp := tc.bprefx
			if bp == "" {
				bp = env
			}
			if p.Prefix != env || p.BasePrefix != bp || !p.Nixonly || len(p.NixEnv) != 0 {
				t.Errorf("newer=%v %s %s: %+v", newer, tc.kind, tc.name, p)
			}
			if tc.bprefx != "" {
				// Era A: sitecustomize set sys.executable.
				if want := filepath.Join(env, "bin", "python3.11"); p.Executable != want {
					t.Errorf("newer=%v %s %s: sys.executable %q, want %q", newer, tc.kind, tc.name, p.Executable, want)
				}
				wantBase := filepath.Join(n.Base, "bin", "python3.11")
				if newer {
					wantBase = filepath.Join(env, "bin", "python3.11")
				}
				if tc.kind != NixEraAShell || tc.name == "python3.11" {
					if p.BaseExe != wantBase {
						t.Errorf("newer=%v %s %s: sys._base_executable %q, want %q", newer, tc.kind, tc.name, p.BaseExe, wantBase)
					}
				}
			} else if p.Executable != exe {
				t.Errorf("era B %s: sys.executable %q, want %q", tc.name, p.Executable, exe)
			}
			lines := n.LogLines(t)
			if len(lines) == 0 || !strings.HasPrefix(lines[0], tc.log) {
				t.Errorf("%s %s: log %q, want a line starting %q", tc.kind, tc.name, lines, tc.log)
			}
		}
	}
}

func TestInMountNamespace(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("not root: InMountNamespace leaves the tests in place")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("no unshare")
	}
	if exec.Command("unshare", "--mount", "--propagation", "private", "true").Run() != nil {
		t.Skip("unshare --mount not permitted here")
	}
	if os.Getenv(MountNamespaceEnv) != "1" {
		t.Fatalf("TestMain did not re-exec the tests under unshare (%s unset)", MountNamespaceEnv)
	}
	if !InPrivateMountNamespace() {
		t.Fatal("tests re-executed but not in a separate mount namespace")
	}
}

func TestMakeReadOnly(t *testing.T) {
	n := NixStore(t, NixOptions{})
	mounted := n.MakeReadOnly(t)
	if !mounted {
		t.Log("not in a private mount namespace: snapshot only")
		return
	}
	if err := os.WriteFile(filepath.Join(n.EraB, ".lock"), nil, 0o644); !errors.Is(err, syscall.EROFS) {
		t.Fatalf("writing into the read-only store: %v, want EROFS", err)
	}
	if err := os.WriteFile(filepath.Join(n.RealPrefix, ".pyshim-probe"), nil, 0o644); !errors.Is(err, syscall.EROFS) {
		t.Fatalf("writing into the real pyenv prefix: %v, want EROFS", err)
	}
}

func TestSnapshotDiff(t *testing.T) {
	dir := t.TempDir()
	WriteFile(t, filepath.Join(dir, "a/f"), "x", 0o644)
	if err := os.Symlink("f", filepath.Join(dir, "a/l")); err != nil {
		t.Fatal(err)
	}
	before, err := snapshotTree(dir)
	if err != nil {
		t.Fatal(err)
	}
	if d := diffTrees(before, before); len(d) != 0 {
		t.Fatalf("self diff: %v", d)
	}
	WriteFile(t, filepath.Join(dir, "a/g"), "y", 0o644)
	if err := os.Chmod(filepath.Join(dir, "a/f"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "a/l")); err != nil {
		t.Fatal(err)
	}
	after, err := snapshotTree(dir)
	if err != nil {
		t.Fatal(err)
	}
	d := strings.Join(diffTrees(before, after), "\n")
	for _, want := range []string{"added a/g", "changed a/f", "removed a/l", "changed a:"} {
		if !strings.Contains(d, want) {
			t.Errorf("diff lacks %q:\n%s", want, d)
		}
	}
}
