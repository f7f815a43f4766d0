package resolve

import (
	"math/bits"
	"slices"
)

// bitset is a set of version indices of one package's domain. Every domain
// has one extra, last element that stands for "a version not among the
// candidates" (any version a specifier allows that the provider does not
// offer). It is never chosen; it keeps a derivation such as "a, but not
// 1.0" non-empty when 1.0 is the only candidate, as PubGrub over an infinite
// version space would, so the algorithm's invariants hold unchanged.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

func (b bitset) has(i int) bool { return b[i/64]&(1<<(uint(i)%64)) != 0 }

func (b bitset) set(i int) { b[i/64] |= 1 << (uint(i) % 64) }

func (b bitset) and(o bitset) bitset {
	r := make(bitset, len(b))
	for i := range b {
		r[i] = b[i] & o[i]
	}
	return r
}

func (b bitset) or(o bitset) bitset {
	r := make(bitset, len(b))
	for i := range b {
		r[i] = b[i] | o[i]
	}
	return r
}

func (b bitset) andNot(o bitset) bitset {
	r := make(bitset, len(b))
	for i := range b {
		r[i] = b[i] &^ o[i]
	}
	return r
}

func (b bitset) empty() bool {
	for _, w := range b {
		if w != 0 {
			return false
		}
	}
	return true
}

func (b bitset) count() int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}

func (b bitset) equal(o bitset) bool { return slices.Equal(b, o) }

// term is a statement about one package: positive "p is selected at a
// version in set", or negative "p is not selected at a version in set"
// (which includes p not being selected at all).
type term struct {
	pkg int
	pos bool
	set bitset
	// label is the specifier text the set came from ("" for any version
	// when labeled), kept for messages while the set is unchanged.
	label   string
	labeled bool
}

func (t term) negate() term {
	return term{pkg: t.pkg, pos: !t.pos, set: t.set, label: t.label, labeled: t.labeled}
}

// intersect is the term satisfied exactly when both are (same package).
func intersect(a, b term) term {
	var r term
	r.pkg = a.pkg
	switch {
	case a.pos && b.pos:
		r.pos, r.set = true, a.set.and(b.set)
	case a.pos && !b.pos:
		r.pos, r.set = true, a.set.andNot(b.set)
	case !a.pos && b.pos:
		r.pos, r.set = true, b.set.andNot(a.set)
	default:
		r.pos, r.set = false, a.set.or(b.set)
	}
	switch {
	case r.pos == a.pos && r.set.equal(a.set):
		r.label, r.labeled = a.label, a.labeled
	case r.pos == b.pos && r.set.equal(b.set):
		r.label, r.labeled = b.label, b.labeled
	}
	return r
}

// isEmpty reports a term no selection satisfies.
func (t term) isEmpty() bool { return t.pos && t.set.empty() }

// satisfies reports whether every selection satisfying t satisfies o.
func (t term) satisfies(o term) bool {
	r := intersect(t, o)
	return r.pos == t.pos && r.set.equal(t.set)
}

type relation int

const (
	relSatisfied relation = iota
	relContradicted
	relInconclusive
)

// relate is how a partial solution's accumulated term for a package
// (nil: no assignment) bears on t.
func relate(acc *term, t term) relation {
	if acc == nil {
		return relInconclusive
	}
	if acc.satisfies(t) {
		return relSatisfied
	}
	if intersect(*acc, t).isEmpty() {
		return relContradicted
	}
	return relInconclusive
}

type causeKind int

const (
	causeRoot        causeKind = iota // the root package must be selected
	causeDependency                   // terms[0] depends on terms[1]
	causeNoVersions                   // no candidate matches terms[0]
	causeConstraint                   // a -c constraint
	causeRequiresPy                   // the version needs another Python
	causeYanked                       // the versions are yanked
	causeUnavailable                  // metadata could not be read
	causeConflict                     // derived from cause1 and cause2
)

// incompat is a set of terms that must not all be true.
type incompat struct {
	terms  []term
	kind   causeKind
	c1, c2 *incompat
	note   string
}

// newIncompat normalises terms: one term per package (intersected), and
// for derived incompatibilities the always-true positive root term dropped.
func newIncompat(terms []term, kind causeKind, c1, c2 *incompat) *incompat {
	if kind == causeConflict && len(terms) > 1 {
		kept := terms[:0:0]
		for _, t := range terms {
			if !(t.pkg == rootPkg && t.pos) {
				kept = append(kept, t)
			}
		}
		terms = kept
	}
	var out []term
	for _, t := range terms {
		if i := slices.IndexFunc(out, func(o term) bool { return o.pkg == t.pkg }); i >= 0 {
			out[i] = intersect(out[i], t)
			continue
		}
		out = append(out, t)
	}
	return &incompat{terms: out, kind: kind, c1: c1, c2: c2}
}

// isFailure reports the incompatibility that proves there is no solution.
func (ic *incompat) isFailure() bool {
	return len(ic.terms) == 0 || (len(ic.terms) == 1 && ic.terms[0].pkg == rootPkg && ic.terms[0].pos)
}
