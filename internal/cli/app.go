// Package cli is pyshim's command line: it wires the config, the plugin
// host and the resolver to the commands.
package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/pyshim/pyshim/config"
	"github.com/pyshim/pyshim/internal/trust"
	"github.com/pyshim/pyshim/plugins/builtin"
	"github.com/pyshim/pyshim/resolver"
)

// app is the state one invocation works with.
type app struct {
	// self is the pyshim executable (the light binary), as the user runs
	// it; the plugin host's Self is pyshim-plugins next to it.
	self     string
	env      map[string]string
	cwd      string
	settings config.Settings
	host     *resolver.Host
	specs    []resolver.PluginSpec
	// missing are plugins the config names that do not exist.
	missing []string
	info    *resolver.InfoCache
}

// newLightApp is the part of newApp that needs no config and no plugins:
// the environment, the current directory and the info cache. The commands
// that can answer from caches (venv, install) start with it.
func newLightApp() (*app, error) {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	cwd, err := os.Getwd()
	if err != nil {
		return nil, fmt.Errorf("finding the current directory: %w", err)
	}
	a := &app{env: env, cwd: cwd}
	a.info = resolver.NewInfoCache(a.cacheDir())
	return a, nil
}

// newApp reads the environment and the config; ctx carries the binary's
// Options (see withOptions).
func newApp(ctx context.Context) (*app, error) {
	a, err := newLightApp()
	if err != nil {
		return nil, err
	}
	a.settings, err = config.Load(config.GlobalPath(a.getenv), projectConfigs(a.cwd)...)
	if err != nil {
		return nil, err
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("finding the pyshim executable: %w", err)
	}
	dir := filepath.Dir(exe)
	a.self = filepath.Join(dir, "pyshim")
	if !fileExists(a.self) {
		a.self = exe
	}
	a.host = &resolver.Host{
		Self:     filepath.Join(dir, resolver.PluginsExeName),
		Timeout:  a.settings.PluginTimeout.V,
		ShimsDir: a.shimsDir(),
		Runner:   optionsFrom(ctx).Runner,
	}
	a.host.ShimExe = findShimExe(exe, a.host.ShimsDir)
	a.specs, a.missing = a.pluginSpecs()
	return a, nil
}

func (a *app) getenv(k string) string { return a.env[k] }

func (a *app) xdg(key, fallback string) string {
	if v := a.env[key]; v != "" {
		return v
	}
	return filepath.Join(a.env["HOME"], fallback)
}

func (a *app) cacheDir() string { return filepath.Join(a.xdg("XDG_CACHE_HOME", ".cache"), "pyshim") }

func (a *app) shimsDir() string {
	if d := a.env["PYSHIM_SHIMS_DIR"]; d != "" {
		return d
	}
	return filepath.Join(a.xdg("XDG_DATA_HOME", ".local/share"), "pyshim", "shims")
}

// findShimExe locates pyshim-exec: next to pyshim, else the target of the
// shims dir's python3; "" when neither exists.
func findShimExe(self, shimsDir string) string {
	if shim := filepath.Join(filepath.Dir(self), "pyshim-exec"); fileExists(shim) {
		return shim
	}
	if shim, err := filepath.EvalSymlinks(filepath.Join(shimsDir, "python3")); err == nil {
		// pyshim-exec installed elsewhere: know it by the shims' target.
		return shim
	}
	return ""
}

// pluginSpecs applies the config to the built-in and third-party plugins.
func (a *app) pluginSpecs() (specs []resolver.PluginSpec, missing []string) {
	dirs := []string{filepath.Join(a.xdg("XDG_DATA_HOME", ".local/share"), "pyshim", "plugins")}
	dirs = append(dirs, filepath.SplitList(a.env["PATH"])...)
	third := map[string]resolver.PluginSpec{}
	var thirdOrder []string
	for _, s := range resolver.FindThirdParty(dirs) {
		third[s.Name] = s
		thirdOrder = append(thirdOrder, s.Name)
	}
	disabled := map[string]bool{}
	for _, d := range a.settings.DisabledPlugins.V {
		disabled[d] = true
	}
	used := map[string]bool{}
	add := func(name string) {
		if used[name] || disabled[name] {
			return
		}
		used[name] = true
		if slices.Contains(builtin.Names(), name) {
			specs = append(specs, a.host.BuiltinSpec(name))
		} else if s, ok := third[name]; ok {
			s.SHA256 = a.settings.PluginSHA256.V[name]
			specs = append(specs, s)
		} else {
			missing = append(missing, name)
		}
	}
	for _, name := range a.settings.PluginOrder.V {
		add(name)
	}
	if !a.settings.PluginsOnly.V {
		for _, name := range thirdOrder {
			add(name)
		}
	}
	return specs, missing
}

// projectConfigs lists the pyshim.toml files from / down to cwd.
func projectConfigs(cwd string) []string {
	var out []string
	for dir := cwd; ; dir = filepath.Dir(dir) {
		if p := filepath.Join(dir, config.ProjectFile); fileExists(p) {
			out = append([]string{p}, out...)
		}
		if dir == filepath.Dir(dir) {
			return out
		}
	}
}

func (a *app) resolver() *resolver.Resolver {
	return &resolver.Resolver{Host: a.host, Plugins: a.specs, Info: a.info}
}

// inputs are the resolution inputs for an explicit request (may be "").
func (a *app) inputs(request string) resolver.Inputs {
	def := a.settings.Python
	if global := config.GlobalPath(a.getenv); def.Origin != "default" && def.Origin != global {
		// A pyshim.toml's python is its project level, where trust
		// decides whether it may name a path; the config default is the
		// global config's alone (a project file must not reach the
		// default level, which takes paths).
		def = config.Defaults().Python
		if g, err := config.Load(global); err == nil {
			def = g.Python
		}
	}
	return resolver.Inputs{
		Request:       request,
		Cwd:           a.cwd,
		Env:           a.env,
		ConfigDefault: def.V,
		ConfigOrigin:  def.Origin,
		Trusted:       trust.Checker(a.env),
	}
}

func (a *app) resolve(ctx context.Context, request string) *resolver.Result {
	return a.resolver().Resolve(ctx, a.inputs(request))
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// exitError carries an exit status out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// exitCode maps an error to a process exit status: 127 when no
// interpreter matches (like a missing command), 1 otherwise.
func exitCode(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}

// Options are what a binary adds to the command line.
type Options struct {
	// Runner runs the plugins. pyshim-plugins passes the in-process
	// go-plugin runner; nil (pyshim) runs them through
	// `pyshim-plugins __host`, so that pyshim links no gRPC.
	Runner resolver.Runner
}

// optionsKey is the context key of the Options.
type optionsKey struct{}

// withOptions returns ctx carrying o.
func withOptions(ctx context.Context, o Options) context.Context {
	return context.WithValue(ctx, optionsKey{}, o)
}

// optionsFrom returns the Options ctx carries, or the zero Options.
func optionsFrom(ctx context.Context) Options {
	o, _ := ctx.Value(optionsKey{}).(Options)
	return o
}

// bulkWorkGC tunes the garbage collector for a command that places
// thousands of files and then exits (install, venv --seed): no collection
// until the heap nears a soft limit. Collecting a heap that stays around
// 15 MB a dozen times costs such a command about a tenth of its time.
func bulkWorkGC() {
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(512 << 20)
}
