package shim

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
)

// SelectionEnv lists the environment variables whose values can change
// which interpreter a shim runs; they are part of the cache key.
func SelectionEnv() []string {
	return []string{
		"PYSHIM_PYTHON", "PYSHIM_CONFIG", "PYSHIM_SHIMS_DIR", "PYSHIM_SHIM_EXE",
		"VIRTUAL_ENV", "CONDA_PREFIX",
		"PYENV_VERSION", "PYENV_ROOT",
		"HOME", "USER", "PATH",
		"XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME",
		"NIX_STORE_DIR", "NIX_PROFILES",
		"UV_PYTHON_INSTALL_DIR", "ASDF_DATA_DIR", "MISE_DATA_DIR",
	}
}

// ProjectFileNames are the files the resolver looks for in each directory
// from the working directory up (resolver.ProjectFileNames, which also
// covers the project config pyshim.toml).
func ProjectFileNames() []string {
	return []string{".python-version", ".python-versions", "pyshim.toml", ".tool-versions", "mise.toml", ".mise.toml", ".venv", "pyproject.toml"}
}

// KeyInputs are what a cache key is computed from.
type KeyInputs struct {
	// Name is the base name the shim was called by.
	Name string
	// Cwd is the working directory, as os.Getwd reports it.
	Cwd    string
	Getenv func(string) string
}

// xdg returns $key, else $HOME/fallback, else "".
func xdg(getenv func(string) string, key, fallback string) string {
	if v := getenv(key); v != "" {
		return v
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, fallback)
	}
	return ""
}

// CacheDir is where resolution entries live: $XDG_CACHE_HOME/pyshim/resolve
// (or ~/.cache/pyshim/resolve); "" when neither variable is set.
func CacheDir(getenv func(string) string) string {
	base := xdg(getenv, "XDG_CACHE_HOME", ".cache")
	if base == "" {
		return ""
	}
	return filepath.Join(base, "pyshim", "resolve")
}

// GlobalFiles are the files outside the project that the resolution reads:
// the global config, pyshim's global pin, pyenv's global version file and
// the trust list.
func GlobalFiles(getenv func(string) string) []string {
	var out []string
	if p := getenv("PYSHIM_CONFIG"); p != "" {
		out = append(out, p)
	} else if c := xdg(getenv, "XDG_CONFIG_HOME", ".config"); c != "" {
		out = append(out, filepath.Join(c, "pyshim", "config.toml"))
	}
	if c := xdg(getenv, "XDG_CONFIG_HOME", ".config"); c != "" {
		out = append(out, filepath.Join(c, "pyshim", "python-version"))
	}
	if r := getenv("PYENV_ROOT"); r != "" {
		out = append(out, filepath.Join(r, "version"))
	} else if h := getenv("HOME"); h != "" {
		out = append(out, filepath.Join(h, ".pyenv", "version"))
	}
	if s := xdg(getenv, "XDG_STATE_HOME", ".local/state"); s != "" {
		out = append(out, filepath.Join(s, "pyshim", "trusted"))
	}
	return out
}

// ProjectFiles lists the project files that exist from cwd up to the root,
// nearest first. It only stats: the hot path parses no file.
func ProjectFiles(cwd string) []string {
	var out []string
	names := ProjectFileNames()
	for dir := filepath.Clean(cwd); ; dir = filepath.Dir(dir) {
		for _, n := range names {
			p := filepath.Join(dir, n)
			if _, err := os.Stat(p); err == nil {
				out = append(out, p)
			}
		}
		if dir == filepath.Dir(dir) {
			return out
		}
	}
}

// Key returns the cache key for in and the project files it found. The key
// covers the shim name, the selection variables, which project and global
// files exist, and the working directory when a selection variable is a
// relative path (and so depends on it). What those files say is checked
// by the entry's fingerprints, not the key.
func Key(in KeyInputs) (key string, project []string) {
	h := sha256.New()
	w := func(parts ...string) {
		for _, p := range parts {
			h.Write([]byte(p))
			h.Write([]byte{0})
		}
	}
	w("pyshim-resolve", formatVersion, in.Name)
	relative := false
	for _, k := range SelectionEnv() {
		v := in.Getenv(k)
		w(k, v)
		relative = relative || cwdDependent(k, v)
	}
	if relative {
		w("cwd", in.Cwd)
	}
	project = ProjectFiles(in.Cwd)
	w("project")
	w(project...)
	w("global")
	for _, p := range GlobalFiles(in.Getenv) {
		_, err := os.Stat(p)
		w(p, boolStr(err == nil))
	}
	return hex.EncodeToString(h.Sum(nil)), project
}

// cwdDependent reports whether the variable k=v makes the resolution
// depend on the working directory: a relative path where a path is
// expected. PYSHIM_PYTHON is a path only when it has a slash (else a
// version request); PATH's relative entries are ignored by the plugins;
// the others hold names or lists.
func cwdDependent(k, v string) bool {
	if v == "" || filepath.IsAbs(v) {
		return false
	}
	switch k {
	case "PYSHIM_PYTHON", "VIRTUAL_ENV", "CONDA_PREFIX":
		return strings.Contains(v, "/")
	case "PATH", "USER", "PYENV_VERSION", "NIX_PROFILES":
		return false
	}
	return true
}

func boolStr(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// EnvGetter returns a lookup function over environ (KEY=VALUE entries);
// of repeated names the last wins.
func EnvGetter(environ []string) func(string) string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return func(k string) string { return m[k] }
}
