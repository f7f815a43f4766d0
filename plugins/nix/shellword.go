package nix

import (
	"fmt"
	"strconv"
	"strings"
)

// This file is a deliberately small shell lexer: enough of bash's word
// syntax to read what makeWrapper and makeCWrapper's docstring write, and
// an error for everything else (command substitution, globbing, tildes,
// redirections, brace expansion), so that a wrapper we cannot read
// exactly is never half-understood.

type partKind int

const (
	partLit     partKind = iota // literal text
	partVar                     // $NAME or ${NAME}
	partParam                   // ${NAME<op>WORD}
	partSpecial                 // $@, $0, ${extraFlagsArray[@]} …
)

// part is one piece of a shell word.
type part struct {
	kind   partKind
	text   string // literal text, variable name or special name
	op     string // partParam: "-", ":-", "+", ":+", "=", ":="
	word   []part // partParam: the word after op
	quoted bool   // inside double quotes
}

// shellWord is one word of a command line, as parts.
type shellWord []part

// literal returns the word's text when it has no expansions.
func (w shellWord) literal() (string, bool) {
	var b strings.Builder
	for _, p := range w {
		if p.kind != partLit {
			return "", false
		}
		b.WriteString(p.text)
	}
	return b.String(), true
}

// merged returns the word with adjacent literal parts joined.
func (w shellWord) merged() shellWord {
	var out shellWord
	for _, p := range w {
		if p.kind == partParam {
			p.word = shellWord(p.word).merged()
		}
		if p.kind == partLit && len(out) > 0 && out[len(out)-1].kind == partLit {
			out[len(out)-1].text += p.text
			continue
		}
		out = append(out, p)
	}
	return out
}

// lexer reads shell words from one logical line.
type lexer struct {
	s string
	i int
}

// splitWords splits a logical line (continuations already joined) into
// words.
func splitWords(line string) ([]shellWord, error) {
	lx := &lexer{s: line}
	var words []shellWord
	for {
		lx.skipBlanks()
		if lx.i >= len(lx.s) {
			return words, nil
		}
		if lx.s[lx.i] == '#' {
			// A comment runs to the end of the line.
			return words, nil
		}
		w, err := lx.word(false)
		if err != nil {
			return nil, err
		}
		words = append(words, w.merged())
	}
}

func (lx *lexer) skipBlanks() {
	for lx.i < len(lx.s) && (lx.s[lx.i] == ' ' || lx.s[lx.i] == '\t') {
		lx.i++
	}
}

// word reads one word. inParam means the word is the operand of a
// ${NAME<op>WORD} expansion and ends at an unquoted '}'.
func (lx *lexer) word(inParam bool) (shellWord, error) {
	var w shellWord
	start := lx.i
	lit := func(s string) { w = append(w, part{kind: partLit, text: s}) }
	for lx.i < len(lx.s) {
		c := lx.s[lx.i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if inParam {
				return nil, fmt.Errorf("unquoted blank inside ${…} at column %d", lx.i+1)
			}
			return w, nil
		case c == '}' && inParam:
			return w, nil
		case c == '\'':
			end := strings.IndexByte(lx.s[lx.i+1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("unterminated single quote at column %d", lx.i+1)
			}
			lit(lx.s[lx.i+1 : lx.i+1+end])
			lx.i += end + 2
		case c == '"':
			lx.i++
			parts, err := lx.doubleQuoted()
			if err != nil {
				return nil, err
			}
			w = append(w, parts...)
		case c == '\\':
			if lx.i+1 >= len(lx.s) {
				return nil, fmt.Errorf("trailing backslash")
			}
			lit(lx.s[lx.i+1 : lx.i+2])
			lx.i += 2
		case c == '$':
			if lx.i+1 < len(lx.s) && lx.s[lx.i+1] == '\'' {
				s, n, err := ansiC(lx.s[lx.i+2:])
				if err != nil {
					return nil, err
				}
				lit(s)
				lx.i += 2 + n
				continue
			}
			p, err := lx.dollar(false)
			if err != nil {
				return nil, err
			}
			w = append(w, p)
		case strings.IndexByte(";&|<>()`", c) >= 0:
			return nil, fmt.Errorf("unsupported shell syntax %q at column %d", c, lx.i+1)
		case strings.IndexByte("*?[{", c) >= 0:
			return nil, fmt.Errorf("unquoted %q (globbing or brace expansion) at column %d", c, lx.i+1)
		case c == '~' && (lx.i == start || lx.s[lx.i-1] == '=' || lx.s[lx.i-1] == ':'):
			return nil, fmt.Errorf("unquoted '~' (tilde expansion) at column %d", lx.i+1)
		default:
			j := lx.i
			for j < len(lx.s) && strings.IndexByte(" \t\n'\"\\$;&|<>()`*?[{}~", lx.s[j]) < 0 {
				j++
			}
			if j == lx.i {
				// '}' outside a parameter, or '~' mid-word: literal.
				j++
			}
			lit(lx.s[lx.i:j])
			lx.i = j
		}
	}
	if inParam {
		return nil, fmt.Errorf("unterminated ${")
	}
	return w, nil
}

// doubleQuoted reads after an opening '"' up to and including the closing
// one.
func (lx *lexer) doubleQuoted() ([]part, error) {
	var parts []part
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			parts = append(parts, part{kind: partLit, text: b.String(), quoted: true})
			b.Reset()
		}
	}
	for lx.i < len(lx.s) {
		c := lx.s[lx.i]
		switch c {
		case '"':
			lx.i++
			flush()
			if len(parts) == 0 {
				parts = append(parts, part{kind: partLit, quoted: true})
			}
			return parts, nil
		case '\\':
			if lx.i+1 < len(lx.s) && strings.IndexByte("$`\"\\\n", lx.s[lx.i+1]) >= 0 {
				if lx.s[lx.i+1] != '\n' {
					b.WriteByte(lx.s[lx.i+1])
				}
				lx.i += 2
				continue
			}
			b.WriteByte(c)
			lx.i++
		case '`':
			return nil, fmt.Errorf("command substitution at column %d", lx.i+1)
		case '$':
			flush()
			p, err := lx.dollar(true)
			if err != nil {
				return nil, err
			}
			parts = append(parts, p)
		default:
			b.WriteByte(c)
			lx.i++
		}
	}
	return nil, fmt.Errorf("unterminated double quote")
}

func isNameStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isNameChar(c byte) bool { return isNameStart(c) || (c >= '0' && c <= '9') }

// validName reports whether s is a shell variable name.
func validName(s string) bool {
	if s == "" || !isNameStart(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isNameChar(s[i]) {
			return false
		}
	}
	return true
}

// dollar reads an expansion at lx.i (which is '$').
func (lx *lexer) dollar(quoted bool) (part, error) {
	lx.i++ // '$'
	if lx.i >= len(lx.s) {
		return part{kind: partLit, text: "$", quoted: quoted}, nil
	}
	c := lx.s[lx.i]
	switch {
	case c == '{':
		lx.i++
		if strings.HasPrefix(lx.s[lx.i:], "extraFlagsArray[@]}") {
			lx.i += len("extraFlagsArray[@]}")
			return part{kind: partSpecial, text: "extraFlagsArray[@]", quoted: quoted}, nil
		}
		j := lx.i
		for j < len(lx.s) && isNameChar(lx.s[j]) {
			j++
		}
		name := lx.s[lx.i:j]
		if j < len(lx.s) && j == lx.i && strings.IndexByte("@0", lx.s[j]) >= 0 {
			name = lx.s[j : j+1]
			j++
			if j < len(lx.s) && lx.s[j] == '}' {
				lx.i = j + 1
				return part{kind: partSpecial, text: name, quoted: quoted}, nil
			}
			return part{}, fmt.Errorf("unsupported expansion ${%s…}", name)
		}
		if !validName(name) {
			return part{}, fmt.Errorf("unsupported expansion at column %d", lx.i)
		}
		lx.i = j
		if lx.i >= len(lx.s) {
			return part{}, fmt.Errorf("unterminated ${%s", name)
		}
		if lx.s[lx.i] == '}' {
			lx.i++
			return part{kind: partVar, text: name, quoted: quoted}, nil
		}
		var op string
		for _, o := range []string{":-", ":+", ":=", "-", "+", "="} {
			if strings.HasPrefix(lx.s[lx.i:], o) {
				op = o
				break
			}
		}
		if op == "" {
			return part{}, fmt.Errorf("unsupported expansion ${%s%c…}", name, lx.s[lx.i])
		}
		lx.i += len(op)
		w, err := lx.word(true)
		if err != nil {
			return part{}, err
		}
		if lx.i >= len(lx.s) || lx.s[lx.i] != '}' {
			return part{}, fmt.Errorf("unterminated ${%s%s", name, op)
		}
		lx.i++
		return part{kind: partParam, text: name, op: op, word: w, quoted: quoted}, nil
	case isNameStart(c):
		j := lx.i
		for j < len(lx.s) && isNameChar(lx.s[j]) {
			j++
		}
		name := lx.s[lx.i:j]
		lx.i = j
		return part{kind: partVar, text: name, quoted: quoted}, nil
	case c == '@' || c == '*' || c == '#' || c == '?' || c == '$' || c == '!' || c == '-' || (c >= '0' && c <= '9'):
		lx.i++
		return part{kind: partSpecial, text: string(c), quoted: quoted}, nil
	case c == '(':
		return part{}, fmt.Errorf("command substitution at column %d", lx.i)
	case c == '"':
		return part{}, fmt.Errorf("locale string $\"…\" at column %d", lx.i)
	}
	return part{kind: partLit, text: "$", quoted: quoted}, nil
}

// ansiC decodes the body of a $'…' string (s starts after the opening
// quote) and returns the text and the bytes consumed, closing quote
// included.
func ansiC(s string) (string, int, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\'' {
			return b.String(), i + 1, nil
		}
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(s) {
			break
		}
		switch e := s[i]; e {
		case 'a':
			b.WriteByte('\a')
		case 'b':
			b.WriteByte('\b')
		case 'e', 'E':
			b.WriteByte(0x1b)
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
		case '\\', '\'', '"', '?':
			b.WriteByte(e)
		case 'x':
			j := i + 1
			for j < len(s) && j < i+3 && strings.IndexByte("0123456789abcdefABCDEF", s[j]) >= 0 {
				j++
			}
			if j == i+1 {
				return "", 0, fmt.Errorf("bad \\x escape in $'…'")
			}
			n, _ := strconv.ParseUint(s[i+1:j], 16, 8)
			b.WriteByte(byte(n))
			i = j - 1
		case '0', '1', '2', '3', '4', '5', '6', '7':
			j := i
			for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
				j++
			}
			n, _ := strconv.ParseUint(s[i:j], 8, 16)
			b.WriteByte(byte(n))
			i = j - 1
		default:
			return "", 0, fmt.Errorf("unsupported escape \\%c in $'…'", e)
		}
	}
	return "", 0, fmt.Errorf("unterminated $'…'")
}
