package build

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

//go:embed hooks.py
var hooksScript []byte

// runner calls one backend's hooks in one source tree with one python.
type runner struct {
	python      string
	env         []string
	src         string // the source tree: the hooks' working directory
	backend     string
	backendPath []string
	tmp         string // a private directory for requests and results
	calls       int
	// label names what is built in messages ("foo==1.0", "/src/proj");
	// reproduce says how to get the source tree back ("cd /src/proj").
	label, reproduce string
}

// result is what hooks.py writes.
type result struct {
	Return  json.RawMessage `json:"return"`
	Missing bool            `json:"missing"`
	Error   string          `json:"error"`
	Message string          `json:"message"`
}

// Error is a failed build: the hook, the backend's last lines of output and
// a command that runs the hook again.
type Error struct {
	Label, Backend, Hook string
	// Why is the short cause ("exit status 1", "the backend cannot be
	// imported").
	Why string
	// Tail are the last lines the backend printed.
	Tail []string
	// Reproduce is a shell command that runs the hook again.
	Reproduce string
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "building %s failed: %s's %s hook: %s", e.Label, e.Backend, e.Hook, e.Why)
	if len(e.Tail) > 0 {
		b.WriteString("; its last lines of output:")
		for _, l := range e.Tail {
			b.WriteString("\n  | " + l)
		}
	}
	if e.Reproduce != "" {
		b.WriteString("\nto reproduce it: " + e.Reproduce)
	}
	return b.String()
}

// MissingHookError is a backend without a hook the build needs (PEP 660's
// build_editable, most often).
type MissingHookError struct{ Label, Backend, Hook string }

func (e *MissingHookError) Error() string {
	if e.Hook == "build_editable" {
		return fmt.Sprintf("cannot install %s as editable: its build backend %s has no build_editable hook (PEP 660); upgrade the backend (setuptools>=64, hatchling, flit_core>=3.4, poetry-core>=1.0.8) or install without -e", e.Label, e.Backend)
	}
	return fmt.Sprintf("cannot build %s: its build backend %s has no %s hook", e.Label, e.Backend, e.Hook)
}

const tailLines = 25

// call runs hook with kwargs and decodes its return value into out (nil:
// ignored). missing reports a backend without the hook.
func (r *runner) call(ctx context.Context, hook string, kwargs map[string]any, out any) (missing bool, err error) {
	r.calls++
	script := filepath.Join(r.tmp, "pyshim_hooks.py")
	if r.calls == 1 {
		if err := os.WriteFile(script, hooksScript, 0o600); err != nil {
			return false, fmt.Errorf("writing the hook runner: %w", err)
		}
	}
	req, err := json.Marshal(map[string]any{"backend": r.backend, "backend_path": r.backendPath, "kwargs": kwargs})
	if err != nil {
		return false, err
	}
	reqPath := filepath.Join(r.tmp, fmt.Sprintf("hook-%d.json", r.calls))
	resPath := filepath.Join(r.tmp, fmt.Sprintf("hook-%d.result.json", r.calls))
	if err := os.WriteFile(reqPath, req, 0o600); err != nil {
		return false, fmt.Errorf("writing the hook request: %w", err)
	}
	var output tail
	cmd := exec.CommandContext(ctx, r.python, script, hook, reqPath, resPath)
	cmd.Dir, cmd.Env = r.src, r.env
	cmd.Stdout, cmd.Stderr = &output, &output
	cmd.WaitDelay = 5 * time.Second
	runErr := cmd.Run()
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	fail := func(why string) error {
		return &Error{Label: r.label, Backend: r.backend, Hook: hook, Why: why, Tail: output.lines(tailLines), Reproduce: r.reproduceCmd(hook)}
	}
	var res result
	b, rerr := os.ReadFile(resPath)
	if rerr != nil || json.Unmarshal(b, &res) != nil {
		if runErr != nil {
			return false, fail(runErr.Error())
		}
		return false, fail("it wrote no result")
	}
	switch {
	case res.Error == "backend-unavailable":
		return false, fail("the backend cannot be imported (is it in [build-system] requires?): " + lastLine(res.Message))
	case res.Error == "backend-path":
		return false, fail(res.Message)
	case res.Error != "":
		return false, fail(lastLine(res.Message))
	case runErr != nil:
		return false, fail(runErr.Error())
	case res.Missing:
		return true, nil
	}
	if out != nil {
		if err := json.Unmarshal(res.Return, out); err != nil {
			return false, fail(fmt.Sprintf("it returned %s, which is not what PEP 517 says it returns", truncate(string(res.Return), 80)))
		}
	}
	return false, nil
}

// reproduceCmd is a shell command that runs hook by hand.
func (r *runner) reproduceCmd(hook string) string {
	mod, obj, _ := strings.Cut(r.backend, ":")
	var py strings.Builder
	if len(r.backendPath) > 0 {
		q, _ := json.Marshal(r.backendPath)
		fmt.Fprintf(&py, "import sys; sys.path[:0] = %s; ", q)
	}
	fmt.Fprintf(&py, "import %s as b; ", mod)
	target := "b"
	if obj != "" {
		target += "." + obj
	}
	arg := ""
	switch {
	case strings.HasPrefix(hook, "build_"):
		arg = `"dist"`
	case strings.HasPrefix(hook, "prepare_metadata"):
		arg = `"."`
	}
	fmt.Fprintf(&py, "print(%s.%s(%s))", target, hook, arg)
	cmd := shellQuote(r.python) + " -c " + shellQuote(py.String())
	if r.reproduce != "" {
		return r.reproduce + " && " + cmd
	}
	return cmd
}

// tail keeps the end of a process's output.
type tail struct{ buf []byte }

const tailBytes = 64 << 10

func (t *tail) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if len(t.buf) > 2*tailBytes {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-tailBytes:]...)
	}
	return len(p), nil
}

func (t *tail) lines(n int) []string {
	text := strings.TrimRight(string(bytes.ToValidUTF8(t.buf, []byte("?"))), "\n")
	if text == "" {
		return nil
	}
	ls := strings.Split(text, "\n")
	if len(ls) > n {
		ls = ls[len(ls)-n:]
	}
	for i, l := range ls {
		ls[i] = strings.TrimRight(l, "\r")
	}
	return ls
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:@,+") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
