// Command pyshim-exec is pyshim's shim binary. Every name in the shims
// directory (python, python3, python3.12, pip, pip3.12, pytest…) is a
// symlink to it; it runs the interpreter the current directory and
// environment ask for, from a cache when it can, else through
// `pyshim-plugins __resolve-exec` installed next to it. It links the standard library
// only: see package shim.
package main

import (
	"os"

	"github.com/pyshim/pyshim/shim"
)

func main() { os.Exit(shim.Main(os.Args, os.Environ(), os.Stderr)) }
