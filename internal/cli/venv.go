package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pyshim/pyshim/install/cache"
	"github.com/pyshim/pyshim/internal/trust"
	"github.com/pyshim/pyshim/plugins/sdk/interp"
	"github.com/pyshim/pyshim/resolver"
	"github.com/pyshim/pyshim/shim"
	"github.com/pyshim/pyshim/venv"
)

func venvCmd() *cobra.Command {
	var request string
	var o venv.Options
	cmd := &cobra.Command{
		Use:   "venv [DIR]",
		Short: "Create a virtual environment (default .venv) from the interpreter the shim would run there",
		Long: `Create a virtual environment in DIR (default .venv) from the interpreter
the shim would run in DIR's parent directory, or from -p REQUEST.

The venv is what python -m venv of that interpreter would write (pyvenv.cfg,
bin links, site-packages, lib64), written natively in milliseconds, with
activation scripts for bash/zsh (activate), fish, csh, nu and PowerShell
and activate_this.py. For a Nix python.withPackages env the venv is based
on the real interpreter, never on the read-only env. The venv is recorded
as trusted, so the shim uses it from then on.

An existing venv is rebuilt with its installed packages kept; --clear
replaces it (or a directory that is not a venv).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Seed {
				bulkWorkGC()
			}
			a, err := newLightApp()
			if err != nil {
				return err
			}
			dir := ".venv"
			if len(args) == 1 {
				dir = args[0]
			}
			if dir == "" {
				return fmt.Errorf("the venv directory is empty; name one, e.g. pyshim venv .venv")
			}
			if strings.HasPrefix(dir, "~/") && a.env["HOME"] != "" {
				dir = filepath.Join(a.env["HOME"], dir[2:])
			}
			if !filepath.IsAbs(dir) {
				dir = filepath.Join(a.cwd, dir)
			}
			dir = filepath.Clean(dir)
			o.PromptSet = cmd.Flags().Changed("prompt")
			o.PyshimVersion = Version
			o.Cwd = a.cwd
			o.StoreDir = a.env["NIX_STORE_DIR"]
			// Refuse a bad destination before any plugin runs.
			if err := venv.Check(dir, o); err != nil {
				return err
			}

			chosen, err := a.resolveVenvBase(cmd.Context(), request, dir)
			if err != nil {
				return err
			}
			info, err := a.info.Query(cmd.Context(), chosen)
			if err != nil {
				return fmt.Errorf("asking %s about itself: %w", chosen.Path, err)
			}
			base := &venv.Base{Interp: *chosen, Info: *info}
			var seed venv.Seeder
			if o.Seed {
				wheels, err := venv.SeedWheels(base)
				if err != nil {
					return err
				}
				seed = venv.Seed(wheels, cache.New(a.cacheDir()))
			}
			l, err := venv.Create(cmd.Context(), dir, base, o, seed)
			if err != nil {
				return err
			}
			if err := trust.Add(a.env, dir); err != nil {
				return fmt.Errorf("created %s, but could not record it as trusted (run `pyshim trust %s`): %w", dir, filepath.Dir(dir), err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "created %s: %s %s from %s\nactivate with: source %s\n",
				dir, l.ImplementationName(), l.Version, l.Python, filepath.Join(dir, l.Bin, "activate"))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&request, "python", "p", "", "the interpreter to build from: any `REQUEST` form of pyshim which (3.12, pypy3.9, /path, nix:3.11...)")
	f.StringVar(&o.Prompt, "prompt", "", "the prompt name while activated (default: DIR's name; \".\": the current directory's)")
	f.BoolVar(&o.Clear, "clear", false, "replace DIR's contents, venv or not")
	f.BoolVar(&o.SystemSitePackages, "system-site-packages", false, "let the venv import the interpreter's own packages (a Nix env's included)")
	f.BoolVar(&o.Copies, "copies", false, "copy the interpreter instead of linking it")
	f.BoolVar(&o.Seed, "seed", false, "install pip (and setuptools where that Python's ensurepip would) from the interpreter's bundled wheels")
	f.BoolVar(&o.WithoutSCMIgnoreFiles, "without-scm-ignore-files", false, "do not write DIR/.gitignore")
	return cmd
}

// resolveVenvBase picks the interpreter for a venv at dir. The answer is
// cached like the shim's, keyed by dir, the request and everything the
// shim's key covers in dir's parent, and used while every file it depends
// on is unchanged: with the info cache warm too, no plugin and no python
// runs. a may be newLightApp's: on a miss the full app is made here.
func (a *app) resolveVenvBase(ctx context.Context, request, dir string) (*interp.Interpreter, error) {
	start := time.Now()
	request = absRequest(request, a.cwd)
	cacheDir := filepath.Join(a.cacheDir(), "venv")
	key, project := shim.Key(shim.KeyInputs{Name: "pyshim venv\x00" + dir + "\x00" + request, Cwd: filepath.Dir(dir), Getenv: a.getenv})
	if e, err := shim.Lookup(cacheDir, key); err == nil {
		if in, err := e.Interpreter(); err == nil && in.Exe != "" && !insideDir(in.Path, dir) {
			return &in, nil
		}
	}
	full, err := newApp(ctx)
	if err != nil {
		return nil, err
	}
	res := full.resolver().Resolve(ctx, full.venvInputs(request, dir))
	warnVenvLevels(res, dir)
	if res.Err != nil {
		return nil, &exitError{code: 127, err: res.Err}
	}
	c := res.Chosen
	argv0 := c.Argv0
	if argv0 == "" {
		argv0 = c.Exe
	}
	t := shim.Target{File: c.Exe, Argv: append([]string{argv0}, c.Args...), Env: c.Env, Chdir: c.Chdir}
	// A cache that cannot be written costs speed, not correctness.
	if why := full.writeEntry(cacheDir, key, shim.Command{Name: "pyshim venv"}, t, false, res, project, nil, start); why != "" && full.env[shim.DebugEnv] == "1" {
		fmt.Fprintf(os.Stderr, "pyshim: debug: resolution not cached: %s\n", why)
	}
	return c, nil
}

// absRequest makes a relative path request (./py/bin/python) absolute
// against the current directory: the resolver would take it from DIR's
// parent.
func absRequest(request, cwd string) string {
	if strings.Contains(request, "/") && !filepath.IsAbs(request) && !strings.HasPrefix(request, "~") && !strings.Contains(request, ":") {
		return filepath.Join(cwd, request)
	}
	return request
}

// insideDir reports whether p is dir or lies below it.
func insideDir(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && (rel == "." || filepath.IsLocal(rel))
}

// venvInputs are the resolution inputs for a venv at dir: those of the
// shim in dir's parent, with a relative -p path taken from the current
// directory, and without dir itself (a venv cannot be its own base).
func (a *app) venvInputs(request, dir string) resolver.Inputs {
	in := a.inputs(absRequest(request, a.cwd))
	in.Cwd = filepath.Dir(dir)
	env := make(map[string]string, len(a.env))
	for k, v := range a.env {
		env[k] = v
	}
	if ve := env["VIRTUAL_ENV"]; ve != "" && filepath.Clean(ve) == dir {
		delete(env, "VIRTUAL_ENV")
	}
	in.Env = env
	trusted := in.Trusted
	in.Trusted = func(d string) bool {
		return filepath.Clean(d) != dir && trusted != nil && trusted(d)
	}
	return in
}

// warnVenvLevels is warnLevels without the warning about dir itself, which
// is skipped on purpose.
func warnVenvLevels(res *resolver.Result, dir string) {
	for _, l := range res.Levels {
		if l.Origin != dir {
			for _, w := range l.Warnings {
				fmt.Fprintln(os.Stderr, "pyshim: warning:", w)
			}
		}
		if l.Name == res.Level.Name && l.Origin == res.Level.Origin {
			return
		}
	}
}
