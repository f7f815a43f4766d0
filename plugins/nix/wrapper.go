package nix

import (
	"bytes"
	"fmt"
	"path"
	"strings"

	"github.com/pyshim/pyshim/plugins/sdk/interp"
)

// Format names the encoding of a wrapper.
type Format string

// The two encodings of nixpkgs' makeWrapper family.
const (
	FormatShell  Format = "shell"  // make-wrapper.sh: a bash script
	FormatBinary Format = "binary" // make-binary-wrapper.sh: compiled C with a makeCWrapper docstring
)

// Wrapper is what one makeWrapper or makeBinaryWrapper wrapper does,
// read from its text without running it.
type Wrapper struct {
	Format Format
	// Target is the absolute path the wrapper execs.
	Target string
	// Env lists the environment operations, in order.
	Env []interp.EnvOp
	// Args are flags placed before the caller's arguments (--add-flags).
	Args []string
	// Chdir is the directory changed to before exec (--chdir), or "".
	Chdir string
	// Argv0 is an explicit argv[0] (--argv0 / exec -a 'X'), or "".
	Argv0 string
	// InheritArgv0 means the target gets the wrapper's own argv[0]
	// (--inherit-argv0; in a shell wrapper `exec -a "$0"`, where $0 is
	// the path the script was executed by). When neither this nor Argv0
	// is set, argv[0] is Target.
	InheritArgv0 bool
}

// ParseShellWrapper reads a wrapper script written by nixpkgs'
// make-wrapper.sh (any generation: `#! SHELL -e` or `-eu`, values quoted
// '…', "…", $'…' or bare printf-%q words, --set-default, --prefix and
// --suffix joins, unset, cd, `exec -a`, "${extraFlagsArray[@]}", flags
// added before "$@", an `exec --` form). Any line it does not fully
// understand is an error: the caller must then run the wrapper as itself.
func ParseShellWrapper(src []byte) (Wrapper, error) {
	w := Wrapper{Format: FormatShell}
	text := string(src)
	if !strings.HasPrefix(text, "#!") {
		return w, fmt.Errorf("not a script: no #! line")
	}
	if strings.IndexByte(text, 0) >= 0 {
		return w, fmt.Errorf("script contains a NUL byte")
	}
	first, rest, _ := strings.Cut(text, "\n")
	if err := checkShebang(first); err != nil {
		return w, err
	}
	lines := logicalLines(rest)
	sawExec := false
	for _, ln := range lines {
		words, err := splitWords(ln.text)
		if err != nil {
			return w, fmt.Errorf("line %d: %w", ln.no, err)
		}
		if len(words) == 0 {
			continue
		}
		if sawExec {
			return w, fmt.Errorf("line %d: command after exec", ln.no)
		}
		cmd, ok := words[0].literal()
		if !ok {
			return w, fmt.Errorf("line %d: command is not a literal word", ln.no)
		}
		args := words[1:]
		switch cmd {
		case "set":
			for _, a := range args {
				s, ok := a.literal()
				if !ok || !(s == "-e" || s == "-u" || s == "+u" || s == "-eu" || s == "-ue" || s == "+e") {
					return w, fmt.Errorf("line %d: unsupported set option", ln.no)
				}
			}
		case "export":
			op, err := parseExport(args)
			if err != nil {
				return w, fmt.Errorf("line %d: %w", ln.no, err)
			}
			w.Env = append(w.Env, op)
		case "unset":
			if len(args) > 0 && isLit(args[0], "-v") {
				args = args[1:]
			}
			if len(args) == 0 {
				return w, fmt.Errorf("line %d: unset without a name", ln.no)
			}
			for _, a := range args {
				name, ok := a.literal()
				if !ok || !validName(name) {
					return w, fmt.Errorf("line %d: unset of a non-name", ln.no)
				}
				w.Env = append(w.Env, interp.EnvOp{Op: interp.EnvUnset, Name: name})
			}
		case "cd":
			if len(args) != 1 {
				return w, fmt.Errorf("line %d: cd needs one directory", ln.no)
			}
			dir, ok := args[0].literal()
			if !ok || dir == "" || dir == "-" {
				return w, fmt.Errorf("line %d: cd to a non-literal directory", ln.no)
			}
			w.Chdir = joinDir(w.Chdir, dir)
		case "exec":
			if err := parseExec(&w, args); err != nil {
				return w, fmt.Errorf("line %d: %w", ln.no, err)
			}
			sawExec = true
		default:
			return w, fmt.Errorf("line %d: unsupported command %q", ln.no, cmd)
		}
	}
	if !sawExec {
		return w, fmt.Errorf("no exec line")
	}
	return w, nil
}

// declareLine is the one line make-wrapper.sh writes that our lexer
// refuses ('(' is shell syntax), matched before lexing.
const declareLine = "declare -a extraFlagsArray=()"

type logicalLine struct {
	no   int // 1-based number of the first physical line
	text string
}

// logicalLines joins backslash-newline continuations and drops the
// declare line (see declareLine). Line numbers count from the shebang.
func logicalLines(s string) []logicalLine {
	phys := strings.Split(s, "\n")
	var out []logicalLine
	for i := 0; i < len(phys); i++ {
		no := i + 2
		cur := strings.TrimSuffix(phys[i], "\r")
		for strings.HasSuffix(cur, "\\") && !strings.HasSuffix(cur, "\\\\") && i+1 < len(phys) {
			i++
			cur = cur[:len(cur)-1] + strings.TrimSuffix(phys[i], "\r")
		}
		if strings.TrimSpace(cur) == declareLine {
			continue
		}
		out = append(out, logicalLine{no: no, text: cur})
	}
	return out
}

func checkShebang(line string) error {
	f := strings.Fields(strings.TrimPrefix(line, "#!"))
	if len(f) == 0 {
		return fmt.Errorf("empty #! line")
	}
	shell := path.Base(f[0])
	if shell != "bash" && shell != "sh" {
		return fmt.Errorf("#! interpreter %s is not bash", f[0])
	}
	if !path.IsAbs(f[0]) {
		return fmt.Errorf("#! interpreter %s is not absolute", f[0])
	}
	for _, o := range f[1:] {
		switch o {
		case "-e", "-eu", "-ue", "-u":
		default:
			return fmt.Errorf("#! option %q not understood", o)
		}
	}
	return nil
}

func isLit(w shellWord, s string) bool {
	t, ok := w.literal()
	return ok && t == s
}

func joinDir(cur, dir string) string {
	if cur == "" || path.IsAbs(dir) {
		return dir
	}
	return path.Join(cur, dir)
}

// parseExport reads the words after `export` (exactly one assignment) into
// an environment operation.
func parseExport(args []shellWord) (interp.EnvOp, error) {
	if len(args) != 1 {
		return interp.EnvOp{}, fmt.Errorf("export needs exactly one assignment")
	}
	w := args[0]
	if len(w) == 0 || w[0].kind != partLit || w[0].quoted {
		return interp.EnvOp{}, fmt.Errorf("export of a non-assignment")
	}
	head, rest, ok := strings.Cut(w[0].text, "=")
	if !ok {
		return interp.EnvOp{}, fmt.Errorf("export without a value")
	}
	appendOp := strings.HasSuffix(head, "+")
	name := strings.TrimSuffix(head, "+")
	if !validName(name) {
		return interp.EnvOp{}, fmt.Errorf("export of invalid name %q", name)
	}
	var val shellWord
	if rest != "" {
		val = append(val, part{kind: partLit, text: rest})
	}
	val = append(val, w[1:]...)
	val = val.merged()

	isVar := func(p part) bool { return p.kind == partVar && p.text == name }
	isSep := func(p part) (string, bool) {
		// ${NAME:+SEP}
		if p.kind != partParam || p.text != name || p.op != ":+" {
			return "", false
		}
		return shellWord(p.word).literal()
	}
	if appendOp {
		// NAME+=${NAME:+SEP}VALUE  (suffix)
		if len(val) == 2 {
			if sep, ok := isSep(val[0]); ok && val[1].kind == partLit {
				return interp.EnvOp{Op: interp.EnvSuffix, Name: name, Value: val[1].text, Sep: sep}, nil
			}
		}
		return interp.EnvOp{}, fmt.Errorf("unsupported value for %s+=", name)
	}
	if s, ok := val.literal(); ok {
		return interp.EnvOp{Op: interp.EnvSet, Name: name, Value: s}, nil
	}
	switch len(val) {
	case 1:
		// ${NAME-VALUE}  (set-default)
		p := val[0]
		if p.kind == partParam && p.text == name && p.op == "-" {
			if s, ok := shellWord(p.word).literal(); ok {
				return interp.EnvOp{Op: interp.EnvSetDefault, Name: name, Value: s}, nil
			}
		}
	case 2:
		// VALUE${NAME:+SEP$NAME}  (prefix)
		p := val[1]
		if val[0].kind == partLit && p.kind == partParam && p.text == name && p.op == ":+" {
			inner := shellWord(p.word)
			if len(inner) == 2 && inner[0].kind == partLit && isVar(inner[1]) {
				return interp.EnvOp{Op: interp.EnvPrefix, Name: name, Value: val[0].text, Sep: inner[0].text}, nil
			}
		}
	case 3:
		// VALUE${NAME:+SEP}$NAME  (prefix)
		if val[0].kind == partLit && isVar(val[2]) {
			if sep, ok := isSep(val[1]); ok {
				return interp.EnvOp{Op: interp.EnvPrefix, Name: name, Value: val[0].text, Sep: sep}, nil
			}
		}
		// $NAME${NAME:+SEP}VALUE  (suffix)
		if isVar(val[0]) && val[2].kind == partLit {
			if sep, ok := isSep(val[1]); ok {
				return interp.EnvOp{Op: interp.EnvSuffix, Name: name, Value: val[2].text, Sep: sep}, nil
			}
		}
	}
	return interp.EnvOp{}, fmt.Errorf("unsupported value for %s", name)
}

// parseExec reads the words after `exec`.
func parseExec(w *Wrapper, args []shellWord) error {
	i := 0
	for i < len(args) {
		s, ok := args[i].literal()
		if !ok {
			break
		}
		if s == "--" {
			i++
			break
		}
		if s != "-a" {
			break
		}
		if i+1 >= len(args) {
			return fmt.Errorf("exec -a without a name")
		}
		a := args[i+1]
		if len(a) == 1 && a[0].kind == partSpecial && a[0].text == "0" && a[0].quoted {
			w.InheritArgv0, w.Argv0 = true, ""
		} else if s, ok := a.literal(); ok {
			w.InheritArgv0, w.Argv0 = false, s
		} else {
			return fmt.Errorf("exec -a with an unsupported name")
		}
		i += 2
	}
	if i >= len(args) {
		return fmt.Errorf("exec without a program")
	}
	target, ok := args[i].literal()
	if !ok || !path.IsAbs(target) {
		return fmt.Errorf("exec target is not a literal absolute path")
	}
	w.Target = target
	sawArgs := false
	for _, a := range args[i+1:] {
		if len(a) == 1 && a[0].kind == partSpecial && a[0].quoted {
			switch a[0].text {
			case "@":
				if sawArgs {
					return fmt.Errorf(`"$@" twice`)
				}
				sawArgs = true
				continue
			case "extraFlagsArray[@]":
				// Empty: only --run commands (which we refuse) fill it.
				if sawArgs {
					return fmt.Errorf("extraFlagsArray after \"$@\"")
				}
				continue
			}
		}
		s, ok := a.literal()
		if !ok {
			return fmt.Errorf("exec argument is not literal")
		}
		if sawArgs {
			return fmt.Errorf("flags after \"$@\" (--append-flags) cannot be represented")
		}
		w.Args = append(w.Args, s)
	}
	if !sawArgs {
		return fmt.Errorf(`exec does not pass "$@"`)
	}
	return nil
}

// docstringMarker starts the command line that make-binary-wrapper.sh
// embeds in every binary wrapper.
const docstringMarker = "makeCWrapper"

// ExtractMakeCWrapper finds the makeCWrapper command embedded in a binary
// wrapper: the line starting "makeCWrapper" and its continuation lines up
// to the first blank line (as nixpkgs' `strings -dw BIN | sed -n
// '/^makeCWrapper/,/^$/ p'`). ok is false when there is none.
func ExtractMakeCWrapper(bin []byte) (doc string, ok bool) {
	off := 0
	for {
		i := bytes.Index(bin[off:], []byte(docstringMarker))
		if i < 0 {
			return "", false
		}
		i += off
		if i == 0 || bin[i-1] == '\n' || bin[i-1] == 0 {
			end := bytes.IndexByte(bin[i:], 0)
			if end < 0 {
				end = len(bin) - i
			}
			s := string(bin[i : i+end])
			var lines []string
			for _, l := range strings.Split(s, "\n") {
				if strings.TrimSpace(l) == "" {
					break
				}
				lines = append(lines, l)
			}
			return strings.Join(lines, "\n"), true
		}
		off = i + len(docstringMarker)
	}
}

// ParseMakeCWrapper parses the makeCWrapper command line of a binary
// wrapper's docstring (see ExtractMakeCWrapper): the target (quoted, or
// unquoted as older versions print it) and the flags --set, --set-default,
// --unset, --prefix, --suffix, --add-flags, --chdir, --argv0,
// --inherit-argv0 and --resolve-argv0. --append-flags and anything else
// is an error.
func ParseMakeCWrapper(doc string) (Wrapper, error) {
	w := Wrapper{Format: FormatBinary}
	// What ExtractMakeCWrapper returns starts with the command itself.
	if !strings.HasPrefix(doc, docstringMarker) {
		return w, fmt.Errorf("docstring does not start with %q", docstringMarker)
	}
	if strings.IndexByte(doc, 0) >= 0 {
		return w, fmt.Errorf("docstring contains a NUL byte")
	}
	joined := strings.ReplaceAll(strings.ReplaceAll(doc, "\r\n", "\n"), "\\\n", " ")
	if strings.Contains(joined, "\n") {
		return w, fmt.Errorf("docstring line without a continuation")
	}
	words, err := splitWords(joined)
	if err != nil {
		return w, fmt.Errorf("splitting makeCWrapper line: %w", err)
	}
	args := make([]string, 0, len(words))
	for i, wd := range words {
		s, ok := wd.literal()
		if !ok {
			return w, fmt.Errorf("makeCWrapper argument %d is not literal", i)
		}
		args = append(args, s)
	}
	if len(args) < 2 || args[0] != docstringMarker {
		return w, fmt.Errorf("no makeCWrapper command")
	}
	w.Target = args[1]
	if !path.IsAbs(w.Target) {
		return w, fmt.Errorf("target %q is not absolute", w.Target)
	}
	rest := args[2:]
	need := func(n int) ([]string, error) {
		if len(rest) < n+1 {
			return nil, fmt.Errorf("%s takes %d arguments", rest[0], n)
		}
		a := rest[1 : n+1]
		rest = rest[n+1:]
		return a, nil
	}
	for len(rest) > 0 {
		flag := rest[0]
		var a []string
		switch flag {
		case "--set", "--set-default":
			if a, err = need(2); err != nil {
				return w, err
			}
			if !validEnvName(a[0]) {
				return w, fmt.Errorf("%s: invalid name %q", flag, a[0])
			}
			op := interp.EnvSet
			if flag == "--set-default" {
				op = interp.EnvSetDefault
			}
			w.Env = append(w.Env, interp.EnvOp{Op: op, Name: a[0], Value: a[1]})
		case "--unset":
			if a, err = need(1); err != nil {
				return w, err
			}
			if !validEnvName(a[0]) {
				return w, fmt.Errorf("%s: invalid name %q", flag, a[0])
			}
			w.Env = append(w.Env, interp.EnvOp{Op: interp.EnvUnset, Name: a[0]})
		case "--prefix", "--suffix":
			if a, err = need(3); err != nil {
				return w, err
			}
			if !validEnvName(a[0]) {
				return w, fmt.Errorf("%s: invalid name %q", flag, a[0])
			}
			op := interp.EnvPrefix
			if flag == "--suffix" {
				op = interp.EnvSuffix
			}
			w.Env = append(w.Env, interp.EnvOp{Op: op, Name: a[0], Sep: a[1], Value: a[2]})
		case "--add-flags":
			if a, err = need(1); err != nil {
				return w, err
			}
			// The generator word-splits the flags string.
			w.Args = append(w.Args, strings.Fields(a[0])...)
		case "--chdir":
			if a, err = need(1); err != nil {
				return w, err
			}
			w.Chdir = joinDir(w.Chdir, a[0])
		case "--argv0":
			if a, err = need(1); err != nil {
				return w, err
			}
			w.Argv0, w.InheritArgv0 = a[0], false
		case "--inherit-argv0":
			rest = rest[1:]
			w.Argv0, w.InheritArgv0 = "", true
		case "--resolve-argv0":
			rest = rest[1:]
		default:
			return w, fmt.Errorf("makeCWrapper flag %q not supported", flag)
		}
	}
	return w, nil
}

// validEnvName accepts what makeCWrapper accepts: non-empty, no '='.
func validEnvName(s string) bool {
	return s != "" && !strings.Contains(s, "=")
}
