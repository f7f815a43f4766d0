package resolver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/pyshim/pyshim/plugins/sdk/interp"
	"github.com/pyshim/pyshim/plugins/sdk/model"
)

// ThirdPartyPrefix is the file name prefix of third-party plugins.
const ThirdPartyPrefix = "pyshim-plugin-"

// BuiltinArg is the hidden first argument with which the pyshim-plugins
// binary serves a built-in plugin: `pyshim-plugins __plugin NAME`.
const BuiltinArg = "__plugin"

// PluginSpec is one plugin to run.
type PluginSpec struct {
	Name string
	// Path is the executable; for built-ins, pyshim-plugins.
	Path string
	// Args follow argv[0]; for built-ins, BuiltinArg and Name.
	Args    []string
	Builtin bool
	// SHA256 is the sha256 (lower-case hex) the executable must have, from
	// the config's plugins.sha256; "" checks nothing.
	SHA256 string `json:",omitempty"`
	// Refused says why the plugin must not run (a plugin file or directory
	// that others may write); such a spec is reported, never started.
	Refused string `json:",omitempty"`
}

// PluginReport is what one plugin run produced.
type PluginReport struct {
	Spec PluginSpec
	Desc model.Description
	// Result holds the accepted candidates (with Source set to the
	// plugin's name), watch paths and warnings.
	Result model.DiscoverResult
	// Unwrapped is the plugin's answer to Unwrap, when asked and known.
	Unwrapped *interp.Interpreter
	// Rejected lists candidates that failed validation.
	Rejected []Rejection
	// Err is why the plugin gave no answer (crash, hang, garbage). It
	// travels between processes as its message only.
	Err error
	// Start is the time from launch to a finished handshake; Call the
	// time the calls took.
	Start, Call time.Duration
}

// MarshalJSON writes r with Err as its message (a string), so that
// reports can cross from the pyshim-plugins host process.
func (r PluginReport) MarshalJSON() ([]byte, error) {
	type plain PluginReport
	w := struct {
		plain
		Err string `json:",omitempty"`
	}{plain: plain(r)}
	if r.Err != nil {
		w.Err = r.Err.Error()
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads what MarshalJSON wrote; Err comes back as an error
// with the same message.
func (r *PluginReport) UnmarshalJSON(data []byte) error {
	type plain PluginReport
	var w struct {
		plain
		Err string `json:",omitempty"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*r = PluginReport(w.plain)
	r.Err = nil
	if w.Err != "" {
		r.Err = errors.New(w.Err)
	}
	return nil
}

// Rejection is a candidate the host refused, and why.
type Rejection struct {
	Candidate interp.Interpreter
	Reason    string
}

// RunRequest is one round of plugin runs: start every plugin in Specs,
// ask each to Discover Request (and to Unwrap Unwrap when it is not
// empty), and kill each Timeout after its launch.
type RunRequest struct {
	Specs   []PluginSpec
	Request model.DiscoverRequest
	Unwrap  string
	Timeout time.Duration
}

// Runner starts plugin processes and talks to them. It returns one report
// per spec, in order, with the plugins' answers as given (the Host
// validates them). It never fails as a whole: a plugin that crashes, hangs
// or answers garbage is reported in its own report.
//
// The go-plugin runner is in package resolver/pluginhost, which links gRPC;
// ExecRunner hands the round to a pyshim-plugins process instead.
type Runner interface {
	Run(ctx context.Context, req RunRequest) []PluginReport
}

// DefaultTimeout is a plugin's deadline when Host.Timeout is not set.
const DefaultTimeout = 3 * time.Second

// Host runs discovery plugins as child processes, through its Runner, and
// validates what they answer.
type Host struct {
	// Self is the pyshim-plugins executable, which serves the built-in
	// plugins.
	Self string
	// Timeout is each plugin's deadline from launch to its last answer;
	// past it the plugin is killed.
	Timeout time.Duration
	// ShimExe and ShimsDir identify pyshim's own shims so that no
	// candidate can point back at them.
	ShimExe  string
	ShimsDir string
	// Runner runs the plugins; nil means an ExecRunner of Self.
	Runner Runner
}

// BuiltinSpec returns the spec that runs built-in plugin name.
func (h *Host) BuiltinSpec(name string) PluginSpec {
	return PluginSpec{Name: name, Path: h.Self, Args: []string{BuiltinArg, name}, Builtin: true}
}

// FindThirdParty lists executables named pyshim-plugin-NAME in dirs, in
// order; the first of a name wins. A plugin whose file or directory is
// writable by group or others (anyone of them could replace it) is listed
// with Refused set.
func FindThirdParty(dirs []string) []PluginSpec {
	seen := map[string]bool{}
	var out []PluginSpec
	for _, dir := range dirs {
		if dir == "" {
			continue
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			name, ok := strings.CutPrefix(e.Name(), ThirdPartyPrefix)
			if !ok || name == "" || seen[name] {
				continue
			}
			p := filepath.Join(dir, e.Name())
			if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() || st.Mode()&0o111 == 0 {
				continue
			}
			seen[name] = true
			spec := PluginSpec{Name: name, Path: p}
			for _, q := range []string{dir, p} {
				if fi, err := os.Stat(q); err == nil && fi.Mode().Perm()&0o022 != 0 && spec.Refused == "" {
					spec.Refused = fmt.Sprintf("refused: %s is writable by group or others (mode %04o); fix it with `chmod go-w %s`", q, fi.Mode().Perm(), q)
				}
			}
			out = append(out, spec)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Run starts every plugin in parallel, asks each to Discover req (and to
// Unwrap unwrapPath when it is not empty), then kills them all. Reports
// come back in the order of specs, each candidate marked with its plugin's
// name and checked: the unusable ones move to Rejected. It never fails as
// a whole: a plugin that crashes, hangs or answers garbage is reported in
// its own report.
func (h *Host) Run(ctx context.Context, specs []PluginSpec, req model.DiscoverRequest, unwrapPath string) []PluginReport {
	timeout := h.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	run := h.Runner
	if run == nil {
		run = ExecRunner{Path: h.Self}
	}
	// Refused plugins are reported, not started.
	reports := make([]PluginReport, len(specs))
	var runnable []PluginSpec
	var at []int
	for i, s := range specs {
		if s.Refused != "" {
			reports[i] = PluginReport{Spec: s, Err: errors.New(s.Refused)}
			continue
		}
		runnable = append(runnable, s)
		at = append(at, i)
	}
	if len(runnable) > 0 {
		ran := run.Run(ctx, RunRequest{Specs: runnable, Request: req, Unwrap: unwrapPath, Timeout: timeout})
		for j, i := range at {
			if j < len(ran) {
				reports[i] = ran[j]
			} else {
				reports[i] = PluginReport{Spec: runnable[j], Err: errors.New("the plugin host gave no report")}
			}
		}
	}
	for i := range reports {
		h.check(&reports[i])
	}
	return reports
}

// check marks rep's candidates with the plugin's name and moves the
// unusable ones to rep.Rejected.
func (h *Host) check(rep *PluginReport) {
	cands := rep.Result.Candidates
	rep.Result.Candidates = nil
	for _, c := range cands {
		c.Source = rep.Spec.Name
		if reason := h.validate(&c); reason != "" {
			rep.Rejected = append(rep.Rejected, Rejection{Candidate: c, Reason: reason})
			continue
		}
		rep.Result.Candidates = append(rep.Result.Candidates, c)
	}
	if in := rep.Unwrapped; in != nil {
		in.Source = rep.Spec.Name
		if reason := h.validate(in); reason != "" {
			rep.Rejected = append(rep.Rejected, Rejection{Candidate: *in, Reason: reason})
			rep.Unwrapped = nil
		}
	}
}

// validate returns why a candidate is unusable, or "".
func (h *Host) validate(c *interp.Interpreter) string {
	switch {
	case c.Path == "" || !filepath.IsAbs(c.Path):
		return fmt.Sprintf("path %q is not absolute", c.Path)
	case c.Exe == "" || !filepath.IsAbs(c.Exe):
		return fmt.Sprintf("exe %q is not absolute", c.Exe)
	case c.Argv0 != "" && !filepath.IsAbs(c.Argv0):
		return fmt.Sprintf("argv0 %q is not absolute", c.Argv0)
	}
	st, err := os.Stat(c.Exe)
	if err != nil {
		return fmt.Sprintf("exe %s does not exist", c.Exe)
	}
	if !st.Mode().IsRegular() || st.Mode()&0o111 == 0 {
		return fmt.Sprintf("exe %s is not an executable file", c.Exe)
	}
	if c.Version != "" {
		if _, err := interp.ParseVersion(c.Version); err != nil {
			return fmt.Sprintf("version %q does not parse", c.Version)
		}
	}
	switch c.Kind {
	case "":
		c.Kind = interp.KindBase
	case interp.KindBase, interp.KindVenv, interp.KindNixEnv, interp.KindWrapper:
	default:
		return fmt.Sprintf("unknown kind %q", c.Kind)
	}
	for _, p := range []string{c.Path, c.Exe} {
		if h.isShim(p) {
			return fmt.Sprintf("%s is one of pyshim's own shims", p)
		}
	}
	return ""
}

// isShim reports whether p is pyshim's shim binary (same file) or lies in
// the shims directory.
func (h *Host) isShim(p string) bool {
	if h.ShimsDir != "" {
		if rel, err := filepath.Rel(h.ShimsDir, filepath.Dir(p)); err == nil && rel == "." {
			return true
		}
	}
	if h.ShimExe == "" {
		return false
	}
	a, err1 := os.Stat(p)
	b, err2 := os.Stat(h.ShimExe)
	return err1 == nil && err2 == nil && os.SameFile(a, b)
}

// PluginEnv is the process environment a plugin starts with: only the
// keys plugins may see.
func PluginEnv(env map[string]string) []string {
	var out []string
	for _, k := range model.EnvKeys() {
		if v, ok := env[k]; ok {
			out = append(out, k+"="+v)
		}
	}
	return out
}

// OneLine is err's message on one line, at most 300 bytes.
func OneLine(err error) string {
	if err == nil {
		return "unknown error"
	}
	s := strings.Join(strings.Fields(err.Error()), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
