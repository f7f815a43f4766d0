package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/pyshim/pyshim/internal/testenv"
	"github.com/pyshim/pyshim/shim"
)

// binEnv names the directory TestMain builds pyshim, pyshim-install,
// pyshim-plugins and pyshim-exec into.
const binEnv = "PYSHIM_TEST_BIN"

// TestMain builds the real binaries side by side, as install.sh places
// them: the shim finds pyshim-plugins next to itself.
func TestMain(m *testing.M) {
	if testPlugin() {
		os.Exit(0)
	}
	testenv.InMountNamespace(m)
	dir, err := os.MkdirTemp("", "pyshim-exec-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	code := 2
	if err := build(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
	} else {
		os.Setenv(binEnv, dir)
		code = m.Run()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

func build(dir string) error {
	// build.sh, as install.sh builds them: the light pyshim needs
	// pyshim-install next to it for the package commands.
	cmd := exec.Command("sh", "../../build.sh", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build.sh: %v\n%s", err, out)
	}
	// The binaries and their directory are fingerprinted; make them look
	// long installed so that entries are cached at once (see
	// shim.RacyWindow).
	return age(dir)
}

// age sets the modification time of root and everything under it (links
// themselves, not their targets) an hour back, as if the files had been
// there for a while. A resolution does not cache an entry whose files
// changed within shim.RacyWindow.
func age(root string) error {
	t := time.Now().Add(-time.Hour)
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return lutimes(p, t)
	})
}

// lutimes sets a path's times without following a final symlink.
func lutimes(path string, t time.Time) error {
	p, err := syscall.BytePtrFromString(path)
	if err != nil {
		return err
	}
	ts := [2]syscall.Timespec{syscall.NsecToTimespec(t.UnixNano()), syscall.NsecToTimespec(t.UnixNano())}
	atFDCWD, atSymlinkNofollow := -100, 0x100
	_, _, errno := syscall.Syscall6(syscall.SYS_UTIMENSAT, uintptr(atFDCWD), uintptr(unsafe.Pointer(p)), uintptr(unsafe.Pointer(&ts[0])), uintptr(atSymlinkNofollow), 0, 0)
	if errno != 0 {
		return fmt.Errorf("utimensat %s: %w", path, errno)
	}
	return nil
}

func binDir(t testing.TB) string {
	t.Helper()
	d := os.Getenv(binEnv)
	if d == "" {
		t.Fatal("TestMain did not build the binaries")
	}
	return d
}

// home lays out a private HOME with XDG dirs under root, and a
// PYENV_ROOT whose versions link to the real ones, except 3.11.7: a real
// directory whose bin/ is a real directory of links, so that tests can
// add console scripts to it. It returns the variables to set.
func home(root, bin string) (map[string]string, error) {
	h := filepath.Join(root, "home")
	vars := map[string]string{"HOME": h}
	for k, sub := range map[string]string{
		"XDG_DATA_HOME": ".local/share", "XDG_CONFIG_HOME": ".config",
		"XDG_CACHE_HOME": ".cache", "XDG_STATE_HOME": ".local/state",
	} {
		vars[k] = filepath.Join(h, sub)
		if err := os.MkdirAll(vars[k], 0o755); err != nil {
			return nil, err
		}
	}
	// A loaded machine (tests run in parallel) must not time plugins out:
	// a missing plugin changes answers and leaves nothing cached.
	cfg := filepath.Join(vars["XDG_CONFIG_HOME"], "pyshim", "config.toml")
	if err := os.MkdirAll(filepath.Dir(cfg), 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(cfg, []byte("[plugins]\ntimeout = \"60s\"\n"), 0o644); err != nil {
		return nil, err
	}
	pyenv := filepath.Join(root, "pyenv")
	real := filepath.Join(testenv.RealPyenvRoot(), "versions")
	entries, err := os.ReadDir(real)
	if err != nil {
		return nil, err
	}
	for _, v := range entries {
		dst := filepath.Join(pyenv, "versions", v.Name())
		if v.Name() != "3.11.7" {
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return nil, err
			}
			if err := os.Symlink(filepath.Join(real, v.Name()), dst); err != nil {
				return nil, err
			}
			continue
		}
		if err := linkTree(filepath.Join(real, v.Name()), dst, "bin"); err != nil {
			return nil, err
		}
		if err := linkTree(filepath.Join(real, v.Name(), "bin"), filepath.Join(dst, "bin"), ""); err != nil {
			return nil, err
		}
	}
	vars["PYENV_ROOT"] = pyenv
	vars["SHIMS"] = filepath.Join(vars["XDG_DATA_HOME"], "pyshim", "shims")
	vars["BIN"] = bin
	vars["PATH"] = vars["SHIMS"] + ":" + bin + ":/usr/bin:/bin"
	vars["NIX_STORE_DIR"] = filepath.Join(root, "nix", "store")
	return vars, nil
}

// linkTree makes dst a directory holding a link to each entry of src,
// except the one named keep, which is left for the caller, and entries
// that already exist.
func linkTree(src, dst, keep string) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Name() == keep {
			continue
		}
		p := filepath.Join(dst, e.Name())
		if _, err := os.Lstat(p); err == nil {
			continue
		}
		if err := os.Symlink(filepath.Join(src, e.Name()), p); err != nil {
			return err
		}
	}
	return nil
}

// sandbox is a private home, pyenv root and shims directory for one test.
type sandbox struct {
	root string
	vars map[string]string
}

func newSandbox(t *testing.T) *sandbox {
	t.Helper()
	for _, v := range []string{"3.10.13", "3.11.7", "3.12.1"} {
		testenv.PyenvPython(t, v)
	}
	root := t.TempDir()
	vars, err := home(root, binDir(t))
	if err != nil {
		t.Fatal(err)
	}
	s := &sandbox{root: root, vars: vars}
	if out, stderr, code := s.run(t, root, "", "pyshim", "shims", "install"); code != 0 {
		t.Fatalf("pyshim shims install: exit %d\n%s%s", code, out, stderr)
	}
	s.age(t)
	return s
}

// env is the environment of a process in the sandbox, with extra
// KEY=VALUE entries.
func (s *sandbox) env(extra ...string) []string {
	var env []string
	for k, v := range s.vars {
		if k != "SHIMS" && k != "BIN" {
			env = append(env, k+"="+v)
		}
	}
	return append(env, extra...)
}

func (s *sandbox) age(t *testing.T) {
	t.Helper()
	if err := age(s.root); err != nil {
		t.Fatal(err)
	}
}

// run runs name (looked up on the sandbox PATH, argv[0] the bare name as
// a shell passes it) in dir with stdin, and returns its output and exit
// status (-1 when killed by a signal).
func (s *sandbox) run(t *testing.T, dir, stdin, name string, args ...string) (stdout, stderr string, code int) {
	return s.runEnv(t, s.env(), dir, stdin, name, args...)
}

func (s *sandbox) runEnv(t *testing.T, env []string, dir, stdin, name string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	path := s.lookPath(env, name)
	if path == "" {
		t.Fatalf("%s is not on the sandbox PATH", name)
	}
	cmd := &exec.Cmd{Path: path, Args: append([]string{name}, args...), Env: env, Dir: dir, Stdin: strings.NewReader(stdin)}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("running %s: %v", name, err)
	}
	return out.String(), errb.String(), code
}

func (s *sandbox) lookPath(env []string, name string) string {
	if strings.Contains(name, "/") {
		return name
	}
	for _, d := range filepath.SplitList(shim.EnvGetter(env)("PATH")) {
		if fi, err := os.Stat(filepath.Join(d, name)); err == nil && fi.Mode()&0o111 != 0 && !fi.IsDir() {
			return filepath.Join(d, name)
		}
	}
	return ""
}

// entry returns the cached entry a shim name would use in dir, or the
// reason there is none.
func (s *sandbox) entry(dir, name string, extra ...string) (*shim.Entry, error) {
	getenv := shim.EnvGetter(s.env(extra...))
	key, _ := shim.Key(shim.KeyInputs{Name: name, Cwd: dir, Getenv: getenv})
	return shim.Lookup(shim.CacheDir(getenv), key)
}

func (s *sandbox) write(t *testing.T, rel, data string, perm os.FileMode) string {
	t.Helper()
	p := filepath.Join(s.root, rel)
	testenv.WriteFile(t, p, data, perm)
	return p
}

// The shim must start in about a millisecond: it links the standard
// library only, never go-plugin, gRPC, protobuf, cobra or the TOML parser.
func TestStdlibOnly(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	allowed := map[string]bool{
		"github.com/pyshim/pyshim/cmd/pyshim-exec":    true,
		"github.com/pyshim/pyshim/shim":               true,
		"github.com/pyshim/pyshim/plugins/sdk/interp": true,
		"github.com/pyshim/pyshim/internal/fsutil":    true,
	}
	for _, pkg := range strings.Fields(string(out)) {
		for _, banned := range []string{"github.com/hashicorp/go-plugin", "google.golang.org/grpc", "google.golang.org/protobuf", "github.com/spf13/cobra", "github.com/BurntSushi/toml"} {
			if strings.HasPrefix(pkg, banned) {
				t.Errorf("pyshim-exec links %s", pkg)
			}
		}
		if !allowed[pkg] {
			t.Errorf("pyshim-exec links the non-standard package %s; the shim takes the standard library only", pkg)
		}
	}
}

func TestScripts(t *testing.T) {
	for _, v := range []string{"3.9.18", "3.10.13", "3.11.7", "3.12.1"} {
		testenv.PyenvPython(t, v)
	}
	bin := binDir(t)
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			vars, err := home(e.WorkDir, bin)
			if err != nil {
				return err
			}
			for k, v := range vars {
				e.Setenv(k, v)
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// age PATH...: make files look long unchanged (shim.RacyWindow).
			"age": func(ts *testscript.TestScript, neg bool, args []string) {
				for _, a := range args {
					ts.Check(age(ts.MkAbs(a)))
				}
			},
			// shimcached NAME: the cache holds a valid entry for the
			// shim NAME in the current directory.
			"shimcached": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 1 {
					ts.Fatalf("usage: shimcached NAME")
				}
				getenv := ts.Getenv
				key, _ := shim.Key(shim.KeyInputs{Name: args[0], Cwd: ts.MkAbs("."), Getenv: getenv})
				_, err := shim.Lookup(shim.CacheDir(getenv), key)
				switch {
				case err != nil && !neg:
					ts.Fatalf("no valid cache entry for %s: %v", args[0], err)
				case err == nil && neg:
					ts.Fatalf("a valid cache entry for %s exists", args[0])
				}
			},
		},
	})
}
