package resolve

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/pyshim/pyshim/install/pep440"
)

// TestRandomAgainstBruteForce checks the solver on many small random
// problems: every answer satisfies all requirements, and "no solution" is
// only reported when exhaustive search finds none.
func TestRandomAgainstBruteForce(t *testing.T) {
	const npkg, nver = 4, 3
	ops := []string{">=", "<", "==", "!="}
	for seed := range uint64(3000) {
		rng := rand.New(rand.NewPCG(seed, 7))
		var dists []memDist
		deps := map[string][]string{}
		for p := range npkg {
			for v := 1; v <= nver; v++ {
				id := fmt.Sprintf("p%d==%d", p, v)
				var ds []string
				for q := range npkg {
					if q != p && rng.IntN(3) == 0 {
						ds = append(ds, fmt.Sprintf("p%d%s%d", q, ops[rng.IntN(len(ops))], 1+rng.IntN(nver)))
					}
				}
				deps[id] = ds
				dists = append(dists, memDist{id: id, deps: ds})
			}
		}
		var roots []string
		for p := range npkg {
			if rng.IntN(2) == 0 {
				roots = append(roots, fmt.Sprintf("p%d%s%d", p, ops[rng.IntN(len(ops))], 1+rng.IntN(nver)))
			}
		}
		if len(roots) == 0 {
			continue
		}
		res, err := Resolve(context.Background(), newMem(dists...), Request{Requirements: reqs(t, roots...), Env: env311})
		sat := func(sel map[string]int, req string) bool {
			r := reqs(t, req)[0]
			v, ok := sel[r.NormalizedName()]
			return ok && r.Specifier.Contains(pep440.MustParse(fmt.Sprint(v)), true)
		}
		valid := func(sel map[string]int) bool {
			for _, r := range roots {
				if !sat(sel, r) {
					return false
				}
			}
			for n, v := range sel {
				for _, d := range deps[fmt.Sprintf("%s==%d", n, v)] {
					if !sat(sel, d) {
						return false
					}
				}
			}
			return true
		}
		if err == nil {
			sel := map[string]int{}
			for _, p := range res.Packages {
				sel[p.Name] = int(p.Version.Major())
			}
			if !valid(sel) {
				t.Fatalf("seed %d: roots %q: invalid solution %v", seed, roots, sel)
			}
			continue
		}
		if _, ok := err.(*NoSolutionError); !ok {
			t.Fatalf("seed %d: %v", seed, err)
		}
		// Exhaustive search: each package unselected (0) or a version.
		found := false
		for code := 0; code < pow(nver+1, npkg) && !found; code++ {
			sel := map[string]int{}
			c := code
			for p := range npkg {
				if v := c % (nver + 1); v > 0 {
					sel[fmt.Sprintf("p%d", p)] = v
				}
				c /= nver + 1
			}
			found = valid(sel)
		}
		if found {
			t.Fatalf("seed %d: roots %q: solver says %q but a solution exists\n%s", seed, roots, err, dump(deps))
		}
	}
}

func pow(a, b int) int {
	r := 1
	for range b {
		r *= a
	}
	return r
}

func dump(deps map[string][]string) string {
	var b strings.Builder
	for k, v := range deps {
		fmt.Fprintf(&b, "%s: %s\n", k, strings.Join(v, ", "))
	}
	return b.String()
}
