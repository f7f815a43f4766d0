package reqfile

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// memFS serves files from a map (paths cleaned).
func memFS(files map[string]string) func(string) ([]byte, error) {
	return func(name string) ([]byte, error) {
		if s, ok := files[filepath.Clean(name)]; ok {
			return []byte(s), nil
		}
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

const h1 = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
const h2 = "sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

func TestParse(t *testing.T) {
	files := map[string]string{
		"/p/requirements.txt": `# a comment line
--index-url https://idx.example/simple
--extra-index-url=https://extra.example/simple
-f ./wheels
--pre
requests[socks]>=2.0 ; python_version >= "3.8"  # trailing comment
flask==3.0 \
    --hash=sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef \
    --hash ` + h2 + `
direct @ https://example.com/d.whl#sha256=ab
${PKG}>=1
-r sub/more.txt
-c constraints.txt
`,
		"/p/sub/more.txt":    "click\n-r ../other.txt\n",
		"/p/other.txt":       "--no-index\nattrs  \n",
		"/p/constraints.txt": "urllib3<2\n-r cons2.txt\n",
		"/p/cons2.txt":       "idna==3.4\n",
		"/p/wheels/x.whl":    "",
	}
	f, err := Parse("/p/requirements.txt", Options{ReadFile: memFS(files), Getenv: env(map[string]string{"PKG": "numpy", "lower": "bad"})})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range f.Requirements {
		got = append(got, r.Req.String()+" @"+r.Where())
	}
	want := []string{
		`requests[socks]>=2.0; python_version >= "3.8" @/p/requirements.txt:6`,
		`flask==3.0 @/p/requirements.txt:7`,
		`direct @ https://example.com/d.whl#sha256=ab @/p/requirements.txt:10`,
		`numpy>=1 @/p/requirements.txt:11`,
	}
	if len(got) < 4 || !slices.Equal(got[:4], want) {
		t.Errorf("requirements\n%s\nwant prefix\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	_ = got
	if !slices.Equal(f.Requirements[1].Hashes, []string{h1, h2}) {
		t.Errorf("hashes %q", f.Requirements[1].Hashes)
	}
	var names []string
	for _, r := range f.Requirements[4:] {
		names = append(names, r.Req.Name)
	}
	if !slices.Equal(names, []string{"click", "attrs"}) {
		t.Errorf("nested requirements %q", names)
	}
	var cons []string
	for _, r := range f.Constraints {
		cons = append(cons, r.Req.String())
	}
	if !slices.Equal(cons, []string{"urllib3<2", "idna==3.4"}) {
		t.Errorf("constraints %q", cons)
	}
	if f.IndexURL != "https://idx.example/simple" || !slices.Equal(f.ExtraIndexURLs, []string{"https://extra.example/simple"}) ||
		!f.Pre || !f.NoIndex || len(f.FindLinks) != 1 {
		t.Errorf("options %+v", f)
	}
}

func TestParseLowercaseEnvNotExpanded(t *testing.T) {
	_, err := Parse("/r.txt", Options{ReadFile: memFS(map[string]string{"/r.txt": "${lower}\n"}), Getenv: env(map[string]string{"lower": "x"})})
	if err == nil || !strings.Contains(err.Error(), "/r.txt:1") {
		t.Errorf("got %v; ${lower} must stay unexpanded (pip only expands upper-case names) and fail to parse", err)
	}
}

func TestParseErrors(t *testing.T) {
	cases := map[string]string{
		"pkg\n--trusted-host example.com\n": "/r.txt:2: unknown or unsupported option --trusted-host",
		"pkg --index-url x\n":               "/r.txt:1: option --index-url is not allowed after a requirement",
		"pkg --hash=md5:abcd\n":             "/r.txt:1: invalid --hash",
		"pkg --hash=sha256:abcd\n":          "/r.txt:1: invalid --hash",
		"--hash=" + h1 + "\n":               "/r.txt:1: --hash must follow a requirement",
		"\n\npkg[bad\n":                     "/r.txt:3: invalid requirement",
		"-r\n":                              "/r.txt:1: option -r needs a value",
		"--pre=yes\n":                       "/r.txt:1: option --pre takes no value",
		"-r missing.txt\n":                  "/r.txt:1: reading requirement file",
		"-r r.txt\n":                        "includes itself",
		"-r https://example.com/r.txt\n":    "not supported",
	}
	for text, want := range cases {
		_, err := Parse("/r.txt", Options{ReadFile: memFS(map[string]string{"/r.txt": text}), Getenv: env(nil)})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", text, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: error is not one line: %q", text, err)
		}
	}
}

func TestCycle(t *testing.T) {
	files := map[string]string{"/a/r.txt": "-r ../b/s.txt\n", "/b/s.txt": "x\n-c ../a/r.txt\n"}
	_, err := Parse("/a/r.txt", Options{ReadFile: memFS(files), Getenv: env(nil)})
	if err == nil || !strings.Contains(err.Error(), "includes itself") || !strings.Contains(err.Error(), "/a/r.txt -> /b/s.txt -> /a/r.txt") {
		t.Errorf("got %v", err)
	}
	// The same file twice, not nested, is not a cycle.
	files = map[string]string{"/r.txt": "-r s.txt\n-r s.txt\n", "/s.txt": "x\n"}
	if f, err := Parse("/r.txt", Options{ReadFile: memFS(files), Getenv: env(nil)}); err != nil || len(f.Requirements) != 2 {
		t.Errorf("diamond include: %v %v", f, err)
	}
}

func TestContinuationAtEOFAndCRLF(t *testing.T) {
	files := map[string]string{"/r.txt": "a\r\nb>=1,\\\r\n<2 \\"}
	f, err := Parse("/r.txt", Options{ReadFile: memFS(files), Getenv: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Requirements) != 2 || f.Requirements[1].Req.String() != "b<2,>=1" || f.Requirements[1].Line != 2 {
		t.Errorf("%+v", f.Requirements)
	}
}

func TestParseFileOnDisk(t *testing.T) {
	if _, err := ParseFile(filepath.Join(t.TempDir(), "none.txt")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("a>=1 --hash=" + h1 + "\n-r other.txt\n# c\nb \\\n  ; python_version < '3'\n${X}\n")
	f.Add("-i http://x\n--no-index\n-c c.txt\n--pre\n-f d\n")
	f.Fuzz(func(t *testing.T, s string) {
		files := map[string]string{"/r.txt": s, "/other.txt": s, "/c.txt": "z<1\n"}
		res, err := Parse("/r.txt", Options{ReadFile: memFS(files), Getenv: env(map[string]string{"X": "y"})})
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		for _, r := range append(res.Requirements, res.Constraints...) {
			// Exactly one of a requirement and a local source.
			if (r.Req == nil) == (r.Local == "") || r.Line < 1 {
				t.Fatalf("bad requirement %+v", r)
			}
		}
	})
}

// TestParseLocal: "-e DIR", path lines and bare git+ URLs are local
// sources, paths made relative to the requirement file; a path is refused
// in a constraints file.
func TestParseLocal(t *testing.T) {
	files := map[string]string{
		"/w/r.txt": "-e ./proj\n../other[fast]\n/abs/pkg-1.0.tar.gz\ngit+file:///repo@v1#egg=x\nname @ file:///dir\n",
		"/w/c.txt": "./proj\n",
	}
	f, err := Parse("/w/r.txt", Options{ReadFile: memFS(files), Getenv: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range f.Requirements {
		if r.Local != "" {
			got = append(got, fmt.Sprintf("%s editable=%v %s", r.Local, r.Editable, r.Where()))
		} else {
			got = append(got, r.Req.String())
		}
	}
	want := []string{"/w/proj editable=true /w/r.txt:1", "/other[fast] editable=false /w/r.txt:2", "/abs/pkg-1.0.tar.gz editable=false /w/r.txt:3",
		"git+file:///repo@v1#egg=x editable=false /w/r.txt:4", "name @ file:///dir"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	files["/w/r2.txt"] = "-c c.txt\n"
	if _, err := Parse("/w/r2.txt", Options{ReadFile: memFS(files), Getenv: env(nil)}); err == nil || !strings.Contains(err.Error(), "not allowed in a constraints file") {
		t.Errorf("a path in a constraints file: %v", err)
	}
}
