package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/pyshim/pyshim/resolver"
	"github.com/pyshim/pyshim/shim"
)

// Version is pyshim's version, set at build time with -ldflags.
const Version = "0.1.0-dev"

// Main runs pyshim with args (without the program name) and returns the
// exit status. Errors are printed as one line: "pyshim: ...". Plugins run
// through `pyshim-plugins __host`; see MainWith.
func Main(args []string) int { return MainWith(args, Options{}) }

// MainWith is Main with the binary's Options: pyshim-plugins, which links
// the plugin transport, runs the same command line with its own Runner.
func MainWith(args []string, o Options) int {
	if o.Runner == nil && len(args) >= 1 && slices.Contains(pluginCommands(), args[0]) {
		handOver(args)
	}
	if code, handed := handOverPackageCommand(args); handed {
		return code
	}
	ctx := withOptions(context.Background(), o)
	if len(args) >= 1 && args[0] == shim.ResolveArg {
		return resolveExecMain(ctx, args[1:])
	}
	root := newRoot()
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "pyshim:", strings.TrimSpace(err.Error()))
		return exitCode(err)
	}
	return 0
}

// pluginCommands are the commands that run the plugins every time.
// pyshim hands them whole to pyshim-plugins: one exec costs less than
// starting a plugin host process and passing it the round.
func pluginCommands() []string { return []string{"which", "list", "plugins", "exec", "doctor"} }

// handOver execs pyshim-plugins, next to this executable, with args. It
// returns only when that fails (pyshim-plugins not installed): then pyshim
// runs the command itself, and each plugin reports the missing host.
func handOver(args []string) { _, _ = execSibling(resolver.PluginsExeName, args) }

// execSibling execs the executable name next to this one with args, and
// returns only when it could not, with the path it tried.
func execSibling(name string, args []string) (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return name, err
	}
	path := filepath.Join(filepath.Dir(exe), name)
	return path, syscall.Exec(path, append([]string{path}, args...), os.Environ())
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "pyshim",
		Short:         "The right Python, every time: resolve, unwrap and run interpreters",
		Version:       Version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(whichCmd(), listCmd(), pluginsCmd(), execCmd(), configCmd(), venvCmd(),
		shimsCmd(), initCmd(), pinCmd(), trustCmd(), cacheCmd(), doctorCmd())
	root.AddCommand(packageCmds()...)
	return root
}
