package resolver

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/go-plugin/runner"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/pyshim/pyshim/plugins/sdk"
	"github.com/pyshim/pyshim/plugins/sdk/interp"
)

// ThirdPartyPrefix is the file name prefix of third-party plugins.
const ThirdPartyPrefix = "pyshim-plugin-"

// BuiltinArg is the hidden first argument with which pyshim re-executes
// itself as a built-in plugin: `pyshim __plugin NAME`.
const BuiltinArg = "__plugin"

// PluginSpec is one plugin to run.
type PluginSpec struct {
	Name string
	// Path is the executable; for built-ins, pyshim itself.
	Path string
	// Args follow argv[0]; for built-ins, BuiltinArg and Name.
	Args    []string
	Builtin bool
}

// PluginReport is what one plugin run produced.
type PluginReport struct {
	Spec PluginSpec
	Desc sdk.Description
	// Result holds the accepted candidates (with Source set to the
	// plugin's name), watch paths and warnings.
	Result sdk.DiscoverResult
	// Unwrapped is the plugin's answer to Unwrap, when asked and known.
	Unwrapped *interp.Interpreter
	// Rejected lists candidates that failed validation.
	Rejected []Rejection
	// Err is why the plugin gave no answer (crash, hang, garbage).
	Err error
	// Start is the time from launch to a finished handshake; Call the
	// time the calls took.
	Start, Call time.Duration
}

// Rejection is a candidate the host refused, and why.
type Rejection struct {
	Candidate interp.Interpreter
	Reason    string
}

// Host runs discovery plugins as child processes.
type Host struct {
	// Self is the pyshim executable used to run built-in plugins.
	Self string
	// Timeout is each plugin's deadline from launch to its last answer;
	// past it the plugin is killed.
	Timeout time.Duration
	// ShimExe and ShimsDir identify pyshim's own shims so that no
	// candidate can point back at them.
	ShimExe  string
	ShimsDir string
}

// BuiltinSpec returns the spec that runs built-in plugin name.
func (h *Host) BuiltinSpec(name string) PluginSpec {
	return PluginSpec{Name: name, Path: h.Self, Args: []string{BuiltinArg, name}, Builtin: true}
}

// FindThirdParty lists executables named pyshim-plugin-NAME in dirs, in
// order; the first of a name wins.
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
			out = append(out, PluginSpec{Name: name, Path: p})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Run starts every plugin in parallel, asks each to Discover req (and to
// Unwrap unwrapPath when it is not empty), then kills them all. Reports
// come back in the order of specs. It never fails as a whole: a plugin
// that crashes, hangs or answers garbage is reported in its own report.
func (h *Host) Run(ctx context.Context, specs []PluginSpec, req sdk.DiscoverRequest, unwrapPath string) []PluginReport {
	reports := make([]PluginReport, len(specs))
	var wg sync.WaitGroup
	for i, spec := range specs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			reports[i] = h.runOne(ctx, spec, req, unwrapPath)
		}()
	}
	wg.Wait()
	return reports
}

func (h *Host) runOne(parent context.Context, spec PluginSpec, req sdk.DiscoverRequest, unwrapPath string) (rep PluginReport) {
	rep.Spec = spec
	timeout := h.Timeout
	if timeout <= 0 {
		timeout = 3 * time.Second
	}
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()

	var (
		mu   sync.Mutex
		proc *procRunner
	)
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  sdk.Handshake(),
		Plugins:          sdk.PluginSet(nil),
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Logger:           hclog.NewNullLogger(),
		StartTimeout:     timeout,
		SkipHostEnv:      true,
		// go-plugin hands RunnerFunc an empty command carrying only its
		// handshake variables (and our stdin, which newProcRunner drops).
		RunnerFunc: func(_ hclog.Logger, c *exec.Cmd, _ string) (runner.Runner, error) {
			c.Path = spec.Path
			c.Args = append([]string{spec.Path}, spec.Args...)
			c.Env = append(pluginEnv(req.Env), c.Env...)
			// Its own process group, so a kill takes its children too.
			c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			r, err := newProcRunner(c)
			if err == nil {
				mu.Lock()
				proc = r
				mu.Unlock()
			}
			return r, err
		},
	})
	kill := func() {
		mu.Lock()
		p := proc
		mu.Unlock()
		if p != nil {
			_ = p.Kill(context.Background())
		}
	}
	// Kill at the deadline, whatever go-plugin is waiting for.
	stop := context.AfterFunc(ctx, kill)
	defer func() {
		stop()
		kill()
		client.Kill()
	}()

	t0 := time.Now()
	rpc, err := client.Client()
	if err == nil {
		var raw interface{}
		raw, err = rpc.Dispense(sdk.PluginName)
		if err == nil {
			rep.Start = time.Since(t0)
			rep.Err = h.call(ctx, &rep, raw.(sdk.Discoverer), req, unwrapPath)
			rep.Call = time.Since(t0) - rep.Start
			return rep
		}
	}
	rep.Start = time.Since(t0)
	kill()
	mu.Lock()
	p := proc
	mu.Unlock()
	rep.Err = describeFailure(ctx, err, p)
	return rep
}

// describeFailure turns a start failure into one line: a hang, a crash
// (with the plugin's last stderr line) or a bad handshake.
func describeFailure(ctx context.Context, err error, p *procRunner) error {
	last := ""
	if p != nil {
		last = p.LastWords(200 * time.Millisecond)
	}
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("no answer before the deadline; killed")
	case last != "":
		return fmt.Errorf("failed to start: %v (plugin said: %s)", oneLine(err), last)
	}
	return fmt.Errorf("failed to start: %v", oneLine(err))
}

// call asks a started plugin for its answers and validates them.
func (h *Host) call(ctx context.Context, rep *PluginReport, d sdk.Discoverer, req sdk.DiscoverRequest, unwrapPath string) error {
	desc, err := d.Describe(ctx)
	if err != nil {
		return callErr(ctx, "Describe", err)
	}
	rep.Desc = desc
	res, err := d.Discover(ctx, req)
	if err != nil {
		return callErr(ctx, "Discover", err)
	}
	rep.Result.Watch = res.Watch
	rep.Result.Warnings = res.Warnings
	for _, c := range res.Candidates {
		c.Source = rep.Spec.Name
		if reason := h.validate(&c); reason != "" {
			rep.Rejected = append(rep.Rejected, Rejection{Candidate: c, Reason: reason})
			continue
		}
		rep.Result.Candidates = append(rep.Result.Candidates, c)
	}
	if unwrapPath != "" {
		in, known, err := d.Unwrap(ctx, unwrapPath, req.Env)
		if err != nil {
			return callErr(ctx, "Unwrap", err)
		}
		if known {
			in.Source = rep.Spec.Name
			if reason := h.validate(&in); reason != "" {
				rep.Rejected = append(rep.Rejected, Rejection{Candidate: in, Reason: reason})
			} else {
				rep.Unwrapped = &in
			}
		}
	}
	return nil
}

func callErr(ctx context.Context, what string, err error) error {
	// gRPC may report the deadline a moment before ctx itself expires.
	if ctx.Err() != nil || status.Code(err) == codes.DeadlineExceeded {
		return fmt.Errorf("%s: no answer before the deadline; killed", what)
	}
	return fmt.Errorf("%s: %s", what, oneLine(err))
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

// pluginEnv is the process environment a plugin starts with: only the
// keys plugins may see.
func pluginEnv(env map[string]string) []string {
	var out []string
	for _, k := range sdk.EnvKeys() {
		if v, ok := env[k]; ok {
			out = append(out, k+"="+v)
		}
	}
	return out
}

func oneLine(err error) string {
	if err == nil {
		return "unknown error"
	}
	s := strings.Join(strings.Fields(err.Error()), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
