//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package fsutil

import "os"

func lockDir(string, bool) func() { return func() {} }

func lockFile(*os.File) {}

func lockEntry(string) *Held { return &Held{} }

// stale is false without locks: a leftover cannot be told from a live
// process's temporary, so none is removed.
func stale(string) bool { return false }
