//go:build !pyshimlight

package cli

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/pyshim/pyshim/install/build"
	"github.com/pyshim/pyshim/install/installer"
	"github.com/pyshim/pyshim/install/pep508"
	"github.com/pyshim/pyshim/install/pyproject"
)

// localSource is a requirement pyshim builds before resolving: a project
// directory, a source archive or a git repository.
type localSource struct {
	kind     string // "dir", "archive" or "git"
	path     string // dir and archive: absolute path
	repo     string // git: the repository URL without "git+"
	rev      string // git: the revision asked for ("" for the default)
	subdir   string // git: #subdirectory=
	name     string // the declared name ("name @ ..." or #egg=), "" if none
	extras   []string
	marker   *pep508.Requirement // the requirement its marker came from, if any
	editable bool
	where    string // for messages
}

// sdistExts are the source archive endings pyshim builds.
var sdistExts = []string{".tar.gz", ".tgz", ".tar.bz2", ".tar", ".zip", ".tar.xz"}

func isSdist(p string) bool {
	lower := strings.ToLower(p)
	for _, ext := range sdistExts {
		if strings.HasSuffix(lower, ext) {
			return true
		}
	}
	return false
}

// splitExtras splits "path[a,b]" into the path and its extras.
func splitExtras(s string) (string, []string) {
	if !strings.HasSuffix(s, "]") {
		return s, nil
	}
	i := strings.LastIndexByte(s, '[')
	if i < 0 {
		return s, nil
	}
	var extras []string
	for _, e := range strings.Split(s[i+1:len(s)-1], ",") {
		if e = strings.TrimSpace(e); e != "" {
			extras = append(extras, e)
		}
	}
	return s[:i], extras
}

// parseLocal reads arg as a local source: a directory or sdist path (with
// optional [extras]), a git+ URL, or a PEP 508 "name @ URL" whose URL is
// a file:// directory or sdist or a git+ URL. ok is false for anything
// else (a requirement or a wheel, which the installer takes as it is).
func parseLocal(arg, cwd string, editable bool) (*localSource, bool, error) {
	where := arg
	if strings.HasPrefix(arg, "git+") && !strings.Contains(arg, " @ ") {
		s, err := parseGit(arg, "", where)
		return s, err == nil, err
	}
	if r, err := pep508.ParseRequirement(arg); err == nil && r.URL != "" {
		s, ok, err := localURL(r.URL, where)
		if ok {
			s.name, s.extras, s.marker = r.NormalizedName(), r.Extras, r
		}
		return s, ok, err
	}
	if strings.HasPrefix(arg, "file:") {
		return localURL(arg, where)
	}
	p, extras := splitExtras(arg)
	if strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			p = filepath.Join(home, p[2:])
		}
	}
	p = absPath(p, cwd)
	fi, err := os.Stat(p)
	switch {
	case err == nil && fi.IsDir():
		return &localSource{kind: "dir", path: p, extras: extras, where: where}, true, nil
	case isSdist(p) && !editable:
		if err != nil {
			return nil, true, fmt.Errorf("the source distribution %s does not exist", p)
		}
		return &localSource{kind: "archive", path: p, extras: extras, where: where}, true, nil
	case editable:
		return nil, true, fmt.Errorf("-e %s: not a project directory (editable installs take a directory with pyproject.toml or setup.py)", arg)
	case looksLikePath(arg) && !strings.HasSuffix(strings.ToLower(p), ".whl"):
		return nil, true, fmt.Errorf("%s: no such directory or source distribution", p)
	}
	return nil, false, nil
}

// looksLikePath reports whether arg is written as a path rather than as a
// requirement.
func looksLikePath(arg string) bool {
	return strings.HasPrefix(arg, ".") || strings.HasPrefix(arg, "/") || strings.HasPrefix(arg, "~") || strings.Contains(arg, string(filepath.Separator))
}

// localURL reads a direct reference's URL as a local source.
func localURL(raw, where string) (*localSource, bool, error) {
	if strings.HasPrefix(raw, "git+") {
		s, err := parseGit(raw, "", where)
		return s, err == nil, err
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "file" {
		return nil, false, nil
	}
	p := filepath.FromSlash(u.Path)
	fi, err := os.Stat(p)
	switch {
	case err == nil && fi.IsDir():
		return &localSource{kind: "dir", path: p, where: where}, true, nil
	case isSdist(p):
		if err != nil {
			return nil, true, fmt.Errorf("%s: the source distribution %s does not exist", where, p)
		}
		return &localSource{kind: "archive", path: p, where: where}, true, nil
	}
	return nil, false, nil
}

// parseGit reads "git+URL[@REV][#egg=NAME&subdirectory=DIR]".
func parseGit(raw, _ string, where string) (*localSource, error) {
	rest := strings.TrimPrefix(raw, "git+")
	rest, frag, _ := strings.Cut(rest, "#")
	s := &localSource{kind: "git", where: where}
	u, err := url.Parse(rest)
	if err != nil {
		return nil, fmt.Errorf("%s: invalid URL: %w", where, err)
	}
	if i := strings.LastIndexByte(u.Path, '@'); i >= 0 {
		s.rev = u.Path[i+1:]
		u.Path = u.Path[:i]
	}
	switch u.Scheme {
	case "file", "http", "https", "ssh", "git":
	default:
		return nil, fmt.Errorf("%s: git URLs must be git+file://, git+https://, git+ssh:// or git+git://", where)
	}
	s.repo = u.String()
	if frag != "" {
		q, err := url.ParseQuery(frag)
		if err != nil {
			return nil, fmt.Errorf("%s: invalid #fragment: %w", where, err)
		}
		s.subdir = q.Get("subdirectory")
		if egg := q.Get("egg"); egg != "" {
			n, extras := splitExtras(egg)
			s.name, s.extras = pep508.NormalizeName(n), extras
		}
	}
	return s, nil
}

// buildLocal builds s and returns the requirement that installs the built
// wheel, recording where it came from.
func buildLocal(ctx context.Context, b *build.Builder, t *installer.Target, s *localSource) (*build.Built, installer.Requirement, error) {
	var bl *build.Built
	var err error
	switch s.kind {
	case "dir":
		bl, err = b.Directory(ctx, t, s.path, s.editable)
	case "archive":
		bl, err = b.Archive(ctx, t, s.path)
	case "git":
		bl, err = b.Git(ctx, t, s.repo, s.rev, s.subdir)
	}
	if err != nil {
		return nil, installer.Requirement{}, err
	}
	if s.name != "" && s.name != bl.Name {
		bl.Cleanup()
		return nil, installer.Requirement{}, fmt.Errorf("%s is a project named %s, not %s", s.where, bl.Name, s.name)
	}
	text := bl.Name
	if len(s.extras) > 0 {
		text += "[" + strings.Join(s.extras, ",") + "]"
	}
	text += " @ " + (&url.URL{Scheme: "file", Path: filepath.ToSlash(bl.Wheel)}).String()
	if s.marker != nil && s.marker.Marker != nil {
		text += " ; " + s.marker.Marker.String()
	}
	r, err := pep508.ParseRequirement(text)
	if err != nil {
		bl.Cleanup()
		return nil, installer.Requirement{}, fmt.Errorf("%s: %w", s.where, err)
	}
	return bl, installer.Requirement{Req: r, DirectURL: bl.DirectURL, Where: s.where}, nil
}

// projectRequirements reads -r pyproject.toml: the [project] dependencies
// with the extras asked for, and the dependency groups.
// Without withProject only the groups are read.
func projectRequirements(path string, withProject bool, extras []string, allExtras bool, groups []string) ([]installer.Requirement, error) {
	p, err := pyproject.Read(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	var texts []string
	if withProject {
		if texts, err = p.Requirements(extras, allExtras); err != nil {
			return nil, err
		}
	}
	for _, g := range groups {
		deps, err := p.Group(g)
		if err != nil {
			return nil, err
		}
		texts = append(texts, deps...)
	}
	var out []installer.Requirement
	for _, t := range texts {
		r, err := pep508.ParseRequirement(t)
		if err != nil {
			return nil, fmt.Errorf("%s: invalid requirement %q: %s", path, t, firstLine(err.Error()))
		}
		out = append(out, installer.Requirement{Req: r, Where: path})
	}
	return out, nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// spinner shows "Building foo==1.0 ..." on a terminal while a build runs
// (elsewhere, with -v, one line per build).
type spinner struct {
	w       io.Writer
	on      bool
	verbose bool
	mu      sync.Mutex
	stop    chan struct{}
	done    chan struct{}
}

func newSpinner(w io.Writer, quiet, verbose bool) *spinner {
	s := &spinner{w: w, verbose: verbose && !quiet}
	if f, ok := w.(*os.File); ok && !quiet {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			s.on = true
		}
	}
	return s
}

// status starts the line for what, or clears it when what is "".
func (s *spinner) status(what string) {
	if !s.on {
		if s.verbose && what != "" {
			fmt.Fprintf(s.w, "Building %s ...\n", what)
		}
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stop != nil {
		close(s.stop)
		<-s.done
		s.stop = nil
		fmt.Fprint(s.w, "\r\033[K")
	}
	if what == "" {
		return
	}
	s.stop, s.done = make(chan struct{}), make(chan struct{})
	go func(stop, done chan struct{}) {
		defer close(done)
		frames := `|/-\`
		tick := time.NewTicker(120 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			fmt.Fprintf(s.w, "\r\033[K%c Building %s ...", frames[i%len(frames)], what)
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}(s.stop, s.done)
}
