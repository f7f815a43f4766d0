//go:build pyshimlight

package cli

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// handOverPackageCommand execs pyshim-install when args name a package
// command, before any of the command line is built; it returns only when
// that failed, having said why, with the exit status.
func handOverPackageCommand(args []string) (code int, handed bool) {
	if len(args) == 0 || !isPackageCommand(args[0]) {
		return 0, false
	}
	fmt.Fprintln(os.Stderr, "pyshim:", handOverPackages(args))
	return 2, true
}

// isPackageCommand reports whether name is one of the package commands.
func isPackageCommand(name string) bool {
	for _, c := range packageCommands() {
		if strings.Fields(c.use)[0] == name {
			return true
		}
	}
	return false
}

// packageCmds are stand-ins for the package commands, so that help lists
// them; MainWith hands the commands over before any of these would run,
// and `pyshim help install` is handed over as `install --help`.
func packageCmds() []*cobra.Command {
	var cmds []*cobra.Command
	for _, c := range packageCommands() {
		name := strings.Fields(c.use)[0]
		cmd := &cobra.Command{
			Use:                c.use,
			Short:              c.short,
			DisableFlagParsing: true,
			RunE: func(_ *cobra.Command, args []string) error {
				return handOverPackages(append([]string{name}, args...))
			},
		}
		cmd.SetHelpFunc(func(*cobra.Command, []string) {
			err := handOverPackages([]string{name, "--help"})
			fmt.Fprintln(os.Stderr, "pyshim:", err)
			os.Exit(2)
		})
		cmds = append(cmds, cmd)
	}
	return cmds
}

// handOverPackages execs pyshim-install, next to this executable, with
// args, and returns only the error that it could not.
func handOverPackages(args []string) error {
	full, err := execSibling(InstallExeName, args)
	return fmt.Errorf("`pyshim %s` runs %s, which should be next to pyshim: %v; reinstall pyshim (./install.sh)", args[0], full, err)
}
