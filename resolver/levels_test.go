package resolver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pyshim/pyshim/internal/testenv"
)

func levelNames(ls []Level) string {
	var out []string
	for _, l := range ls {
		out = append(out, l.Name+"="+strings.Join(l.Entries, "|"))
	}
	return strings.Join(out, " ")
}

func TestLevelsPrecedence(t *testing.T) {
	root := t.TempDir()
	proj := filepath.Join(root, "proj")
	sub := filepath.Join(proj, "a", "b")
	testenv.WriteFile(t, filepath.Join(root, ".python-version"), "3.8\n", 0o644)
	testenv.WriteFile(t, filepath.Join(proj, ".tool-versions"), "python 3.10.13\n", 0o644)
	testenv.WriteFile(t, filepath.Join(proj, "pyproject.toml"), "[project]\nrequires-python = \">=3.9\"\n", 0o644)
	testenv.WriteFile(t, filepath.Join(sub, "pyproject.toml"), "[project]\nname = \"x\"\n", 0o644)
	testenv.WriteFile(t, filepath.Join(root, "pyenv", "version"), "3.12\n", 0o644)
	env := map[string]string{"HOME": root, "PYENV_ROOT": filepath.Join(root, "pyenv"), "XDG_CONFIG_HOME": filepath.Join(root, "cfg")}

	for _, tc := range []struct {
		name string
		in   Inputs
		want string
	}{
		{"nearest project file wins", Inputs{Cwd: sub, Env: env},
			"project=3.10.13 global=3.12 best available="},
		{"env and flag come first", Inputs{Cwd: sub, Request: "3.13", Env: merge(env, map[string]string{
			"PYSHIM_PYTHON": "3.11", "VIRTUAL_ENV": "/v", "CONDA_PREFIX": "/c", "PYENV_VERSION": "3.9:3.10"})},
			"-p=3.13 PYSHIM_PYTHON=3.11 VIRTUAL_ENV=/v CONDA_PREFIX=/c PYENV_VERSION=3.9|3.10 project=3.10.13 global=3.12 best available="},
		{"config default before best", Inputs{Cwd: root, Env: env, ConfigDefault: "3.7", ConfigOrigin: "cfg"},
			"project=3.8 global=3.12 config default=3.7 best available="},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := levelNames(Levels(tc.in)); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestLevelsRequiresPythonAndTrust(t *testing.T) {
	root := t.TempDir()
	testenv.WriteFile(t, filepath.Join(root, "pyproject.toml"), "[project]\nrequires-python = \">=3.9,<3.12\"\n", 0o644)
	testenv.WriteFile(t, filepath.Join(root, ".venv", "pyvenv.cfg"), "home = /x\n", 0o644)
	env := map[string]string{"HOME": root, "PYENV_ROOT": filepath.Join(root, "none")}

	untrusted := Levels(Inputs{Cwd: root, Env: env})
	if got := levelNames(untrusted); got != "project= requires-python=>=3.9,<3.12 best available=" {
		t.Errorf("untrusted: %s", got)
	}
	if w := untrusted[0].Warnings; len(w) != 1 || !strings.Contains(w[0], "pyshim trust") {
		t.Errorf("untrusted .venv warning: %v", w)
	}
	trusted := Levels(Inputs{Cwd: root, Env: env, Trusted: func(string) bool { return true }})
	if got := levelNames(trusted); got != "project="+filepath.Join(root, ".venv")+" best available=" {
		t.Errorf("trusted: %s", got)
	}
}

func TestProjectFilesNeverNameExecutables(t *testing.T) {
	root := t.TempDir()
	testenv.WriteFile(t, filepath.Join(root, ".tool-versions"), "python path:/tmp/evil/python\n", 0o644)
	ls := Levels(Inputs{Cwd: root, Env: map[string]string{"HOME": root}})
	if len(ls[0].Entries) != 0 || len(ls[0].Warnings) != 1 {
		t.Errorf("got %+v", ls[0])
	}
}

func merge(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// TestTrustedProjectFilesMayNamePaths: a .python-version or pyshim.toml
// that names an executable by path is skipped with a warning naming
// `pyshim trust` until its directory is trusted; then the path is an entry
// (absolute) that the resolver treats as a path, while pyenv names with a
// slash stay names.
func TestTrustedProjectFilesMayNamePaths(t *testing.T) {
	root := t.TempDir()
	exe := filepath.Join(root, "tools", "python3.11")
	testenv.MarkerPython(t, exe, filepath.Join(root, "RAN"))
	pyenv := filepath.Join(root, "pyenv")
	env := map[string]string{"HOME": root, "PYENV_ROOT": pyenv}
	for _, tc := range []struct {
		file, data string
		want       []string // trusted entries
	}{
		{".python-version", exe + "\n3.11.7/envs/foo\n", []string{exe, "3.11.7/envs/foo"}},
		{".python-version", "../tools/python3.11\n", []string{exe}},
		{".python-versions", "../tools/python3.11\n", []string{exe}},
		{"pyshim.toml", "python = \"" + exe + "\"\n", []string{exe}},
		{"pyshim.toml", "python = \"../tools/python3.11\"\n", []string{exe}},
	} {
		proj := filepath.Join(root, "p")
		os.RemoveAll(proj)
		// Relative entries are taken from the file's directory: p/../tools.
		testenv.WriteFile(t, filepath.Join(proj, tc.file), tc.data, 0o644)
		untrusted := Levels(Inputs{Cwd: proj, Env: env, Trusted: func(string) bool { return false }})[0]
		for _, e := range untrusted.Entries {
			if e == exe || strings.Contains(e, "tools") {
				t.Errorf("%s %q untrusted: entry %q kept", tc.file, tc.data, e)
			}
		}
		if !strings.Contains(strings.Join(untrusted.Warnings, "\n"), "pyshim trust "+proj) {
			t.Errorf("%s %q untrusted: warnings %q do not name `pyshim trust %s`", tc.file, tc.data, untrusted.Warnings, proj)
		}
		var asked []string
		trusted := Levels(Inputs{Cwd: proj, Env: env, Trusted: func(p string) bool { asked = append(asked, p); return true }})[0]
		if strings.Join(trusted.Entries, " ") != strings.Join(tc.want, " ") {
			t.Errorf("%s %q trusted: entries %q, want %q", tc.file, tc.data, trusted.Entries, tc.want)
		}
		for _, e := range trusted.Entries {
			q, err := parseEntry(e, trusted)
			if err != nil || q.IsPath() != (e == exe) {
				t.Errorf("%s: entry %q parsed as %+v (%v)", tc.file, e, q, err)
			}
		}
		if len(asked) == 0 || asked[0] != filepath.Join(proj, tc.file) {
			t.Errorf("trust asked about %q, want the file %s", asked, filepath.Join(proj, tc.file))
		}
	}
	if _, err := os.Stat(filepath.Join(root, "RAN")); err == nil {
		t.Error("reading project files ran the executable they name")
	}
}
