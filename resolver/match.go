package resolver

import (
	"strings"

	"github.com/pyshim/pyshim/plugins/sdk/interp"
)

// Verdict says whether a candidate satisfies a request and, when not, why.
type Verdict struct {
	OK bool
	// Exact is set when the request named the candidate exactly (a pyenv
	// version or env name, or its path).
	Exact bool
	// Deferred is set when the candidate matches only if pre-releases or
	// free-threaded builds are allowed (they are used only when nothing
	// else matches).
	Deferred bool
	Reason   string
}

// Match checks a candidate against the request. The candidate's Version
// must already be known when the request constrains the version.
func (r Request) Match(c *interp.Interpreter) Verdict {
	if r.Source != "" && r.Source != c.Source {
		return Verdict{Reason: "from " + c.Source + ", request pins " + r.Source}
	}
	if r.Path != "" {
		if c.Path == r.Path {
			return Verdict{OK: true, Exact: true}
		}
		return Verdict{Reason: "not " + r.Path}
	}
	if r.Name != "" && r.Name != "system" {
		name := strings.TrimPrefix(r.Name, "python-")
		for _, n := range c.Names {
			if n == r.Name || n == name {
				return Verdict{OK: true, Exact: true}
			}
		}
		if !r.HasVersion && r.Impl == "" {
			return Verdict{Reason: "not named " + r.Name}
		}
	}
	if r.Impl != "" && implOf(c) != r.Impl {
		return Verdict{Reason: "implementation " + implOf(c) + ", not " + r.Impl}
	}
	if !r.HasVersion && len(r.Specs) == 0 {
		return deferIfSpecial(r, c, Verdict{OK: true})
	}
	if c.Version == "" {
		return Verdict{Reason: "version unknown"}
	}
	v, err := interp.ParseVersion(c.Version)
	if err != nil {
		return Verdict{Reason: "unparsable version " + c.Version}
	}
	if r.HasVersion {
		if !v.HasPrefix(r.Version) {
			return Verdict{Reason: "version " + c.Version + " is not " + r.Version.String()}
		}
		if r.Version.FreeThreaded && !v.FreeThreaded {
			return Verdict{Reason: "not a free-threaded build"}
		}
	}
	for _, s := range r.Specs {
		if !s.matches(v) {
			return Verdict{Reason: "version " + c.Version + " fails " + s.Op + s.Version.String()}
		}
	}
	return deferIfSpecial(r, c, Verdict{OK: true})
}

// deferIfSpecial marks pre-releases and free-threaded builds that the
// request did not ask for as usable only when nothing else matches.
func deferIfSpecial(r Request, c *interp.Interpreter, v Verdict) Verdict {
	cv, err := interp.ParseVersion(c.Version)
	if err != nil {
		return v
	}
	if cv.FreeThreaded && !r.WantsFreeThreaded() {
		v.Deferred, v.Reason = true, "free-threaded build, not asked for"
	}
	if cv.IsPrerelease() && !r.AllowsPrerelease() {
		v.Deferred, v.Reason = true, "pre-release, not asked for"
	}
	return v
}

func implOf(c *interp.Interpreter) string {
	if c.Implementation == "" {
		return "cpython"
	}
	return strings.ToLower(c.Implementation)
}

// NarrowTo returns a filter request for a versioned shim name such as
// "python3.10" or "pypy3": the interpreter must also satisfy it, at every
// precedence level. ok is false for names that do not narrow ("python").
func NarrowTo(shimName string) (Request, bool) {
	r, err := ParseRequest(shimName, "")
	if err != nil || (!r.HasVersion && r.Impl == "") {
		return Request{}, false
	}
	// "python3" narrows to major 3 only; a name carries no pyenv name.
	r.Name = ""
	return r, true
}
