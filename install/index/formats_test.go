package index

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestFormats(t *testing.T) {
	for _, tc := range []struct {
		args               []string // "only:V" or "no:V", in order
		name               string
		wantSdist, wantWhl bool
	}{
		{nil, "a", true, true},
		{[]string{"only::all:"}, "a", false, true},
		{[]string{"no::all:"}, "a", true, false},
		{[]string{"only:A_b"}, "a-b", false, true},
		{[]string{"only:a-b"}, "c", true, true},
		{[]string{"no:x,Y"}, "y", true, false},
		{[]string{"only::all:", "no:x"}, "x", true, false},
		{[]string{"only::all:", "no:x"}, "z", false, true},
		{[]string{"no:x", "only:x"}, "x", false, true},
		{[]string{"only::all:", "only::none:"}, "a", true, true},
	} {
		var f Formats
		for _, a := range tc.args {
			kind, v, _ := strings.Cut(a, ":")
			f.AddFormatArg(v, kind == "only")
		}
		if f.Sdist(tc.name) != tc.wantSdist || f.Wheel(tc.name) != tc.wantWhl {
			t.Errorf("%v: %s sdist=%v wheel=%v, want %v %v", tc.args, tc.name, f.Sdist(tc.name), f.Wheel(tc.name), tc.wantSdist, tc.wantWhl)
		}
	}
}

// TestSdistCandidates: with Sdists, source distributions are candidates
// after every wheel of their version, versions parsed from names that
// contain hyphens; Formats keeps out what it forbids.
func TestSdistCandidates(t *testing.T) {
	dir := t.TempDir()
	w := &testWheel{name: "my-pkg", version: "1.0", filename: "my_pkg-1.0-py3-none-any.whl"}
	buildWheel(t, w)
	os.WriteFile(filepath.Join(dir, w.filename), w.data, 0o644)
	for _, n := range []string{"my-pkg-1.0.tar.gz", "my-pkg-2.0.tar.gz", "My_Pkg-3.0.zip", "my-pkg-dev.tar.gz", "my-pkg-other-4.0.tar.gz"} {
		os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o644)
	}
	list := func(f Formats) []string {
		c := newClient(t, Options{Config: Config{NoIndex: true, FindLinks: []string{dir}}, Supported: py311, Python: "3.11.7", Sdists: true, Formats: f})
		p, err := c.Project(context.Background(), "my-pkg")
		if err != nil {
			t.Fatal(err)
		}
		return fileNames(p)
	}
	if got, want := list(Formats{}), []string{"My_Pkg-3.0.zip", "my-pkg-2.0.tar.gz", "my_pkg-1.0-py3-none-any.whl", "my-pkg-1.0.tar.gz"}; !slices.Equal(got, want) {
		t.Errorf("candidates %q, want %q", got, want)
	}
	var only, no Formats
	only.AddFormatArg(":all:", true)
	no.AddFormatArg("my-pkg", false)
	if got, want := list(only), []string{"my_pkg-1.0-py3-none-any.whl"}; !slices.Equal(got, want) {
		t.Errorf("--only-binary :all: %q, want %q", got, want)
	}
	if got, want := list(no), []string{"My_Pkg-3.0.zip", "my-pkg-2.0.tar.gz", "my-pkg-1.0.tar.gz"}; !slices.Equal(got, want) {
		t.Errorf("--no-binary my-pkg %q, want %q", got, want)
	}
}
