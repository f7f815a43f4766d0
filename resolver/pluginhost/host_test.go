package pluginhost

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pyshim/pyshim/internal/testenv"
	"github.com/pyshim/pyshim/plugins/builtin"
	"github.com/pyshim/pyshim/plugins/sdk"
	"github.com/pyshim/pyshim/plugins/sdk/interp"
	"github.com/pyshim/pyshim/resolver"
)

// TestMain lets the test binary act as pyshim-plugins: the host
// re-executes it with BuiltinArg NAME to serve a test plugin, and
// resolver.ExecRunner with HostArg to run a round of plugins.
func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == resolver.BuiltinArg {
		serveTestPlugin(os.Args[2])
		os.Exit(0)
	}
	if len(os.Args) > 1 && os.Args[1] == resolver.HostArg {
		if err := ServeHost(context.Background(), os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// goodPython is a real interpreter the test plugins report.
func goodPython() string {
	return filepath.Join(testenv.RealPyenvRoot(), "versions", "3.11.7", "bin", "python3.11")
}

// testPlugin answers with a fixed list, or blocks in Discover.
type testPlugin struct {
	name  string
	cands []interp.Interpreter
	block bool
}

func (p testPlugin) Describe(context.Context) (sdk.Description, error) {
	return sdk.Description{Name: p.name, Version: "test"}, nil
}

func (p testPlugin) Discover(_ context.Context, req sdk.DiscoverRequest) (sdk.DiscoverResult, error) {
	writePid(req.Env, p.name)
	if p.block {
		select {} // ignores the context: the host must kill it
	}
	return sdk.DiscoverResult{Candidates: p.cands, Watch: []string{"/watched"}}, nil
}

func (p testPlugin) Unwrap(_ context.Context, path string, _ map[string]string) (interp.Interpreter, bool, error) {
	if path == "/wrapped" {
		return interp.Interpreter{Path: path, Exe: goodPython(), Argv0: goodPython(), Version: "3.11.7"}, true, nil
	}
	return interp.Interpreter{}, false, nil
}

// writePid records the plugin's pid in $XDG_STATE_HOME/NAME.pid, so a test
// can check the host killed it.
func writePid(env map[string]string, name string) {
	if dir := env["XDG_STATE_HOME"]; dir != "" {
		_ = os.WriteFile(filepath.Join(dir, name+".pid"), []byte(strconv.Itoa(os.Getpid())), 0o644)
	}
}

func serveTestPlugin(name string) {
	good := interp.Interpreter{Path: goodPython(), Exe: goodPython(), Version: "3.11.7", Names: []string{"3.11.7"}}
	switch name {
	case "good":
		sdk.Serve(testPlugin{name: name, cands: []interp.Interpreter{good}})
	case "bad":
		sdk.Serve(testPlugin{name: name, cands: []interp.Interpreter{
			{Path: "relative/python", Exe: goodPython()},
			{Path: "/nonexistent/python3", Exe: "/nonexistent/python3"},
			{Path: goodPython(), Exe: goodPython(), Version: "3.x.banana"},
			{Path: filepath.Join(os.Getenv("XDG_STATE_HOME"), "pyshim-exec"), Exe: filepath.Join(os.Getenv("XDG_STATE_HOME"), "pyshim-exec")},
			{Path: goodPython(), Exe: goodPython(), Kind: "spaceship"},
			good,
		}})
	case "hangcall":
		sdk.Serve(testPlugin{name: name, block: true})
	case "hangstart":
		writePid(map[string]string{"XDG_STATE_HOME": os.Getenv("XDG_STATE_HOME")}, name)
		select {}
	case "crash":
		fmt.Fprintln(os.Stderr, "panic: the plugin fell over")
		os.Exit(2)
	case "garbage":
		fmt.Println("hello, I am not a plugin")
		time.Sleep(10 * time.Second)
	}
}

// runners are the two ways a Host runs plugins: in this process with
// go-plugin, and through a `pyshim-plugins __host` child (this test binary).
func runners(t *testing.T) map[string]resolver.Runner {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return map[string]resolver.Runner{"in-process": Runner{}, "exec": resolver.ExecRunner{Path: self}}
}

// quickRaceExit stops a race-enabled host process from sleeping a second
// at exit (the race runtime's atexit_sleep_ms), which would eat the whole
// margin ExecRunner gives it past the plugins' deadline.
func quickRaceExit(t *testing.T) {
	t.Setenv("GORACE", strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
}

func testHost(t *testing.T, r resolver.Runner) *resolver.Host {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return &resolver.Host{Self: self, Timeout: 2 * time.Second, Runner: r}
}

func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

func readPid(t *testing.T, dir, name string) int {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, name+".pid"))
	if err != nil {
		t.Fatalf("plugin %s wrote no pid: %v", name, err)
	}
	pid, _ := strconv.Atoi(string(data))
	return pid
}

func TestHostSurvivesBadPlugins(t *testing.T) {
	testenv.Require(t, goodPython())
	for name, r := range runners(t) {
		t.Run(name, func(t *testing.T) {
			quickRaceExit(t)
			testHostSurvivesBadPlugins(t, r)
		})
	}
}

func testHostSurvivesBadPlugins(t *testing.T, r resolver.Runner) {
	h := testHost(t, r)
	h.Timeout = 1500 * time.Millisecond
	state := t.TempDir()
	// A stand-in for pyshim's shim binary: a candidate naming it must go.
	shim := filepath.Join(state, "pyshim-exec")
	testenv.WriteFile(t, shim, "#!/bin/sh\n", 0o755)
	h.ShimExe = shim

	names := []string{"good", "bad", "hangcall", "hangstart", "crash", "garbage"}
	var specs []resolver.PluginSpec
	for _, n := range names {
		specs = append(specs, h.BuiltinSpec(n))
	}
	reports := h.Run(context.Background(), specs, sdk.DiscoverRequest{Env: map[string]string{"XDG_STATE_HOME": state}}, "/wrapped")
	byName := map[string]resolver.PluginReport{}
	for i, r := range reports {
		if r.Spec.Name != names[i] {
			t.Fatalf("report %d is %s, want %s (order must follow specs)", i, r.Spec.Name, names[i])
		}
		byName[r.Spec.Name] = r
	}

	good := byName["good"]
	if good.Err != nil || len(good.Result.Candidates) != 1 || good.Result.Candidates[0].Source != "good" {
		t.Errorf("good plugin: err=%v candidates=%+v", good.Err, good.Result.Candidates)
	}
	if good.Unwrapped == nil || good.Unwrapped.Exe != goodPython() {
		t.Errorf("good plugin's Unwrap answer lost: %+v", good.Unwrapped)
	}
	if len(good.Result.Watch) != 1 || good.Result.Watch[0] != "/watched" {
		t.Errorf("watch paths lost: %v", good.Result.Watch)
	}

	bad := byName["bad"]
	if bad.Err != nil || len(bad.Result.Candidates) != 1 {
		t.Errorf("bad plugin: err=%v kept=%+v", bad.Err, bad.Result.Candidates)
	}
	wantReasons := []string{"not absolute", "does not exist", "does not parse", "pyshim's own shims", "unknown kind"}
	if len(bad.Rejected) != len(wantReasons) {
		t.Errorf("rejected %d candidates, want %d: %+v", len(bad.Rejected), len(wantReasons), bad.Rejected)
	}
	for i, want := range wantReasons {
		if i < len(bad.Rejected) && !strings.Contains(bad.Rejected[i].Reason, want) {
			t.Errorf("rejection %d = %q, want it to say %q", i, bad.Rejected[i].Reason, want)
		}
	}

	for _, n := range []string{"hangcall", "hangstart"} {
		r := byName[n]
		if r.Err == nil || !strings.Contains(r.Err.Error(), "deadline") {
			t.Errorf("%s: err = %v, want a deadline error", n, r.Err)
		}
		if pid := readPid(t, state, n); alive(pid) {
			t.Errorf("%s: plugin process %d still alive after Run returned", n, pid)
		}
	}
	if r := byName["crash"]; r.Err == nil || !strings.Contains(r.Err.Error(), "the plugin fell over") {
		t.Errorf("crash: err = %v, want the plugin's last words", r.Err)
	}
	if r := byName["garbage"]; r.Err == nil || strings.Contains(r.Err.Error(), "deadline") {
		t.Errorf("garbage: err = %v, want a handshake error, not a timeout", r.Err)
	}
}

func TestHostGivesPluginsNoStdin(t *testing.T) {
	// A plugin's stdin must not be ours: a shim's stdin belongs to python.
	for name, r := range runners(t) {
		t.Run(name, func(t *testing.T) {
			quickRaceExit(t)
			testHostGivesPluginsNoStdin(t, r)
		})
	}
}

func testHostGivesPluginsNoStdin(t *testing.T, run resolver.Runner) {
	h := testHost(t, run)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	old := os.Stdin
	os.Stdin = r
	defer func() { os.Stdin = old }()
	reports := h.Run(context.Background(), []resolver.PluginSpec{h.BuiltinSpec("good")}, sdk.DiscoverRequest{}, "")
	if reports[0].Err != nil {
		t.Fatal(reports[0].Err)
	}
	// Nothing read our pipe: what we write is still there to read.
	if _, err := w.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1)
	if n, _ := r.Read(buf); n != 1 || buf[0] != 'x' {
		t.Errorf("stdin was consumed")
	}
}

// Every name builtin.Names lists is served, and nothing else.
func TestBuiltinNames(t *testing.T) {
	for _, n := range builtin.Names() {
		if _, ok := Builtin(n); !ok {
			t.Errorf("builtin.Names lists %s, which Builtin does not serve", n)
		}
	}
	if _, ok := Builtin("nope"); ok {
		t.Error("Builtin serves an unknown name")
	}
}
