package wheel

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// checkRelPath refuses a wheel member name that could land outside the
// directory it is unpacked into: empty, absolute, drive-qualified,
// backslashed, with "." / ".." / empty components, or with NUL bytes.
func checkRelPath(p string) error {
	switch {
	case p == "":
		return fmt.Errorf("an empty path")
	case strings.HasPrefix(p, "/"):
		return fmt.Errorf("an absolute path %q", p)
	case strings.ContainsAny(p, "\\\x00"):
		return fmt.Errorf("a path with a backslash or NUL %q", p)
	case len(p) >= 2 && p[1] == ':':
		return fmt.Errorf("a drive-qualified path %q", p)
	case !utf8.ValidString(p):
		return fmt.Errorf("a path that is not UTF-8 %q", p)
	}
	for rest := p; ; {
		c, more, found := strings.Cut(rest, "/")
		if c == "" || c == "." || c == ".." {
			return fmt.Errorf("a path escaping its directory %q", p)
		}
		if !found {
			return nil
		}
		rest = more
	}
}

// isSignature reports whether p (relative to the dist-info dir) is RECORD
// or one of its signatures, the only members allowed to have no hash.
func isSignature(rel string) bool {
	return rel == "RECORD" || rel == "RECORD.jws" || rel == "RECORD.p7s"
}

// installerOwned are dist-info files the installer writes itself; a
// wheel's own copies are not installed.
func installerOwned(rel string) bool {
	return rel == "RECORD" || rel == "INSTALLER" || rel == "REQUESTED" || rel == "direct_url.json"
}

// splitDistInfo splits "name-1.0.dist-info" into its name and version.
func splitDistInfo(dir string) (name, version string, ok bool) {
	stem, ok := strings.CutSuffix(dir, ".dist-info")
	if !ok {
		return "", "", false
	}
	i := strings.LastIndexByte(stem, '-')
	if i <= 0 || i == len(stem)-1 {
		return "", "", false
	}
	return stem[:i], stem[i+1:], true
}

// findDistInfo picks the one "*.dist-info" top-level directory among the
// given top-level names and checks it names the expected distribution.
func findDistInfo(tops []string, want string) (string, error) {
	var found []string
	for _, t := range tops {
		if strings.HasSuffix(t, ".dist-info") {
			found = append(found, t)
		}
	}
	switch {
	case len(found) == 0:
		return "", fmt.Errorf("it has no .dist-info directory; it is not a valid wheel")
	case len(found) > 1:
		return "", fmt.Errorf("it has %d .dist-info directories (%s); a wheel has exactly one", len(found), strings.Join(found, ", "))
	}
	name, _, ok := splitDistInfo(found[0])
	if !ok {
		return "", fmt.Errorf("its dist-info directory %q is not named NAME-VERSION.dist-info", found[0])
	}
	if want != "" && NormalizeName(name) != want {
		return "", fmt.Errorf("its dist-info directory %q does not match the file name's distribution %q", found[0], want)
	}
	return found[0], nil
}

// headerFields reads "Key: value" lines of an email-header style file
// (WHEEL, METADATA) up to the first blank line. Later duplicates are
// ignored.
func headerFields(data []byte) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" {
			break
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok || strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t") {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		if _, dup := out[k]; !dup {
			out[k] = strings.TrimSpace(v)
		}
	}
	return out
}

// checkWheelFile validates WHEEL and reports Root-Is-Purelib.
func checkWheelFile(data []byte) (purelib bool, err error) {
	h := headerFields(data)
	v, ok := h["wheel-version"]
	if !ok {
		return false, fmt.Errorf("its WHEEL file has no Wheel-Version")
	}
	major, _, _ := strings.Cut(v, ".")
	if major != "1" {
		return false, fmt.Errorf("it has Wheel-Version %s and pyshim installs only 1.x; use a wheel built for format 1", v)
	}
	return strings.EqualFold(h["root-is-purelib"], "true"), nil
}

// isWithin reports whether p is inside dir (not dir itself); both clean
// and absolute. It runs for every file of every install: no allocation.
func isWithin(dir, p string) bool {
	if dir == string(filepath.Separator) {
		return len(p) > 1 && p[0] == filepath.Separator
	}
	return len(p) > len(dir) && p[len(dir)] == filepath.Separator && p[:len(dir)] == dir
}

// ancestorOrSame reports whether a is p or one of p's ancestors.
func ancestorOrSame(a, p string) bool { return a == p || isWithin(a, p) }

// lstatRegular checks that p is a regular file (not a symlink) and returns
// its info.
func lstatRegular(p string) (os.FileInfo, error) {
	st, err := os.Lstat(p)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is a %v, not a regular file", p, st.Mode().Type())
	}
	return st, nil
}

// splitDir splits a clean path at its last separator: filepath.Split
// without the trailing separator, and "/" and "." for the root and a
// bare name.
func splitDir(p string) (dir, base string) {
	i := strings.LastIndexByte(p, filepath.Separator)
	if i < 0 {
		return ".", p
	}
	if i == 0 {
		return string(filepath.Separator), p[1:]
	}
	return p[:i], p[i+1:]
}
