package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeMode(t *testing.T, path, data string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // not the umask's choice
		t.Fatal(err)
	}
}

// TestConfigWritableByOthersIsRefused: a global or project config file
// that group or others may write is refused, with one line naming the
// file, its mode and the chmod that fixes it. Modes, not access, are
// checked (root could write either way).
func TestConfigWritableByOthersIsRefused(t *testing.T) {
	dir := t.TempDir()
	global := filepath.Join(dir, "config.toml")
	project := filepath.Join(dir, "pyshim.toml")
	for _, tc := range []struct {
		gmode, pmode os.FileMode
		bad          string
	}{
		{0o644, 0o644, ""},
		{0o600, 0o444, ""},
		{0o664, 0o644, global},
		{0o644, 0o646, project},
	} {
		writeMode(t, global, "python = \"3.12\"\n", tc.gmode)
		writeMode(t, project, "python = \"3.11\"\n", tc.pmode)
		_, err := Load(global, project)
		if tc.bad == "" {
			if err != nil {
				t.Errorf("modes %o/%o: %v", tc.gmode, tc.pmode, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("modes %o/%o: accepted", tc.gmode, tc.pmode)
			continue
		}
		msg := err.Error()
		if strings.Contains(msg, "\n") || !strings.Contains(msg, tc.bad+" is writable by group or others") || !strings.Contains(msg, "chmod go-w "+tc.bad) {
			t.Errorf("modes %o/%o: %q, want one line naming %s and the chmod", tc.gmode, tc.pmode, msg, tc.bad)
		}
	}
}

func TestPluginSHA256Setting(t *testing.T) {
	dir := t.TempDir()
	global := filepath.Join(dir, "config.toml")
	sum := strings.Repeat("aB", 32)
	writeMode(t, global, "[plugins.sha256]\nuv = \""+sum+"\"\n", 0o644)
	s, err := Load(global)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.PluginSHA256.V["uv"]; got != strings.ToLower(sum) || s.PluginSHA256.Origin != global {
		t.Errorf("plugins.sha256.uv = %q from %s", got, s.PluginSHA256.Origin)
	}
	writeMode(t, global, "[plugins.sha256]\nuv = \"abc\"\n", 0o644)
	if _, err := Load(global); err == nil || !strings.Contains(err.Error(), "plugins.sha256.uv") {
		t.Errorf("a short sum: %v", err)
	}
	project := filepath.Join(dir, "pyshim.toml")
	writeMode(t, global, "", 0o644)
	writeMode(t, project, "[plugins.sha256]\nuv = \""+sum+"\"\n", 0o644)
	if _, err := Load(global, project); err == nil || !strings.Contains(err.Error(), "global config only") {
		t.Errorf("plugins.sha256 in a project file: %v", err)
	}
}
