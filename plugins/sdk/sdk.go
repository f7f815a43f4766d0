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
	"github.com/pyshim/pyshim/plugins/sdk/model"
	"github.com/pyshim/pyshim/plugins/sdk/pb"
)

// ProtocolVersion is the version of the discovery protocol. The host
// refuses a plugin that speaks another.
const ProtocolVersion = 1

// PluginName is the name of the single service in the go-plugin plugin set.
const PluginName = "discovery"

// The protocol's plain types live in package model (standard library
// only); they are re-exported here so that a plugin needs only sdk.

// Interpreter is the interpreter model plugins return; see package interp.
type Interpreter = interp.Interpreter

// Description names a plugin; see model.Description.
type Description = model.Description

// DiscoverRequest is what the host asks a plugin; see model.DiscoverRequest.
type DiscoverRequest = model.DiscoverRequest

// DiscoverResult is a plugin's answer; see model.DiscoverResult.
type DiscoverResult = model.DiscoverResult

// Discoverer is implemented by every plugin; see model.Discoverer.
type Discoverer = model.Discoverer

// EnvKeys lists the environment variables the host passes to plugins.
// Plugins see nothing else of the user's environment.
func EnvKeys() []string { return model.EnvKeys() }

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
