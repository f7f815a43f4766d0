package pyenv

import (
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
