package nix

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/pyshim/pyshim/plugins/sdk/interp"
)

// maxWrapperSize bounds how much of a file is read to decide whether it is
// a wrapper. Wrapper scripts and compiled wrappers are a few KiB; a larger
// ELF is taken to be a real interpreter.
const maxWrapperSize = 1 << 20

// maxChain bounds how many wrappers are followed (wrapProgram chains are
// two or three deep).
const maxChain = 16

// storeNameRE matches a store path name: 32 characters of Nix's base32
// alphabet, a dash, and the derivation name.
var storeNameRE = regexp.MustCompile(`^[0-9abcdfghijklmnpqrsvwxyz]{32}-(.+)$`)

// pythonNameRE matches the derivation names of interpreters and their
// environments: python3-3.12.3, python3-3.12.3-env, pypy3.10-7.3.17,
// pypy310-7.3.17-env.
var pythonNameRE = regexp.MustCompile(`^(python|pypy)(\d+(?:\.\d+)?)?-(\d+\.\d+(?:\.\d+)?(?:(?:a|b|rc)\d+)?)(-env)?$`)

// storeInfo describes the store path a file lies in.
type storeInfo struct {
	root string // /nix/store/<hash>-<name>
	name string // <name>
	impl string // "cpython" | "pypy" | "" (not an interpreter derivation)
	// version is the Python version when the name says it.
	version string
	env     bool // a python.withPackages environment
}

// storePath returns information on the store path that resolved (a
// symlink-free absolute path) lies in; ok is false outside the store.
func storePath(storeDir, resolved string) (storeInfo, bool) {
	rel, err := filepath.Rel(storeDir, resolved)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return storeInfo{}, false
	}
	top, _, _ := strings.Cut(rel, string(filepath.Separator))
	m := storeNameRE.FindStringSubmatch(top)
	if m == nil {
		return storeInfo{}, false
	}
	si := storeInfo{root: filepath.Join(storeDir, top), name: m[1]}
	if pm := pythonNameRE.FindStringSubmatch(si.name); pm != nil {
		si.env = pm[4] != ""
		switch pm[1] {
		case "python":
			si.impl = "cpython"
			if _, err := interp.ParseVersion(pm[3]); err == nil {
				si.version = pm[3]
			}
		case "pypy":
			// The number after the dash is PyPy's own version; the Python
			// version is in the name (pypy3.10) when written with a dot.
			si.impl = "pypy"
			if strings.Contains(pm[2], ".") {
				si.version = pm[2]
			}
		}
	}
	return si, true
}

// unwrapped is the result of following a wrapper chain.
type unwrapped struct {
	exe   string
	argv0 string
	env   []interp.EnvOp
	args  []string
	chdir string
	wraps []string
}

// errNotWrapper is wrapped by readWrapper's error for a file that is not a
// wrapper at all (a real binary).
var errNotWrapper = errors.New("not a wrapper")

// readWrapper reads the file at p and parses it as a wrapper. It returns
// an error wrapping errNotWrapper for a real binary.
func readWrapper(p string) (Wrapper, error) {
	f, err := os.Open(p)
	if err != nil {
		return Wrapper{}, fmt.Errorf("opening %s: %w", p, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Wrapper{}, fmt.Errorf("reading %s: %w", p, err)
	}
	if !fi.Mode().IsRegular() {
		return Wrapper{}, fmt.Errorf("%s is not a regular file", p)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxWrapperSize+1))
	if err != nil {
		return Wrapper{}, fmt.Errorf("reading %s: %w", p, err)
	}
	switch {
	case bytes.HasPrefix(data, []byte("#!")):
		if len(data) > maxWrapperSize {
			return Wrapper{}, fmt.Errorf("%s: script too large for a wrapper", p)
		}
		w, err := ParseShellWrapper(data)
		if err != nil {
			return Wrapper{}, fmt.Errorf("shell wrapper %s: %w", p, err)
		}
		return w, nil
	case bytes.HasPrefix(data, []byte("\x7fELF")) || bytes.HasPrefix(data, []byte{0xcf, 0xfa, 0xed, 0xfe}):
		if len(data) > maxWrapperSize {
			return Wrapper{}, fmt.Errorf("%s: %w", p, errNotWrapper)
		}
		doc, ok := ExtractMakeCWrapper(data)
		if !ok {
			return Wrapper{}, fmt.Errorf("%s: %w", p, errNotWrapper)
		}
		w, err := ParseMakeCWrapper(doc)
		if err != nil {
			return Wrapper{}, fmt.Errorf("binary wrapper %s: %w", p, err)
		}
		return w, nil
	}
	return Wrapper{}, fmt.Errorf("%s: %w", p, errNotWrapper)
}

// unwrapChain follows the wrappers starting at p, which is executed with
// argv[0] = p (an absolute, unresolved path).
func unwrapChain(p string) (unwrapped, error) {
	u := unwrapped{}
	file, argv0 := p, p
	for depth := 0; ; depth++ {
		if depth > maxChain {
			return unwrapped{}, fmt.Errorf("more than %d wrappers in a chain at %s", maxChain, p)
		}
		w, err := readWrapper(file)
		if errors.Is(err, errNotWrapper) {
			real, err := filepath.EvalSymlinks(file)
			if err != nil {
				return unwrapped{}, fmt.Errorf("resolving %s: %w", file, err)
			}
			u.exe, u.argv0 = real, argv0
			return u, nil
		}
		if err != nil {
			return unwrapped{}, err
		}
		u.wraps = append(u.wraps, file)
		u.env = append(u.env, w.Env...)
		// The inner program puts its flags before those it was given.
		u.args = append(append([]string(nil), w.Args...), u.args...)
		if w.Chdir != "" {
			u.chdir = joinDir(u.chdir, w.Chdir)
		}
		switch {
		case w.Argv0 != "":
			argv0 = w.Argv0
		case w.InheritArgv0 && w.Format == FormatShell:
			// `exec -a "$0"`: bash's $0 is the path the kernel was given,
			// whatever argv[0] the caller passed.
			argv0 = file
		case w.InheritArgv0:
			// A binary wrapper passes on the argv[0] it got.
		default:
			argv0 = w.Target
		}
		file = w.Target
	}
}
