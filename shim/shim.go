// Package shim is the hot path of pyshim's shims: every name in the shims
// directory (python, python3.12, pip, pytest…) is a link to the
// pyshim-exec binary, which calls Main. Main works out the cache key from
// the name, the selection variables and the project files it finds (stat
// calls only), and when a cached entry's fingerprints all hold it execs
// the interpreter at once. Otherwise it execs `pyshim-plugins
// __resolve-exec` (the pyshim command line with the plugin transport
// linked in, so no further hop), which runs the plugins, writes the entry
// and execs the interpreter itself.
//
// The package uses the standard library only (and pyshim's stdlib-only
// interp and fsutil packages): linking go-plugin, gRPC or cobra would add
// milliseconds of package initialisation to every python started.
package shim

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/pyshim/pyshim/plugins/sdk/interp"
)

// ResolveArg is the hidden pyshim command the shim execs on a cache miss:
// `pyshim-plugins __resolve-exec SHIM_EXE ARGV0 ARGS...`.
const ResolveArg = "__resolve-exec"

// HopsEnv counts the shim passes that did not end in a real interpreter:
// shim -> resolver, and shim -> a selected script (which may run a shim
// again). It is removed before the exec of a real interpreter, so a python
// that runs python starts from zero.
const HopsEnv = "PYSHIM_HOPS"

// MaxHops is the number of hops after which a shim stops with a loop
// error instead of going on.
const MaxHops = 6

// DebugEnv, when set to 1, makes the shim say on stderr whether it used
// the cache and, when not, why.
const DebugEnv = "PYSHIM_DEBUG"

// ExitError is a failure with the exit status the shim process should end
// with (127 when nothing can be run, like a missing command).
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// Main runs the shim for argv (os.Args) and environ (os.Environ()). It
// returns only when it could not exec anything, with the exit status;
// the error has been printed to stderr as one line.
func Main(argv, environ []string, stderr io.Writer) int {
	err := run(argv, environ, stderr)
	code := 127
	var ee *ExitError
	if errors.As(err, &ee) {
		code = ee.Code
	}
	fmt.Fprintf(stderr, "pyshim: %v\n", err)
	return code
}

func run(argv, environ []string, stderr io.Writer) error {
	if len(argv) == 0 {
		return &ExitError{Code: 2, Err: errors.New("no program name (argv[0] is empty)")}
	}
	cmd := Classify(filepath.Base(argv[0]))
	if cmd.Mode == ModeSelf {
		return &ExitError{Code: 2, Err: errors.New(ExecName + " is pyshim's shim binary: run it through a link such as python3 (`pyshim shims install` makes them)")}
	}
	getenv := EnvGetter(environ)
	debug := getenv(DebugEnv) == "1"
	hops := Hops(getenv)

	cwd, err := os.Getwd()
	if err == nil {
		if dir := CacheDir(getenv); dir != "" {
			key, _ := Key(KeyInputs{Name: cmd.Name, Cwd: cwd, Getenv: getenv})
			e, err := Lookup(dir, key)
			if err == nil {
				if debug {
					fmt.Fprintf(stderr, "pyshim-exec: hit %s -> %s\n", key[:12], e.Target.File)
				}
				env, err := HopsFor(environ, hops, e.Final, cmd.Name)
				if err != nil {
					return err
				}
				err = e.Target.Exec(argv[1:], env)
				// The exec failed (the file went away after the check):
				// resolve instead, from where we started.
				_ = os.Chdir(cwd)
				if debug {
					fmt.Fprintf(stderr, "pyshim-exec: %v; resolving\n", err)
				}
			} else if debug {
				fmt.Fprintf(stderr, "pyshim-exec: miss %s: %v\n", key[:12], err)
			}
		}
	}
	return execResolver(argv, environ, cmd.Name, hops)
}

// Hops reads the hop counter; an unset or garbled value counts as zero.
func Hops(getenv func(string) string) int {
	n, err := strconv.Atoi(getenv(HopsEnv))
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// HopsFor returns environ prepared for exec'ing a target: without the hop
// counter when the target is final, else with the counter incremented. It
// fails with a loop error when the counter is exhausted.
func HopsFor(environ []string, hops int, final bool, name string) ([]string, error) {
	if final {
		return withoutVar(environ, HopsEnv), nil
	}
	if hops+1 > MaxHops {
		return nil, LoopError(name, hops)
	}
	return append(withoutVar(environ, HopsEnv), HopsEnv+"="+strconv.Itoa(hops+1)), nil
}

// LoopError is the error for a shim reached too many times without
// reaching an interpreter.
func LoopError(name string, hops int) error {
	return &ExitError{Code: 127, Err: fmt.Errorf("%s: loop: reached pyshim's shims %d times without reaching an interpreter (the selected interpreter runs `%s' again?); see `pyshim which --explain` and `pyshim doctor`", name, hops+1, name)}
}

// ResolverName is the binary the shim execs on a cache miss, installed
// next to it: pyshim-plugins, which runs the plugins in-process.
const ResolverName = "pyshim-plugins"

// execResolver hands the call to `pyshim-plugins __resolve-exec`, found
// next to the shim binary.
func execResolver(argv, environ []string, name string, hops int) error {
	self, err := os.Executable()
	if err != nil {
		return &ExitError{Code: 127, Err: fmt.Errorf("%s: finding the shim binary: %w", name, err)}
	}
	if real, err := filepath.EvalSymlinks(self); err == nil {
		self = real
	}
	pyshim := filepath.Join(filepath.Dir(self), ResolverName)
	env, err := HopsFor(environ, hops, false, name)
	if err != nil {
		return err
	}
	args := append([]string{pyshim, ResolveArg, self}, argv...)
	err = syscall.Exec(pyshim, args, env)
	return &ExitError{Code: 127, Err: fmt.Errorf("%s: cannot run the resolver %s: %w (install pyshim next to %s with install.sh)", name, pyshim, err, ExecName)}
}

// Exec replaces the process with the target run with userArgs. environ is
// used as given, then the target's environment operations are applied.
func (t *Target) Exec(userArgs, environ []string) error {
	argv := make([]string, 0, len(t.Argv)+len(userArgs))
	argv = append(argv, t.Argv...)
	argv = append(argv, userArgs...)
	env := interp.ApplyEnv(environ, t.Env)
	if t.Chdir != "" {
		if err := os.Chdir(t.Chdir); err != nil {
			return fmt.Errorf("changing to %s as the wrapper would: %w", t.Chdir, err)
		}
	}
	err := syscall.Exec(t.File, argv, env)
	return fmt.Errorf("running %s: %w", t.File, err)
}

// withoutVar returns environ without name (a new slice).
func withoutVar(environ []string, name string) []string {
	out := make([]string, 0, len(environ)+1)
	for _, kv := range environ {
		if len(kv) > len(name) && kv[len(name)] == '=' && kv[:len(name)] == name {
			continue
		}
		out = append(out, kv)
	}
	return out
}
