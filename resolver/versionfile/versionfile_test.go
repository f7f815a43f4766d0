package versionfile

import (
	"reflect"
	"strings"
	"testing"
)

func TestParsePythonVersion(t *testing.T) {
	const root = "/home/u/.pyenv"
	const file = "/p/.python-version"
	warn := func(v string) string { return "pyenv: invalid version `" + v + "' ignored in `" + file + "'" }
	tests := []struct {
		name     string
		data     string
		entries  []string
		warnings []string
	}{
		{"empty", "", nil, nil},
		{"single", "3.11.7\n", []string{"3.11.7"}, nil},
		{"no trailing newline", "3.11.7", []string{"3.11.7"}, nil},
		{"first word only", "3.11.7 3.10.13 # comment\n", []string{"3.11.7"}, nil},
		{"leading blanks", "   \t3.12.1  \n", []string{"3.12.1"}, nil},
		{"crlf", "3.12.1\r\n3.11.7\r\n", []string{"3.12.1", "3.11.7"}, nil},
		{"cr inside line splits words", "3.12.1\r3.11.7\n", []string{"3.12.1"}, nil},
		{"several lines in order", "3.12.1\n\n3.11.7\nsystem\n", []string{"3.12.1", "3.11.7", "system"}, nil},
		{"comments and blanks", "# pinned\n\n  # indented comment\n3.10\n", []string{"3.10"}, nil},
		{"hash inside word kept", "3.10#x\n", []string{"3.10#x"}, nil},
		{"python- prefix kept", "python-3.11\n", []string{"python-3.11"}, nil},
		{"uv dialect", "cpython@3.12\npypy@3.9\n3.13t\n>=3.10\n3.12\n", []string{"cpython@3.12", "pypy@3.9", "3.13t", ">=3.10", "3.12"}, nil},
		{"uv specifier with space keeps first word", ">=3.10, <3.13\n", []string{">=3.10,"}, nil},
		{"dotdot rejected", "..\n3.11.7\n", []string{"3.11.7"}, []string{warn("..")}},
		{"traversal rejected", "../../../../tmp/evil\n", nil, []string{warn("../../../../tmp/evil")}},
		{"to versions dir itself rejected", "3.11.7/..\n", nil, []string{warn("3.11.7/..")}},
		{"virtualenv path inside versions kept", "3.11.7/envs/myenv\n", []string{"3.11.7/envs/myenv"}, nil},
		{"absolute-looking path stays under versions", "/3.11.7\n", []string{"/3.11.7"}, nil},
		{"dotdot that comes back inside kept", "a/../3.11.7\n", []string{"a/../3.11.7"}, nil},
		{"escape via sibling rejected", "../versions2/x\n", nil, []string{warn("../versions2/x")}},
		{"single dot kept (no slash)", ".\n", []string{"."}, nil},
		{"nul bytes dropped", "3.1\x001.7\n", []string{"3.11.7"}, nil},
		{"only comments", "#3.11\n# x\n", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			entries, warnings := ParsePythonVersion([]byte(tt.data), file, root)
			if !reflect.DeepEqual(entries, tt.entries) {
				t.Errorf("entries = %q, want %q", entries, tt.entries)
			}
			if !reflect.DeepEqual(warnings, tt.warnings) {
				t.Errorf("warnings = %q, want %q", warnings, tt.warnings)
			}
		})
	}
}

func TestParsePythonVersionRootForms(t *testing.T) {
	tests := []struct {
		root, entry string
		ok          bool
	}{
		{"/r/", "3.11/envs/x", true},
		{"/r/./", "3.11/envs/x", true},
		{"", "3.11/envs/x", true},
		{"", "../x", false},
		{"/", "3.11/envs/x", true},
		{"/", "../../x", false},
	}
	for _, tt := range tests {
		entries, warnings := ParsePythonVersion([]byte(tt.entry), "f", tt.root)
		if got := len(entries) == 1 && len(warnings) == 0; got != tt.ok {
			t.Errorf("root %q entry %q: kept=%v, want %v (warnings %q)", tt.root, tt.entry, got, tt.ok, warnings)
		}
	}
}

func TestParsePythonVersions(t *testing.T) {
	const file = "/p/.python-versions"
	tests := []struct {
		name     string
		data     string
		entries  []string
		warnings []string
	}{
		{"empty", "", nil, nil},
		{"lines", "3.12\n3.11\r\npypy@3.9\n", []string{"3.12", "3.11", "pypy@3.9"}, nil},
		{"whole line kept", "  >=3.10, <3.13  \n", []string{">=3.10, <3.13"}, nil},
		{"comments", "# a\n\n   # b\n3.13t\n", []string{"3.13t"}, nil},
		{"traversal rejected", "../x\n3.12\n", []string{"3.12"}, []string{
			"pyshim: invalid version `../x' ignored in `" + file + "'",
		}},
		// Like pyenv, an absolute-looking entry is a name under versions/
		// (versions//usr/bin/python3), so it passes the lexical check.
		{"slash entry inside versions kept", "/usr/bin/python3\n", []string{"/usr/bin/python3"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			entries, warnings := ParsePythonVersions([]byte(tt.data), file, "/home/u/.pyenv")
			if !reflect.DeepEqual(entries, tt.entries) {
				t.Errorf("entries = %q, want %q", entries, tt.entries)
			}
			if !reflect.DeepEqual(warnings, tt.warnings) {
				t.Errorf("warnings = %q, want %q", warnings, tt.warnings)
			}
		})
	}
}

func FuzzParsePythonVersion(f *testing.F) {
	for _, s := range []string{
		"3.11.7\n", "3.12.1\r\n3.11.7\r\n", "# c\n\n  3.10 x\n", "..\n", "../../etc\n",
		"3.11.7/envs/myenv\n", "/3.11.7\n", "a/../../b\n", "cpython@3.12\n>=3.10\n", "\x00\r\r\n",
	} {
		f.Add([]byte(s))
	}
	const root = "/home/u/.pyenv"
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, warnings := ParsePythonVersion(data, "f", root)
		for _, e := range entries {
			if e == "" || strings.ContainsAny(e, " \t\r\n\x00") || strings.HasPrefix(e, "#") {
				t.Fatalf("bad entry %q from %q", e, data)
			}
			if e == ".." || strings.Contains(e, "/") {
				if !insideVersions(e, root) {
					t.Fatalf("unsafe entry %q kept", e)
				}
			}
		}
		// Every non-comment line yields exactly one entry or one warning.
		n := 0
		for _, line := range splitLines(data) {
			if w := firstWord(line); w != "" && !strings.HasPrefix(w, "#") {
				n++
			}
		}
		if len(entries)+len(warnings) != n {
			t.Fatalf("%d entries + %d warnings, want %d lines", len(entries), len(warnings), n)
		}
	})
}
