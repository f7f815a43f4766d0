// Package system is pyshim's built-in discovery plugin for the interpreters
// on PATH and in the well-known directories (/usr/bin, /usr/local/bin,
// /opt/homebrew/bin). It skips pyshim's own shims and the bash shims of
// pyenv, asdf and mise, so that resolving never loops back through a shim.
//
// Versions come from file names and symlink target names (and pyvenv.cfg
// for a venv on PATH): the plugin never starts an interpreter.
package system

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pyshim/pyshim/plugins/sdk/interp"
	"github.com/pyshim/pyshim/plugins/sdk/model"
)

// Name is the plugin's name, used as the Source of its candidates.
const Name = "system"

// Environment variables the plugin reads besides HOME, PATH, PYENV_ROOT,
// XDG_DATA_HOME and PYSHIM_SHIMS_DIR.
const (
	// EnvShimExe names pyshim's shim binary; files that are the same file
	// (dev+inode, after following symlinks) are skipped.
	EnvShimExe = "PYSHIM_SHIM_EXE"
	// EnvShimsDir is pyshim's shims directory, whose files are skipped.
	EnvShimsDir = "PYSHIM_SHIMS_DIR"
	// EnvAsdfDataDir is asdf's data dir ($ASDF_DATA_DIR/shims is skipped).
	EnvAsdfDataDir = "ASDF_DATA_DIR"
	// EnvMiseDataDir is mise's data dir ($MISE_DATA_DIR/shims is skipped).
	EnvMiseDataDir = "MISE_DATA_DIR"
)

// New returns the system discovery plugin.
func New() model.Discoverer { return plugin{} }

// WellKnownDirs returns the directories searched after PATH.
func WellKnownDirs() []string {
	return []string{"/usr/bin", "/usr/local/bin", "/opt/homebrew/bin"}
}

type plugin struct{}

func (plugin) Describe(context.Context) (model.Description, error) {
	return model.Description{
		Name:    Name,
		Summary: "python and pypy on PATH and in /usr/bin, /usr/local/bin, /opt/homebrew/bin",
	}, nil
}

// Unwrap recognises no file: the system plugin sees through symlinks only.
func (plugin) Unwrap(context.Context, string, map[string]string) (interp.Interpreter, bool, error) {
	return interp.Interpreter{}, false, nil
}

func (plugin) Discover(ctx context.Context, req model.DiscoverRequest) (model.DiscoverResult, error) {
	var res model.DiscoverResult
	skip := skipDirs(req.Env)
	var shimExe os.FileInfo
	if p := req.Env[EnvShimExe]; p != "" {
		if fi, err := os.Stat(p); err == nil {
			shimExe = fi
		} else {
			res.Warnings = append(res.Warnings, fmt.Sprintf("system: %s=%s: %v", EnvShimExe, p, err))
		}
	}

	var dirs []string
	for _, d := range filepath.SplitList(req.Env["PATH"]) {
		// Relative entries (including the empty one, meaning ".") depend
		// on the cwd of whoever runs python: never trust them.
		if filepath.IsAbs(d) {
			dirs = append(dirs, filepath.Clean(d))
		}
	}
	dirs = append(dirs, WellKnownDirs()...)

	seenDir := map[string]bool{}
	for _, dir := range dirs {
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("system discovery: %w", err)
		}
		if seenDir[dir] {
			continue
		}
		seenDir[dir] = true
		res.Watch = append(res.Watch, dir)
		real, err := filepath.EvalSymlinks(dir)
		if err != nil {
			continue // missing now; watched in case it appears
		}
		if seenDir[real] && real != dir {
			continue
		}
		seenDir[real] = true
		if skip[dir] || skip[real] {
			res.Warnings = append(res.Warnings, "system: skipped shims dir "+dir)
			continue
		}
		found, notes := scanDir(dir, skip, shimExe)
		res.Candidates = append(res.Candidates, found...)
		res.Warnings = append(res.Warnings, notes...)
	}
	return res, nil
}

// skipDirs returns the shim directories of pyshim, pyenv, asdf and mise,
// both as given and resolved.
func skipDirs(env map[string]string) map[string]bool {
	home := env["HOME"]
	var dirs []string
	add := func(base string, elem ...string) {
		if base != "" && filepath.IsAbs(base) {
			dirs = append(dirs, filepath.Join(append([]string{base}, elem...)...))
		}
	}
	add(env[EnvShimsDir])
	if r := env["PYENV_ROOT"]; r != "" {
		add(r, "shims")
	}
	add(home, ".pyenv", "shims")
	add(env[EnvAsdfDataDir], "shims")
	add(home, ".asdf", "shims")
	add(env[EnvMiseDataDir], "shims")
	add(env["XDG_DATA_HOME"], "mise", "shims")
	add(home, ".local", "share", "mise", "shims")
	m := map[string]bool{}
	for _, d := range dirs {
		m[filepath.Clean(d)] = true
		if r, err := filepath.EvalSymlinks(d); err == nil {
			m[r] = true
		}
	}
	return m
}

// entry is one interpreter file found in a directory.
type entry struct {
	in    interp.Interpreter
	info  os.FileInfo // of the resolved file
	score int         // how versioned the file's own name is
}

// scanDir returns the interpreters in dir, one per distinct file, and
// notes about files it skipped.
func scanDir(dir string, skip map[string]bool, shimExe os.FileInfo) ([]interp.Interpreter, []string) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, []string{fmt.Sprintf("system: reading %s: %v", dir, err)}
	}
	var notes []string
	var found []entry
	for _, de := range des {
		own, ok := ParseName(de.Name())
		if !ok {
			continue
		}
		path := filepath.Join(dir, de.Name())
		fi, err := os.Stat(path)
		if err != nil || !fi.Mode().IsRegular() || fi.Mode()&0o111 == 0 {
			continue
		}
		exe, err := filepath.EvalSymlinks(path)
		if err != nil {
			continue
		}
		if why := shimReason(exe, fi, skip, shimExe); why != "" {
			notes = append(notes, "system: skipped "+path+": "+why)
			continue
		}
		in := interp.Interpreter{
			Path:   path,
			Exe:    exe,
			Argv0:  path,
			Kind:   interp.KindBase,
			Source: Name,
		}
		info := chainInfo(path, exe)
		in.Version, in.Implementation = info.Version, info.Implementation
		if isScript(exe) {
			in.Kind = interp.KindWrapper
			in.Note = "a script, not a binary: run as itself"
		}
		for _, cfg := range []string{filepath.Join(filepath.Dir(dir), "pyvenv.cfg"), filepath.Join(dir, "pyvenv.cfg")} {
			if c, ok := interp.ReadPyvenvCfg(cfg); ok {
				in.Kind = interp.KindVenv
				if in.Version == "" {
					in.Version = c.Version
				}
				if in.Implementation == "" {
					in.Implementation = c.Implementation
				}
				break
			}
		}
		found = append(found, entry{in: in, info: fi, score: own.Score})
	}
	return dedupe(found), notes
}

// dedupe keeps one entry per file (same dev+inode), the one with the most
// versioned name; the others' paths become its Names.
func dedupe(found []entry) []interp.Interpreter {
	sort.SliceStable(found, func(i, j int) bool {
		if found[i].score != found[j].score {
			return found[i].score > found[j].score
		}
		return found[i].in.Path < found[j].in.Path
	})
	var kept []entry
	for _, e := range found {
		dup := false
		for k := range kept {
			if os.SameFile(kept[k].info, e.info) {
				kept[k].in.Names = append(kept[k].in.Names, e.in.Path)
				if kept[k].in.Version == "" {
					kept[k].in.Version = e.in.Version
				}
				dup = true
				break
			}
		}
		if !dup {
			kept = append(kept, e)
		}
	}
	out := make([]interp.Interpreter, len(kept))
	for i, k := range kept {
		out[i] = k.in
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// shimReason says why the file at path (resolved to exe, stat fi) is a
// shim to skip, or "" when it is not one.
func shimReason(exe string, fi os.FileInfo, skip map[string]bool, shimExe os.FileInfo) string {
	if skip[filepath.Dir(exe)] {
		return "in a shims dir"
	}
	if shimExe != nil && os.SameFile(fi, shimExe) {
		return "pyshim's shim binary"
	}
	switch filepath.Base(exe) {
	case "mise", "rtx":
		return "a mise shim"
	case "pyshim-exec":
		return "pyshim's shim binary"
	}
	if fi.Size() <= maxShimSize {
		if head := readHead(exe, maxShimSize); bytes.HasPrefix(head, []byte("#!")) {
			for _, m := range shimMarkers() {
				if bytes.Contains(head, []byte(m.text)) {
					return "a " + m.tool + " shim"
				}
			}
		}
	}
	return ""
}

// maxShimSize bounds the size of a script examined for shim markers; the
// shims of pyenv, asdf and mise are a few hundred bytes.
const maxShimSize = 16 << 10

type shimMarker struct{ tool, text string }

func shimMarkers() []shimMarker {
	return []shimMarker{
		{"pyenv", `pyenv" exec`},
		{"pyenv", `pyenv exec`},
		{"pyenv", `pyenv' exec`},
		{"asdf", `asdf exec`},
		{"asdf", `asdf" exec`},
		{"asdf", `# asdf-plugin:`},
		{"mise", `mise exec`},
		{"mise", `mise x `},
		{"mise", `mise" exec`},
		{"mise", `mise" x `},
		{"mise", `rtx exec`},
		{"mise", `rtx x `},
	}
}

func readHead(path string, n int64) []byte {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	b, _ := io.ReadAll(io.LimitReader(f, n))
	return b
}

func isScript(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var b [2]byte
	n, _ := io.ReadFull(f, b[:])
	return n == 2 && string(b[:]) == "#!"
}

// chainInfo reads the version and implementation from the names along the
// symlink chain from path to exe: the file's own name, each link target,
// and the resolved file. The first name with a major.minor version wins.
func chainInfo(path, exe string) NameInfo {
	names := []string{filepath.Base(path)}
	p := path
	for i := 0; i < 40; i++ {
		t, err := os.Readlink(p)
		if err != nil {
			break
		}
		if !filepath.IsAbs(t) {
			t = filepath.Join(filepath.Dir(p), t)
		}
		names = append(names, filepath.Base(t))
		p = t
	}
	names = append(names, filepath.Base(exe))
	var out NameInfo
	pypy := false
	for _, n := range names {
		info, ok := ParseName(n)
		if !ok {
			continue
		}
		if info.Implementation == "pypy" {
			pypy = true
		}
		if out.Version == "" && info.Version != "" {
			out = info
		}
	}
	switch {
	case pypy:
		out.Implementation = "pypy"
	case out.Version == "":
		out.Implementation = "" // "python3" alone could be anything
	}
	return out
}

// NameInfo is what an interpreter file name says.
type NameInfo struct {
	// Version is "X.Y" or "X.Yt" when the name has both, else "".
	Version string
	// Implementation is "cpython" or "pypy".
	Implementation string
	// Score counts the version components in the name (0-2), used to
	// prefer python3.11 over python3 over python for the same file.
	Score int
}

// ParseName reports whether name is an interpreter name pyshim looks for
// (python, python3, python3t, python3.X, python3.Xt, python2.7, pypy,
// pypy3, pypy3.X) and what it says about the interpreter. Names such as
// python3-config, python3.7m or pypy3clean are not interpreter names.
func ParseName(name string) (NameInfo, bool) {
	var info NameInfo
	rest, ok := strings.CutPrefix(name, "python")
	info.Implementation = "cpython"
	if !ok {
		if rest, ok = strings.CutPrefix(name, "pypy"); !ok {
			return NameInfo{}, false
		}
		info.Implementation = "pypy"
	}
	if rest == "" {
		return info, true
	}
	ft := false
	if r, ok := strings.CutSuffix(rest, "t"); ok {
		ft, rest = true, r
	}
	major, minor, hasMinor := strings.Cut(rest, ".")
	if !digits(major) || (hasMinor && !digits(minor)) {
		return NameInfo{}, false
	}
	info.Score = 1
	if hasMinor {
		info.Score = 2
		v := major + "." + minor
		if ft {
			v += "t"
		}
		if _, err := interp.ParseVersion(v); err != nil {
			return NameInfo{}, false
		}
		info.Version = v
	}
	return info, true
}

func digits(s string) bool {
	if s == "" || len(s) > 3 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
