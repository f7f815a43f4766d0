package wheel

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode"
)

// Filename is a parsed wheel file name (PEP 427, binary distribution
// format): {name}-{version}(-{build})?-{python}-{abi}-{platform}.whl, where
// each tag part may be a compressed set joined by dots ("py2.py3").
type Filename struct {
	// Name is the distribution name as written in the file name (escaped:
	// "-" became "_"); Normalized gives the PEP 503 form.
	Name    string
	Version string
	// Build is the optional build tag, "" when absent; it starts with a
	// digit (BuildTag splits it for ordering).
	Build    string
	Python   []string
	ABI      []string
	Platform []string
}

// versionRE is PEP 440's VERSION_PATTERN (pypa/packaging), anchored.
var versionRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)^v?(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)*` +
		`(?:[-_.]?(?:alpha|a|beta|b|preview|pre|c|rc)[-_.]?[0-9]*)?` +
		`(?:-[0-9]+|[-_.]?(?:post|rev|r)[-_.]?[0-9]*)?` +
		`(?:[-_.]?dev[-_.]?[0-9]*)?` +
		`(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?$`)
})

// tagRE is one component of a compressed tag set.
var tagRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_]+$`) })

// ParseFilename parses a wheel file name (a base name, not a path) the way
// pypa/packaging's parse_wheel_filename does: 4 or 5 dashes, an escaped
// project name without "__", a PEP 440 version, a build tag starting with
// a digit, and non-empty tag sets.
func ParseFilename(name string) (Filename, error) {
	var f Filename
	bad := func(why string) (Filename, error) {
		return Filename{}, fmt.Errorf("invalid wheel file name %q: %s; wheel files are named NAME-VERSION[-BUILD]-PYTHON-ABI-PLATFORM.whl", name, why)
	}
	stem, ok := strings.CutSuffix(name, ".whl")
	if !ok {
		return bad("it does not end in .whl")
	}
	if strings.ContainsFunc(name, func(r rune) bool { return r == '/' || r == '\\' || unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return bad("it contains a path separator, a space or a control character")
	}
	parts := strings.Split(stem, "-")
	if len(parts) != 5 && len(parts) != 6 {
		return bad(fmt.Sprintf("it has %d dash-separated parts, not 5 or 6", len(parts)))
	}
	f.Name, f.Version = parts[0], parts[1]
	if f.Name == "" || strings.Contains(f.Name, "__") || strings.IndexFunc(f.Name, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '.')
	}) >= 0 {
		return bad(fmt.Sprintf("invalid project name %q", f.Name))
	}
	if !versionRE().MatchString(f.Version) {
		return bad(fmt.Sprintf("invalid version %q", f.Version))
	}
	if len(parts) == 6 {
		f.Build = parts[2]
		if f.Build == "" || f.Build[0] < '0' || f.Build[0] > '9' {
			return bad(fmt.Sprintf("build tag %q does not start with a digit", f.Build))
		}
		if _, _, err := f.BuildTag(); err != nil {
			return bad(fmt.Sprintf("build tag %q: %v", f.Build, err))
		}
	}
	n := len(parts)
	sets := [3]*[]string{&f.Python, &f.ABI, &f.Platform}
	for i, what := range [3]string{"python", "abi", "platform"} {
		p := parts[n-3+i]
		for _, t := range strings.Split(p, ".") {
			if !tagRE().MatchString(t) {
				return bad(fmt.Sprintf("invalid %s tag %q", what, p))
			}
			*sets[i] = append(*sets[i], t)
		}
	}
	return f, nil
}

// BuildTag splits the build tag into its leading number and the rest, the
// order PEP 427 sorts by. An absent tag is (0, "").
func (f Filename) BuildTag() (int, string, error) {
	if f.Build == "" {
		return 0, "", nil
	}
	i := 0
	for i < len(f.Build) && f.Build[i] >= '0' && f.Build[i] <= '9' {
		i++
	}
	n, err := strconv.Atoi(f.Build[:i])
	if err != nil {
		return 0, "", fmt.Errorf("build number out of range")
	}
	return n, f.Build[i:], nil
}

// Normalized is the PEP 503 normalized distribution name.
func (f Filename) Normalized() string { return NormalizeName(f.Name) }

// Tags expands the compressed tag sets into every python-abi-platform
// triple the wheel declares, in file-name order.
func (f Filename) Tags() []string {
	var out []string
	for _, p := range f.Python {
		for _, a := range f.ABI {
			for _, pl := range f.Platform {
				out = append(out, p+"-"+a+"-"+pl)
			}
		}
	}
	return out
}

// String is the file name f was parsed from.
func (f Filename) String() string {
	parts := []string{f.Name, f.Version}
	if f.Build != "" {
		parts = append(parts, f.Build)
	}
	parts = append(parts, strings.Join(f.Python, "."), strings.Join(f.ABI, "."), strings.Join(f.Platform, "."))
	return strings.Join(parts, "-") + ".whl"
}

// NormalizeName is the PEP 503 normalized form of a distribution name:
// lower case, every run of "-", "_" and "." replaced by one "-".
func NormalizeName(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	sep := false
	for _, r := range name {
		if r == '-' || r == '_' || r == '.' {
			sep = true
			continue
		}
		if sep {
			b.WriteByte('-')
		}
		sep = false
		b.WriteRune(unicode.ToLower(r))
	}
	if sep {
		b.WriteByte('-')
	}
	return b.String()
}
