package shim

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pyshim/pyshim/plugins/sdk/interp"
)

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mode   Mode
		module string
		narrow string
	}{
		{"python", ModeInterpreter, "", ""},
		{"python3", ModeInterpreter, "", "python3"},
		{"python3.10", ModeInterpreter, "", "python3.10"},
		{"python3.13t", ModeInterpreter, "", "python3.13t"},
		{"python2.7", ModeInterpreter, "", "python2.7"},
		{"pypy", ModeInterpreter, "", "pypy"},
		{"pypy3", ModeInterpreter, "", "pypy3"},
		{"pypy3.9", ModeInterpreter, "", "pypy3.9"},
		{"pip", ModeModule, "pip", ""},
		{"pip3", ModeModule, "pip", "python3"},
		{"pip3.12", ModeModule, "pip", "python3.12"},
		{"pydoc3", ModeModule, "pydoc", "python3"},
		{"idle3", ModeModule, "idlelib", "python3"},
		{"idle3.11", ModeModule, "idlelib", "python3.11"},
		{"pyshim-exec", ModeSelf, "", ""},
		{"python3.11-config", ModeScript, "", ""},
		{"python3-config", ModeScript, "", ""},
		{"python3.12.1", ModeScript, "", ""},
		{"python3.13.0rc1", ModeScript, "", ""},
		{"pythonw", ModeScript, "", ""},
		{"pytest", ModeScript, "", ""},
		{"pip-compile", ModeScript, "", ""},
		{"pipx", ModeScript, "", ""},
		{"2to3-3.11", ModeScript, "", ""},
	} {
		got := Classify(tc.name)
		if got.Mode != tc.mode || got.Module != tc.module || got.Narrow != tc.narrow || got.Name != tc.name {
			t.Errorf("Classify(%q) = %+v, want mode %d module %q narrow %q", tc.name, got, tc.mode, tc.module, tc.narrow)
		}
	}
}

func TestBaseShimNames(t *testing.T) {
	names := BaseShimNames()
	for _, want := range []string{"python", "python3", "python3.6", "python3.14", "pip", "pip3", "pip3.6", "pip3.14", "pypy3", "pydoc3", "idle3"} {
		found := false
		for _, n := range names {
			found = found || n == want
		}
		if !found {
			t.Errorf("BaseShimNames lacks %s: %v", want, names)
		}
	}
	for _, n := range names {
		if c := Classify(n); c.Mode == ModeScript || c.Mode == ModeSelf {
			t.Errorf("base shim %s classifies as %+v", n, c)
		}
	}
}

func getenvOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestKey(t *testing.T) {
	root := t.TempDir()
	proj := filepath.Join(root, "proj")
	sub := filepath.Join(proj, "sub")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HOME": filepath.Join(root, "home"), "PATH": "/usr/bin:/bin:relative", "USER": "me", "PYENV_VERSION": "3.11", "PYSHIM_PYTHON": "3.12"}
	key := func(name, cwd string, env map[string]string) string {
		k, _ := Key(KeyInputs{Name: name, Cwd: cwd, Getenv: getenvOf(env)})
		return k
	}
	base := key("python3", sub, env)
	if base != key("python3", sub, env) {
		t.Fatal("the key is not stable")
	}
	// Two directories of one project, with the same files found, share
	// entries.
	if base != key("python3", proj, env) {
		t.Error("the key depends on the cwd though no selection variable is relative")
	}
	if base == key("python3.11", sub, env) {
		t.Error("the shim name does not change the key")
	}
	for _, k := range SelectionEnv() {
		e := map[string]string{}
		for k, v := range env {
			e[k] = v
		}
		e[k] = "/x"
		if key("python3", sub, e) == base {
			t.Errorf("setting %s does not change the key", k)
		}
	}
	other := map[string]string{"NOT_SELECTION": "1"}
	for k, v := range env {
		other[k] = v
	}
	if key("python3", sub, other) != base {
		t.Error("an unrelated variable changes the key")
	}
	// A relative path in a selection variable makes the cwd part of the
	// key.
	for _, kv := range [][2]string{{"VIRTUAL_ENV", "./venv"}, {"PYSHIM_PYTHON", "venv/bin/python"}, {"PYENV_ROOT", "pyenv"}, {"XDG_CONFIG_HOME", "cfg"}} {
		rel := map[string]string{kv[0]: kv[1]}
		for k, v := range env {
			if k != kv[0] {
				rel[k] = v
			}
		}
		if key("python3", sub, rel) == key("python3", proj, rel) {
			t.Errorf("a relative %s does not tie the key to the cwd", kv[0])
		}
	}
	// A new project file, anywhere from cwd up, changes the key; and so
	// does a new global file.
	for _, p := range []string{filepath.Join(proj, ".python-version"), filepath.Join(sub, "pyproject.toml"), filepath.Join(root, "home", ".config", "pyshim", "python-version")} {
		before := key("python3", sub, env)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("3.12\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if key("python3", sub, env) == before {
			t.Errorf("creating %s does not change the key", p)
		}
	}
	if err := os.Mkdir(filepath.Join(sub, ".venv"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, found := Key(KeyInputs{Name: "python3", Cwd: sub, Getenv: getenvOf(env)})
	want := []string{filepath.Join(sub, ".venv"), filepath.Join(sub, "pyproject.toml"), filepath.Join(proj, ".python-version")}
	if !reflect.DeepEqual(found, want) {
		t.Errorf("project files %v, want %v (nearest first)", found, want)
	}
}

func TestFingerprints(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	link := filepath.Join(dir, "l")
	if err := os.WriteFile(file, []byte("3.11\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(file, old, old); err != nil {
		t.Fatal(err)
	}
	fps := append(Fingerprints(file), Fingerprints(link)...)
	fps = append(fps, Fingerprints(filepath.Join(dir, "absent"))...)
	if len(fps) != 4 || !fps[3].Absent || fps[1].Follow || !fps[2].Follow {
		t.Fatalf("fingerprints %+v: want the file, the link, its target, and an absent path", fps)
	}
	holds := func() bool {
		for i := range fps {
			if !fps[i].Holds() {
				return false
			}
		}
		return true
	}
	if !holds() {
		t.Fatal("fresh fingerprints do not hold")
	}
	if fps[0].Racy(time.Now()) {
		t.Error("a file changed an hour ago is racy")
	}
	// An edit of the same size, at another time, is seen.
	if err := os.WriteFile(file, []byte("3.12\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if holds() {
		t.Error("an edit keeps the fingerprint")
	}
	if f := Fingerprints(file)[0]; !f.Racy(time.Now()) {
		t.Error("a file changed just now is not racy")
	}
	// A path that appears breaks the absent fingerprint.
	fps = Fingerprints(filepath.Join(dir, "new"))
	if err := os.WriteFile(filepath.Join(dir, "new"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if fps[0].Holds() {
		t.Error("a new file keeps the absent fingerprint")
	}
}

func TestLookup(t *testing.T) {
	dir := t.TempDir()
	watched := filepath.Join(dir, "watched")
	if err := os.WriteFile(watched, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	e := &Entry{Key: "k1", Name: "python3", Target: Target{File: "/usr/bin/python3", Argv: []string{"/usr/bin/python3"},
		Env: []interp.EnvOp{{Op: interp.EnvSet, Name: "A", Value: "b"}}}, Final: true, Files: Fingerprints(watched)}
	if err := Write(dir, e); err != nil {
		t.Fatal(err)
	}
	got, err := Lookup(dir, "k1")
	if err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	if !reflect.DeepEqual(got.Target, e.Target) || !got.Final {
		t.Errorf("entry read back as %+v, want %+v", got, e)
	}
	data, err := os.ReadFile(EntryPath(dir, "k1"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"truncated", data[:len(data)/2], "corrupt"},
		{"empty", nil, "corrupt"},
		{"garbage", []byte("\x00\x01garbage"), "corrupt"},
		{"other format", []byte(strings.Replace(string(data), "pyshim-resolve 1\n", "pyshim-resolve 0\n", 1)), "format"},
		{"no target", []byte("pyshim-resolve 1\nkey \"k1\"\nfp 0 1 0 0 0 0 0 \"/x\"\nend\n"), "incomplete"},
		{"other key", []byte(strings.Replace(string(data), `key "k1"`, `key "k2"`, 1)), "another key"},
		{"bad number", []byte(strings.Replace(string(data), "fp 0 0 ", "fp 0 0 x", 1)), "corrupt"},
		{"unknown line", []byte(strings.Replace(string(data), "final 1\n", "final 1\nnew 1\n", 1)), "corrupt"},
		{"json", []byte(`{"format":"1","key":"k1"}`), "corrupt"},
	} {
		if err := os.WriteFile(EntryPath(dir, "k1"), tc.data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Lookup(dir, "k1")
		if !isMiss(err) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s entry: %v, want a miss saying %q", tc.name, err, tc.want)
		}
	}
	if err := os.WriteFile(EntryPath(dir, "k1"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(watched); err != nil {
		t.Fatal(err)
	}
	if _, err := Lookup(dir, "k1"); !isMiss(err) || !strings.Contains(err.Error(), watched+" changed") {
		t.Errorf("after removing a watched file: %v, want a miss naming it", err)
	}
	if _, err := Lookup(dir, "nope"); !isMiss(err) {
		t.Errorf("missing entry: %v", err)
	}
}

func TestHopsFor(t *testing.T) {
	environ := []string{"A=1", HopsEnv + "=2", "B=2"}
	env, err := HopsFor(environ, 2, true, "python3")
	if err != nil || !reflect.DeepEqual(env, []string{"A=1", "B=2"}) {
		t.Errorf("final target: %v %v, want the counter removed", env, err)
	}
	env, err = HopsFor(environ, 2, false, "python3")
	if err != nil || !reflect.DeepEqual(env, []string{"A=1", "B=2", HopsEnv + "=3"}) {
		t.Errorf("non-final target: %v %v, want the counter at 3", env, err)
	}
	if _, err := HopsFor(environ, MaxHops, false, "python3"); err == nil || !strings.Contains(err.Error(), "loop") {
		t.Errorf("exhausted counter: %v, want a loop error", err)
	}
	for _, tc := range []struct {
		v    string
		want int
	}{{"", 0}, {"3", 3}, {"x", 0}, {"-1", 0}} {
		if got := Hops(getenvOf(map[string]string{HopsEnv: tc.v})); got != tc.want {
			t.Errorf("Hops(%q) = %d, want %d", tc.v, got, tc.want)
		}
	}
}

func TestEnvGetter(t *testing.T) {
	get := EnvGetter([]string{"A=1", "B=x=y", "A=2", "NOEQ"})
	if get("A") != "2" || get("B") != "x=y" || get("NOEQ") != "" || get("C") != "" {
		t.Errorf("EnvGetter: A=%q B=%q", get("A"), get("B"))
	}
}

func TestCacheDir(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"XDG_CACHE_HOME": "/c", "HOME": "/h"}, "/c/pyshim/resolve"},
		{map[string]string{"HOME": "/h"}, "/h/.cache/pyshim/resolve"},
		{map[string]string{}, ""},
	} {
		if got := CacheDir(getenvOf(tc.env)); got != tc.want {
			t.Errorf("CacheDir(%v) = %q, want %q", tc.env, got, tc.want)
		}
	}
}

func isMiss(err error) bool {
	var m *MissError
	return errors.As(err, &m)
}

func TestEntryRoundTrip(t *testing.T) {
	odd := "/tmp/with space/\"quoted\"/new\nline/ü"
	e := &Entry{Format: formatVersion, Key: "abc", Name: "pip3.12", Final: false,
		Target: Target{File: odd, Argv: []string{odd, "-E", "", "-m", "pip"},
			Env: []interp.EnvOp{
				{Op: interp.EnvSet, Name: "NIX_PYTHONPREFIX", Value: "/nix/store/x-env"},
				{Op: interp.EnvPrefix, Name: "PATH", Value: "/a b", Sep: ":"},
				{Op: interp.EnvUnset, Name: "X"},
			}, Chdir: "/c d"},
		Interp: interp.Interpreter{Path: odd, Exe: "/e", Version: "3.12.1", Kind: interp.KindNixEnv, Source: "nix", Wraps: []string{"/w"}},
		Files:  []Fingerprint{{Path: odd, Follow: true, Dev: 1<<63 + 5, Ino: 7, Mode: 0o20000000755, Size: -1, Mtime: -12}, {Path: "/a", Absent: true}},
	}
	data, err := e.encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(data)
	if err != nil {
		t.Fatalf("Decode: %v\n%s", err, data)
	}
	if got.Interp.Path != "" {
		t.Error("Decode decoded the interpreter: the hot path does not need it")
	}
	if got.Interp, err = got.Interpreter(); err != nil {
		t.Fatal(err)
	}
	got.rawInterp = ""
	if !reflect.DeepEqual(got, e) {
		t.Errorf("round trip:\n got %+v\nwant %+v\n%s", got, e, data)
	}
}

func TestFields(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		bad  bool
	}{
		{"", nil, false},
		{"a b", []string{"a", "b"}, false},
		{`"x y" 1 "z\"w"`, []string{"x y", "1", `z"w`}, false},
		{`""`, []string{""}, false},
		{`"unterminated`, nil, true},
		{`"a"b`, nil, true},
	} {
		got, err := fields(tc.in)
		if (err != nil) != tc.bad || (!tc.bad && !reflect.DeepEqual(got, tc.want)) {
			t.Errorf("fields(%q) = %q, %v; want %q (error %v)", tc.in, got, err, tc.want, tc.bad)
		}
	}
}

// FuzzDecode: any bytes are a valid entry or a miss, never a panic; a
// decoded entry encodes to bytes that decode and encode to themselves.
func FuzzDecode(f *testing.F) {
	e := &Entry{Format: formatVersion, Key: "k", Name: "python3", Final: true,
		Target: Target{File: "/p", Argv: []string{"/p"}, Env: []interp.EnvOp{{Op: interp.EnvSet, Name: "A", Value: "b"}}},
		Files:  []Fingerprint{{Path: "/x", Dev: 1, Ino: 2, Mode: 3, Size: 4, Mtime: 5}}}
	data, err := e.encode()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add(data[:len(data)/2])
	f.Add([]byte("pyshim-resolve 1\nend\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := Decode(data)
		if err != nil {
			if !isMiss(err) {
				t.Fatalf("error %v is not a miss", err)
			}
			return
		}
		again, err := e.encode()
		if err != nil {
			t.Fatal(err)
		}
		e2, err := Decode(again)
		if err != nil {
			t.Fatalf("re-decoding: %v\n%s", err, again)
		}
		if third, err := e2.encode(); err != nil || string(third) != string(again) {
			t.Fatalf("encoding is not stable: %v\n%s\n%s", err, again, third)
		}
	})
}
