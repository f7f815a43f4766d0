package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/pyshim/pyshim/internal/fsutil"
	"github.com/pyshim/pyshim/internal/trust"
	"github.com/pyshim/pyshim/resolver"
	"github.com/pyshim/pyshim/shim"
)

// shimExeNextToSelf returns the pyshim-exec installed next to pyshim.
func (a *app) shimExeNextToSelf() (string, error) {
	p := filepath.Join(filepath.Dir(a.self), shim.ExecName)
	if !isExecutable(p) {
		return "", fmt.Errorf("%s is not installed next to pyshim (%s): run ./install.sh", shim.ExecName, p)
	}
	return p, nil
}

func shimsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "shims",
		Short: "Install and list the shims (python, python3.12, pip, pytest…)",
		Long: `The shims directory holds links to pyshim-exec named python, python3,
python3.6…python3.14, pip, pip3, pip3.X, pypy3, pydoc3, idle3 and the console
scripts of the interpreters pyshim selects. Put it first on PATH
(eval "$(pyshim init bash)"); every name then runs what the current directory
asks for. Console-script shims are added whenever a shim resolves.`,
	}
	var dir string
	install := &cobra.Command{
		Use:   "install [--dir DIR]",
		Short: "Create the shims directory and its links",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := newApp(cmd.Context())
			if err != nil {
				return err
			}
			return a.installShims(cmd, dir)
		},
	}
	install.Flags().StringVar(&dir, "dir", "", "the shims directory (default $PYSHIM_SHIMS_DIR, else $XDG_DATA_HOME/pyshim/shims)")
	var listDir string
	list := &cobra.Command{
		Use:   "list [--dir DIR]",
		Short: "List the shims and what each links to",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := newApp(cmd.Context())
			if err != nil {
				return err
			}
			if listDir == "" {
				listDir = a.shimsDir()
			}
			return listShims(cmd.OutOrStdout(), listDir)
		},
	}
	list.Flags().StringVar(&listDir, "dir", "", "the shims directory (default as for install)")
	cmd.AddCommand(install, list)
	return cmd
}

func (a *app) installShims(cmd *cobra.Command, dir string) error {
	exe, err := a.shimExeNextToSelf()
	if err != nil {
		return err
	}
	if dir == "" {
		dir = a.shimsDir()
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("shims directory: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating the shims directory: %w", err)
	}
	marker := "This directory holds pyshim's shims: links to " + shim.ExecName + ". `pyshim shims install` remakes them.\n"
	if err := fsutil.WriteFileAtomic(filepath.Join(dir, shimsMarker), []byte(marker), 0o644); err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	made := 0
	for _, n := range shim.BaseShimNames() {
		ok, err := placeLink(dir, n, exe)
		if err != nil {
			fmt.Fprintf(cmd.ErrOrStderr(), "pyshim: warning: %v\n", err)
		}
		if ok {
			made++
		}
	}
	// Console scripts of every interpreter with a bin directory of its own.
	cands, _ := a.resolver().Discover(cmd.Context(), a.inputs(""), "")
	scripts := 0
	for i := range cands {
		if a.ownBinDir(&cands[i]) {
			scripts += len(linkShims(dir, scriptNames(filepath.Dir(cands[i].Path)), exe))
		}
	}
	fmt.Fprintf(out, "shims in %s: %d made or updated, %d console scripts added\n", dir, made, scripts)
	if first := firstOnPath(a.env["PATH"], "python3"); first == "" || filepath.Dir(first) != dir {
		fmt.Fprintf(out, "put them first on PATH: eval \"$(%s init bash)\"  (or zsh, fish)\n", a.self)
	}
	return nil
}

// placeLink makes dir/name a symlink to target, replacing a symlink that
// points elsewhere (atomically) but never a regular file.
func placeLink(dir, name, target string) (bool, error) {
	p := filepath.Join(dir, name)
	fi, err := os.Lstat(p)
	switch {
	case err != nil:
		return true, os.Symlink(target, p)
	case fi.Mode()&os.ModeSymlink == 0:
		return false, fmt.Errorf("%s exists and is not a link; left alone (remove it to let pyshim shim %s)", p, name)
	}
	if t, _ := os.Readlink(p); t == target {
		return false, nil
	}
	tmp := p + ".pyshim-tmp"
	_ = os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return false, fmt.Errorf("replacing %s: %w", p, err)
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return false, fmt.Errorf("replacing %s: %w", p, err)
	}
	return true, nil
}

// firstOnPath returns the first PATH entry holding an executable name.
func firstOnPath(path, name string) string {
	for _, d := range filepath.SplitList(path) {
		if d == "" || !filepath.IsAbs(d) {
			continue
		}
		if p := filepath.Join(d, name); isExecutable(p) {
			return p
		}
	}
	return ""
}

func listShims(w io.Writer, dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("reading the shims directory: %w (run `pyshim shims install`)", err)
	}
	fmt.Fprintln(w, dir)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		target, err := os.Readlink(p)
		state := "ok"
		switch {
		case err != nil:
			target, state = "-", "not a link"
		case !isExecutable(p):
			state = "broken link"
		case !isShimBinary(p):
			state = "not pyshim-exec"
		}
		fmt.Fprintf(tw, "  %s\t-> %s\t%s\n", e.Name(), target, state)
	}
	return tw.Flush()
}

func initCmd() *cobra.Command {
	return &cobra.Command{
		Use:       "init bash|zsh|fish",
		Short:     "Print the shell line that puts the shims first on PATH",
		Long:      "Print the line that puts the shims directory first on PATH. Add to your shell's rc file:\n\n  eval \"$(pyshim init bash)\"      # ~/.bashrc\n  eval \"$(pyshim init zsh)\"       # ~/.zshrc\n  pyshim init fish | source       # ~/.config/fish/config.fish",
		Args:      cobra.ExactArgs(1),
		ValidArgs: []string{"bash", "zsh", "fish"},
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := newApp(cmd.Context())
			if err != nil {
				return err
			}
			dirs := []string{a.shimsDir()}
			// pyshim itself, when it is not on PATH yet.
			self := filepath.Dir(a.self)
			if !onPath(a.env["PATH"], self) {
				dirs = append(dirs, self)
			}
			line, err := pathLine(args[0], dirs)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), line)
			return nil
		},
	}
}

func onPath(path, dir string) bool {
	for _, d := range filepath.SplitList(path) {
		if d != "" && filepath.Clean(d) == filepath.Clean(dir) {
			return true
		}
	}
	return false
}

// pathLine is the shell's line prepending dirs to PATH.
func pathLine(shell string, dirs []string) (string, error) {
	q := make([]string, len(dirs))
	for i, d := range dirs {
		q[i] = shellQuote(d)
	}
	switch shell {
	case "bash", "zsh", "sh":
		return "export PATH=" + strings.Join(q, ":") + `:"$PATH"`, nil
	case "fish":
		return "set -gx PATH " + strings.Join(q, " ") + " $PATH", nil
	}
	return "", fmt.Errorf("unknown shell %q: use bash, zsh or fish", shell)
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func pinCmd() *cobra.Command {
	var global bool
	cmd := &cobra.Command{
		Use:   "pin [--global] REQUEST",
		Short: "Pin this directory's Python (writes .python-version, like pyenv local)",
		Long: `Write REQUEST to .python-version in the current directory (as pyenv local and
uv python pin do), or with --global to pyshim's global pin
($XDG_CONFIG_HOME/pyshim/python-version, which beats pyenv's global version).
REQUEST is a version or a pyenv name: 3.12, 3.12.1, pypy3.9, 3.11.7, myenv.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := newApp(cmd.Context())
			if err != nil {
				return err
			}
			req := strings.TrimSpace(args[0])
			q, err := resolver.ParseRequest(req, "")
			if err != nil {
				return err
			}
			if q.IsPath() || req == "" {
				return fmt.Errorf("pin %q: a pin names a version, not a path (use PYSHIM_PYTHON or -p for a path)", req)
			}
			file := filepath.Join(a.cwd, ".python-version")
			if global {
				file = resolver.GlobalVersionFile(a.env)
			}
			if err := fsutil.WriteFileAtomic(file, []byte(req+"\n"), 0o644); err != nil {
				return err
			}
			res := a.resolve(cmd.Context(), req)
			if res.Err != nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "pyshim: warning: %v\n", res.Err)
				fmt.Fprintf(cmd.OutOrStdout(), "pinned %s in %s\n", req, file)
				return nil
			}
			fmt.Fprintf(cmd.OutOrStdout(), "pinned %s in %s (runs %s)\n", req, file, res.Chosen.Exe)
			return nil
		},
	}
	cmd.Flags().BoolVar(&global, "global", false, "pin for the user, not the directory")
	return cmd
}

func trustCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "trust [DIR]",
		Short: "Let the shims use DIR's .venv (default: the current directory)",
		Long: `A project's .venv is used automatically only when trusted, so that
` + "`cd cloned-repo && python`" + ` never runs a binary someone committed. pyshim venv
trusts what it creates; trust DIR (the project, or the .venv itself) marks
others. Trust is recorded for the directory a path resolves to: a .venv
that is a symlink is trusted by its target's trust, and pointing it
elsewhere makes it untrusted again. A trusted directory's .python-version
and pyshim.toml may also name interpreters by path.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := newApp(cmd.Context())
			if err != nil {
				return err
			}
			dir := a.cwd
			if len(args) == 1 {
				dir = args[0]
				if !filepath.IsAbs(dir) {
					dir = filepath.Join(a.cwd, dir)
				}
			}
			dir = filepath.Clean(dir)
			if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
				return fmt.Errorf("trust %s: not a directory", dir)
			}
			if err := trust.Add(a.env, dir); err != nil {
				return fmt.Errorf("recording trust: %w", err)
			}
			venv := dir
			if !fileExists(filepath.Join(dir, "pyvenv.cfg")) {
				venv = filepath.Join(dir, ".venv")
			}
			switch {
			case fileExists(filepath.Join(venv, "pyvenv.cfg")) && !trust.Checker(a.env)(venv):
				// A .venv that links elsewhere is trusted by its target.
				real := trust.Resolve(venv)
				fmt.Fprintf(cmd.OutOrStdout(), "trusted %s; its .venv links to %s, which is not trusted: run `pyshim trust %s` to use it\n", dir, real, real)
			case fileExists(filepath.Join(venv, "pyvenv.cfg")):
				fmt.Fprintf(cmd.OutOrStdout(), "trusted %s: the shims now use %s there\n", dir, venv)
			default:
				fmt.Fprintf(cmd.OutOrStdout(), "trusted %s (it has no .venv yet)\n", dir)
			}
			return nil
		},
	}
}

func cacheCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cache",
		Short: "Inspect or clear the shims' resolution cache",
	}
	clear := &cobra.Command{
		Use:   "clear",
		Short: "Remove the resolution and interpreter-info caches",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := newApp(cmd.Context())
			if err != nil {
				return err
			}
			for _, d := range []string{shim.CacheDir(a.getenv), a.info.Dir} {
				if d == "" {
					continue
				}
				if err := os.RemoveAll(d); err != nil {
					return fmt.Errorf("clearing the cache: %w", err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "removed %s\n", d)
			}
			return nil
		},
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the cached resolutions and whether each still holds",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := newApp(cmd.Context())
			if err != nil {
				return err
			}
			entries := cacheEntries(shim.CacheDir(a.getenv))
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "KEY\tNAME\tSTATE\tRUNS")
			for _, e := range entries {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.key[:12], orDash(e.name), e.state, orDash(e.runs))
			}
			return tw.Flush()
		},
	}
	cmd.AddCommand(clear, list)
	return cmd
}

type cacheEntry struct {
	key, name, state, runs string
	valid                  bool
}

// cacheEntries reads every entry in dir and checks its fingerprints.
func cacheEntries(dir string) []cacheEntry {
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	sort.Strings(files)
	var out []cacheEntry
	for _, f := range files {
		key := strings.TrimSuffix(filepath.Base(f), ".json")
		ce := cacheEntry{key: key}
		data, err := os.ReadFile(f)
		if err != nil {
			ce.state = "unreadable"
			out = append(out, ce)
			continue
		}
		e, err := shim.Decode(data)
		switch {
		case err != nil:
			ce.state = "corrupt"
		case e.Key != key:
			ce.state = "misnamed"
		default:
			ce.name, ce.runs = e.Name, e.Target.File
			if p := e.Changed(); p != "" {
				ce.state = "stale: " + p + " changed"
			} else {
				ce.state, ce.valid = "valid", true
			}
		}
		out = append(out, ce)
	}
	return out
}
