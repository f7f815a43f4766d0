package venv

import (
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
		var quotedLibs []string
		for _, lib := range libs {
			quotedLibs = append(quotedLibs, a.quote(lib))
		}
		r := strings.NewReplacer(
			"@VENV_BIN_REL@", bin,
			"@VENV@", a.quote(l.Dir),
			"@BIN@", a.quote(bin),
			"@BIN_NAME@", a.quote(l.Bin),
			"@BIN_UP@", a.quote(up),
			"@PROMPT@", a.quote(l.Prompt),
			"@LIBS@", "["+strings.Join(quotedLibs, ", ")+"]",
		)
		out = append(out, File{Path: filepath.Join(l.Bin, a.name), Data: []byte(r.Replace(string(data))), Mode: 0o644})
	}
	return out
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
