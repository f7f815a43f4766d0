package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/pyshim/pyshim/config"
	"github.com/pyshim/pyshim/shim"
)

// doctorReport collects findings, each with the fix when it is not ok.
type doctorReport struct {
	w        io.Writer
	failures int
}

func (r *doctorReport) ok(format string, args ...any) {
	fmt.Fprintf(r.w, "ok    %s\n", fmt.Sprintf(format, args...))
}

func (r *doctorReport) warn(fix, format string, args ...any) {
	fmt.Fprintf(r.w, "warn  %s\n      fix: %s\n", fmt.Sprintf(format, args...), fix)
}

func (r *doctorReport) fail(fix, format string, args ...any) {
	r.failures++
	fmt.Fprintf(r.w, "FAIL  %s\n      fix: %s\n", fmt.Sprintf(format, args...), fix)
}

func doctorCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "doctor",
		Short: "Check the install, the shims, PATH, the cache and the plugins, and say how to fix each problem",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := newApp(cmd.Context())
			if err != nil {
				return err
			}
			r := &doctorReport{w: cmd.OutOrStdout()}
			a.doctor(cmd, r)
			if r.failures > 0 {
				return &exitError{code: 1, err: fmt.Errorf("doctor found %d problem(s); see the fixes above", r.failures)}
			}
			return nil
		},
	}
}

func (a *app) doctor(cmd *cobra.Command, r *doctorReport) {
	initLine := fmt.Sprintf("add `eval \"$(%s init bash)\"` (or zsh/fish) at the end of your shell's rc file", a.self)

	// The shim binary.
	exe, err := a.shimExeNextToSelf()
	if err != nil {
		r.fail("run ./install.sh, which installs pyshim and pyshim-exec together", "%v", err)
	} else if !isShimBinary(exe) {
		r.fail("run ./install.sh", "%s is not a pyshim-exec build", exe)
	} else {
		r.ok("shim binary %s", exe)
	}

	// The plugin host, which pyshim runs whenever plugins must run.
	if isExecutable(a.host.Self) {
		r.ok("plugin host %s", a.host.Self)
	} else {
		r.fail("run ./install.sh, which installs pyshim-plugins next to pyshim", "no plugin host %s", a.host.Self)
	}

	// The package commands' binary, which a pyshim from build.sh runs for
	// install, uninstall, packages and freeze.
	if full := filepath.Join(filepath.Dir(a.host.Self), InstallExeName); isExecutable(full) {
		r.ok("package commands %s", full)
	} else {
		r.fail("run ./install.sh, which installs pyshim-install next to pyshim", "no %s: pyshim install, uninstall, packages and freeze cannot run", full)
	}

	// The shims directory.
	dir := a.shimsDir()
	var missing, foreign []string
	for _, n := range shim.BaseShimNames() {
		p := filepath.Join(dir, n)
		switch {
		case !fileExists(p):
			missing = append(missing, n)
		case exe != "" && !sameFile(p, exe):
			foreign = append(foreign, n)
		}
	}
	switch {
	case !fileExists(dir):
		r.fail("run `pyshim shims install`", "no shims directory at %s", dir)
	case len(missing) > 0 || len(foreign) > 0:
		r.fail("run `pyshim shims install`", "shims directory %s: missing %v, not linked to %s %v", dir, missing, orDash(exe), foreign)
	default:
		r.ok("shims directory %s", dir)
	}

	// PATH: the shims first, nothing shadowing them.
	path := filepath.SplitList(a.env["PATH"])
	pos, count := -1, 0
	for i, d := range path {
		if d != "" && filepath.Clean(d) == filepath.Clean(dir) {
			count++
			if pos < 0 {
				pos = i
			}
		}
	}
	switch {
	case pos < 0:
		r.fail(initLine, "the shims directory %s is not on PATH", dir)
	default:
		if count > 1 {
			r.ok("the shims directory is on PATH %d times (harmless)", count)
		}
		shadowed := false
		venvBin := ""
		if v := a.env["VIRTUAL_ENV"]; v != "" {
			venvBin = filepath.Join(v, "bin")
		}
		for _, name := range []string{"python", "python3", "pip", "pip3"} {
			for _, d := range path[:pos] {
				p := filepath.Join(d, name)
				if d == "" || !filepath.IsAbs(d) || !isExecutable(p) || (exe != "" && sameFile(p, exe)) {
					continue
				}
				if filepath.Clean(d) == filepath.Clean(venvBin) {
					r.ok("%s comes from the active venv %s (deactivate it to use the shims)", p, a.env["VIRTUAL_ENV"])
					break
				}
				shadowed = true
				r.fail(initLine+" (after any `pyenv init`, conda or Homebrew lines)", "%s comes before the shims on PATH and shadows them", p)
				break
			}
		}
		if !shadowed {
			r.ok("the shims come first on PATH for python, python3, pip, pip3")
		}
	}

	// The cache.
	entries := cacheEntries(shim.CacheDir(a.getenv))
	stale := 0
	for _, e := range entries {
		if !e.valid {
			stale++
		}
	}
	if stale > 0 {
		r.warn("run `pyshim cache clear` (stale entries are only re-resolved on use, never run)", "%d of %d cached resolutions are stale or corrupt", stale, len(entries))
	} else {
		r.ok("resolution cache: %d entries, all valid", len(entries))
	}

	// The plugins.
	res := a.resolve(cmd.Context(), "")
	for _, rep := range res.Reports {
		if rep.Err != nil {
			r.fail(fmt.Sprintf("see `pyshim plugins`; disable it with [plugins] disable = [%q] in %s", rep.Spec.Name, configPath(a)),
				"plugin %s: %v", rep.Spec.Name, rep.Err)
		} else {
			r.ok("plugin %s: %d interpreters", rep.Spec.Name, len(rep.Result.Candidates))
		}
	}
	for _, m := range a.missing {
		r.fail(fmt.Sprintf("remove it from plugins.order in %s, or install pyshim-plugin-%s", a.settings.PluginOrder.Origin, m), "plugin %s is configured but not found", m)
	}

	// What runs here.
	for _, l := range res.Levels {
		for _, w := range l.Warnings {
			r.warn("see `pyshim which --explain`", "%s", w)
		}
	}
	if res.Err != nil {
		r.fail("pin an installed version with `pyshim pin VERSION`, or install the one asked for", "python here: %v", res.Err)
	} else {
		r.ok("python here: %s %s (%s, set by %s)", orDash(res.Chosen.Version), res.Chosen.Exe, res.Chosen.Source, res.Level.Origin)
	}
}

func configPath(a *app) string { return config.GlobalPath(a.getenv) }

func sameFile(a, b string) bool {
	x, err1 := os.Stat(a)
	y, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(x, y)
}
