// Package installer is `pyshim install`: it finds the environment to
// install into, refuses targets that must not be written (read-only, Nix
// store, EXTERNALLY-MANAGED) before anything is written, takes an exclusive
// lock inside the target, resolves the requirements against the indexes,
// downloads and unpacks wheels in parallel into the content-addressed cache
// and links them into place. It also uninstalls and lists distributions.
package installer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/pyshim/pyshim/install/wheel"
	"github.com/pyshim/pyshim/internal/writable"
	"github.com/pyshim/pyshim/plugins/sdk/interp"
	"github.com/pyshim/pyshim/resolver"
)

// Selection says how to find the target environment, in precedence order:
// Venv, else the environment of Python, else $VIRTUAL_ENV, else the
// trusted .venv found walking up from Cwd, else (with System) the
// interpreter the shim would run.
type Selection struct {
	// Venv is --venv DIR.
	Venv string
	// Python is -p REQUEST.
	Python string
	// System allows a target that is not a virtual environment.
	System bool
	// BreakSystemPackages allows an EXTERNALLY-MANAGED interpreter.
	BreakSystemPackages bool
	// Write says the caller will modify the target; the refusals apply
	// only then.
	Write bool
	Cwd   string
	// Getenv reads the caller's environment (VIRTUAL_ENV).
	Getenv func(string) string
	// Trusted reports whether a project .venv may be used (and its python
	// run).
	Trusted func(dir string) bool
	// StoreDir is NIX_STORE_DIR ("" means DefaultStoreDir).
	StoreDir string
	// Resolve picks an interpreter for a request ("" for the one the shim
	// would run); needed for Python and System only.
	Resolve func(ctx context.Context, request string) (*interp.Interpreter, error)
	// Info queries interpreters (cached).
	Info *resolver.InfoCache
}

// Target is an environment to install into.
type Target struct {
	// Dir is the venv, or the prefix of a non-venv interpreter.
	Dir  string
	Venv bool
	// Interp runs the target's python; Info is what it reports.
	Interp interp.Interpreter
	Info   *resolver.Info
	Scheme wheel.Scheme
	// Python is the interpreter written into script #! lines.
	Python string
	// Origin says how the target was chosen ("--venv", "-p 3.12",
	// "VIRTUAL_ENV", "project .venv", "--system").
	Origin string
	// PythonVersion is "X.Y".
	PythonVersion string
}

// UserError is an error meant to be shown to the user as it is: it says
// what went wrong and what to run instead.
type UserError struct{ Msg string }

func (e *UserError) Error() string { return e.Msg }

func userErrorf(format string, args ...any) error {
	return &UserError{Msg: fmt.Sprintf(format, args...)}
}

// FindTarget finds the target environment and, when s.Write, refuses one
// that must not be written. It runs no python it should not: an untrusted
// project .venv is named, never run.
func FindTarget(ctx context.Context, s Selection) (*Target, error) {
	getenv := s.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	abs := func(p string) string {
		if strings.HasPrefix(p, "~/") && getenv("HOME") != "" {
			p = filepath.Join(getenv("HOME"), p[2:])
		}
		if !filepath.IsAbs(p) {
			p = filepath.Join(s.Cwd, p)
		}
		return filepath.Clean(p)
	}
	switch {
	case s.Venv != "":
		return s.venvTarget(ctx, abs(s.Venv), "--venv")
	case s.Python != "":
		return s.interpTarget(ctx, s.Python, "-p "+s.Python)
	case getenv("VIRTUAL_ENV") != "":
		return s.venvTarget(ctx, abs(getenv("VIRTUAL_ENV")), "VIRTUAL_ENV")
	}
	for dir := s.Cwd; ; dir = filepath.Dir(dir) {
		venv := filepath.Join(dir, ".venv")
		if fileExists(filepath.Join(venv, "pyvenv.cfg")) {
			if s.Trusted == nil || !s.Trusted(venv) {
				return nil, userErrorf("%s is not trusted, so pyshim will not run its python; trust it with `pyshim trust %s`, or name it with --venv %s", venv, dir, venv)
			}
			return s.venvTarget(ctx, venv, "project .venv")
		}
		if dir == filepath.Dir(dir) {
			break
		}
	}
	if s.System {
		return s.interpTarget(ctx, "", "--system")
	}
	return nil, userErrorf("no virtual environment here (no --venv, -p, VIRTUAL_ENV or project .venv); create one with `pyshim venv %s`, or pass --system to use the interpreter itself", filepath.Join(s.Cwd, ".venv"))
}

// venvPython returns the python of the venv at dir.
func venvPython(dir string) (string, bool) {
	for _, name := range []string{"python", "python3", "pypy3", "pypy"} {
		p := filepath.Join(dir, "bin", name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, true
		}
	}
	return "", false
}

// venvTarget is the venv at dir.
func (s Selection) venvTarget(ctx context.Context, dir, origin string) (*Target, error) {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, userErrorf("%s (%s) does not exist; create it with `pyshim venv %s`", dir, origin, dir)
	case err != nil:
		return nil, fmt.Errorf("inspecting %s: %w", dir, err)
	case !fi.IsDir() || !fileExists(filepath.Join(dir, "pyvenv.cfg")):
		return nil, userErrorf("%s (%s) is not a virtual environment (no pyvenv.cfg); create one with `pyshim venv %s`", dir, origin, dir)
	}
	if s.Write {
		// A venv in the store or on a read-only mount is refused before its
		// python runs.
		if err := s.refuseDir(dir, dir, ""); err != nil {
			return nil, err
		}
	}
	py, ok := venvPython(dir)
	if !ok {
		return nil, userErrorf("%s has no bin/python; recreate it with `pyshim venv %s`", dir, dir)
	}
	in := interp.Interpreter{Path: py, Exe: py, Argv0: py, Kind: interp.KindVenv}
	t, err := s.query(ctx, in, origin)
	if err != nil {
		return nil, err
	}
	t.Dir, t.Venv = dir, true
	if t.Scheme, err = wheel.VenvScheme(dir, t.Info.VenvPaths, t.PythonVersion); err != nil {
		return nil, fmt.Errorf("the install scheme of %s: %w", dir, err)
	}
	t.Python = py
	if s.Write {
		if err := s.refuseScheme(t, ""); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func (s Selection) query(ctx context.Context, in interp.Interpreter, origin string) (*Target, error) {
	info, err := s.Info.Query(ctx, &in)
	if err != nil {
		return nil, fmt.Errorf("asking %s about itself: %w", in.Path, err)
	}
	if len(info.VersionInfo) < 2 {
		return nil, fmt.Errorf("%s reported no version", in.Path)
	}
	t := &Target{Interp: in, Info: info, Origin: origin}
	t.PythonVersion = fmt.Sprintf("%v.%v", info.VersionInfo[0], info.VersionInfo[1])
	return t, nil
}

// interpTarget is the environment of the interpreter request resolves to:
// its venv, or (with System) the interpreter's own prefix.
func (s Selection) interpTarget(ctx context.Context, request, origin string) (*Target, error) {
	if s.Resolve == nil {
		return nil, errors.New("no interpreter resolver")
	}
	in, err := s.Resolve(ctx, request)
	if err != nil {
		return nil, err
	}
	// A Nix store python is refused by its path before it runs.
	hint := in.Path
	if request != "" && !strings.Contains(request, "/") {
		hint = request
	}
	if s.Write {
		if store, ok := writable.InStore(in.Path, s.StoreDir); ok {
			return nil, refusal(in.Path, "it is in the Nix store "+store+", which is read-only", hint)
		}
	}
	t, err := s.query(ctx, *in, origin)
	if err != nil {
		return nil, err
	}
	prefix := filepath.Clean(t.Info.Prefix)
	if prefix != filepath.Clean(t.Info.BasePrefix) && fileExists(filepath.Join(prefix, "pyvenv.cfg")) {
		// The interpreter is a venv's: that venv is the target.
		return s.venvTarget(ctx, prefix, origin)
	}
	t.Dir = prefix
	t.Python = in.Path
	if t.Scheme, err = systemScheme(t.Info, t.PythonVersion); err != nil {
		return nil, fmt.Errorf("the install scheme of %s: %w", in.Path, err)
	}
	if !s.Write {
		if !s.System && request == "" {
			return nil, userErrorf("%s is not a virtual environment; pass --system to read it", in.Path)
		}
		return t, nil
	}
	if err := s.refuseScheme(t, hint); err != nil {
		return nil, err
	}
	if !s.System {
		return nil, userErrorf("%s is not a virtual environment; create one from it with `pyshim venv -p %s .venv` and install there, or pass --system to install into the interpreter itself", in.Path, hint)
	}
	if !s.BreakSystemPackages {
		if em := externallyManaged(t.Info); em != "" {
			return nil, refusal(in.Path, "it is marked externally managed ("+em+")", hint)
		}
	}
	return t, nil
}

// systemScheme is the scheme of a non-venv interpreter: its own prefix's
// paths when its site-packages are among them, else its first
// site-packages directory (Debian's /usr/local/lib/python3.X/dist-packages,
// with scripts in /usr/local/bin, as its pip does).
func systemScheme(info *resolver.Info, version string) (wheel.Scheme, error) {
	s, err := wheel.VenvScheme(info.Prefix, info.VenvPaths, version)
	if err != nil {
		return s, err
	}
	for _, sp := range info.SitePackages {
		if filepath.Clean(sp) == filepath.Clean(s.Purelib) {
			return s, nil
		}
	}
	if len(info.SitePackages) == 0 {
		return s, nil
	}
	sp := filepath.Clean(info.SitePackages[0])
	// .../lib/pythonX.Y/{site,dist}-packages -> ...
	prefix := filepath.Dir(filepath.Dir(filepath.Dir(sp)))
	return wheel.Scheme{
		Purelib: sp, Platlib: sp,
		Headers: filepath.Join(prefix, "include", "python"+version),
		Scripts: filepath.Join(prefix, "bin"),
		Data:    prefix,
	}, nil
}

// refusal is the error for a target that must not be written.
func refusal(python, why, hint string) error {
	return userErrorf("refusing to install into %s: %s; create a venv from it with `pyshim venv -p %s .venv` and install there", python, why, hint)
}

// refuseScheme refuses a target whose directories are in the Nix store or
// on a read-only file system.
func (s Selection) refuseScheme(t *Target, hint string) error {
	for _, d := range []string{t.Scheme.Purelib, t.Scheme.Platlib, t.Scheme.Scripts, t.Dir} {
		if err := s.refuseDir(d, t.Python, hint); err != nil {
			return err
		}
	}
	return nil
}

// refuseDir refuses dir when it is in the Nix store or on a read-only
// mount. what names the target in the message; hint is the -p value for
// the `pyshim venv` command ("" for a venv target: then the fix is a new
// venv elsewhere).
func (s Selection) refuseDir(dir, what, hint string) error {
	why := ""
	if store, ok := writable.InStore(dir, s.StoreDir); ok {
		why = "it is in the Nix store " + store + ", which is read-only"
	} else {
		existing := writable.NearestExisting(dir)
		ro, err := writable.ReadOnly(existing)
		if err != nil {
			return fmt.Errorf("inspecting the file system of %s: %w", existing, err)
		}
		if ro {
			why = existing + " is on a read-only file system"
		}
	}
	if why == "" {
		return nil
	}
	if hint == "" {
		return userErrorf("refusing to install into %s: %s; create a venv in a writable place with `pyshim venv .venv` and install there", what, why)
	}
	return refusal(what, why, hint)
}

// externallyManaged returns the EXTERNALLY-MANAGED file (PEP 668) of a
// non-venv interpreter's standard library, or "".
func externallyManaged(info *resolver.Info) string {
	rel := info.VenvPaths["stdlib"]
	if rel == "" {
		rel = fmt.Sprintf("lib/python%v.%v", info.VersionInfo[0], info.VersionInfo[1])
	}
	for _, base := range []string{info.BasePrefix, info.Prefix} {
		if base == "" {
			continue
		}
		p := filepath.Join(base, rel, "EXTERNALLY-MANAGED")
		if fileExists(p) {
			return p
		}
	}
	return ""
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
