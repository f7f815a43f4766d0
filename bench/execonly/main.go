// Command execonly is the floor for any Go shim: a static binary that
// does nothing but exec one interpreter (set at build time with
// -ldflags "-X main.target=/abs/python") with its own arguments. bench/shim.sh
// measures pyshim-exec against it.
package main

import (
	"fmt"
	"os"
	"syscall"
)

// target is the interpreter to exec; set with -ldflags -X.
var target = "/usr/bin/python3"

func main() {
	err := syscall.Exec(target, append([]string{target}, os.Args[1:]...), os.Environ())
	fmt.Fprintln(os.Stderr, "execonly:", err)
	os.Exit(127)
}
