package pep440

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// Operator is a specifier's comparison operator.
type Operator string

// The PEP 440 operators.
const (
	OpCompatible Operator = "~="
	OpEqual      Operator = "=="
	OpNotEqual   Operator = "!="
	OpLessEq     Operator = "<="
	OpGreaterEq  Operator = ">="
	OpLess       Operator = "<"
	OpGreater    Operator = ">"
	OpArbitrary  Operator = "==="
)

// operators in the order they must be tried (longest first).
var operators = [...]Operator{OpArbitrary, OpCompatible, OpEqual, OpNotEqual, OpLessEq, OpGreaterEq, OpLess, OpGreater}

// Prereleases says how pre-releases are treated when matching.
type Prereleases int8

const (
	// PreDefault is the PEP 440 default: a pre-release matches when a
	// specifier names one; Filter also keeps matching pre-releases when no
	// final release matches, and a single version checked with
	// ContainsString is accepted (it has no alternatives).
	PreDefault Prereleases = iota
	// PreAllow lets pre-releases match like any other version.
	PreAllow
	// PreDeny never matches a pre-release (arbitrary === strings aside).
	PreDeny
)

// ErrInvalidSpecifier is wrapped by every error ParseSpecifier and
// ParseSpecifierSet return.
var ErrInvalidSpecifier = errors.New("invalid specifier")

// SpecifierError reports an invalid specifier. Offset is the byte offset
// in Input where the problem was found.
type SpecifierError struct {
	Input  string
	Reason string
	Offset int
}

func (e *SpecifierError) Error() string {
	if e.Reason == "" {
		return fmt.Sprintf("invalid specifier %q", e.Input)
	}
	return fmt.Sprintf("invalid specifier %q: %s", e.Input, e.Reason)
}

// Unwrap makes errors.Is(err, ErrInvalidSpecifier) true.
func (e *SpecifierError) Unwrap() error { return ErrInvalidSpecifier }

// Reasons reported by SpecifierError, shared with the pep508 parser.
const (
	ReasonWildcardOp    = ".* suffix can only be used with `==` or `!=` operators"
	ReasonWildcardExtra = ".* suffix cannot be used with pre-release, post-release, dev or local versions"
	ReasonLocalOp       = "Local version label can only be used with `==` or `!=` operators"
	ReasonCompatible    = "~= needs at least two release segments"
)

// Specifier is one version clause such as ">=1.0" or "==2.1.*".
type Specifier struct {
	op       Operator
	raw      string // the version text as written (after the operator)
	version  Version
	wildcard bool
}

// ParseSpecifier parses one clause: an operator and a version, with
// optional whitespace around and between them.
func ParseSpecifier(s string) (Specifier, error) {
	t := strings.TrimFunc(s, unicode.IsSpace)
	var sp Specifier
	for _, op := range operators {
		if strings.HasPrefix(t, string(op)) {
			sp.op = op
			break
		}
	}
	fail := func(reason string, off int) (Specifier, error) {
		return Specifier{}, &SpecifierError{Input: s, Reason: reason, Offset: off}
	}
	if sp.op == "" {
		return fail("expected an operator (one of ===, ~=, ==, !=, <=, >=, <, >)", 0)
	}
	rest := strings.TrimLeftFunc(t[len(sp.op):], unicode.IsSpace)
	sp.raw = rest
	if rest == "" {
		return fail("expected a version after "+string(sp.op), len(t))
	}
	if strings.IndexFunc(rest, unicode.IsSpace) >= 0 {
		return fail("whitespace inside the version", 0)
	}
	if sp.op == OpArbitrary {
		if strings.ContainsAny(rest, ";)") {
			return fail("=== version cannot contain ';' or ')'", 0)
		}
		// Parse for Prereleases(); failure is fine for ===.
		if v, err := Parse(rest); err == nil {
			sp.version = v
		}
		return sp, nil
	}
	text := rest
	if strings.HasSuffix(text, ".*") {
		if sp.op != OpEqual && sp.op != OpNotEqual {
			return fail(ReasonWildcardOp, 0)
		}
		sp.wildcard = true
		text = strings.TrimSuffix(text, ".*")
	}
	v, err := Parse(text)
	if err != nil {
		return fail(err.(*InvalidVersionError).Reason, 0)
	}
	sp.version = v
	if sp.wildcard && (v.preKind != PreNone || v.hasPost || v.hasDev || len(v.local) > 0) {
		return fail(ReasonWildcardExtra, 0)
	}
	if len(v.local) > 0 && sp.op != OpEqual && sp.op != OpNotEqual {
		return fail(ReasonLocalOp, 0)
	}
	if sp.op == OpCompatible && len(v.release) < 2 {
		return fail(ReasonCompatible, 0)
	}
	return sp, nil
}

// MustParseSpecifier is ParseSpecifier for constants; it panics on error.
func MustParseSpecifier(s string) Specifier {
	sp, err := ParseSpecifier(s)
	if err != nil {
		panic(err)
	}
	return sp
}

// Operator returns the clause's operator.
func (s Specifier) Operator() Operator { return s.op }

// VersionText returns the version as written, with ".*" for wildcards.
func (s Specifier) VersionText() string { return s.raw }

// Version returns the parsed version (without the ".*"); for === it is
// the zero Version when the text is not a PEP 440 version.
func (s Specifier) Version() Version { return s.version }

// Wildcard reports a "==X.*" or "!=X.*" prefix match.
func (s Specifier) Wildcard() bool { return s.wildcard }

// String is the operator and the version as written, e.g. "<2".
func (s Specifier) String() string { return string(s.op) + s.raw }

// canonical is the form used for equality: trailing zeros stripped
// (except for ~=, whose length matters).
func (s Specifier) canonical() string {
	if s.op == OpArbitrary {
		return string(s.op) + strings.ToLower(s.raw)
	}
	v := s.version
	if s.op != OpCompatible && !s.wildcard {
		r := v.release
		for len(r) > 1 && r[len(r)-1] == 0 {
			r = r[:len(r)-1]
		}
		v.release = r
	}
	out := string(s.op) + v.String()
	if s.wildcard {
		out += ".*"
	}
	return out
}

// Equal reports whether two clauses are equivalent ("==1.0" and "==1.0.0").
func (s Specifier) Equal(o Specifier) bool { return s.canonical() == o.canonical() }

// Prereleases reports whether the clause names a pre-release, which lets
// pre-releases match under PreDefault. != never does.
func (s Specifier) Prereleases() bool {
	if s.op == OpNotEqual || s.version.IsZero() {
		return false
	}
	return s.version.IsPrerelease()
}

// Contains reports whether v satisfies the clause. With prereleases false
// a pre-release only matches when the clause names one (PEP 440's rule
// for a candidate among others); with true any pre-release may match.
func (s Specifier) Contains(v Version, prereleases bool) bool {
	if !prereleases && v.IsPrerelease() && !s.Prereleases() {
		return false
	}
	if s.op == OpArbitrary {
		return strings.EqualFold(v.String(), s.raw)
	}
	return s.match(v)
}

// ContainsString is Contains for a version string under an explicit mode,
// as packaging's Specifier.contains: === compares the text itself
// (case-insensitively), an unparsable string matches nothing else, and
// PreDefault accepts a pre-release (a single version has no alternatives).
func (s Specifier) ContainsString(item string, mode Prereleases) bool {
	return SpecifierSet{specs: []Specifier{s}}.ContainsString(item, mode)
}

func (s Specifier) containsAllow(item string) bool {
	if s.op == OpArbitrary {
		return strings.EqualFold(item, s.raw)
	}
	v, err := Parse(item)
	return err == nil && s.match(v)
}

// match applies the operator, ignoring pre-release policy.
func (s Specifier) match(v Version) bool {
	sv := s.version
	switch s.op {
	case OpArbitrary:
		return strings.EqualFold(v.String(), s.raw)
	case OpEqual, OpNotEqual:
		var eq bool
		switch {
		case s.wildcard:
			eq = prefixMatch(v, sv.epoch, sv.release)
		case len(sv.local) > 0:
			eq = v.Compare(sv) == 0
		default:
			eq = comparePublic(v, sv) == 0
		}
		return eq == (s.op == OpEqual)
	case OpLessEq:
		return comparePublic(v, sv) <= 0
	case OpGreaterEq:
		return comparePublic(v, sv) >= 0
	case OpCompatible:
		return comparePublic(v, sv) >= 0 && prefixMatch(v, sv.epoch, sv.release[:len(sv.release)-1])
	case OpLess:
		if comparePublic(v, sv) >= 0 {
			return false
		}
		// <V excludes pre-releases of V unless V is one itself.
		if !sv.IsPrerelease() && v.IsPrerelease() && sameBase(v, sv) {
			if !sv.hasPost {
				return false
			}
			if v.preKind == PreNone && v.hasPost && v.post == sv.post {
				return false
			}
		}
		return true
	case OpGreater:
		if comparePublic(v, sv) <= 0 {
			return false
		}
		// >V excludes post-releases of V unless V is one itself (a dev
		// release has no post-releases); local versions of V were
		// excluded above since their public part equals V.
		if !sv.hasPost && !sv.hasDev && v.hasPost && sameBase(v, sv) &&
			v.preKind == sv.preKind && v.preNum == sv.preNum {
			return false
		}
		return true
	}
	return false
}

// sameBase reports equal epochs and releases (trailing zeros ignored).
func sameBase(a, b Version) bool {
	return a.epoch == b.epoch && compareRelease(a.release, b.release) == 0
}

// prefixMatch reports whether v's release, zero-padded, starts with
// prefix, in the given epoch; pre/post/dev/local parts of v are ignored.
func prefixMatch(v Version, epoch uint64, prefix []uint64) bool {
	if v.epoch != epoch {
		return false
	}
	for i, p := range prefix {
		if v.part(i) != p {
			return false
		}
	}
	return true
}

// FilterStrings keeps the items that satisfy the clause, in order,
// following packaging's Specifier.filter.
func (s Specifier) FilterStrings(items []string, mode Prereleases) []string {
	return SpecifierSet{specs: []Specifier{s}}.FilterStrings(items, mode)
}

// SpecifierSet is a comma-separated conjunction of clauses. The zero
// value (or the empty string parsed) matches every version.
type SpecifierSet struct {
	specs []Specifier
}

// ParseSpecifierSet parses "", ">=1.0", ">=1.0, !=1.3.*, <2" and so on.
// Empty clauses between commas are ignored, as packaging does.
func ParseSpecifierSet(s string) (SpecifierSet, error) {
	var set SpecifierSet
	off := 0
	for _, part := range strings.Split(s, ",") {
		if strings.TrimFunc(part, unicode.IsSpace) != "" {
			sp, err := ParseSpecifier(part)
			if err != nil {
				se := err.(*SpecifierError)
				return SpecifierSet{}, &SpecifierError{Input: s, Reason: fmt.Sprintf("%q: %s", strings.TrimSpace(part), se.Reason), Offset: off + se.Offset}
			}
			set.specs = append(set.specs, sp)
		}
		off += len(part) + 1
	}
	return set, nil
}

// MustParseSpecifierSet is ParseSpecifierSet for constants; it panics on error.
func MustParseSpecifierSet(s string) SpecifierSet {
	set, err := ParseSpecifierSet(s)
	if err != nil {
		panic(err)
	}
	return set
}

// NewSpecifierSet builds a set from clauses.
func NewSpecifierSet(specs ...Specifier) SpecifierSet {
	return SpecifierSet{specs: append([]Specifier(nil), specs...)}
}

// Specifiers returns the clauses in the order written.
func (s SpecifierSet) Specifiers() []Specifier { return append([]Specifier(nil), s.specs...) }

// Len is the number of clauses.
func (s SpecifierSet) Len() int { return len(s.specs) }

// And returns the conjunction of s and o.
func (s SpecifierSet) And(o SpecifierSet) SpecifierSet {
	return SpecifierSet{specs: append(append([]Specifier(nil), s.specs...), o.specs...)}
}

// String is the sorted, de-duplicated clauses joined with ",", as
// packaging prints a SpecifierSet.
func (s SpecifierSet) String() string {
	strs := make([]string, len(s.specs))
	for i, sp := range s.specs {
		strs[i] = sp.String()
	}
	slices.Sort(strs)
	return strings.Join(slices.Compact(strs), ",")
}

// Equal reports whether two sets hold the same clauses up to equivalence.
func (s SpecifierSet) Equal(o SpecifierSet) bool {
	canon := func(set SpecifierSet) []string {
		out := make([]string, len(set.specs))
		for i, sp := range set.specs {
			out[i] = sp.canonical()
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	return slices.Equal(canon(s), canon(o))
}

// Prereleases reports whether any clause names a pre-release.
func (s SpecifierSet) Prereleases() bool {
	for _, sp := range s.specs {
		if sp.Prereleases() {
			return true
		}
	}
	return false
}

// Contains reports whether v satisfies every clause. With prereleases
// false a pre-release only matches when some clause names one.
func (s SpecifierSet) Contains(v Version, prereleases bool) bool {
	if !prereleases && v.IsPrerelease() && !s.Prereleases() {
		return false
	}
	for _, sp := range s.specs {
		if !sp.Contains(v, true) {
			return false
		}
	}
	return true
}

// ContainsString checks one version string under an explicit mode, as
// packaging's SpecifierSet.contains: PreDefault accepts a matching
// pre-release, === clauses compare the text, and an unparsable string
// only matches a set made of === clauses (or the empty set).
func (s SpecifierSet) ContainsString(item string, mode Prereleases) bool {
	v, err := Parse(item)
	if err == nil && mode == PreDeny && v.IsPrerelease() {
		return false
	}
	for _, sp := range s.specs {
		if !sp.containsAllow(item) {
			return false
		}
	}
	return true
}

// Filter keeps the versions that satisfy the set, in order. With
// prereleases true every matching version is kept; with false,
// pre-releases are kept only when a clause names one or when no final
// release matches (packaging's rule).
func (s SpecifierSet) Filter(versions []Version, prereleases bool) []Version {
	mode := PreDefault
	if prereleases {
		mode = PreAllow
	}
	var finals, pres []Version
	allow := mode == PreAllow || s.Prereleases()
	for _, v := range versions {
		ok := true
		for _, sp := range s.specs {
			if !sp.match(v) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		if v.IsPrerelease() && !allow {
			pres = append(pres, v)
			continue
		}
		finals = append(finals, v)
	}
	if len(finals) == 0 {
		return pres
	}
	return finals
}

// FilterStrings keeps the items (version strings) that satisfy the set,
// in order, following packaging's SpecifierSet.filter: unparsable items
// only match === clauses (by text) or the empty set; under PreDefault,
// pre-releases are dropped when no clause names one and some final
// release matched.
func (s SpecifierSet) FilterStrings(items []string, mode Prereleases) []string {
	if mode == PreDefault && s.Prereleases() {
		mode = PreAllow
	}
	var matched []string
	var pre []bool
	final := false
	for _, item := range items {
		ok := true
		for _, sp := range s.specs {
			if !sp.containsAllow(item) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		v, err := Parse(item)
		isPre := err == nil && v.IsPrerelease()
		if isPre && mode == PreDeny {
			continue
		}
		final = final || (err == nil && !isPre)
		matched = append(matched, item)
		pre = append(pre, isPre)
	}
	if mode != PreDefault || !final {
		return matched
	}
	out := matched[:0]
	for i, item := range matched {
		if !pre[i] {
			out = append(out, item)
		}
	}
	return out
}
