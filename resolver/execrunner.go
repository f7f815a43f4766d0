package resolver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// HostArg is the hidden first argument with which pyshim-plugins runs one
// round of plugins for another process: `pyshim-plugins __host` reads a
// RunRequest as JSON on stdin and writes the []PluginReport as JSON on
// stdout.
const HostArg = "__host"

// PluginsExeName is the file name of the binary that links the plugin
// transport (go-plugin, gRPC) and serves the built-in plugins. It is
// installed next to pyshim.
const PluginsExeName = "pyshim-plugins"

// hostMargin is how long past the plugins' own deadline the host process
// itself may take before it is killed.
const hostMargin = time.Second

// ExecRunner runs plugins through a `pyshim-plugins __host` child process,
// so that the binary using it links no gRPC. The child applies each
// plugin's deadline; the child itself is killed at the deadline plus a
// margin.
type ExecRunner struct {
	// Path is the pyshim-plugins executable.
	Path string
}

// Run implements Runner.
func (r ExecRunner) Run(ctx context.Context, req RunRequest) []PluginReport {
	in, err := json.Marshal(req)
	if err != nil {
		return failAll(req.Specs, fmt.Errorf("encoding the plugin request: %w", err))
	}
	ctx, cancel := context.WithTimeout(ctx, req.Timeout+hostMargin)
	defer cancel()
	var out, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, r.Path, HostArg)
	cmd.Stdin = bytes.NewReader(in)
	cmd.Stdout, cmd.Stderr = &out, &stderr
	// Its own process group, so that a kill at the deadline takes it whole.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		return cmd.Process.Kill()
	}
	cmd.WaitDelay = 100 * time.Millisecond
	err = cmd.Run()
	switch {
	case ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
		return failAll(req.Specs, errors.New("no answer before the deadline; killed"))
	case err != nil:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			if last := lastLine(stderr.String()); last != "" {
				err = fmt.Errorf("%w (it said: %s)", err, last)
			}
			return failAll(req.Specs, fmt.Errorf("plugin host %s failed: %s", r.Path, OneLine(err)))
		}
		return failAll(req.Specs, fmt.Errorf("cannot run the plugin host %s: %w (install %s next to pyshim with install.sh)", r.Path, err, PluginsExeName))
	}
	var reports []PluginReport
	if err := json.Unmarshal(out.Bytes(), &reports); err != nil {
		return failAll(req.Specs, fmt.Errorf("plugin host %s answered garbage: %w", r.Path, err))
	}
	if len(reports) != len(req.Specs) {
		return failAll(req.Specs, fmt.Errorf("plugin host %s answered %d reports for %d plugins", r.Path, len(reports), len(req.Specs)))
	}
	return reports
}

// failAll is one report per spec, each failed with err.
func failAll(specs []PluginSpec, err error) []PluginReport {
	out := make([]PluginReport, len(specs))
	for i, s := range specs {
		out[i] = PluginReport{Spec: s, Err: err}
	}
	return out
}

// lastLine is the last non-empty line of s, trimmed.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
