// Package build makes wheels from source trees and source distributions
// with their PEP 517 (and PEP 660, for editables) build backends: an
// isolated build environment made with pyshim's own venv code and
// installer, our own hook runner (hooks.py) run by the target's
// interpreter, and caches of build environments (by their resolved
// requirement set) and of built wheels (by sdist hash, or by the state of
// a source tree).
package build

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/gofrs/flock"

	"github.com/pyshim/pyshim/install/cache"
	"github.com/pyshim/pyshim/install/index"
	"github.com/pyshim/pyshim/install/installer"
	"github.com/pyshim/pyshim/install/pep440"
	"github.com/pyshim/pyshim/install/pep508"
	"github.com/pyshim/pyshim/install/pyproject"
	"github.com/pyshim/pyshim/install/wheel"
	"github.com/pyshim/pyshim/plugins/sdk/interp"
	"github.com/pyshim/pyshim/resolver"
	"github.com/pyshim/pyshim/venv"
)

// maxDepth bounds builds started to install build requirements that are
// themselves source distributions.
const maxDepth = 3

// Builder builds wheels for installs into one kind of target. It is safe
// for concurrent use: build environments and built wheels are written
// under locks, through temporary names.
type Builder struct {
	// Dir holds the build environments and built wheels
	// ($XDG_CACHE_HOME/pyshim/build).
	Dir string
	// Cache is the wheel cache build requirements are installed from.
	Cache *cache.Cache
	// Index and Formats are where build requirements come from, and which
	// kinds of file they may be (the install's own options, as pip passes
	// them on).
	Index   index.Config
	Formats index.Formats
	// NoIsolation runs the backend in the target itself, with what is
	// installed there (--no-build-isolation): no build environment.
	NoIsolation bool
	// Info queries interpreters (the base of a target venv).
	Info *resolver.InfoCache
	// Status, when set, is told what is being built ("foo==1.0") when a
	// build starts and "" when it ends.
	Status func(what string)
	// Transport replaces the HTTP transport (tests).
	Transport http.RoundTripper
	// Environ is the environment hooks run in (os.Environ() when nil),
	// less the variables that would break isolation.
	Environ []string

	depth int
}

// Built is a wheel built from a local source.
type Built struct {
	// Wheel is the wheel file; Name (normalised) and Version come from its
	// name.
	Wheel, Name, Version string
	// DirectURL is the direct_url.json to record (PEP 610).
	DirectURL []byte
	// Cleanup removes the wheel when it is not cached (editables).
	Cleanup func()
}

// env is where a backend runs.
type env struct {
	python string
	target *installer.Target
}

// source is one tree to build.
type source struct {
	dir       string
	project   *pyproject.Project
	label     string // "foo==1.0", or the directory
	reproduce string // how to get the tree back, as a shell command
}

func readSource(dir, label, reproduce string) (*source, error) {
	p, err := pyproject.Read(filepath.Join(dir, "pyproject.toml"))
	switch {
	case errors.Is(err, os.ErrNotExist):
		if _, serr := os.Stat(filepath.Join(dir, "setup.py")); serr != nil {
			return nil, fmt.Errorf("%s has neither pyproject.toml nor setup.py: it is not a Python project", label)
		}
		p, _ = pyproject.Parse(nil)
		p.Path = filepath.Join(dir, "pyproject.toml")
	case err != nil:
		return nil, err
	}
	if p.Name != "" {
		// "demo==1.0 (/src/demo)": what the spinner and errors show.
		name := p.Name
		if p.Version != "" {
			name += "==" + p.Version
		}
		if label != name {
			label = name + " (" + label + ")"
		}
	}
	return &source{dir: dir, project: p, label: label, reproduce: reproduce}, nil
}

// environ is the hooks' environment: ours, without what would make the
// build see other packages, and with user site-packages off.
func (b *Builder) environ() []string {
	base := b.Environ
	if base == nil {
		base = os.Environ()
	}
	var out []string
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "PYTHONPATH", "PYTHONHOME", "PYTHONNOUSERSITE", "PYTHONSTARTUP", "PYTHONSAFEPATH", "VIRTUAL_ENV", "PYSHIM_HOPS", "__PYVENV_LAUNCHER__":
			continue
		}
		out = append(out, kv)
	}
	return append(out, "PYTHONNOUSERSITE=1")
}

// baseOf is the interpreter a target venv was made from (pyvenv.cfg's
// home), or the target's own for a non-venv target.
func (b *Builder) baseOf(ctx context.Context, t *installer.Target) (interp.Interpreter, *resolver.Info, error) {
	if !t.Venv {
		return t.Interp, t.Info, nil
	}
	home := ""
	if data, err := os.ReadFile(filepath.Join(t.Dir, "pyvenv.cfg")); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			k, v, ok := strings.Cut(line, "=")
			if ok && strings.TrimSpace(k) == "home" {
				home = strings.TrimSpace(v)
			}
		}
	}
	if home == "" {
		return interp.Interpreter{}, nil, fmt.Errorf("%s/pyvenv.cfg names no home interpreter; recreate the venv with `pyshim venv`", t.Dir)
	}
	names := []string{"python" + t.PythonVersion, "python3", "python"}
	if t.Info.Implementation == "pypy" {
		names = append([]string{"pypy" + t.PythonVersion, "pypy3", "pypy"}, names...)
	}
	for _, n := range names {
		p := filepath.Join(home, n)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			in := interp.Interpreter{Path: p, Exe: p, Argv0: p, Kind: interp.KindBase}
			info, err := b.Info.Query(ctx, &in)
			if err != nil {
				return in, nil, fmt.Errorf("asking %s, the base of %s, about itself: %w", p, t.Dir, err)
			}
			return in, info, nil
		}
	}
	return interp.Interpreter{}, nil, fmt.Errorf("the base interpreter of %s (home = %s) is gone; recreate the venv with `pyshim venv`", t.Dir, home)
}

// baseKey identifies what a build for t depends on of its interpreter.
func (b *Builder) baseKey(ctx context.Context, t *installer.Target) (string, error) {
	in, info, err := b.baseOf(ctx, t)
	if err != nil {
		return "", err
	}
	iso := "isolated"
	if b.NoIsolation {
		iso = "target:" + t.Dir
	}
	return strings.Join([]string{in.Exe, info.Implementation, info.VersionString(), info.SOABI, info.Platform, iso}, "\x00"), nil
}

// envTarget describes the venv at dir made from the base (in, info)
// without asking its python: it reports what the base does but for its
// prefix.
func envTarget(dir string, info *resolver.Info, version string) (*installer.Target, error) {
	i := *info
	py := filepath.Join(dir, "bin", "python")
	i.Prefix, i.ExecPrefix, i.Executable = dir, dir, py
	scheme, err := wheel.VenvScheme(dir, info.VenvPaths, version)
	if err != nil {
		return nil, err
	}
	return &installer.Target{Dir: dir, Venv: true, Interp: interp.Interpreter{Path: py, Exe: py, Argv0: py, Kind: interp.KindVenv},
		Info: &i, Scheme: scheme, Python: py, PythonVersion: version, Origin: "build environment"}, nil
}

// nested is the Builder for the build requirements' own builds.
func (b *Builder) nested() *Builder {
	n := *b
	n.depth++
	n.NoIsolation = false
	return &n
}

func (b *Builder) installOptions(reqs []installer.Requirement) installer.Options {
	o := installer.Options{Requirements: reqs, Index: b.Index, Formats: b.Formats, Cache: b.Cache, Link: wheel.Reflink,
		Transport: b.Transport, Parallel: installer.DefaultParallel()}
	if b.depth+1 < maxDepth {
		o.Builder = b.nested()
	}
	return o
}

// env returns a build environment for t holding requires: one cached by
// the resolved set, made the first time. With NoIsolation it is t itself.
func (b *Builder) env(ctx context.Context, t *installer.Target, requires []string) (*env, error) {
	if b.NoIsolation {
		return &env{python: t.Python, target: t}, nil
	}
	var reqs []installer.Requirement
	for _, s := range requires {
		r, err := pep508.ParseRequirement(s)
		if err != nil {
			return nil, fmt.Errorf("build requirement %q: %w", s, err)
		}
		reqs = append(reqs, installer.Requirement{Req: r, Where: "[build-system] requires"})
	}
	base, info, err := b.baseOf(ctx, t)
	if err != nil {
		return nil, err
	}
	envs := filepath.Join(b.Dir, "envs")
	probe, err := envTarget(filepath.Join(envs, ".resolve"), info, t.PythonVersion)
	if err != nil {
		return nil, err
	}
	o := b.installOptions(reqs)
	o.DryRun = true
	rep, err := installer.Install(ctx, probe, o)
	if err != nil {
		return nil, fmt.Errorf("resolving the build requirements %s: %w", strings.Join(requires, ", "), err)
	}
	var pins []string
	for _, p := range rep.Resolved {
		pins = append(pins, p.Name+"=="+p.Version.String())
	}
	sort.Strings(pins)
	key := hashOf(append([]string{base.Exe, info.VersionString(), info.SOABI, info.Platform}, pins...)...)[:24]
	dir := filepath.Join(envs, key)
	ready := filepath.Join(dir, ".pyshim-ready")
	py := filepath.Join(dir, "bin", "python")
	et, err := envTarget(dir, info, t.PythonVersion)
	if err != nil {
		return nil, err
	}
	if fileExists(ready) {
		return &env{python: py, target: et}, nil
	}
	if err := os.MkdirAll(envs, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", envs, err)
	}
	lk := flock.New(dir + ".lock")
	if _, err := lk.TryLockContext(ctx, 25*time.Millisecond); err != nil {
		return nil, fmt.Errorf("locking %s: %w", dir, err)
	}
	defer func() { _ = lk.Unlock() }()
	if fileExists(ready) {
		return &env{python: py, target: et}, nil
	}
	// A build environment that was being made when its maker died.
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("removing the unfinished build environment %s: %w", dir, err)
	}
	if _, err := venv.Create(ctx, dir, &venv.Base{Interp: base, Info: *info}, venv.Options{WithoutSCMIgnoreFiles: true}, nil); err != nil {
		return nil, fmt.Errorf("creating the build environment %s: %w", dir, err)
	}
	var pinned []installer.Requirement
	for _, p := range pins {
		r, _ := pep508.ParseRequirement(p)
		pinned = append(pinned, installer.Requirement{Req: r, Where: "[build-system] requires"})
	}
	o = b.installOptions(pinned)
	o.NoDeps = true
	if _, err := installer.Install(ctx, et, o); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("installing the build requirements %s: %w", strings.Join(requires, ", "), err)
	}
	if err := os.WriteFile(ready, []byte(strings.Join(pins, "\n")+"\n"), 0o644); err != nil {
		return nil, err
	}
	return &env{python: py, target: et}, nil
}

func hashOf(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		io.WriteString(h, p)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// runner makes the hook runner for src in e.
func (b *Builder) runner(e *env, src *source, tmp string) *runner {
	bs := src.project.Build
	return &runner{python: e.python, env: b.environ(), src: src.dir, backend: bs.Backend, backendPath: bs.BackendPath,
		tmp: tmp, label: src.label, reproduce: src.reproduce}
}

// extend makes *e hold requires plus what get_requires_for_build_*
// returned (extra): another build environment, or, without isolation, a
// check that the target has them all.
func (b *Builder) extend(ctx context.Context, t *installer.Target, e **env, r *runner, requires, extra []string) error {
	if b.NoIsolation {
		return b.checkInstalled(t, append(append([]string{}, requires...), extra...))
	}
	if len(extra) == 0 {
		return nil
	}
	ne, err := b.env(ctx, t, append(append([]string{}, requires...), extra...))
	if err != nil {
		return err
	}
	*e, r.python = ne, ne.python
	return nil
}

// checkInstalled refuses a build without isolation whose requirements
// the target lacks, naming them.
func (b *Builder) checkInstalled(t *installer.Target, requires []string) error {
	dists, err := installer.List(t)
	if err != nil {
		return err
	}
	have := map[string]string{}
	for _, d := range dists {
		have[d.Normalized()] = d.Version
	}
	var missing []string
	for _, s := range requires {
		r, err := pep508.ParseRequirement(s)
		if err != nil {
			return fmt.Errorf("build requirement %q: %w", s, err)
		}
		if ok, err := r.Marker.Evaluate(t.Info.Markers, nil); err == nil && !ok {
			continue
		}
		v, ok := have[r.NormalizedName()]
		if ok {
			pv, err := pep440.Parse(v)
			ok = err == nil && r.Specifier.Contains(pv, true)
		}
		if !ok {
			missing = append(missing, s)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return &installer.UserError{Msg: fmt.Sprintf("with --no-build-isolation the build runs in %s, which lacks the build requirements %s; install them there first (pyshim install --venv %s %s) or drop --no-build-isolation",
		t.Dir, strings.Join(missing, ", "), t.Dir, quoteAll(missing))}
}

func quoteAll(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = shellQuote(a)
	}
	return strings.Join(q, " ")
}

// kind is "wheel" or "editable": which PEP 517/660 hooks a build calls.
func kind(editable bool) string {
	if editable {
		return "editable"
	}
	return "wheel"
}

// buildWheel runs get_requires_for_build_KIND and build_KIND for src and
// returns the wheel written to out.
func (b *Builder) buildWheel(ctx context.Context, t *installer.Target, src *source, editable bool, out string) (string, error) {
	if b.Status != nil {
		b.Status(src.label)
		defer b.Status("")
	}
	tmp, err := os.MkdirTemp("", "pyshim-build-")
	if err != nil {
		return "", fmt.Errorf("making a temporary directory: %w", err)
	}
	defer os.RemoveAll(tmp)
	requires := src.project.Build.Requires
	e, err := b.env(ctx, t, requires)
	if err != nil {
		return "", err
	}
	r := b.runner(e, src, tmp)
	k := kind(editable)
	var extra []string
	if _, err := r.call(ctx, "get_requires_for_build_"+k, map[string]any{"config_settings": nil}, &extra); err != nil {
		return "", err
	}
	if err := b.extend(ctx, t, &e, r, requires, extra); err != nil {
		return "", err
	}
	var name string
	missing, err := r.call(ctx, "build_"+k, map[string]any{"wheel_directory": out, "config_settings": nil, "metadata_directory": nil}, &name)
	if err != nil {
		return "", err
	}
	if missing {
		return "", &MissingHookError{Label: src.label, Backend: r.backend, Hook: "build_" + k}
	}
	if name == "" || strings.ContainsAny(name, "/\\") {
		return "", &Error{Label: src.label, Backend: r.backend, Hook: "build_" + k, Why: fmt.Sprintf("it returned %q, not a wheel file name", name)}
	}
	p := filepath.Join(out, name)
	if _, err := wheel.ParseFilename(name); err != nil || !fileExists(p) {
		return "", &Error{Label: src.label, Backend: r.backend, Hook: "build_" + k, Why: fmt.Sprintf("it named %s, which it did not write as a wheel", name)}
	}
	return p, nil
}

// cached returns the wheel kept under key, if any.
func (b *Builder) cached(key string) (string, bool) {
	dir := filepath.Join(b.Dir, "wheels", key)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return "", false
	}
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".whl") {
			return filepath.Join(dir, e.Name()), true
		}
	}
	return "", false
}

// buildCached returns the wheel built from src under key, building it the
// first time into a staging directory renamed into place.
func (b *Builder) buildCached(ctx context.Context, t *installer.Target, key string, src func() (*source, func(), error)) (string, error) {
	if w, ok := b.cached(key); ok {
		return w, nil
	}
	wheels := filepath.Join(b.Dir, "wheels")
	if err := os.MkdirAll(wheels, 0o755); err != nil {
		return "", fmt.Errorf("creating %s: %w", wheels, err)
	}
	// One build of a thing at a time: two installs of one project would
	// otherwise build in its tree at once.
	lk := flock.New(filepath.Join(wheels, "."+key+".lock"))
	if _, err := lk.TryLockContext(ctx, 25*time.Millisecond); err != nil {
		return "", fmt.Errorf("locking the build of %s: %w", key, err)
	}
	defer func() { _ = lk.Unlock() }()
	if w, ok := b.cached(key); ok {
		return w, nil
	}
	removeStale(wheels)
	staging, err := os.MkdirTemp(wheels, ".staging-")
	if err != nil {
		return "", fmt.Errorf("creating a staging directory in %s: %w", wheels, err)
	}
	defer os.RemoveAll(staging)
	s, done, err := src()
	if err != nil {
		return "", err
	}
	defer done()
	w, err := b.buildWheel(ctx, t, s, false, staging)
	if err != nil {
		return "", err
	}
	final := filepath.Join(wheels, key)
	if err := os.Rename(staging, final); err != nil {
		// Another build of the same thing finished first: use its wheel.
		if cw, ok := b.cached(key); ok {
			return cw, nil
		}
		return "", fmt.Errorf("keeping the built wheel: %w", err)
	}
	return filepath.Join(final, filepath.Base(w)), nil
}

// staleAfter is the age past which a staging directory is taken for one a
// killed build left behind.
const staleAfter = 24 * time.Hour

// removeStale removes the staging directories of builds killed long ago.
func removeStale(dir string) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), ".staging-") {
			continue
		}
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > staleAfter {
			_ = os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
}

// sdistSource unpacks the sdist at p into a temporary directory.
func sdistSource(p, label string) (*source, func(), error) {
	tmp, err := os.MkdirTemp("", "pyshim-sdist-")
	if err != nil {
		return nil, nil, fmt.Errorf("making a temporary directory: %w", err)
	}
	done := func() { _ = os.RemoveAll(tmp) }
	dir, err := unpackSdist(p, tmp)
	if err != nil {
		done()
		return nil, nil, err
	}
	s, err := readSource(dir, label, fmt.Sprintf("mkdir /tmp/b && tar -xf %s -C /tmp/b && cd /tmp/b/%s", shellQuote(p), shellQuote(filepath.Base(dir))))
	if err != nil {
		done()
		return nil, nil, err
	}
	return s, done, nil
}

func sdistLabel(p string) string {
	n := filepath.Base(p)
	for _, ext := range []string{".tar.gz", ".tar.bz2", ".tgz", ".tar", ".zip"} {
		if s, ok := strings.CutSuffix(strings.ToLower(n), ext); ok {
			return n[:len(s)]
		}
	}
	return n
}

func (b *Builder) sdistKey(ctx context.Context, t *installer.Target, sum string) (string, error) {
	bk, err := b.baseKey(ctx, t)
	if err != nil {
		return "", err
	}
	return "sdist-" + hashOf("sdist", strings.ToLower(sum), bk)[:32], nil
}

// BuildSdist builds (once per sdist content and interpreter) the wheel of
// the sdist at p, whose sha256 is sum ("" to compute it).
func (b *Builder) BuildSdist(ctx context.Context, t *installer.Target, p, sum string) (string, error) {
	if sum == "" {
		var err error
		if sum, err = cache.HashFile(p); err != nil {
			return "", err
		}
	}
	key, err := b.sdistKey(ctx, t, sum)
	if err != nil {
		return "", err
	}
	return b.buildCached(ctx, t, key, func() (*source, func(), error) { return sdistSource(p, sdistLabel(p)) })
}

// SdistMetadata returns the core metadata of the sdist at p: its PKG-INFO
// when that is Metadata 2.2+ without dynamic dependencies, else what the
// backend's prepare_metadata_for_build_wheel writes (or, for a backend
// without that hook, the built wheel's METADATA; the wheel is kept).
func (b *Builder) SdistMetadata(ctx context.Context, t *installer.Target, p, sum string) ([]byte, error) {
	pkgInfo, err := readPKGINFO(p)
	if err == nil && staticMetadata(pkgInfo) {
		return pkgInfo, nil
	}
	if sum == "" {
		if sum, err = cache.HashFile(p); err != nil {
			return nil, err
		}
	}
	key, err := b.sdistKey(ctx, t, sum)
	if err != nil {
		return nil, err
	}
	if w, ok := b.cached(key); ok {
		return wheelMetadata(w)
	}
	src, done, err := sdistSource(p, sdistLabel(p))
	if err != nil {
		return nil, err
	}
	defer done()
	md, err := b.prepareMetadata(ctx, t, src)
	if err != nil || md != nil {
		return md, err
	}
	w, err := b.BuildSdist(ctx, t, p, sum)
	if err != nil {
		return nil, err
	}
	return wheelMetadata(w)
}

// prepareMetadata runs prepare_metadata_for_build_wheel; nil, nil when the
// backend has no such hook.
func (b *Builder) prepareMetadata(ctx context.Context, t *installer.Target, src *source) ([]byte, error) {
	if b.Status != nil {
		b.Status(src.label + " (metadata)")
		defer b.Status("")
	}
	tmp, err := os.MkdirTemp("", "pyshim-build-")
	if err != nil {
		return nil, fmt.Errorf("making a temporary directory: %w", err)
	}
	defer os.RemoveAll(tmp)
	e, err := b.env(ctx, t, src.project.Build.Requires)
	if err != nil {
		return nil, err
	}
	r := b.runner(e, src, tmp)
	var extra []string
	if _, err := r.call(ctx, "get_requires_for_build_wheel", map[string]any{"config_settings": nil}, &extra); err != nil {
		return nil, err
	}
	if err := b.extend(ctx, t, &e, r, src.project.Build.Requires, extra); err != nil {
		return nil, err
	}
	mdDir := filepath.Join(tmp, "metadata")
	if err := os.Mkdir(mdDir, 0o700); err != nil {
		return nil, err
	}
	var name string
	missing, err := r.call(ctx, "prepare_metadata_for_build_wheel", map[string]any{"metadata_directory": mdDir, "config_settings": nil}, &name)
	if err != nil || missing {
		return nil, err
	}
	if name == "" || strings.ContainsAny(name, "/\\") {
		return nil, &Error{Label: src.label, Backend: r.backend, Hook: "prepare_metadata_for_build_wheel", Why: fmt.Sprintf("it returned %q, not a .dist-info name", name)}
	}
	return os.ReadFile(filepath.Join(mdDir, name, "METADATA"))
}

// wheelMetadata reads the METADATA of the wheel at p.
func wheelMetadata(p string) ([]byte, error) {
	zr, err := zip.OpenReader(p)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", p, err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		dir, base, ok := strings.Cut(f.Name, "/")
		if ok && base == "METADATA" && strings.HasSuffix(dir, ".dist-info") {
			rc, err := f.Open()
			if err != nil {
				return nil, err
			}
			defer rc.Close()
			return io.ReadAll(io.LimitReader(rc, maxPKGINFO))
		}
	}
	return nil, fmt.Errorf("%s has no .dist-info/METADATA", p)
}

// fileURL is the file:// URL of an absolute path.
func fileURL(p string) string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(p)}).String()
}

// builtFrom describes the wheel at w.
func builtFrom(w string, directURL []byte) (*Built, error) {
	wf, err := wheel.ParseFilename(filepath.Base(w))
	if err != nil {
		return nil, fmt.Errorf("the built wheel %s: %w", filepath.Base(w), err)
	}
	return &Built{Wheel: w, Name: wf.Normalized(), Version: wf.Version, DirectURL: directURL, Cleanup: func() {}}, nil
}

// Directory builds the project in the directory dir (absolute): a wheel kept
// while the tree is unchanged, or, when editable, a fresh editable wheel
// (PEP 660) that Cleanup removes.
func (b *Builder) Directory(ctx context.Context, t *installer.Target, dir string, editable bool) (*Built, error) {
	src, err := readSource(dir, dir, "cd "+shellQuote(dir))
	if err != nil {
		return nil, err
	}
	if editable {
		tmp, err := os.MkdirTemp("", "pyshim-editable-")
		if err != nil {
			return nil, fmt.Errorf("making a temporary directory: %w", err)
		}
		w, err := b.buildWheel(ctx, t, src, true, tmp)
		if err != nil {
			_ = os.RemoveAll(tmp)
			return nil, err
		}
		bl, err := builtFrom(w, []byte(fmt.Sprintf(`{"dir_info": {"editable": true}, "url": %s}`, jsonString(fileURL(dir)))))
		if err != nil {
			_ = os.RemoveAll(tmp)
			return nil, err
		}
		bl.Cleanup = func() { _ = os.RemoveAll(tmp) }
		return bl, nil
	}
	fp, err := fingerprint(dir)
	if err != nil {
		return nil, err
	}
	bk, err := b.baseKey(ctx, t)
	if err != nil {
		return nil, err
	}
	key := "dir-" + hashOf("dir", dir, fp, bk)[:32]
	w, err := b.buildCached(ctx, t, key, func() (*source, func(), error) { return src, func() {}, nil })
	if err != nil {
		return nil, err
	}
	return builtFrom(w, []byte(fmt.Sprintf(`{"dir_info": {}, "url": %s}`, jsonString(fileURL(dir)))))
}

// Archive builds the local sdist at p (absolute), recorded as installed
// from its file URL.
func (b *Builder) Archive(ctx context.Context, t *installer.Target, p string) (*Built, error) {
	sum, err := cache.HashFile(p)
	if err != nil {
		return nil, err
	}
	w, err := b.BuildSdist(ctx, t, p, sum)
	if err != nil {
		return nil, err
	}
	return builtFrom(w, []byte(fmt.Sprintf(`{"archive_info": {"hash": "sha256=%s", "hashes": {"sha256": "%s"}}, "url": %s}`, sum, sum, jsonString(fileURL(p)))))
}

// Git builds the project at rev ("" for the default branch) of the git
// repository at repoURL (a git+ URL without the "git+"), optionally in
// subdirectory; the wheel is kept per commit.
func (b *Builder) Git(ctx context.Context, t *installer.Target, repoURL, rev, subdirectory string) (*Built, error) {
	tmp, err := os.MkdirTemp("", "pyshim-git-")
	if err != nil {
		return nil, fmt.Errorf("making a temporary directory: %w", err)
	}
	defer os.RemoveAll(tmp)
	clone := filepath.Join(tmp, "src")
	git := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, "git", args...)
		cmd.Env = append(b.environ(), "GIT_TERMINAL_PROMPT=0")
		out, err := cmd.CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("git %s: %s", strings.Join(args, " "), lastLine(string(out)))
		}
		return strings.TrimSpace(string(out)), nil
	}
	if _, err := git("clone", "--quiet", "--no-checkout", repoURL, clone); err != nil {
		return nil, fmt.Errorf("cannot clone %s: %s", repoURL, strings.TrimPrefix(err.Error(), "git clone --quiet --no-checkout "+repoURL+" "+clone+": "))
	}
	ref := rev
	if ref == "" {
		ref = "HEAD"
	}
	commit, err := git("-C", clone, "rev-parse", "--verify", "--quiet", ref+"^{commit}")
	if err != nil {
		if commit, err = git("-C", clone, "rev-parse", "--verify", "--quiet", "origin/"+ref+"^{commit}"); err != nil {
			return nil, fmt.Errorf("%s has no revision %q", repoURL, rev)
		}
	}
	vcs := fmt.Sprintf(`{"url": %s, "vcs_info": {"commit_id": "%s", `, jsonString(repoURL), commit)
	if rev != "" {
		vcs += fmt.Sprintf(`"requested_revision": %s, `, jsonString(rev))
	}
	vcs += `"vcs": "git"}`
	if subdirectory != "" {
		vcs = fmt.Sprintf(`{"subdirectory": %s, %s`, jsonString(subdirectory), vcs[1:])
	}
	vcs += "}"
	bk, err := b.baseKey(ctx, t)
	if err != nil {
		return nil, err
	}
	key := "git-" + hashOf("git", repoURL, commit, subdirectory, bk)[:32]
	w, err := b.buildCached(ctx, t, key, func() (*source, func(), error) {
		if _, err := git("-C", clone, "checkout", "--quiet", commit); err != nil {
			return nil, nil, err
		}
		dir := clone
		if subdirectory != "" {
			dir = filepath.Join(clone, filepath.FromSlash(subdirectory))
		}
		s, err := readSource(dir, repoURL+"@"+commit[:min(12, len(commit))], fmt.Sprintf("git clone %s /tmp/b && cd /tmp/b && git checkout %s", shellQuote(repoURL), commit))
		return s, func() {}, err
	})
	if err != nil {
		return nil, err
	}
	return builtFrom(w, []byte(vcs))
}

func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
