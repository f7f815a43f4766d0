package cache

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pyshim/pyshim/install/wheel"
)

// writeWheel writes a small valid wheel with n modules into dir.
func writeWheel(t *testing.T, dir string, n int) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	var rec strings.Builder
	add := func(name, body string) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
		s := sha256.Sum256([]byte(body))
		fmt.Fprintf(&rec, "%s,sha256=%s,%d\n", name, base64.RawURLEncoding.EncodeToString(s[:]), len(body))
	}
	add("pkg/__init__.py", "")
	for i := range n {
		add(fmt.Sprintf("pkg/m%d.py", i), fmt.Sprintf("X = %d\n", i))
	}
	add("pkg-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n\n")
	add("pkg-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
	w, _ := zw.Create("pkg-1.0.dist-info/RECORD")
	w.Write([]byte(rec.String() + "pkg-1.0.dist-info/RECORD,,\n"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "pkg-1.0-py3-none-any.whl")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestUnpackOnceAndLookup(t *testing.T) {
	c := New(t.TempDir())
	whl := writeWheel(t, t.TempDir(), 3)
	data, _ := os.ReadFile(whl)
	sum := sha256.Sum256(data)
	want := hex.EncodeToString(sum[:])

	if _, ok := c.Lookup(want); ok {
		t.Fatal("an empty cache has the entry")
	}
	for _, given := range []string{"", want, strings.ToUpper(want), "not-a-digest"} {
		dir, got, err := c.Unpack(context.Background(), whl, given)
		if err != nil {
			t.Fatal(err)
		}
		if got != want || filepath.Base(dir) != want {
			t.Errorf("Unpack(%q) = %s, %s; want digest %s", given, dir, got, want)
		}
		if _, err := os.Stat(wheel.MemberPath(dir, "pkg/m2.py")); err != nil {
			t.Error(err)
		}
	}
	if dir, ok := c.Lookup(strings.ToUpper(want)); !ok || filepath.Base(dir) != want {
		t.Errorf("Lookup = %s, %v", dir, ok)
	}
	if err := c.Evict(want); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Lookup(want); ok {
		t.Error("evicted entry still there")
	}
	entries, _ := os.ReadDir(filepath.Dir(c.unpackedDir(want)))
	if len(entries) != 0 {
		t.Errorf("eviction left %v", entries)
	}
}

// TestConcurrentUnpack races many unpackers of one wheel (each, like a
// separate process, unpacks into its own temporary directory and renames):
// all get the same complete tree and no temporary directory remains.
func TestConcurrentUnpack(t *testing.T) {
	c := New(t.TempDir())
	whl := writeWheel(t, t.TempDir(), 200)
	var wg sync.WaitGroup
	dirs := make([]string, 16)
	errs := make([]error, 16)
	for i := range dirs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dirs[i], _, errs[i] = c.Unpack(context.Background(), whl, "")
		}()
	}
	wg.Wait()
	for i := range dirs {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if dirs[i] != dirs[0] {
			t.Errorf("unpacker %d got %s, unpacker 0 %s", i, dirs[i], dirs[0])
		}
	}
	n := 0
	filepath.WalkDir(dirs[0], func(_ string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			n++
		}
		return nil
	})
	if n != 205 {
		t.Errorf("the tree has %d files, want 204 and the dist-info marker", n)
	}
	entries, _ := os.ReadDir(filepath.Dir(dirs[0]))
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("temporary directories left: %v", names)
	}
}

func TestValidSum(t *testing.T) {
	for _, c := range []struct {
		s  string
		ok bool
	}{
		{strings.Repeat("a", 64), true},
		{strings.Repeat("A", 64), false}, // callers lower-case first
		{strings.Repeat("a", 63), false},
		{strings.Repeat("g", 64), false},
		{"", false},
		{"../" + strings.Repeat("a", 61), false},
	} {
		if got := validSum(c.s); got != c.ok {
			t.Errorf("validSum(%q) = %v", c.s, got)
		}
	}
}
