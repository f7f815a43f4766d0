package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, dir, name, data string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadOverlaysAndOrigins(t *testing.T) {
	dir := t.TempDir()
	global := write(t, dir, "config.toml", "python = \"3.12\"\n[plugins]\norder = [\"nix\", \"pyenv\"]\ntimeout = \"750ms\"\n")
	project := write(t, dir, "pyshim.toml", "python = \"3.11\"\n")
	s, err := Load(global, project)
	if err != nil {
		t.Fatal(err)
	}
	if s.Python.V != "3.11" || s.Python.Origin != project {
		t.Errorf("python = %+v, want 3.11 from project", s.Python)
	}
	if strings.Join(s.PluginOrder.V, ",") != "nix,pyenv" || s.PluginOrder.Origin != global {
		t.Errorf("order = %+v", s.PluginOrder)
	}
	if s.PluginTimeout.V != 750*time.Millisecond {
		t.Errorf("timeout = %v", s.PluginTimeout.V)
	}
	if s.PluginsOnly.Origin != "default" {
		t.Errorf("only origin = %q, want default", s.PluginsOnly.Origin)
	}
	lines := strings.Join(s.Lines(), "\n")
	for _, want := range []string{`python = "3.11"  # ` + project, `plugins.order = ["nix", "pyenv"]  # ` + global, "plugins.only = false  # default"} {
		if !strings.Contains(lines, want) {
			t.Errorf("Lines() lacks %q:\n%s", want, lines)
		}
	}
}

func TestLoadMissingGlobalIsDefaults(t *testing.T) {
	s, err := Load(filepath.Join(t.TempDir(), "nope.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if s.PluginOrder.Origin != "default" || len(s.PluginOrder.V) != 3 {
		t.Errorf("got %+v", s.PluginOrder)
	}
}

func TestLoadErrors(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		want       []string
	}{
		{"unknown top key", "pyhton = \"3.12\"\n", []string{"unknown key pyhton"}},
		{"unknown nested key", "[plugins]\nordr = []\n", []string{"unknown key plugins.ordr"}},
		{"wrong type", "python = 3.12\n", []string{"python"}},
		{"wrong list type", "[plugins]\norder = \"nix\"\n", []string{"order"}},
		{"syntax", "python = \n", []string{":1:"}},
		{"bad duration", "[plugins]\ntimeout = \"soon\"\n", []string{"plugins.timeout", "soon"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := write(t, t.TempDir(), "config.toml", tc.data)
			_, err := Load(p)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, p) {
				t.Errorf("error %q does not start with the file name", msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error is not one line: %q", msg)
			}
		})
	}
}

func TestGlobalPath(t *testing.T) {
	env := map[string]string{"HOME": "/h", "XDG_CONFIG_HOME": "/x"}
	get := func(k string) string { return env[k] }
	if got := GlobalPath(get); got != "/x/pyshim/config.toml" {
		t.Errorf("got %s", got)
	}
	env["PYSHIM_CONFIG"] = "/c.toml"
	if got := GlobalPath(get); got != "/c.toml" {
		t.Errorf("got %s", got)
	}
	delete(env, "PYSHIM_CONFIG")
	delete(env, "XDG_CONFIG_HOME")
	if got := GlobalPath(get); got != "/h/.config/pyshim/config.toml" {
		t.Errorf("got %s", got)
	}
}
