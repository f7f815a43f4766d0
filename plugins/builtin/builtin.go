// Package builtin lists the discovery plugins that ship inside pyshim and
// serves one of them when pyshim re-executes itself as a plugin.
package builtin

import (
	"fmt"

	"github.com/pyshim/pyshim/plugins/nix"
	"github.com/pyshim/pyshim/plugins/pyenv"
	"github.com/pyshim/pyshim/plugins/sdk"
	"github.com/pyshim/pyshim/plugins/system"
)

// Names lists the built-in plugins in their default order of preference.
func Names() []string { return []string{"pyenv", "nix", "system"} }

// New returns the built-in plugin called name.
func New(name string) (sdk.Discoverer, bool) {
	switch name {
	case "pyenv":
		return pyenv.New(), true
	case "nix":
		return nix.New(), true
	case "system":
		return system.New(), true
	}
	return nil, false
}

// Serve runs built-in plugin name as a go-plugin server; it returns an
// error only when there is no such plugin.
func Serve(name string) error {
	d, ok := New(name)
	if !ok {
		return fmt.Errorf("no built-in plugin %q (have %v)", name, Names())
	}
	sdk.Serve(d)
	return nil
}
