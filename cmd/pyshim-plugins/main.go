// Command pyshim-plugins is pyshim with the plugin transport linked in
// (hashicorp/go-plugin, gRPC, protobuf). It serves the built-in plugins
// (`pyshim-plugins __plugin NAME`), runs rounds of plugins for pyshim
// (`pyshim-plugins __host`), and resolves for the shim on a cache miss
// (`pyshim-plugins __resolve-exec`, run by pyshim-exec). Otherwise it is
// the whole pyshim command line, running plugins in-process. It is
// installed next to pyshim, which stays light to start fast.
package main

import (
	"os"

	"github.com/pyshim/pyshim/internal/cli"
	"github.com/pyshim/pyshim/resolver/pluginhost"
)

func main() {
	if code, ok := pluginhost.Main(os.Args[1:]); ok {
		os.Exit(code)
	}
	os.Exit(cli.MainWith(os.Args[1:], cli.Options{Runner: pluginhost.Runner{}}))
}
