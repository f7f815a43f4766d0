package venv

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/pyshim/pyshim/install/cache"
	"github.com/pyshim/pyshim/install/wheel"
)

// distroWheelDir is where Debian and Fedora keep the wheels their ensurepip
// uses instead of bundled ones (sysconfig's WHEEL_PKG_DIR there).
const distroWheelDir = "/usr/share/python-wheels"

// SeedWheels returns the wheels `python -m venv` of b would install with
// ensurepip, in install order: setuptools where that Python's ensurepip
// still installs it (up to 3.11, and Debian's and PyPy's), then pip. They
// come from the interpreter's own ensurepip/_bundled, else from the
// distribution's wheel directory, the version ensurepip names when that
// one is there. Nothing is downloaded.
func SeedWheels(b *Base) ([]string, error) {
	return seedWheels(b, distroWheelDir)
}

// seedWheels is SeedWheels with the distribution's wheel directory given.
func seedWheels(b *Base, distroDir string) ([]string, error) {
	v := b.version()
	stdlib := b.Info.VenvPaths["stdlib"]
	if stdlib == "" || !filepath.IsLocal(stdlib) {
		name := fmt.Sprintf("python%d.%d", v.major, v.minor)
		if b.pypy() {
			name = fmt.Sprintf("pypy%d.%d", v.major, v.minor)
		}
		stdlib = filepath.Join("lib", name)
	}
	ensurepip := filepath.Join(b.Info.BasePrefix, stdlib, "ensurepip")
	src, err := os.ReadFile(filepath.Join(ensurepip, "__init__.py"))
	if err != nil {
		return nil, fmt.Errorf("--seed needs the interpreter's ensurepip module, which %s lacks (%v); create the venv without --seed and install pip into it", b.Interp.Path, err)
	}
	projects := []string{"pip"}
	if regexp.MustCompile(`["']setuptools["']`).Match(src) {
		projects = []string{"setuptools", "pip"}
	}
	declared := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^_(PIP|SETUPTOOLS)_VERSION\s*=\s*["']([^"']+)["']`).FindAllSubmatch(src, -1) {
		declared[strings.ToLower(string(m[1]))] = string(m[2])
	}
	var tried []string
	for _, dir := range []string{filepath.Join(ensurepip, "_bundled"), ensurepip, distroDir} {
		tried = append(tried, dir)
		var out []string
		for _, p := range projects {
			if w := pickWheel(dir, p, declared[p]); w != "" {
				out = append(out, w)
			}
		}
		if len(out) == len(projects) {
			return out, nil
		}
	}
	return nil, fmt.Errorf("--seed: no bundled %s wheel for %s in %s; install your distribution's pip wheel package (Debian: python3-pip-whl) or create the venv without --seed",
		strings.Join(projects, " and "), b.Interp.Path, strings.Join(tried, ", "))
}

// pickWheel returns the pure-Python wheel of project in dir: the version
// ensurepip names when present, else the newest; "" when there is none.
func pickWheel(dir, project, want string) string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return ""
	}
	best, bestVersion := "", ""
	for _, e := range entries {
		fn, err := wheel.ParseFilename(e.Name())
		if err != nil || wheel.NormalizeName(fn.Name) != project || !contains(fn.ABI, "none") || !contains(fn.Platform, "any") {
			continue
		}
		if fn.Version == want {
			return filepath.Join(dir, e.Name())
		}
		if best == "" || newer(fn.Version, bestVersion) {
			best, bestVersion = filepath.Join(dir, e.Name()), fn.Version
		}
	}
	return best
}

// newer compares the numeric release parts of two versions (enough for
// the final releases ensurepip bundles).
func newer(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) || i < len(pb); i++ {
		var x, y int
		if i < len(pa) {
			x, _ = strconv.Atoi(pa[i])
		}
		if i < len(pb) {
			y, _ = strconv.Atoi(pb[i])
		}
		if x != y {
			return x > y
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Seed returns a Seeder that installs wheels (from SeedWheels) into the
// venv with pyshim's own wheel installer: no python runs. With a wheel
// cache, each wheel is unpacked there once and later seeds link its files
// (reflink, else hardlink, else copy), as `pyshim install` does; without
// one, each seed unpacks the wheel privately. Scripts (pip, pip3, pip3.X)
// name the venv's final python, as ensurepip's would.
func Seed(wheels []string, c *cache.Cache) Seeder {
	return func(ctx context.Context, staging string, l *Layout) error {
		minor := l.Version
		if parts := strings.SplitN(minor, ".", 3); len(parts) >= 2 {
			minor = parts[0] + "." + parts[1]
		}
		s := wheel.Scheme{
			Purelib: filepath.Join(staging, l.Purelib),
			Platlib: filepath.Join(staging, l.Platlib),
			Headers: filepath.Join(staging, "include", "site", "python"+minor),
			Scripts: filepath.Join(staging, l.Bin),
			Data:    staging,
		}
		o := wheel.Options{
			Python:        filepath.Join(l.Dir, l.Bin, l.ExeName),
			PythonVersion: minor,
			Requested:     true,
			Link:          wheel.Reflink,
		}
		for _, w := range wheels {
			if err := seedOne(ctx, w, s, o, c); err != nil {
				return fmt.Errorf("seeding %s: %w", filepath.Base(w), err)
			}
		}
		return nil
	}
}

// seedOne installs one wheel, from the cache when there is one.
func seedOne(ctx context.Context, w string, s wheel.Scheme, o wheel.Options, c *cache.Cache) error {
	if c == nil {
		_, err := wheel.Install(ctx, w, s, o)
		return err
	}
	dir, _, err := c.Unpack(ctx, w, "")
	if err != nil {
		return err
	}
	o.Link = wheel.BestLink(o.Link, dir, s.Purelib) // once, not per placer
	_, err = wheel.InstallUnpacked(ctx, dir, s, o)
	return err
}
