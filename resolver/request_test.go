package resolver

import (
	"testing"

	"github.com/pyshim/pyshim/plugins/sdk/interp"
)

func TestParseRequest(t *testing.T) {
	for _, tc := range []struct {
		in                        string
		impl, version, path, name string
		source                    string
		specs                     int
		wantErr                   bool
	}{
		{in: "", version: ""},
		{in: "3", version: "3", name: "3"},
		{in: "3.12", version: "3.12", name: "3.12"},
		{in: "3.12.3", version: "3.12.3", name: "3.12.3"},
		{in: "3.13t", version: "3.13t", name: "3.13t"},
		{in: "3.13.0rc1", version: "3.13.0rc1", name: "3.13.0rc1"},
		{in: ">=3.10,<3.13", specs: 2},
		{in: "==3.12.*", specs: 1},
		{in: "cpython@3.12", impl: "cpython", version: "3.12"},
		{in: "cpython3.12", impl: "cpython", version: "3.12", name: "cpython3.12"},
		{in: "pypy3.9", impl: "pypy", version: "3.9", name: "pypy3.9"},
		{in: "pypy@3.9", impl: "pypy", version: "3.9"},
		{in: "pypy3", impl: "pypy", version: "3", name: "pypy3"},
		{in: "pypy", impl: "pypy", name: "pypy"},
		{in: "python3.12", version: "3.12", name: "python3.12"},
		{in: "python-3.9", version: "3.9", name: "python-3.9"},
		{in: "cp312", impl: "cpython", version: "3.12", name: "cp312"},
		{in: "/usr/bin/python3", path: "/usr/bin/python3"},
		{in: "/opt/venv/", path: "/opt/venv"},
		{in: "system", source: "system", name: "system"},
		{in: "myenv", name: "myenv"},
		{in: "pypy3.9-7.3.11", name: "pypy3.9-7.3.11"},
		{in: "nix:3.12", source: "nix", version: "3.12", name: "3.12"},
		{in: "pyenv:myenv", source: "pyenv", name: "myenv"},
		{in: "ironpython@3", wantErr: true},
		{in: ">=banana", wantErr: true},
		{in: "~=3", wantErr: true},
		{in: "relative/python", wantErr: true},
		{in: "nix:/abs", wantErr: true},
		{in: ":3.12", wantErr: true},
		{in: "pypy@3.x", wantErr: true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			r, err := ParseRequest(tc.in, "")
			if tc.wantErr {
				if err == nil {
					t.Fatalf("no error; got %+v", r)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			v := ""
			if r.HasVersion {
				v = r.Version.String()
			}
			if r.Impl != tc.impl || v != tc.version || r.Path != tc.path || r.Name != tc.name || r.Source != tc.source || len(r.Specs) != tc.specs {
				t.Errorf("got impl=%q version=%q path=%q name=%q source=%q specs=%d", r.Impl, v, r.Path, r.Name, r.Source, len(r.Specs))
			}
		})
	}
}

func TestParseRequestRelative(t *testing.T) {
	r, err := ParseRequest("./.venv", "/proj")
	if err != nil || r.Path != "/proj/.venv" {
		t.Fatalf("got %+v, %v", r, err)
	}
}

func cand(source, version, impl string, names ...string) interp.Interpreter {
	return interp.Interpreter{Source: source, Version: version, Implementation: impl, Names: names, Path: "/x/" + source + version, Exe: "/x/" + source + version}
}

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		req      string
		c        interp.Interpreter
		ok       bool
		deferred bool
		exact    bool
	}{
		{"3", cand("pyenv", "3.13.0", ""), true, false, false},
		{"3.1", cand("pyenv", "3.10.13", ""), false, false, false},
		{"3.10", cand("pyenv", "3.10.13", ""), true, false, false},
		{"3.13", cand("pyenv", "3.13.0t", ""), true, true, false},
		{"3.13t", cand("pyenv", "3.13.0t", ""), true, false, false},
		{"3.13t", cand("pyenv", "3.13.0", ""), false, false, false},
		{"3.14", cand("pyenv", "3.14.0a1", ""), true, true, false},
		{"3.14.0a1", cand("pyenv", "3.14.0a1", ""), true, false, false},
		{">=3.10,<3.13", cand("pyenv", "3.12.1", ""), true, false, false},
		{">=3.10,<3.13", cand("pyenv", "3.13.0", ""), false, false, false},
		{"<3.13", cand("pyenv", "3.13.0rc1", ""), false, false, false},
		{"==3.12.*", cand("pyenv", "3.12.1", ""), true, false, false},
		{"~=3.11", cand("pyenv", "3.12.1", ""), true, false, false},
		{"~=3.11.2", cand("pyenv", "3.12.1", ""), false, false, false},
		{"pypy3.9", cand("system", "3.9", "pypy"), true, false, false},
		{"pypy3.9", cand("system", "3.9.18", "cpython"), false, false, false},
		{"cpython@3.9", cand("pyenv", "3.9.18", ""), true, false, false},
		{"system", cand("system", "3.11", ""), true, false, false},
		{"system", cand("pyenv", "3.11.7", ""), false, false, false},
		{"nix:3.11", cand("pyenv", "3.11.7", ""), false, false, false},
		{"myenv", cand("pyenv", "3.11.7", "", "myenv"), true, false, true},
		{"myenv", cand("pyenv", "3.11.7", "", "3.11.7"), false, false, false},
		{"python-3.9", cand("pyenv", "3.9.18", ""), true, false, false},
		{"3.11.7", cand("pyenv", "3.11.7", "", "3.11.7"), true, false, true},
		{"3.12", cand("system", "", ""), false, false, false},
	} {
		t.Run(tc.req+"~"+tc.c.Version, func(t *testing.T) {
			r, err := ParseRequest(tc.req, "")
			if err != nil {
				t.Fatal(err)
			}
			v := r.Match(&tc.c)
			if v.OK != tc.ok || (v.OK && (v.Deferred != tc.deferred || v.Exact != tc.exact)) {
				t.Errorf("got %+v, want ok=%v deferred=%v exact=%v", v, tc.ok, tc.deferred, tc.exact)
			}
		})
	}
}

func TestNarrowTo(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
		c    interp.Interpreter
		want bool
	}{
		{"python", false, interp.Interpreter{}, false},
		{"python3", true, cand("pyenv", "3.11.7", ""), true},
		{"python3.10", true, cand("pyenv", "3.11.7", ""), false},
		{"python3.10", true, cand("pyenv", "3.10.13", "3.10.13"), true},
		{"pypy3", true, cand("system", "3.9", "pypy"), true},
		{"pypy3", true, cand("pyenv", "3.9.18", ""), false},
	} {
		r, ok := NarrowTo(tc.name)
		if ok != tc.ok {
			t.Errorf("%s: ok=%v", tc.name, ok)
			continue
		}
		if ok && r.Match(&tc.c).OK != tc.want {
			t.Errorf("%s vs %s: got %v", tc.name, tc.c.Version, !tc.want)
		}
	}
}

func FuzzParseRequest(f *testing.F) {
	for _, s := range []string{"3", "3.12", "3.13t", ">=3.10,<3.13", "cpython@3.12", "pypy3.9", "/abs", "nix:3.12", "myenv", "3.13.0rc1", "cp312", "python-3.9", "~=3.11"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRequest(s, "/cwd")
		if err != nil {
			return
		}
		c := cand("pyenv", "3.12.1", "", "3.12.1")
		_ = r.Match(&c)
		if r.HasVersion {
			if _, err := interp.ParseVersion(r.Version.String()); err != nil {
				t.Fatalf("version %q of %q does not round-trip: %v", r.Version.String(), s, err)
			}
		}
	})
}
