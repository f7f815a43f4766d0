package cli

import (
	"fmt"
	"io"
	"time"

	"github.com/pyshim/pyshim/resolver"
)

// writeExplain prints how a resolution went: the levels, the deciding
// request, every candidate with its verdict, and the plugins.
func writeExplain(w io.Writer, res *resolver.Result) {
	fmt.Fprintln(w, "precedence levels (highest first):")
	for _, l := range res.Levels {
		fmt.Fprintf(w, "  %-16s %s: %q\n", l.Name, l.Origin, l.Entries)
		for _, warn := range l.Warnings {
			fmt.Fprintf(w, "    warning: %s\n", warn)
		}
	}
	for _, s := range res.Skipped {
		fmt.Fprintf(w, "skipped: %s\n", s)
	}
	if res.Level.Name != "" {
		fmt.Fprintf(w, "request %q from %s (%s)\n", res.Entry, res.Level.Origin, res.Level.Name)
	}
	fmt.Fprintln(w, "candidates:")
	for _, c := range res.Considered {
		mark, why := " ", c.Verdict.Reason
		switch {
		case c.Won:
			mark, why = "*", "chosen"
			if c.Verdict.Exact {
				why += ": named exactly"
			} else {
				why += ": first plugin in order with a match, highest version"
			}
		case c.Verdict.OK && c.Verdict.Deferred:
			why = "matches, but " + c.Verdict.Reason
		case c.Verdict.OK:
			why = "matches, but ranks lower (plugin order, then version)"
		}
		fmt.Fprintf(w, " %s %-7s %-10s %-8s %s  [%s]\n", mark, c.Interp.Source, orDash(c.Interp.Version), c.Interp.Kind, c.Interp.Path, why)
		if c.Won && c.Interp.Exe != c.Interp.Path {
			fmt.Fprintf(w, "     runs %s (argv0 %s)\n", c.Interp.Exe, orDash(c.Interp.Argv0))
		}
		if c.Won && c.Interp.Note != "" {
			fmt.Fprintf(w, "     note: %s\n", c.Interp.Note)
		}
	}
	fmt.Fprintln(w, "plugins:")
	for _, r := range res.Reports {
		state := "ok"
		if r.Err != nil {
			state = "error: " + r.Err.Error()
		}
		fmt.Fprintf(w, "  %-8s %s (start %s, call %s, %d candidates)\n", r.Spec.Name, state, ms(r.Start), ms(r.Call), len(r.Result.Candidates))
		for _, rj := range r.Rejected {
			fmt.Fprintf(w, "    rejected %s: %s\n", orDash(rj.Candidate.Path), rj.Reason)
		}
	}
	if res.Err != nil {
		fmt.Fprintf(w, "result: error: %v\n", res.Err)
	}
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000)
}
