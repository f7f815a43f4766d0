package main

import (
	"fmt"
	"strings"

	"github.com/pyshim/pyshim/plugins/sdk/interp"
)

// InstallName is the parsed name of a uv-managed Python installation
// directory, uv's "installation key": IMPL-VERSION[+VARIANT]-OS-ARCH-LIBC,
// such as cpython-3.12.1-linux-x86_64-gnu, pypy-3.9.19-linux-x86_64-gnu or
// cpython-3.13.0+freethreaded-macos-aarch64-none.
//
// uv (0.8 and later) also keeps minor-version links such as
// cpython-3.12-linux-x86_64-gnu -> cpython-3.12.11-linux-x86_64-gnu; those
// parse too and report IsMinorLink.
type InstallName struct {
	// Implementation is "cpython" or "pypy".
	Implementation string
	// Release is the version as written in the name, without variant:
	// "3.12.1", "3.14.0rc1", or "3.12" for a minor-version link.
	Release string
	// FreeThreaded and Debug are the "+freethreaded" and "+debug" variants.
	FreeThreaded bool
	Debug        bool
	// OS, Arch and Libc are the platform fields as written ("linux",
	// "x86_64_v3", "gnu").
	OS, Arch, Libc string
	// GOOS and GOARCH are OS and Arch in Go's terms ("linux", "amd64").
	GOOS, GOARCH string

	version interp.Version
}

// ParseInstallName parses a uv installation directory name. It accepts only
// the canonical form uv writes: lower-case fields, a version without
// leading zeros, and the variants in uv's order (+freethreaded+debug).
func ParseInstallName(name string) (InstallName, error) {
	fields := strings.Split(name, "-")
	if len(fields) != 5 {
		return InstallName{}, fmt.Errorf("parsing uv install name %q: want IMPL-VERSION-OS-ARCH-LIBC, got %d fields", name, len(fields))
	}
	var n InstallName
	switch fields[0] {
	case "cpython", "pypy":
		n.Implementation = fields[0]
	default:
		return InstallName{}, fmt.Errorf("parsing uv install name %q: unsupported implementation %q", name, fields[0])
	}

	release, variant, hasVariant := strings.Cut(fields[1], "+")
	switch {
	case !hasVariant:
	case variant == "freethreaded":
		n.FreeThreaded = true
	case variant == "debug":
		n.Debug = true
	case variant == "freethreaded+debug":
		n.FreeThreaded, n.Debug = true, true
	default:
		return InstallName{}, fmt.Errorf("parsing uv install name %q: unknown variant %q", name, variant)
	}
	if n.FreeThreaded && n.Implementation != "cpython" {
		return InstallName{}, fmt.Errorf("parsing uv install name %q: only cpython has free-threaded builds", name)
	}
	v, err := interp.ParseVersion(release)
	if err != nil {
		return InstallName{}, fmt.Errorf("parsing uv install name %q: %w", name, err)
	}
	// ParseVersion is lenient about forms a request may use ("3.13t",
	// "rc01"); a directory name must be exactly what uv writes.
	if v.String() != release || v.FreeThreaded || v.Dev {
		return InstallName{}, fmt.Errorf("parsing uv install name %q: non-canonical version %q", name, release)
	}
	if len(v.Parts) < 2 || (len(v.Parts) == 2 && v.Pre != "") {
		return InstallName{}, fmt.Errorf("parsing uv install name %q: version %q needs major.minor[.micro]", name, release)
	}
	v.FreeThreaded = n.FreeThreaded
	n.Release, n.version = release, v

	n.OS, n.Arch, n.Libc = fields[2], fields[3], fields[4]
	var ok bool
	if n.GOOS, ok = goOS(n.OS); !ok {
		return InstallName{}, fmt.Errorf("parsing uv install name %q: unknown operating system %q", name, n.OS)
	}
	if n.GOARCH, ok = goArch(n.Arch); !ok {
		return InstallName{}, fmt.Errorf("parsing uv install name %q: unknown architecture %q", name, n.Arch)
	}
	if !isToken(n.Libc) {
		return InstallName{}, fmt.Errorf("parsing uv install name %q: invalid libc %q", name, n.Libc)
	}
	return n, nil
}

// String formats n as uv names the directory; for a name that
// ParseInstallName accepted it returns the input unchanged.
func (n InstallName) String() string {
	var b strings.Builder
	b.WriteString(n.Implementation)
	b.WriteByte('-')
	b.WriteString(n.Release)
	if n.FreeThreaded {
		b.WriteString("+freethreaded")
	}
	if n.Debug {
		b.WriteString("+debug")
	}
	for _, f := range []string{n.OS, n.Arch, n.Libc} {
		b.WriteByte('-')
		b.WriteString(f)
	}
	return b.String()
}

// Version returns the Python version in pyshim's form: "3.12.1", or
// "3.13.0t" for a free-threaded build.
func (n InstallName) Version() string { return n.version.String() }

// IsMinorLink reports whether n names one of uv's minor-version links
// (cpython-3.12-...) rather than an installation.
func (n InstallName) IsMinorLink() bool { return len(n.version.Parts) == 2 }

// Executables lists, most specific first, the paths relative to the
// installation directory where its interpreter may be.
func (n InstallName) Executables() []string {
	minor := n.version.MinorString()
	if n.Implementation == "pypy" {
		return []string{"bin/pypy" + minor, "bin/pypy3"}
	}
	suffix := ""
	if n.FreeThreaded {
		suffix += "t"
	}
	if n.Debug {
		suffix += "d"
	}
	if suffix == "" {
		return []string{"bin/python" + minor}
	}
	return []string{"bin/python" + minor + suffix, "bin/python" + minor}
}

// goOS maps uv's operating-system field to GOOS.
func goOS(name string) (string, bool) {
	switch name {
	case "linux", "windows", "freebsd", "netbsd", "openbsd", "dragonfly", "illumos", "solaris":
		return name, true
	case "macos", "darwin":
		return "darwin", true
	}
	return "", false
}

// goArch maps uv's architecture field to GOARCH. uv writes x86_64 micro-
// architecture levels as x86_64_v2..x86_64_v4.
func goArch(arch string) (string, bool) {
	switch arch {
	case "x86_64", "x86_64_v1", "x86_64_v2", "x86_64_v3", "x86_64_v4":
		return "amd64", true
	case "aarch64", "arm64":
		return "arm64", true
	case "i686", "i386", "x86":
		return "386", true
	case "armv7", "armv6", "armv5te":
		return "arm", true
	case "ppc64le":
		return "ppc64le", true
	case "ppc64":
		return "ppc64", true
	case "s390x":
		return "s390x", true
	case "riscv64", "riscv64gc":
		return "riscv64", true
	case "loongarch64":
		return "loong64", true
	}
	return "", false
}

// isToken reports whether s is a non-empty run of [a-z0-9_].
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}
