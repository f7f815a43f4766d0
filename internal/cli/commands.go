package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"syscall"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/pyshim/pyshim/plugins/sdk/interp"
	"github.com/pyshim/pyshim/resolver"
)

func whichCmd() *cobra.Command {
	var asJSON, explain bool
	cmd := &cobra.Command{
		Use:   "which [REQUEST]",
		Short: "Print the interpreter that would run (the absolute path exec'd)",
		Long: `Print the absolute path of the interpreter pyshim would exec for REQUEST,
or, without REQUEST, for this directory (PYSHIM_PYTHON, VIRTUAL_ENV,
PYENV_VERSION, .python-version and the other project files, then the
global pin and the config default).

REQUEST forms: 3, 3.12, 3.12.1, 3.13t, >=3.10,<3.13, cpython@3.12, pypy3.9,
pypy@3.9, /abs/path (an executable or a venv), system, a pyenv version or
virtualenv name, PLUGIN:REQUEST (nix:3.12).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := newApp(cmd.Context())
			if err != nil {
				return err
			}
			req := ""
			if len(args) == 1 {
				req = args[0]
			}
			res := a.resolve(cmd.Context(), req)
			out := cmd.OutOrStdout()
			if explain {
				writeExplain(out, res)
			} else {
				warnLevels(res)
			}
			if res.Err != nil {
				return &exitError{code: 127, err: res.Err}
			}
			if asJSON {
				in := *res.Chosen
				if info, err := a.info.Query(cmd.Context(), &in); err == nil {
					in.Prefix, in.BasePrefix = info.Prefix, info.BasePrefix
					if v := info.VersionString(); v != "" {
						in.Version = v
					}
					in.Implementation = info.Implementation
				}
				return writeJSON(out, in)
			}
			if !explain {
				fmt.Fprintln(out, res.Chosen.Exe)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the resolved interpreter as JSON")
	cmd.Flags().BoolVar(&explain, "explain", false, "list every candidate and why it won or lost")
	return cmd
}

func listCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List every interpreter the plugins discover",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := newApp(cmd.Context())
			if err != nil {
				return err
			}
			cands, reports := a.resolver().Discover(cmd.Context(), a.inputs(""), "")
			out := cmd.OutOrStdout()
			if asJSON {
				if cands == nil {
					cands = []interp.Interpreter{}
				}
				return writeJSON(out, cands)
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SOURCE\tVERSION\tIMPLEMENTATION\tKIND\tPATH\tRUNS")
			for _, c := range cands {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.Source, orDash(c.Version), orDash(c.Implementation), c.Kind, c.Path, runs(c))
			}
			tw.Flush()
			for _, r := range reports {
				if r.Err != nil {
					fmt.Fprintf(os.Stderr, "pyshim: plugin %s: %v\n", r.Spec.Name, r.Err)
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the interpreters as JSON")
	return cmd
}

func pluginsCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "plugins",
		Short: "Show each discovery plugin, its state and timing",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := newApp(cmd.Context())
			if err != nil {
				return err
			}
			_, reports := a.resolver().Discover(cmd.Context(), a.inputs(""), "")
			out := cmd.OutOrStdout()
			if asJSON {
				return writeJSON(out, pluginsJSON(reports, a.missing))
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "PLUGIN\tSTATE\tSTART\tCALL\tFOUND\tFROM")
			for _, r := range reports {
				from := r.Spec.Path
				if r.Spec.Builtin {
					from = "built-in"
				}
				state := "ok"
				if r.Err != nil {
					state = "error: " + r.Err.Error()
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", r.Spec.Name, state, ms(r.Start), ms(r.Call), len(r.Result.Candidates), from)
			}
			for _, m := range a.missing {
				fmt.Fprintf(tw, "%s\terror: not found (named in plugins.order of %s)\t-\t-\t0\t-\n", m, a.settings.PluginOrder.Origin)
			}
			tw.Flush()
			for _, r := range reports {
				for _, rj := range r.Rejected {
					fmt.Fprintf(out, "%s: rejected %s: %s\n", r.Spec.Name, orDash(rj.Candidate.Path), rj.Reason)
				}
				for _, w := range r.Result.Warnings {
					fmt.Fprintf(out, "%s: warning: %s\n", r.Spec.Name, w)
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the plugin reports as JSON")
	return cmd
}

func execCmd() *cobra.Command {
	var request string
	cmd := &cobra.Command{
		Use:   "exec [-p REQUEST] -- ARGS...",
		Short: "Run the resolved interpreter exactly as the shim will",
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := newApp(cmd.Context())
			if err != nil {
				return err
			}
			res := a.resolve(cmd.Context(), request)
			warnLevels(res)
			if res.Err != nil {
				return &exitError{code: 127, err: res.Err}
			}
			return execInterpreter(res.Chosen, args)
		},
	}
	cmd.Flags().StringVarP(&request, "python", "p", "", "the interpreter to run (any REQUEST form of `pyshim which`)")
	return cmd
}

// warnLevels prints, one line each, the warnings of the levels down to
// the one that decided (skipped version-file entries, untrusted venvs).
func warnLevels(res *resolver.Result) {
	for _, l := range res.Levels {
		for _, w := range l.Warnings {
			fmt.Fprintln(os.Stderr, "pyshim: warning:", w)
		}
		if l.Name == res.Level.Name && l.Origin == res.Level.Origin {
			return
		}
	}
}

// execInterpreter replaces this process with the interpreter.
func execInterpreter(in *interp.Interpreter, args []string) error {
	file, argv, env := in.Command(args, os.Environ())
	if in.Chdir != "" {
		if err := os.Chdir(in.Chdir); err != nil {
			return fmt.Errorf("changing to %s as the wrapper would: %w", in.Chdir, err)
		}
	}
	err := syscall.Exec(file, argv, env)
	return fmt.Errorf("running %s: %w", file, err)
}

func configCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "config",
		Short: "Print the effective settings and where each came from",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := newApp(cmd.Context())
			if err != nil {
				return err
			}
			for _, l := range a.settings.Lines() {
				fmt.Fprintln(cmd.OutOrStdout(), l)
			}
			return nil
		},
	}
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// runs names what a candidate really executes, when it is not itself.
func runs(c interp.Interpreter) string {
	if c.Exe == c.Path {
		return "-"
	}
	return c.Exe
}

type pluginJSON struct {
	Name       string   `json:"name"`
	Builtin    bool     `json:"builtin"`
	Path       string   `json:"path,omitempty"`
	State      string   `json:"state"`
	Error      string   `json:"error,omitempty"`
	StartMS    float64  `json:"start_ms"`
	CallMS     float64  `json:"call_ms"`
	Candidates int      `json:"candidates"`
	Rejected   []string `json:"rejected,omitempty"`
	Warnings   []string `json:"warnings,omitempty"`
}

func pluginsJSON(reports []resolver.PluginReport, missing []string) []pluginJSON {
	out := []pluginJSON{}
	for _, r := range reports {
		p := pluginJSON{Name: r.Spec.Name, Builtin: r.Spec.Builtin, State: "ok",
			StartMS: float64(r.Start.Microseconds()) / 1000, CallMS: float64(r.Call.Microseconds()) / 1000,
			Candidates: len(r.Result.Candidates), Warnings: r.Result.Warnings}
		if !r.Spec.Builtin {
			p.Path = r.Spec.Path
		}
		if r.Err != nil {
			p.State, p.Error = "error", r.Err.Error()
		}
		for _, rj := range r.Rejected {
			p.Rejected = append(p.Rejected, rj.Candidate.Path+": "+rj.Reason)
		}
		out = append(out, p)
	}
	for _, m := range missing {
		out = append(out, pluginJSON{Name: m, State: "error", Error: "not found"})
	}
	return out
}
