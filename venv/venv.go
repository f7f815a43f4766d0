// Package venv writes virtual environments natively, matching what
// `python -m venv` of the same interpreter would write (pyvenv.cfg keys and
// order, bin links, scheme paths, lib64, .gitignore), without starting a
// python: everything it needs comes from the resolved interpreter and its
// cached interpreter-info query. It adds activation scripts of its own for
// bash/zsh, fish, csh, nu and PowerShell, activate_this.py and CACHEDIR.TAG.
//
// A venv is always built in a staging directory next to its destination and
// renamed into place, so a failure leaves nothing behind; Check refuses,
// before anything is written, destinations that cannot hold a working venv.
package venv

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pyshim/pyshim/plugins/sdk/interp"
	"github.com/pyshim/pyshim/resolver"
)

// Base is the interpreter a venv is made from: the resolved interpreter
// (what to exec, with which argv[0] and environment) and what the
// interpreter-info query reported when run that way.
type Base struct {
	Interp interp.Interpreter
	Info   resolver.Info
}

// Options are the choices of `pyshim venv`, named after python -m venv's.
type Options struct {
	// Prompt replaces the directory name in the shell prompt when
	// PromptSet; "." means the current directory's name (Python 3.9+).
	Prompt    string
	PromptSet bool
	// SystemSitePackages gives the venv the base's site-packages (and, for
	// a Nix era-A env, the env's packages).
	SystemSitePackages bool
	// Copies copies the interpreter instead of linking it.
	Copies bool
	// Clear replaces an existing directory's contents.
	Clear bool
	// WithoutSCMIgnoreFiles skips the .gitignore.
	WithoutSCMIgnoreFiles bool
	// Seed installs pip (and setuptools where that Python's ensurepip
	// would) from the interpreter's bundled wheels; the caller does that
	// through Seeder.
	Seed bool
	// PyshimVersion is written to pyvenv.cfg as `pyshim = VERSION`.
	PyshimVersion string
	// Cwd is the caller's working directory, for --prompt ".".
	Cwd string
	// StoreDir is the Nix store (NIX_STORE_DIR, default /nix/store), inside
	// which no venv is made.
	StoreDir string
}

// Link is a symbolic link (or, with --copies, a copy) in the venv.
type Link struct {
	// Path is relative to the venv.
	Path string
	// Target is what the link points to: absolute for the interpreter,
	// a name in the same directory for its aliases.
	Target string
}

// File is a regular file the venv holds.
type File struct {
	// Path is relative to the venv.
	Path string
	Data []byte
	// Mode is the permission asked for; the umask applies.
	Mode os.FileMode
}

// Layout is everything Create writes, computed by Plan without writing.
type Layout struct {
	// Dir is the venv's absolute path.
	Dir string
	// Home is pyvenv.cfg's home: the directory of the interpreter that,
	// started as the venv's python, makes sys.prefix the venv.
	Home string
	// Python is that interpreter, the target of bin/<ExeName>.
	Python string
	// ExeName is the interpreter's name in the venv's bin.
	ExeName string
	// Bin, Purelib, Platlib and Include are relative to Dir.
	Bin, Purelib, Platlib, Include string
	// Lib64 adds the lib64 -> lib link.
	Lib64 bool
	// Links are the interpreter and its aliases, interpreter first.
	Links []Link
	// Copies says the links are made as copies; CopyLibs lists shared
	// libraries copied beside the interpreter (PyPy's libpypy*-c.so).
	Copies   bool
	CopyLibs []string
	// Prompt is the shell prompt name.
	Prompt string
	// Files are pyvenv.cfg, the activation scripts and the marker files.
	Files []File
	// Version is the base's X.Y.Z and Implementation "cpython" or "pypy".
	Version        string
	Implementation string
}

// ImplementationName is the implementation as Python spells it: CPython
// or PyPy.
func (l *Layout) ImplementationName() string {
	if l.Implementation == "pypy" {
		return "PyPy"
	}
	return "CPython"
}

// pyVersion is a Python version_info prefix.
type pyVersion struct{ major, minor, micro int }

func (v pyVersion) atLeast(major, minor int) bool {
	return v.major > major || (v.major == major && v.minor >= minor)
}

func (v pyVersion) String() string { return fmt.Sprintf("%d.%d.%d", v.major, v.minor, v.micro) }

// version reads version_info[:3] from the info query.
func (b *Base) version() pyVersion {
	n := func(i int) int {
		if i < len(b.Info.VersionInfo) {
			if f, ok := b.Info.VersionInfo[i].(float64); ok {
				return int(f)
			}
		}
		return 0
	}
	return pyVersion{n(0), n(1), n(2)}
}

func (b *Base) pypy() bool { return b.Info.Implementation == "pypy" }

// PrefixMoved reports whether the interpreter reports a sys.prefix other
// than its sys.base_prefix without being a venv: a Nix era-A env, whose
// sitecustomize sets sys.prefix from NIX_PYTHONPREFIX. Such a prefix is a
// read-only store path that no venv may be based on.
func (b *Base) PrefixMoved() bool {
	if b.Info.Prefix == b.Info.BasePrefix || b.Info.Prefix == "" {
		return false
	}
	_, err := os.Stat(filepath.Join(b.Info.Prefix, "pyvenv.cfg"))
	return err != nil
}

// python returns the interpreter the venv's python links to: the one that
// python -m venv takes (sys._base_executable, sys.executable before 3.8),
// except for a Nix era-A env, where it is the base binary the wrapper
// execs: linked from a venv, the env's wrapper would put sys.prefix back
// on the read-only env, whatever its sitecustomize does.
func (b *Base) python() string {
	if b.PrefixMoved() {
		if filepath.IsAbs(b.Interp.Argv0) {
			return b.Interp.Argv0
		}
		return b.Interp.Exe
	}
	exe := b.Info.BaseExecutable
	if exe == "" {
		exe = b.Info.Executable
	}
	return exe
}

// Supported returns an error saying what to do when the base cannot make
// a venv: Python 2 and 3 before 3.6.
func (b *Base) Supported() error {
	v := b.version()
	switch {
	case v.major < 3:
		return fmt.Errorf("%s is Python %s, which has no venv; choose a Python 3 interpreter with -p (e.g. -p 3)", b.Interp.Path, v)
	case !v.atLeast(3, 6):
		return fmt.Errorf("%s is Python %s; pyshim venv needs Python 3.6 or newer: choose one with -p", b.Interp.Path, v)
	}
	return nil
}

// Plan computes the venv that Create would write at dir (absolute, clean);
// it writes nothing.
func Plan(dir string, b *Base, o Options) (*Layout, error) {
	if err := b.Supported(); err != nil {
		return nil, err
	}
	v := b.version()
	exe := b.python()
	if exe == "" {
		return nil, fmt.Errorf("%s did not report its executable; pass its absolute path with -p", b.Interp.Path)
	}
	abs, err := filepath.Abs(exe)
	if err != nil {
		return nil, fmt.Errorf("locating %s: %w", exe, err)
	}
	l := &Layout{
		Dir:            dir,
		Home:           filepath.Dir(abs),
		Python:         exe,
		ExeName:        filepath.Base(abs),
		Copies:         o.Copies,
		Version:        v.String(),
		Implementation: b.Info.Implementation,
	}
	l.Bin, l.Purelib, l.Platlib, l.Include = schemePaths(b, v)
	l.Lib64 = b.Info.PointerBits == 64 && !darwin(b) && (b.pypy() || !v.atLeast(3, 15))

	l.Links = []Link{{Path: filepath.Join(l.Bin, l.ExeName), Target: exe}}
	names := []string{"python", "python3"}
	if v.atLeast(3, 9) || b.pypy() {
		names = append(names, fmt.Sprintf("python3.%d", v.minor))
	}
	if b.pypy() {
		names = append(names, "pypy3", "pypy")
	}
	for _, n := range names {
		if n != l.ExeName {
			l.Links = append(l.Links, Link{Path: filepath.Join(l.Bin, n), Target: l.ExeName})
		}
	}
	if o.Copies && b.pypy() {
		// PyPy's venv copies its shared library beside a copied binary.
		libs, _ := filepath.Glob(filepath.Join(filepath.Dir(abs), "libpypy*-c.so"))
		l.CopyLibs = libs
	}

	l.Prompt = filepath.Base(dir)
	prompt, promptSet := o.Prompt, o.PromptSet
	if promptSet && prompt == "." && v.atLeast(3, 9) && o.Cwd != "" {
		prompt = filepath.Base(o.Cwd) // bpo-38901
	}
	if promptSet {
		l.Prompt = prompt
	}
	if strings.ContainsAny(dir+l.Prompt, "\x00\n\r") {
		return nil, fmt.Errorf("%q: a venv path or prompt with a line break cannot be activated from a shell; choose another", dir)
	}

	l.Files = append(l.Files, File{Path: "pyvenv.cfg", Data: pyvenvCfg(l, b, v, o, prompt), Mode: 0o666})
	if !o.WithoutSCMIgnoreFiles {
		l.Files = append(l.Files, File{Path: ".gitignore", Data: []byte(gitignore), Mode: 0o666})
	}
	l.Files = append(l.Files, File{Path: "CACHEDIR.TAG", Data: []byte(cachedirTag), Mode: 0o666})
	l.Files = append(l.Files, activationScripts(l)...)
	if o.SystemSitePackages && b.PrefixMoved() {
		if pth := nixEnvPth(b); pth != nil {
			l.Files = append(l.Files, File{Path: filepath.Join(l.Purelib, nixEnvPthName), Data: pth, Mode: 0o666})
		}
	}
	return l, nil
}

// gitignore is what CPython 3.13's venv writes, so git skips the venv.
const gitignore = "# Created by venv; see https://docs.python.org/3/library/venv.html\n*\n"

// cachedirTag marks the venv as regenerable for backup tools
// (https://bford.info/cachedir/); the first line is the fixed signature.
const cachedirTag = "Signature: 8a477f597d28d172789f06886806bc55\n" +
	"# This file is a cache directory tag created by pyshim venv.\n" +
	"# For information about cache directory tags, see https://bford.info/cachedir/\n"

// darwin reports whether the interpreter runs on macOS, where venv makes
// no lib64 link.
func darwin(b *Base) bool {
	return b.Info.Markers["sys_platform"] == "darwin" || strings.HasPrefix(b.Info.Platform, "macosx")
}

// schemePaths returns the venv's bin, purelib, platlib and include
// directories relative to the venv: from the sysconfig venv scheme where
// the interpreter has one (3.11+), else as the venv modules of older
// CPython and PyPy compute them (lib/pythonX.Y/site-packages,
// lib/pypyX.Y/site-packages, include).
func schemePaths(b *Base, v pyVersion) (bin, purelib, platlib, include string) {
	p := b.Info.VenvPaths
	get := func(key, fallback string) string {
		if s := p[key]; s != "" && filepath.IsLocal(s) {
			return filepath.Clean(s)
		}
		return fallback
	}
	libName := fmt.Sprintf("python%d.%d", v.major, v.minor)
	if b.pypy() {
		libName = fmt.Sprintf("pypy%d.%d", v.major, v.minor)
	}
	site := filepath.Join("lib", libName, "site-packages")
	if b.Info.VenvScheme == "venv" {
		purelib = get("purelib", site)
		return get("scripts", "bin"), purelib, get("platlib", purelib), get("include", "include")
	}
	purelib = get("purelib", site)
	return "bin", purelib, get("platlib", purelib), "include"
}
