package resolver

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/pyshim/pyshim/resolver/versionfile"
)

// Level names, in precedence order.
const (
	LevelFlag          = "-p"
	LevelPyshimPython  = "PYSHIM_PYTHON"
	LevelVirtualEnv    = "VIRTUAL_ENV"
	LevelConda         = "CONDA_PREFIX"
	LevelPyenvVersion  = "PYENV_VERSION"
	LevelProject       = "project"
	LevelRequires      = "requires-python"
	LevelGlobal        = "global"
	LevelConfigDefault = "config default"
	LevelBest          = "best available"
)

// Level is one precedence level that asks for an interpreter: its entries
// are tried in order and the first that matches wins.
type Level struct {
	Name string
	// Origin is the file or variable that made the request.
	Origin string
	// Entries are the requests as written.
	Entries []string
	// RelTo resolves relative path entries (a venv directory).
	RelTo string
	// AllowPaths is false for project files, which may name versions but
	// never executables.
	AllowPaths bool
	// PathEntries are the entries (absolute paths) that name an
	// interpreter by path although AllowPaths is false: those of a project
	// file in a trusted directory.
	PathEntries map[string]bool
	// Warnings are entries that were skipped, with why.
	Warnings []string
}

// Inputs are everything a resolution depends on besides the plugins.
type Inputs struct {
	// Request is an explicit request (-p), or empty.
	Request string
	Cwd     string
	// Env is the caller's environment.
	Env map[string]string
	// Narrow, when set, filters every level (a python3.10 shim name).
	Narrow string
	// ConfigDefault is the config's default request, and its origin.
	ConfigDefault, ConfigOrigin string
	// Trusted reports whether a project .venv may be used.
	Trusted func(dir string) bool
}

// Levels lists the precedence levels that ask for something, highest
// first, ending with "best available". It reads the version files it
// finds; it never starts an interpreter.
func Levels(in Inputs) []Level {
	var out []Level
	add := func(l Level) {
		if len(l.Entries) > 0 || len(l.Warnings) > 0 {
			out = append(out, l)
		}
	}
	if in.Request != "" {
		add(Level{Name: LevelFlag, Origin: "the command line", Entries: []string{in.Request}, RelTo: in.Cwd, AllowPaths: true})
	}
	if v := in.Env["PYSHIM_PYTHON"]; v != "" {
		add(Level{Name: LevelPyshimPython, Origin: "PYSHIM_PYTHON", Entries: []string{v}, RelTo: in.Cwd, AllowPaths: true})
	}
	if v := in.Env["VIRTUAL_ENV"]; v != "" {
		add(Level{Name: LevelVirtualEnv, Origin: "VIRTUAL_ENV", Entries: []string{v}, RelTo: in.Cwd, AllowPaths: true})
	}
	if v := in.Env["CONDA_PREFIX"]; v != "" {
		add(Level{Name: LevelConda, Origin: "CONDA_PREFIX", Entries: []string{v}, RelTo: in.Cwd, AllowPaths: true})
	}
	if v := in.Env["PYENV_VERSION"]; v != "" {
		var entries []string
		for _, e := range strings.Split(v, ":") {
			if e = strings.TrimSpace(e); e != "" {
				entries = append(entries, e)
			}
		}
		add(Level{Name: LevelPyenvVersion, Origin: "PYENV_VERSION", Entries: entries})
	}
	out = append(out, projectLevels(in)...)
	if l, ok := globalLevel(in.Env); ok {
		add(l)
	}
	if in.ConfigDefault != "" {
		add(Level{Name: LevelConfigDefault, Origin: in.ConfigOrigin, Entries: []string{in.ConfigDefault}, AllowPaths: true})
	}
	return append(out, Level{Name: LevelBest, Origin: "all discovered interpreters", Entries: []string{""}})
}

// pyenvRoot returns $PYENV_ROOT or ~/.pyenv.
func pyenvRoot(env map[string]string) string {
	if r := env["PYENV_ROOT"]; r != "" {
		return r
	}
	return filepath.Join(env["HOME"], ".pyenv")
}

// ProjectFileNames are the files looked for in each directory from cwd up,
// in order of preference within one directory.
func ProjectFileNames() []string {
	return []string{".python-version", ".python-versions", "pyshim.toml", ".tool-versions", "mise.toml", ".mise.toml", ".venv", "pyproject.toml"}
}

// projectLevels walks up from cwd. The nearest directory with a file that
// names a version wins; a trusted .venv counts as such a file. When none
// does, the nearest pyproject.toml requires-python applies.
func projectLevels(in Inputs) []Level {
	var warned []Level
	var requires *Level
	root := pyenvRoot(in.Env)
	for dir := filepath.Clean(in.Cwd); ; dir = filepath.Dir(dir) {
		for _, name := range ProjectFileNames() {
			p := filepath.Join(dir, name)
			l, ok := readProjectFile(p, name, root, in.Trusted)
			if !ok {
				continue
			}
			if l.Name == LevelRequires {
				if requires == nil && len(l.Entries) > 0 {
					requires = &l
				}
				continue
			}
			if len(l.Entries) == 0 {
				// No valid entry: the file counts as absent, but its
				// warnings are kept for --explain.
				warned = append(warned, l)
				continue
			}
			return append(warned, l)
		}
		if dir == filepath.Dir(dir) {
			break
		}
	}
	if requires != nil {
		warned = append(warned, *requires)
	}
	return warned
}

// readProjectFile reads one candidate project file; ok is false when it
// does not exist or says nothing about Python.
func readProjectFile(p, name, pyenvRoot string, trusted func(string) bool) (Level, bool) {
	l := Level{Name: LevelProject, Origin: p}
	if name == ".venv" {
		if _, err := os.Stat(filepath.Join(p, "pyvenv.cfg")); err != nil {
			return l, false
		}
		if trusted == nil || !trusted(p) {
			hint := filepath.Dir(p)
			if fi, err := os.Lstat(p); err == nil && fi.Mode()&os.ModeSymlink != 0 {
				// A link is trusted by its target's trust, not its
				// directory's.
				if real, err := filepath.EvalSymlinks(p); err == nil {
					l.Warnings = append(l.Warnings, fmt.Sprintf("%s is not trusted: skipped (it links to %s: run `pyshim trust %s` to use it)", p, real, real))
					return l, true
				}
			}
			l.Warnings = append(l.Warnings, fmt.Sprintf("%s is not trusted: skipped (run `pyshim trust %s` to use it)", p, hint))
			return l, true
		}
		l.Entries, l.AllowPaths = []string{p}, true
		return l, true
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return l, false
	}
	// A project file may name an interpreter by path only once its
	// directory is trusted (`pyshim trust`): a cloned repository's files
	// never make pyshim run a program they ship.
	fileTrusted := trusted != nil && trusted(p)
	dir := filepath.Dir(p)
	switch name {
	case ".python-version", ".python-versions":
		words, parse := versionfile.Words(data), versionfile.ParsePythonVersion
		if name == ".python-versions" {
			words, parse = versionfile.Requests(data), versionfile.ParsePythonVersions
		}
		for _, w := range words {
			if abs, ok := pathEntry(w, dir); ok {
				if fileTrusted {
					l.addPath(abs)
					continue
				}
				l.Warnings = append(l.Warnings, untrustedPath(p, w))
				continue
			}
			e, warn := parse([]byte(w), p, pyenvRoot)
			l.Entries, l.Warnings = append(l.Entries, e...), append(l.Warnings, warn...)
		}
	case ".tool-versions":
		l.Entries = toolVersions(data)
		if l.Entries == nil {
			return l, false
		}
	case "pyshim.toml":
		var f struct {
			Python string `toml:"python"`
		}
		if _, err := toml.Decode(string(data), &f); err != nil {
			l.Warnings = append(l.Warnings, fmt.Sprintf("%s: %v", p, OneLine(err)))
			return l, true
		}
		if f.Python == "" {
			return l, false
		}
		l.Entries = []string{f.Python}
	case "mise.toml", ".mise.toml":
		l.Entries = miseVersions(data)
		if l.Entries == nil {
			return l, false
		}
	case "pyproject.toml":
		var f struct {
			Project struct {
				RequiresPython string `toml:"requires-python"`
			} `toml:"project"`
		}
		if _, err := toml.Decode(string(data), &f); err != nil || f.Project.RequiresPython == "" {
			return l, false
		}
		l.Name = LevelRequires
		l.Entries = []string{f.Project.RequiresPython}
	}
	// Project files may name versions, and executables only when trusted.
	var kept []string
	for _, e := range l.Entries {
		if l.PathEntries[e] || !strings.Contains(e, "/") || name == ".python-version" || name == ".python-versions" {
			kept = append(kept, e)
			continue
		}
		if abs, ok := pathEntry(e, dir); ok && fileTrusted {
			if l.PathEntries == nil {
				l.PathEntries = map[string]bool{}
			}
			l.PathEntries[abs] = true
			kept = append(kept, abs)
			continue
		}
		l.Warnings = append(l.Warnings, fmt.Sprintf("%s: %q ignored: project files may name versions, not paths, until trusted (`pyshim trust %s`)", p, e, dir))
	}
	l.Entries = kept
	return l, true
}

// addPath appends the absolute path entry abs.
func (l *Level) addPath(abs string) {
	if l.PathEntries == nil {
		l.PathEntries = map[string]bool{}
	}
	l.PathEntries[abs] = true
	l.Entries = append(l.Entries, abs)
}

// pathEntry reports whether a project file's entry names a file by path
// (absolute, or starting with ./ or ../, taken from the file's directory
// dir) that exists, and returns it absolute. Other entries with a slash
// are names (pyenv's "3.11.7/envs/foo").
func pathEntry(e, dir string) (string, bool) {
	if !filepath.IsAbs(e) && !strings.HasPrefix(e, "./") && !strings.HasPrefix(e, "../") {
		return "", false
	}
	if !filepath.IsAbs(e) {
		e = filepath.Join(dir, e)
	}
	e = filepath.Clean(e)
	if _, err := os.Stat(e); err != nil {
		return "", false
	}
	return e, true
}

// untrustedPath is the warning for a path entry of an untrusted file.
func untrustedPath(file, entry string) string {
	return fmt.Sprintf("%s names the path %s: used only once %s is trusted (`pyshim trust %s`)", file, entry, filepath.Dir(file), filepath.Dir(file))
}

// toolVersions reads asdf's .tool-versions "python 3.12.1 3.11.7" line.
func toolVersions(data []byte) []string {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "python" {
			return f[1:]
		}
	}
	return nil
}

// miseVersions reads `[tools] python = "3.12"` (or a list, or a table
// with a version key) from a mise.toml.
func miseVersions(data []byte) []string {
	var f struct {
		Tools map[string]any `toml:"tools"`
	}
	if _, err := toml.Decode(string(data), &f); err != nil {
		return nil
	}
	var out []string
	var collect func(v any)
	collect = func(v any) {
		switch x := v.(type) {
		case string:
			out = append(out, x)
		case []any:
			for _, e := range x {
				collect(e)
			}
		case map[string]any:
			collect(x["version"])
		}
	}
	collect(f.Tools["python"])
	return out
}

// GlobalVersionFile is pyshim's global pin, written by `pyshim pin
// --global`.
func GlobalVersionFile(env map[string]string) string {
	base := env["XDG_CONFIG_HOME"]
	if base == "" {
		base = filepath.Join(env["HOME"], ".config")
	}
	return filepath.Join(base, "pyshim", "python-version")
}

// globalLevel is pyshim's global pin, else pyenv's global version file.
func globalLevel(env map[string]string) (Level, bool) {
	root := pyenvRoot(env)
	for _, p := range []string{GlobalVersionFile(env), filepath.Join(root, "version")} {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		entries, warnings := versionfile.ParsePythonVersion(data, p, root)
		if len(entries) > 0 {
			return Level{Name: LevelGlobal, Origin: p, Entries: entries, Warnings: warnings}, true
		}
	}
	return Level{}, false
}
