// Package pyenv is pyshim's built-in discovery plugin for pyenv: every
// directory under $PYENV_ROOT/versions (CPython, PyPy and the other builds
// pyenv installs) and every pyenv-virtualenv environment, each pointed at
// its real binary rather than at pyenv's bash shims, which it never returns.
//
// Versions come from directory names and pyvenv.cfg only: the plugin never
// starts an interpreter.
package pyenv

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pyshim/pyshim/plugins/sdk/interp"
	"github.com/pyshim/pyshim/plugins/sdk/model"
)

// Name is the plugin's name, used as the Source of its candidates.
const Name = "pyenv"

// New returns the pyenv discovery plugin.
func New() model.Discoverer { return plugin{} }

// Root returns $PYENV_ROOT from env, or $HOME/.pyenv when it is unset or
// empty, or "" when neither is known.
func Root(env map[string]string) string {
	if r := env["PYENV_ROOT"]; r != "" {
		return r
	}
	if h := env["HOME"]; h != "" {
		return filepath.Join(h, ".pyenv")
	}
	return ""
}

// GlobalVersionFile returns pyenv's global version file, $PYENV_ROOT/version
// (PYENV_ROOT defaulting to $HOME/.pyenv), or "" when no root is known.
func GlobalVersionFile(env map[string]string) string {
	r := Root(env)
	if r == "" {
		return ""
	}
	return filepath.Join(r, "version")
}

type plugin struct{}

func (plugin) Describe(context.Context) (model.Description, error) {
	return model.Description{
		Name:    Name,
		Summary: "pyenv versions and pyenv-virtualenv environments under $PYENV_ROOT/versions",
	}, nil
}

// Unwrap recognises no file: pyenv's shims choose a version at run time,
// which is the resolver's job, and its version binaries are real.
func (plugin) Unwrap(context.Context, string, map[string]string) (interp.Interpreter, bool, error) {
	return interp.Interpreter{}, false, nil
}

// envRef locates a pyenv-virtualenv env: versions/<base>/envs/<name>.
type envRef struct{ base, name string }

func (e envRef) qualified() string { return e.base + "/envs/" + e.name }

func (plugin) Discover(ctx context.Context, req model.DiscoverRequest) (model.DiscoverResult, error) {
	var res model.DiscoverResult
	root := Root(req.Env)
	if root == "" {
		res.Warnings = append(res.Warnings, "pyenv: neither PYENV_ROOT nor HOME is set; skipping")
		return res, nil
	}
	if !filepath.IsAbs(root) {
		if req.Cwd == "" {
			res.Warnings = append(res.Warnings, fmt.Sprintf("pyenv: PYENV_ROOT %q is relative and no cwd was given; skipping", root))
			return res, nil
		}
		root = filepath.Join(req.Cwd, root)
	}
	versions := filepath.Join(root, "versions")
	res.Watch = []string{versions, filepath.Join(root, "version")}

	entries, err := os.ReadDir(versions)
	if errors.Is(err, fs.ErrNotExist) {
		return res, nil
	}
	if err != nil {
		return res, fmt.Errorf("listing pyenv versions: %w", err)
	}

	// Pass 1: the version directories and the envs inside them.
	envs := map[string]envRef{} // resolved env dir -> where it lives
	var names []string
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		if fi, err := os.Stat(filepath.Join(versions, name)); err != nil || !fi.IsDir() {
			continue
		}
		names = append(names, name)
		envDir := filepath.Join(versions, name, "envs")
		envEntries, err := os.ReadDir(envDir)
		if err != nil {
			continue
		}
		res.Watch = append(res.Watch, envDir)
		for _, ee := range envEntries {
			if real, err := filepath.EvalSymlinks(filepath.Join(envDir, ee.Name())); err == nil {
				envs[real] = envRef{base: name, name: ee.Name()}
			}
		}
	}

	add := func(in interp.Interpreter, warn string) {
		if warn != "" {
			res.Warnings = append(res.Warnings, warn)
		}
		if in.Exe != "" {
			res.Candidates = append(res.Candidates, in)
		}
	}

	// Pass 2: one candidate per version dir; a versions/<name> link to an
	// env is that env, listed once.
	seenEnv := map[string]bool{}
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("pyenv discovery: %w", err)
		}
		dir := filepath.Join(versions, name)
		real, err := filepath.EvalSymlinks(dir)
		if err != nil {
			continue
		}
		if env, ok := envs[real]; ok {
			if seenEnv[real] {
				continue
			}
			seenEnv[real] = true
			in, warn := envCandidate(dir, env)
			in.Names = appendUnique([]string{name}, env.qualified(), env.name)
			add(in, warn)
			continue
		}
		add(versionCandidate(dir, name))
	}
	// Envs without a versions/<name> link, still selectable as
	// "<base>/envs/<name>".
	var orphans []string
	for real := range envs {
		if !seenEnv[real] {
			orphans = append(orphans, real)
		}
	}
	sort.Strings(orphans)
	for _, real := range orphans {
		env := envs[real]
		in, warn := envCandidate(filepath.Join(versions, env.base, "envs", env.name), env)
		in.Names = []string{env.qualified()}
		add(in, warn)
	}
	return res, nil
}

// versionCandidate describes the version directory dir named name. It
// returns an Interpreter with an empty Exe (and perhaps a warning) when the
// directory holds no interpreter.
func versionCandidate(dir, name string) (interp.Interpreter, string) {
	info := ParseVersionName(name)
	path := findBinary(filepath.Join(dir, "bin"), binaryNames(info))
	if path == "" {
		return interp.Interpreter{}, fmt.Sprintf("pyenv: version %q has no python binary in %s; skipping", name, filepath.Join(dir, "bin"))
	}
	exe, err := filepath.EvalSymlinks(path)
	if err != nil {
		return interp.Interpreter{}, fmt.Sprintf("pyenv: resolving %s: %v; skipping", path, err)
	}
	in := interp.Interpreter{
		Path:           path,
		Exe:            exe,
		Argv0:          path,
		Version:        info.Version,
		Implementation: info.Implementation,
		Kind:           interp.KindBase,
		Source:         Name,
		Names:          []string{name},
	}
	// A venv placed directly in versions/ (not via envs/).
	if cfg, ok := interp.ReadPyvenvCfg(filepath.Join(dir, "pyvenv.cfg")); ok {
		in.Kind = interp.KindVenv
		if in.Version == "" {
			in.Version = cfg.Version
		}
		if in.Implementation == "" {
			in.Implementation = cfg.Implementation
		}
	}
	return in, ""
}

// envCandidate describes the pyenv-virtualenv env seen at dir (either
// versions/<name> or versions/<base>/envs/<name>).
func envCandidate(dir string, env envRef) (interp.Interpreter, string) {
	cfg, ok := interp.ReadPyvenvCfg(filepath.Join(dir, "pyvenv.cfg"))
	base := ParseVersionName(env.base)
	info := VersionInfo{Version: cfg.Version, Implementation: cfg.Implementation}
	if info.Implementation == "" {
		info.Implementation = base.Implementation
	}
	if info.Version == "" {
		info.Version = base.Version
	}
	names := binaryNames(info)
	if info.Version == "" {
		names = binaryNames(base)
	}
	path := findBinary(filepath.Join(dir, "bin"), names)
	if path == "" {
		return interp.Interpreter{}, fmt.Sprintf("pyenv: env %q has no python binary in %s; skipping", env.qualified(), filepath.Join(dir, "bin"))
	}
	exe, err := filepath.EvalSymlinks(path)
	if err != nil {
		return interp.Interpreter{}, fmt.Sprintf("pyenv: resolving %s: %v; skipping", path, err)
	}
	in := interp.Interpreter{
		Path:           path,
		Exe:            exe,
		Argv0:          path,
		Version:        info.Version,
		Implementation: info.Implementation,
		Kind:           interp.KindVenv,
		Source:         Name,
	}
	if !ok {
		in.Note = "no pyvenv.cfg in " + dir
	}
	return in, ""
}

// binaryNames lists the bin/ names to try for a version, most specific
// first.
func binaryNames(info VersionInfo) []string {
	var names []string
	v, err := interp.ParseVersion(info.Version)
	if info.Implementation == "pypy" {
		if err == nil && len(v.Parts) >= 2 {
			names = append(names, "pypy"+v.MinorString())
		}
		if err == nil {
			names = append(names, "pypy"+fmt.Sprint(v.Part(0)))
		}
		names = append(names, "pypy3", "pypy")
	}
	if err == nil && len(v.Parts) >= 2 {
		if v.FreeThreaded {
			names = append(names, "python"+v.MinorString()+"t")
		}
		names = append(names, "python"+v.MinorString())
	}
	if err == nil {
		names = append(names, "python"+fmt.Sprint(v.Part(0)))
	}
	return appendUnique(names, "python3", "python")
}

// findBinary returns the first of names in dir that is an executable
// regular file (after following symlinks), or "".
func findBinary(dir string, names []string) string {
	for _, n := range names {
		p := filepath.Join(dir, n)
		fi, err := os.Stat(p)
		if err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

func appendUnique(list []string, more ...string) []string {
	for _, m := range more {
		dup := false
		for _, l := range list {
			if l == m {
				dup = true
				break
			}
		}
		if !dup {
			list = append(list, m)
		}
	}
	return list
}
