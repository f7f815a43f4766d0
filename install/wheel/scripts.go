package wheel

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"unicode"
)

// entryPoint is one console_scripts or gui_scripts line.
type entryPoint struct {
	Name   string // script name
	Module string // "pip._internal.cli.main"
	Attr   string // "main", or "a.b" for nested attributes
}

// parseEntryPoints reads the console_scripts and gui_scripts sections of
// entry_points.txt (an INI file). Values are checked to be dotted Python
// identifiers, since they are written into the launcher's source.
func parseEntryPoints(data []byte) ([]entryPoint, error) {
	var out []entryPoint
	section := ""
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if line[0] == '[' && line[len(line)-1] == ']' {
			section = strings.TrimSpace(line[1 : len(line)-1])
			continue
		}
		if section != "console_scripts" && section != "gui_scripts" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("entry_points.txt line %d: %q is not NAME = MODULE:ATTR", i+1, line)
		}
		ep, err := parseEntryPoint(strings.TrimSpace(k), strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("entry_points.txt line %d: %v", i+1, err)
		}
		out = append(out, ep)
	}
	return out, nil
}

func parseEntryPoint(name, value string) (entryPoint, error) {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\\\x00") || strings.HasPrefix(name, "-") {
		return entryPoint{}, fmt.Errorf("invalid script name %q", name)
	}
	// Drop extras: "mod:func [extra1, extra2]".
	if i := strings.IndexByte(value, '['); i >= 0 {
		value = strings.TrimSpace(value[:i])
	}
	mod, attr, ok := strings.Cut(value, ":")
	mod, attr = strings.TrimSpace(mod), strings.TrimSpace(attr)
	if !ok || !dottedIdent(mod) || !dottedIdent(attr) {
		return entryPoint{}, fmt.Errorf("script %s: %q is not MODULE:ATTR of Python identifiers", name, value)
	}
	return entryPoint{Name: name, Module: mod, Attr: attr}, nil
}

func dottedIdent(s string) bool {
	if s == "" {
		return false
	}
	for _, part := range strings.Split(s, ".") {
		if part == "" {
			return false
		}
		for j, r := range part {
			if !(r == '_' || unicode.IsLetter(r) || (j > 0 && unicode.IsDigit(r))) {
				return false
			}
		}
	}
	return true
}

var (
	pipScriptRE         = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^pip(\d+(\.\d+)?)?$`) })
	easyInstallScriptRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^easy_install(-\d+\.\d+)?$`) })
)

// versionedScripts applies pip's special case for pip's and setuptools'
// own scripts: "pip" also becomes pipX and pipX.Y for the target python
// (pyVersion "X.Y"), and the wheel's other versioned names (pip3.11 in a
// wheel built elsewhere) are dropped, as pip and ensurepip install them.
func versionedScripts(eps []entryPoint, pyVersion string) []entryPoint {
	if pyVersion == "" {
		return eps
	}
	major, _, _ := strings.Cut(pyVersion, ".")
	byName := map[string]entryPoint{}
	for _, ep := range eps {
		byName[ep.Name] = ep
	}
	var out []entryPoint
	pip, hasPip := byName["pip"]
	ei, hasEI := byName["easy_install"]
	for _, ep := range eps {
		if (hasPip && pipScriptRE().MatchString(ep.Name)) || (hasEI && easyInstallScriptRE().MatchString(ep.Name)) {
			continue
		}
		out = append(out, ep)
	}
	add := func(base entryPoint, name string) {
		base.Name = name
		out = append(out, base)
	}
	if hasPip {
		add(pip, "pip")
		add(pip, "pip"+major)
		add(pip, "pip"+pyVersion)
	}
	if hasEI {
		add(ei, "easy_install")
		add(ei, "easy_install-"+pyVersion)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// shebang is the first line(s) of a script run by python: "#!python" when
// the line fits the kernel's 127-byte limit and the path has no blanks,
// else the /bin/sh trick that pip, distlib and uv use, which sh runs as
// exec "python" "$0" "$@" and Python reads as a string literal.
func shebang(python string) (string, error) {
	if strings.ContainsAny(python, "\n\r\x00") {
		return "", fmt.Errorf("the python path %q contains a line break; use a path without one", python)
	}
	if len(python)+3 <= 127 && !strings.ContainsAny(python, " \t") {
		return "#!" + python, nil
	}
	if strings.ContainsAny(python, "\"$`\\") || strings.Contains(python, "'''") {
		return "", fmt.Errorf("the python path %q is too long or has blanks, and has characters (\" $ ` \\ ''') the /bin/sh launcher cannot quote; use a shorter or plainer venv path", python)
	}
	return "#!/bin/sh\n'''exec' \"" + python + "\" \"$0\" \"$@\"\n' '''", nil
}

// launcher is the script pip (distlib) writes for a console or GUI entry
// point.
func launcher(sb string, ep entryPoint) []byte {
	importName, _, _ := strings.Cut(ep.Attr, ".")
	var b bytes.Buffer
	b.WriteString(sb)
	b.WriteString("\n# -*- coding: utf-8 -*-\nimport re\nimport sys\n")
	fmt.Fprintf(&b, "from %s import %s\n", ep.Module, importName)
	b.WriteString("if __name__ == '__main__':\n")
	b.WriteString("    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n")
	fmt.Fprintf(&b, "    sys.exit(%s())\n", ep.Attr)
	return b.Bytes()
}

// fixScript rewrites a "#!python" (or "#!pythonw") first line of a
// .data/scripts file to the target interpreter, as pip and uv do
// (arguments on the line are dropped, as they do). Other content is kept.
func fixScript(data []byte, sb string) ([]byte, bool) {
	if !bytes.HasPrefix(data, []byte("#!python")) {
		return data, false
	}
	rest := []byte{}
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		rest = data[i+1:]
	}
	out := make([]byte, 0, len(sb)+1+len(rest))
	out = append(out, sb...)
	out = append(out, '\n')
	return append(out, rest...), true
}
