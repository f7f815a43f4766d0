package build

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type entry struct {
	name, body, link string
	typ              byte
}

func writeTarGz(t *testing.T, dir, name string, entries []entry) string {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		h := &tar.Header{Name: e.name, Mode: 0o644, Typeflag: typ, Linkname: e.link}
		if typ == tar.TypeReg {
			h.Size = int64(len(e.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(e.body))
	}
	tw.Close()
	gz.Close()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestUnpackSdist: a good sdist unpacks to its one top directory; hostile
// ones are refused and write nothing outside the destination.
func TestUnpackSdist(t *testing.T) {
	good := []entry{{name: "pkg-1.0/PKG-INFO", body: "Metadata-Version: 2.2\n"}, {name: "pkg-1.0/src/m.py", body: "x = 1\n"},
		{name: "pkg-1.0/link.py", typ: tar.TypeSymlink, link: "src/m.py"}}
	for _, tc := range []struct {
		name    string
		entries []entry
		err     string
	}{
		{"good", good, ""},
		{"zip slip", []entry{{name: "pkg-1.0/../../evil", body: "x"}}, "points outside the archive"},
		{"absolute", []entry{{name: "/etc/evil", body: "x"}}, "not a relative path"},
		{"link out", []entry{{name: "pkg-1.0/PKG-INFO"}, {name: "pkg-1.0/l", typ: tar.TypeSymlink, link: "../../etc/passwd"}}, "points outside the archive"},
		{"absolute link", []entry{{name: "pkg-1.0/l", typ: tar.TypeSymlink, link: "/etc/passwd"}}, "points outside the archive"},
		{"device", []entry{{name: "pkg-1.0/dev", typ: tar.TypeChar}}, "device"},
		{"hard link", []entry{{name: "pkg-1.0/h", typ: tar.TypeLink, link: "pkg-1.0/x"}}, "hard link"},
		{"two tops", []entry{{name: "a/x", body: "1"}, {name: "b/y", body: "2"}}, "one top-level directory"},
		{"duplicate", []entry{{name: "pkg-1.0/x", body: "1"}, {name: "pkg-1.0/x", body: "2"}}, "file exists"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			p := writeTarGz(t, root, "pkg-1.0.tar.gz", tc.entries)
			dest := filepath.Join(root, "dest")
			os.Mkdir(dest, 0o755)
			dir, err := unpackSdist(p, dest)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				ents, _ := os.ReadDir(root)
				if len(ents) != 2 { // the archive and dest
					t.Errorf("something was written outside the destination: %v", ents)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if b, err := os.ReadFile(filepath.Join(dir, "link.py")); err != nil || string(b) != "x = 1\n" || filepath.Base(dir) != "pkg-1.0" {
				t.Errorf("unpacked %s: %q %v", dir, b, err)
			}
			md, err := readPKGINFO(p)
			if err != nil || string(md) != "Metadata-Version: 2.2\n" {
				t.Errorf("PKG-INFO = %q, %v", md, err)
			}
		})
	}
}

func TestUnpackSdistZip(t *testing.T) {
	root := t.TempDir()
	var good bytes.Buffer
	gw := zip.NewWriter(&good)
	w0, _ := gw.Create("pkg-2.0/PKG-INFO")
	w0.Write([]byte("Metadata-Version: 2.1\nName: pkg\n"))
	gw.Close()
	gp := filepath.Join(root, "good-2.0.zip")
	os.WriteFile(gp, good.Bytes(), 0o644)
	if md, err := readPKGINFO(gp); err != nil || !strings.HasPrefix(string(md), "Metadata-Version: 2.1") {
		t.Errorf("PKG-INFO of a zip: %q %v", md, err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("pkg-2.0/PKG-INFO")
	w.Write([]byte("Metadata-Version: 2.1\nName: pkg\n"))
	w, _ = zw.Create("pkg-2.0/../escape")
	w.Write([]byte("x"))
	zw.Close()
	p := filepath.Join(root, "pkg-2.0.zip")
	os.WriteFile(p, buf.Bytes(), 0o644)
	// A hostile member is refused even when the PKG-INFO came first.
	if md, err := readPKGINFO(p); err == nil || !strings.Contains(err.Error(), "outside") {
		t.Errorf("PKG-INFO of a hostile zip: %q %v", md, err)
	}
	dest := filepath.Join(root, "d")
	os.Mkdir(dest, 0o755)
	if _, err := unpackSdist(p, dest); err == nil || !strings.Contains(err.Error(), "outside") {
		t.Errorf("zip slip in a zip sdist: %v", err)
	}
	if _, err := archiveKind("x.tar.xz"); err == nil || !strings.Contains(err.Error(), ".tar.xz source distributions are not supported") {
		t.Errorf("xz: %v", err)
	}
}

func TestStaticMetadata(t *testing.T) {
	for _, tc := range []struct {
		pkgInfo string
		static  bool
	}{
		{"Metadata-Version: 2.2\nName: a\nRequires-Dist: b\n\n", true},
		{"Metadata-Version: 2.4\nName: a\nDynamic: license\n", true},
		{"Metadata-Version: 2.1\nName: a\nRequires-Dist: b\n", false},
		{"Metadata-Version: 2.2\nName: a\nDynamic: Requires-Dist\n", false},
		{"Metadata-Version: 2.3\nDynamic: requires-python\n", false},
		{"Metadata-Version: 2.2\nDynamic: Provides-Extra\n", false},
		{"Metadata-Version: 2.10\n", true},
		{"Metadata-Version: x\n", false},
		{"Name: a\n", false},
		{"Metadata-Version: 2.2\n\nDynamic: Requires-Dist\n", true}, // after the headers: the description
	} {
		if got := staticMetadata([]byte(tc.pkgInfo)); got != tc.static {
			t.Errorf("staticMetadata(%q) = %v, want %v", tc.pkgInfo, got, tc.static)
		}
	}
}

// TestFingerprint: a change to a source file changes it; what builds
// write (build/, *.egg-info, __pycache__) and VCS dirs do not.
func TestFingerprint(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "pkg"), 0o755)
	os.WriteFile(filepath.Join(dir, "pkg", "m.py"), []byte("x = 1\n"), 0o644)
	first, err := fingerprint(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"build/lib/pkg/m.py", "src/pkg.egg-info/PKG-INFO", "pkg/__pycache__/m.cpython-311.pyc", ".git/index", "dist/pkg-1.0.tar.gz", "pkg/m.pyc", ".venv/pyvenv.cfg"} {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755)
		os.WriteFile(filepath.Join(dir, p), []byte("x"), 0o644)
		if fp, _ := fingerprint(dir); fp != first {
			t.Errorf("writing %s changed the fingerprint", p)
		}
	}
	os.MkdirAll(filepath.Join(dir, "pkg", "build"), 0o755)
	os.WriteFile(filepath.Join(dir, "pkg", "build", "x.py"), []byte("x"), 0o644)
	if fp, _ := fingerprint(dir); fp == first {
		t.Errorf("a nested build/ package is left out")
	}
	second, _ := fingerprint(dir)
	os.WriteFile(filepath.Join(dir, "pkg", "m.py"), []byte("x = 22\n"), 0o644)
	if fp, _ := fingerprint(dir); fp == second {
		t.Errorf("editing a file did not change the fingerprint")
	}
}

func TestShellQuoteAndReproduce(t *testing.T) {
	for in, want := range map[string]string{"abc": "abc", "/a/b-c.py": "/a/b-c.py", "a b": "'a b'", "it's": `'it'\''s'`, "": "''"} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
	r := &runner{python: "/env/bin/python", backend: "pkg.build:api", backendPath: []string{"_b"}, reproduce: "cd /src"}
	want := `cd /src && /env/bin/python -c 'import sys; sys.path[:0] = ["_b"]; import pkg.build as b; print(b.api.build_wheel("dist"))'`
	if got := r.reproduceCmd("build_wheel"); got != want {
		t.Errorf("reproduce:\n got %s\nwant %s", got, want)
	}
}

func TestTail(t *testing.T) {
	var tl tail
	for i := 0; i < 20000; i++ {
		tl.Write([]byte("line\n"))
	}
	tl.Write([]byte("last one\r\n"))
	ls := tl.lines(3)
	if len(ls) != 3 || ls[2] != "last one" || len(tl.buf) > 2*tailBytes {
		t.Errorf("tail = %q (%d bytes kept)", ls, len(tl.buf))
	}
}
