package shim

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/pyshim/pyshim/plugins/sdk/interp"
)

// An entry is stored as lines of a tag and space-separated fields, strings
// Go-quoted, ending with "end" (so a truncated file never parses):
//
//	pyshim-resolve 1
//	key 3f2a…
//	name "python3"
//	final 1
//	file "/root/.pyenv/versions/3.11.7/bin/python3.11"
//	argv "/root/.pyenv/versions/3.11.7/bin/python3.11"
//	env set "NIX_PYTHONPREFIX" "/nix/store/…-env" ""
//	chdir "/some/dir"
//	fp 0 0 2049 1234 420 5 1732612345000000000 "/proj/.python-version"
//	interp {"path":…}
//	end
//
// The hot path reads it in a few microseconds; encoding/json takes ten
// times longer over the same entry.

const header = "pyshim-resolve "

func (e *Entry) encode() ([]byte, error) {
	in := []byte(e.rawInterp)
	if e.rawInterp == "" || e.Interp.Path != "" {
		var err error
		if in, err = json.Marshal(e.Interp); err != nil {
			return nil, fmt.Errorf("encoding the cache entry: %w", err)
		}
	}
	var b strings.Builder
	q := strconv.Quote
	b.WriteString(header + e.Format + "\n")
	b.WriteString("key " + q(e.Key) + "\n")
	b.WriteString("name " + q(e.Name) + "\n")
	b.WriteString("final " + boolStr(e.Final) + "\n")
	b.WriteString("file " + q(e.Target.File) + "\n")
	b.WriteString("argv")
	for _, a := range e.Target.Argv {
		b.WriteString(" " + q(a))
	}
	b.WriteString("\n")
	for _, op := range e.Target.Env {
		b.WriteString("env " + q(string(op.Op)) + " " + q(op.Name) + " " + q(op.Value) + " " + q(op.Sep) + "\n")
	}
	if e.Target.Chdir != "" {
		b.WriteString("chdir " + q(e.Target.Chdir) + "\n")
	}
	for _, f := range e.Files {
		fmt.Fprintf(&b, "fp %s %s %d %d %d %d %d %s\n", boolStr(f.Follow), boolStr(f.Absent), f.Dev, f.Ino, f.Mode, f.Size, f.Mtime, q(f.Path))
	}
	b.WriteString("interp ")
	b.Write(in)
	b.WriteString("\nend\n")
	return []byte(b.String()), nil
}

func decode(s string) (*Entry, error) {
	if !strings.HasSuffix(s, "\nend\n") {
		return nil, errors.New("no end line (truncated?)")
	}
	s = strings.TrimSuffix(s, "end\n")
	first, rest, _ := strings.Cut(s, "\n")
	format, ok := strings.CutPrefix(first, header)
	if !ok {
		return nil, errors.New("not a pyshim resolution entry")
	}
	e := &Entry{Format: format}
	if format != formatVersion {
		return e, nil
	}
	for rest != "" {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		tag, body, _ := strings.Cut(line, " ")
		if tag == "interp" {
			// Decoded on demand: the hot path does not need it.
			e.rawInterp = body
			continue
		}
		f, err := fields(body)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", tag, err)
		}
		if err := e.set(tag, f); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// set applies one decoded line.
func (e *Entry) set(tag string, f []string) error {
	if n := arity(tag); n > 0 && len(f) != n {
		return fmt.Errorf("%s: %d fields, want %d", tag, len(f), n)
	}
	switch tag {
	case "key":
		e.Key = f[0]
	case "name":
		e.Name = f[0]
	case "final":
		e.Final = f[0] == "1"
	case "file":
		e.Target.File = f[0]
	case "argv":
		e.Target.Argv = f
	case "env":
		e.Target.Env = append(e.Target.Env, interp.EnvOp{Op: interp.EnvOpKind(f[0]), Name: f[1], Value: f[2], Sep: f[3]})
	case "chdir":
		e.Target.Chdir = f[0]
	case "fp":
		var fp Fingerprint
		var err [5]error
		fp.Follow, fp.Absent = f[0] == "1", f[1] == "1"
		fp.Dev, err[0] = strconv.ParseUint(f[2], 10, 64)
		fp.Ino, err[1] = strconv.ParseUint(f[3], 10, 64)
		var mode uint64
		mode, err[2] = strconv.ParseUint(f[4], 10, 32)
		fp.Mode = uint32(mode)
		fp.Size, err[3] = strconv.ParseInt(f[5], 10, 64)
		fp.Mtime, err[4] = strconv.ParseInt(f[6], 10, 64)
		if e := errors.Join(err[:]...); e != nil {
			return fmt.Errorf("fp: %w", e)
		}
		fp.Path = f[7]
		e.Files = append(e.Files, fp)
	default:
		return fmt.Errorf("unknown line %q", tag)
	}
	return nil
}

// arity is the number of fields a line of tag has, or 0 for any.
func arity(tag string) int {
	switch tag {
	case "key", "name", "final", "file", "chdir":
		return 1
	case "env":
		return 4
	case "fp":
		return 8
	}
	return 0
}

// fields splits a line body into words and Go-quoted strings.
func fields(s string) ([]string, error) {
	var out []string
	for s != "" {
		if s[0] == '"' {
			q, err := strconv.QuotedPrefix(s)
			if err != nil {
				return nil, err
			}
			v, err := strconv.Unquote(q)
			if err != nil {
				return nil, err
			}
			out, s = append(out, v), s[len(q):]
		} else {
			i := strings.IndexByte(s, ' ')
			if i < 0 {
				i = len(s)
			}
			out, s = append(out, s[:i]), s[i:]
		}
		if s != "" {
			if s[0] != ' ' {
				return nil, errors.New("fields not separated by a space")
			}
			s = s[1:]
		}
	}
	return out, nil
}

// Interpreter returns the resolved interpreter the entry records; Decode
// leaves it undecoded, as the hot path does not need it.
func (e *Entry) Interpreter() (interp.Interpreter, error) {
	if e.Interp.Path != "" || e.rawInterp == "" {
		return e.Interp, nil
	}
	var in interp.Interpreter
	if err := json.Unmarshal([]byte(e.rawInterp), &in); err != nil {
		return in, fmt.Errorf("the cached interpreter: %w", err)
	}
	return in, nil
}
