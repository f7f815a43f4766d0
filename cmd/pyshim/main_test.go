package main

import (
	"os/exec"
	"strings"
	"testing"
)

// pyshim starts on every `pyshim venv`, `pyshim which`…: it must not link
// the plugin transport, whose package initialisation and page faults
// doubled its start-up. pyshim-plugins links it, and pyshim runs that
// when plugins must run.
func TestNoPluginTransport(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		for _, banned := range []string{"github.com/hashicorp/go-plugin", "github.com/hashicorp/go-hclog", "google.golang.org/grpc", "google.golang.org/protobuf", "github.com/pyshim/pyshim/plugins/sdk/pb", "github.com/pyshim/pyshim/resolver/pluginhost"} {
			if pkg == banned || strings.HasPrefix(pkg, banned+"/") {
				t.Errorf("pyshim links %s", pkg)
			}
		}
	}
}
