// Package pluginhost is the go-plugin side of pyshim's plugin host: it
// starts plugin processes, speaks gRPC to them, and serves the built-in
// plugins. It is linked only by the pyshim-plugins binary (and tests);
// pyshim reaches it through resolver.ExecRunner and `pyshim-plugins
// __host`.
package pluginhost

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/go-plugin/runner"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/pyshim/pyshim/plugins/builtin"
	"github.com/pyshim/pyshim/plugins/nix"
	"github.com/pyshim/pyshim/plugins/pyenv"
	"github.com/pyshim/pyshim/plugins/sdk"
	"github.com/pyshim/pyshim/plugins/sdk/model"
	"github.com/pyshim/pyshim/plugins/system"
	"github.com/pyshim/pyshim/resolver"
)

// Main handles the hidden commands of pyshim-plugins: `__plugin NAME`
// serves a built-in plugin, `__host` runs one round of plugins for
// resolver.ExecRunner. ok is false when args are neither; then code is 0.
func Main(args []string) (code int, ok bool) {
	switch {
	case len(args) >= 2 && args[0] == resolver.BuiltinArg:
		d, found := Builtin(args[1])
		if !found {
			fmt.Fprintf(os.Stderr, "pyshim: no built-in plugin %q (have %v)\n", args[1], builtin.Names())
			return 2, true
		}
		sdk.Serve(d)
		return 0, true
	case len(args) >= 1 && args[0] == resolver.HostArg:
		if err := ServeHost(context.Background(), os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "pyshim:", err)
			return 2, true
		}
		return 0, true
	}
	return 0, false
}

// Builtin returns the built-in plugin called name (one of builtin.Names).
func Builtin(name string) (model.Discoverer, bool) {
	switch name {
	case "pyenv":
		return pyenv.New(), true
	case "nix":
		return nix.New(), true
	case "system":
		return system.New(), true
	}
	return nil, false
}

// ServeHost reads a resolver.RunRequest as JSON from in, runs it with
// Runner, and writes the reports as JSON to out.
func ServeHost(ctx context.Context, in io.Reader, out io.Writer) error {
	var req resolver.RunRequest
	if err := json.NewDecoder(in).Decode(&req); err != nil {
		return fmt.Errorf("reading the plugin request: %w", err)
	}
	reports := Runner{}.Run(ctx, req)
	if err := json.NewEncoder(out).Encode(reports); err != nil {
		return fmt.Errorf("writing the plugin reports: %w", err)
	}
	return nil
}

// Runner runs plugins in this process's children with go-plugin; it
// implements resolver.Runner.
type Runner struct{}

// Run implements resolver.Runner: it starts every plugin in parallel, asks
// each to Discover (and to Unwrap when asked), then kills them all.
func (Runner) Run(ctx context.Context, req resolver.RunRequest) []resolver.PluginReport {
	timeout := req.Timeout
	if timeout <= 0 {
		timeout = resolver.DefaultTimeout
	}
	reports := make([]resolver.PluginReport, len(req.Specs))
	var wg sync.WaitGroup
	for i, spec := range req.Specs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			reports[i] = runOne(ctx, spec, req.Request, req.Unwrap, timeout)
		}()
	}
	wg.Wait()
	return reports
}

func runOne(parent context.Context, spec resolver.PluginSpec, req sdk.DiscoverRequest, unwrapPath string, timeout time.Duration) (rep resolver.PluginReport) {
	rep.Spec = spec
	if spec.SHA256 != "" {
		// go-plugin checks a SecureConfig against ClientConfig.Cmd, which
		// our RunnerFunc replaces: check it here, before the start.
		if err := checkSum(spec); err != nil {
			rep.Err = err
			return rep
		}
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
			c.Env = append(resolver.PluginEnv(req.Env), c.Env...)
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
			rep.Err = call(ctx, &rep, raw.(sdk.Discoverer), req, unwrapPath)
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

// checkSum verifies the plugin's executable against the sha256 the config
// pins it to, with go-plugin's SecureConfig. The file could still change
// between this check and the exec; the plugins directory being writable by
// its owner only (FindThirdParty refuses others) is what closes that.
func checkSum(spec resolver.PluginSpec) error {
	want, err := hex.DecodeString(spec.SHA256)
	if err != nil || len(want) != sha256.Size {
		return fmt.Errorf("refused: plugins.sha256.%s in the config is not a sha256 in hex", spec.Name)
	}
	sc := &plugin.SecureConfig{Checksum: want, Hash: sha256.New()}
	ok, err := sc.Check(spec.Path)
	if err != nil {
		return fmt.Errorf("refused: checking the sha256 of %s: %v", spec.Path, resolver.OneLine(err))
	}
	if !ok {
		return fmt.Errorf("refused: the sha256 of %s is not the config's plugins.sha256.%s (if you upgraded it on purpose, put `sha256sum %s`'s in the config)", spec.Path, spec.Name, spec.Path)
	}
	return nil
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
		return fmt.Errorf("failed to start: %v (plugin said: %s)", resolver.OneLine(err), last)
	}
	return fmt.Errorf("failed to start: %v", resolver.OneLine(err))
}

// call asks a started plugin for its answers, as given: resolver.Host
// validates them.
func call(ctx context.Context, rep *resolver.PluginReport, d sdk.Discoverer, req sdk.DiscoverRequest, unwrapPath string) error {
	desc, err := d.Describe(ctx)
	if err != nil {
		return callErr(ctx, "Describe", err)
	}
	rep.Desc = desc
	res, err := d.Discover(ctx, req)
	if err != nil {
		return callErr(ctx, "Discover", err)
	}
	rep.Result = res
	if unwrapPath != "" {
		in, known, err := d.Unwrap(ctx, unwrapPath, req.Env)
		if err != nil {
			return callErr(ctx, "Unwrap", err)
		}
		if known {
			rep.Unwrapped = &in
		}
	}
	return nil
}

func callErr(ctx context.Context, what string, err error) error {
	// gRPC may report the deadline a moment before ctx itself expires.
	if ctx.Err() != nil || status.Code(err) == codes.DeadlineExceeded {
		return fmt.Errorf("%s: no answer before the deadline; killed", what)
	}
	return fmt.Errorf("%s: %s", what, resolver.OneLine(err))
}
