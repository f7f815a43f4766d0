//go:build !pyshimlight

package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"os/signal"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/pyshim/pyshim/install/build"
	"github.com/pyshim/pyshim/install/cache"
	"github.com/pyshim/pyshim/install/index"
	"github.com/pyshim/pyshim/install/installer"
	"github.com/pyshim/pyshim/install/pep508"
	"github.com/pyshim/pyshim/install/reqfile"
	"github.com/pyshim/pyshim/install/wheel"
	"github.com/pyshim/pyshim/internal/trust"
	"github.com/pyshim/pyshim/plugins/sdk/interp"
)

// targetFlags choose the environment install, uninstall, packages and
// freeze work on.
type targetFlags struct {
	python, venv        string
	system, breakSystem bool
}

func (f *targetFlags) add(cmd *cobra.Command, write bool) {
	fl := cmd.Flags()
	fl.StringVarP(&f.python, "python", "p", "", "the environment of this interpreter (any REQUEST form of `pyshim which`)")
	fl.StringVar(&f.venv, "venv", "", "the virtual environment at `DIR`")
	fl.BoolVar(&f.system, "system", false, "allow an interpreter that is not a virtual environment")
	if write {
		fl.BoolVar(&f.breakSystem, "break-system-packages", false, "allow an interpreter marked EXTERNALLY-MANAGED (PEP 668)")
	}
}

// refreshVenvShims gives the console scripts just installed into a venv
// their shims, so that they run through pyshim without a manual step.
func (a *app) refreshVenvShims(t *installer.Target) {
	if !t.Venv {
		return
	}
	self, err := os.Executable()
	if err != nil {
		return
	}
	in := t.Interp
	in.Kind = interp.KindVenv
	a.refreshShims(&in, "", findShimExe(self, a.shimsDir()))
}

// findTarget applies the selection rules of installer.FindTarget.
func (a *app) findTarget(ctx context.Context, f *targetFlags, write bool) (*installer.Target, error) {
	return installer.FindTarget(ctx, installer.Selection{
		Venv: f.venv, Python: f.python, System: f.system, BreakSystemPackages: f.breakSystem, Write: write,
		Cwd: a.cwd, Getenv: a.getenv, Trusted: trust.Checker(a.env), StoreDir: a.env["NIX_STORE_DIR"], Info: a.info,
		Resolve: func(ctx context.Context, request string) (*interp.Interpreter, error) {
			full, err := newApp(ctx)
			if err != nil {
				return nil, err
			}
			if strings.Contains(request, "/") && !filepath.IsAbs(request) && !strings.HasPrefix(request, "~") && !strings.Contains(request, ":") {
				request = filepath.Join(a.cwd, request)
			}
			res := full.resolve(ctx, request)
			warnLevels(res)
			if res.Err != nil {
				return nil, &exitError{code: 127, err: res.Err}
			}
			return res.Chosen, nil
		},
	})
}

// output prints according to -q/-v.
type output struct {
	w              io.Writer
	quiet, verbose bool
}

func (o output) info(format string, args ...any) {
	if !o.quiet {
		fmt.Fprintf(o.w, format+"\n", args...)
	}
}

func (o output) debug(format string, args ...any) {
	if o.verbose && !o.quiet {
		fmt.Fprintf(o.w, format+"\n", args...)
	}
}

// seconds formats a duration as the summary shows it: "0.41s", "12ms".
func seconds(d time.Duration) string {
	if d < 100*time.Millisecond {
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}

func plural(n int, what string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, what)
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// handOverPackageCommand hands nothing over: this binary runs the package
// commands itself (packages_light.go is the pyshimlight one).
func handOverPackageCommand([]string) (code int, handed bool) { return 0, false }

// packageCommandSummary returns the help line of the package command
// whose use line begins with use.
func packageCommandSummary(use string) string {
	for _, c := range packageCommands() {
		if c.use == use {
			return c.short
		}
	}
	return ""
}

// packageCmds are the package commands, linked whole.
func packageCmds() []*cobra.Command {
	return []*cobra.Command{installCmd(), uninstallCmd(), packagesCmd(), freezeCmd()}
}

func installCmd() *cobra.Command {
	var tf targetFlags
	var reqFiles, conFiles, extraIndex, findLinks, editables, onlyBinary, noBinary, extras, groups []string
	var indexURL string
	var timeout float64
	var o installer.Options
	var noIndex, quiet, verbose, noBuildIsolation, allExtras bool
	cmd := &cobra.Command{
		Use:   "install [PKG...]",
		Short: packageCommandSummary("install [PKG...]"),
		Long: `Install packages (PEP 508 requirements, or wheel files) and their
dependencies into a virtual environment:

  --venv DIR, else the environment of -p REQUEST, else $VIRTUAL_ENV, else
  the project's trusted .venv (walking up from here).

An interpreter that is not a venv is used only with --system, and never
when it is read-only, inside the Nix store, or marked EXTERNALLY-MANAGED
(unless --break-system-packages): create a venv with pyshim venv instead.

Wheels come from the indexes (PEP 503/691: --index-url, --extra-index-url,
PIP_INDEX_URL, PIP_EXTRA_INDEX_URL) and --find-links; they are unpacked
once into $XDG_CACHE_HOME/pyshim and linked into the venv. Concurrent
installs into one venv wait for each other.

Local projects (".", "./dir", "name @ file:///dir"), source archives
("./pkg-1.0.tar.gz"), git repositories ("git+file:///repo@v1") and
index packages that publish only an sdist are built with their PEP 517
backend in an isolated build environment (cached by its requirements);
built wheels are kept, and an unchanged project is not built again.
-e DIR installs a project editable (PEP 660). -r pyproject.toml installs
a project's dependencies (--extra, --all-extras), --group a PEP 735
dependency group.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			bulkWorkGC()
			start := time.Now()
			if len(args) == 0 && len(reqFiles) == 0 && len(editables) == 0 && len(groups) == 0 {
				return fmt.Errorf("nothing to install; name packages or pass -r FILE")
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			out := output{w: cmd.ErrOrStderr(), quiet: quiet, verbose: verbose}
			a, err := newLightApp()
			if err != nil {
				return err
			}
			cfg := index.ConfigFromEnv(a.getenv)
			for _, v := range onlyBinary {
				o.Formats.AddFormatArg(v, true)
			}
			for _, v := range noBinary {
				o.Formats.AddFormatArg(v, false)
			}
			var locals []*localSource
			for _, e := range editables {
				s, _, err := parseLocal(e, a.cwd, true)
				if err != nil {
					return err
				}
				if s.kind != "dir" {
					return fmt.Errorf("-e %s: editable installs take a local project directory", e)
				}
				s.editable = true
				locals = append(locals, s)
			}
			for _, arg := range args {
				if s, ok, err := parseLocal(arg, a.cwd, false); err != nil {
					return err
				} else if ok {
					locals = append(locals, s)
					continue
				}
				r, err := argRequirement(arg, a.cwd)
				if err != nil {
					return err
				}
				o.Requirements = append(o.Requirements, installer.Requirement{Req: r})
			}
			sawProject := false
			for _, p := range reqFiles {
				if filepath.Base(p) == "pyproject.toml" {
					rs, err := projectRequirements(absPath(p, a.cwd), true, extras, allExtras, groups)
					if err != nil {
						return err
					}
					o.Requirements = append(o.Requirements, rs...)
					sawProject = true
					continue
				}
				rf, err := reqfile.Parse(absPath(p, a.cwd), reqfile.Options{Getenv: a.getenv})
				if err != nil {
					return err
				}
				for _, r := range rf.Requirements {
					if r.Local == "" {
						continue
					}
					s, ok, err := parseLocal(r.Local, a.cwd, r.Editable)
					if err == nil && !ok {
						err = fmt.Errorf("%s: %s is not a local project, source archive or git URL", r.Where(), r.Local)
					}
					if err != nil {
						return err
					}
					s.editable, s.where = r.Editable, r.Where()
					locals = append(locals, s)
				}
				o.Requirements = append(o.Requirements, fromReqfile(rf.Requirements)...)
				o.Constraints = append(o.Constraints, fromReqfile(rf.Constraints)...)
				if rf.IndexURL != "" {
					cfg.IndexURL = rf.IndexURL
				}
				cfg.ExtraIndexURLs = append(cfg.ExtraIndexURLs, rf.ExtraIndexURLs...)
				cfg.FindLinks = append(cfg.FindLinks, rf.FindLinks...)
				cfg.NoIndex = cfg.NoIndex || rf.NoIndex
				o.Pre = o.Pre || rf.Pre
				o.RequireHashes = o.RequireHashes || rf.RequireHashes
			}
			for _, p := range conFiles {
				rf, err := reqfile.Parse(absPath(p, a.cwd), reqfile.Options{Getenv: a.getenv})
				if err != nil {
					return err
				}
				o.Constraints = append(o.Constraints, fromReqfile(rf.Requirements)...)
				o.Constraints = append(o.Constraints, fromReqfile(rf.Constraints)...)
			}
			if indexURL != "" {
				cfg.IndexURL = indexURL
			}
			cfg.ExtraIndexURLs = append(cfg.ExtraIndexURLs, extraIndex...)
			for _, l := range findLinks {
				if !strings.Contains(l, "://") {
					l = absPath(l, a.cwd)
				}
				cfg.FindLinks = append(cfg.FindLinks, l)
			}
			cfg.NoIndex = cfg.NoIndex || noIndex
			o.Index = cfg
			if !sawProject {
				if len(extras) > 0 || allExtras {
					return fmt.Errorf("--extra and --all-extras choose optional dependencies of -r pyproject.toml; pass -r pyproject.toml too, or name the project with its extras (pyshim install '.[%s]')", strings.Join(extras, ","))
				}
				if len(groups) > 0 {
					rs, err := projectRequirements(filepath.Join(a.cwd, "pyproject.toml"), false, nil, false, groups)
					if err != nil {
						return err
					}
					o.Requirements = append(o.Requirements, rs...)
				}
			}
			if o.Timeout, err = installTimeout(cmd.Flags().Changed("timeout"), timeout, a.getenv("PIP_TIMEOUT")); err != nil {
				return err
			}

			t, err := a.findTarget(ctx, &tf, true)
			if err != nil {
				return err
			}
			out.debug("Using %s (%s) at %s", t.Python, t.Origin, t.Dir)
			o.Cache = cache.New(a.cacheDir())
			spin := newSpinner(cmd.ErrOrStderr(), quiet, verbose)
			defer spin.status("")
			o.Builder = &build.Builder{Dir: filepath.Join(a.cacheDir(), "build"), Cache: o.Cache, Index: cfg, Formats: o.Formats,
				NoIsolation: noBuildIsolation, Info: a.info, Status: spin.status}
			for _, s := range locals {
				built, r, err := buildLocal(ctx, o.Builder.(*build.Builder), t, s)
				if err != nil {
					return interrupted(ctx, err)
				}
				defer built.Cleanup()
				o.Requirements = append(o.Requirements, r)
			}
			o.Link = wheel.Reflink
			o.Parallel = installer.DefaultParallel()
			o.Waiting = func(p string) { out.info("Waiting for another install to finish (lock %s)...", p) }
			bar := newBars(cmd.ErrOrStderr(), quiet)
			o.Progress = bar.progress
			rep, err := installer.Install(ctx, t, o)
			bar.finish()
			if err != nil {
				return interrupted(ctx, err)
			}
			out.debug("Resolved %s in %s", plural(len(rep.Resolved), "package"), seconds(rep.Resolve))
			if o.DryRun {
				w := cmd.OutOrStdout()
				if len(rep.Added) == 0 {
					fmt.Fprintf(w, "Would install nothing: %s already satisfied\n", plural(len(rep.Resolved), "package"))
					return nil
				}
				fmt.Fprintf(w, "Would install %s\n", plural(len(rep.Added), "package"))
				writeChanges(w, rep.Added, rep.Removed)
				return nil
			}
			if len(rep.Added) == 0 {
				out.info("Audited %s in %s", plural(len(rep.Resolved), "package"), seconds(time.Since(start)))
				return nil
			}
			a.refreshVenvShims(t)
			out.debug("Prepared %s (%d downloaded) in %s", plural(len(rep.Added), "package"), rep.Fetched, seconds(rep.Prepare))
			out.info("Installed %s in %s", plural(len(rep.Added), "package"), seconds(time.Since(start)))
			if !quiet {
				writeChanges(cmd.ErrOrStderr(), rep.Added, rep.Removed)
			}
			return nil
		},
	}
	tf.add(cmd, true)
	f := cmd.Flags()
	f.StringArrayVarP(&reqFiles, "requirement", "r", nil, "install from the requirement `FILE`")
	f.StringArrayVarP(&conFiles, "constraint", "c", nil, "constrain versions with the requirement `FILE`")
	f.StringVarP(&indexURL, "index-url", "i", "", "the simple API `URL` (default $PIP_INDEX_URL, else PyPI)")
	f.StringArrayVar(&extraIndex, "extra-index-url", nil, "another simple API `URL` to consult")
	f.StringArrayVarP(&findLinks, "find-links", "f", nil, "a directory or page of wheel links to consult")
	f.BoolVar(&noIndex, "no-index", false, "consult only --find-links")
	f.Float64Var(&timeout, "timeout", index.DefaultTimeout.Seconds(), "fail a request when connecting, its headers or each 16 KiB of it take longer than `SECONDS` (default $PIP_TIMEOUT, else 15)")
	f.StringArrayVar(&o.AllowRedirects, "allow-redirect", nil, "follow redirects to `HOST` (a host, or host:port), not only within the host asked")
	f.BoolVarP(&o.Upgrade, "upgrade", "U", false, "upgrade the named packages to the newest allowed versions")
	f.BoolVar(&o.NoDeps, "no-deps", false, "install the named packages without their dependencies")
	f.BoolVar(&o.Pre, "pre", false, "allow pre-release versions")
	f.BoolVar(&o.RequireHashes, "require-hashes", false, "require a pinned version and --hash for every package")
	f.BoolVar(&o.DryRun, "dry-run", false, "print what would be installed; change nothing")
	f.BoolVar(&o.Compile, "compile", false, "byte-compile the installed files (python -m compileall)")
	f.BoolVarP(&quiet, "quiet", "q", false, "print nothing but errors")
	f.BoolVarP(&verbose, "verbose", "v", false, "print more: the target, resolution and download times")
	f.StringArrayVarP(&editables, "editable", "e", nil, "install the project in `DIR` editable (PEP 660): edits to its source need no reinstall")
	f.BoolVar(&noBuildIsolation, "no-build-isolation", false, "build in the target venv with what is installed there, not in an isolated build environment")
	f.StringArrayVar(&onlyBinary, "only-binary", nil, "use only wheels for these `NAMES` (comma-separated; :all: or :none:), never building sdists")
	f.StringArrayVar(&noBinary, "no-binary", nil, "build these `NAMES` (comma-separated; :all: or :none:) from source distributions, not wheels")
	f.StringArrayVar(&extras, "extra", nil, "with -r pyproject.toml: also install the optional dependencies of `EXTRA`")
	f.BoolVar(&allExtras, "all-extras", false, "with -r pyproject.toml: install every extra's optional dependencies")
	f.StringArrayVar(&groups, "group", nil, "install the PEP 735 dependency group `NAME` of pyproject.toml (-r pyproject.toml's, else ./pyproject.toml's)")
	return cmd
}

// installTimeout is the read timeout: --timeout when given, else
// PIP_TIMEOUT (seconds, as pip reads it), else the default.
func installTimeout(flagSet bool, flag float64, env string) (time.Duration, error) {
	secs, what := flag, "--timeout"
	if !flagSet {
		if env = strings.TrimSpace(env); env == "" {
			return index.DefaultTimeout, nil
		}
		v, err := strconv.ParseFloat(env, 64)
		if err != nil {
			return 0, fmt.Errorf("PIP_TIMEOUT=%s is not a number of seconds; set it to one such as 15, or unset it", env)
		}
		secs, what = v, "PIP_TIMEOUT"
	}
	if secs <= 0 || math.IsNaN(secs) || math.IsInf(secs, 0) || secs > 1e6 {
		return 0, fmt.Errorf("%s %v: the timeout must be a positive number of seconds, such as 15", what, secs)
	}
	return time.Duration(secs * float64(time.Second)), nil
}

// interrupted is err, or "interrupted" when a signal ended the command.
func interrupted(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return &exitError{code: 130, err: errors.New("interrupted")}
	}
	return err
}

// argRequirement parses a command-line requirement: a PEP 508 string
// ("name @ URL" included), a wheel file or a wheel URL, which become
// "name @ file:///abs/path.whl" and "name @ URL" as with pip. Source
// distributions, directories and git URLs are parseLocal's; anything else
// is refused.
func argRequirement(arg, cwd string) (*pep508.Requirement, error) {
	onlyWheels := func() error {
		return fmt.Errorf("%s: not something pyshim installs (a requirement, a wheel, a source distribution, a project directory or a git+ URL)", arg)
	}
	direct := func(fn, u string) (*pep508.Requirement, error) {
		wf, err := wheel.ParseFilename(fn)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", arg, err)
		}
		r, err := pep508.ParseRequirement(wf.Normalized() + " @ " + u)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", arg, err)
		}
		return r, nil
	}
	if r, err := pep508.ParseRequirement(arg); err == nil && !looksLikeFile(arg, cwd) {
		return r, nil
	}
	if scheme, _, ok := strings.Cut(arg, "://"); ok && !strings.ContainsAny(scheme, " @;[") {
		// A bare URL.
		u, err := url.Parse(arg)
		if err != nil {
			return nil, fmt.Errorf("%q is not a valid URL: %w", arg, err)
		}
		if strings.Contains(scheme, "+") || !strings.HasSuffix(strings.ToLower(u.Path), ".whl") {
			return nil, onlyWheels()
		}
		return direct(path.Base(u.Path), arg)
	}
	if looksLikeFile(arg, cwd) {
		p := absPath(arg, cwd)
		if !strings.HasSuffix(strings.ToLower(p), ".whl") {
			return nil, onlyWheels()
		}
		if !fileExists(p) {
			return nil, fmt.Errorf("wheel file %s does not exist", p)
		}
		return direct(filepath.Base(p), (&url.URL{Scheme: "file", Path: filepath.ToSlash(p)}).String())
	}
	r, err := pep508.ParseRequirement(arg)
	if err != nil {
		return nil, fmt.Errorf("%q is not a valid requirement: %w", arg, err)
	}
	return r, nil
}

// looksLikeFile reports whether a command-line argument names a local
// archive or directory rather than a requirement: it ends in .whl or an
// sdist extension, or is an existing directory written as a path.
func looksLikeFile(arg, cwd string) bool {
	if strings.Contains(arg, "://") || strings.Contains(arg, " @ ") {
		return false
	}
	lower := strings.ToLower(arg)
	for _, ext := range []string{".whl", ".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".zip"} {
		if strings.HasSuffix(lower, ext) {
			return true
		}
	}
	if strings.ContainsRune(arg, filepath.Separator) || arg == "." || arg == ".." {
		fi, err := os.Stat(absPath(arg, cwd))
		return err == nil && fi.IsDir()
	}
	return false
}

func absPath(p, cwd string) string {
	if !filepath.IsAbs(p) {
		p = filepath.Join(cwd, p)
	}
	return filepath.Clean(p)
}

func fromReqfile(rs []reqfile.Requirement) []installer.Requirement {
	var out []installer.Requirement
	for _, r := range rs {
		if r.Req == nil {
			continue // a local source, built first
		}
		out = append(out, installer.Requirement{Req: r.Req, Hashes: r.Hashes, Where: r.Where()})
	}
	return out
}

// writeChanges prints " - name==old" and " + name==new" lines, by name.
func writeChanges(w io.Writer, added, removed []installer.Change) {
	type line struct {
		name, text string
		order      int
	}
	var lines []line
	for _, c := range removed {
		lines = append(lines, line{c.Name, " - " + c.String(), 0})
	}
	for _, c := range added {
		lines = append(lines, line{c.Name, " + " + c.String(), 1})
	}
	sort.SliceStable(lines, func(i, j int) bool {
		if lines[i].name != lines[j].name {
			return lines[i].name < lines[j].name
		}
		return lines[i].order < lines[j].order
	})
	for _, l := range lines {
		fmt.Fprintln(w, l.text)
	}
}

// bars shows a progress bar per stage on a terminal, nothing otherwise:
// one line, "Downloading [=====>      ] 12/50", redrawn at most every 50 ms
// and cleared when its stage ends. (Our own: a bar library costs every
// pyshim start its package initialisation.)
type bars struct {
	mu    sync.Mutex
	w     io.Writer
	on    bool
	stage string
	drawn time.Time // when the line was last drawn; zero: no line shown
}

func newBars(w io.Writer, quiet bool) *bars {
	b := &bars{w: w}
	if f, ok := w.(*os.File); ok && !quiet {
		// A character device: a terminal (or /dev/null, where a bar is
		// harmless); pipes and files get none.
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			b.on = true
		}
	}
	return b
}

func (b *bars) progress(stage string, done, total int) {
	if !b.on {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	if stage == b.stage && done < total && now.Sub(b.drawn) < 50*time.Millisecond {
		return
	}
	b.stage, b.drawn = stage, now
	fmt.Fprint(b.w, "\r\033[K"+barLine(stage, done, total, 30))
}

func (b *bars) finish() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.drawn.IsZero() {
		fmt.Fprint(b.w, "\r\033[K")
		b.drawn = time.Time{}
	}
}

// barLine draws stage's bar of width cells for done of total.
func barLine(stage string, done, total, width int) string {
	total = max(total, 1)
	done = min(max(done, 0), total)
	fill := done * width / total
	bar := strings.Repeat("=", fill)
	if fill < width {
		bar += ">" + strings.Repeat(" ", width-fill-1)
	}
	return fmt.Sprintf("%s [%s] %d/%d", stage, bar, done, total)
}

func uninstallCmd() *cobra.Command {
	var tf targetFlags
	var quiet bool
	cmd := &cobra.Command{
		Use:   "uninstall PKG...",
		Short: packageCommandSummary("uninstall PKG..."),
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			start := time.Now()
			out := output{w: cmd.ErrOrStderr(), quiet: quiet}
			a, err := newLightApp()
			if err != nil {
				return err
			}
			t, err := a.findTarget(cmd.Context(), &tf, true)
			if err != nil {
				return err
			}
			var names []string
			for _, arg := range args {
				r, err := pep508.ParseRequirement(arg)
				if err != nil {
					return fmt.Errorf("%q is not a valid requirement: %w", arg, err)
				}
				names = append(names, r.Name)
			}
			removed, missing, err := installer.Uninstall(cmd.Context(), t, names, installer.UninstallOptions{
				Waiting: func(p string) { out.info("Waiting for another install to finish (lock %s)...", p) },
			})
			for _, m := range missing {
				out.info("Skipping %s: it is not installed in %s", m, t.Dir)
			}
			if len(removed) > 0 {
				out.info("Uninstalled %s in %s", plural(len(removed), "package"), seconds(time.Since(start)))
				if !quiet {
					var cs []installer.Change
					for _, r := range removed {
						cs = append(cs, installer.Change{Name: pep508.NormalizeName(r.Name), Version: r.Version})
					}
					writeChanges(cmd.ErrOrStderr(), nil, cs)
				}
			}
			return err
		},
	}
	tf.add(cmd, true)
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print nothing but errors")
	return cmd
}

// installedIn finds the target environment, read-only, and lists the
// distributions installed there (for packages and freeze).
func installedIn(ctx context.Context, tf *targetFlags) (*installer.Target, []installer.Dist, error) {
	a, err := newLightApp()
	if err != nil {
		return nil, nil, err
	}
	t, err := a.findTarget(ctx, tf, false)
	if err != nil {
		return nil, nil, err
	}
	dists, err := installer.List(t)
	return t, dists, err
}

func packagesCmd() *cobra.Command {
	var tf targetFlags
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "packages",
		Short: packageCommandSummary("packages"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, dists, err := installedIn(cmd.Context(), &tf)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if asJSON {
				type entry struct {
					Name      string `json:"name"`
					Version   string `json:"version"`
					Installer string `json:"installer,omitempty"`
					Requested bool   `json:"requested"`
					Location  string `json:"location"`
				}
				list := []entry{}
				for _, d := range dists {
					list = append(list, entry{d.Name, d.Version, d.Installer, d.Requested, filepath.Dir(d.DistInfo)})
				}
				return writeJSON(w, list)
			}
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "Package\tVersion")
			for _, d := range dists {
				fmt.Fprintf(tw, "%s\t%s\n", d.Name, d.Version)
			}
			return tw.Flush()
		},
	}
	tf.add(cmd, false)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON list of {name, version, installer, requested, location}")
	return cmd
}

func freezeCmd() *cobra.Command {
	var tf targetFlags
	var all bool
	cmd := &cobra.Command{
		Use:   "freeze",
		Short: packageCommandSummary("freeze"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, dists, err := installedIn(cmd.Context(), &tf)
			if err != nil {
				return err
			}
			for _, line := range freezeLines(dists, t.Info.VersionInfo, all) {
				fmt.Fprintln(cmd.OutOrStdout(), line)
			}
			return nil
		},
	}
	tf.add(cmd, false)
	cmd.Flags().BoolVar(&all, "all", false, "also list pip, setuptools, wheel and distribute")
	return cmd
}

// freezeLines is pip freeze's output: name==version (or "name @ url" for
// a distribution installed from a direct URL) sorted by lower-cased name, without pip (and, before Python 3.12, setuptools, wheel and
// distribute) unless all.
func freezeLines(dists []installer.Dist, versionInfo []any, all bool) []string {
	skip := map[string]bool{"pip": true}
	if len(versionInfo) >= 2 {
		major, _ := versionInfo[0].(float64)
		minor, _ := versionInfo[1].(float64)
		if major < 3 || (major == 3 && minor < 12) {
			skip["setuptools"], skip["wheel"], skip["distribute"] = true, true, true
		}
	}
	type entry struct{ key, line string }
	var entries []entry
	for _, d := range dists {
		if !all && skip[d.Normalized()] {
			continue
		}
		line := d.Name + "==" + d.Version
		switch {
		case d.DirectURL != nil && d.DirectURL.Editable():
			// pip's form for an editable project without version control.
			line = fmt.Sprintf("# Editable install with no version control (%s==%s)\n-e %s", d.Name, d.Version, d.DirectURL.Path())
		case d.DirectURL != nil:
			// Installed from a URL (PEP 610): pip prints "name @ url".
			line = d.DirectURL.Requirement(d.Name)
		}
		entries = append(entries, entry{strings.ToLower(d.Name), line})
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].key < entries[j].key })
	lines := make([]string, len(entries))
	for i, e := range entries {
		lines[i] = e.line
	}
	return lines
}
