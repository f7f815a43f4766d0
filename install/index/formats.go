package index

import (
	"strings"

	"github.com/pyshim/pyshim/install/pep508"
)

// Formats says which kinds of file may be used for which projects, as
// pip's --only-binary and --no-binary do: each maps normalised names, or
// ":all:", to true.
type Formats struct {
	// OnlyBinary projects use wheels only (no sdist is built).
	OnlyBinary map[string]bool
	// NoBinary projects are built from their sdists (wheels are not used).
	NoBinary map[string]bool
}

// AddFormatArg applies one --only-binary (onlyBinary) or --no-binary value:
// a comma-separated list of names, ":all:" or ":none:" (which clears the
// list), as pip reads them. A name named by both lists is taken from the
// one given last.
func (f *Formats) AddFormatArg(value string, onlyBinary bool) {
	set, other := &f.NoBinary, &f.OnlyBinary
	if onlyBinary {
		set, other = &f.OnlyBinary, &f.NoBinary
	}
	for _, n := range strings.Split(value, ",") {
		n = strings.TrimSpace(n)
		switch n {
		case "":
			continue
		case ":none:":
			*set = nil
			continue
		case ":all:":
		default:
			n = pep508.NormalizeName(n)
		}
		if *set == nil {
			*set = map[string]bool{}
		}
		(*set)[n] = true
		delete(*other, n)
	}
}

// Sdist reports whether project's source distributions may be used.
func (f Formats) Sdist(project string) bool {
	if f.NoBinary[project] {
		return true
	}
	return !f.OnlyBinary[project] && !f.OnlyBinary[":all:"]
}

// Wheel reports whether project's wheels may be used.
func (f Formats) Wheel(project string) bool {
	if f.OnlyBinary[project] {
		return true
	}
	return !f.NoBinary[project] && !f.NoBinary[":all:"]
}
