package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"

	"github.com/pyshim/pyshim/plugins/sdk"
	"github.com/pyshim/pyshim/plugins/sdk/interp"
)

// TestPluginProcess builds the plugin and talks to it as pyshim does: as a
// go-plugin gRPC subprocess. A stray write to stdout would break the
// handshake, so this also checks that main serves and prints nothing.
func TestPluginProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the plugin binary")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("go tool missing under CI: %v", err)
		}
		t.Skipf("go tool not found: %v", err)
	}
	host, _ := uvPlatform(t)
	dataHome, root, real := uvTree(t)

	bin := filepath.Join(t.TempDir(), "pyshim-plugin-uv")
	build := exec.Command(goTool, "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  sdk.Handshake(),
		Plugins:          sdk.PluginSet(nil),
		Cmd:              exec.Command(bin),
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Logger:           hclog.NewNullLogger(),
		StartTimeout:     10 * time.Second,
	})
	t.Cleanup(client.Kill)

	rpc, err := client.Client()
	if err != nil {
		t.Fatalf("starting plugin: %v", err)
	}
	raw, err := rpc.Dispense(sdk.PluginName)
	if err != nil {
		t.Fatalf("dispensing %s: %v", sdk.PluginName, err)
	}
	d, ok := raw.(sdk.Discoverer)
	if !ok {
		t.Fatalf("dispensed %T, want an sdk.Discoverer", raw)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	desc, err := d.Describe(ctx)
	if err != nil || desc.Name != "uv" || desc.Version != PluginVersion {
		t.Errorf("Describe = %+v, %v", desc, err)
	}
	res, err := d.Discover(ctx, sdk.DiscoverRequest{Env: map[string]string{"XDG_DATA_HOME": dataHome}})
	if err != nil {
		t.Fatalf("Discover: %v", err)
	}
	path := filepath.Join(root, "cpython-3.12.1-"+host, "bin", "python3.12")
	want := []interp.Interpreter{{
		Path: path, Exe: realPath(t, real), Argv0: path, Version: "3.12.1", Implementation: "cpython",
		Kind: interp.KindBase, Source: "uv", Names: []string{"cpython-3.12.1-" + host},
	}}
	if !reflect.DeepEqual(res.Candidates, want) {
		t.Errorf("candidates over gRPC:\n got %+v\nwant %+v", res.Candidates, want)
	}
	if !reflect.DeepEqual(res.Watch, []string{root}) || len(res.Warnings) != 0 {
		t.Errorf("watch, warnings = %q, %q; want [%q], none", res.Watch, res.Warnings, root)
	}
	if _, known, err := d.Unwrap(ctx, path, nil); known || err != nil {
		t.Errorf("Unwrap over gRPC = known %v, %v; want false, nil", known, err)
	}
}
