package cli

// The package commands (install, uninstall, packages, freeze) link the
// installer and with it Go's HTTP and TLS stack, whose package
// initialisation and page faults cost every start of the binary that
// links them about 0.9 ms: a third of a warm `pyshim venv`. So pyshim is
// built twice from cmd/pyshim (build.sh): whole, as pyshim-install, and
// with the build tag pyshimlight, as pyshim, which links neither and
// execs pyshim-install, next to it, for those four commands
// (packages_light.go). A plain `go build ./cmd/pyshim` is the whole
// command line in one binary.

// InstallExeName is the whole pyshim, installed next to pyshim; pyshim
// built with the tag pyshimlight hands the package commands to it.
const InstallExeName = "pyshim-install"

// packageCommand is one of the package commands as `pyshim help` lists it.
type packageCommand struct{ use, short string }

// packageCommands are the package commands, in the order help lists them.
func packageCommands() []packageCommand {
	return []packageCommand{
		{"install [PKG...]", "Install packages into the project's venv (resolving, downloading and linking natively)"},
		{"uninstall PKG...", "Remove installed distributions (and the files their RECORD lists)"},
		{"packages", "List the distributions installed in the environment"},
		{"freeze", "Print the installed distributions as name==version lines (pip freeze format)"},
	}
}
