package main

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tinyWheel builds a one-module wheel, tinypkg 1.0.
func tinyWheel(t *testing.T) (name string, data []byte) {
	t.Helper()
	files := []struct{ path, data string }{
		{"tinypkg/__init__.py", "X = 1\n"},
		{"tinypkg-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: tinypkg\nVersion: 1.0\n"},
		{"tinypkg-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nGenerator: pyshim-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"},
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	var record strings.Builder
	for _, f := range files {
		w, err := zw.Create(f.path)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(f.data))
		sum := sha256.Sum256([]byte(f.data))
		fmt.Fprintf(&record, "%s,sha256=%s,%d\n", f.path, base64.RawURLEncoding.EncodeToString(sum[:]), len(f.data))
	}
	record.WriteString("tinypkg-1.0.dist-info/RECORD,,\n")
	w, _ := zw.Create("tinypkg-1.0.dist-info/RECORD")
	w.Write([]byte(record.String()))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return "tinypkg-1.0-py3-none-any.whl", buf.Bytes()
}

// TestStateFilesArePrivate runs the shim (a cached resolution and an
// untrusted-.venv hint), pyshim venv --seed (venv and info caches, the
// wheel cache, the trust list) and pyshim install from an HTTP index (the
// index cache) in a fresh HOME, then walks what pyshim wrote under
// $XDG_CACHE_HOME/pyshim and $XDG_STATE_HOME/pyshim: every directory is
// 0700 and every file 0600, no temporary file is left, and nothing else
// appeared in HOME. The one exception is the members of unpacked wheel
// trees, which keep the wheel's modes because installs hard-link them into
// venvs; their tree directory is 0700, so nobody else can reach them.
func TestStateFilesArePrivate(t *testing.T) {
	s := newSandbox(t)
	whl, data := tinyWheel(t)
	sum := sha256.Sum256(data)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/simple/tinypkg/":
			fmt.Fprintf(w, "<html><body><a href=\"/files/%s#sha256=%s\">%s</a></body></html>\n", whl, hex.EncodeToString(sum[:]), whl)
		case "/files/" + whl:
			w.Write(data)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	s.write(t, "proj/.python-version", "3.11.7\n", 0o644)
	s.write(t, "clone/.venv/pyvenv.cfg", "home = /usr/bin\n", 0o644)
	s.age(t)
	home := s.vars["HOME"]
	before := map[string]bool{}
	filepath.WalkDir(home, func(p string, d fs.DirEntry, err error) error {
		before[p] = true
		return nil
	})
	proj, clone := filepath.Join(s.root, "proj"), filepath.Join(s.root, "clone")
	steps := []struct {
		dir  string
		args []string
	}{
		{proj, []string{"python3", "-c", "pass"}},
		{proj, []string{"python3", "-c", "pass"}},
		{clone, []string{"python3", "-c", "pass"}},
		{proj, []string{"pyshim", "venv", "--seed", ".venv"}},
		{proj, []string{"pyshim", "install", "--index-url", srv.URL + "/simple", "tinypkg"}},
	}
	for _, st := range steps {
		if out, stderr, code := s.run(t, st.dir, "", st.args[0], st.args[1:]...); code != 0 {
			t.Fatalf("%s: exit %d\n%s%s", strings.Join(st.args, " "), code, out, stderr)
		}
	}
	cache := filepath.Join(s.vars["XDG_CACHE_HOME"], "pyshim")
	state := filepath.Join(s.vars["XDG_STATE_HOME"], "pyshim")
	seen := map[string]int{}
	for _, root := range []string{cache, state} {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			fi, err := os.Lstat(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(home, p)
			top := strings.SplitN(strings.TrimPrefix(p, root+"/"), "/", 2)[0]
			seen[filepath.Base(root)+"/"+top]++
			if strings.Contains(d.Name(), ".tmp-") {
				t.Errorf("%s: a temporary file was left behind", rel)
			}
			inTree, _ := filepath.Match(filepath.Join(cache, "wheels-v2", "sha256", "*", "*"), p)
			switch {
			case fi.IsDir() && fi.Mode().Perm() != 0o700:
				t.Errorf("%s: directory mode %04o, want 0700", rel, fi.Mode().Perm())
			case fi.Mode().IsRegular() && !inTree && fi.Mode().Perm() != 0o600:
				t.Errorf("%s: file mode %04o, want 0600", rel, fi.Mode().Perm())
			case !fi.IsDir() && !fi.Mode().IsRegular():
				t.Errorf("%s: %v, want a file or a directory", rel, fi.Mode())
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// Each kind of state was written (so each was checked).
	for _, k := range []string{"pyshim/resolve", "pyshim/venv", "pyshim/info", "pyshim/wheels-v2", "pyshim/index", "pyshim/trusted", "pyshim/venv-hints"} {
		if seen[k] == 0 {
			t.Errorf("nothing under %s: the run did not write it (%v)", k, seen)
		}
	}
	filepath.WalkDir(home, func(p string, d fs.DirEntry, err error) error {
		if !before[p] && !strings.HasPrefix(p, cache+"/") && p != cache && !strings.HasPrefix(p, state+"/") && p != state {
			t.Errorf("%s: written outside pyshim's cache and state", p)
		}
		return nil
	})
}
