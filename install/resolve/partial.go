package resolve

// assignment is one entry of the partial solution: a decision (cause nil)
// or a term derived from an incompatibility.
type assignment struct {
	term  term
	level int
	cause *incompat
}

// partial is PubGrub's partial solution.
type partial struct {
	assigns []assignment
	decided map[int]int   // package -> chosen version index
	acc     map[int]*term // package -> intersection of its assignments
	order   []int         // packages in order of first assignment
	seen    map[int]bool
}

func newPartial() partial {
	return partial{decided: map[int]int{}, acc: map[int]*term{}, seen: map[int]bool{}}
}

func (ps *partial) add(a assignment) {
	ps.assigns = append(ps.assigns, a)
	p := a.term.pkg
	if !ps.seen[p] {
		ps.seen[p] = true
		ps.order = append(ps.order, p)
	}
	if old := ps.acc[p]; old != nil {
		t := intersect(*old, a.term)
		ps.acc[p] = &t
	} else {
		t := a.term
		ps.acc[p] = &t
	}
}

func (ps *partial) decide(p, i int, set bitset) {
	ps.decided[p] = i
	ps.add(assignment{term: term{pkg: p, pos: true, set: set}, level: len(ps.decided)})
}

func (ps *partial) derive(t term, cause *incompat) {
	ps.add(assignment{term: t, level: len(ps.decided), cause: cause})
}

// backtrack removes every assignment made after decision level lvl.
func (ps *partial) backtrack(lvl int) {
	old := ps.assigns
	ps.assigns = nil
	ps.decided = map[int]int{}
	ps.acc = map[int]*term{}
	for _, a := range old {
		if a.level > lvl {
			break
		}
		if a.cause == nil {
			ps.decided[a.term.pkg] = firstBit(a.term.set)
		}
		ps.add(a)
	}
}

// satisfier is the index of the earliest assignment after which the
// partial solution satisfies t; -1 if it does not (a solver bug).
func (ps *partial) satisfier(t term) int {
	var acc *term
	for i, a := range ps.assigns {
		if a.term.pkg != t.pkg {
			continue
		}
		if acc == nil {
			x := a.term
			acc = &x
		} else {
			x := intersect(*acc, a.term)
			acc = &x
		}
		if acc.satisfies(t) {
			return i
		}
	}
	return -1
}

func firstBit(b bitset) int {
	for i := 0; i < len(b)*64; i++ {
		if b.has(i) {
			return i
		}
	}
	return -1
}
