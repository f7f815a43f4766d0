// Package interp is the model of a Python interpreter that pyshim shares
// between its resolver, its plugins and its shim: where it was found, what
// to exec and with which environment. It uses the standard library only,
// so that the shim binary can link it.
package interp

import "strings"

// Kind says what sort of thing an interpreter path is.
type Kind string

// The kinds of interpreter pyshim tells apart.
const (
	KindBase    Kind = "base"    // a real interpreter installation
	KindVenv    Kind = "venv"    // a virtual environment (has pyvenv.cfg)
	KindNixEnv  Kind = "nix-env" // a Nix python.withPackages environment
	KindWrapper Kind = "wrapper" // a wrapper script or binary we could not see through
)

// EnvOpKind is one of the environment operations a wrapper performs.
type EnvOpKind string

// The environment operations of Nix's makeWrapper family.
const (
	EnvSet        EnvOpKind = "set"         // NAME=VALUE
	EnvSetDefault EnvOpKind = "set-default" // NAME=VALUE unless NAME is set (even empty)
	EnvUnset      EnvOpKind = "unset"       // remove NAME
	EnvPrefix     EnvOpKind = "prefix"      // VALUE + SEP + old, or VALUE when old is empty
	EnvSuffix     EnvOpKind = "suffix"      // old + SEP + VALUE, or VALUE when old is empty
)

// EnvOp is one environment operation, applied in order.
type EnvOp struct {
	Op    EnvOpKind `json:"op"`
	Name  string    `json:"name"`
	Value string    `json:"value,omitempty"`
	Sep   string    `json:"sep,omitempty"`
}

// Interpreter describes one Python interpreter and exactly how to run it.
type Interpreter struct {
	// Path is where the interpreter was found, as the user sees it (not
	// resolved through symlinks).
	Path string `json:"path"`
	// Exe is the absolute path of the real binary to exec.
	Exe string `json:"exe"`
	// Argv0 is the argv[0] to exec Exe with; CPython derives sys.executable
	// and its prefix from it.
	Argv0 string `json:"argv0"`
	// Env lists the environment operations to apply before exec.
	Env []EnvOp `json:"env,omitempty"`
	// Args are flags placed before the user's arguments.
	Args []string `json:"args,omitempty"`
	// Chdir is a directory to change to before exec (makeWrapper --chdir).
	Chdir string `json:"chdir,omitempty"`
	// Version is the Python language version, e.g. "3.12.1" or "3.13.0rc1",
	// with a trailing "t" for free-threaded builds.
	Version string `json:"version,omitempty"`
	// Implementation is "cpython" or "pypy" (lower case).
	Implementation string `json:"implementation,omitempty"`
	Kind           Kind   `json:"kind"`
	// Source names the plugin that found the interpreter.
	Source string `json:"source"`
	// Wraps lists the wrappers that were seen through, outermost first.
	Wraps []string `json:"wraps,omitempty"`
	// Prefix and BasePrefix are sys.prefix and sys.base_prefix, when known.
	Prefix     string `json:"prefix,omitempty"`
	BasePrefix string `json:"base_prefix,omitempty"`
	// Names are other names a request may use for this interpreter, such as
	// a pyenv version directory name or a pyenv-virtualenv env name.
	Names []string `json:"names,omitempty"`
	// Note explains anything unusual, such as a wrapper that could not be
	// parsed and is therefore run as itself.
	Note string `json:"note,omitempty"`
}

// ApplyEnv returns environ (KEY=VALUE entries) with the operations applied.
// The input slice is not modified.
func ApplyEnv(environ []string, ops []EnvOp) []string {
	if len(ops) == 0 {
		return environ
	}
	out := make([]string, 0, len(environ)+len(ops))
	out = append(out, environ...)
	for _, op := range ops {
		old, set := lookup(out, op.Name)
		switch op.Op {
		case EnvSet:
			out = setVar(out, op.Name, op.Value)
		case EnvSetDefault:
			if !set {
				out = setVar(out, op.Name, op.Value)
			}
		case EnvUnset:
			out = unsetVar(out, op.Name)
		case EnvPrefix:
			if old == "" {
				out = setVar(out, op.Name, op.Value)
			} else {
				out = setVar(out, op.Name, op.Value+op.Sep+old)
			}
		case EnvSuffix:
			if old == "" {
				out = setVar(out, op.Name, op.Value)
			} else {
				out = setVar(out, op.Name, old+op.Sep+op.Value)
			}
		}
	}
	return out
}

// Command returns the file to exec, its argv and its environment for
// running the interpreter with the user's arguments.
func (in *Interpreter) Command(userArgs, environ []string) (file string, argv, env []string) {
	argv0 := in.Argv0
	if argv0 == "" {
		argv0 = in.Exe
	}
	argv = make([]string, 0, 1+len(in.Args)+len(userArgs))
	argv = append(argv, argv0)
	argv = append(argv, in.Args...)
	argv = append(argv, userArgs...)
	return in.Exe, argv, ApplyEnv(environ, in.Env)
}

func lookup(env []string, name string) (string, bool) {
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(env[i], "="); ok && k == name {
			return v, true
		}
	}
	return "", false
}

func setVar(env []string, name, value string) []string {
	return append(unsetVar(env, name), name+"="+value)
}

func unsetVar(env []string, name string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); k != name {
			out = append(out, kv)
		}
	}
	return out
}
