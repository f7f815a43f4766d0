// Command pyshim finds the Python interpreter a project asks for, explains
// the choice, and runs it. See `pyshim help`.
//
// PYSHIM_CPUPROFILE=FILE writes a CPU profile of the run to FILE
// (`go tool pprof pyshim FILE`; several runs' files can be given at once).
package main

import (
	"fmt"
	"os"

	"github.com/pyshim/pyshim/internal/cli"
	"github.com/pyshim/pyshim/internal/cpuprofile"
)

func main() { os.Exit(run()) }

func run() int {
	if path := os.Getenv(cpuprofile.EnvVar); path != "" {
		stop, err := cpuprofile.Start(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "pyshim:", err)
			return 2
		}
		defer func() {
			if err := stop(); err != nil {
				fmt.Fprintln(os.Stderr, "pyshim:", err)
			}
		}()
	}
	return cli.Main(os.Args[1:])
}
