package pyproject

import (
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, text      string
		requires        []string
		backend         string
		backendPath     []string
		declared        bool
		deps            []string
		extras          []string
		allExtras       bool
		wantDeps        []string
		group, groupErr string
		wantGroup       []string
		err, depsErr    string
	}{
		{name: "empty: the defaults", requires: []string{"setuptools>=40.8.0"}, backend: DefaultBackend, depsErr: "no [project] table"},
		{name: "requires only", text: "[build-system]\nrequires = [\"setuptools\", \"wheel\"]\n", requires: []string{"setuptools", "wheel"}, backend: DefaultBackend, depsErr: "no [project] table"},
		{name: "backend and path", text: "[build-system]\nrequires = []\nbuild-backend = \"be:obj\"\nbackend-path = [\"_b\"]\n",
			requires: []string{}, backend: "be:obj", backendPath: []string{"_b"}, declared: true, depsErr: "no [project] table"},
		{name: "no requires", text: "[build-system]\nbuild-backend = \"x\"\n", err: "has no requires list"},
		{name: "bad requirement", text: "[build-system]\nrequires = [\"not a req!\"]\n", err: `requires "not a req!"`},
		{name: "syntax", text: "[build-system\n", err: "line 2, column 14"},
		{name: "wrong type", text: "[build-system]\nrequires = \"setuptools\"\n", err: "requires"},
		{name: "deps and extras", text: "[project]\nname = \"a\"\ndependencies = [\"x\"]\n[project.optional-dependencies]\nFast = [\"y\"]\nslow = [\"z\"]\n",
			requires: []string{"setuptools>=40.8.0"}, backend: DefaultBackend, extras: []string{"fast"}, wantDeps: []string{"x", "y"}},
		{name: "all extras, sorted", text: "[project]\nname = \"a\"\ndependencies = [\"x\"]\n[project.optional-dependencies]\nslow = [\"z\"]\nfast = [\"y\"]\n",
			requires: []string{"setuptools>=40.8.0"}, backend: DefaultBackend, allExtras: true, wantDeps: []string{"x", "y", "z"}},
		{name: "unknown extra", text: "[project]\nname = \"a\"\n[project.optional-dependencies]\nfast = []\n",
			requires: []string{"setuptools>=40.8.0"}, backend: DefaultBackend, extras: []string{"nope"}, depsErr: `has no extra "nope" (it has: fast)`},
		{name: "dynamic deps", text: "[project]\nname = \"a\"\ndynamic = [\"dependencies\"]\n",
			requires: []string{"setuptools>=40.8.0"}, backend: DefaultBackend, depsErr: "dependencies are dynamic"},
		{name: "groups", text: "[dependency-groups]\nTest = [\"pytest\", {include-group = \"lint\"}]\nlint = [\"ruff\"]\n",
			requires: []string{"setuptools>=40.8.0"}, backend: DefaultBackend, depsErr: "no [project] table", group: "test", wantGroup: []string{"pytest", "ruff"}},
		{name: "group cycle", text: "[dependency-groups]\na = [{include-group = \"b\"}]\nb = [{include-group = \"a\"}]\n",
			requires: []string{"setuptools>=40.8.0"}, backend: DefaultBackend, depsErr: "no [project] table", group: "a", groupErr: "cycle: a -> b -> a"},
		{name: "bad group entry", text: "[dependency-groups]\na = [1]\n", err: "entries must be strings"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse([]byte(tc.text))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			p.Path = "/p/pyproject.toml"
			b := p.Build
			if !slices.Equal(b.Requires, tc.requires) || b.Backend != tc.backend || !slices.Equal(b.BackendPath, tc.backendPath) || b.Declared != tc.declared {
				t.Errorf("build system = %+v", b)
			}
			deps, err := p.Requirements(tc.extras, tc.allExtras)
			if tc.depsErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.depsErr) {
					t.Errorf("Requirements err = %v, want %q", err, tc.depsErr)
				}
			} else if err != nil || !slices.Equal(deps, tc.wantDeps) {
				t.Errorf("Requirements = %q, %v; want %q", deps, err, tc.wantDeps)
			}
			if tc.group != "" {
				g, err := p.Group(tc.group)
				if tc.groupErr != "" {
					if err == nil || !strings.Contains(err.Error(), tc.groupErr) {
						t.Errorf("Group err = %v, want %q", err, tc.groupErr)
					}
				} else if err != nil || !slices.Equal(g, tc.wantGroup) {
					t.Errorf("Group = %q, %v; want %q", g, err, tc.wantGroup)
				}
			}
		})
	}
}

// FuzzParse: any input parses or fails with a one-line error; what parses
// has a backend and requirements that parse again.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "[build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \"setuptools.build_meta\"\n",
		"[project]\nname = \"a\"\ndependencies = [\"x>1\"]\n[project.optional-dependencies]\nt = [\"y\"]\n",
		"[dependency-groups]\na = [\"b\", {include-group = \"c\"}]\nc = []\n", "[build-system\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Parse(b)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error: %q", err)
			}
			return
		}
		if p.Build.Backend == "" {
			t.Fatal("no backend")
		}
		p.Path = "pyproject.toml"
		for name := range p.Groups {
			_, _ = p.Group(name)
		}
		_, _ = p.Requirements(nil, true)
	})
}
