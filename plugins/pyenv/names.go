package pyenv

import (
	"bufio"
	"bytes"
	"os"
	"strings"

	"github.com/pyshim/pyshim/plugins/sdk/interp"
)

// VersionInfo is what a pyenv version directory name says about the
// interpreter inside it.
type VersionInfo struct {
	// Version is the Python version in interp.Version form ("3.11.7",
	// "3.13.0t", "3.14-dev", "3.13.0rc1"; "3.9" for pypy3.9-7.3.11), or ""
	// when the name does not say.
	Version string
	// Implementation is "cpython", "pypy" or "" when unknown.
	Implementation string
}

// ParseVersionName reads a pyenv version directory name: CPython names
// such as "3.11.7", "3.13.0t", "3.14-dev" and "3.13.0rc1", and PyPy names
// such as "pypy3.9-7.3.11" or "pypy3.10-7.3.17-src" (Python 3.9 and 3.10;
// the part after '-' is PyPy's own version). A PyPy name without a
// major.minor ("pypy-5.7.1") gives only the implementation; any other name
// ("miniconda3-latest", "graalpy-24.1.0") gives neither.
func ParseVersionName(name string) VersionInfo {
	if v, err := interp.ParseVersion(name); err == nil {
		return VersionInfo{Version: v.String(), Implementation: "cpython"}
	}
	if rest, ok := strings.CutPrefix(name, "pypy"); ok {
		ver, _, _ := strings.Cut(rest, "-")
		if v, err := interp.ParseVersion(ver); err == nil && len(v.Parts) == 2 && v.Pre == "" && !v.Dev && !v.FreeThreaded {
			return VersionInfo{Version: v.String(), Implementation: "pypy"}
		}
		return VersionInfo{Implementation: "pypy"}
	}
	return VersionInfo{}
}

// pyvenvCfg holds what pyshim reads from a pyvenv.cfg.
type pyvenvCfg struct {
	version        string // interp.Version form, "" when absent or unreadable
	implementation string // "cpython", "pypy" or ""
}

// readPyvenvCfg reads path; ok is false when it does not exist or cannot
// be read.
func readPyvenvCfg(path string) (cfg pyvenvCfg, ok bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return cfg, false
	}
	return parsePyvenvCfg(data), true
}

// parsePyvenvCfg reads the version ("version = 3.11.7" from venv,
// "version_info = 3.11.7.final.0" from virtualenv, "version_info = 3.12.1"
// from uv) and implementation ("implementation = CPython") keys of a
// pyvenv.cfg. version_info wins over version when both parse.
func parsePyvenvCfg(data []byte) pyvenvCfg {
	var cfg pyvenvCfg
	var version, versionInfo string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			continue
		}
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		switch k {
		case "version":
			version = pyvenvVersion(v)
		case "version_info":
			versionInfo = pyvenvVersion(v)
		case "implementation":
			switch strings.ToLower(v) {
			case "cpython":
				cfg.implementation = "cpython"
			case "pypy":
				cfg.implementation = "pypy"
			}
		}
	}
	cfg.version = version
	if versionInfo != "" {
		cfg.version = versionInfo
	}
	return cfg
}

// pyvenvVersion converts "3.11.7", "3.11.7.final.0" or
// "3.13.0.candidate.1" to interp.Version form, or "" when it cannot.
func pyvenvVersion(s string) string {
	f := strings.Split(s, ".")
	if len(f) == 5 {
		label := map[string]string{"alpha": "a", "beta": "b", "candidate": "rc", "final": ""}
		l, ok := label[f[3]]
		if !ok {
			return ""
		}
		s = f[0] + "." + f[1] + "." + f[2]
		if l != "" {
			s += l + f[4]
		}
	}
	v, err := interp.ParseVersion(s)
	if err != nil {
		return ""
	}
	return v.String()
}
