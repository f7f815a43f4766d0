// Package config reads pyshim's settings: the user's global config file
// ($XDG_CONFIG_HOME/pyshim/config.toml, or $PYSHIM_CONFIG) and a project's
// pyshim.toml. Reading is strict: an unknown key or a value of the wrong
// type is an error that names the file and the key.
package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/BurntSushi/toml"
)

// ProjectFile is the name of a project's pyshim settings file.
const ProjectFile = "pyshim.toml"

// Settings are the effective settings with the origin of each.
type Settings struct {
	// Python is the default request when nothing else asks for one (global
	// config), or the project's request (pyshim.toml).
	Python Value[string]
	// PluginOrder lists the plugins to run, in order of preference. Names
	// not listed but found as third-party executables run after these,
	// sorted by name, unless PluginsOnly is set.
	PluginOrder Value[[]string]
	// PluginsOnly runs only the plugins named in PluginOrder.
	PluginsOnly Value[bool]
	// DisabledPlugins are never started.
	DisabledPlugins Value[[]string]
	// PluginTimeout is each plugin's deadline, from start to answer.
	PluginTimeout Value[time.Duration]
	// PluginSHA256 pins third-party plugins by name to the sha256 (lower
	// case hex) of their executable: one that differs is not run. Only the
	// global config may set it.
	PluginSHA256 Value[map[string]string]
}

// Value is one setting and where it came from ("default" or a file path).
type Value[T any] struct {
	V      T
	Origin string
}

// Defaults returns the built-in settings.
func Defaults() Settings {
	return Settings{
		Python:          Value[string]{V: "", Origin: "default"},
		PluginOrder:     Value[[]string]{V: []string{"pyenv", "nix", "system"}, Origin: "default"},
		PluginsOnly:     Value[bool]{V: false, Origin: "default"},
		DisabledPlugins: Value[[]string]{V: nil, Origin: "default"},
		PluginTimeout:   Value[time.Duration]{V: 3 * time.Second, Origin: "default"},
		PluginSHA256:    Value[map[string]string]{V: nil, Origin: "default"},
	}
}

// file is the TOML shape shared by config.toml and pyshim.toml.
type file struct {
	Python  *string `toml:"python"`
	Plugins *struct {
		Order   *[]string          `toml:"order"`
		Only    *bool              `toml:"only"`
		Disable *[]string          `toml:"disable"`
		Timeout *string            `toml:"timeout"`
		SHA256  *map[string]string `toml:"sha256"`
	} `toml:"plugins"`
}

// GlobalPath returns the path of the global config file for env (a lookup
// function such as os.Getenv): $PYSHIM_CONFIG, else
// $XDG_CONFIG_HOME/pyshim/config.toml, else ~/.config/pyshim/config.toml.
func GlobalPath(getenv func(string) string) string {
	if p := getenv("PYSHIM_CONFIG"); p != "" {
		return p
	}
	if x := getenv("XDG_CONFIG_HOME"); x != "" {
		return filepath.Join(x, "pyshim", "config.toml")
	}
	return filepath.Join(getenv("HOME"), ".config", "pyshim", "config.toml")
}

// Load returns the defaults overlaid with the global file at globalPath (a
// missing file is fine) and then each project file in projectFiles, in
// order (farthest first, so that the nearest wins).
func Load(globalPath string, projectFiles ...string) (Settings, error) {
	s := Defaults()
	if err := s.overlay(globalPath, true); err != nil {
		return s, err
	}
	for _, p := range projectFiles {
		if err := s.overlay(p, false); err != nil {
			return s, err
		}
	}
	return s, nil
}

// overlay applies one file. A missing global file is skipped; project
// files are expected to exist.
func (s *Settings) overlay(path string, optional bool) error {
	data, err := os.ReadFile(path)
	if err != nil {
		if optional && errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("reading config: %w", err)
	}
	if err := CheckNotWritableByOthers(path); err != nil {
		return err
	}
	f, err := parse(path, data)
	if err != nil {
		return err
	}
	if f.Python != nil {
		s.Python = Value[string]{V: *f.Python, Origin: path}
	}
	if p := f.Plugins; p != nil {
		if p.Order != nil {
			s.PluginOrder = Value[[]string]{V: *p.Order, Origin: path}
		}
		if p.Only != nil {
			s.PluginsOnly = Value[bool]{V: *p.Only, Origin: path}
		}
		if p.Disable != nil {
			s.DisabledPlugins = Value[[]string]{V: *p.Disable, Origin: path}
		}
		if p.Timeout != nil {
			d, err := time.ParseDuration(*p.Timeout)
			if err != nil || d <= 0 {
				return fmt.Errorf("%s: plugins.timeout: %q is not a duration such as \"2s\" or \"500ms\"", path, *p.Timeout)
			}
			s.PluginTimeout = Value[time.Duration]{V: d, Origin: path}
		}
		if p.SHA256 != nil {
			if !optional {
				return fmt.Errorf("%s: plugins.sha256 may be set in the global config only (a project must not choose which plugin binaries are accepted)", path)
			}
			sums := map[string]string{}
			for name, sum := range *p.SHA256 {
				if !validSHA256(sum) {
					return fmt.Errorf("%s: plugins.sha256.%s: %q is not a sha256 in hex (64 characters; `sha256sum FILE` prints it)", path, name, sum)
				}
				sums[name] = strings.ToLower(sum)
			}
			s.PluginSHA256 = Value[map[string]string]{V: sums, Origin: path}
		}
	}
	return nil
}

// validSHA256 reports whether s is 64 hex digits.
func validSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, r := range strings.ToLower(s) {
		if !strings.ContainsRune("0123456789abcdef", r) {
			return false
		}
	}
	return true
}

// CheckNotWritableByOthers refuses a file or directory that users other
// than its owner may write (a group- or world-writable config file or
// plugin directory lets them choose what pyshim runs). The error is one
// line naming the path, its mode and the chmod that fixes it. Modes are
// checked, not access: root may write anything.
func CheckNotWritableByOthers(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return nil // nothing there to refuse
	}
	if m := fi.Mode().Perm(); m&0o022 != 0 {
		return fmt.Errorf("%s is writable by group or others (mode %04o), so pyshim will not use it; fix it with `chmod go-w %s`", path, m, path)
	}
	return nil
}

// parse decodes one config file strictly. The error names the file, and
// the key or line:column that is wrong.
func parse(path string, data []byte) (*file, error) {
	var f file
	md, err := toml.Decode(string(data), &f)
	if err != nil {
		var perr toml.ParseError
		if errors.As(err, &perr) {
			return nil, fmt.Errorf("%s:%d:%d: %s", path, perr.Position.Line, perr.Position.Col, oneLine(perr.Message))
		}
		// Type mismatches come back as plain errors naming the key.
		return nil, fmt.Errorf("%s: %s", path, oneLine(err.Error()))
	}
	if undec := md.Undecoded(); len(undec) > 0 {
		keys := make([]string, 0, len(undec))
		for _, k := range undec {
			keys = append(keys, k.String())
		}
		sort.Strings(keys)
		return nil, fmt.Errorf("%s: unknown key %s (known: python, plugins.order, plugins.only, plugins.disable, plugins.timeout, plugins.sha256)", path, oneLine(strings.Join(keys, ", ")))
	}
	return &f, nil
}

// oneLine escapes the control characters of a parser's message (which
// may quote the offending input, a newline included) so that the error
// stays on one line.
func oneLine(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Lines renders the settings as "key = value  # origin" lines, for
// `pyshim config`.
func (s Settings) Lines() []string {
	q := func(v []string) string {
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = fmt.Sprintf("%q", x)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return []string{
		fmt.Sprintf("python = %q  # %s", s.Python.V, s.Python.Origin),
		fmt.Sprintf("plugins.order = %s  # %s", q(s.PluginOrder.V), s.PluginOrder.Origin),
		fmt.Sprintf("plugins.only = %t  # %s", s.PluginsOnly.V, s.PluginsOnly.Origin),
		fmt.Sprintf("plugins.disable = %s  # %s", q(s.DisabledPlugins.V), s.DisabledPlugins.Origin),
		fmt.Sprintf("plugins.timeout = %q  # %s", s.PluginTimeout.V.String(), s.PluginTimeout.Origin),
		fmt.Sprintf("plugins.sha256 = %s  # %s", inlineTable(s.PluginSHA256.V), s.PluginSHA256.Origin),
	}
}

// inlineTable renders m as a TOML inline table, keys sorted.
func inlineTable(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%q = %q", k, m[k])
	}
	return "{" + strings.Join(parts, ", ") + "}"
}
