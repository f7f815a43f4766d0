package testenv

import (
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// NixEnvKind names one of the python environments NixStore builds.
type NixEnvKind string

// The environments of a fake Nix store (see FACTS.md, "Nix python
// environments").
const (
	// NixEraAShell: era-A env whose bin/python* are make-wrapper.sh
	// scripts setting NIX_PYTHONPREFIX, NIX_PYTHONEXECUTABLE,
	// NIX_PYTHONPATH, PYTHONNOUSERSITE and exec'ing the base.
	NixEraAShell NixEnvKind = "era-a-shell"
	// NixEraABinary: the same with makeBinaryWrapper binaries.
	NixEraABinary NixEnvKind = "era-a-binary"
	// NixEraAChain: a wrapProgram chain: bin/python3.11 is a shell wrapper
	// (--inherit-argv0, --set-default, --prefix PATH) of
	// bin/.python3.11-wrapped, an era-A binary wrapper.
	NixEraAChain NixEnvKind = "era-a-chain"
	// NixEraB: era-B env (stdlib symlinked into the env) whose
	// bin/python3.11 is a shell wrapper with --inherit-argv0 and
	// PYTHONNOUSERSITE; bin/python3 -> python3.11.
	NixEraB NixEnvKind = "era-b"
	// NixEraBBinary: the same with a binary wrapper.
	NixEraBBinary NixEnvKind = "era-b-binary"
)

// NixOptions configures NixStore.
type NixOptions struct {
	// Version is the pyenv version to build from; default "3.11.7".
	Version string
	// NewerSitecustomize selects the newer Nix sitecustomize.py, which
	// also sets sys._base_executable from NIX_PYTHONEXECUTABLE.
	NewerSitecustomize bool
	// ProfileEnv is the env whose bin/python3.X and bin/python3 the
	// profile links to; default NixEraB.
	ProfileEnv NixEnvKind
	// UnquotedDocTarget makes binary wrappers' docstrings print the
	// target unquoted, as older make-binary-wrapper.sh did.
	UnquotedDocTarget bool
}

// Nix is a fake Nix store built by NixStore. All paths are absolute.
type Nix struct {
	Root     string // the fixture's temporary directory
	StoreDir string // set NIX_STORE_DIR to it
	// Base is the base derivation <h>-python3-X.Y.Z.
	Base string
	// Package is <h>-pythonX.Y-nixonly-1.0, providing module nixonly.
	Package string
	// The environments, each a <h>-python3-X.Y.Z-env directory.
	EraAShell, EraABinary, EraAChain, EraB, EraBBinary string
	// Home is a home directory holding the profile chain.
	Home string
	// Profile is Home/.nix-profile (a symlink chain into the store).
	Profile string
	// ProfileEnv is the env the profile's pythons link to.
	ProfileEnv NixEnvKind
	// Log is the file every wrapper appends a line to when it runs.
	Log string
	// Bash is the logging bash that shell wrappers name in #!.
	Bash string
	// Version is X.Y.Z and Minor X.Y.
	Version, Minor string
	// RealPython is the pyenv binary the base was copied from, and
	// RealPrefix its prefix. Never write there.
	RealPython, RealPrefix string
	// NewerSitecustomize records NixOptions.NewerSitecustomize.
	NewerSitecustomize bool
}

// Env returns the env directory of kind k.
func (n *Nix) Env(k NixEnvKind) string {
	switch k {
	case NixEraAShell:
		return n.EraAShell
	case NixEraABinary:
		return n.EraABinary
	case NixEraAChain:
		return n.EraAChain
	case NixEraB:
		return n.EraB
	case NixEraBBinary:
		return n.EraBBinary
	}
	return ""
}

// NixHash returns a 32-character hash in Nix's base32 alphabet, derived
// from s.
func NixHash(s string) string {
	const alphabet = "0123456789abcdfghijklmnpqrsvwxyz"
	sum := sha256.Sum256([]byte(s))
	b := make([]byte, 32)
	for i := range b {
		b[i] = alphabet[sum[i]%32]
	}
	return string(b)
}

// NixStore builds a fake Nix store under t.TempDir from a real pyenv
// python (skipping the test when it is missing, failing under CI=true).
// Nothing is written outside the temporary directory.
func NixStore(t testing.TB, opts NixOptions) *Nix {
	t.Helper()
	if opts.Version == "" {
		opts.Version = "3.11.7"
	}
	if opts.ProfileEnv == "" {
		opts.ProfileEnv = NixEraB
	}
	real := PyenvPython(t, opts.Version)
	minor := opts.Version
	if i := nthIndex(minor, '.', 2); i > 0 {
		minor = minor[:i]
	}
	if _, err := exec.LookPath("gcc"); err != nil {
		Require(t, "/usr/bin/gcc")
	}
	root := t.TempDir()
	n := &Nix{
		Root:               root,
		StoreDir:           filepath.Join(root, "store"),
		Home:               filepath.Join(root, "home"),
		Log:                filepath.Join(root, "wrappers.log"),
		Bash:               filepath.Join(root, "bash-logged", "bin", "bash"),
		Version:            opts.Version,
		Minor:              minor,
		RealPython:         real,
		RealPrefix:         filepath.Dir(filepath.Dir(real)),
		NewerSitecustomize: opts.NewerSitecustomize,
		ProfileEnv:         opts.ProfileEnv,
	}
	b := &nixBuilder{t: t, n: n, opts: opts}
	b.mkdir(n.StoreDir)
	b.mkdir(n.Home)
	b.write(n.Log, "", 0o644)
	b.write(n.Bash, "#!/bin/bash\nprintf 'shell %s\\n' \"$*\" >> "+shQuote(n.Log)+"\nexec /bin/bash \"$@\"\n", 0o755)

	b.buildBase()
	b.buildPackage()
	name := "python3-" + n.Version + "-env"
	n.EraAShell = b.storePath(name, "era-a-shell")
	n.EraABinary = b.storePath(name, "era-a-binary")
	n.EraAChain = b.storePath(name, "era-a-chain")
	n.EraB = b.storePath(name, "era-b")
	n.EraBBinary = b.storePath(name, "era-b-binary")
	b.buildEraA(n.EraAShell, false)
	b.buildEraA(n.EraABinary, true)
	b.buildEraAChain(n.EraAChain)
	b.buildEraB(n.EraB, false)
	b.buildEraB(n.EraBBinary, true)
	b.buildProfile()
	b.compile()
	b.verifyBase()
	return n
}

// nixBuilder holds the state of one NixStore call.
type nixBuilder struct {
	t    testing.TB
	n    *Nix
	opts NixOptions
}

func (b *nixBuilder) fatal(format string, args ...any) {
	b.t.Helper()
	b.t.Fatalf("testenv.NixStore: "+format, args...)
}

func (b *nixBuilder) mkdir(dir string) {
	b.t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.fatal("%v", err)
	}
}

func (b *nixBuilder) write(p, data string, perm os.FileMode) {
	b.t.Helper()
	b.mkdir(filepath.Dir(p))
	if err := os.WriteFile(p, []byte(data), perm); err != nil {
		b.fatal("%v", err)
	}
	// WriteFile keeps the mode of an existing file; be exact.
	if err := os.Chmod(p, perm); err != nil {
		b.fatal("%v", err)
	}
}

func (b *nixBuilder) symlink(target, link string) {
	b.t.Helper()
	b.mkdir(filepath.Dir(link))
	if err := os.Symlink(target, link); err != nil {
		b.fatal("%v", err)
	}
}

// storePath returns StoreDir/<hash>-name; salt tells apart derivations of
// the same name.
func (b *nixBuilder) storePath(name, salt string) string {
	return filepath.Join(b.n.StoreDir, NixHash(name+"#"+salt)+"-"+name)
}

func (b *nixBuilder) libDir(prefix string) string {
	return filepath.Join(prefix, "lib", "python"+b.n.Minor)
}

func (b *nixBuilder) exeName() string { return "python" + b.n.Minor }

// buildBase makes <h>-python3-X.Y.Z: a copy of the real ELF, the usual
// links, the stdlib as one symlink per entry, and a real site-packages
// holding Nix's sitecustomize.py.
func (b *nixBuilder) buildBase() {
	n := b.n
	n.Base = b.storePath("python3-"+n.Version, "base")
	bin := filepath.Join(n.Base, "bin")
	b.mkdir(bin)
	if err := copyFile(n.RealPython, filepath.Join(bin, b.exeName()), 0o755); err != nil {
		b.fatal("%v", err)
	}
	b.symlink(b.exeName(), filepath.Join(bin, "python3"))
	b.symlink(filepath.Join(bin, "python3"), filepath.Join(bin, "python"))

	realLib := b.libDir(n.RealPrefix)
	lib := b.libDir(n.Base)
	b.mkdir(lib)
	entries, err := os.ReadDir(realLib)
	if err != nil {
		b.fatal("reading the real stdlib: %v", err)
	}
	for _, e := range entries {
		if e.Name() == "site-packages" {
			continue
		}
		b.symlink(filepath.Join(realLib, e.Name()), filepath.Join(lib, e.Name()))
	}
	site := filepath.Join(lib, "site-packages")
	b.write(filepath.Join(site, "sitecustomize.py"), nixSitecustomize(b.opts.NewerSitecustomize), 0o444)
	b.write(filepath.Join(lib, "EXTERNALLY-MANAGED"), "[externally-managed]\nError=This python is managed by Nix (pyshim test fixture).\n", 0o444)
}

// buildPackage makes <h>-pythonX.Y-nixonly-1.0, a module only the envs
// provide.
func (b *nixBuilder) buildPackage() {
	n := b.n
	n.Package = b.storePath("python"+n.Minor+"-nixonly-1.0", "pkg")
	b.write(filepath.Join(b.libDir(n.Package), "site-packages", "nixonly", "__init__.py"), "VALUE = 'nixonly'\n", 0o444)
}

// buildEnvLib fills env/lib/pythonX.Y as buildEnv does: the base's
// entries as symlinks and a merged site-packages.
func (b *nixBuilder) buildEnvLib(env string) {
	n := b.n
	baseLib, lib := b.libDir(n.Base), b.libDir(env)
	b.mkdir(lib)
	entries, err := os.ReadDir(baseLib)
	if err != nil {
		b.fatal("%v", err)
	}
	for _, e := range entries {
		if e.Name() == "site-packages" {
			continue
		}
		b.symlink(filepath.Join(baseLib, e.Name()), filepath.Join(lib, e.Name()))
	}
	site := filepath.Join(lib, "site-packages")
	baseSite := filepath.Join(baseLib, "site-packages")
	b.symlink(filepath.Join(baseSite, "sitecustomize.py"), filepath.Join(site, "sitecustomize.py"))
	b.symlink(filepath.Join(baseSite, "__pycache__"), filepath.Join(site, "__pycache__"))
	b.symlink(filepath.Join(b.libDir(n.Package), "site-packages", "nixonly"), filepath.Join(site, "nixonly"))
}

// eraAFlags are the wrapper.nix flags of an era-A env.
func (b *nixBuilder) eraAFlags(env string) []wrapFlag {
	return []wrapFlag{
		{op: "--set", args: []string{"NIX_PYTHONPREFIX", env}},
		{op: "--set", args: []string{"NIX_PYTHONEXECUTABLE", filepath.Join(env, "bin", b.exeName())}},
		{op: "--set", args: []string{"NIX_PYTHONPATH", filepath.Join(b.libDir(env), "site-packages")}},
		{op: "--set", args: []string{"PYTHONNOUSERSITE", "true"}},
	}
}

// buildEraA makes an era-A env: every bin/python* wraps the base's.
func (b *nixBuilder) buildEraA(env string, binary bool) {
	b.buildEnvLib(env)
	for _, name := range []string{b.exeName(), "python3", "python"} {
		target := filepath.Join(b.n.Base, "bin", name)
		out := filepath.Join(env, "bin", name)
		if binary {
			b.binaryWrapper(out, target, b.eraAFlags(env))
		} else {
			b.shellWrapper(out, target, b.eraAFlags(env))
		}
	}
}

// buildEraAChain makes an env whose bin/python3.X went through
// wrapProgram after an era-A binary wrapper was made.
func (b *nixBuilder) buildEraAChain(env string) {
	b.buildEnvLib(env)
	bin := filepath.Join(env, "bin")
	hidden := filepath.Join(bin, "."+b.exeName()+"-wrapped")
	b.binaryWrapper(hidden, filepath.Join(b.n.Base, "bin", b.exeName()), b.eraAFlags(env))
	b.shellWrapper(filepath.Join(bin, b.exeName()), hidden, []wrapFlag{
		{op: "--inherit-argv0"},
		{op: "--set-default", args: []string{"PYSHIM_CHAIN", "outer"}},
		{op: "--prefix", args: []string{"PATH", ":", filepath.Join(env, "chain-bin")}},
	})
	b.symlink(b.exeName(), filepath.Join(bin, "python3"))
}

// buildEraB makes an era-B env: sys.prefix == sys.base_prefix == env.
func (b *nixBuilder) buildEraB(env string, binary bool) {
	b.buildEnvLib(env)
	bin := filepath.Join(env, "bin")
	flags := []wrapFlag{
		{op: "--inherit-argv0"},
		{op: "--resolve-argv0"},
		{op: "--set", args: []string{"PYTHONNOUSERSITE", "true"}},
	}
	target := filepath.Join(b.n.Base, "bin", b.exeName())
	if binary {
		b.binaryWrapper(filepath.Join(bin, b.exeName()), target, flags)
	} else {
		b.shellWrapper(filepath.Join(bin, b.exeName()), target, flags)
	}
	b.symlink(b.exeName(), filepath.Join(bin, "python3"))
}

// buildProfile makes Home/.nix-profile -> Home/.local/state/nix/profiles/
// profile -> profile-1-link -> <store>/<h>-profile, whose bin links into
// the chosen env.
func (b *nixBuilder) buildProfile() {
	n := b.n
	env := n.Env(b.opts.ProfileEnv)
	if env == "" {
		b.fatal("unknown ProfileEnv %q", b.opts.ProfileEnv)
	}
	prof := b.storePath("profile", "profile")
	for _, name := range []string{b.exeName(), "python3"} {
		b.symlink(filepath.Join(env, "bin", name), filepath.Join(prof, "bin", name))
	}
	profiles := filepath.Join(n.Home, ".local", "state", "nix", "profiles")
	b.symlink(prof, filepath.Join(profiles, "profile-1-link"))
	b.symlink("profile-1-link", filepath.Join(profiles, "profile"))
	n.Profile = filepath.Join(n.Home, ".nix-profile")
	b.symlink(filepath.Join(profiles, "profile"), n.Profile)
}

// pythonEnv is the environment the fixture runs its python with.
func (b *nixBuilder) pythonEnv() []string {
	return []string{"PATH=/usr/bin:/bin", "HOME=" + b.n.Home, "LC_ALL=C.UTF-8"}
}

// compile byte-compiles the fixture's own Python files (as Nix does at
// build time), so that no python ever writes a .pyc into the store.
func (b *nixBuilder) compile() {
	n := b.n
	files := []string{
		filepath.Join(b.libDir(n.Base), "site-packages", "sitecustomize.py"),
		filepath.Join(b.libDir(n.Package), "site-packages", "nixonly", "__init__.py"),
	}
	cmd := exec.Command(filepath.Join(n.Base, "bin", b.exeName()), append([]string{"-S", "-c",
		"import py_compile, sys\nfor f in sys.argv[1:]: py_compile.compile(f, doraise=True)"}, files...)...)
	cmd.Env = b.pythonEnv()
	if out, err := cmd.CombinedOutput(); err != nil {
		b.fatal("byte-compiling: %v\n%s", err, out)
	}
}

// verifyBase checks that the copied ELF finds its prefix in the base.
func (b *nixBuilder) verifyBase() {
	cmd := exec.Command(filepath.Join(b.n.Base, "bin", b.exeName()), "-c", "import sys; print(sys.prefix)")
	cmd.Env = b.pythonEnv()
	out, err := cmd.Output()
	if err != nil {
		b.fatal("running the base python: %v", err)
	}
	if got := strings.TrimSpace(string(out)); got != b.n.Base {
		b.fatal("base python has sys.prefix %q, want %q", got, b.n.Base)
	}
}

// LogLines returns the lines wrappers have written to the log, one per
// wrapper run: "shell -e /path/to/wrapper ARGS…" or "binary /path".
func (n *Nix) LogLines(t testing.TB) []string {
	t.Helper()
	data, err := os.ReadFile(n.Log)
	if err != nil {
		t.Fatalf("reading wrapper log: %v", err)
	}
	s := strings.TrimRight(string(data), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// WrapperRan reports whether any wrapper has run since the store was
// built or the log was last reset.
func (n *Nix) WrapperRan(t testing.TB) bool {
	t.Helper()
	return len(n.LogLines(t)) > 0
}

// ResetLog empties the wrapper log.
func (n *Nix) ResetLog(t testing.TB) {
	t.Helper()
	if err := os.WriteFile(n.Log, nil, 0o644); err != nil {
		t.Fatalf("resetting wrapper log: %v", err)
	}
}

func copyFile(src, dst string, perm os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("copying %s: %w", src, err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return fmt.Errorf("copying to %s: %w", dst, err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copying %s to %s: %w", src, dst, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("copying to %s: %w", dst, err)
	}
	return nil
}

// shQuote quotes s for bash as ${s@Q} does for printable strings.
func shQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
