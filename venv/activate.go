package venv

import (
	"bytes"
	"embed"
	"path/filepath"
	"strings"
)

// scripts holds pyshim's own activation script templates. Placeholders are
// @NAME@ words, replaced with values quoted for the script's language.
//
//go:embed scripts
var scripts embed.FS

// activation describes one activation script: its template, its name in
// the venv's bin, and how its language quotes a string.
type activation struct {
	template, name string
	quote          func(string) string
}

// activations lists the scripts every venv gets.
func activations() []activation {
	return []activation{
		{"activate.sh", "activate", shQuote},
		{"activate.fish", "activate.fish", fishQuote},
		{"activate.csh", "activate.csh", cshQuote},
		{"activate.nu", "activate.nu", nuQuote},
		{"Activate.ps1", "Activate.ps1", psQuote},
		{"activate_this.py", "activate_this.py", PyRepr},
	}
}

// activationScripts renders the activation scripts for l.
func activationScripts(l *Layout) []File {
	bin := filepath.Join(l.Dir, l.Bin)
	up, _ := filepath.Rel(bin, l.Dir)
	libs := []string{l.Purelib}
	if l.Platlib != l.Purelib {
		libs = append(libs, l.Platlib)
	}
	var out []File
	for _, a := range activations() {
		data, err := scripts.ReadFile("scripts/" + a.template)
		if err != nil {
			panic("venv: missing embedded template " + a.template) // a build defect, not a user error
		}
		q := a.quote
		value := func(name string) (string, bool) {
			switch name {
			case "VENV_BIN_REL":
				return bin, true
			case "VENV":
				return q(l.Dir), true
			case "BIN":
				return q(bin), true
			case "BIN_NAME":
				return q(l.Bin), true
			case "BIN_UP":
				return q(up), true
			case "PROMPT":
				return q(l.Prompt), true
			case "LIBS":
				quoted := make([]string, len(libs))
				for i, lib := range libs {
					quoted[i] = q(lib)
				}
				return "[" + strings.Join(quoted, ", ") + "]", true
			}
			return "", false
		}
		out = append(out, File{Path: filepath.Join(l.Bin, a.name), Data: expand(data, value), Mode: 0o644})
	}
	return out
}

// expand returns tpl with each @NAME@ (NAME of capitals and underscores)
// for which value answers replaced by that value, in one pass; any other
// @ is kept as it is.
func expand(tpl []byte, value func(name string) (string, bool)) []byte {
	out := make([]byte, 0, len(tpl)+512)
	for {
		i := bytes.IndexByte(tpl, '@')
		if i < 0 {
			return append(out, tpl...)
		}
		out = append(out, tpl[:i]...)
		tpl = tpl[i:]
		n := 1
		for n < len(tpl) && (tpl[n] >= 'A' && tpl[n] <= 'Z' || tpl[n] == '_') {
			n++
		}
		if n > 1 && n < len(tpl) && tpl[n] == '@' {
			if v, ok := value(string(tpl[1:n])); ok {
				out = append(out, v...)
				tpl = tpl[n+1:]
				continue
			}
		}
		out = append(out, '@')
		tpl = tpl[1:]
	}
}

// shQuote quotes s for sh, bash and zsh: single quotes, each ' closed,
// escaped and reopened.
func shQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// fishQuote quotes s for fish, whose single quotes take \\ and \'.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// cshQuote quotes s for csh and tcsh: single quotes, each ' closed, escaped
// and reopened, and ! (history substitution, which single quotes do not
// stop) escaped with a backslash.
func cshQuote(s string) string {
	return "'" + strings.NewReplacer(`'`, `'\''`, `!`, `\!`).Replace(s) + "'"
}

// nuQuote quotes s for nushell as a raw string r#'...'#, with as many #
// as it takes to not occur in s.
func nuQuote(s string) string {
	hashes := "#"
	for strings.Contains(s, "'"+hashes) {
		hashes += "#"
	}
	return "r" + hashes + "'" + s + "'" + hashes
}

// psQuote quotes s for PowerShell: single quotes, with every character
// PowerShell takes for a single quote (' and the typographic ones) doubled.
func psQuote(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\'', '\u2018', '\u2019', '\u201a', '\u201b':
			b.WriteRune(r)
		}
		b.WriteRune(r)
	}
	b.WriteByte('\'')
	return b.String()
}
