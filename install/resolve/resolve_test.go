package resolve

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pyshim/pyshim/install/pep440"
	"github.com/pyshim/pyshim/install/pep508"
)

// memDist is one version in the in-memory index: "name==version" with its
// Requires-Dist, Requires-Python and yanked flag.
type memDist struct {
	id       string
	deps     []string
	requires string
	yanked   bool
}

type memProvider struct {
	dists map[string][]memDist // by normalised name
	calls int
}

func newMem(ds ...memDist) *memProvider {
	m := &memProvider{dists: map[string][]memDist{}}
	for _, d := range ds {
		name, _, _ := strings.Cut(d.id, "==")
		name = pep508.NormalizeName(name)
		m.dists[name] = append(m.dists[name], d)
	}
	return m
}

func (m *memProvider) Versions(ctx context.Context, project string) ([]Candidate, error) {
	m.calls++
	var out []Candidate
	for _, d := range m.dists[project] {
		_, v, _ := strings.Cut(d.id, "==")
		out = append(out, Candidate{Version: pep440.MustParse(v), Yanked: d.yanked})
	}
	return out, nil
}

func (m *memProvider) Metadata(ctx context.Context, project string, version pep440.Version) (*Metadata, error) {
	for _, d := range m.dists[project] {
		_, v, _ := strings.Cut(d.id, "==")
		if !pep440.MustParse(v).Equal(version) {
			continue
		}
		md := &Metadata{}
		for _, r := range d.deps {
			req, err := pep508.ParseRequirement(r)
			if err != nil {
				return nil, err
			}
			md.RequiresDist = append(md.RequiresDist, req)
		}
		if d.requires != "" {
			md.RequiresPython = pep440.MustParseSpecifierSet(d.requires)
		}
		return md, nil
	}
	return nil, fmt.Errorf("no %s==%s", project, version)
}

var env311 = map[string]string{
	"implementation_name": "cpython", "implementation_version": "3.11.7", "os_name": "posix",
	"platform_machine": "x86_64", "platform_release": "6.1", "platform_system": "Linux",
	"platform_version": "#1", "python_full_version": "3.11.7", "platform_python_implementation": "CPython",
	"python_version": "3.11", "sys_platform": "linux",
}

func reqs(t *testing.T, ss ...string) []*pep508.Requirement {
	t.Helper()
	var out []*pep508.Requirement
	for _, s := range ss {
		r, err := pep508.ParseRequirement(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func TestResolve(t *testing.T) {
	cases := []struct {
		name        string
		dists       []memDist
		reqs        []string
		constraints []string
		installed   []string
		upgrade     bool
		pre         bool
		want        string // "a==1 b==2" sorted, or the error substrings joined by "|"
		wantErr     []string
	}{
		{name: "simple chain",
			dists: []memDist{{id: "a==1.0", deps: []string{"b>=1"}}, {id: "a==2.0", deps: []string{"b>=2"}},
				{id: "b==1.0"}, {id: "b==2.0", deps: []string{"c"}}, {id: "c==0.1"}, {id: "c==0.2"}},
			reqs: []string{"a"}, want: "a==2.0 b==2.0 c==0.2"},
		{name: "backtracking to an older a",
			dists: []memDist{{id: "a==1.0", deps: []string{"b>=2"}}, {id: "a==2.0", deps: []string{"b<2"}},
				{id: "b==1.0"}, {id: "b==2.0"}, {id: "c==1.0", deps: []string{"b>=2"}}},
			reqs: []string{"a", "c"}, want: "a==1.0 b==2.0 c==1.0"},
		{name: "backtracking deep",
			dists: []memDist{
				{id: "a==3.0", deps: []string{"x==2"}}, {id: "a==2.0", deps: []string{"x==2"}}, {id: "a==1.0", deps: []string{"x==1"}},
				{id: "x==1"}, {id: "x==2", deps: []string{"y<1"}}, {id: "y==0.5"}, {id: "y==1.5"},
				{id: "z==1.0", deps: []string{"y>=1"}}},
			reqs: []string{"a", "z"}, want: "a==1.0 x==1 y==1.5 z==1.0"},
		{name: "conflict explained",
			dists:   []memDist{{id: "a==1.0", deps: []string{"b<2"}}, {id: "c==1.0", deps: []string{"b>=2"}}, {id: "b==1.0"}, {id: "b==2.0"}},
			reqs:    []string{"a", "c"},
			wantErr: []string{"a==1.0 depends on b<2", "c==1.0 depends on b>=2", "you require a and c", "no solution exists"}},
		{name: "missing project",
			dists: []memDist{{id: "a==1.0", deps: []string{"nosuch>=1"}}},
			reqs:  []string{"a"}, wantErr: []string{"a==1.0 depends on nosuch>=1", "no versions of nosuch"}},
		{name: "extras",
			dists: []memDist{{id: "a==1.0", deps: []string{"b", `c>=1; extra == "fast"`, `d; extra == "other"`}},
				{id: "b==1.0"}, {id: "c==1.0"}, {id: "c==2.0"}, {id: "d==1.0"}},
			reqs: []string{"a[fast]"}, want: "a==1.0 b==1.0 c==2.0"},
		{name: "extra constrains the base version",
			dists: []memDist{{id: "a==2.0"}, {id: "a==1.0", deps: []string{`x; extra == "x"`}}, {id: "x==1"}},
			reqs:  []string{"a[x]"}, want: "a==2.0"},
		{name: "markers exclude a dependency",
			dists: []memDist{{id: "a==1.0", deps: []string{`old; python_version < "3.8"`, `new; python_version >= "3.8"`}},
				{id: "old==1"}, {id: "new==1"}},
			reqs: []string{"a", `skipped; sys_platform == "win32"`}, want: "a==1.0 new==1"},
		{name: "requires-python excludes newer versions",
			dists: []memDist{{id: "a==1.0", requires: ">=3.7"}, {id: "a==2.0", requires: ">=3.12"}},
			reqs:  []string{"a"}, want: "a==1.0"},
		{name: "requires-python explained",
			dists: []memDist{{id: "a==2.0", requires: ">=3.12"}},
			reqs:  []string{"a"}, wantErr: []string{"a==2.0 requires Python >=3.12 (the target is Python 3.11.7)"}},
		{name: "pre-releases skipped when a final exists",
			dists: []memDist{{id: "a==1.0"}, {id: "a==2.0b1"}},
			reqs:  []string{"a"}, want: "a==1.0"},
		{name: "pre-release named",
			dists: []memDist{{id: "a==1.0"}, {id: "a==2.0b1"}},
			reqs:  []string{"a>=2.0b1"}, want: "a==2.0b1"},
		{name: "pre-release when nothing else",
			dists: []memDist{{id: "a==1.0"}, {id: "a==2.0b1"}},
			reqs:  []string{"a>1"}, want: "a==2.0b1"},
		{name: "pre with --pre",
			dists: []memDist{{id: "a==1.0"}, {id: "a==2.0b1"}},
			reqs:  []string{"a"}, pre: true, want: "a==2.0b1"},
		{name: "yanked skipped",
			dists: []memDist{{id: "a==1.0"}, {id: "a==2.0", yanked: true}},
			reqs:  []string{"a"}, want: "a==1.0"},
		{name: "yanked pinned",
			dists: []memDist{{id: "a==1.0"}, {id: "a==2.0", yanked: true}},
			reqs:  []string{"a==2.0"}, want: "a==2.0"},
		{name: "yanked only, not pinned",
			dists: []memDist{{id: "a==2.0", yanked: true}},
			reqs:  []string{"a>=1"}, wantErr: []string{"a==2.0 is yanked"}},
		{name: "constraint",
			dists: []memDist{{id: "a==1.0", deps: []string{"b"}}, {id: "b==1.0"}, {id: "b==2.0"}},
			reqs:  []string{"a"}, constraints: []string{"b<2", "unused==3"},
			want: "a==1.0 b==1.0"},
		{name: "constraint conflict",
			dists: []memDist{{id: "a==1.0", deps: []string{"b>=2"}}, {id: "b==1.0"}, {id: "b==2.0"}},
			reqs:  []string{"a"}, constraints: []string{"b<2"},
			wantErr: []string{"a==1.0 depends on b>=2", "a constraint limits b to <2"}},
		{name: "installed satisfies",
			dists: []memDist{{id: "a==1.0"}, {id: "a==2.0"}},
			reqs:  []string{"a"}, installed: []string{"a==1.0"}, want: "a==1.0*"},
		{name: "installed not on the index",
			dists: []memDist{{id: "a==2.0"}},
			reqs:  []string{"a<2"}, installed: []string{"a==1.5"}, want: "a==1.5*"},
		{name: "upgrade",
			dists: []memDist{{id: "a==1.0", deps: []string{"b"}}, {id: "a==2.0", deps: []string{"b"}}, {id: "b==1.0"}, {id: "b==2.0"}},
			reqs:  []string{"a"}, installed: []string{"a==1.0", "b==1.0"}, upgrade: true, want: "a==2.0 b==1.0*"},
		{name: "installed does not satisfy",
			dists: []memDist{{id: "a==1.0"}, {id: "a==2.0"}},
			reqs:  []string{"a>=2"}, installed: []string{"a==1.0"}, want: "a==2.0"},
		{name: "cycle",
			dists: []memDist{{id: "a==1.0", deps: []string{"b"}}, {id: "b==1.0", deps: []string{"a"}}},
			reqs:  []string{"a"}, want: "a==1.0 b==1.0"},
		{name: "name normalisation",
			dists: []memDist{{id: "Foo.Bar==1.0", deps: []string{"zope_interface"}}, {id: "zope.interface==5"}},
			reqs:  []string{"foo-bar"}, want: "foo-bar==1.0 zope-interface==5"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := newMem(c.dists...)
			req := Request{Requirements: reqs(t, c.reqs...), Constraints: reqs(t, c.constraints...), Env: env311,
				Upgrade: c.upgrade, Prereleases: c.pre}
			for _, in := range c.installed {
				n, v, _ := strings.Cut(in, "==")
				req.Installed = append(req.Installed, Installed{Name: n, Version: pep440.MustParse(v), Metadata: &Metadata{}})
			}
			res, err := Resolve(context.Background(), m, req)
			if c.wantErr != nil {
				if err == nil {
					t.Fatalf("resolved %s; want an error", res)
				}
				for _, w := range c.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q\ndoes not contain %q", err, w)
					}
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("error is not one line: %q", err)
				}
				t.Logf("message: %s", err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range res.Packages {
				s := p.Name + "==" + p.Version.String()
				if p.Installed {
					s += "*"
				}
				got = append(got, s)
			}
			if g := strings.Join(got, " "); g != c.want {
				t.Errorf("got %s, want %s", g, c.want)
			}
		})
	}
}

func TestResolveResultDetails(t *testing.T) {
	m := newMem(memDist{id: "a==1.0", deps: []string{"b", `c; extra == "x"`}}, memDist{id: "b==1.0"}, memDist{id: "c==1.0"})
	res, err := Resolve(context.Background(), m, Request{Requirements: reqs(t, "a[x]"), Env: env311})
	if err != nil {
		t.Fatal(err)
	}
	a := res.Packages[0]
	if a.Name != "a" || !slices.Equal(a.Extras, []string{"x"}) || !slices.Equal(a.Dependencies, []string{"b", "c"}) || !a.Requested {
		t.Errorf("a = %+v", a)
	}
	if res.Packages[1].Requested {
		t.Errorf("b is not requested: %+v", res.Packages[1])
	}
}

// TestResolveDeterministic checks that the same problem gives the same
// answer and the same explanation every time.
func TestResolveDeterministic(t *testing.T) {
	var dists []memDist
	for i := range 6 {
		dists = append(dists, memDist{id: fmt.Sprintf("a==%d.0", i), deps: []string{fmt.Sprintf("b==%d.0", i%3), "c"}})
		dists = append(dists, memDist{id: fmt.Sprintf("b==%d.0", i)})
		dists = append(dists, memDist{id: fmt.Sprintf("c==%d.0", i), deps: []string{"b>=4"}})
	}
	var first string
	for range 5 {
		_, err := Resolve(context.Background(), newMem(dists...), Request{Requirements: reqs(t, "a", "c"), Env: env311})
		if err == nil {
			t.Fatal("want a conflict")
		}
		if first == "" {
			first = err.Error()
			t.Log(first)
		} else if err.Error() != first {
			t.Fatalf("explanations differ:\n%s\n%s", first, err)
		}
	}
}

// TestResolveDirect checks direct URL requirements: the URL's wheel is the
// project's only candidate, its dependencies come from the given metadata,
// and other requirements on the project must accept its version.
func TestResolveDirect(t *testing.T) {
	const url = "file:///w/a-1.0-py3-none-any.whl"
	direct := func(installed bool) []Direct {
		return []Direct{{Name: "a", URL: url + "#sha256=00", Version: pep440.MustParse("1.0"), Installed: installed,
			Metadata: &Metadata{RequiresDist: reqs(t, "b<2", `c; extra == "x"`)}}}
	}
	// The index has newer versions of a, which must not be chosen; its
	// metadata is the direct wheel's, not the index's.
	m := newMem(memDist{id: "a==1.0", deps: []string{"nosuch"}}, memDist{id: "a==3.0"},
		memDist{id: "b==1.0"}, memDist{id: "b==2.0"}, memDist{id: "c==1.0"}, memDist{id: "d==1.0", deps: []string{"a>=1"}},
		memDist{id: "e==1.0", deps: []string{"a>=2"}}, memDist{id: "f==1.0", deps: []string{"a @ https://elsewhere/a-1.0-py3-none-any.whl"}},
		memDist{id: "g==1.0", deps: []string{"a @ " + url}})
	cases := []struct {
		name      string
		reqs      []string
		installed []string
		isInst    bool
		want      string
		wantErr   []string
	}{
		{name: "only candidate", reqs: []string{"a @ " + url}, want: "a==1.0 b==1.0"},
		{name: "extras", reqs: []string{"a[x] @ " + url}, want: "a==1.0 b==1.0 c==1.0"},
		{name: "another requirement satisfied", reqs: []string{"a @ " + url, "d", "a<3"}, want: "a==1.0 b==1.0 d==1.0"},
		{name: "same URL as a dependency", reqs: []string{"a @ " + url, "g"}, want: "a==1.0 b==1.0 g==1.0"},
		{name: "installed from another source is replaced", reqs: []string{"a @ " + url}, installed: []string{"a==1.0"}, want: "a==1.0 b==1.0"},
		{name: "installed from the URL is kept", reqs: []string{"a @ " + url}, installed: []string{"a==1.0"}, isInst: true, want: "a==1.0* b==1.0"},
		{name: "conflict with a requirement", reqs: []string{"a @ " + url, "a>=2"},
			wantErr: []string{"the direct URL " + url + " gives only a==1.0 (not a>=2)", "no solution exists"}},
		{name: "conflict with a dependency", reqs: []string{"a @ " + url, "e"},
			wantErr: []string{"e==1.0 depends on a>=2", "the direct URL " + url + " gives only a==1.0 (not a>=2)"}},
		{name: "dependency on another URL", reqs: []string{"a @ " + url, "f"},
			wantErr: []string{"f==1.0 depends on a @ https://elsewhere/a-1.0-py3-none-any.whl, a direct URL"}},
		{name: "two URLs", reqs: []string{"a @ " + url, "a @ https://elsewhere/a-1.0-py3-none-any.whl"},
			wantErr: []string{"a is requested from two different URLs"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := Request{Requirements: reqs(t, c.reqs...), Env: env311, Direct: direct(c.isInst)}
			for _, in := range c.installed {
				n, v, _ := strings.Cut(in, "==")
				req.Installed = append(req.Installed, Installed{Name: n, Version: pep440.MustParse(v), Metadata: &Metadata{}})
			}
			res, err := Resolve(context.Background(), m, req)
			if c.wantErr != nil {
				if err == nil {
					t.Fatalf("resolved %s; want an error", res)
				}
				for _, w := range c.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q\ndoes not contain %q", err, w)
					}
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("error is not one line: %q", err)
				}
				t.Logf("message: %s", err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range res.Packages {
				s := p.Name + "==" + p.Version.String()
				if p.Installed {
					s += "*"
				}
				got = append(got, s)
				if p.Name == "a" && p.URL != url+"#sha256=00" {
					t.Errorf("a.URL = %q", p.URL)
				}
			}
			if g := strings.Join(got, " "); g != c.want {
				t.Errorf("got %s, want %s", g, c.want)
			}
		})
	}
}
