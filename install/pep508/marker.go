package pep508

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pyshim/pyshim/install/pep440"
)

// Marker is a parsed environment marker such as
// `python_version >= "3.8" and (sys_platform == "linux" or extra == "x")`.
// A nil *Marker means "no marker" and evaluates to true.
type Marker struct {
	root group
}

// node is an atom or a parenthesised group.
type node interface{ format(top bool) string }

// group is `a and b or c`: items joined by ops ("and"/"or"), kept flat as
// written; evaluation gives "and" precedence over "or".
type group struct {
	items []node
	ops   []string
}

// operand is one side of a comparison: a variable or a string literal.
type operand struct {
	variable string // canonical variable name, or "" for a literal
	value    string
}

type atom struct {
	lhs, rhs operand
	op       string // "==", "in", "not in", …
}

// variables maps every accepted spelling to its canonical name.
var variables = map[string]string{
	"python_version":                 "python_version",
	"python_full_version":            "python_full_version",
	"os_name":                        "os_name",
	"os.name":                        "os_name",
	"sys_platform":                   "sys_platform",
	"sys.platform":                   "sys_platform",
	"platform_release":               "platform_release",
	"platform_system":                "platform_system",
	"platform_version":               "platform_version",
	"platform.version":               "platform_version",
	"platform_machine":               "platform_machine",
	"platform.machine":               "platform_machine",
	"platform_python_implementation": "platform_python_implementation",
	"platform.python_implementation": "platform_python_implementation",
	"python_implementation":          "platform_python_implementation",
	"implementation_name":            "implementation_name",
	"implementation_version":         "implementation_version",
	"extra":                          "extra",
	"extras":                         "extras",
	"dependency_groups":              "dependency_groups",
}

// ParseMarker parses a marker expression.
func ParseMarker(s string) (*Marker, error) {
	p := &parser{src: s}
	g, err := p.marker()
	if err != nil {
		return nil, err
	}
	if !p.eof() {
		return nil, p.fail("Expected end of marker expression")
	}
	return &Marker{root: g}, nil
}

// MustParseMarker is ParseMarker for constants; it panics on error.
func MustParseMarker(s string) *Marker {
	m, err := ParseMarker(s)
	if err != nil {
		panic(err)
	}
	return m
}

// marker = atom (("and"|"or") atom)*
func (p *parser) marker() (group, error) {
	var g group
	n, err := p.markerAtom()
	if err != nil {
		return g, err
	}
	g.items = append(g.items, n)
	for {
		var op string
		switch {
		case p.keyword("and"):
			op = "and"
		case p.keyword("or"):
			op = "or"
		default:
			return g, nil
		}
		p.pos += len(op)
		n, err := p.markerAtom()
		if err != nil {
			return g, err
		}
		g.ops = append(g.ops, op)
		g.items = append(g.items, n)
	}
}

// markerAtom = ws "(" ws marker ws ")" ws | ws item ws
func (p *parser) markerAtom() (node, error) {
	p.ws()
	if p.peek() == '(' {
		var g group
		err := p.enclosed('(', ')', "LEFT_PARENTHESIS", "RIGHT_PARENTHESIS", "marker expression", func() error {
			p.ws()
			var err error
			g, err = p.marker()
			p.ws()
			return err
		})
		if err != nil {
			return nil, err
		}
		p.ws()
		return g, nil
	}
	a, err := p.markerItem()
	if err != nil {
		return nil, err
	}
	p.ws()
	return a, nil
}

func (p *parser) markerItem() (atom, error) {
	var a atom
	var err error
	p.ws()
	if a.lhs, err = p.markerVar(); err != nil {
		return a, err
	}
	p.ws()
	switch {
	case p.keyword("in"):
		p.pos += 2
		a.op = "in"
	case p.keyword("not"):
		p.pos += 3
		if !p.ws() {
			return a, p.fail("Expected whitespace after 'not'")
		}
		if !p.keyword("in") {
			return a, p.fail("Expected 'in' after 'not'")
		}
		p.pos += 2
		a.op = "not in"
	default:
		for _, o := range specOps {
			if strings.HasPrefix(p.src[p.pos:], o) {
				a.op = o
				break
			}
		}
		if a.op == "" {
			return a, p.fail("Expected marker operator, one of <=, <, !=, ==, >=, >, ~=, ===, in, not in")
		}
		p.pos += len(a.op)
	}
	p.ws()
	if a.rhs, err = p.markerVar(); err != nil {
		return a, err
	}
	p.ws()
	// Extra names compared with a literal are stored normalised (PEP 685).
	if a.lhs.variable == "extra" && a.rhs.variable == "" {
		a.rhs.value = NormalizeName(a.rhs.value)
	} else if a.rhs.variable == "extra" && a.lhs.variable == "" {
		a.lhs.value = NormalizeName(a.lhs.value)
	}
	if (a.rhs.variable == "extras" || a.rhs.variable == "dependency_groups") && a.lhs.variable == "" && (a.op == "in" || a.op == "not in") {
		a.lhs.value = NormalizeName(a.lhs.value)
	}
	return a, nil
}

func (p *parser) markerVar() (operand, error) {
	best := ""
	for spelling := range variables {
		if len(spelling) > len(best) && p.keyword(spelling) {
			best = spelling
		}
	}
	if best != "" {
		p.pos += len(best)
		return operand{variable: variables[best]}, nil
	}
	s, ok, err := p.quotedString()
	if err != nil {
		return operand{}, err
	}
	if ok {
		return operand{value: s}, nil
	}
	return operand{}, p.fail("Expected a marker variable or quoted string")
}

func (o operand) format() string {
	if o.variable != "" {
		return o.variable
	}
	q := `"`
	if strings.Contains(o.value, `"`) && !strings.Contains(o.value, "'") {
		q = "'"
	}
	if !strings.Contains(o.value, `\`) && !strings.Contains(o.value, q) {
		return q + o.value + q
	}
	// The value has a backslash, or both quotes: escape so that it parses
	// back to itself (the scanner ends a string at the first quote, so a
	// quote is written as \x22 or \x27, not \" or \').
	v := strings.ReplaceAll(o.value, `\`, `\\`)
	v = strings.ReplaceAll(v, q, fmt.Sprintf(`\x%02x`, q[0]))
	return q + v + q
}

func (a atom) format(bool) string {
	return a.lhs.format() + " " + a.op + " " + a.rhs.format()
}

func (g group) format(top bool) string {
	if len(g.items) == 1 {
		return g.items[0].format(top)
	}
	var b strings.Builder
	for i, n := range g.items {
		if i > 0 {
			b.WriteString(" " + g.ops[i-1] + " ")
		}
		b.WriteString(n.format(false))
	}
	if top {
		return b.String()
	}
	return "(" + b.String() + ")"
}

// String is the normalised marker: canonical variable names, double
// quotes (single when the value holds one), one space around operators,
// redundant parentheses dropped, extra names normalised.
func (m *Marker) String() string {
	if m == nil {
		return ""
	}
	return m.root.format(true)
}

// ErrUndefinedName is wrapped by Evaluate's error for a variable the
// environment lacks.
var ErrUndefinedName = errors.New("undefined environment name")

// ErrUndefinedComparison is wrapped by Evaluate's error for an operator
// that is not defined on its operands (~= on strings that are not versions).
var ErrUndefinedComparison = errors.New("undefined comparison")

// Evaluate evaluates the marker in env (the marker variables, e.g. from
// the interpreter-info query). extras are the extras requested of the
// distribution whose dependency this is: the marker is evaluated once per
// extra, as `extra` (normalised), and is true if any evaluation is; with
// no extras, `extra` is "". A nil marker is true.
func (m *Marker) Evaluate(env map[string]string, extras []string) (bool, error) {
	if m == nil {
		return true, nil
	}
	if len(extras) == 0 {
		return m.root.eval(env, "")
	}
	for _, e := range extras {
		ok, err := m.root.eval(env, NormalizeName(e))
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

// eval gives "and" precedence over "or" and short-circuits both, so a
// variable behind a false "and" (or a true "or") need not be defined.
func (g group) eval(env map[string]string, extra string) (bool, error) {
	term := true
	for i, n := range g.items {
		if i > 0 && g.ops[i-1] == "or" {
			if term {
				return true, nil
			}
			term = true
		}
		if !term {
			continue
		}
		v, err := evalNode(n, env, extra)
		if err != nil {
			return false, err
		}
		term = v
	}
	return term, nil
}

func evalNode(n node, env map[string]string, extra string) (bool, error) {
	switch n := n.(type) {
	case group:
		return n.eval(env, extra)
	case atom:
		return n.eval(env, extra)
	}
	return false, nil
}

func (o operand) resolve(env map[string]string, extra string) (string, error) {
	if o.variable == "" {
		return o.value, nil
	}
	if o.variable == "extra" {
		if v, ok := env["extra"]; ok && extra == "" {
			return NormalizeName(v), nil
		}
		return extra, nil
	}
	v, ok := env[o.variable]
	if !ok {
		return "", fmt.Errorf("%w: %s", ErrUndefinedName, o.variable)
	}
	if o.variable == "python_full_version" && strings.HasSuffix(v, "+") {
		// Untagged builds report "3.11.1+"; make it a local version.
		v += "local"
	}
	return v, nil
}

func (a atom) eval(env map[string]string, extra string) (bool, error) {
	lhs, err := a.lhs.resolve(env, extra)
	if err != nil {
		return false, err
	}
	rhs, err := a.rhs.resolve(env, extra)
	if err != nil {
		return false, err
	}
	isExtra := a.lhs.variable == "extra" || a.rhs.variable == "extra"
	if isExtra {
		lhs, rhs = NormalizeName(lhs), NormalizeName(rhs)
		if lhs == "-" {
			lhs = ""
		}
		if rhs == "-" {
			rhs = ""
		}
	} else if a.op != "in" && a.op != "not in" {
		// Version comparison when the right side makes a valid clause.
		if sp, err := pep440.ParseSpecifier(a.op + rhs); err == nil {
			return sp.ContainsString(lhs, pep440.PreAllow), nil
		}
	}
	switch a.op {
	case "in":
		return strings.Contains(rhs, lhs), nil
	case "not in":
		return !strings.Contains(rhs, lhs), nil
	case "==":
		return lhs == rhs, nil
	case "!=":
		return lhs != rhs, nil
	case "<":
		return lhs < rhs, nil
	case "<=":
		return lhs <= rhs, nil
	case ">":
		return lhs > rhs, nil
	case ">=":
		return lhs >= rhs, nil
	}
	return false, fmt.Errorf("%w: %q %s %q", ErrUndefinedComparison, lhs, a.op, rhs)
}
