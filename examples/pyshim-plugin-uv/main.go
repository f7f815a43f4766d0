// Command pyshim-plugin-uv is an example third-party pyshim discovery
// plugin. It lists the Python interpreters that uv installed
// (`uv python install`) under $UV_PYTHON_INSTALL_DIR, else
// $XDG_DATA_HOME/uv/python, reading each version from its directory name:
// it never runs an interpreter.
//
// The host starts it as a go-plugin (gRPC) subprocess; go-plugin owns the
// process's stdout, so main does nothing but serve. See README.md.
package main

import "github.com/pyshim/pyshim/plugins/sdk"

func main() {
	sdk.Serve(New())
}
