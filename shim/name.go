package shim

import (
	"strconv"
	"strings"

	"github.com/pyshim/pyshim/plugins/sdk/interp"
)

// Mode says how a shim name is run.
type Mode int

// The ways a shim name is run.
const (
	// ModeInterpreter runs the selected interpreter itself (python,
	// python3, python3.12, pypy3).
	ModeInterpreter Mode = iota
	// ModeModule runs `<python> -m MODULE` (pip, pydoc, idle).
	ModeModule
	// ModeScript runs the executable of that name in the selected
	// interpreter's bin directory (pytest, ipython, black…).
	ModeScript
	// ModeSelf is the shim binary called by its own name, which is a
	// usage error.
	ModeSelf
)

// ExecName is the file name of the shim binary.
const ExecName = "pyshim-exec"

// Command is what a shim name asks for.
type Command struct {
	// Name is the base name the shim was called by.
	Name string
	Mode Mode
	// Module is the module run with -m in ModeModule.
	Module string
	// Narrow is the versioned interpreter name that filters every
	// precedence level ("python3.10" for python3.10 and pip3.10, "pypy3"),
	// or "" when the name does not narrow.
	Narrow string
}

// Classify maps the name a shim was called by to what it runs. Versioned
// names narrow the selection: python3.10 and pip3.10 to 3.10, python3 and
// pip3 to 3.x, pypy3 to PyPy 3.
func Classify(name string) Command {
	c := Command{Name: name, Mode: ModeScript}
	if name == ExecName {
		c.Mode = ModeSelf
		return c
	}
	for _, p := range []string{"python", "pypy"} {
		if rest, ok := strings.CutPrefix(name, p); ok && versionSuffix(rest) {
			c.Mode = ModeInterpreter
			if rest != "" || p == "pypy" {
				c.Narrow = name
			}
			return c
		}
	}
	for _, m := range []struct{ prefix, module string }{{"pip", "pip"}, {"pydoc", "pydoc"}, {"idle", "idlelib"}} {
		if rest, ok := strings.CutPrefix(name, m.prefix); ok && versionSuffix(rest) {
			c.Mode, c.Module = ModeModule, m.module
			if rest != "" {
				c.Narrow = "python" + rest
			}
			return c
		}
	}
	return c
}

// versionSuffix reports whether s is empty or a release version such as
// "3", "3.12" or "3.13t" (no pre-release, no third component).
func versionSuffix(s string) bool {
	if s == "" {
		return true
	}
	v, err := interp.ParseVersion(s)
	return err == nil && len(v.Parts) <= 2 && v.Pre == "" && !v.Dev
}

// BaseShimNames are the names `pyshim shims install` links to the shim
// binary: python, python3, python3.6…python3.14, the same for pip, and
// pypy3, pydoc3, idle3. Console scripts are added as interpreters that
// have them are selected.
func BaseShimNames() []string {
	names := []string{"python", "python3", "pip", "pip3", "pypy3", "pydoc3", "idle3"}
	for minor := 6; minor <= 14; minor++ {
		v := "3." + strconv.Itoa(minor)
		names = append(names, "python"+v, "pip"+v)
	}
	return names
}
