// Package builtin lists the discovery plugins that ship inside pyshim. It
// links no plugin transport: the pyshim-plugins binary serves them (see
// resolver/pluginhost).
package builtin

import (
	"github.com/pyshim/pyshim/plugins/nix"
	"github.com/pyshim/pyshim/plugins/pyenv"
	"github.com/pyshim/pyshim/plugins/sdk/model"
	"github.com/pyshim/pyshim/plugins/system"
)

// Names lists the built-in plugins in their default order of preference.
func Names() []string { return []string{"pyenv", "nix", "system"} }

// New returns the built-in plugin called name.
func New(name string) (model.Discoverer, bool) {
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
