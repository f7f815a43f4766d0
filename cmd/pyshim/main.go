// Command pyshim finds the Python interpreter a project asks for, explains
// the choice, and runs it. See `pyshim help`.
package main

import (
	"os"

	"github.com/pyshim/pyshim/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:])) }
