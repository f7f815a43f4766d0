package resolver

import (
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
