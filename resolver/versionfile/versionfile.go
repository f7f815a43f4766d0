// Package versionfile parses the project and global files that name a
// Python version: pyenv's (and uv's) .python-version and uv's
// .python-versions. It only parses; finding the files and matching the
// entries against interpreters is the resolver's job. Standard library only.
package versionfile

import (
	"bytes"
	"path/filepath"
	"strings"
)

// ParsePythonVersion parses the contents of a .python-version file (or of
// pyenv's global $PYENV_ROOT/version) by pyenv's rules, which uv's dialect
// also satisfies:
//
//   - only the first word of each line counts (words are separated by
//     spaces, tabs and carriage returns);
//   - blank lines and lines whose first word starts with '#' are skipped;
//   - several lines give several entries, in order;
//   - an entry that is ".." or contains '/' must name a directory inside
//     pyenvRoot/versions/ once joined to it and lexically cleaned
//     (CVE-2022-35861); otherwise it is dropped with the warning
//     "pyenv: invalid version `X' ignored in `FILE'".
//
// uv's entries ("3.12", "cpython@3.12", "pypy@3.9", "3.13t", ">=3.10") are
// kept as written; nothing is stripped (a "python-" prefix is the matcher's
// business). file is used only in warnings.
//
// An entry that passes the path check still means a name relative to
// pyenvRoot/versions ("/3.11.7" is versions/3.11.7 to pyenv), never an
// executable path: the caller must not treat it as an absolute-path request.
//
// Two pyenv details are deliberately not reproduced: pyenv reads lines in
// 1024-character chunks (so the rest of a longer line counts as a new line),
// and its path check also requires the directory to exist; here a path entry
// to a missing directory is kept and later fails as "not installed".
// NUL bytes are dropped, as bash's read does.
func ParsePythonVersion(data []byte, file, pyenvRoot string) (entries []string, warnings []string) {
	for _, line := range splitLines(data) {
		word := firstWord(line)
		if word == "" || strings.HasPrefix(word, "#") {
			continue
		}
		if !insideVersions(word, pyenvRoot) {
			warnings = append(warnings, "pyenv: invalid version `"+word+"' ignored in `"+file+"'")
			continue
		}
		entries = append(entries, word)
	}
	return entries, warnings
}

// ParsePythonVersions parses uv's .python-versions: one request per line,
// the whole line with surrounding white space trimmed (so ">=3.10, <3.13"
// stays one request), blank lines and lines starting with '#' skipped.
//
// Project files name versions, never executables outside known roots, so
// an entry that is ".." or contains '/' gets the same check as in
// ParsePythonVersion and is dropped with the warning
// "pyshim: invalid version `X' ignored in `FILE'" unless it stays inside
// pyenvRoot/versions/.
func ParsePythonVersions(data []byte, file, pyenvRoot string) (entries []string, warnings []string) {
	for _, line := range splitLines(data) {
		req := strings.TrimSpace(line)
		if req == "" || strings.HasPrefix(req, "#") {
			continue
		}
		if !insideVersions(req, pyenvRoot) {
			warnings = append(warnings, "pyshim: invalid version `"+req+"' ignored in `"+file+"'")
			continue
		}
		entries = append(entries, req)
	}
	return entries, warnings
}

// splitLines splits data on '\n', dropping NUL bytes.
func splitLines(data []byte) []string {
	if bytes.IndexByte(data, 0) >= 0 {
		data = bytes.ReplaceAll(data, []byte{0}, nil)
	}
	return strings.Split(string(data), "\n")
}

// firstWord returns the first word of line as bash's read splits it with
// IFS = space, tab, newline and carriage return.
func firstWord(line string) string {
	isSep := func(r rune) bool { return r == ' ' || r == '\t' || r == '\r' || r == '\n' }
	line = strings.TrimLeftFunc(line, isSep)
	if i := strings.IndexFunc(line, isSep); i >= 0 {
		return line[:i]
	}
	return line
}

// insideVersions reports whether entry is safe to use as a name under
// pyenvRoot/versions: either it is not path-like, or joining and cleaning
// it keeps it strictly inside that directory.
func insideVersions(entry, pyenvRoot string) bool {
	if entry != ".." && !strings.Contains(entry, "/") {
		return true
	}
	versions := filepath.Join(filepath.Clean(pyenvRoot), "versions")
	// pyenv does cd "$PYENV_ROOT/versions/$v" (logical: ".." is lexical).
	p := filepath.Clean(versions + "/" + entry)
	return strings.HasPrefix(p, versions+"/") && len(p) > len(versions)+1
}

// Words returns the entries of a .python-version file as written, before
// the path check of ParsePythonVersion: the first word of each line that is
// not blank or a comment.
func Words(data []byte) []string {
	var out []string
	for _, line := range splitLines(data) {
		if w := firstWord(line); w != "" && !strings.HasPrefix(w, "#") {
			out = append(out, w)
		}
	}
	return out
}

// Requests returns the entries of a .python-versions file as written,
// before the path check of ParsePythonVersions.
func Requests(data []byte) []string {
	var out []string
	for _, line := range splitLines(data) {
		if r := strings.TrimSpace(line); r != "" && !strings.HasPrefix(r, "#") {
			out = append(out, r)
		}
	}
	return out
}
