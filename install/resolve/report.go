package resolve

import (
	"fmt"
	"strings"
)

// explain writes the derivation of the failure as one paragraph, after
// the error reporting of Dart's pub (PubGrub's reference): each step says
// "Because X and Y, Z."; a step used more than once gets a number that
// later steps refer to.
func (s *solver) explain(root *incompat) string {
	root = s.simplify(root, map[*incompat]*incompat{})
	w := &writer{s: s, derivations: map[*incompat]int{}, lineNumbers: map[*incompat]int{}, root: root}
	w.count(root)
	if root.kind == causeConflict {
		w.visit(root, false)
	} else {
		w.write(root, fmt.Sprintf("Because %s, no solution exists.", s.describe(root)), false)
	}
	var parts []string
	for _, l := range w.lines {
		if l.text == "" {
			continue
		}
		if l.number > 0 {
			parts = append(parts, fmt.Sprintf("(%d) %s", l.number, l.text))
		} else {
			parts = append(parts, l.text)
		}
	}
	return strings.Join(parts, " ")
}

// simplify drops from the derivation the steps that only say a package
// has no versions besides its candidates (the "other versions" element of
// every domain): "Because no versions of c match other versions and c==1.0
// depends on b>=2, every version of c requires b>=2" says no more than
// "c==1.0 depends on b>=2" when 1.0 is c's only version.
func (s *solver) simplify(ic *incompat, memo map[*incompat]*incompat) *incompat {
	if ic.kind != causeConflict {
		return ic
	}
	if r, ok := memo[ic]; ok {
		return r
	}
	var r *incompat
	switch {
	case s.trivial(ic.c1):
		r = s.simplify(ic.c2, memo)
	case s.trivial(ic.c2):
		r = s.simplify(ic.c1, memo)
	default:
		c1, c2 := s.simplify(ic.c1, memo), s.simplify(ic.c2, memo)
		r = &incompat{terms: ic.terms, kind: ic.kind, c1: c1, c2: c2, note: ic.note}
	}
	memo[ic] = r
	return r
}

// trivial reports a "no versions" incompatibility about versions that are
// not candidates at all.
func (s *solver) trivial(ic *incompat) bool {
	if ic.kind != causeNoVersions {
		return false
	}
	t := ic.terms[0]
	if s.pkgs[t.pkg].dom.n() == 0 || s.direct[s.pkgs[t.pkg].name] != nil {
		// A direct URL's version not matching is the whole point.
		return false
	}
	for i := 0; i < s.pkgs[t.pkg].dom.n(); i++ {
		if t.set.has(i) {
			return false
		}
	}
	return true
}

// and joins two statements, merging "you require a and you require c".
func (s *solver) and(a, b *incompat) string {
	if a.kind == causeDependency && b.kind == causeDependency && a.terms[0].pkg == rootPkg && b.terms[0].pkg == rootPkg {
		return "you require " + s.termString(a.terms[1], false) + " and " + s.termString(b.terms[1], false)
	}
	return s.describe(a) + " and " + s.describe(b)
}

type line struct {
	text   string
	number int
}

type writer struct {
	s           *solver
	root        *incompat
	derivations map[*incompat]int
	lineNumbers map[*incompat]int
	lines       []line
}

func (w *writer) count(ic *incompat) {
	if _, ok := w.derivations[ic]; ok {
		w.derivations[ic]++
		return
	}
	w.derivations[ic] = 1
	if ic.kind == causeConflict {
		w.count(ic.c1)
		w.count(ic.c2)
	}
}

func (w *writer) write(ic *incompat, msg string, numbered bool) {
	if numbered {
		n := len(w.lineNumbers) + 1
		w.lineNumbers[ic] = n
		w.lines = append(w.lines, line{msg, n})
		return
	}
	w.lines = append(w.lines, line{msg, 0})
}

func derived(ic *incompat) bool { return ic.kind == causeConflict }

func (w *writer) visit(ic *incompat, conclusion bool) {
	s := w.s
	numbered := conclusion || w.derivations[ic] > 1
	conj := "And"
	if conclusion || ic == w.root {
		conj = "So,"
	}
	str := s.describe(ic)
	c1, c2 := ic.c1, ic.c2
	switch {
	case derived(c1) && derived(c2):
		l1, ok1 := w.lineNumbers[c1]
		l2, ok2 := w.lineNumbers[c2]
		switch {
		case ok1 && ok2:
			w.write(ic, fmt.Sprintf("Because %s (%d) and %s (%d), %s.", s.describe(c1), l1, s.describe(c2), l2, str), numbered)
		case ok1 || ok2:
			with, without, n := c1, c2, l1
			if !ok1 {
				with, without, n = c2, c1, l2
			}
			w.visit(without, false)
			w.write(ic, fmt.Sprintf("%s because %s (%d), %s.", conj, s.describe(with), n, str), numbered)
		default:
			single1, single2 := singleLine(c1), singleLine(c2)
			if single1 || single2 {
				first, second := c2, c1
				if single2 {
					first, second = c1, c2
				}
				w.visit(first, false)
				w.visit(second, false)
				w.write(ic, fmt.Sprintf("Thus, %s.", str), numbered)
			} else {
				w.visit(c1, true)
				w.visit(c2, false)
				w.write(ic, fmt.Sprintf("%s because %s (%d), %s.", conj, s.describe(c1), w.lineNumbers[c1], str), numbered)
			}
		}
	case derived(c1) || derived(c2):
		der, ext := c1, c2
		if !derived(c1) {
			der, ext = c2, c1
		}
		if n, ok := w.lineNumbers[der]; ok {
			w.write(ic, fmt.Sprintf("Because %s and %s (%d), %s.", s.describe(ext), s.describe(der), n, str), numbered)
		} else if w.collapsible(der) {
			dc1, dc2 := der.c1, der.c2
			cder, cext := dc1, dc2
			if !derived(dc1) {
				cder, cext = dc2, dc1
			}
			w.visit(cder, false)
			w.write(ic, fmt.Sprintf("%s because %s, %s.", conj, s.and(cext, ext), str), numbered)
		} else {
			w.visit(der, false)
			w.write(ic, fmt.Sprintf("%s because %s, %s.", conj, s.describe(ext), str), numbered)
		}
	default:
		w.write(ic, fmt.Sprintf("Because %s, %s.", s.and(c1, c2), str), numbered)
	}
}

func singleLine(ic *incompat) bool { return !derived(ic.c1) && !derived(ic.c2) }

func (w *writer) collapsible(ic *incompat) bool {
	if w.derivations[ic] > 1 {
		return false
	}
	if derived(ic.c1) == derived(ic.c2) {
		return false
	}
	complex := ic.c1
	if !derived(ic.c1) {
		complex = ic.c2
	}
	_, numbered := w.lineNumbers[complex]
	return !numbered
}

// describe states an incompatibility in words.
func (s *solver) describe(ic *incompat) string {
	switch ic.kind {
	case causeRoot:
		return "the requirements must be resolved"
	case causeDependency:
		dep := ic.terms[1]
		if ic.terms[0].pkg == rootPkg {
			return "you require " + s.termString(dep, false)
		}
		return s.termString(ic.terms[0], true) + " depends on " + s.termString(dep, false)
	case causeNoVersions:
		t := ic.terms[0]
		set := s.setString(t)
		if s.pkgs[t.pkg].dom.n() == 0 {
			return fmt.Sprintf("there are no versions of %s", s.pkgs[t.pkg].key)
		}
		if d := s.direct[s.pkgs[t.pkg].name]; d != nil {
			k := s.pkgs[t.pkg].key
			return fmt.Sprintf("the direct URL %s gives only %s==%s (not %s%s)", urlKey(d.URL), k, d.Version, k, strings.TrimSpace(set))
		}
		return fmt.Sprintf("no versions of %s match %s", s.pkgs[t.pkg].key, strings.TrimSpace(set))
	case causeConstraint:
		t := ic.terms[0]
		return fmt.Sprintf("a constraint limits %s to %s", s.pkgs[t.pkg].key, ic.note)
	case causeRequiresPy:
		return s.termString(ic.terms[0], true) + " " + ic.note
	case causeYanked:
		t := ic.terms[0]
		verb := "is"
		if t.set.count() > 1 {
			verb = "are"
		}
		return fmt.Sprintf("%s %s yanked and not pinned with ==", s.termString(t, false), verb)
	}
	if ic.isFailure() {
		return "no solution exists"
	}
	if len(ic.terms) == 1 {
		t := ic.terms[0]
		if t.pos {
			return s.termString(t, true) + " cannot be used"
		}
		return s.termString(t, false) + " is required"
	}
	var pos, neg []string
	var onePos term
	for _, t := range ic.terms {
		if t.pos {
			onePos = t
			pos = append(pos, s.termString(t, true))
		} else {
			neg = append(neg, s.termString(t, false))
		}
	}
	switch {
	case len(ic.terms) == 2 && len(pos) == 2:
		return pos[0] + " and " + pos[1] + " are incompatible"
	case len(ic.terms) == 2 && len(neg) == 2:
		return "either " + neg[0] + " or " + neg[1] + " is required"
	case len(pos) == 1 && len(neg) > 0:
		return s.termString(onePos, true) + " requires " + strings.Join(neg, " or ")
	case len(pos) > 0 && len(neg) > 0:
		return "if " + strings.Join(pos, " and ") + " then " + strings.Join(neg, " or ")
	case len(pos) > 0:
		return "one of " + strings.Join(pos, " or ") + " must be false"
	default:
		return "one of " + strings.Join(neg, " or ") + " must be true"
	}
}

// termString names the versions a term is about: "b<2", "a==1.0", "c";
// every is "every version of c" for a term about all versions.
func (s *solver) termString(t term, every bool) string {
	pk := s.pkgs[t.pkg]
	if t.pkg == rootPkg {
		return "your requirements"
	}
	set := s.setString(t)
	if set == "" {
		if every {
			return "every version of " + pk.key
		}
		return pk.key
	}
	return pk.key + set
}

// setString renders a term's version set as specifiers ("" for any).
func (s *solver) setString(t term) string {
	if t.labeled {
		return t.label
	}
	d := s.pkgs[t.pkg].dom
	n := d.n()
	var in, out []int
	for i := 0; i < n; i++ {
		if t.set.has(i) {
			in = append(in, i)
		} else {
			out = append(out, i)
		}
	}
	switch {
	case len(in) == 1:
		return "==" + d.versions[in[0]].String()
	case len(out) == 0:
		return ""
	case len(in) == 0:
		return " (no available version)"
	case len(out) <= 3 && len(out) < len(in):
		var parts []string
		for _, i := range out {
			parts = append(parts, "!="+d.versions[i].String())
		}
		return strings.Join(parts, ",")
	}
	// Runs of consecutive versions as ranges.
	var runs []string
	for k := 0; k < len(in); {
		j := k
		for j+1 < len(in) && in[j+1] == in[j]+1 {
			j++
		}
		lo, hi := in[k], in[j]
		switch {
		case lo == hi:
			runs = append(runs, "=="+d.versions[lo].String())
		case lo == 0 && hi == n-1:
			runs = append(runs, ">="+d.versions[lo].String())
		case lo == 0:
			runs = append(runs, "<="+d.versions[hi].String())
		case hi == n-1:
			runs = append(runs, ">="+d.versions[lo].String())
		default:
			runs = append(runs, ">="+d.versions[lo].String()+",<="+d.versions[hi].String())
		}
		k = j + 1
	}
	return strings.Join(runs, " or ")
}
