// Package model holds the plain types of pyshim's discovery protocol: what
// a plugin is asked, what it answers, and the Discoverer interface. It uses
// the standard library only, so that the pyshim binary can link it without
// the gRPC transport; package sdk re-exports every name here.
package model

import (
	"context"

	"github.com/pyshim/pyshim/plugins/sdk/interp"
)

// Interpreter is the interpreter model plugins return; see package interp.
type Interpreter = interp.Interpreter

// Description names a plugin.
type Description struct {
	Name    string
	Version string
	Summary string
}

// DiscoverRequest is what the host asks a plugin.
type DiscoverRequest struct {
	// Request is the user's request ("3.12", "pypy@3.9", "/abs/path"), or
	// empty to list everything. Plugins may use it to narrow their work;
	// the host matches candidates against it in any case.
	Request string
	Cwd     string
	// Env holds the variables named by EnvKeys that are set.
	Env map[string]string
}

// DiscoverResult is a plugin's answer.
type DiscoverResult struct {
	Candidates []Interpreter
	// Watch lists files and directories whose change could change the
	// answer; the shim re-stats them to decide whether a cached answer
	// still holds.
	Watch []string
	// Warnings are one-line notes for --explain and `pyshim plugins`.
	Warnings []string
}

// Discoverer is implemented by every plugin.
type Discoverer interface {
	Describe(ctx context.Context) (Description, error)
	Discover(ctx context.Context, req DiscoverRequest) (DiscoverResult, error)
	// Unwrap says how to run the interpreter at path without its wrapper.
	// known is false when the plugin does not recognise the file.
	Unwrap(ctx context.Context, path string, env map[string]string) (in Interpreter, known bool, err error)
}

// EnvKeys lists the environment variables the host passes to plugins.
// Plugins see nothing else of the user's environment.
func EnvKeys() []string {
	return []string{
		"HOME", "USER", "PATH",
		"XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME",
		"PYENV_ROOT", "PYENV_VERSION",
		"NIX_STORE_DIR", "NIX_PROFILES",
		"VIRTUAL_ENV", "CONDA_PREFIX",
		"UV_PYTHON_INSTALL_DIR",
		"ASDF_DATA_DIR", "MISE_DATA_DIR",
		// Set by the host: pyshim's shims dir and shim binary, which no
		// candidate may point at.
		"PYSHIM_SHIMS_DIR", "PYSHIM_SHIM_EXE",
	}
}
