// Package reqfile parses pip requirement files: requirements with
// per-line --hash options, -r and -c nesting (relative to the including
// file, cycles refused), comments (" #" as pip), "\" line continuations,
// ${VAR} expansion, and the index options --index-url/-i,
// --extra-index-url, --find-links/-f, --no-index, --pre and
// --require-hashes. Anything else is an error naming file:line.
package reqfile

import (
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/pyshim/pyshim/install/pep508"
)

// Requirement is one requirement line.
type Requirement struct {
	// Req is the requirement; nil when Local is set.
	Req *pep508.Requirement
	// Local is a local project, archive or VCS URL as pip takes them on a
	// line of their own ("./dir", "../x.tar.gz", "git+file:///repo@v1"),
	// relative paths made relative to the file; Editable marks "-e".
	Local    string
	Editable bool
	// Hashes are the --hash values as written ("sha256:…").
	Hashes []string
	// File and Line locate it (the first line of a continued line).
	File string
	Line int
}

// Where is "file:line".
func (r Requirement) Where() string { return fmt.Sprintf("%s:%d", r.File, r.Line) }

// File is the result of parsing a requirement file and everything it
// includes.
type File struct {
	Requirements []Requirement
	// Constraints come from -c files (and files they include).
	Constraints    []Requirement
	IndexURL       string
	ExtraIndexURLs []string
	FindLinks      []string
	NoIndex        bool
	Pre            bool
	RequireHashes  bool
}

// Options customise how files are read.
type Options struct {
	// ReadFile reads an included file; nil means os.ReadFile.
	ReadFile func(name string) ([]byte, error)
	// Getenv expands ${VAR}; nil means os.Getenv.
	Getenv func(string) string
}

// ParseFile parses a requirement file from disk, with the process
// environment for ${VAR}.
func ParseFile(path string) (*File, error) {
	return Parse(path, Options{})
}

// Parse parses the requirement file at path and the files it includes.
func Parse(path string, opts Options) (*File, error) {
	if opts.ReadFile == nil {
		opts.ReadFile = os.ReadFile
	}
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	p := &parser{opts: opts, out: &File{}}
	if err := p.file(path, false, nil); err != nil {
		return nil, err
	}
	return p.out, nil
}

type parser struct {
	opts Options
	out  *File
}

// commentRE is pip's COMMENT_RE: a "#" at the start or after whitespace.
var commentRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(^|\s+)#.*$`) })

// envRE is pip's ENV_VAR_RE: only ${NAME} with upper-case names.
var envRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\$\{([A-Z0-9_]+)\}`) })

type logicalLine struct {
	n    int
	text string
}

// lines applies pip's preprocessing: join continuations, strip comments,
// expand ${VAR}; blank lines are dropped.
func (p *parser) lines(data string) []logicalLine {
	var joined []logicalLine
	var cur []string
	first := 0
	raw := strings.Split(strings.ReplaceAll(strings.ReplaceAll(data, "\r\n", "\n"), "\r", "\n"), "\n")
	for i, l := range raw {
		n := i + 1
		isComment := commentRE().MatchString(l)
		if !strings.HasSuffix(l, `\`) || isComment {
			if isComment {
				l = " " + l
			}
			if cur != nil {
				joined = append(joined, logicalLine{first, strings.Join(append(cur, l), "")})
				cur = nil
			} else {
				joined = append(joined, logicalLine{n, l})
			}
			continue
		}
		if cur == nil {
			first = n
			cur = []string{}
		}
		cur = append(cur, strings.Trim(l, `\`))
	}
	if cur != nil {
		joined = append(joined, logicalLine{first, strings.Join(cur, "")})
	}
	var out []logicalLine
	for _, l := range joined {
		t := strings.TrimSpace(commentRE().ReplaceAllString(l.text, ""))
		if t == "" {
			continue
		}
		t = envRE().ReplaceAllStringFunc(t, func(m string) string {
			if v := p.opts.Getenv(m[2 : len(m)-1]); v != "" {
				return v
			}
			return m
		})
		out = append(out, logicalLine{l.n, t})
	}
	return out
}

// file parses one file; stack holds the files including it.
func (p *parser) file(path string, constraint bool, stack []string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("requirement file %s: %w", path, err)
	}
	for _, s := range stack {
		if s == abs {
			return fmt.Errorf("requirement file %s includes itself: %s", path, strings.Join(append(stack, abs), " -> "))
		}
	}
	stack = append(stack, abs)
	data, err := p.opts.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading requirement file: %w", err)
	}
	for _, l := range p.lines(string(data)) {
		if err := p.line(path, l, constraint, stack); err != nil {
			return err
		}
	}
	return nil
}

// option names: those taking a value, and flags.
var valueOpts = map[string]string{
	"-r": "-r", "--requirement": "-r", "-c": "-c", "--constraint": "-c",
	"-i": "-i", "--index-url": "-i", "--extra-index-url": "--extra-index-url",
	"-f": "-f", "--find-links": "-f", "--hash": "--hash",
	"-e": "-e", "--editable": "-e",
}

var flagOpts = map[string]bool{"--no-index": true, "--pre": true, "--require-hashes": true}

func (p *parser) line(path string, l logicalLine, constraint bool, stack []string) error {
	where := fmt.Sprintf("%s:%d", path, l.n)
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%s: %s", where, fmt.Sprintf(format, args...))
	}
	// Split off options as pip does: the requirement is the words before
	// the first one starting with "-".
	words := strings.Fields(l.text)
	k := 0
	for k < len(words) && !strings.HasPrefix(words[k], "-") {
		k++
	}
	reqText := strings.Join(words[:k], " ")
	opts, err := splitOptions(words[k:])
	if err != nil {
		return fail("%v", err)
	}
	var hashes []string
	for _, o := range opts {
		switch o.name {
		case "--hash":
			if reqText == "" {
				return fail("--hash must follow a requirement on the same line")
			}
			if err := checkHash(o.value); err != nil {
				return fail("%v", err)
			}
			hashes = append(hashes, o.value)
			continue
		}
		if reqText != "" {
			return fail("option %s is not allowed after a requirement (only --hash is)", o.written)
		}
		switch o.name {
		case "-r", "-c":
			if strings.Contains(o.value, "://") {
				return fail("%s %s: requirement files from URLs are not supported", o.written, o.value)
			}
			inc := o.value
			if !filepath.IsAbs(inc) {
				inc = filepath.Join(filepath.Dir(path), inc)
			}
			if err := p.file(inc, constraint || o.name == "-c", stack); err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
		case "-i":
			p.out.IndexURL = o.value
		case "--extra-index-url":
			p.out.ExtraIndexURLs = append(p.out.ExtraIndexURLs, o.value)
		case "-f":
			fl := o.value
			// pip resolves a relative find-links path against the file.
			if !strings.Contains(fl, "://") && !filepath.IsAbs(fl) {
				if cand := filepath.Join(filepath.Dir(path), fl); exists(cand) {
					fl = cand
				}
			}
			p.out.FindLinks = append(p.out.FindLinks, fl)
		case "--no-index":
			p.out.NoIndex = true
		case "--pre":
			p.out.Pre = true
		case "--require-hashes":
			p.out.RequireHashes = true
		case "-e":
			if constraint {
				return fail("%s is not allowed in a constraints file", o.written)
			}
			p.out.Requirements = append(p.out.Requirements, Requirement{Local: localSpec(o.value, path), Editable: true, File: path, Line: l.n})
		}
	}
	if reqText == "" {
		return nil
	}
	if looksLocal(reqText) {
		if constraint {
			return fail("%s: a local project or URL is not allowed in a constraints file", reqText)
		}
		p.out.Requirements = append(p.out.Requirements, Requirement{Local: localSpec(reqText, path), Hashes: hashes, File: path, Line: l.n})
		return nil
	}
	r, err := pep508.ParseRequirement(reqText)
	if err != nil {
		msg := err.Error()
		var se *pep508.SyntaxError
		if errors.As(err, &se) {
			msg = se.Msg
		}
		msg, _, _ = strings.Cut(msg, "\n")
		return fail("invalid requirement %q: %s", reqText, msg)
	}
	req := Requirement{Req: r, Hashes: hashes, File: path, Line: l.n}
	if constraint {
		p.out.Constraints = append(p.out.Constraints, req)
	} else {
		p.out.Requirements = append(p.out.Requirements, req)
	}
	return nil
}

// looksLocal reports whether a requirement line names a local project,
// archive or VCS URL rather than a PEP 508 requirement, as pip reads such
// lines: a path ("./dir", "../x.tar.gz", "/abs/dir", with optional
// [extras]) or a bare "git+..." URL.
func looksLocal(text string) bool {
	if strings.Contains(text, " @ ") || strings.Contains(text, ";") {
		return false
	}
	switch {
	case strings.HasPrefix(text, "."), strings.HasPrefix(text, "/"), strings.HasPrefix(text, "~"):
		return true
	case strings.HasPrefix(text, "git+"), strings.HasPrefix(text, "file:"):
		return true
	}
	return false
}

// localSpec makes a relative path in a requirement file relative to that
// file's directory, as pip does; URLs stay as they are.
func localSpec(spec, file string) string {
	if strings.Contains(spec, "://") || strings.HasPrefix(spec, "~") || filepath.IsAbs(spec) {
		return spec
	}
	return filepath.Join(filepath.Dir(file), spec)
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

type option struct {
	name, written, value string
}

// splitOptions reads "--opt=value", "--opt value", "-xvalue", "-x value".
func splitOptions(words []string) ([]option, error) {
	var out []option
	for i := 0; i < len(words); i++ {
		w := words[i]
		name, value, hasValue := w, "", false
		if strings.HasPrefix(w, "--") {
			name, value, hasValue = strings.Cut(w, "=")
		} else if len(w) > 2 && w[0] == '-' {
			name, value, hasValue = w[:2], w[2:], true
		}
		if flagOpts[name] {
			if hasValue {
				return nil, fmt.Errorf("option %s takes no value", name)
			}
			out = append(out, option{name: name, written: name})
			continue
		}
		canon, ok := valueOpts[name]
		if !ok {
			return nil, fmt.Errorf("unknown or unsupported option %s", name)
		}
		if !hasValue {
			if i+1 >= len(words) {
				return nil, fmt.Errorf("option %s needs a value", name)
			}
			i++
			value = words[i]
		}
		if value == "" {
			return nil, fmt.Errorf("option %s needs a value", name)
		}
		out = append(out, option{name: canon, written: name, value: value})
	}
	return out, nil
}

// checkHash validates "algorithm:hexdigest" for the algorithms pip allows.
func checkHash(h string) error {
	alg, digest, ok := strings.Cut(h, ":")
	sizes := map[string]int{"sha256": 32, "sha384": 48, "sha512": 64}
	size, known := sizes[alg]
	if !ok || !known {
		return fmt.Errorf("invalid --hash %q: use sha256:HEX (or sha384, sha512)", h)
	}
	b, err := hex.DecodeString(digest)
	if err != nil || len(b) != size {
		return fmt.Errorf("invalid --hash %q: the %s digest must be %d hex digits", h, alg, 2*size)
	}
	return nil
}
