package resolver

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/pyshim/pyshim/internal/testenv"
	"github.com/pyshim/pyshim/plugins/sdk/interp"
)

func TestFindThirdParty(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	testenv.WriteFile(t, filepath.Join(a, "pyshim-plugin-uv"), "#!/bin/sh\n", 0o755)
	testenv.WriteFile(t, filepath.Join(b, "pyshim-plugin-uv"), "#!/bin/sh\n", 0o755)
	testenv.WriteFile(t, filepath.Join(b, "pyshim-plugin-asdf"), "#!/bin/sh\n", 0o755)
	testenv.WriteFile(t, filepath.Join(b, "pyshim-plugin-noexec"), "", 0o644)
	testenv.WriteFile(t, filepath.Join(b, "pyshim-plugin-"), "#!/bin/sh\n", 0o755)
	got := FindThirdParty([]string{a, "", "/nonexistent", b})
	if len(got) != 2 || got[0].Name != "asdf" || got[1].Name != "uv" || got[1].Path != filepath.Join(a, "pyshim-plugin-uv") {
		t.Errorf("got %+v", got)
	}
}

// A report survives the trip through JSON from a pyshim-plugins host,
// its error as the message.
func TestPluginReportJSON(t *testing.T) {
	in := []PluginReport{
		{Spec: PluginSpec{Name: "a", Path: "/x", Args: []string{BuiltinArg, "a"}, Builtin: true},
			Unwrapped: &interp.Interpreter{Path: "/p", Exe: "/p", Env: []interp.EnvOp{{Op: interp.EnvPrefix, Name: "PATH", Value: "/b", Sep: ":"}}},
			Start:     3 * time.Millisecond, Call: time.Second},
		{Spec: PluginSpec{Name: "b"}, Err: errors.New("failed to start: boom")},
	}
	in[0].Result.Candidates = []interp.Interpreter{{Path: "/q", Exe: "/q", Version: "3.12.1", Names: []string{"x"}}}
	in[0].Result.Watch = []string{"/w"}
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out []PluginReport
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	if out[1].Err == nil || out[1].Err.Error() != "failed to start: boom" {
		t.Errorf("error became %v", out[1].Err)
	}
	out[1].Err, in[1].Err = nil, nil
	if !reflect.DeepEqual(in, out) {
		t.Errorf("round trip:\n got %+v\nwant %+v", out, in)
	}
}

// TestFindThirdPartyRefusesWritableByOthers: a plugin whose directory or
// file group or others may write is listed as refused, saying which path,
// its mode and the chmod that fixes it; an owner-only one is not.
func TestFindThirdPartyRefusesWritableByOthers(t *testing.T) {
	open := filepath.Join(t.TempDir(), "open")
	closed := filepath.Join(t.TempDir(), "closed")
	for _, d := range []string{open, closed} {
		testenv.WriteFile(t, filepath.Join(d, "pyshim-plugin-a"+filepath.Base(d)), "#!/bin/sh\n", 0o755)
	}
	testenv.WriteFile(t, filepath.Join(closed, "pyshim-plugin-groupw"), "#!/bin/sh\n", 0o755)
	// Modes set explicitly: the umask must not decide the test.
	for p, m := range map[string]os.FileMode{open: 0o777, closed: 0o755, filepath.Join(closed, "pyshim-plugin-groupw"): 0o775} {
		if err := os.Chmod(p, m); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string]string{}
	for _, s := range FindThirdParty([]string{open, closed}) {
		got[s.Name] = s.Refused
	}
	want := map[string]string{
		"aopen":   "refused: " + open + " is writable by group or others (mode 0777); fix it with `chmod go-w " + open + "`",
		"aclosed": "",
		"groupw":  "refused: " + filepath.Join(closed, "pyshim-plugin-groupw") + " is writable by group or others (mode 0775); fix it with `chmod go-w " + filepath.Join(closed, "pyshim-plugin-groupw") + "`",
	}
	for name, w := range want {
		if g, ok := got[name]; !ok || g != w {
			t.Errorf("%s: Refused = %q, want %q", name, g, w)
		}
	}
}
