package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/pyshim/pyshim/plugins/sdk"
	"github.com/pyshim/pyshim/plugins/sdk/interp"
)

// PluginName is the plugin's name: its binary is pyshim-plugin-uv, the
// candidates it returns carry it as Source, and `uv:3.12` pins a request to
// it.
const PluginName = "uv"

// PluginVersion is the version Describe reports.
const PluginVersion = "0.1.0"

// Plugin discovers uv-managed Pythons. It holds no state between calls; the
// zero value is not usable, call New.
type Plugin struct {
	// goos and goarch are the platform whose installations are offered;
	// New sets them to the running one, tests may set others.
	goos, goarch string
}

// New returns the plugin for the running platform.
func New() *Plugin {
	return &Plugin{goos: runtime.GOOS, goarch: runtime.GOARCH}
}

var _ sdk.Discoverer = (*Plugin)(nil)

// Describe implements sdk.Discoverer.
func (p *Plugin) Describe(context.Context) (sdk.Description, error) {
	return sdk.Description{
		Name:    PluginName,
		Version: PluginVersion,
		Summary: "Pythons installed by `uv python install` ($UV_PYTHON_INSTALL_DIR, else $XDG_DATA_HOME/uv/python)",
	}, nil
}

// Discover implements sdk.Discoverer. It lists every installation for this
// platform under the uv install root, reading versions from directory
// names; it starts no interpreter. Directories it cannot parse are skipped
// with a warning. The answer depends only on the root's entries, so the
// root is the one watched path (installing or removing a Python adds or
// removes an entry and so changes the root's mtime).
func (p *Plugin) Discover(ctx context.Context, req sdk.DiscoverRequest) (sdk.DiscoverResult, error) {
	root, err := InstallRoot(req.Env, req.Cwd)
	if err != nil {
		return sdk.DiscoverResult{Warnings: []string{err.Error()}}, nil
	}
	res := sdk.DiscoverResult{Watch: []string{root}}
	entries, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return res, nil // uv has installed nothing yet
	}
	if err != nil {
		return sdk.DiscoverResult{}, fmt.Errorf("reading uv python directory: %w", err)
	}

	byDir := make(map[string]int) // installation dir name -> index in res.Candidates
	var links []string            // minor-version links, resolved after the installs
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return sdk.DiscoverResult{}, fmt.Errorf("listing %s: %w", root, err)
		}
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue // uv's .lock, .cache, .temp and the like
		}
		dir := filepath.Join(root, name)
		fi, err := os.Stat(dir) // follows minor-version links
		if err != nil {
			res.Warnings = append(res.Warnings, fmt.Sprintf("skipping %s: %v", dir, err))
			continue
		}
		if !fi.IsDir() {
			continue
		}
		n, err := ParseInstallName(name)
		if err != nil {
			res.Warnings = append(res.Warnings, fmt.Sprintf("skipping %s: %v", dir, err))
			continue
		}
		if n.GOOS != p.goos || n.GOARCH != p.goarch {
			continue // another platform's build: uv keeps those too
		}
		if n.IsMinorLink() {
			links = append(links, name)
			continue
		}
		if n.Debug {
			res.Warnings = append(res.Warnings, fmt.Sprintf("skipping %s: debug builds are not offered", dir))
			continue
		}
		c, err := candidate(dir, n)
		if err != nil {
			res.Warnings = append(res.Warnings, fmt.Sprintf("skipping %s: %v", dir, err))
			continue
		}
		byDir[name] = len(res.Candidates)
		res.Candidates = append(res.Candidates, c)
	}

	// A minor-version link (cpython-3.12-linux-x86_64-gnu) is another name
	// for the installation it points at, not another interpreter.
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return sdk.DiscoverResult{}, fmt.Errorf("resolving uv python directory %s: %w", root, err)
	}
	for _, name := range links {
		target, err := filepath.EvalSymlinks(filepath.Join(root, name))
		if err != nil || filepath.Dir(target) != realRoot {
			continue
		}
		if i, ok := byDir[filepath.Base(target)]; ok {
			res.Candidates[i].Names = append(res.Candidates[i].Names, name)
		}
	}
	return res, nil
}

// Unwrap implements sdk.Discoverer. uv's Pythons are real interpreters, not
// wrappers, so the plugin recognises nothing.
func (p *Plugin) Unwrap(context.Context, string, map[string]string) (sdk.Interpreter, bool, error) {
	return sdk.Interpreter{}, false, nil
}

// InstallRoot returns the directory uv installs Pythons into, from the
// host-provided environment subset env: $UV_PYTHON_INSTALL_DIR (relative to
// cwd when relative), else $XDG_DATA_HOME/uv/python, where XDG_DATA_HOME
// defaults to $HOME/.local/share and a relative value is ignored, as the
// XDG base directory specification says.
func InstallRoot(env map[string]string, cwd string) (string, error) {
	if d := env["UV_PYTHON_INSTALL_DIR"]; d != "" {
		if filepath.IsAbs(d) {
			return filepath.Clean(d), nil
		}
		if !filepath.IsAbs(cwd) {
			return "", fmt.Errorf("UV_PYTHON_INSTALL_DIR %q is relative and the working directory is unknown", d)
		}
		return filepath.Join(cwd, d), nil
	}
	data := env["XDG_DATA_HOME"]
	if !filepath.IsAbs(data) {
		home := env["HOME"]
		if !filepath.IsAbs(home) {
			return "", errors.New("cannot locate uv's Pythons: none of UV_PYTHON_INSTALL_DIR, XDG_DATA_HOME or HOME is set to an absolute path")
		}
		data = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(data, "uv", "python"), nil
}

// candidate builds the Interpreter for the installation in dir named n.
func candidate(dir string, n InstallName) (interp.Interpreter, error) {
	var tried []string
	for _, rel := range n.Executables() {
		path := filepath.Join(dir, filepath.FromSlash(rel))
		exe, err := filepath.EvalSymlinks(path)
		if errors.Is(err, fs.ErrNotExist) {
			tried = append(tried, rel)
			continue
		}
		if err != nil {
			return interp.Interpreter{}, fmt.Errorf("resolving %s: %w", path, err)
		}
		fi, err := os.Stat(exe)
		if err != nil {
			return interp.Interpreter{}, fmt.Errorf("checking %s: %w", exe, err)
		}
		if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
			return interp.Interpreter{}, fmt.Errorf("%s is not an executable file", exe)
		}
		return interp.Interpreter{
			Path:           path,
			Exe:            exe,
			Argv0:          path,
			Version:        n.Version(),
			Implementation: n.Implementation,
			Kind:           interp.KindBase,
			Source:         PluginName,
			Names:          []string{n.String()},
		}, nil
	}
	return interp.Interpreter{}, fmt.Errorf("no interpreter found (looked for %s)", strings.Join(tried, ", "))
}
