// Package wheel installs wheels (PEP 427, the binary distribution format)
// into an install scheme natively: RECORD verified and rewritten, .data
// directories, console and GUI script launchers, INSTALLER, REQUESTED and
// direct_url.json, upgrades and uninstalls. A wheel is unpacked once
// (Unpack, into a content-addressed cache directory) and then linked or
// copied into place (InstallUnpacked); Install does both for one file.
//
// Crash safety: every file lands through a temporary name and a rename,
// and the dist-info directory is staged beside its final place and renamed
// in last, so an install that is killed never looks installed.
package wheel

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pyshim/pyshim/internal/fsutil"
)

// Scheme holds the absolute directories a wheel installs into, from the
// interpreter's venv scheme (see VenvScheme).
type Scheme struct {
	Purelib string
	Platlib string
	// Headers is the directory under which each distribution's headers go
	// into a directory of its own name (pip's and uv's
	// <venv>/include/site/pythonX.Y/<name>).
	Headers string
	Scripts string
	// Data is the scheme's data directory, the venv itself. Nothing is ever
	// written or removed outside it or the other directories.
	Data string
}

// LinkMode says how files get from an unpacked directory into place.
type LinkMode int

const (
	// Copy copies every file, hashing it against RECORD as it goes.
	Copy LinkMode = iota
	// Hardlink links files, falling back to Copy when linking fails
	// (another file system, too many links). Installed files then share
	// their inode with the unpacked directory.
	Hardlink
	// Reflink clones files (FICLONE on Linux: btrfs, xfs), falling back to
	// Hardlink, then Copy. Once a fallback was needed, the rest of that
	// install uses it directly.
	Reflink
)

func (m LinkMode) String() string {
	switch m {
	case Copy:
		return "copy"
	case Hardlink:
		return "hardlink"
	case Reflink:
		return "reflink"
	}
	return fmt.Sprintf("LinkMode(%d)", int(m))
}

// Options tune one install.
type Options struct {
	// Python is the absolute path written into script #! lines: the venv's
	// bin/python. Default: Scheme.Scripts/python.
	Python string
	// PythonVersion ("3.12") enables pip's versioned names for pip's and
	// setuptools' own scripts (pip, pip3, pip3.12; easy_install-3.12), as
	// pip and ensurepip install them. Empty: scripts are named as the wheel
	// says.
	PythonVersion string
	// Installer is written to INSTALLER; default "pyshim".
	Installer string
	// Requested writes REQUESTED (the user asked for this distribution,
	// it is not only a dependency).
	Requested bool
	// DirectURL is the content of direct_url.json (PEP 610), nil for none.
	DirectURL []byte
	// Link is how InstallUnpacked places files. Install always moves the
	// files of its own private unpack.
	Link LinkMode
}

// Installed describes an installed (or uninstalled) distribution.
type Installed struct {
	Name    string // from METADATA, as the project spells it
	Version string
	// DistInfo is the absolute path of the .dist-info directory.
	DistInfo string
	// Files are the absolute paths of every file written (or removed),
	// sorted; the dist-info's files included.
	Files []string
}

// check refuses a scheme with missing or relative directories.
func (s Scheme) check(needHeaders bool) error {
	dirs := []struct{ name, dir string }{{"Purelib", s.Purelib}, {"Platlib", s.Platlib}, {"Scripts", s.Scripts}, {"Data", s.Data}}
	if needHeaders {
		dirs = append(dirs, struct{ name, dir string }{"Headers", s.Headers})
	}
	for _, d := range dirs {
		if d.dir == "" || !filepath.IsAbs(d.dir) {
			return fmt.Errorf("install scheme directory %s is %q; it must be an absolute path", d.name, d.dir)
		}
	}
	return nil
}

// roots are the directories nothing may be written or removed outside of.
func (s Scheme) roots() []string {
	var out []string
	for _, d := range []string{s.Data, s.Purelib, s.Platlib, s.Scripts, s.Headers} {
		if d != "" {
			out = append(out, filepath.Clean(d))
		}
	}
	return out
}

func (s Scheme) contains(p string) bool { return withinAny(s.roots(), p) }

// withinAny reports whether the clean path p is inside one of dirs.
func withinAny(dirs []string, p string) bool {
	for _, d := range dirs {
		if isWithin(d, p) {
			return true
		}
	}
	return false
}

// Install installs the wheel file at wheelPath. It unpacks it into a
// private temporary directory inside s.Purelib (verifying RECORD) and moves
// the files into place; nothing is written outside the scheme.
func Install(ctx context.Context, wheelPath string, s Scheme, o Options) (*Installed, error) {
	if err := s.check(false); err != nil {
		return nil, err
	}
	base := filepath.Base(wheelPath)
	fn, err := ParseFilename(base)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(s.Purelib, 0o755); err != nil {
		return nil, fmt.Errorf("installing %s: %w", base, err)
	}
	tmp, err := os.MkdirTemp(s.Purelib, ".pyshim-unpack-*")
	if err != nil {
		return nil, fmt.Errorf("installing %s: %w", base, err)
	}
	defer os.RemoveAll(tmp)
	if err := unpackTo(ctx, wheelPath, tmp); err != nil {
		return nil, err
	}
	p, err := plan(tmp, fn.Normalized(), s, o)
	if err != nil {
		return nil, fmt.Errorf("installing %s: %w", base, err)
	}
	inst, err := p.install(ctx, &placer{move: true})
	if err != nil {
		return nil, fmt.Errorf("installing %s: %w", base, err)
	}
	return inst, nil
}

// InstallUnpacked installs a wheel that Unpack extracted into unpackedDir,
// placing files by o.Link. The files RECORD lists are checked to be
// regular files of RECORD's size before anything is written, and hashed
// again when they are copied; linked files are trusted to be what Unpack
// verified. unpackedDir is not modified.
func InstallUnpacked(ctx context.Context, unpackedDir string, s Scheme, o Options) (*Installed, error) {
	p, err := PlanUnpacked(unpackedDir, s, o)
	if err != nil {
		return nil, err
	}
	return p.Install(ctx)
}

// Planned is a wheel unpacked by Unpack, checked and mapped onto a scheme
// by PlanUnpacked, with nothing written yet. An installer can plan the
// wheels it expects to install while it is still deciding, and install
// the plans it keeps.
type Planned struct {
	src          string
	s            Scheme
	o            Options
	w            *wheelInfo
	libDir       string
	files, dists []item
	// missing are the directories files need that did not exist when
	// planned (checkLayout).
	missing map[string]bool
}

// PlanUnpacked reads the wheel Unpack extracted into unpackedDir and plans
// its install into s with o (see InstallUnpacked); it writes nothing.
func PlanUnpacked(unpackedDir string, s Scheme, o Options) (*Planned, error) {
	if err := s.check(false); err != nil {
		return nil, err
	}
	p, err := plan(unpackedDir, "", s, o)
	if err != nil {
		return nil, fmt.Errorf("installing %s: %w", filepath.Base(unpackedDir), err)
	}
	return p, nil
}

// Files is the number of files the plan places.
func (p *Planned) Files() int { return len(p.files) + len(p.dists) }

// Options are the options the plan was made with.
func (p *Planned) Options() Options { return p.o }

// WithLink is the plan with files placed by link instead (how files are
// placed does not change the plan).
func (p *Planned) WithLink(link LinkMode) *Planned {
	q := *p
	q.o.Link = link
	return &q
}

// Install carries out the plan: the wheel's files are placed by the plan's
// Options.Link, an older version of the distribution is removed, and the
// dist-info directory appears last.
func (p *Planned) Install(ctx context.Context) (*Installed, error) {
	inst, err := p.install(ctx, &placer{mode: p.o.Link})
	if err != nil {
		return nil, fmt.Errorf("installing %s: %w", filepath.Base(p.src), err)
	}
	return inst, nil
}

// projectNameRE is PEP 508's project name.
var projectNameRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(?i:[A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$`)
})

// item is one file to put in place.
type item struct {
	src    string      // absolute source path; "" for generated content
	dst    string      // absolute final path (for dist-info files: inside the final dist-info)
	entry  recordEntry // the wheel's RECORD entry (Hash "" for generated)
	script bool        // a script: written (not linked) with mode 0755
	// shebang replaces a "#!python" first line of a .data/scripts file.
	shebang string
	data    []byte // generated content (launchers)
}

// wheelInfo is what install reads from an unpacked wheel.
type wheelInfo struct {
	distInfo, dataDir string
	name, version     string
	purelib           bool
	record            []recordEntry
	entryPoints       []entryPoint
}

func readWheel(src, want string) (*wheelInfo, error) {
	marker, err := os.ReadFile(filepath.Join(src, distInfoMarker))
	if err != nil {
		return nil, fmt.Errorf("%v; the unpacked wheel is incomplete, unpack it again", err)
	}
	distInfo, err := findDistInfo([]string{string(marker)}, want)
	if err != nil {
		return nil, err
	}
	w := &wheelInfo{distInfo: distInfo, dataDir: strings.TrimSuffix(distInfo, ".dist-info") + ".data"}
	w.name, w.version, _ = splitDistInfo(distInfo)
	read := func(name string) ([]byte, error) {
		p := MemberPath(src, distInfo+"/"+name)
		if _, err := lstatRegular(p); err != nil {
			return nil, err
		}
		return os.ReadFile(p)
	}
	data, err := read("WHEEL")
	if err != nil {
		return nil, fmt.Errorf("reading WHEEL: %v; the wheel is incomplete", err)
	}
	if w.purelib, err = checkWheelFile(data); err != nil {
		return nil, err
	}
	if data, err = read("RECORD"); err != nil {
		return nil, fmt.Errorf("reading RECORD: %v; the wheel is incomplete", err)
	}
	if w.record, err = parseRecord(data); err != nil {
		return nil, err
	}
	if data, err = read("METADATA"); err == nil {
		h := headerFields(data)
		if h["name"] != "" && h["version"] != "" {
			w.name, w.version = h["name"], h["version"]
		}
	}
	if data, err = read("entry_points.txt"); err == nil {
		if w.entryPoints, err = parseEntryPoints(data); err != nil {
			return nil, err
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("reading entry_points.txt: %v", err)
	}
	return w, nil
}

// plan maps every RECORD entry of the unpacked wheel to its destination
// and checks its source, then adds the script launchers. Nothing is
// written.
func (w *wheelInfo) plan(src string, s Scheme, o Options) (libDir string, files, dist []item, missing map[string]bool, err error) {
	libDir = s.Platlib
	if w.purelib {
		libDir = s.Purelib
	}
	libDir = filepath.Clean(libDir)
	finalDist := filepath.Join(libDir, w.distInfo)
	roots := s.roots()
	byDst := make(map[string]int, len(w.record))
	files = make([]item, 0, len(w.record))
	members := openDirStater(src)
	defer members.close()
	for _, e := range w.record {
		if err := checkRelPath(e.Path); err != nil {
			return "", nil, nil, nil, fmt.Errorf("refusing it: RECORD lists %v", err)
		}
		if err := classifyMember(e.Path, w.distInfo, w.dataDir); err != nil {
			return "", nil, nil, nil, err
		}
		top, rest, _ := strings.Cut(e.Path, "/")
		if top == w.distInfo && isSignature(rest) && e.Hash == "" {
			continue
		}
		if e.Hash == "" {
			return "", nil, nil, nil, fmt.Errorf("refusing it: %s has no hash in RECORD; rebuild the wheel", e.Path)
		}
		if err := checkHashValue(e.Hash); err != nil {
			return "", nil, nil, nil, fmt.Errorf("refusing it: RECORD entry for %s: %v", e.Path, err)
		}
		name := memberName(e.Path)
		it := item{src: src + string(filepath.Separator) + name, entry: e}
		size, err := members.regularSize(it.src, name)
		if err != nil {
			return "", nil, nil, nil, fmt.Errorf("unpacked wheel is incomplete or altered (%v); unpack it again", err)
		}
		if e.Size >= 0 && size != e.Size {
			return "", nil, nil, nil, fmt.Errorf("unpacked %s is %d bytes, RECORD says %d; unpack the wheel again", e.Path, size, e.Size)
		}
		it.entry.Size = size
		if top == w.distInfo {
			if installerOwned(rest) {
				continue
			}
			it.dst = filepath.Join(finalDist, filepath.FromSlash(rest))
			dist = append(dist, it)
			continue
		}
		if top == w.dataDir {
			key, sub, _ := strings.Cut(rest, "/")
			sub = filepath.FromSlash(sub)
			switch key {
			case "scripts":
				it.dst, it.script = filepath.Join(s.Scripts, sub), true
			case "purelib":
				it.dst = filepath.Join(s.Purelib, sub)
			case "platlib":
				it.dst = filepath.Join(s.Platlib, sub)
			case "headers":
				if err := s.check(true); err != nil {
					return "", nil, nil, nil, err
				}
				if !projectNameRE().MatchString(w.name) {
					return "", nil, nil, nil, fmt.Errorf("refusing it: its name %q is not a valid project name, needed for its headers directory", w.name)
				}
				it.dst = filepath.Join(s.Headers, w.name, sub)
			case "data":
				it.dst = filepath.Join(s.Data, sub)
			}
		} else {
			it.dst = libDir + string(filepath.Separator) + filepath.FromSlash(e.Path)
		}
		if ancestorOrSame(finalDist, it.dst) {
			return "", nil, nil, nil, fmt.Errorf("refusing it: %s would be installed inside its own dist-info directory", e.Path)
		}
		if !withinAny(roots, it.dst) {
			return "", nil, nil, nil, fmt.Errorf("refusing it: %s would be installed outside the environment, at %s", e.Path, it.dst)
		}
		if j, dup := byDst[it.dst]; dup {
			return "", nil, nil, nil, fmt.Errorf("refusing it: %s and %s both install to %s", files[j].entry.Path, e.Path, it.dst)
		}
		byDst[it.dst] = len(files)
		files = append(files, it)
	}
	if len(w.entryPoints) > 0 || hasScripts(files) {
		python := o.Python
		if python == "" {
			python = filepath.Join(s.Scripts, "python")
		}
		sb, err := shebang(python)
		if err != nil {
			return "", nil, nil, nil, err
		}
		for i := range files {
			files[i].shebang = sb
		}
		for _, ep := range versionedScripts(w.entryPoints, o.PythonVersion) {
			it := item{dst: filepath.Join(s.Scripts, ep.Name), data: launcher(sb, ep), script: true}
			if j, dup := byDst[it.dst]; dup {
				files[j] = it // the entry point wins over a .data script, as with pip
				continue
			}
			byDst[it.dst] = len(files)
			files = append(files, it)
		}
	}
	missing, err = checkLayout(files, byDst, append(roots, libDir))
	if err != nil {
		return "", nil, nil, nil, err
	}
	if err := checkProtected(files, s, o); err != nil {
		return "", nil, nil, nil, err
	}
	return libDir, files, dist, missing, nil
}

// interpreterNameRE matches the names of the environment's own
// interpreter in its scripts directory (python, python3, python3.12,
// python3.13t, pypy3.10).
var interpreterNameRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(python|pypy)(\d+(\.\d+)?t?)?$`)
})

// checkProtected refuses a wheel that would replace the environment's own
// interpreter (a .data/scripts/python, or a console script named
// python3) or its pyvenv.cfg: pip would overwrite them and leave a venv
// whose python is the wheel's script.
func checkProtected(files []item, s Scheme, o Options) error {
	scripts, cfg := filepath.Clean(s.Scripts)+string(filepath.Separator), filepath.Join(s.Data, "pyvenv.cfg")
	for _, it := range files {
		// (dst is clean: a file of the scripts directory itself has no
		// separator after its prefix.)
		name, inScripts := strings.CutPrefix(it.dst, scripts)
		inScripts = inScripts && !strings.ContainsRune(name, filepath.Separator)
		if (inScripts && (interpreterNameRE().MatchString(name) || it.dst == o.Python)) || it.dst == cfg {
			return fmt.Errorf("refusing it: %s would replace the environment's own %s", describe(it), it.dst)
		}
	}
	return nil
}

// checkLayout refuses, before anything is written, destinations that
// could not all be created: a file that another one needs as a directory
// ("pkg/x" and "pkg/x/y"), a file under something in the environment
// that is not a directory (".data/data/pyvenv.cfg/x"), or a file in place
// of one of the scheme's directories or their parents (".data/data/lib").
// It returns the directories the files need that do not exist yet, for
// placeAll to make (parents first, none in vain). It stats directories
// from the top down, and none below one that is missing: a new package
// of a thousand directories costs one stat, not a thousand. A file that
// would replace some other existing directory still fails only when it
// is placed.
func checkLayout(files []item, byDst map[string]int, roots []string) (missing map[string]bool, err error) {
	for _, it := range files {
		for _, r := range roots {
			if ancestorOrSame(it.dst, r) {
				return nil, fmt.Errorf("refusing it: %s would replace the directory %s with a file", describe(it), it.dst)
			}
		}
	}
	// exists[d]: d is known, and is a directory now (true) or is missing
	// (false); a directory that could not be stat'ed counts as one, and
	// placing under it says what is wrong.
	exists := map[string]bool{}
	missing = map[string]bool{}
	var chain []string
	for _, it := range files {
		// The unknown directories above the file, nearest first, up to
		// the first known one.
		chain = chain[:0]
		d, _ := splitDir(it.dst)
		isDir, known := false, false
		for {
			if isDir, known = exists[d]; known {
				break
			}
			if j, ok := byDst[d]; ok {
				return nil, fmt.Errorf("refusing it: %s needs %s as a directory, but the wheel installs a file there (%s)", describe(it), d, describe(files[j]))
			}
			chain = append(chain, d)
			parent, _ := splitDir(d)
			if parent == d {
				isDir = true // the file system's root
				break
			}
			d = parent
		}
		// Down from there: stat while the parent exists.
		for i := len(chain) - 1; i >= 0; i-- {
			d := chain[i]
			if !isDir {
				exists[d], missing[d] = false, true
				continue
			}
			st, err := os.Stat(d)
			switch {
			case err == nil && !st.IsDir():
				return nil, fmt.Errorf("refusing it: %s would be installed under %s, which is a file in the environment, not a directory", describe(it), d)
			case err != nil && errors.Is(err, os.ErrNotExist):
				exists[d], missing[d], isDir = false, true, false
			default:
				exists[d] = true
			}
		}
	}
	return missing, nil
}

// describe names an item for messages: its RECORD path, or the script it
// is the launcher of.
func describe(it item) string {
	if it.entry.Path != "" {
		return it.entry.Path
	}
	return "the script " + filepath.Base(it.dst)
}

func hasScripts(files []item) bool {
	for _, f := range files {
		if f.script {
			return true
		}
	}
	return false
}

// plan reads the unpacked wheel in src (want: its normalised name, "" to
// take the only dist-info there) and plans its install.
func plan(src, want string, s Scheme, o Options) (*Planned, error) {
	w, err := readWheel(src, want)
	if err != nil {
		return nil, err
	}
	libDir, files, dists, missing, err := w.plan(src, s, o)
	if err != nil {
		return nil, err
	}
	return &Planned{src: src, s: s, o: o, w: w, libDir: libDir, files: files, dists: dists, missing: missing}, nil
}

// install carries out p, placing files with pl.
func (p *Planned) install(ctx context.Context, pl *placer) (*Installed, error) {
	w, s, o, libDir, files, dist := p.w, p.s, p.o, p.libDir, p.files, p.dists
	// Everything about the old installs is checked before the first write.
	olds, err := findInstalled(s, NormalizeName(w.name))
	if err != nil {
		return nil, err
	}
	var removals []*removal
	for _, old := range olds {
		r, err := prepareRemoval(s, old)
		if err != nil {
			return nil, err
		}
		removals = append(removals, r)
	}

	n := len(files) + len(dist) + 4 // and INSTALLER, REQUESTED, direct_url.json, RECORD
	inst := &Installed{Name: w.name, Version: w.version, DistInfo: filepath.Join(libDir, w.distInfo), Files: make([]string, 0, n)}
	rows := make([]recordEntry, 0, n)
	libPrefix := libDir + string(filepath.Separator)
	relToLib := func(p string) string {
		if rest, ok := strings.CutPrefix(p, libPrefix); ok {
			return filepath.ToSlash(rest)
		}
		rel, err := filepath.Rel(libDir, p)
		if err != nil {
			return filepath.ToSlash(p)
		}
		return filepath.ToSlash(rel)
	}
	made := map[string]bool{}
	mkdir := func(d string) error {
		if made[d] {
			return nil
		}
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
		made[d] = true
		return nil
	}
	placed, err := placeAll(ctx, pl, files, p.missing, localFS(libDir))
	if err != nil {
		return nil, err
	}
	for i, it := range files {
		e := placed[i]
		e.Path = relToLib(it.dst)
		rows = append(rows, e)
		inst.Files = append(inst.Files, it.dst)
	}

	// Stage the dist-info directory next to its final place.
	if err := mkdir(libDir); err != nil {
		return nil, err
	}
	stage, err := os.MkdirTemp(libDir, "."+w.distInfo+".pyshim-*")
	if err != nil {
		return nil, err
	}
	committed := false
	defer func() {
		if !committed {
			os.RemoveAll(stage)
		}
	}()
	if err := os.Chmod(stage, 0o755); err != nil {
		return nil, err
	}
	for _, it := range dist {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rel, _ := filepath.Rel(inst.DistInfo, it.dst)
		tmpDst := filepath.Join(stage, rel)
		if err := os.MkdirAll(filepath.Dir(tmpDst), 0o755); err != nil {
			return nil, err
		}
		e, err := placeItem(pl, it, tmpDst)
		if err != nil {
			return nil, err
		}
		e.Path = w.distInfo + "/" + filepath.ToSlash(rel)
		rows = append(rows, e)
		inst.Files = append(inst.Files, it.dst)
	}
	installer := o.Installer
	if installer == "" {
		installer = "pyshim"
	}
	extra := []struct {
		name string
		data []byte
		on   bool
	}{
		{"INSTALLER", []byte(installer + "\n"), true},
		{"REQUESTED", nil, o.Requested},
		{"direct_url.json", o.DirectURL, o.DirectURL != nil},
	}
	for _, x := range extra {
		if !x.on {
			continue
		}
		if err := os.WriteFile(filepath.Join(stage, x.name), x.data, 0o644); err != nil {
			return nil, err
		}
		rows = append(rows, recordEntry{Path: w.distInfo + "/" + x.name, Hash: sha256Record(x.data), Size: int64(len(x.data))})
		inst.Files = append(inst.Files, filepath.Join(inst.DistInfo, x.name))
	}
	rows = append(rows, recordEntry{Path: w.distInfo + "/RECORD", Size: -1})
	if err := os.WriteFile(filepath.Join(stage, "RECORD"), formatRecord(rows), 0o644); err != nil {
		return nil, err
	}
	inst.Files = append(inst.Files, filepath.Join(inst.DistInfo, "RECORD"))

	// Upgrade: the old version's files that the new one did not replace go,
	// then its dist-info; then the new dist-info appears.
	var keep map[string]bool
	if len(removals) > 0 {
		keep = make(map[string]bool, len(inst.Files))
		for _, f := range inst.Files {
			keep[f] = true
		}
	}
	for _, r := range removals {
		if _, err := r.remove(ctx, s, keep); err != nil {
			return nil, err
		}
	}
	if err := os.Rename(stage, inst.DistInfo); err != nil {
		return nil, fmt.Errorf("putting %s in place: %v; is another install running in this environment?", w.distInfo, err)
	}
	committed = true
	sort.Strings(inst.Files)
	return inst, nil
}

// placeAll puts every file in place, creating their directories, and
// returns their RECORD entries (paths left for the caller) in files'
// order. Large wheels are placed by several workers, each with its own
// placer and a contiguous run of files (which mostly share directories):
// the work is system calls, which run in parallel. Files are placed in
// the order of their directories, so that each directory is made once
// and its descriptor opened once (RECORD order interleaves directories).
// local: the target is on a local file system, where links and mkdirs
// are made as raw system calls (see localFS).
func placeAll(ctx context.Context, pl *placer, files []item, missing map[string]bool, local bool) ([]recordEntry, error) {
	out := make([]recordEntry, len(files))
	dirOf := make([]string, len(files))
	order := make([]int, len(files))
	for i, it := range files {
		dirOf[i], _ = splitDir(it.dst)
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(dirOf[a], dirOf[b]) })
	// Workers take the files in runs of one directory's neighbours, the
	// next run whoever is free: a run of many small directories costs
	// more than one of many files, so fixed shares would leave one worker
	// busy long after the others.
	workers := min(runtime.GOMAXPROCS(0)*2, 1+len(files)/256)
	const run = 64
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := 0; w < workers; w++ {
		p := new(placer)
		*p = *pl
		p.buf = nil // each worker its own copy buffer
		wg.Add(1)
		go func() {
			defer wg.Done()
			pw := placeWorker{
				p: p, files: files, dirOf: dirOf, out: out,
				dirs: dirLinker{raw: local},
				made: dirMaker{missing: missing, made: map[string]bool{}, raw: local},
			}
			defer pw.dirs.close()
			for {
				lo := int(next.Add(run)) - run
				if lo >= len(order) {
					return
				}
				if err := pw.place(ctx, order[lo:min(lo+run, len(order))]); err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// placeWorker is one worker of placeAll: the files, their directories
// and the RECORD entries to fill in are shared (each index is one
// worker's), the rest is its own.
type placeWorker struct {
	p       *placer
	files   []item
	dirOf   []string
	out     []recordEntry
	dirs    dirLinker
	made    dirMaker
	lastDir string
}

// place places the files that order names.
func (w *placeWorker) place(ctx context.Context, order []int) error {
	p := w.p
	for _, i := range order {
		if err := ctx.Err(); err != nil {
			return err
		}
		it, d := w.files[i], w.dirOf[i]
		if d != w.lastDir {
			if err := w.made.ensure(d); err != nil {
				return err
			}
			w.lastDir = d
		}
		// Hard links, the usual case, go by directory descriptors: no
		// walk of two long paths per file.
		if p.mode == Hardlink && !p.noHardlink && !p.move && !it.script {
			if w.dirs.link(it.src, it.dst) {
				w.out[i] = recordEntry{Hash: it.entry.Hash, Size: it.entry.Size}
				continue
			}
			// Perhaps a directory that existed when planned is gone: make
			// it, and let placeItem say what else is wrong.
			if err := mkdirs(d); err != nil {
				return err
			}
		}
		e, err := placeItem(p, it, it.dst)
		if err != nil {
			return err
		}
		w.out[i] = e
	}
	return nil
}

// dirMaker makes the directories a plan found missing, each parent before
// its children, so that no mkdir fails for a missing parent or is spent on
// a directory that exists. It is one worker's: made is its own, missing
// is the plan's and only read.
type dirMaker struct {
	missing map[string]bool
	made    map[string]bool
	raw     bool // the directories are on a local file system (see localFS)
}

// ensure makes d, and its missing parents first, unless the plan found
// it there already. Another worker making the same directory at the same
// time is no error.
func (m *dirMaker) ensure(d string) error {
	if !m.missing[d] || m.made[d] {
		return nil
	}
	if parent, _ := splitDir(d); parent != d {
		if err := m.ensure(parent); err != nil {
			return err
		}
	}
	if err := makeDir(d, m.raw); err != nil {
		if err := mkdirs(d); err != nil { // says what is wrong
			return err
		}
	}
	m.made[d] = true
	return nil
}

// placeItem puts one item at dst and returns its RECORD entry (path left
// for the caller).
func placeItem(pl *placer, it item, dst string) (recordEntry, error) {
	if it.script {
		data := it.data
		if it.src != "" {
			// A .data/scripts file: read, verify, rewrite #!python.
			raw, err := os.ReadFile(it.src)
			if err != nil {
				return recordEntry{}, err
			}
			v, err := newVerifier(it.entry)
			if err != nil {
				return recordEntry{}, err
			}
			v.Write(raw)
			if err := v.check(); err != nil {
				return recordEntry{}, fmt.Errorf("%s: %v; unpack the wheel again", it.entry.Path, err)
			}
			data, _ = fixScript(raw, it.shebang)
		}
		if err := fsutil.WriteFileAtomic(dst, data, 0o755); err != nil {
			return recordEntry{}, err
		}
		return recordEntry{Hash: sha256Record(data), Size: int64(len(data))}, nil
	}
	if err := pl.place(it.src, dst, it.entry); err != nil {
		return recordEntry{}, fmt.Errorf("%s: %w", it.entry.Path, err)
	}
	return recordEntry{Hash: it.entry.Hash, Size: it.entry.Size}, nil
}
