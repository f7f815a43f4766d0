package resolver

import (
	"encoding/json"
	"errors"
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
