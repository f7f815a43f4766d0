// Package pyproject reads the parts of pyproject.toml an installer needs:
// [build-system] (PEP 517/518), [project] dependencies and
// optional-dependencies (PEP 621), and [dependency-groups] (PEP 735).
package pyproject

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/pyshim/pyshim/install/pep508"
)

// DefaultBackend is the backend of a project without [build-system]
// build-backend, as pip and PEP 517 say: setuptools' legacy backend, which
// runs setup.py.
const DefaultBackend = "setuptools.build_meta:__legacy__"

// DefaultRequires are the build requirements of a project without
// [build-system] requires (pip's default).
var defaultRequires = []string{"setuptools>=40.8.0"}

// BuildSystem is [build-system].
type BuildSystem struct {
	Requires []string
	Backend  string
	// BackendPath are directories (relative to the project) put at the
	// front of sys.path to import the backend from (in-tree backends).
	BackendPath []string
	// Declared is false when the table is absent or has no build-backend
	// (the defaults apply).
	Declared bool
}

// Project is what a pyproject.toml says.
type Project struct {
	// Path is the file read.
	Path  string
	Build BuildSystem
	// Name and Version are [project]'s ("" when absent or dynamic).
	Name, Version string
	// Dependencies and OptionalDependencies are [project]'s; Dynamic lists
	// the fields a backend computes.
	Dependencies         []string
	OptionalDependencies map[string][]string
	Dynamic              []string
	// Groups are [dependency-groups], unexpanded: each entry a string
	// requirement or an include-group table.
	Groups map[string][]GroupEntry
	// HasProject is true when there is a [project] table.
	HasProject bool
}

// GroupEntry is one item of a dependency group: a requirement, or
// {include-group = "name"}.
type GroupEntry struct {
	Requirement  string
	IncludeGroup string
}

type rawFile struct {
	BuildSystem *struct {
		Requires     *[]string `toml:"requires"`
		BuildBackend string    `toml:"build-backend"`
		BackendPath  []string  `toml:"backend-path"`
	} `toml:"build-system"`
	Project *struct {
		Name                 string              `toml:"name"`
		Version              string              `toml:"version"`
		Dependencies         []string            `toml:"dependencies"`
		OptionalDependencies map[string][]string `toml:"optional-dependencies"`
		Dynamic              []string            `toml:"dynamic"`
	} `toml:"project"`
	DependencyGroups map[string][]any `toml:"dependency-groups"`
}

// Read reads path. A missing file is an error that wraps fs.ErrNotExist.
func Read(path string) (*Project, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	p, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	p.Path = path
	return p, nil
}

// Parse parses pyproject.toml content. Unknown tables and keys are
// allowed (tools own them); the fields read must have the types the PEPs
// give them.
func Parse(b []byte) (*Project, error) {
	var raw rawFile
	if _, err := toml.Decode(string(b), &raw); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("line %d, column %d: %s", pe.Position.Line, pe.Position.Col, firstLine(pe.Message))
		}
		return nil, errors.New(firstLine(err.Error()))
	}
	p := &Project{Build: BuildSystem{Requires: defaultRequires, Backend: DefaultBackend}}
	if bs := raw.BuildSystem; bs != nil {
		// PEP 518: a [build-system] table must have requires.
		if bs.Requires == nil {
			return nil, errors.New("[build-system] has no requires list (PEP 518 needs one, e.g. requires = [\"setuptools\"])")
		}
		p.Build.Requires = *bs.Requires
		if bs.BuildBackend != "" {
			p.Build.Backend = bs.BuildBackend
			p.Build.BackendPath = bs.BackendPath
			p.Build.Declared = true
		}
	}
	for _, r := range p.Build.Requires {
		if _, err := pep508.ParseRequirement(r); err != nil {
			return nil, fmt.Errorf("[build-system] requires %q: %s", r, firstLine(err.Error()))
		}
	}
	if pr := raw.Project; pr != nil {
		p.HasProject = true
		p.Name, p.Version, p.Dependencies, p.OptionalDependencies, p.Dynamic = pr.Name, pr.Version, pr.Dependencies, pr.OptionalDependencies, pr.Dynamic
	}
	if len(raw.DependencyGroups) > 0 {
		p.Groups = map[string][]GroupEntry{}
		for name, items := range raw.DependencyGroups {
			var entries []GroupEntry
			for _, it := range items {
				switch v := it.(type) {
				case string:
					entries = append(entries, GroupEntry{Requirement: v})
				case map[string]any:
					inc, ok := v["include-group"].(string)
					if !ok || len(v) != 1 {
						return nil, fmt.Errorf("[dependency-groups] %s: a table entry must be {include-group = \"NAME\"}", name)
					}
					entries = append(entries, GroupEntry{IncludeGroup: inc})
				default:
					return nil, fmt.Errorf("[dependency-groups] %s: entries must be strings or {include-group = \"NAME\"} tables", name)
				}
			}
			p.Groups[normalizeGroup(name)] = entries
		}
	}
	return p, nil
}

// normalizeGroup is PEP 735's group name normalisation (that of PEP 503).
func normalizeGroup(name string) string { return pep508.NormalizeName(name) }

// Requirements are the project's dependencies plus those of the named
// extras (all of them when allExtras), as PEP 508 strings. Dynamic
// dependencies are an error: only the backend knows them.
func (p *Project) Requirements(extras []string, allExtras bool) ([]string, error) {
	if !p.HasProject {
		return nil, fmt.Errorf("%s has no [project] table to read dependencies from", p.Path)
	}
	if slices.Contains(p.Dynamic, "dependencies") {
		return nil, fmt.Errorf("%s: the dependencies are dynamic (computed by the build backend); install the project itself with `pyshim install %s`", p.Path, dirOf(p.Path))
	}
	out := slices.Clone(p.Dependencies)
	opt := map[string][]string{}
	for k, v := range p.OptionalDependencies {
		opt[pep508.NormalizeName(k)] = v
	}
	if allExtras {
		keys := make([]string, 0, len(opt))
		for k := range opt {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		extras = keys
	}
	for _, e := range extras {
		deps, ok := opt[pep508.NormalizeName(e)]
		if !ok {
			if slices.Contains(p.Dynamic, "optional-dependencies") {
				return nil, fmt.Errorf("%s: the optional dependencies are dynamic; install the project itself with `pyshim install '%s[%s]'`", p.Path, dirOf(p.Path), e)
			}
			return nil, fmt.Errorf("%s has no extra %q (it has: %s)", p.Path, e, strings.Join(sortedKeys(opt), ", "))
		}
		out = append(out, deps...)
	}
	return out, nil
}

// Group expands the dependency group name (PEP 735: include-group entries
// recursively, a cycle is an error).
func (p *Project) Group(name string) ([]string, error) {
	return p.group(normalizeGroup(name), nil)
}

func (p *Project) group(name string, stack []string) ([]string, error) {
	if slices.Contains(stack, name) {
		return nil, fmt.Errorf("%s: [dependency-groups] include a cycle: %s -> %s", p.Path, strings.Join(stack, " -> "), name)
	}
	entries, ok := p.Groups[name]
	if !ok {
		if len(stack) > 0 {
			return nil, fmt.Errorf("%s: [dependency-groups] %s includes %q, which does not exist", p.Path, stack[len(stack)-1], name)
		}
		return nil, fmt.Errorf("%s has no dependency group %q (it has: %s)", p.Path, name, strings.Join(sortedKeys(p.Groups), ", "))
	}
	var out []string
	for _, e := range entries {
		if e.IncludeGroup != "" {
			sub, err := p.group(normalizeGroup(e.IncludeGroup), append(stack, name))
			if err != nil {
				return nil, err
			}
			out = append(out, sub...)
			continue
		}
		out = append(out, e.Requirement)
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		return []string{"none"}
	}
	return keys
}

func dirOf(path string) string {
	if i := strings.LastIndexByte(path, '/'); i > 0 {
		return path[:i]
	}
	return "."
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
