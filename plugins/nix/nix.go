// Package nix is pyshim's discovery plugin for Nix: pythons in the Nix
// store reached through profiles (~/.nix-profile, NixOS system and
// per-user profiles) and PATH, base derivations and python.withPackages
// environments, and the wrappers nixpkgs puts in front of them
// (makeWrapper scripts and makeBinaryWrapper binaries), which it reads —
// never runs — to say how to exec the real interpreter directly.
package nix

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/pyshim/pyshim/plugins/sdk/interp"
	"github.com/pyshim/pyshim/plugins/sdk/model"
)

// SourceName is the plugin's name, used as Interpreter.Source.
const SourceName = "nix"

// DefaultStoreDir is the store used when NIX_STORE_DIR is not set.
const DefaultStoreDir = "/nix/store"

// exeNameRE matches the interpreter names the plugin looks for.
var exeNameRE = regexp.MustCompile(`^(python|python3|python3\.\d+|pypy3|pypy3\.\d+)$`)

type plugin struct{}

// New returns the Nix discovery plugin.
func New() model.Discoverer { return plugin{} }

// Describe implements model.Discoverer.
func (plugin) Describe(context.Context) (model.Description, error) {
	return model.Description{
		Name:    SourceName,
		Version: "0.1.0",
		Summary: "pythons in the Nix store: profiles, PATH, python.withPackages envs; unwraps makeWrapper and makeBinaryWrapper wrappers",
	}, nil
}

// storeDir returns the store directory named by env, symlinks resolved
// where possible.
func storeDir(env map[string]string) string {
	d := env["NIX_STORE_DIR"]
	if d == "" {
		d = DefaultStoreDir
	}
	d = filepath.Clean(d)
	if r, err := filepath.EvalSymlinks(d); err == nil {
		return r
	}
	return d
}

// searchDirs lists the directories to look in, in order, without
// duplicates.
func searchDirs(env map[string]string) []string {
	var dirs []string
	if h := env["HOME"]; h != "" {
		dirs = append(dirs, filepath.Join(h, ".nix-profile", "bin"))
	}
	dirs = append(dirs, "/run/current-system/sw/bin")
	if u := env["USER"]; u != "" {
		dirs = append(dirs, filepath.Join("/etc/profiles/per-user", u, "bin"))
	}
	for _, d := range filepath.SplitList(env["PATH"]) {
		if d != "" && filepath.IsAbs(d) {
			dirs = append(dirs, d)
		}
	}
	seen := map[string]bool{}
	out := dirs[:0]
	for _, d := range dirs {
		d = filepath.Clean(d)
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out
}

// inDir reports whether p is dir or inside it.
func inDir(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}

// isShim reports whether p (or what it resolves to) lies in pyshim's own
// shims directory.
func isShim(p, resolved string, env map[string]string) bool {
	sd := env["PYSHIM_SHIMS_DIR"]
	if sd == "" {
		return false
	}
	sd = filepath.Clean(sd)
	if inDir(p, sd) || inDir(resolved, sd) {
		return true
	}
	if r, err := filepath.EvalSymlinks(sd); err == nil && (inDir(p, r) || inDir(resolved, r)) {
		return true
	}
	return false
}

// Discover implements model.Discoverer: every python, python3, python3.X,
// pypy3 and pypy3.X in the search directories that resolves into the
// store.
func (plugin) Discover(ctx context.Context, req model.DiscoverRequest) (model.DiscoverResult, error) {
	env := req.Env
	store := storeDir(env)
	var res model.DiscoverResult
	w := newWatch()
	if h := env["HOME"]; h != "" {
		w.chain(filepath.Join(h, ".nix-profile"))
	}
	for _, dir := range searchDirs(env) {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		// Within one directory, one candidate per resolved file: the most
		// specific name wins (python3.12 over python3 over python).
		type found struct{ path, real string }
		best := map[string]found{}
		var order []string
		for _, e := range entries {
			if !exeNameRE.MatchString(e.Name()) {
				continue
			}
			p := filepath.Join(dir, e.Name())
			real, err := filepath.EvalSymlinks(p)
			if err != nil {
				continue
			}
			if _, ok := storePath(store, real); !ok || isShim(p, real, env) {
				continue
			}
			if fi, err := os.Stat(real); err != nil || !fi.Mode().IsRegular() || fi.Mode()&0o111 == 0 {
				continue
			}
			prev, ok := best[real]
			if !ok {
				order = append(order, real)
			}
			if !ok || len(e.Name()) > len(filepath.Base(prev.path)) {
				best[real] = found{p, real}
			}
		}
		if len(order) > 0 {
			w.add(dir)
			w.chain(dir)
		}
		for _, real := range order {
			f := best[real]
			in := unwrapAt(store, f.path)
			res.Candidates = append(res.Candidates, in)
			if in.Note != "" {
				res.Warnings = append(res.Warnings, in.Path+": "+in.Note)
			}
			w.chain(f.path)
			w.add(f.real)
			for _, p := range in.Wraps {
				w.chain(p)
				if r, err := filepath.EvalSymlinks(p); err == nil {
					w.add(r)
				}
			}
			w.add(in.Exe)
			if si, ok := storePath(store, f.real); ok {
				w.add(si.root)
			}
			if si, ok := storePath(store, in.Exe); ok {
				w.add(si.root)
			}
		}
	}
	res.Watch = w.list
	return res, nil
}

// Unwrap implements model.Discoverer. It knows files that resolve into the
// store, and makeWrapper wrappers outside it.
func (plugin) Unwrap(_ context.Context, p string, env map[string]string) (interp.Interpreter, bool, error) {
	store := storeDir(env)
	abs, err := filepath.Abs(p)
	if err != nil {
		return interp.Interpreter{}, false, nil
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return interp.Interpreter{}, false, nil
	}
	if _, ok := storePath(store, real); !ok {
		if _, err := readWrapper(real); err != nil {
			return interp.Interpreter{}, false, nil
		}
	}
	return unwrapAt(store, abs), true, nil
}

// unwrapAt builds the Interpreter for the file at p (absolute, as found).
// A chain it cannot read completely is returned as Kind wrapper, to be
// run as itself, with a Note saying why.
func unwrapAt(store, p string) interp.Interpreter {
	in := interp.Interpreter{Path: p, Source: SourceName}
	real, _ := filepath.EvalSymlinks(p)
	si, inStore := storePath(store, real)
	u, err := unwrapChain(p)
	if err != nil {
		in.Exe, in.Argv0, in.Kind = p, p, interp.KindWrapper
		in.Note = "run as itself: " + err.Error()
	} else {
		in.Exe, in.Argv0 = u.exe, u.argv0
		in.Env, in.Args, in.Chdir, in.Wraps = u.env, u.args, u.chdir, u.wraps
		in.Kind = interp.KindBase
		if inStore && si.env {
			in.Kind = interp.KindNixEnv
		}
		if !inStore {
			in.Note = "makeWrapper wrapper outside the Nix store"
		}
	}
	// Version and implementation: from the env's or base's store name,
	// else from the exe's, else from a pythonX.Y / pypyX.Y file name.
	infos := []storeInfo{si}
	if xi, ok := storePath(store, in.Exe); ok {
		infos = append(infos, xi)
	}
	for _, x := range infos {
		if in.Implementation == "" && x.impl != "" {
			in.Implementation = x.impl
		}
		if in.Version == "" && x.version != "" {
			in.Version = x.version
		}
	}
	if in.Version == "" {
		for _, name := range []string{filepath.Base(p), filepath.Base(in.Exe)} {
			for _, pre := range []string{"python", "pypy"} {
				if v, ok := strings.CutPrefix(name, pre); ok && strings.Count(v, ".") == 1 {
					if _, err := interp.ParseVersion(v); err == nil && in.Version == "" {
						in.Version = v
					}
				}
			}
		}
	}
	if in.Implementation == "" {
		in.Implementation = "cpython"
		if strings.HasPrefix(filepath.Base(p), "pypy") {
			in.Implementation = "pypy"
		}
	}
	return in
}

// watch collects watch paths without duplicates, in order.
type watch struct {
	seen map[string]bool
	list []string
}

func newWatch() *watch { return &watch{seen: map[string]bool{}} }

func (w *watch) add(p string) {
	if p != "" && !w.seen[p] {
		w.seen[p] = true
		w.list = append(w.list, p)
	}
}

// chain adds p and every symlink met while resolving it, component by
// component (~/.nix-profile -> profiles/profile -> profile-N-link -> …).
func (w *watch) chain(p string) {
	w.add(p)
	links := 0
	var walk func(string)
	walk = func(p string) {
		// Resolve the parent first, then the last component.
		dir, base := filepath.Split(filepath.Clean(p))
		if base == "" || dir == "" {
			return
		}
		dir = filepath.Clean(dir)
		rdir, err := filepath.EvalSymlinks(dir)
		if err != nil {
			return
		}
		if rdir != dir {
			walk(dir)
		}
		cur := filepath.Join(rdir, base)
		for links < 40 {
			fi, err := os.Lstat(cur)
			if err != nil || fi.Mode()&os.ModeSymlink == 0 {
				return
			}
			links++
			w.add(cur)
			t, err := os.Readlink(cur)
			if err != nil {
				return
			}
			if !filepath.IsAbs(t) {
				t = filepath.Join(filepath.Dir(cur), t)
			}
			r, err := filepath.EvalSymlinks(filepath.Dir(t))
			if err != nil {
				return
			}
			if r != filepath.Dir(t) {
				walk(filepath.Dir(t))
			}
			cur = filepath.Join(r, filepath.Base(t))
		}
	}
	walk(p)
}
