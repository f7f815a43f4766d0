// Package tags computes the wheel tags (PEP 425) an interpreter supports,
// in preference order, from facts reported by the interpreter-info query,
// with the ordering of pypa/packaging's sys_tags(): interpreter-specific
// ABIs, abi3 (abi3t for free-threaded builds) down to cp32, "none",
// pure-Python tags, then the "-any" tags; on Linux, manylinux tags from the
// host glibc down (with the legacy manylinux2014/2010/1 aliases),
// musllinux tags on musl, and linux_<arch>.
package tags

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Tag is one interpreter-abi-platform triple, lower-cased.
type Tag struct {
	Interpreter string
	ABI         string
	Platform    string
}

// String is "interpreter-abi-platform".
func (t Tag) String() string { return t.Interpreter + "-" + t.ABI + "-" + t.Platform }

// ErrInvalidTag is wrapped by ParseTagSet's errors.
var ErrInvalidTag = errors.New("invalid tag")

// ParseTagSet expands a possibly compressed tag set such as
// "py2.py3-none-any" or "cp37-cp37m-manylinux1_x86_64.manylinux2010_x86_64"
// into its tags (interpreters outermost, platforms innermost), lower-cased.
func ParseTagSet(s string) ([]Tag, error) {
	parts := strings.Split(strings.ToLower(s), "-")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%w %q: need exactly three components", ErrInvalidTag, s)
	}
	var sets [3][]string
	for i, p := range parts {
		for _, m := range strings.Split(p, ".") {
			if m == "" {
				return nil, fmt.Errorf("%w %q: empty component", ErrInvalidTag, s)
			}
			sets[i] = append(sets[i], m)
		}
	}
	for _, in := range sets[0] {
		if !isIdentifier(in) {
			return nil, fmt.Errorf("%w %q: invalid interpreter %q", ErrInvalidTag, s, in)
		}
	}
	var out []Tag
	for _, in := range sets[0] {
		for _, abi := range sets[1] {
			for _, plat := range sets[2] {
				out = append(out, Tag{in, abi, plat})
			}
		}
	}
	return out, nil
}

func isIdentifier(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9') {
			continue
		}
		return false
	}
	return s != ""
}

// Facts are what tag computation needs to know about an interpreter.
type Facts struct {
	// Implementation is sys.implementation.name: "cpython", "pypy", ….
	Implementation string
	// Major and Minor are the Python language version.
	Major, Minor int
	// ABIs are the interpreter-specific ABI tags, most specific first:
	// ["cp311"], ["cp311d", "cp311"], ["cp313t"], ["pypy39_pp73"].
	ABIs []string
	// Platform is sysconfig.get_platform(): "linux-x86_64", "win-amd64".
	Platform string
	// PointerBits is 32 for a 32-bit interpreter (on any kernel).
	PointerBits int
	// Glibc is the host glibc version, {0, 0} when not glibc.
	Glibc [2]int
	// Musl is the musl version the interpreter links, {0, 0} when none.
	Musl [2]int
	// NativeLinuxFirst puts linux_<arch> before the manylinux/musllinux
	// tags, as packaging 26.3 does; pip's vendored packaging (and the
	// default) put it last.
	NativeLinuxFirst bool
}

// Info carries the fields of the interpreter-info query (resolver.Info)
// that tags need, so this package does not import the resolver.
type Info struct {
	Implementation string   // Info.Implementation
	Version        string   // Info.VersionString(), or markers["python_version"]
	FreeThreaded   bool     // Info.FreeThreaded
	SOABI          string   // Info.SOABI
	ExtSuffix      string   // Info.ExtSuffix
	Platform       string   // Info.Platform
	Multiarch      string   // Info.Multiarch
	PointerBits    int      // Info.PointerBits
	Libc           []string // Info.Libc: ["glibc", "2.36"] or ["", ""]
	// MuslVersion is "1.2" when known; musl is otherwise detected from
	// Multiarch/SOABI/ExtSuffix ("…-linux-musl") and assumed to be 1.1.
	MuslVersion string
}

// FromInfo derives Facts from the interpreter-info query's answer.
func FromInfo(in Info) (Facts, error) {
	f := Facts{
		Implementation: strings.ToLower(in.Implementation),
		Platform:       in.Platform,
		PointerBits:    in.PointerBits,
	}
	maj, min, ok := majorMinor(in.Version)
	if !ok {
		return f, fmt.Errorf("tags: unreadable python version %q", in.Version)
	}
	f.Major, f.Minor = maj, min
	if len(in.Libc) == 2 && in.Libc[0] == "glibc" {
		if a, b, ok := majorMinor(in.Libc[1]); ok {
			f.Glibc = [2]int{a, b}
		}
	}
	musl := strings.Contains(in.Multiarch, "musl") || strings.Contains(in.SOABI, "linux-musl") || strings.Contains(in.ExtSuffix, "linux-musl")
	if in.MuslVersion != "" {
		a, b, ok := majorMinor(in.MuslVersion)
		if !ok {
			return f, fmt.Errorf("tags: unreadable musl version %q", in.MuslVersion)
		}
		f.Musl = [2]int{a, b}
	} else if musl {
		f.Musl = [2]int{1, 1}
	}
	if f.Musl != [2]int{} {
		f.Glibc = [2]int{}
	}
	abis, err := interpreterABIs(f, in)
	if err != nil {
		return f, err
	}
	f.ABIs = abis
	return f, nil
}

// majorMinor reads "3.11", "3.11.7", "3.13.0t", "2.36".
func majorMinor(s string) (int, int, bool) {
	parts := strings.SplitN(s, ".", 3)
	if len(parts) < 2 {
		return 0, 0, false
	}
	a, err1 := strconv.Atoi(parts[0])
	end := 0
	for end < len(parts[1]) && parts[1][end] >= '0' && parts[1][end] <= '9' {
		end++
	}
	b, err2 := strconv.Atoi(parts[1][:end])
	return a, b, err1 == nil && err2 == nil
}

func normalize(s string) string {
	return strings.NewReplacer("-", "_", ".", "_", " ", "_").Replace(strings.ToLower(s))
}

// interpreterABIs follows packaging's _cpython_abis (from SOABI's flags)
// and _generic_abi (from EXT_SUFFIX) for other implementations.
func interpreterABIs(f Facts, in Info) ([]string, error) {
	nodot := fmt.Sprintf("%d%d", f.Major, f.Minor)
	if f.Implementation == "cpython" {
		// SOABI "cpython-311d-x86_64-linux-gnu" carries the ABI flags;
		// Windows has no SOABI (EXT_SUFFIX ".cp310-win_amd64.pyd") and
		// no flags but free-threading.
		flags := ""
		if strings.HasPrefix(in.SOABI, "cpython-") {
			v := strings.SplitN(in.SOABI, "-", 3)[1]
			flags = strings.TrimLeft(v, "0123456789")
		}
		if in.FreeThreaded && !strings.Contains(flags, "t") {
			flags = "t" + flags
		}
		abis := []string{"cp" + nodot + flags}
		if strings.Contains(flags, "d") && (f.Major > 3 || f.Major == 3 && f.Minor >= 8) {
			abis = append(abis, "cp"+nodot+strings.ReplaceAll(flags, "d", ""))
		}
		return abis, nil
	}
	ext := in.ExtSuffix
	if !strings.HasPrefix(ext, ".") {
		return nil, fmt.Errorf("tags: invalid EXT_SUFFIX %q", ext)
	}
	parts := strings.Split(ext, ".")
	if len(parts) < 3 {
		return nil, nil
	}
	soabi := parts[1]
	fields := strings.Split(soabi, "-")
	switch {
	case strings.HasPrefix(soabi, "pypy"):
		soabi = strings.Join(fields[:min(2, len(fields))], "-")
	case strings.HasPrefix(soabi, "graalpy"):
		soabi = strings.Join(fields[:min(3, len(fields))], "-")
	}
	if soabi == "" {
		return nil, nil
	}
	return []string{normalize(soabi)}, nil
}

// interpreterName is packaging's short name for an implementation.
func interpreterName(impl string) string {
	switch impl {
	case "cpython":
		return "cp"
	case "pypy":
		return "pp"
	case "ironpython":
		return "ip"
	case "jython":
		return "jy"
	}
	return impl
}

// CPythonTags is packaging's cpython_tags: the ABIs, then abi3 (or abi3t
// for a free-threaded ABI list), then none, for each platform, then the
// stable ABI for each older minor version down to 3.2. version holds the
// major and optionally the minor version.
func CPythonTags(version []int, abis, platforms []string) []Tag {
	interp := "cp" + nodot(version)
	threaded := false
	var own []string
	for _, a := range abis {
		if strings.HasPrefix(a, "cp") && strings.Contains(strings.TrimLeft(a[2:], "0123456789"), "t") {
			threaded = true
		}
	}
	for _, a := range abis {
		if a == "abi3" || a == "none" || (threaded && a == "abi3t") {
			continue
		}
		own = append(own, a)
	}
	var out []Tag
	for _, a := range own {
		for _, p := range platforms {
			out = append(out, Tag{interp, a, p})
		}
	}
	stable := ""
	if len(version) > 1 && (version[0] > 3 || version[0] == 3 && version[1] >= 2) {
		stable = "abi3"
		if threaded {
			stable = "abi3t"
		}
	}
	if stable != "" {
		for _, p := range platforms {
			out = append(out, Tag{interp, stable, p})
		}
	}
	for _, p := range platforms {
		out = append(out, Tag{interp, "none", p})
	}
	if stable != "" {
		for minor := version[1] - 1; minor > 1; minor-- {
			for _, p := range platforms {
				out = append(out, Tag{"cp" + nodot([]int{version[0], minor}), stable, p})
			}
		}
	}
	return out
}

// GenericTags is packaging's generic_tags: each ABI, then none, for each
// platform.
func GenericTags(interpreter string, abis, platforms []string) []Tag {
	var out []Tag
	hasNone := false
	for _, a := range abis {
		hasNone = hasNone || a == "none"
		for _, p := range platforms {
			out = append(out, Tag{interpreter, a, p})
		}
	}
	if !hasNone {
		for _, p := range platforms {
			out = append(out, Tag{interpreter, "none", p})
		}
	}
	return out
}

func nodot(v []int) string {
	var b strings.Builder
	for _, x := range v {
		b.WriteString(strconv.Itoa(x))
	}
	return b.String()
}

// pyRange is pyXY, pyX, then pyX(Y-1) … pyX0.
func pyRange(version []int) []string {
	var out []string
	if len(version) > 1 {
		out = append(out, "py"+nodot(version[:2]))
	}
	out = append(out, "py"+strconv.Itoa(version[0]))
	if len(version) > 1 {
		for m := version[1] - 1; m >= 0; m-- {
			out = append(out, "py"+nodot([]int{version[0], m}))
		}
	}
	return out
}

// CompatibleTags is packaging's compatible_tags: py* tags for each
// platform, then interpreter-none-any (when interpreter is not empty),
// then py*-none-any.
func CompatibleTags(version []int, interpreter string, platforms []string) []Tag {
	var out []Tag
	for _, py := range pyRange(version) {
		for _, p := range platforms {
			out = append(out, Tag{py, "none", p})
		}
	}
	if interpreter != "" {
		out = append(out, Tag{interpreter, "none", "any"})
	}
	for _, py := range pyRange(version) {
		out = append(out, Tag{py, "none", "any"})
	}
	return out
}

// manylinuxArchs are the architectures with manylinux wheels besides
// i686 and armv7l (whose ABI packaging checks in the ELF header, and which
// we accept when the interpreter reports that architecture).
var manylinuxArchs = map[string]bool{
	"x86_64": true, "aarch64": true, "ppc64": true, "ppc64le": true,
	"s390x": true, "loongarch64": true, "riscv64": true, "i686": true, "armv7l": true,
}

var legacyManylinux = map[[2]int]string{
	{2, 17}: "manylinux2014",
	{2, 12}: "manylinux2010",
	{2, 5}:  "manylinux1",
}

// ManylinuxPlatforms lists the manylinux tags for glibc, newest first,
// with the legacy aliases after their PEP 600 names; x86_64 and i686 go
// down to glibc 2.5, other architectures to 2.17.
func ManylinuxPlatforms(archs []string, glibc [2]int) []string {
	if glibc[0] < 2 {
		return nil
	}
	ok := false
	for _, a := range archs {
		ok = ok || manylinuxArchs[a]
	}
	if !ok {
		return nil
	}
	oldest := 17
	for _, a := range archs {
		if a == "x86_64" || a == "i686" {
			oldest = 5
		}
	}
	maxes := [][2]int{glibc}
	for major := glibc[0] - 1; major > 1; major-- {
		maxes = append(maxes, [2]int{major, 50})
	}
	var out []string
	for _, arch := range archs {
		for _, mx := range maxes {
			low := 0
			if mx[0] == 2 {
				low = oldest
			}
			for minor := mx[1]; minor >= low; minor-- {
				out = append(out, fmt.Sprintf("manylinux_%d_%d_%s", mx[0], minor, arch))
				if legacy, ok := legacyManylinux[[2]int{mx[0], minor}]; ok {
					out = append(out, legacy+"_"+arch)
				}
			}
		}
	}
	return out
}

// MusllinuxPlatforms lists musllinux_X_Y tags for musl X.Y down to X.0.
func MusllinuxPlatforms(archs []string, musl [2]int) []string {
	if musl[0] == 0 {
		return nil
	}
	var out []string
	for _, arch := range archs {
		for minor := musl[1]; minor >= 0; minor-- {
			out = append(out, fmt.Sprintf("musllinux_%d_%d_%s", musl[0], minor, arch))
		}
	}
	return out
}

// Platforms is the ordered list of platform tags for f.
func Platforms(f Facts) []string {
	plat := normalize(f.Platform)
	if !strings.HasPrefix(plat, "linux_") {
		return []string{plat}
	}
	if f.PointerBits == 32 {
		switch plat {
		case "linux_x86_64":
			plat = "linux_i686"
		case "linux_aarch64":
			plat = "linux_armv8l"
		}
	}
	arch := strings.TrimPrefix(plat, "linux_")
	archs := []string{arch}
	if arch == "armv8l" {
		archs = []string{"armv8l", "armv7l"}
	}
	var native []string
	for _, a := range archs {
		native = append(native, "linux_"+a)
	}
	var out []string
	if f.NativeLinuxFirst {
		out = append(out, native...)
	}
	out = append(out, ManylinuxPlatforms(archs, f.Glibc)...)
	out = append(out, MusllinuxPlatforms(archs, f.Musl)...)
	if !f.NativeLinuxFirst {
		out = append(out, native...)
	}
	return out
}

// Compatible is the ordered list of tags f supports, best first, as
// packaging's sys_tags() lists them.
func Compatible(f Facts) []Tag {
	plats := Platforms(f)
	version := []int{f.Major, f.Minor}
	name := interpreterName(f.Implementation)
	var out []Tag
	switch name {
	case "cp":
		out = CPythonTags(version, f.ABIs, plats)
		out = append(out, CompatibleTags(version, "cp"+nodot(version), plats)...)
	default:
		out = GenericTags(name+nodot(version), f.ABIs, plats)
		interp := ""
		if name == "pp" {
			interp = "pp3"
		}
		out = append(out, CompatibleTags(version, interp, plats)...)
	}
	return out
}

// Supported is a compatible-tag list with a lookup of each tag's rank.
type Supported struct {
	tags  []Tag
	index map[Tag]int
}

// NewSupported ranks tags by position (first occurrence wins).
func NewSupported(tags []Tag) *Supported {
	s := &Supported{tags: tags, index: make(map[Tag]int, len(tags))}
	for i, t := range tags {
		if _, ok := s.index[t]; !ok {
			s.index[t] = i
		}
	}
	return s
}

// Tags returns the ranked tags, best first.
func (s *Supported) Tags() []Tag { return s.tags }

// Priority is t's rank (0 is best) and whether t is supported at all.
func (s *Supported) Priority(t Tag) (int, bool) {
	i, ok := s.index[t]
	return i, ok
}

// Best is the best (lowest) rank among a wheel's tags, and whether any
// of them is supported.
func (s *Supported) Best(tags []Tag) (int, bool) {
	best, found := 0, false
	for _, t := range tags {
		if i, ok := s.index[t]; ok && (!found || i < best) {
			best, found = i, true
		}
	}
	return best, found
}
