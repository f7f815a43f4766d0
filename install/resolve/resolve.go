// Package resolve chooses one version of every distribution a set of
// requirements needs, for one target interpreter, with the PubGrub algorithm
// (conflict-driven clause learning over version sets, as in Dart's pub and
// uv): when a choice leads to a conflict, the solver learns why, jumps back
// to the decision responsible, and never repeats it; when no solution
// exists, the learned derivation is written out as an explanation.
//
// Each project's versions are a finite list (the provider's candidates plus
// an installed distribution), so version sets are bitsets over that list.
// Extras are separate nodes: "a[x]" at version v depends on "a==v" and on
// a's requirements whose markers hold with extra == "x".
package resolve

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/pyshim/pyshim/install/pep440"
	"github.com/pyshim/pyshim/install/pep508"
)

// Candidate is one version of a project the provider can supply (it has at
// least one wheel compatible with the target).
type Candidate struct {
	Version pep440.Version
	// Yanked is true when every compatible file of this version is yanked
	// (PEP 592). A yanked version is only chosen when a requirement pins
	// it with == or ===.
	Yanked bool
}

// Metadata is the part of a distribution's core metadata the resolver
// reads.
type Metadata struct {
	RequiresDist   []*pep508.Requirement
	RequiresPython pep440.SpecifierSet
	ProvidesExtra  []string
}

// Provider supplies the candidates and their metadata. The target's
// supported tags and per-file requires-python are the provider's to apply:
// it lists only versions that have a wheel the target can install.
type Provider interface {
	// Versions lists the candidates of a project (PEP 503 normalised name),
	// in any order. An unknown project has no candidates and no error.
	Versions(ctx context.Context, project string) ([]Candidate, error)
	// Metadata returns the metadata of one candidate.
	Metadata(ctx context.Context, project string, version pep440.Version) (*Metadata, error)
}

// Prefetcher is implemented by providers that can start fetching projects
// in the background; the resolver calls it with the requirements (markers
// already true) that each version it tries adds on projects it has not
// seen yet, before it needs them.
type Prefetcher interface {
	Prefetch(ctx context.Context, reqs []*pep508.Requirement)
}

// Installed is a distribution already present in the target.
type Installed struct {
	Name    string
	Version pep440.Version
	// Metadata of the installed copy; nil means ask the provider.
	Metadata *Metadata
}

// Direct is a project given by a direct URL requirement ("name @ URL"):
// its wheel is the project's only candidate.
type Direct struct {
	// Name is the PEP 503 normalised name.
	Name string
	// URL is the URL as the requirement gives it.
	URL string
	// Version is the wheel's version; Metadata its core metadata.
	Version  pep440.Version
	Metadata *Metadata
	// Installed is true when the installed distribution of the project
	// came from this URL (its direct_url.json says so): it satisfies the
	// requirement.
	Installed bool
}

// Request is one resolution problem.
type Request struct {
	// Requirements are what the user asked for.
	Requirements []*pep508.Requirement
	// Constraints limit versions without requiring anything (-c files).
	Constraints []*pep508.Requirement
	// Env is the target's marker environment (resolver.Info.Markers);
	// python_full_version is also the version Requires-Python is checked
	// against.
	Env map[string]string
	// Installed distributions satisfy requirements they match and are
	// preferred over other versions.
	Installed []Installed
	// Upgrade prefers the newest version of the projects named in
	// Requirements even when an installed one satisfies them; their
	// dependencies are upgraded only when needed (pip's "only-if-needed").
	Upgrade bool
	// Prereleases allows pre-releases everywhere (--pre). Otherwise a
	// pre-release is chosen only when a requirement on the project names
	// one or when no final release is allowed.
	Prereleases bool
	// NoDeps resolves only the requirements themselves.
	NoDeps bool
	// Direct are the wheels of the direct URL requirements, one per
	// project; every requirement with a URL must have one with the same
	// URL (fragments aside).
	Direct []Direct
}

// Package is one chosen distribution.
type Package struct {
	// Name is the PEP 503 normalised name.
	Name    string
	Version pep440.Version
	// Extras are the extras of it that are needed, sorted.
	Extras []string
	// Installed is true when the already-installed copy was kept.
	Installed bool
	// Yanked is true when the version is yanked (it was pinned).
	Yanked bool
	// Requested is true for projects named in Request.Requirements.
	Requested bool
	// Dependencies are the normalised names it needs on the target, sorted.
	Dependencies []string
	// URL is the direct URL it comes from, "" for the provider's.
	URL string
}

// Result is a solution.
type Result struct {
	// Packages are sorted by name.
	Packages []Package
}

// NoSolutionError explains why the requirements cannot be satisfied.
type NoSolutionError struct {
	// Explanation is the derivation as one paragraph.
	Explanation string
}

func (e *NoSolutionError) Error() string { return e.Explanation }

const rootPkg = 0

// Resolve solves req with the candidates of p.
func Resolve(ctx context.Context, p Provider, req Request) (*Result, error) {
	s := &solver{
		ctx:         ctx,
		prov:        p,
		req:         &req,
		byKey:       map[string]int{},
		installed:   map[string]*Installed{},
		constraints: map[string][]*pep508.Requirement{},
		pinned:      map[string]map[string]bool{},
		preNamed:    map[string]bool{},
		upgrade:     map[string]bool{},
		domains:     map[string]*domain{},
		meta:        map[metaKey]*Metadata{},
		expanded:    map[metaKey][]string{},
		direct:      map[string]*Direct{},
	}
	for i := range req.Direct {
		d := &req.Direct[i]
		n := pep508.NormalizeName(d.Name)
		if o := s.direct[n]; o != nil && urlKey(o.URL) != urlKey(d.URL) {
			return nil, fmt.Errorf("%s is requested from two different URLs: %s and %s", n, o.URL, d.URL)
		}
		s.direct[n] = d
	}
	for _, r := range req.Requirements {
		if r.URL == "" {
			continue
		}
		n := r.NormalizedName()
		d := s.direct[n]
		if d == nil {
			return nil, fmt.Errorf("%s: no wheel was given for this direct URL", r.String())
		}
		if urlKey(d.URL) != urlKey(r.URL) {
			return nil, fmt.Errorf("%s is requested from two different URLs: %s and %s", n, d.URL, r.URL)
		}
	}
	for i := range req.Installed {
		in := &req.Installed[i]
		s.installed[pep508.NormalizeName(in.Name)] = in
	}
	for _, r := range req.Requirements {
		if req.Upgrade {
			s.upgrade[r.NormalizedName()] = true
		}
	}
	for _, c := range req.Constraints {
		if c.URL != "" {
			return nil, fmt.Errorf("constraint %q: direct URL constraints are not supported", c.String())
		}
		ok, err := c.Marker.Evaluate(req.Env, nil)
		if err != nil {
			return nil, fmt.Errorf("evaluating the marker of constraint %q: %w", c.String(), err)
		}
		if ok {
			n := c.NormalizedName()
			s.constraints[n] = append(s.constraints[n], c)
			s.notePins(n, c.Specifier)
		}
	}
	if err := s.solve(); err != nil {
		return nil, err
	}
	return s.result(), nil
}

type metaKey struct {
	pkg int
	ver int
}

type domain struct {
	name      string
	versions  []pep440.Version // ascending
	yanked    []bool
	installed int   // index of the installed version, -1 if none
	pref      []int // indices in order of preference
}

// n is the number of real versions; index n is the "other versions" bit.
func (d *domain) n() int { return len(d.versions) }

type pkgInfo struct {
	key   string // "" for the root, "name" or "name[extra]"
	name  string
	extra string
	dom   *domain
}

type solver struct {
	ctx         context.Context
	prov        Provider
	req         *Request
	pkgs        []*pkgInfo
	byKey       map[string]int
	domains     map[string]*domain
	installed   map[string]*Installed
	constraints map[string][]*pep508.Requirement
	pinned      map[string]map[string]bool
	preNamed    map[string]bool
	upgrade     map[string]bool
	meta        map[metaKey]*Metadata
	expanded    map[metaKey][]string // dependency names of a tried version
	incompats   [][]*incompat        // by package
	ps          partial
	python      *pep440.Version
	direct      map[string]*Direct
}

// urlKey is a URL without its fragment (hashes), for comparing direct
// references.
func urlKey(u string) string {
	u, _, _ = strings.Cut(strings.TrimSpace(u), "#")
	return u
}

func (s *solver) solve() error {
	s.pkgs = []*pkgInfo{{dom: &domain{versions: []pep440.Version{pep440.MustParse("0")}, yanked: []bool{false}, installed: -1, pref: []int{0}}}}
	s.incompats = [][]*incompat{nil}
	s.ps = newPartial()
	s.addIncompat(newIncompat([]term{{pkg: rootPkg, pos: false, set: s.full(rootPkg)}}, causeRoot, nil, nil))
	next := rootPkg
	for {
		if err := s.propagate(next); err != nil {
			return err
		}
		p, done, err := s.choose()
		if err != nil {
			return err
		}
		if done {
			return nil
		}
		next = p
	}
}

func (s *solver) full(p int) bitset {
	n := s.pkgs[p].dom.n()
	b := newBitset(n + 1)
	for i := 0; i <= n; i++ {
		b.set(i)
	}
	return b
}

func (s *solver) single(p, i int) bitset {
	b := newBitset(s.pkgs[p].dom.n() + 1)
	b.set(i)
	return b
}

// specSet is the set a specifier allows; pre-release rules are applied
// when choosing, not here, so that sets from different requirements
// intersect as the specifiers do.
func (s *solver) specSet(p int, spec pep440.SpecifierSet) bitset {
	d := s.pkgs[p].dom
	b := newBitset(d.n() + 1)
	for i, v := range d.versions {
		if spec.Contains(v, true) {
			b.set(i)
		}
	}
	b.set(d.n())
	return b
}

// pkgID interns a package key, loading its versions the first time.
func (s *solver) pkgID(name, extra string) (int, error) {
	key := name
	if extra != "" {
		key += "[" + extra + "]"
	}
	if id, ok := s.byKey[key]; ok {
		return id, nil
	}
	d, err := s.domain(name)
	if err != nil {
		return 0, err
	}
	id := len(s.pkgs)
	s.pkgs = append(s.pkgs, &pkgInfo{key: key, name: name, extra: extra, dom: d})
	s.incompats = append(s.incompats, nil)
	s.byKey[key] = id
	if extra == "" {
		for _, c := range s.constraints[name] {
			bad := s.full(id).andNot(s.specSet(id, c.Specifier))
			ic := newIncompat([]term{{pkg: id, pos: true, set: bad}}, causeConstraint, nil, nil)
			ic.note = c.Specifier.String()
			s.addIncompat(ic)
		}
	}
	return id, nil
}

func (s *solver) domain(name string) (*domain, error) {
	if d, ok := s.domains[name]; ok {
		return d, nil
	}
	if dr := s.direct[name]; dr != nil {
		// The URL's wheel is the only candidate; an installed copy counts
		// only when it came from the same URL.
		d := &domain{name: name, versions: []pep440.Version{dr.Version}, yanked: []bool{false}, installed: -1, pref: []int{0}}
		if dr.Installed {
			d.installed = 0
		}
		s.domains[name] = d
		return d, nil
	}
	cands, err := s.prov.Versions(s.ctx, name)
	if err != nil {
		return nil, fmt.Errorf("listing versions of %s: %w", name, err)
	}
	cands = slices.Clone(cands)
	in := s.installed[name]
	if in != nil {
		found := false
		for _, c := range cands {
			if c.Version.Equal(in.Version) {
				found = true
			}
		}
		if !found {
			cands = append(cands, Candidate{Version: in.Version})
		}
	}
	slices.SortStableFunc(cands, func(a, b Candidate) int { return a.Version.Compare(b.Version) })
	d := &domain{name: name, installed: -1}
	for _, c := range cands {
		if k := len(d.versions); k > 0 && d.versions[k-1].Equal(c.Version) {
			d.yanked[k-1] = d.yanked[k-1] && c.Yanked
			continue
		}
		d.versions = append(d.versions, c.Version)
		d.yanked = append(d.yanked, c.Yanked)
	}
	for i := len(d.versions) - 1; i >= 0; i-- {
		if in != nil && d.versions[i].Equal(in.Version) {
			d.installed = i
		}
		d.pref = append(d.pref, i)
	}
	if d.installed >= 0 && !s.upgrade[name] {
		d.pref = slices.DeleteFunc(d.pref, func(i int) bool { return i == d.installed })
		d.pref = append([]int{d.installed}, d.pref...)
	}
	s.domains[name] = d
	return d, nil
}

func (s *solver) notePins(name string, spec pep440.SpecifierSet) {
	if spec.Prereleases() {
		s.preNamed[name] = true
	}
	for _, c := range spec.Specifiers() {
		if (c.Operator() == pep440.OpEqual && !c.Wildcard()) || c.Operator() == pep440.OpArbitrary {
			if s.pinned[name] == nil {
				s.pinned[name] = map[string]bool{}
			}
			if v, err := pep440.Parse(c.VersionText()); err == nil {
				s.pinned[name][v.String()] = true
			}
		}
	}
}

func (s *solver) addIncompat(ic *incompat) {
	for _, t := range ic.terms {
		s.incompats[t.pkg] = append(s.incompats[t.pkg], ic)
	}
}

// propagate is PubGrub's unit propagation starting from one package.
func (s *solver) propagate(start int) error {
	changed := []int{start}
	for len(changed) > 0 {
		if err := s.ctx.Err(); err != nil {
			return err
		}
		p := changed[0]
		changed = changed[1:]
		list := s.incompats[p]
		for i := len(list) - 1; i >= 0; i-- {
			ic := list[i]
			conflict, derived := s.propagateOne(ic)
			if conflict {
				root, err := s.resolveConflict(ic)
				if err != nil {
					return err
				}
				conflict, derived = s.propagateOne(root)
				if conflict || derived < 0 {
					return fmt.Errorf("internal resolver error: learned incompatibility %s is not almost satisfied", s.describe(root))
				}
				changed = []int{derived}
				break
			}
			if derived >= 0 && !slices.Contains(changed, derived) {
				changed = append(changed, derived)
			}
		}
	}
	return nil
}

// propagateOne derives the negation of the one undecided term of ic when
// all the others are satisfied. It returns conflict when all are satisfied,
// else the package of a derived term or -1.
func (s *solver) propagateOne(ic *incompat) (bool, int) {
	var unsatisfied *term
	for i := range ic.terms {
		t := ic.terms[i]
		switch relate(s.ps.acc[t.pkg], t) {
		case relContradicted:
			return false, -1
		case relInconclusive:
			if unsatisfied != nil {
				return false, -1
			}
			unsatisfied = &ic.terms[i]
		}
	}
	if unsatisfied == nil {
		return true, -1
	}
	s.ps.derive(unsatisfied.negate(), ic)
	return false, unsatisfied.pkg
}

// resolveConflict learns the root cause of a satisfied incompatibility and
// backjumps to where it becomes almost satisfied.
func (s *solver) resolveConflict(ic *incompat) (*incompat, error) {
	isNew := false
	for !ic.isFailure() {
		var recentTerm *term
		recent := -1
		var difference *term
		prevLevel := 1
		for i := range ic.terms {
			t := ic.terms[i]
			sat := s.ps.satisfier(t)
			if sat < 0 {
				return nil, fmt.Errorf("internal resolver error: %s is not satisfied", s.describe(ic))
			}
			switch {
			case recent < 0:
				recentTerm, recent = &ic.terms[i], sat
			case recent < sat:
				prevLevel = max(prevLevel, s.ps.assigns[recent].level)
				recentTerm, recent = &ic.terms[i], sat
				difference = nil
			default:
				prevLevel = max(prevLevel, s.ps.assigns[sat].level)
			}
			if recentTerm == &ic.terms[i] {
				d := intersect(s.ps.assigns[recent].term, recentTerm.negate())
				difference = nil
				if !d.isEmpty() {
					difference = &d
					ds := s.ps.satisfier(d.negate())
					if ds < 0 {
						return nil, fmt.Errorf("internal resolver error: %s is not satisfied", s.describe(ic))
					}
					prevLevel = max(prevLevel, s.ps.assigns[ds].level)
				}
			}
		}
		sa := s.ps.assigns[recent]
		if prevLevel < sa.level || sa.cause == nil {
			s.ps.backtrack(prevLevel)
			if isNew {
				s.addIncompat(ic)
			}
			return ic, nil
		}
		var terms []term
		for i := range ic.terms {
			if &ic.terms[i] != recentTerm {
				terms = append(terms, ic.terms[i])
			}
		}
		for _, t := range sa.cause.terms {
			if t.pkg != sa.term.pkg {
				terms = append(terms, t)
			}
		}
		if difference != nil {
			terms = append(terms, difference.negate())
		}
		ic = newIncompat(terms, causeConflict, ic, sa.cause)
		isNew = true
	}
	return nil, &NoSolutionError{Explanation: s.explain(ic)}
}

// choose picks the next package and version, adding the version's
// dependencies; done is true when every package is decided.
func (s *solver) choose() (int, bool, error) {
	best, bestN := -1, 0
	for _, p := range s.ps.order {
		acc := s.ps.acc[p]
		if acc == nil || !acc.pos {
			continue
		}
		if _, ok := s.ps.decided[p]; ok {
			continue
		}
		n := acc.set.count()
		if acc.set.has(s.pkgs[p].dom.n()) {
			n--
		}
		if best < 0 || n < bestN {
			best, bestN = p, n
		}
	}
	if best < 0 {
		return 0, true, nil
	}
	p := best
	pk := s.pkgs[p]
	acc := s.ps.acc[p]
	i, yanked := s.pick(pk, acc.set)
	if i < 0 {
		var ic *incompat
		if yanked.empty() {
			ic = newIncompat([]term{*acc}, causeNoVersions, nil, nil)
		} else {
			ic = newIncompat([]term{{pkg: p, pos: true, set: yanked}}, causeYanked, nil, nil)
		}
		s.addIncompat(ic)
		return p, false, nil
	}
	ics, err := s.dependencies(p, i)
	if err != nil {
		return 0, false, err
	}
	conflict := false
	for _, ic := range ics {
		s.addIncompat(ic)
		if !conflict {
			all := true
			for _, t := range ic.terms {
				if t.pkg != p && relate(s.ps.acc[t.pkg], t) != relSatisfied {
					all = false
					break
				}
			}
			conflict = all
		}
	}
	if !conflict {
		s.ps.decide(p, i, s.single(p, i))
	}
	return p, false, nil
}

// pick chooses the preferred allowed version of pk, or -1 and the set of
// allowed versions that are excluded only for being yanked.
func (s *solver) pick(pk *pkgInfo, allowed bitset) (int, bitset) {
	d := pk.dom
	if pk.key == "" {
		return 0, nil
	}
	finals := false
	for i, v := range d.versions {
		if allowed.has(i) && !d.yanked[i] && !v.IsPrerelease() {
			finals = true
			break
		}
	}
	allowPre := s.req.Prereleases || s.preNamed[pk.name] || !finals
	for _, i := range d.pref {
		if allowed.has(i) && !d.yanked[i] && (allowPre || !d.versions[i].IsPrerelease()) {
			return i, nil
		}
	}
	yanked := newBitset(d.n() + 1)
	for _, i := range d.pref {
		if allowed.has(i) && d.yanked[i] {
			if s.pinned[pk.name][d.versions[i].String()] {
				return i, nil
			}
			yanked.set(i)
		}
	}
	return -1, yanked
}

func (s *solver) pythonVersion() (pep440.Version, error) {
	if s.python != nil {
		return *s.python, nil
	}
	pv := s.req.Env["python_full_version"]
	if pv == "" {
		return pep440.Version{}, errors.New("the marker environment has no python_full_version to check Requires-Python against")
	}
	v, err := pep440.Parse(pv)
	if err != nil {
		return pep440.Version{}, fmt.Errorf("the target's python_full_version: %w", err)
	}
	s.python = &v
	return v, nil
}

// dependencies returns the incompatibilities a version brings, once.
func (s *solver) dependencies(p, i int) ([]*incompat, error) {
	k := metaKey{p, i}
	if _, ok := s.expanded[k]; ok {
		return nil, nil
	}
	pk := s.pkgs[p]
	self := term{pkg: p, pos: true, set: s.single(p, i)}
	var out []*incompat
	var names []string
	add := func(r *pep508.Requirement) error {
		n := r.NormalizedName()
		if r.URL != "" && p != rootPkg {
			// A dependency given by URL is allowed only when the user
			// asked for that same URL (as pip and uv do).
			if d := s.direct[n]; d == nil || urlKey(d.URL) != urlKey(r.URL) {
				return fmt.Errorf("%s depends on %s, a direct URL; request that URL yourself (%s @ %s) to install it", s.describeVersion(p, i), r.String(), n, urlKey(r.URL))
			}
		}
		s.notePins(n, r.Specifier)
		names = append(names, n)
		targets := []string{""}
		targets = append(targets, r.NormalizedExtras()...)
		for _, e := range targets {
			q, err := s.pkgID(n, e)
			if err != nil {
				return err
			}
			label := r.Specifier.String()
			if r.URL != "" {
				label = " @ " + urlKey(r.URL)
			}
			dep := term{pkg: q, pos: false, set: s.specSet(q, r.Specifier), label: label, labeled: true}
			out = append(out, newIncompat([]term{self, dep}, causeDependency, nil, nil))
		}
		return nil
	}
	if p == rootPkg {
		if pf, ok := s.prov.(Prefetcher); ok {
			var fetch []*pep508.Requirement
			for _, r := range s.req.Requirements {
				if s.direct[r.NormalizedName()] == nil {
					if ok, err := r.Marker.Evaluate(s.req.Env, nil); err == nil && ok {
						fetch = append(fetch, r)
					}
				}
			}
			pf.Prefetch(s.ctx, fetch)
		}
		for _, r := range s.req.Requirements {
			ok, err := r.Marker.Evaluate(s.req.Env, nil)
			if err != nil {
				return nil, fmt.Errorf("evaluating the marker of %q: %w", r.String(), err)
			}
			if ok {
				if err := add(r); err != nil {
					return nil, err
				}
			}
		}
		s.expanded[k] = names
		return out, nil
	}
	md, err := s.metadata(p, i)
	if err != nil {
		return nil, err
	}
	if md.RequiresPython.Len() > 0 {
		py, err := s.pythonVersion()
		if err != nil {
			return nil, err
		}
		if !md.RequiresPython.Contains(py, true) {
			ic := newIncompat([]term{self}, causeRequiresPy, nil, nil)
			ic.note = fmt.Sprintf("requires Python %s (the target is Python %s)", md.RequiresPython.String(), py.String())
			s.expanded[k] = nil
			return []*incompat{ic}, nil
		}
	}
	if pk.extra != "" {
		base, err := s.pkgID(pk.name, "")
		if err != nil {
			return nil, err
		}
		v := pk.dom.versions[i].String()
		out = append(out, newIncompat([]term{self, {pkg: base, pos: false, set: s.single(base, i), label: "==" + v, labeled: true}}, causeDependency, nil, nil))
	}
	if !s.req.NoDeps {
		var apply, fetch []*pep508.Requirement
		for _, r := range md.RequiresDist {
			ok, err := s.applies(r, pk.extra)
			if err != nil {
				return nil, fmt.Errorf("%s: evaluating the marker of %q: %w", s.describeVersion(p, i), r.String(), err)
			}
			if ok {
				apply = append(apply, r)
				if _, known := s.domains[r.NormalizedName()]; !known && s.direct[r.NormalizedName()] == nil {
					fetch = append(fetch, r)
				}
			}
		}
		if pf, ok := s.prov.(Prefetcher); ok && len(fetch) > 0 {
			pf.Prefetch(s.ctx, fetch)
		}
		for _, r := range apply {
			if err := add(r); err != nil {
				return nil, err
			}
		}
	}
	s.expanded[k] = names
	return out, nil
}

// applies reports whether a Requires-Dist entry applies to the base
// package (extra "") or is added by the extra.
func (s *solver) applies(r *pep508.Requirement, extra string) (bool, error) {
	if extra == "" {
		return r.Marker.Evaluate(s.req.Env, nil)
	}
	with, err := r.Marker.Evaluate(s.req.Env, []string{extra})
	if err != nil || !with {
		return false, err
	}
	without, err := r.Marker.Evaluate(s.req.Env, nil)
	return !without, err
}

func (s *solver) metadata(p, i int) (*Metadata, error) {
	pk := s.pkgs[p]
	base := s.byKey[pk.name]
	if pk.extra != "" {
		var err error
		if base, err = s.pkgID(pk.name, ""); err != nil {
			return nil, err
		}
	}
	k := metaKey{base, i}
	if md, ok := s.meta[k]; ok {
		return md, nil
	}
	v := pk.dom.versions[i]
	var md *Metadata
	if d := s.direct[pk.name]; d != nil && d.Metadata != nil {
		md = d.Metadata
	} else if in := s.installed[pk.name]; in != nil && i == pk.dom.installed && in.Metadata != nil {
		md = in.Metadata
	} else {
		var err error
		md, err = s.prov.Metadata(s.ctx, pk.name, v)
		if err != nil {
			return nil, fmt.Errorf("reading the metadata of %s==%s: %w", pk.name, v, err)
		}
	}
	s.meta[k] = md
	return md, nil
}

func (s *solver) describeVersion(p, i int) string {
	pk := s.pkgs[p]
	return pk.key + "==" + pk.dom.versions[i].String()
}

func (s *solver) result() *Result {
	byName := map[string]*Package{}
	requested := map[string]bool{}
	for _, r := range s.req.Requirements {
		requested[r.NormalizedName()] = true
	}
	var order []string
	for _, p := range s.ps.order {
		i, ok := s.ps.decided[p]
		if !ok || p == rootPkg {
			continue
		}
		pk := s.pkgs[p]
		pkg := byName[pk.name]
		if pkg == nil {
			pkg = &Package{Name: pk.name, Version: pk.dom.versions[i], Installed: i == pk.dom.installed,
				Yanked: pk.dom.yanked[i], Requested: requested[pk.name]}
			if d := s.direct[pk.name]; d != nil {
				pkg.URL = d.URL
			}
			byName[pk.name] = pkg
			order = append(order, pk.name)
		}
		if pk.extra != "" {
			pkg.Extras = append(pkg.Extras, pk.extra)
		}
		for _, n := range s.expanded[metaKey{p, i}] {
			if n != pk.name && !slices.Contains(pkg.Dependencies, n) {
				pkg.Dependencies = append(pkg.Dependencies, n)
			}
		}
	}
	slices.Sort(order)
	res := &Result{}
	for _, n := range order {
		pkg := byName[n]
		slices.Sort(pkg.Extras)
		slices.Sort(pkg.Dependencies)
		res.Packages = append(res.Packages, *pkg)
	}
	return res
}

// String formats a result as "name==version" lines, for logs and tests.
func (r *Result) String() string {
	var b strings.Builder
	for _, p := range r.Packages {
		fmt.Fprintf(&b, "%s==%s\n", p.Name, p.Version)
	}
	return b.String()
}
