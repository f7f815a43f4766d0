// Package pep508 implements dependency specifiers (PEP 508): requirement
// strings with extras, version specifiers, direct URLs and environment
// markers, with the parsing rules, error messages and marker evaluation
// of pypa/packaging.
package pep508

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/pyshim/pyshim/install/pep440"
)

// ErrSyntax is wrapped by every parse error.
var ErrSyntax = errors.New("invalid dependency specifier")

// SyntaxError is a parse error with the span of the input it concerns.
// Its Error text is the message, the input and a marker line, as
// packaging prints it:
//
//	Expected comma between extra names
//	    name[bar baz]
//	             ^
type SyntaxError struct {
	Msg    string
	Source string
	Start  int // byte offset where the span starts
	End    int // byte offset of the caret
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s\n    %s\n    %s%s^", e.Msg, e.Source,
		strings.Repeat(" ", e.Start), strings.Repeat("~", e.End-e.Start))
}

// Unwrap makes errors.Is(err, ErrSyntax) true.
func (e *SyntaxError) Unwrap() error { return ErrSyntax }

// parser is a hand-written scanner over the source.
type parser struct {
	src string
	pos int
}

func (p *parser) fail(msg string) error {
	return &SyntaxError{Msg: msg, Source: p.src, Start: p.pos, End: p.pos}
}

func (p *parser) failSpan(msg string, start, end int) error {
	return &SyntaxError{Msg: msg, Source: p.src, Start: start, End: end}
}

func (p *parser) eof() bool { return p.pos >= len(p.src) }

func (p *parser) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

// ws skips spaces and tabs and reports whether there were any.
func (p *parser) ws() bool {
	start := p.pos
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
		p.pos++
	}
	return p.pos > start
}

// isWord is Python's \w for our purposes: ASCII letters, digits, "_"
// and any non-ASCII byte.
func isWord(c byte) bool {
	return c == '_' || c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// boundary reports a \b at offset i.
func (p *parser) boundary(i int) bool {
	before := i > 0 && isWord(p.src[i-1])
	after := i < len(p.src) && isWord(p.src[i])
	return before != after
}

func isAlnum(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// identifier matches \b[a-zA-Z0-9][a-zA-Z0-9._-]*\b at pos without
// consuming it; it returns the end offset or -1.
func (p *parser) identifier() int {
	if p.eof() || !isAlnum(p.src[p.pos]) || !p.boundary(p.pos) {
		return -1
	}
	end := p.pos + 1
	for end < len(p.src) && (isAlnum(p.src[end]) || p.src[end] == '.' || p.src[end] == '_' || p.src[end] == '-') {
		end++
	}
	for end > p.pos && !p.boundary(end) {
		end--
	}
	if end == p.pos {
		return -1
	}
	return end
}

// keyword matches a whole word (\bword\b) at pos without consuming it.
func (p *parser) keyword(w string) bool {
	return strings.HasPrefix(p.src[p.pos:], w) && p.boundary(p.pos) && p.boundary(p.pos+len(w))
}

// NormalizeName is the PEP 503 normal form of a project or extra name:
// lower case, with runs of "-", "_" and "." replaced by one "-".
func NormalizeName(name string) string {
	var b strings.Builder
	sep := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c == '-' || c == '_' || c == '.' {
			sep = true
			continue
		}
		if sep && b.Len() > 0 {
			b.WriteByte('-')
		}
		sep = false
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	if sep && b.Len() == 0 {
		return "-"
	}
	if sep {
		b.WriteByte('-')
	}
	return b.String()
}

// ValidName reports whether name is a valid project name (PEP 508):
// ASCII letters and digits, with ".", "_" and "-" only inside.
func ValidName(name string) bool {
	if name == "" || !isAlnum(name[0]) || !isAlnum(name[len(name)-1]) {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !isAlnum(c) && c != '.' && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

// specOps in the order the specifier token tries them.
var specOps = []string{"===", "~=", "==", "!=", "<=", ">=", "<", ">"}

// specifierToken matches one version clause at pos (operator, optional
// whitespace, version) the way packaging's specifier pattern does, and
// returns its end and operator, or -1.
func (p *parser) specifierToken() (int, string) {
	rest := p.src[p.pos:]
	op := ""
	for _, o := range specOps {
		if strings.HasPrefix(rest, o) {
			op = o
			break
		}
	}
	if op == "" {
		return -1, ""
	}
	i := p.pos + len(op)
	for i < len(p.src) && isSpace(p.src[i]) {
		i++
	}
	start := i
	if op == "===" {
		for i < len(p.src) && !isSpace(p.src[i]) && p.src[i] != ';' && p.src[i] != ')' {
			i++
		}
		return i, op
	}
	end := start
	for end < len(p.src) && (isAlnum(p.src[end]) || strings.IndexByte(".!+_*-", p.src[end]) >= 0) {
		end++
	}
	// The longest prefix that is a valid clause for this operator.
	for e := end; e > start; e-- {
		if _, err := pep440.ParseSpecifier(op + p.src[start:e]); err == nil {
			return e, op
		}
	}
	return -1, ""
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// parseSpecifierText parses clauses separated by commas (packaging's
// _parse_version_many) and returns the text it consumed.
func (p *parser) parseSpecifierText() (string, error) {
	var b strings.Builder
	for {
		end, op := p.specifierToken()
		if end < 0 {
			break
		}
		start := p.pos
		b.WriteString(p.src[p.pos:end])
		p.pos = end
		if strings.HasPrefix(p.src[p.pos:], ".*") {
			msg := pep440.ReasonWildcardOp
			if op == "==" || op == "!=" {
				msg = pep440.ReasonWildcardExtra
			}
			return "", p.failSpan(msg, start, p.pos+1)
		}
		if p.peek() == '+' && localLabelAt(p.src[p.pos+1:]) {
			return "", p.failSpan(pep440.ReasonLocalOp, start, p.pos)
		}
		p.ws()
		if p.peek() != ',' {
			break
		}
		b.WriteByte(',')
		p.pos++
		p.ws()
	}
	return b.String(), nil
}

// localLabelAt reports whether s starts with [a-z0-9]+ (case-insensitive).
func localLabelAt(s string) bool { return s != "" && isAlnum(s[0]) }

// enclosed runs body between optional open/close delimiters, failing
// with packaging's message when the close is missing.
func (p *parser) enclosed(open, close byte, openName, closeName, around string, body func() error) error {
	openPos := -1
	if p.peek() == open {
		openPos = p.pos
		p.pos++
	}
	if err := body(); err != nil {
		return err
	}
	if openPos < 0 {
		return nil
	}
	if p.peek() != close {
		return p.failSpan(fmt.Sprintf("Expected matching %s for %s, after %s", closeName, openName, around), openPos, p.pos)
	}
	p.pos++
	return nil
}

// quotedString reads a '…' or "…" marker string with Python escapes.
func (p *parser) quotedString() (string, bool, error) {
	q := p.peek()
	if q != '\'' && q != '"' {
		return "", false, nil
	}
	end := strings.IndexByte(p.src[p.pos+1:], q)
	if end < 0 {
		return "", false, nil
	}
	start := p.pos
	raw := p.src[p.pos+1 : p.pos+1+end]
	tokEnd := p.pos + 2 + end
	val, ok := unescape(raw)
	if !ok {
		return "", false, p.failSpan("Invalid quoted string", start, tokEnd)
	}
	p.pos = tokEnd
	return val, true, nil
}

// unescape applies Python string-literal escapes to s.
func unescape(s string) (string, bool) {
	if !strings.Contains(s, `\`) {
		return s, true
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(s) {
			return "", false // a backslash escaping the closing quote
		}
		switch e := s[i]; e {
		case '\n':
		case '\\', '\'', '"':
			b.WriteByte(e)
		case 'a':
			b.WriteByte('\a')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'v':
			b.WriteByte('\v')
		case 'x', 'u', 'U':
			n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
			if i+1+n > len(s) {
				return "", false
			}
			var r rune
			for _, h := range s[i+1 : i+1+n] {
				d := hexVal(byte(h))
				if d < 0 {
					return "", false
				}
				r = r*16 + rune(d)
			}
			if r > utf8.MaxRune {
				return "", false
			}
			b.WriteRune(r)
			i += n
		case '0', '1', '2', '3', '4', '5', '6', '7':
			r := rune(e - '0')
			for k := 0; k < 2 && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '7'; k++ {
				i++
				r = r*8 + rune(s[i]-'0')
			}
			b.WriteRune(r)
		case 'N':
			return "", false // \N{name} is not supported
		default:
			// Python keeps unknown escapes as written (with a warning).
			b.WriteByte('\\')
			b.WriteByte(e)
		}
	}
	return b.String(), true
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
