// Package cpuprofile starts a CPU profile (runtime/pprof) when the
// environment asks for one: PYSHIM_CPUPROFILE=FILE. The profile is
// written to a temporary name beside FILE and renamed to FILE when the
// program stops it, so FILE is never half-written. A process that execs
// another program (pyshim handing a command to pyshim-plugins) writes no
// profile.
package cpuprofile

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
)

// EnvVar names the file to write the profile to.
const EnvVar = "PYSHIM_CPUPROFILE"

// Start starts profiling into path and returns the function that stops
// it and puts the file in place.
func Start(path string) (stop func() error, err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("creating the CPU profile %s (%s): %w", path, EnvVar, err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("starting the CPU profile %s (%s): %w", path, EnvVar, err)
	}
	return func() error {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			os.Remove(f.Name())
			return fmt.Errorf("writing the CPU profile %s: %w", path, err)
		}
		if err := os.Rename(f.Name(), path); err != nil {
			os.Remove(f.Name())
			return fmt.Errorf("writing the CPU profile %s: %w", path, err)
		}
		return nil
	}, nil
}
