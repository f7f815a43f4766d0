// Package pep440 implements Python version identifiers and version
// specifiers as defined by PEP 440, with the semantics of pypa/packaging:
// normalisation, the full ordering, specifier matching and the
// pre-release rules.
package pep440

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// PreKind is the kind of a pre-release segment.
type PreKind byte

// Pre-release kinds in their sort order.
const (
	PreNone  PreKind = 0
	PreAlpha PreKind = 'a'
	PreBeta  PreKind = 'b'
	PreRC    PreKind = 'c'
)

// String is the canonical spelling: "a", "b", "rc" (empty for PreNone).
func (k PreKind) String() string {
	switch k {
	case PreAlpha:
		return "a"
	case PreBeta:
		return "b"
	case PreRC:
		return "rc"
	}
	return ""
}

func (k PreKind) rank() int {
	switch k {
	case PreAlpha:
		return 1
	case PreBeta:
		return 2
	case PreRC:
		return 3
	}
	return 0
}

// LocalPart is one dot-separated segment of a local version label. Numeric
// segments sort as numbers and above any alphanumeric segment.
type LocalPart struct {
	Num     uint64
	Str     string
	Numeric bool
}

func (p LocalPart) String() string {
	if p.Numeric {
		return strconv.FormatUint(p.Num, 10)
	}
	return p.Str
}

// Version is a parsed PEP 440 version. The zero value is not a valid
// version; use Parse. Versions are compared with Compare or Equal, not ==.
type Version struct {
	epoch   uint64
	release []uint64
	preKind PreKind
	preNum  uint64
	hasPost bool
	post    uint64
	hasDev  bool
	dev     uint64
	local   []LocalPart
}

// ErrInvalidVersion is wrapped by every error Parse returns.
var ErrInvalidVersion = errors.New("invalid version")

// InvalidVersionError reports a string that is not a PEP 440 version.
type InvalidVersionError struct {
	Input  string
	Reason string
}

func (e *InvalidVersionError) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("invalid version %q: %s", e.Input, e.Reason)
	}
	return fmt.Sprintf("invalid version %q", e.Input)
}

// Unwrap makes errors.Is(err, ErrInvalidVersion) true.
func (e *InvalidVersionError) Unwrap() error { return ErrInvalidVersion }

// MustParse is Parse for constants known to be valid; it panics otherwise.
func MustParse(s string) Version {
	v, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return v
}

// Parse parses s as a PEP 440 version, accepting every spelling the
// standard normalises: surrounding whitespace, a leading "v", any case,
// "-", "_" or "." separators, "alpha"/"beta"/"c"/"pre"/"preview",
// "rev"/"r", "1.0-1" as a post-release, implicit zero numbers, and
// leading zeros.
func Parse(s string) (Version, error) {
	v, reason := parse(strings.TrimFunc(s, unicode.IsSpace))
	if reason != "" {
		return Version{}, &InvalidVersionError{Input: s, Reason: reason}
	}
	return v, nil
}

// scanner walks an ASCII version string.
type scanner struct {
	s   string
	pos int
}

func (p *scanner) peek() byte {
	if p.pos < len(p.s) {
		return p.s[p.pos]
	}
	return 0
}

func (p *scanner) peekAt(i int) byte {
	if p.pos+i < len(p.s) {
		return p.s[p.pos+i]
	}
	return 0
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isSep(c byte) bool { return c == '.' || c == '-' || c == '_' }

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// number reads a run of digits; ok is false when there is none.
func (p *scanner) number() (n uint64, ok bool, overflow bool) {
	start := p.pos
	for p.pos < len(p.s) && isDigit(p.s[p.pos]) {
		p.pos++
	}
	if p.pos == start {
		return 0, false, false
	}
	digits := strings.TrimLeft(p.s[start:p.pos], "0")
	if digits == "" {
		return 0, true, false
	}
	n, err := strconv.ParseUint(digits, 10, 64)
	if err != nil {
		return 0, true, true
	}
	return n, true, false
}

// word matches one of words (ASCII, case-insensitive) at the current
// position, longest first as listed, and advances past it.
func (p *scanner) word(words ...string) string {
	for _, w := range words {
		if len(p.s)-p.pos < len(w) {
			continue
		}
		ok := true
		for i := 0; i < len(w); i++ {
			if lower(p.s[p.pos+i]) != w[i] {
				ok = false
				break
			}
		}
		if ok {
			p.pos += len(w)
			return w
		}
	}
	return ""
}

// optNumber reads an optional separator followed by a number; the
// separator is only consumed when digits follow it.
func (p *scanner) optNumber() (uint64, bool) {
	save := p.pos
	if isSep(p.peek()) {
		p.pos++
	}
	n, ok, overflow := p.number()
	if overflow {
		return 0, false
	}
	if !ok {
		p.pos = save
		return 0, true
	}
	return n, true
}

const tooLarge = "number too large"

func parse(s string) (Version, string) {
	var v Version
	p := &scanner{s: s}
	if c := lower(p.peek()); c == 'v' {
		p.pos++
	}
	// Epoch or first release number.
	n, ok, overflow := p.number()
	if overflow {
		return v, tooLarge
	}
	if !ok {
		return v, "expected a release number"
	}
	if p.peek() == '!' {
		p.pos++
		v.epoch = n
		n, ok, overflow = p.number()
		if overflow {
			return v, tooLarge
		}
		if !ok {
			return v, "expected a release number after the epoch"
		}
	}
	v.release = append(v.release, n)
	for p.peek() == '.' && isDigit(p.peekAt(1)) {
		p.pos++
		n, _, overflow = p.number()
		if overflow {
			return v, tooLarge
		}
		v.release = append(v.release, n)
	}
	// Pre-release.
	save := p.pos
	if isSep(p.peek()) {
		p.pos++
	}
	switch p.word("alpha", "a", "beta", "b", "preview", "pre", "c", "rc") {
	case "":
		p.pos = save
	case "alpha", "a":
		v.preKind = PreAlpha
	case "beta", "b":
		v.preKind = PreBeta
	default:
		v.preKind = PreRC
	}
	if v.preKind != PreNone {
		if v.preNum, ok = p.optNumber(); !ok {
			return v, tooLarge
		}
	}
	// Post-release: "-N" or [sep](post|rev|r)[sep][N].
	save = p.pos
	if p.peek() == '-' && isDigit(p.peekAt(1)) {
		p.pos++
		n, _, overflow = p.number()
		if overflow {
			return v, tooLarge
		}
		v.hasPost, v.post = true, n
	} else {
		if isSep(p.peek()) {
			p.pos++
		}
		if p.word("post", "rev", "r") != "" {
			v.hasPost = true
			if v.post, ok = p.optNumber(); !ok {
				return v, tooLarge
			}
		} else {
			p.pos = save
		}
	}
	// Dev release.
	save = p.pos
	if isSep(p.peek()) {
		p.pos++
	}
	if p.word("dev") != "" {
		v.hasDev = true
		if v.dev, ok = p.optNumber(); !ok {
			return v, tooLarge
		}
	} else {
		p.pos = save
	}
	// Local label.
	if p.peek() == '+' {
		p.pos++
		local, reason := parseLocal(p.s[p.pos:])
		if reason != "" {
			return v, reason
		}
		v.local = local
		p.pos = len(p.s)
	}
	if p.pos != len(p.s) {
		return v, fmt.Sprintf("unexpected %q at offset %d", p.s[p.pos:], p.pos)
	}
	return v, ""
}

func isAlnum(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// parseLocal parses the text after "+".
func parseLocal(s string) ([]LocalPart, string) {
	var parts []LocalPart
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && isAlnum(s[i]) {
			continue
		}
		if i < len(s) && !isSep(s[i]) {
			return nil, fmt.Sprintf("invalid character %q in local version label", s[i])
		}
		seg := s[start:i]
		if seg == "" {
			return nil, "empty segment in local version label"
		}
		numeric := true
		for j := 0; j < len(seg); j++ {
			if !isDigit(seg[j]) {
				numeric = false
				break
			}
		}
		if numeric {
			digits := strings.TrimLeft(seg, "0")
			var n uint64
			if digits != "" {
				var err error
				if n, err = strconv.ParseUint(digits, 10, 64); err != nil {
					return nil, tooLarge
				}
			}
			parts = append(parts, LocalPart{Num: n, Numeric: true})
		} else {
			parts = append(parts, LocalPart{Str: strings.ToLower(seg)})
		}
		start = i + 1
	}
	return parts, ""
}

// String is the canonical (normalised) form, e.g. "1!2.0rc1.post2.dev3+abc.4".
func (v Version) String() string {
	var b strings.Builder
	b.WriteString(v.Public())
	if len(v.local) > 0 {
		b.WriteByte('+')
		b.WriteString(v.Local())
	}
	return b.String()
}

// Public is the version without its local label.
func (v Version) Public() string {
	var b strings.Builder
	b.WriteString(v.BaseVersion())
	if v.preKind != PreNone {
		b.WriteString(v.preKind.String())
		b.WriteString(strconv.FormatUint(v.preNum, 10))
	}
	if v.hasPost {
		b.WriteString(".post")
		b.WriteString(strconv.FormatUint(v.post, 10))
	}
	if v.hasDev {
		b.WriteString(".dev")
		b.WriteString(strconv.FormatUint(v.dev, 10))
	}
	return b.String()
}

// BaseVersion is the epoch and release only, e.g. "1!2.0".
func (v Version) BaseVersion() string {
	var b strings.Builder
	if v.epoch != 0 {
		b.WriteString(strconv.FormatUint(v.epoch, 10))
		b.WriteByte('!')
	}
	for i, r := range v.release {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(strconv.FormatUint(r, 10))
	}
	return b.String()
}

// Local is the normalised local label without "+", or "".
func (v Version) Local() string {
	parts := make([]string, len(v.local))
	for i, p := range v.local {
		parts[i] = p.String()
	}
	return strings.Join(parts, ".")
}

// LocalParts returns the segments of the local label.
func (v Version) LocalParts() []LocalPart { return append([]LocalPart(nil), v.local...) }

// Epoch returns the epoch (0 when absent).
func (v Version) Epoch() uint64 { return v.epoch }

// Release returns the release numbers as written (trailing zeros kept).
func (v Version) Release() []uint64 { return append([]uint64(nil), v.release...) }

// Pre returns the pre-release kind and number; kind is PreNone when absent.
func (v Version) Pre() (PreKind, uint64) { return v.preKind, v.preNum }

// Post returns the post-release number and whether there is one.
func (v Version) Post() (uint64, bool) { return v.post, v.hasPost }

// Dev returns the dev-release number and whether there is one.
func (v Version) Dev() (uint64, bool) { return v.dev, v.hasDev }

// IsPrerelease reports a pre-release or dev release.
func (v Version) IsPrerelease() bool { return v.preKind != PreNone || v.hasDev }

// IsPostrelease reports a post-release.
func (v Version) IsPostrelease() bool { return v.hasPost }

// IsDevrelease reports a dev release.
func (v Version) IsDevrelease() bool { return v.hasDev }

// IsZero reports the zero Version (not produced by Parse).
func (v Version) IsZero() bool { return len(v.release) == 0 }

func (v Version) part(i int) uint64 {
	if i < len(v.release) {
		return v.release[i]
	}
	return 0
}

// Major, Minor and Micro are the first three release numbers (0 if absent).
func (v Version) Major() uint64 { return v.part(0) }

// Minor is the second release number (0 if absent).
func (v Version) Minor() uint64 { return v.part(1) }

// Micro is the third release number (0 if absent).
func (v Version) Micro() uint64 { return v.part(2) }

// WithoutLocal returns v with its local label removed.
func (v Version) WithoutLocal() Version {
	v.local = nil
	return v
}

func cmpU(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compareRelease compares release tuples with trailing zeros ignored.
func compareRelease(a, b []uint64) int {
	n := max(len(a), len(b))
	for i := 0; i < n; i++ {
		var x, y uint64
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if c := cmpU(x, y); c != 0 {
			return c
		}
	}
	return 0
}

// preKey orders the pre-release segment: a dev release of a final version
// sorts before any pre-release, a final (or post) release after all.
func (v Version) preKey() (int, uint64) {
	if v.preKind == PreNone {
		if !v.hasPost && v.hasDev {
			return -1, 0
		}
		return 4, 0
	}
	return v.preKind.rank(), v.preNum
}

// comparePublic compares everything but the local label.
func comparePublic(a, b Version) int {
	if c := cmpU(a.epoch, b.epoch); c != 0 {
		return c
	}
	if c := compareRelease(a.release, b.release); c != 0 {
		return c
	}
	ak, an := a.preKey()
	bk, bn := b.preKey()
	if ak != bk {
		if ak < bk {
			return -1
		}
		return 1
	}
	if c := cmpU(an, bn); c != 0 {
		return c
	}
	if a.hasPost != b.hasPost {
		if a.hasPost {
			return 1
		}
		return -1
	}
	if c := cmpU(a.post, b.post); c != 0 {
		return c
	}
	if a.hasDev != b.hasDev {
		if a.hasDev {
			return -1
		}
		return 1
	}
	return cmpU(a.dev, b.dev)
}

func compareLocal(a, b []LocalPart) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := a[i], b[i]
		switch {
		case x.Numeric && y.Numeric:
			if c := cmpU(x.Num, y.Num); c != 0 {
				return c
			}
		case x.Numeric:
			return 1
		case y.Numeric:
			return -1
		default:
			if c := strings.Compare(x.Str, y.Str); c != 0 {
				return c
			}
		}
	}
	return cmpU(uint64(len(a)), uint64(len(b)))
}

// Compare returns -1, 0 or +1 as a sorts before, equal to or after b in
// PEP 440 order.
func (v Version) Compare(o Version) int {
	if c := comparePublic(v, o); c != 0 {
		return c
	}
	return compareLocal(v.local, o.local)
}

// Equal reports PEP 440 equality ("1.0" equals "1.0.0", "1.0c1" equals "1.0rc1").
func (v Version) Equal(o Version) bool { return v.Compare(o) == 0 }

// Less reports whether v sorts before o.
func (v Version) Less(o Version) bool { return v.Compare(o) < 0 }

// Compare is Version.Compare as a function, for slices.SortFunc.
func Compare(a, b Version) int { return a.Compare(b) }
