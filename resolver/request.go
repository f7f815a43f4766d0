// Package resolver finds every Python interpreter on the machine through
// the discovery plugins, and picks the one a request, the environment and
// the project's files ask for.
package resolver

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/pyshim/pyshim/plugins/sdk/interp"
)

// Request is a parsed interpreter request. The accepted forms (compatible
// with uv and pyenv) are: "" (anything), "3", "3.12", "3.12.3", "3.13t",
// "3.13.0rc1", ">=3.10,<3.13", "cpython@3.12", "cpython3.12", "pypy3.9",
// "pypy@3.9", "python3.12", "python-3.9" (pyenv's prefix), "/abs/path" (an
// executable, or a venv or prefix directory), "system", a pyenv version
// name ("3.11.7", "myenv"), and "plugin:spec" to pin a source ("nix:3.12").
type Request struct {
	// Raw is the request as written.
	Raw string
	// Source pins a plugin ("nix", "system").
	Source string
	// Impl is "cpython", "pypy" or empty for any.
	Impl string
	// Version is a version prefix to match, when HasVersion.
	Version    interp.Version
	HasVersion bool
	// Specs are comparison specifiers (">=3.10", "<3.13").
	Specs []Spec
	// Path is an absolute path request.
	Path string
	// Name is a name to match against Interpreter.Names (pyenv version and
	// virtualenv names); set for every request that is a single word.
	Name string
}

// Spec is one comparison such as ">=3.10".
type Spec struct {
	Op      string
	Version interp.Version
}

// ParseRequest parses a request. relTo, when not empty, is the directory a
// relative path ("./venv/bin/python", "../py") is resolved against; bare
// words are never taken as paths.
func ParseRequest(raw, relTo string) (Request, error) {
	s := strings.TrimSpace(raw)
	r := Request{Raw: raw}
	if s == "" || s == "any" || s == "default" {
		return r, nil
	}
	if strings.Contains(s, "/") || s == "~" {
		p := s
		if !filepath.IsAbs(p) {
			if relTo == "" || strings.HasPrefix(p, "~") {
				return r, fmt.Errorf("request %q: a path must be absolute", raw)
			}
			p = filepath.Join(relTo, p)
		}
		r.Path = filepath.Clean(p)
		return r, nil
	}
	if s == "system" {
		r.Source = "system"
		r.Name = s
		return r, nil
	}
	if src, spec, ok := strings.Cut(s, ":"); ok {
		if src == "" || strings.ContainsAny(src, "@<>=!~") {
			return r, fmt.Errorf("request %q: expected PLUGIN:REQUEST such as nix:3.12", raw)
		}
		inner, err := ParseRequest(spec, relTo)
		if err != nil {
			return r, err
		}
		if inner.Path != "" {
			return r, fmt.Errorf("request %q: a plugin pin takes a version, not a path", raw)
		}
		inner.Raw, inner.Source = raw, src
		return inner, nil
	}
	if strings.ContainsAny(s, "<>=!~,") {
		specs, err := parseSpecs(s)
		if err != nil {
			return r, fmt.Errorf("request %q: %w", raw, err)
		}
		r.Specs = specs
		return r, nil
	}
	r.Name = s
	rest := s
	if impl, ver, ok := strings.Cut(s, "@"); ok {
		switch strings.ToLower(impl) {
		case "cpython", "python", "cp":
			r.Impl = "cpython"
		case "pypy", "pp":
			r.Impl = "pypy"
		default:
			return r, fmt.Errorf("request %q: unknown implementation %q (use cpython or pypy)", raw, impl)
		}
		rest = ver
		r.Name = ""
		if rest == "" {
			return r, nil
		}
	} else {
		for _, pre := range []struct{ prefix, impl string }{
			{"cpython-", "cpython"}, {"cpython", "cpython"}, {"python-", ""}, {"python", ""},
			{"pypy-", "pypy"}, {"pypy", "pypy"}, {"cp", "cpython"}, {"pp", "pypy"},
		} {
			if strings.HasPrefix(strings.ToLower(rest), pre.prefix) {
				tail := rest[len(pre.prefix):]
				if tail == "" && (pre.prefix == "pypy" || pre.prefix == "cpython" || pre.prefix == "python") {
					r.Impl, rest = pre.impl, ""
					break
				}
				if _, err := interp.ParseVersion(tail); err == nil {
					r.Impl, rest = pre.impl, tail
					if pre.prefix == "cp" || pre.prefix == "pp" {
						rest = expandCompact(tail)
					}
					break
				}
			}
		}
	}
	if rest == "" {
		return r, nil
	}
	v, err := interp.ParseVersion(rest)
	if err != nil {
		if r.Name != "" && r.Impl == "" {
			// A bare word that is not a version: a name such as a
			// pyenv-virtualenv env ("myenv") or "miniconda3-latest".
			return r, nil
		}
		return r, fmt.Errorf("request %q: %q is not a Python version", raw, rest)
	}
	r.Version, r.HasVersion = v, true
	return r, nil
}

// expandCompact turns "312" (as in cp312) into "3.12".
func expandCompact(s string) string {
	if len(s) >= 2 && !strings.Contains(s, ".") {
		return s[:1] + "." + s[1:]
	}
	return s
}

func parseSpecs(s string) ([]Spec, error) {
	var out []Spec
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		op := ""
		for _, o := range []string{"~=", "==", "!=", ">=", "<=", ">", "<"} {
			if strings.HasPrefix(part, o) {
				op = o
				break
			}
		}
		if op == "" {
			return nil, fmt.Errorf("%q is not a comparison such as >=3.10", part)
		}
		vs := strings.TrimSpace(strings.TrimPrefix(part, op))
		wild := false
		if (op == "==" || op == "!=") && strings.HasSuffix(vs, ".*") {
			vs, wild = strings.TrimSuffix(vs, ".*"), true
		}
		v, err := interp.ParseVersion(vs)
		if err != nil {
			return nil, err
		}
		if wild {
			op += "*"
		}
		if op == "~=" && len(v.Parts) < 2 {
			return nil, fmt.Errorf("%q: ~= needs at least two components", part)
		}
		out = append(out, Spec{Op: op, Version: v})
	}
	return out, nil
}

// matches reports whether v satisfies the spec. Comparisons pad missing
// components with zeros, as PEP 440 does; "==3.12" is "==3.12.0" unless
// written "==3.12.*".
func (s Spec) matches(v interp.Version) bool {
	c := v.Compare(s.Version)
	switch s.Op {
	case "==":
		return c == 0
	case "!=":
		return c != 0
	case "==*":
		return v.HasPrefix(s.Version)
	case "!=*":
		return !v.HasPrefix(s.Version)
	case ">=":
		return c >= 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case "<":
		// As PEP 440: <V excludes pre-releases of V.
		return c < 0 && !(v.IsPrerelease() && sameRelease(v, s.Version))
	case "~=":
		prefix := interp.Version{Parts: s.Version.Parts[:len(s.Version.Parts)-1]}
		return c >= 0 && v.HasPrefix(prefix)
	}
	return false
}

func sameRelease(a, b interp.Version) bool {
	for i := 0; i < 3; i++ {
		if a.Part(i) != b.Part(i) {
			return false
		}
	}
	return true
}

// IsPath reports whether the request names a file or directory.
func (r Request) IsPath() bool { return r.Path != "" }

// IsAny reports whether the request accepts any interpreter.
func (r Request) IsAny() bool {
	return r.Path == "" && r.Source == "" && r.Impl == "" && !r.HasVersion && len(r.Specs) == 0 && r.Name == ""
}

// AllowsPrerelease reports whether the request itself names a pre-release
// (then pre-releases compete with final releases).
func (r Request) AllowsPrerelease() bool {
	if r.HasVersion && r.Version.IsPrerelease() {
		return true
	}
	for _, s := range r.Specs {
		if s.Version.IsPrerelease() {
			return true
		}
	}
	return false
}

// WantsFreeThreaded reports whether the request asks for a free-threaded
// build ("3.13t").
func (r Request) WantsFreeThreaded() bool { return r.HasVersion && r.Version.FreeThreaded }

// String returns the request as written.
func (r Request) String() string { return r.Raw }
