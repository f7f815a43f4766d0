package resolver

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pyshim/pyshim/plugins/sdk/interp"
	"github.com/pyshim/pyshim/plugins/sdk/model"
)

// Considered is one candidate and the verdict on it at the deciding level.
type Considered struct {
	Interp  interp.Interpreter
	Verdict Verdict
	Won     bool
}

// Result is the outcome of a resolution, with everything --explain shows.
type Result struct {
	// Chosen is the interpreter to run; nil when Err is set.
	Chosen *interp.Interpreter
	// Level and Entry say which precedence level and which of its entries
	// decided.
	Level Level
	Entry string
	// Levels are all the levels considered, highest first.
	Levels []Level
	// Skipped says, per level name+origin, why a level did not decide.
	Skipped []string
	// Considered lists every candidate with its verdict for the deciding
	// entry.
	Considered []Considered
	// Reports are the plugins' reports.
	Reports []PluginReport
	Err     error
}

// Resolver picks interpreters using a plugin host.
type Resolver struct {
	Host    *Host
	Plugins []PluginSpec
	// Info answers version questions that names cannot.
	Info *InfoCache
}

// Discover runs every plugin and returns the valid candidates in
// preference order (plugin order, then each plugin's own order), plus the
// reports. unwrap lists paths the plugins are asked to unwrap.
func (r *Resolver) Discover(ctx context.Context, in Inputs, unwrap string) ([]interp.Interpreter, []PluginReport) {
	req := model.DiscoverRequest{Cwd: in.Cwd, Env: map[string]string{}}
	for _, k := range model.EnvKeys() {
		if v, ok := in.Env[k]; ok {
			req.Env[k] = v
		}
	}
	if r.Host.ShimsDir != "" {
		req.Env["PYSHIM_SHIMS_DIR"] = r.Host.ShimsDir
	}
	if r.Host.ShimExe != "" {
		req.Env["PYSHIM_SHIM_EXE"] = r.Host.ShimExe
	}
	reports := r.Host.Run(ctx, r.Plugins, req, unwrap)
	var all []interp.Interpreter
	for _, rep := range reports {
		all = append(all, rep.Result.Candidates...)
	}
	return all, reports
}

// Resolve picks the interpreter for in.
func (r *Resolver) Resolve(ctx context.Context, in Inputs) *Result {
	res := &Result{Levels: Levels(in)}
	var narrow *Request
	if in.Narrow != "" {
		if n, ok := NarrowTo(in.Narrow); ok {
			narrow = &n
		}
	}
	// The first path request is the one plugins are asked to unwrap.
	unwrap := ""
	for _, l := range res.Levels {
		for _, e := range l.Entries {
			if q, err := ParseRequest(e, l.RelTo); err == nil && q.IsPath() && l.pathsOK(e) && unwrap == "" {
				unwrap = pathExecutable(q.Path)
			}
		}
	}
	cands, reports := r.Discover(ctx, in, unwrap)
	res.Reports = reports

	for _, l := range res.Levels {
		var notInstalled []string
		var pathErr error
		narrowed := false
		for _, e := range l.Entries {
			q, err := parseEntry(e, l)
			if err != nil {
				if l.AllowPaths || l.Name == LevelPyenvVersion {
					// A request the user typed or exported is wrong: say so.
					res.Level, res.Entry, res.Err = l, e, fmt.Errorf("%w (set by %s)", err, l.Origin)
					return res
				}
				res.Skipped = append(res.Skipped, fmt.Sprintf("%s (%s): %v", l.Name, l.Origin, err))
				continue
			}
			var pool []interp.Interpreter
			if q.IsPath() {
				c, err := r.pathCandidate(q.Path, reports, cands)
				if err != nil {
					res.Skipped = append(res.Skipped, fmt.Sprintf("%s (%s): %v", l.Name, l.Origin, err))
					notInstalled = append(notInstalled, e)
					if pathErr == nil {
						pathErr = fmt.Errorf("%w (set by %s)", err, l.Origin)
					}
					continue
				}
				pool = []interp.Interpreter{c}
				q = Request{Raw: q.Raw, Path: c.Path}
			} else {
				pool = cands
			}
			considered, winner := r.pick(ctx, q, narrow, pool)
			if winner >= 0 {
				res.Chosen = &considered[winner].Interp
				res.Level, res.Entry, res.Considered = l, e, considered
				return res
			}
			if narrow != nil {
				if _, w := r.pick(ctx, q, nil, pool); w >= 0 {
					narrowed = true
					res.Skipped = append(res.Skipped, fmt.Sprintf("%s (%s): %q matches, but not %s", l.Name, l.Origin, e, in.Narrow))
					continue
				}
			}
			notInstalled = append(notInstalled, e)
			res.Skipped = append(res.Skipped, fmt.Sprintf("%s (%s): %q matches no interpreter", l.Name, l.Origin, e))
			res.Considered = considered
		}
		if len(notInstalled) > 0 && !narrowed && l.Name != LevelBest {
			res.Level, res.Entry = l, notInstalled[0]
			res.Err = notInstalledError(notInstalled[0], l, in.Narrow, cands)
			if pathErr != nil && len(notInstalled) == 1 {
				res.Err = pathErr
			}
			return res
		}
	}
	res.Err = noneError(in.Narrow, cands)
	return res
}

// pathsOK reports whether the level's entry e may name a path.
func (l Level) pathsOK(e string) bool { return l.AllowPaths || l.PathEntries[e] }

// parseEntry parses a level entry; in project files a "/" is part of a
// pyenv name ("3.11.7/envs/foo"), never a path, unless the entry is one of
// a trusted file's PathEntries.
func parseEntry(e string, l Level) (Request, error) {
	if !l.pathsOK(e) && strings.Contains(e, "/") {
		return Request{Raw: e, Name: e}, nil
	}
	return ParseRequest(e, l.RelTo)
}

// pick ranks pool against q (and the narrowing filter) and returns every
// candidate with its verdict, and the winner's index or -1. The first
// plugin with a match wins; within it, an exact name beats a version
// match, and then the highest version wins. Deferred candidates
// (pre-release, free-threaded) win only when nothing else matches.
func (r *Resolver) pick(ctx context.Context, q Request, narrow *Request, pool []interp.Interpreter) ([]Considered, int) {
	out := make([]Considered, len(pool))
	for i := range pool {
		c := pool[i]
		if c.Version == "" && r.Info != nil && (q.HasVersion || len(q.Specs) > 0 || narrow != nil) {
			if info, err := r.Info.Query(ctx, &c); err == nil {
				c.Version = info.VersionString()
				if c.Implementation == "" {
					c.Implementation = info.Implementation
				}
			}
		}
		v := q.Match(&c)
		if v.OK && narrow != nil {
			if nv := narrow.Match(&c); !nv.OK {
				v = Verdict{Reason: nv.Reason + " (shim name narrows)"}
			} else if nv.Deferred {
				v.Deferred = true
			}
		}
		out[i] = Considered{Interp: c, Verdict: v}
	}
	best := -1
	for pass := 0; pass < 2 && best < 0; pass++ {
		for i := range out {
			v := out[i].Verdict
			if !v.OK || (v.Deferred && pass == 0) {
				continue
			}
			if best < 0 || better(&out[i], &out[best]) {
				best = i
			}
		}
	}
	if best >= 0 {
		out[best].Won = true
	}
	return out, best
}

// better reports whether a beats b; b comes first in preference order.
func better(a, b *Considered) bool {
	if a.Interp.Source != b.Interp.Source {
		return false
	}
	if a.Verdict.Exact != b.Verdict.Exact {
		return a.Verdict.Exact
	}
	va, errA := interp.ParseVersion(a.Interp.Version)
	vb, errB := interp.ParseVersion(b.Interp.Version)
	if errA != nil || errB != nil {
		return errB != nil && errA == nil
	}
	return va.Compare(vb) > 0
}

// pathExecutable turns a venv or prefix directory into its python.
func pathExecutable(p string) string {
	st, err := os.Stat(p)
	if err != nil || !st.IsDir() {
		return p
	}
	for _, name := range []string{"bin/python", "bin/python3", "bin/pypy3"} {
		if _, err := os.Stat(filepath.Join(p, name)); err == nil {
			return filepath.Join(p, name)
		}
	}
	return filepath.Join(p, "bin", "python")
}

// pathCandidate makes the interpreter for an explicit path: a plugin's
// unwrapping if one knows the file, else a discovered candidate that is
// the same file, else the file itself.
func (r *Resolver) pathCandidate(p string, reports []PluginReport, cands []interp.Interpreter) (interp.Interpreter, error) {
	exe := pathExecutable(p)
	st, err := os.Stat(exe)
	if err != nil {
		return interp.Interpreter{}, fmt.Errorf("%s: no python there", p)
	}
	if !st.Mode().IsRegular() || st.Mode()&0o111 == 0 {
		return interp.Interpreter{}, fmt.Errorf("%s is not an executable file", exe)
	}
	if r.Host.isShim(exe) {
		return interp.Interpreter{}, fmt.Errorf("%s is one of pyshim's own shims; point at a real interpreter", exe)
	}
	for _, rep := range reports {
		if rep.Unwrapped != nil && (rep.Unwrapped.Path == exe) {
			return *rep.Unwrapped, nil
		}
	}
	for _, c := range cands {
		if c.Path == exe && c.Kind != interp.KindVenv {
			return c, nil
		}
	}
	real, err := filepath.EvalSymlinks(exe)
	if err != nil {
		return interp.Interpreter{}, fmt.Errorf("resolving %s: %w", exe, err)
	}
	c := interp.Interpreter{Path: exe, Exe: real, Argv0: exe, Kind: interp.KindBase, Source: "path"}
	if cfg := filepath.Join(filepath.Dir(filepath.Dir(exe)), "pyvenv.cfg"); fileExists(cfg) {
		c.Kind = interp.KindVenv
		if pc, ok := interp.ReadPyvenvCfg(cfg); ok {
			c.Version, c.Implementation = pc.Version, pc.Implementation
		}
		c.Prefix = filepath.Dir(filepath.Dir(exe))
	}
	if c.Version == "" {
		c.Version, c.Implementation = versionFromName(filepath.Base(real))
	}
	return c, nil
}

// versionFromName reads "3.12" from "python3.12" and "3.9" (pypy) from
// "pypy3.9".
func versionFromName(name string) (version, impl string) {
	for _, pre := range []struct{ p, impl string }{{"python", ""}, {"pypy", "pypy"}} {
		if tail, ok := strings.CutPrefix(name, pre.p); ok {
			if v, err := interp.ParseVersion(tail); err == nil && len(v.Parts) >= 2 {
				return v.String(), pre.impl
			}
		}
	}
	return "", ""
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// installedList is a sorted, de-duplicated summary of what is installed.
func installedList(cands []interp.Interpreter) string {
	sorted := append([]interp.Interpreter(nil), cands...)
	sort.SliceStable(sorted, func(i, j int) bool {
		vi, _ := interp.ParseVersion(sorted[i].Version)
		vj, _ := interp.ParseVersion(sorted[j].Version)
		if implOf(&sorted[i]) != implOf(&sorted[j]) {
			return implOf(&sorted[i]) < implOf(&sorted[j])
		}
		return vi.Compare(vj) < 0
	})
	seen := map[string]bool{}
	var names []string
	for _, c := range sorted {
		n := c.Version
		if c.Implementation == "pypy" {
			n = "pypy" + n
		}
		if n == "" {
			n = c.Path
		}
		n += " (" + c.Source + ")"
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return "none found"
	}
	return strings.Join(names, ", ")
}

func notInstalledError(entry string, l Level, narrow string, cands []interp.Interpreter) error {
	what := fmt.Sprintf("version `%s' is not installed (set by %s)", entry, l.Origin)
	if narrow != "" {
		what += " for " + narrow
	}
	return fmt.Errorf("%s; installed: %s", what, installedList(cands))
}

func noneError(narrow string, cands []interp.Interpreter) error {
	if narrow != "" {
		return fmt.Errorf("no interpreter matches %s; installed: %s", narrow, installedList(cands))
	}
	return fmt.Errorf("no Python interpreter found; installed: %s", installedList(cands))
}
