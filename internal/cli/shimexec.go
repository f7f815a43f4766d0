package cli

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pyshim/pyshim/internal/fsutil"
	"github.com/pyshim/pyshim/plugins/sdk/interp"
	"github.com/pyshim/pyshim/plugins/system"
	"github.com/pyshim/pyshim/resolver"
	"github.com/pyshim/pyshim/shim"
)

// shimExecPackage is the main package of the shim binary, as its build
// info records it: a file with this build info is a shim whatever its
// name or inode (a copy of pyshim-exec).
const shimExecPackage = "github.com/pyshim/pyshim/cmd/pyshim-exec"

// shimsMarker marks a directory as a pyshim shims directory, whose
// console-script shims pyshim keeps up to date.
const shimsMarker = ".pyshim-shims"

// lockWait bounds how long a resolution waits for a concurrent one of the
// same key before going on by itself.
const lockWait = 10 * time.Second

// resolveExecMain is `pyshim __resolve-exec SHIM_EXE ARGV0 [ARGS...]`,
// which pyshim-exec runs on a cache miss. It resolves, writes the cache
// entry and execs the interpreter; it returns only on failure.
func resolveExecMain(ctx context.Context, args []string) int {
	err := resolveExec(ctx, args, os.Stderr)
	fmt.Fprintln(os.Stderr, "pyshim:", strings.TrimRight(err.Error(), "\n"))
	var se *shim.ExitError
	if errors.As(err, &se) {
		return se.Code
	}
	return exitCode(err)
}

func resolveExec(ctx context.Context, args []string, stderr io.Writer) error {
	start := time.Now()
	if len(args) < 2 {
		return &exitError{code: 2, err: fmt.Errorf("usage: pyshim %s SHIM_EXE ARGV0 [ARGS...] (pyshim-exec runs this; run a shim instead)", shim.ResolveArg)}
	}
	shimExe, argv0, userArgs := args[0], args[1], args[2:]
	cmd := shim.Classify(filepath.Base(argv0))
	if cmd.Mode == shim.ModeSelf {
		return &exitError{code: 2, err: fmt.Errorf("%s is pyshim's shim binary: run it through a link such as python3 (`pyshim shims install` makes them)", shim.ExecName)}
	}
	a, err := newApp(ctx)
	if err != nil {
		return &exitError{code: 127, err: fmt.Errorf("%s: %w", cmd.Name, err)}
	}
	if fileExists(shimExe) {
		a.host.ShimExe = shimExe
	}
	debug := a.env[shim.DebugEnv] == "1"
	hops := shim.Hops(a.getenv)
	environ := os.Environ()
	// What the resolution itself starts (interpreter-info queries) must
	// not come back through a shim into another resolution: a shim
	// reached from here stops at once. The final exec uses environ.
	if err := os.Setenv(shim.HopsEnv, strconv.Itoa(shim.MaxHops)); err != nil {
		return &exitError{code: 127, err: fmt.Errorf("%s: %w", cmd.Name, err)}
	}

	dir := shim.CacheDir(a.getenv)
	key, project := shim.Key(shim.KeyInputs{Name: cmd.Name, Cwd: a.cwd, Getenv: a.getenv})
	unlock := func() {}
	if dir != "" && hops <= 1 {
		// One resolution per key at a time: the others wait, then use its
		// entry. A resolution reached through another one (an info query
		// or a script that runs a shim: hops > 1) must not wait for the
		// lock its caller holds.
		unlock = lockKey(ctx, dir, key)
		if e, err := shim.Lookup(dir, key); err == nil {
			unlock()
			return execEntry(e, userArgs, environ, cmd.Name, hops)
		}
	}
	defer unlock()

	in := a.inputs("")
	in.Narrow = cmd.Narrow
	res := a.resolver().Resolve(ctx, in)
	a.shimWarnings(res, stderr)
	if res.Err != nil {
		return &exitError{code: 127, err: fmt.Errorf("%s: %w", cmd.Name, res.Err)}
	}
	t, err := shimTarget(cmd, res)
	if err != nil {
		return err
	}
	if err := a.checkNotShim(cmd.Name, t.File, res.Chosen); err != nil {
		return err
	}
	final := isFinal(t.File)
	a.refreshShims(res.Chosen, argv0, shimExe)

	if dir != "" {
		skip := a.shimDirs(argv0, shimExe)
		if why := a.writeEntry(dir, key, cmd, t, final, res, project, skip, start); why != "" && debug {
			fmt.Fprintf(stderr, "pyshim: not cached: %s\n", why)
		}
	}
	unlock()
	env := environ
	if final {
		env, _ = shim.HopsFor(environ, hops, true, cmd.Name)
	}
	return &exitError{code: 126, err: t.Exec(userArgs, env)}
}

// execEntry runs a cached entry (found after waiting for the lock).
func execEntry(e *shim.Entry, userArgs, environ []string, name string, hops int) error {
	env := environ
	if e.Final {
		env, _ = shim.HopsFor(environ, hops, true, name)
	}
	return &exitError{code: 126, err: e.Target.Exec(userArgs, env)}
}

// lockKey takes an exclusive lock for key under dir and returns its
// release. Past lockWait (or ctx's end) it gives up and returns a no-op:
// a stuck resolution must not stop the others.
func lockKey(ctx context.Context, dir, key string) func() {
	noop := func() {}
	if err := fsutil.MkdirAllPrivate(dir); err != nil {
		return noop
	}
	f, err := os.OpenFile(filepath.Join(dir, key+".lock"), os.O_CREATE|os.O_RDWR, fsutil.PrivateFile)
	if err != nil {
		return noop
	}
	fd := int(f.Fd())
	done := make(chan error, 1)
	go func() { done <- syscall.Flock(fd, syscall.LOCK_EX) }()
	timer := time.NewTimer(lockWait)
	defer timer.Stop()
	select {
	case err := <-done:
		if err != nil {
			f.Close()
			return noop
		}
		return func() { f.Close() }
	case <-timer.C:
	case <-ctx.Done():
	}
	// Leave f open: the blocked flock still refers to it, and the exec
	// that follows closes it.
	return noop
}

// shimTarget works out what to exec for the shim command.
func shimTarget(cmd shim.Command, res *resolver.Result) (shim.Target, error) {
	in := res.Chosen
	t := shim.Target{File: in.Exe, Env: in.Env, Chdir: in.Chdir}
	argv0 := in.Argv0
	if argv0 == "" {
		argv0 = in.Exe
	}
	t.Argv = append([]string{argv0}, in.Args...)
	switch cmd.Mode {
	case shim.ModeModule:
		t.Argv = append(t.Argv, "-m", cmd.Module)
	case shim.ModeScript:
		p := filepath.Join(filepath.Dir(in.Path), cmd.Name)
		if !isExecutable(p) {
			return t, &exitError{code: 127, err: commandNotFound(cmd.Name, res)}
		}
		t = shim.Target{File: p, Argv: []string{p}}
	}
	return t, nil
}

// commandNotFound is pyenv's helpful error: the command is not in the
// selected interpreter's bin directory; these interpreters have it.
func commandNotFound(name string, res *resolver.Result) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: command not found\n", name)
	var have []string
	seen := map[string]bool{}
	for _, r := range res.Reports {
		for _, c := range r.Result.Candidates {
			bin := filepath.Dir(c.Path)
			if seen[bin] || !isExecutable(filepath.Join(bin, name)) {
				continue
			}
			seen[bin] = true
			label := fmt.Sprintf("%s (%s, %s)", orDash(c.Version), c.Source, bin)
			if c.Source == "pyenv" && len(c.Names) > 0 {
				label = c.Names[0]
			}
			have = append(have, label)
		}
	}
	if len(have) > 0 {
		fmt.Fprintf(&b, "\nThe `%s' command exists in these Python versions:\n", name)
		for _, h := range have {
			fmt.Fprintf(&b, "  %s\n", h)
		}
	}
	c := res.Chosen
	fmt.Fprintf(&b, "\nThe selected interpreter is %s %s (%s, set by %s); choose another with `pyshim pin VERSION` or PYSHIM_PYTHON.",
		orDash(c.Version), c.Path, c.Source, res.Level.Origin)
	return errors.New(b.String())
}

// checkNotShim refuses to exec one of pyshim's own shims: the same file
// as the shim binary, or any copy of it (recognised by its build info).
func (a *app) checkNotShim(name, file string, in *interp.Interpreter) error {
	same := false
	if a.host.ShimExe != "" {
		x, err1 := os.Stat(file)
		y, err2 := os.Stat(a.host.ShimExe)
		same = err1 == nil && err2 == nil && os.SameFile(x, y)
	}
	if !same && !isShimBinary(file) {
		return nil
	}
	return &exitError{code: 127, err: fmt.Errorf("%s: loop: the selected interpreter %s is pyshim's own shim (%s); point the request at a real interpreter (see `pyshim which --explain`)", name, in.Path, file)}
}

// isShimBinary reports whether file is a Go binary built from pyshim-exec.
func isShimBinary(file string) bool {
	bi, err := buildinfo.ReadFile(file)
	return err == nil && bi.Path == shimExecPackage
}

// isFinal reports whether exec'ing file surely starts an interpreter that
// does not come back to a shim: a binary, or a script whose #! line names
// a python by absolute path. Other scripts (`#!/usr/bin/env python3`, a
// shell wrapper) might run a shim again, so the hop counter stays.
func isFinal(file string) bool {
	f, err := os.Open(file)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 256)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	for _, magic := range [][]byte{{0x7f, 'E', 'L', 'F'}, {0xcf, 0xfa, 0xed, 0xfe}, {0xce, 0xfa, 0xed, 0xfe}, {0xca, 0xfe, 0xba, 0xbe}} {
		if bytes.HasPrefix(head, magic) {
			return true
		}
	}
	rest, ok := bytes.CutPrefix(head, []byte("#!"))
	if !ok {
		return false
	}
	line, _, _ := bytes.Cut(rest, []byte("\n"))
	fields := strings.Fields(string(line))
	if len(fields) == 0 || !filepath.IsAbs(fields[0]) {
		return false
	}
	base := filepath.Base(fields[0])
	return strings.HasPrefix(base, "python") || strings.HasPrefix(base, "pypy")
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// writeEntry caches the resolution. It returns why it did not, or "".
func (a *app) writeEntry(dir, key string, cmd shim.Command, t shim.Target, final bool, res *resolver.Result, project, skip []string, start time.Time) string {
	for _, r := range res.Reports {
		if r.Err != nil {
			return fmt.Sprintf("plugin %s failed: %v", r.Spec.Name, r.Err)
		}
	}
	var files []shim.Fingerprint
	for _, p := range a.watchPaths(res, project, skip, t) {
		for _, f := range shim.Fingerprints(p) {
			if f.Racy(start) {
				return fmt.Sprintf("%s changed less than %s ago", p, shim.RacyWindow)
			}
			files = append(files, f)
		}
	}
	e := &shim.Entry{Key: key, Name: cmd.Name, Target: t, Final: final, Interp: *res.Chosen, Files: files}
	if err := shim.Write(dir, e); err != nil {
		return err.Error()
	}
	return ""
}

// watchPaths lists every file and directory whose change could change the
// answer: the project files found and the global ones, the paths the
// levels name, the plugins' watch paths, the plugins and pyshim
// themselves, and the target. Shims directories are left out: refreshing
// them changes no answer.
func (a *app) watchPaths(res *resolver.Result, project, shimDirs []string, t shim.Target) []string {
	var out []string
	seen := map[string]bool{}
	skip := map[string]bool{}
	for _, d := range shimDirs {
		skip[filepath.Clean(d)] = true
	}
	add := func(p string) {
		if p == "" || !filepath.IsAbs(p) {
			return
		}
		p = filepath.Clean(p)
		if !seen[p] && !skip[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, p := range project {
		add(p)
		if filepath.Base(p) == ".venv" {
			add(filepath.Join(p, "pyvenv.cfg"))
			add(filepath.Join(p, "bin"))
		}
	}
	for _, p := range shim.GlobalFiles(a.getenv) {
		add(p)
	}
	for _, l := range res.Levels {
		for _, e := range l.Entries {
			if !l.AllowPaths && !l.PathEntries[e] {
				continue
			}
			q, err := resolver.ParseRequest(e, l.RelTo)
			if err != nil || !q.IsPath() {
				continue
			}
			add(q.Path)
			add(filepath.Join(q.Path, "pyvenv.cfg"))
			add(filepath.Join(q.Path, "bin"))
		}
	}
	for _, r := range res.Reports {
		for _, w := range r.Result.Watch {
			add(w)
		}
		if !r.Spec.Builtin {
			add(r.Spec.Path)
		}
	}
	add(a.pluginsDir())
	for _, d := range filepath.SplitList(a.env["PATH"]) {
		add(d)
	}
	add(a.self)
	add(a.host.Self)
	c := res.Chosen
	if a.ownBinDir(c) {
		// A console script installed there must get its shim: the
		// resolution that follows this change refreshes them.
		add(filepath.Dir(c.Path))
	}
	for _, p := range append([]string{t.File, c.Path, c.Exe, c.Argv0, filepath.Join(filepath.Dir(filepath.Dir(c.Path)), "pyvenv.cfg")}, c.Wraps...) {
		add(p)
	}
	return out
}

func (a *app) pluginsDir() string {
	return filepath.Join(a.xdg("XDG_DATA_HOME", ".local/share"), "pyshim", "plugins")
}

// shimWarnings prints the warnings of the levels down to the deciding
// one, like warnLevels, except that the hint about an untrusted project
// .venv is printed once per directory.
func (a *app) shimWarnings(res *resolver.Result, stderr io.Writer) {
	for _, l := range res.Levels {
		for _, w := range l.Warnings {
			if filepath.Base(l.Origin) == ".venv" && len(l.Entries) == 0 && !a.firstVenvHint(filepath.Dir(l.Origin)) {
				continue
			}
			fmt.Fprintln(stderr, "pyshim: warning:", w)
		}
		if l.Name == res.Level.Name && l.Origin == res.Level.Origin {
			return
		}
	}
}

// venvHintsFile records the directories whose untrusted .venv has been
// pointed out.
func (a *app) venvHintsFile() string {
	return filepath.Join(a.xdg("XDG_STATE_HOME", ".local/state"), "pyshim", "venv-hints")
}

// firstVenvHint reports whether dir's untrusted .venv has not been
// pointed out yet, and records that it now is.
func (a *app) firstVenvHint(dir string) bool {
	p := a.venvHintsFile()
	data, _ := os.ReadFile(p)
	for _, line := range strings.Split(string(data), "\n") {
		if line == dir {
			return false
		}
	}
	data = append(data, []byte(dir+"\n")...)
	_ = fsutil.WriteFilePrivate(p, data)
	return true
}

// shimDirs lists the shims directories pyshim maintains: the configured
// one and the directory the shim was called from, when they carry the
// marker `pyshim shims install` leaves.
func (a *app) shimDirs(argv0, shimExe string) []string {
	cands := []string{a.shimsDir()}
	if d := invocationDir(argv0, shimExe, a.cwd, a.env["PATH"]); d != "" {
		cands = append(cands, d)
	}
	var out []string
	for _, d := range cands {
		if fileExists(filepath.Join(d, shimsMarker)) && !contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

// invocationDir finds the directory of the shim that was called as argv0:
// its directory when argv0 is a path, else the first PATH directory whose
// argv0 is the shim binary.
func invocationDir(argv0, shimExe, cwd, path string) string {
	if argv0 == "" {
		return ""
	}
	if strings.Contains(argv0, "/") {
		if !filepath.IsAbs(argv0) {
			argv0 = filepath.Join(cwd, argv0)
		}
		return filepath.Dir(filepath.Clean(argv0))
	}
	target, err := os.Stat(shimExe)
	if err != nil {
		return ""
	}
	for _, d := range filepath.SplitList(path) {
		if !filepath.IsAbs(d) {
			continue
		}
		if fi, err := os.Stat(filepath.Join(d, argv0)); err == nil && os.SameFile(fi, target) {
			return filepath.Clean(d)
		}
	}
	return ""
}

// refreshShims adds a shim for every executable in the chosen
// interpreter's bin directory that the shims directories lack, so that a
// console script installed there (pytest…) works without a manual step.
// Directories shared with other programs (those on PATH, /usr/bin, and
// any from the system plugin) are not mirrored. Failures are ignored: a
// missing console-script shim is not worth failing the run for.
func (a *app) refreshShims(in *interp.Interpreter, argv0, shimExe string) {
	dirs := a.shimDirs(argv0, shimExe)
	if len(dirs) == 0 || !a.ownBinDir(in) {
		return
	}
	names := scriptNames(filepath.Dir(in.Path))
	for _, d := range dirs {
		linkShims(d, names, shimLinkTarget(d, shimExe))
	}
}

// ownBinDir reports whether in's bin directory belongs to that Python
// installation alone (a pyenv version, a venv, a Nix -env), so that its
// executables may be mirrored as shims.
func (a *app) ownBinDir(in *interp.Interpreter) bool {
	if (in.Source == system.Name || in.Source == "path") && in.Kind != interp.KindVenv {
		return false
	}
	bin := filepath.Clean(filepath.Dir(in.Path))
	shared := append(filepath.SplitList(a.env["PATH"]), system.WellKnownDirs()...)
	shared = append(shared, "/bin", "/sbin", "/usr/sbin", "/usr/local/sbin")
	real, _ := filepath.EvalSymlinks(bin)
	for _, d := range shared {
		if d == "" {
			continue
		}
		d = filepath.Clean(d)
		if d == bin || d == real {
			return false
		}
		if r, err := filepath.EvalSymlinks(d); err == nil && (r == bin || r == real) {
			return false
		}
	}
	return true
}

// scriptNames lists the executables of bin worth a shim.
func scriptNames(bin string) []string {
	entries, err := os.ReadDir(bin)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		n := e.Name()
		if strings.HasPrefix(n, ".") || n == "pyshim" || n == shim.ExecName || !safeName(n) {
			continue
		}
		if isExecutable(filepath.Join(bin, n)) {
			out = append(out, n)
		}
	}
	return out
}

// safeName accepts command names made of letters, digits and ._+-.
func safeName(n string) bool {
	for _, r := range n {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._+-", r)) {
			return false
		}
	}
	return n != ""
}

// shimLinkTarget is what new links in dir point to: the same as its
// python3 link when it has one, else the shim binary.
func shimLinkTarget(dir, shimExe string) string {
	if t, err := os.Readlink(filepath.Join(dir, "python3")); err == nil {
		return t
	}
	return shimExe
}

// linkShims creates the missing links dir/NAME -> target. It returns the
// names it created.
func linkShims(dir string, names []string, target string) []string {
	var made []string
	for _, n := range names {
		p := filepath.Join(dir, n)
		if _, err := os.Lstat(p); err == nil {
			continue
		}
		// Concurrent refreshes race benignly: the loser gets EEXIST.
		if err := os.Symlink(target, p); err == nil {
			made = append(made, n)
		}
	}
	sort.Strings(made)
	return made
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
