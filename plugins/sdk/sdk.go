// Package sdk is what a pyshim discovery plugin imports: the protocol
// (gRPC over hashicorp/go-plugin), the Discoverer interface a plugin
// implements, and Serve, which runs one.
//
// A third-party plugin is an executable named pyshim-plugin-NAME, placed in
// $XDG_DATA_HOME/pyshim/plugins or on PATH, whose main calls
// sdk.Serve(impl). See examples/pyshim-plugin-uv.
package sdk

import (
	"context"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/pyshim/pyshim/plugins/sdk/interp"
	"github.com/pyshim/pyshim/plugins/sdk/pb"
)

// ProtocolVersion is the version of the discovery protocol. The host
// refuses a plugin that speaks another.
const ProtocolVersion = 1

// PluginName is the name of the single service in the go-plugin plugin set.
const PluginName = "discovery"

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

// Handshake is the go-plugin handshake shared by host and plugins.
func Handshake() plugin.HandshakeConfig {
	return plugin.HandshakeConfig{
		ProtocolVersion:  ProtocolVersion,
		MagicCookieKey:   "PYSHIM_PLUGIN_MAGIC_COOKIE",
		MagicCookieValue: "b9c1c1f4-pyshim-discovery",
	}
}

// PluginSet is the go-plugin plugin set for a host (impl nil) or a plugin.
func PluginSet(impl Discoverer) plugin.PluginSet {
	return plugin.PluginSet{PluginName: &grpcPlugin{impl: impl}}
}

// Serve runs impl as a plugin process. It returns only when the host is
// done with it. Run it from main and nothing else: go-plugin owns stdout.
func Serve(impl Discoverer) {
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: Handshake(),
		Plugins:         PluginSet(impl),
		GRPCServer:      plugin.DefaultGRPCServer,
	})
}

// grpcPlugin binds a Discoverer to go-plugin's gRPC transport.
type grpcPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	impl Discoverer
}

func (p *grpcPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pb.RegisterDiscoveryServer(s, &server{impl: p.impl})
	return nil
}

func (p *grpcPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (interface{}, error) {
	return &Client{rpc: pb.NewDiscoveryClient(c)}, nil
}
