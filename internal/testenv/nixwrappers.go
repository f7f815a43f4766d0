package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// wrapFlag is one makeWrapper flag: --set K V, --set-default K V,
// --prefix K SEP V, --inherit-argv0, --resolve-argv0.
type wrapFlag struct {
	op   string
	args []string
}

// shellWrapper writes a wrapper script at out as nixpkgs' make-wrapper.sh
// does, with the fixture's logging bash in its #! line.
func (b *nixBuilder) shellWrapper(out, target string, flags []wrapFlag) {
	b.t.Helper()
	var s strings.Builder
	fmt.Fprintf(&s, "#! %s -e\n", b.n.Bash)
	argv0 := ""
	for _, f := range flags {
		switch f.op {
		case "--set":
			fmt.Fprintf(&s, "export %s=%s\n", f.args[0], shQuote(f.args[1]))
		case "--set-default":
			fmt.Fprintf(&s, "export %s=${%s-%s}\n", f.args[0], f.args[0], shQuote(f.args[1]))
		case "--prefix":
			fmt.Fprintf(&s, "export %s=%s${%s:+%s$%s}\n", f.args[0], shQuote(f.args[2]), f.args[0], shQuote(f.args[1]), f.args[0])
		case "--inherit-argv0":
			argv0 = `$0`
		case "--resolve-argv0":
			// A no-op in shell wrappers: bash's $0 is already a path.
		default:
			b.fatal("shellWrapper: flag %s not supported", f.op)
		}
	}
	s.WriteString("exec ")
	if argv0 != "" {
		fmt.Fprintf(&s, "-a \"%s\" ", argv0)
	}
	fmt.Fprintf(&s, "\"%s\"  \"$@\" \n", target)
	b.write(out, s.String(), 0o555)
}

// binaryWrapper compiles a wrapper at out as nixpkgs'
// make-binary-wrapper.sh does: putenv per --set, argv[0] = target unless
// --inherit-argv0, execv, and the makeCWrapper docstring. It also appends
// "binary OUT" to the fixture's log before anything else.
func (b *nixBuilder) binaryWrapper(out, target string, flags []wrapFlag) {
	b.t.Helper()
	var body strings.Builder
	inherit, resolve := false, false
	for _, f := range flags {
		switch f.op {
		case "--set":
			fmt.Fprintf(&body, "    putenv(\"%s=%s\");\n", cEscape(f.args[0]), cEscape(f.args[1]))
		case "--set-default":
			fmt.Fprintf(&body, "    assert_success(setenv(\"%s\", \"%s\", 0));\n", cEscape(f.args[0]), cEscape(f.args[1]))
		case "--inherit-argv0":
			inherit = true
		case "--resolve-argv0":
			resolve = true
		default:
			b.fatal("binaryWrapper: flag %s not supported", f.op)
		}
	}
	if resolve {
		body.WriteString("    argv[0] = resolve_argv0(argv[0]);\n")
	}
	if !inherit {
		fmt.Fprintf(&body, "    argv[0] = \"%s\";\n", cEscape(target))
	}
	fmt.Fprintf(&body, "    return execv(\"%s\", argv);\n", cEscape(target))

	src := fmt.Sprintf(`#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define assert_success(e) do { if ((e) < 0) { perror(#e); abort(); } } while (0)

/* pyshim test fixture: record that this wrapper ran. */
static void fixture_log(void) {
    int fd = open("%s", O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return;
    dprintf(fd, "binary %%s\n", "%s");
    close(fd);
}

/* makeBinaryWrapper's --resolve-argv0: a bare name is looked up in PATH. */
static char *resolve_argv0(char *argv0) {
    static char buf[4096];
    const char *path = getenv("PATH");
    if (strchr(argv0, '/') || !path) return argv0;
    while (*path) {
        size_t n = strcspn(path, ":");
        if (n > 0 && snprintf(buf, sizeof buf, "%%.*s/%%s", (int)n, path, argv0) < (int)sizeof buf
            && access(buf, X_OK) == 0) return buf;
        path += n;
        if (*path == ':') path++;
    }
    return argv0;
}

int main(int argc, char **argv) {
    (void)argc;
    (void)resolve_argv0;
    fixture_log();
%s}

__attribute__((used)) const char * DOCSTRING = "%s";
`, cEscape(b.n.Log), cEscape(out), body.String(), cEscape(b.docstring(target, flags)))
	b.mkdir(filepath.Dir(out))
	cfile := filepath.Join(b.n.Root, "cc", NixHash(out)+".c")
	b.write(cfile, src, 0o644)
	cmd := exec.Command("gcc", "-Wall", "-Werror", "-Wno-overlength-strings", "-Os", "-o", out, cfile)
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.fatal("compiling binary wrapper %s: %v\n%s", out, err, msg)
	}
	if err := os.Chmod(out, 0o555); err != nil {
		b.fatal("%v", err)
	}
}

// docstring is the text make-binary-wrapper.sh embeds (formatArgs).
func (b *nixBuilder) docstring(target string, flags []wrapFlag) string {
	var s strings.Builder
	s.WriteString("\n\n\n# ------------------------------------------------------------------------------------\n")
	s.WriteString("# The C-code for this binary wrapper has been generated using the following command:\n\n\n")
	s.WriteString("makeCWrapper ")
	if b.opts.UnquotedDocTarget {
		s.WriteString(target)
	} else {
		s.WriteString(shQuote(target))
	}
	for _, f := range flags {
		if f.op == "--resolve-argv0" {
			continue // never printed
		}
		s.WriteString(" \\\n    " + f.op)
		for _, a := range f.args {
			s.WriteString(" " + shQuote(a))
		}
	}
	s.WriteString("\n\n\n# (Use `nix-shell -p makeBinaryWrapper` to get access to makeCWrapper in your shell)\n")
	s.WriteString("# ------------------------------------------------------------------------------------\n\n\n")
	return s.String()
}

// cEscape makes s safe inside a C string literal.
func cEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "?", `\?`)
	return r.Replace(s)
}

// nixSitecustomize returns our rendition of the sitecustomize.py that Nix
// puts in a base python's site-packages (FACTS.md): NIX_PYTHONPATH entries
// become site dirs; outside a venv, NIX_PYTHONEXECUTABLE sets
// sys.executable (newer: and sys._base_executable) unless PYTHONEXECUTABLE
// is set, and NIX_PYTHONPREFIX sets sys.prefix and sys.exec_prefix and
// goes first in site.PREFIXES. The variables are popped.
func nixSitecustomize(newer bool) string {
	baseExe := ""
	if newer {
		baseExe = "        sys._base_executable = _exe\n"
	}
	return `"""Nix sitecustomize (pyshim test fixture rendition)."""
import os
import site
import sys

_paths = os.environ.pop("NIX_PYTHONPATH", None)
if _paths:
    _known = site._init_pathinfo()
    for _p in _paths.split(":"):
        _known = site.addsitedir(_p, _known)

if sys.prefix == sys.base_prefix:
    _exe = os.environ.pop("NIX_PYTHONEXECUTABLE", None)
    _prefix = os.environ.pop("NIX_PYTHONPREFIX", None)
    if "PYTHONEXECUTABLE" not in os.environ and _exe is not None:
        sys.executable = _exe
` + baseExe + `    if _prefix is not None:
        sys.prefix = sys.exec_prefix = _prefix
        site.PREFIXES.insert(0, _prefix)
`
}
