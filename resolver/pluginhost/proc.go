package pluginhost

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// procRunner starts a plugin process for go-plugin. Unlike go-plugin's own
// runner it gives the plugin no stdin, and it keeps the tail of the
// plugin's stderr so a crash can be reported with its last words.
type procRunner struct {
	cmd    *exec.Cmd
	stdout io.ReadCloser
	// stderr is read by us, into tail, until the plugin exits; stderrDone
	// is closed then.
	stderr     io.ReadCloser
	stderrDone chan struct{}
	tail       *tailBuffer

	mu   sync.Mutex
	proc *os.Process // set once started; read by Kill from other goroutines
}

func newProcRunner(cmd *exec.Cmd) (*procRunner, error) {
	cmd.Stdin = nil
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("plugin stdout: %w", err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, fmt.Errorf("plugin stderr: %w", err)
	}
	return &procRunner{cmd: cmd, stdout: stdout, stderr: stderr, stderrDone: make(chan struct{}), tail: &tailBuffer{max: 2048}}, nil
}

// Start starts the plugin and collects its stderr.
func (r *procRunner) Start(context.Context) error {
	if err := r.cmd.Start(); err != nil {
		close(r.stderrDone)
		return err
	}
	r.mu.Lock()
	r.proc = r.cmd.Process
	r.mu.Unlock()
	go func() {
		defer close(r.stderrDone)
		_, _ = io.Copy(r.tail, r.stderr)
	}()
	return nil
}

// LastWords waits (briefly) for the plugin's stderr to close and returns
// its last non-empty line.
func (r *procRunner) LastWords(wait time.Duration) string {
	select {
	case <-r.stderrDone:
	case <-time.After(wait):
	}
	return r.tail.LastLine()
}
func (r *procRunner) Wait(context.Context) error { return r.cmd.Wait() }

// Kill stops the plugin and its process group at once; it may be called
// more than once, from any goroutine.
func (r *procRunner) Kill(context.Context) error {
	r.mu.Lock()
	p := r.proc
	r.mu.Unlock()
	if p == nil {
		return nil
	}
	// The plugin leads its own process group (Setpgid): take its
	// children too.
	_ = syscall.Kill(-p.Pid, syscall.SIGKILL)
	if err := p.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	return nil
}

func (r *procRunner) Diagnose(context.Context) string { return r.tail.String() }
func (r *procRunner) Stdout() io.ReadCloser           { return r.stdout }

// Stderr gives go-plugin nothing: the runner keeps the plugin's stderr.
func (r *procRunner) Stderr() io.ReadCloser { return io.NopCloser(strings.NewReader("")) }
func (r *procRunner) Name() string          { return r.cmd.Path }

func (r *procRunner) ID() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.proc == nil {
		return ""
	}
	return fmt.Sprint(r.proc.Pid)
}

func (r *procRunner) PluginToHost(n, a string) (string, string, error) { return n, a, nil }
func (r *procRunner) HostToPlugin(n, a string) (string, string, error) { return n, a, nil }

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = t.buf[len(t.buf)-t.max:]
	}
	return len(p), nil
}

// LastLine returns the last non-empty line written.
func (t *tailBuffer) LastLine() string {
	lines := strings.Split(strings.TrimSpace(t.String()), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
