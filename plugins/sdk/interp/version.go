package interp

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is a parsed Python version such as 3.12.1, 3.13.0rc1 or 3.13t.
// Parts holds the numeric release components that were written (one to
// three); a request "3" has one part and matches any 3.x.y.
type Version struct {
	Parts []int
	// Pre is the pre-release label ("a", "b", "rc") and PreNum its number;
	// Pre is empty for a final release.
	Pre    string
	PreNum int
	// Dev marks a development build ("3.14-dev", "3.14.0a1+").
	Dev bool
	// FreeThreaded marks a free-threaded ("t") build or request.
	FreeThreaded bool
}

// ParseVersion parses "3", "3.12", "3.12.1", "3.13.0rc1", "3.13t",
// "3.14-dev" and "3.12.1+". It rejects anything else.
func ParseVersion(s string) (Version, error) {
	var v Version
	rest := s
	if strings.HasSuffix(rest, "-dev") {
		v.Dev = true
		rest = strings.TrimSuffix(rest, "-dev")
	}
	if strings.HasSuffix(rest, "+") {
		v.Dev = true
		rest = strings.TrimSuffix(rest, "+")
	}
	if strings.HasSuffix(rest, "t") {
		v.FreeThreaded = true
		rest = strings.TrimSuffix(rest, "t")
	}
	// Split off a pre-release label on the last component.
	for _, label := range []string{"rc", "a", "b"} {
		if i := strings.LastIndex(rest, label); i > 0 {
			n, err := strconv.Atoi(rest[i+len(label):])
			if err != nil || n < 0 {
				return Version{}, fmt.Errorf("invalid Python version %q", s)
			}
			v.Pre, v.PreNum = label, n
			rest = rest[:i]
			break
		}
	}
	fields := strings.Split(rest, ".")
	if len(fields) > 3 || rest == "" {
		return Version{}, fmt.Errorf("invalid Python version %q", s)
	}
	for _, f := range fields {
		n, err := strconv.Atoi(f)
		if err != nil || n < 0 || f == "" || (len(f) > 1 && f[0] == '0') || strings.ContainsAny(f, "+-") {
			return Version{}, fmt.Errorf("invalid Python version %q", s)
		}
		v.Parts = append(v.Parts, n)
	}
	if v.Pre != "" && len(v.Parts) < 3 {
		return Version{}, fmt.Errorf("invalid Python version %q: a pre-release needs major.minor.micro", s)
	}
	return v, nil
}

// String formats the version as Python does (3.13.0rc1, with a "t" suffix
// for free-threaded builds).
func (v Version) String() string {
	var b strings.Builder
	for i, p := range v.Parts {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(strconv.Itoa(p))
	}
	if v.Pre != "" {
		b.WriteString(v.Pre)
		b.WriteString(strconv.Itoa(v.PreNum))
	}
	if v.FreeThreaded {
		b.WriteByte('t')
	}
	if v.Dev {
		b.WriteString("-dev")
	}
	return b.String()
}

// IsPrerelease reports whether v is an alpha, beta, release candidate or
// development build.
func (v Version) IsPrerelease() bool { return v.Pre != "" || v.Dev }

// Part returns release component i, or 0 when it was not written.
func (v Version) Part(i int) int {
	if i < len(v.Parts) {
		return v.Parts[i]
	}
	return 0
}

// MinorString returns "X.Y".
func (v Version) MinorString() string {
	return strconv.Itoa(v.Part(0)) + "." + strconv.Itoa(v.Part(1))
}

// Compare orders versions numerically per component; a pre-release sorts
// before its final release and a dev build before both. The free-threaded
// flag does not take part.
func (v Version) Compare(w Version) int {
	for i := 0; i < 3; i++ {
		if c := cmpInt(v.Part(i), w.Part(i)); c != 0 {
			return c
		}
	}
	if c := cmpInt(preRank(v), preRank(w)); c != 0 {
		return c
	}
	return cmpInt(v.PreNum, w.PreNum)
}

func preRank(v Version) int {
	switch {
	case v.Dev:
		return 0
	case v.Pre == "a":
		return 1
	case v.Pre == "b":
		return 2
	case v.Pre == "rc":
		return 3
	}
	return 4
}

// HasPrefix reports whether v starts with the components that prefix
// wrote: 3.12.1 has prefix 3, 3.12 and 3.12.1 but not 3.1. When prefix
// names a pre-release the labels must match too.
func (v Version) HasPrefix(prefix Version) bool {
	if len(prefix.Parts) > len(v.Parts) {
		return false
	}
	for i, p := range prefix.Parts {
		if v.Parts[i] != p {
			return false
		}
	}
	if prefix.Pre != "" {
		return v.Pre == prefix.Pre && v.PreNum == prefix.PreNum
	}
	return true
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
