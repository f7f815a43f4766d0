package wheel

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// localFS picks the raw calls only on local file systems: the test's
// temporary directory (ext4, tmpfs or overlayfs on the machines we run
// on) is one, the kernel's pseudo file systems are not.
func TestLocalFS(t *testing.T) {
	for _, tc := range []struct {
		dir  string
		want bool
	}{
		{t.TempDir(), true},
		{"/proc", false},
		{"/sys", false},
		{filepath.Join(t.TempDir(), "missing"), false},
	} {
		if got := localFS(tc.dir); got != tc.want {
			t.Errorf("localFS(%s) = %v, want %v", tc.dir, got, tc.want)
		}
	}
}

// Raw and scheduled calls do the same: make a directory (an existing
// one is no error, a missing parent is), link into it, and refuse to
// link over an existing name.
func TestRawCalls(t *testing.T) {
	for _, raw := range []bool{false, true} {
		tmp := t.TempDir()
		src := filepath.Join(tmp, "src")
		if err := os.WriteFile(src, []byte("data"), 0o644); err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(tmp, "d")
		for i := 0; i < 2; i++ {
			if err := makeDir(dir, raw); err != nil {
				t.Fatalf("raw=%v: makeDir #%d: %v", raw, i+1, err)
			}
		}
		if st, err := os.Stat(dir); err != nil || !st.IsDir() || st.Mode().Perm()&0o700 != 0o700 {
			t.Fatalf("raw=%v: made %v, %v", raw, st, err)
		}
		var pe *os.PathError
		if err := makeDir(filepath.Join(tmp, "no", "such"), raw); !errors.As(err, &pe) || !os.IsNotExist(err) {
			t.Errorf("raw=%v: makeDir under a missing parent: %v", raw, err)
		}
		l := dirLinker{raw: raw}
		dst := filepath.Join(dir, "f")
		if !l.link(src, dst) {
			t.Fatalf("raw=%v: link failed", raw)
		}
		if b, err := os.ReadFile(dst); err != nil || string(b) != "data" {
			t.Errorf("raw=%v: linked file has %q, %v", raw, b, err)
		}
		if l.link(src, dst) {
			t.Errorf("raw=%v: linked over an existing file", raw)
		}
		l.close()
	}
}
