package venv

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/pyshim/pyshim/install/cache"
	"github.com/pyshim/pyshim/internal/testenv"
)

// BenchmarkSeed measures Create with --seed from pyenv's 3.12 bundled pip.
func BenchmarkSeed(b *testing.B) {
	pip, _ := filepath.Glob(filepath.Join(testenv.RealPyenvRoot(), "versions/3.12.1/lib/python3.12/ensurepip/_bundled/pip-*.whl"))
	if len(pip) == 0 {
		b.Skip("no pyenv 3.12.1")
	}
	base := fakeBase{version: ver(3, 12, 1), exe: "/py/3.12/bin/python3.12", scheme: "venv", paths: posixPaths("python3.12")}.base()
	root := b.TempDir()
	for i := 0; b.Loop(); i++ {
		dir := filepath.Join(root, "v"+strconv.Itoa(i))
		if _, err := Create(context.Background(), dir, base, Options{Seed: true}, Seed(pip, cache.New(b.TempDir()))); err != nil {
			b.Fatal(err)
		}
	}
}
