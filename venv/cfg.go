package venv

import (
	"fmt"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/pyshim/pyshim/plugins/sdk/interp"
)

// pyvenvCfg renders pyvenv.cfg with the keys, order and values python -m
// venv of this interpreter writes: home, include-system-site-packages,
// version, prompt (3.8+, only when given), executable and command
// (3.11+), then pyshim's own line. command is the python -m venv command
// line that asks for the same venv.
func pyvenvCfg(l *Layout, b *Base, v pyVersion, o Options, prompt string) []byte {
	var s strings.Builder
	fmt.Fprintf(&s, "home = %s\n", l.Home)
	fmt.Fprintf(&s, "include-system-site-packages = %t\n", o.SystemSitePackages)
	fmt.Fprintf(&s, "version = %s\n", v)
	if o.PromptSet && (v.atLeast(3, 8) || b.pypy()) {
		fmt.Fprintf(&s, "prompt = %s\n", PyRepr(prompt))
	}
	if v.atLeast(3, 11) {
		exe := b.Info.Executable
		if real, err := filepath.EvalSymlinks(exe); err == nil {
			exe = real
		}
		fmt.Fprintf(&s, "executable = %s\n", exe)
		fmt.Fprintf(&s, "command = %s -m venv %s\n", b.Info.Executable, strings.Join(venvArgs(l, v, o), " "))
	}
	if o.PyshimVersion != "" {
		fmt.Fprintf(&s, "pyshim = %s\n", o.PyshimVersion)
	}
	return []byte(s.String())
}

// venvArgs are python -m venv's arguments for the same options, in the
// order its create_configuration writes them.
func venvArgs(l *Layout, v pyVersion, o Options) []string {
	var args []string
	if o.Copies {
		args = append(args, "--copies")
	}
	if !o.Seed {
		args = append(args, "--without-pip")
	}
	if o.SystemSitePackages {
		args = append(args, "--system-site-packages")
	}
	if o.Clear {
		args = append(args, "--clear")
	}
	if o.PromptSet {
		args = append(args, `--prompt="`+o.Prompt+`"`)
	}
	if o.WithoutSCMIgnoreFiles && v.atLeast(3, 13) {
		args = append(args, "--without-scm-ignore-files")
	}
	return append(args, l.Dir)
}

// PyRepr quotes s as Python's repr() of a str does: single quotes unless s
// holds a single quote and no double quote, backslash escapes for the
// quote, backslash, \t \n \r and non-printable characters.
func PyRepr(s string) string {
	quote := byte('\'')
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		quote = '"'
	}
	var b strings.Builder
	b.WriteByte(quote)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			// Python decodes undecodable bytes as surrogates: \udcXX.
			fmt.Fprintf(&b, `\udc%02x`, s[i])
			i++
			continue
		}
		i += size
		switch {
		case r == rune(quote) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x80 || pyPrintable(r):
			b.WriteRune(r)
		case r <= 0xff:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	b.WriteByte(quote)
	return b.String()
}

// pyPrintable approximates Python's str.isprintable for one character:
// letters, marks, numbers, punctuation, symbols and the ASCII space.
func pyPrintable(r rune) bool {
	return unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S)
}

// nixEnvPthName is the .pth file that keeps a Nix era-A env's packages
// importable from a venv made with --system-site-packages.
const nixEnvPthName = "_pyshim_nix_env.pth"

// nixEnvPth returns the .pth that adds the env's site directories (what
// the env's wrapper passes in NIX_PYTHONPATH, else the site-packages under
// its prefix) with site.addsitedir, as Nix's sitecustomize does, so that
// their own .pth files are honoured too; nil when there are none.
func nixEnvPth(b *Base) []byte {
	var dirs []string
	for _, op := range b.Interp.Env {
		if op.Name == "NIX_PYTHONPATH" && (op.Op == interp.EnvSet || op.Op == interp.EnvSetDefault || op.Op == interp.EnvPrefix || op.Op == interp.EnvSuffix) {
			for _, d := range filepath.SplitList(op.Value) {
				if d != "" {
					dirs = append(dirs, d)
				}
			}
		}
	}
	if len(dirs) == 0 {
		for _, d := range b.Info.SitePackages {
			if d == b.Info.Prefix || strings.HasPrefix(d, b.Info.Prefix+"/") {
				dirs = append(dirs, d)
			}
		}
	}
	if len(dirs) == 0 {
		return nil
	}
	// A .pth line that starts with "import" is executed by site.py, as one
	// line (site.py may run it once for lib and once for lib64: addsitedir
	// skips a directory already on sys.path).
	line := "import site"
	for _, d := range dirs {
		line += "; site.addsitedir(" + PyRepr(d) + ")"
	}
	return []byte(line + "\n")
}
