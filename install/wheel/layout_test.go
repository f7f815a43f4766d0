package wheel

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestCheckLayoutMissing checks the directories checkLayout reports as
// missing (those placeAll makes) and its refusals, against a real tree.
func TestCheckLayoutMissing(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"lib/a", "lib/deep/er"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "lib", "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		files   []string // relative to root
		missing []string // relative to root, sorted
		err     string
	}{
		{name: "all there", files: []string{"lib/a/x", "lib/deep/er/y", "lib/z"}},
		{name: "new trees", files: []string{"lib/a/x", "lib/a/b/c/y", "lib/n/m/z", "lib/n/w", "new/top/f"},
			missing: []string{"lib/a/b", "lib/a/b/c", "lib/n", "lib/n/m", "new", "new/top"}},
		{name: "only the deepest has files", files: []string{"lib/p/q/r/s/f"},
			missing: []string{"lib/p", "lib/p/q", "lib/p/q/r", "lib/p/q/r/s"}},
		{name: "under a file of the environment", files: []string{"lib/file/x"}, err: "which is a file in the environment"},
		{name: "under a file of the wheel", files: []string{"lib/n/m", "lib/n/m/x"}, err: "the wheel installs a file there"},
		{name: "in place of a root", files: []string{"lib"}, err: "would replace the directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var files []item
			byDst := map[string]int{}
			for i, f := range tt.files {
				dst := filepath.Join(root, f)
				files = append(files, item{dst: dst, entry: recordEntry{Path: f}})
				byDst[dst] = i
			}
			missing, err := checkLayout(files, byDst, []string{filepath.Join(root, "lib")})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want one saying %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range slices.Sorted(maps.Keys(missing)) {
				rel, _ := filepath.Rel(root, d)
				got = append(got, rel)
			}
			if !slices.Equal(got, tt.missing) {
				t.Errorf("missing = %q, want %q", got, tt.missing)
			}
			// placeAll's maker makes exactly those, parents first.
			m := dirMaker{missing: missing, made: map[string]bool{}}
			for _, it := range files {
				d, _ := splitDir(it.dst)
				if err := m.ensure(d); err != nil {
					t.Fatal(err)
				}
				if st, err := os.Stat(d); err != nil || !st.IsDir() {
					t.Fatalf("%s not made: %v", d, err)
				}
			}
			if len(m.made) != len(missing) {
				t.Errorf("made %d directories, want %d", len(m.made), len(missing))
			}
			// Leave the tree as it was, children first.
			for _, d := range slices.Backward(slices.Sorted(maps.Keys(missing))) {
				if err := os.Remove(d); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}
