// Package builtin names the discovery plugins that ship inside pyshim. It
// imports none of them, so that pyshim can check a configured name without
// linking the plugins: pyshim-plugins serves them (see
// resolver/pluginhost.Builtin).
package builtin

// Names lists the built-in plugins in their default order of preference.
func Names() []string { return []string{"pyenv", "nix", "system"} }
