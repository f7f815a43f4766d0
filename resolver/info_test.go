package resolver

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pyshim/pyshim/internal/testenv"
	"github.com/pyshim/pyshim/plugins/sdk/interp"
)

func TestInfoQueryRealInterpreters(t *testing.T) {
	for _, tc := range []struct {
		exe, version, impl, scheme, purelib string
	}{
		{filepath.Join(testenv.RealPyenvRoot(), "versions/2.7.18/bin/python2.7"), "2.7.18", "cpython", "posix_prefix", "lib/python2.7/site-packages"},
		{filepath.Join(testenv.RealPyenvRoot(), "versions/3.6.15/bin/python3.6"), "3.6.15", "cpython", "posix_prefix", "lib/python3.6/site-packages"},
		{filepath.Join(testenv.RealPyenvRoot(), "versions/3.11.7/bin/python3.11"), "3.11.7", "cpython", "venv", "lib/python3.11/site-packages"},
		{filepath.Join(testenv.RealPyenvRoot(), "versions/3.13.0/bin/python3.13"), "3.13.0", "cpython", "venv", "lib/python3.13/site-packages"},
		{"/usr/bin/python3", "3.11.2", "cpython", "venv", "lib/python3.11/site-packages"},
		{"/usr/bin/pypy3", "3.9.16", "pypy", "", "site-packages"},
	} {
		t.Run(filepath.Base(tc.exe), func(t *testing.T) {
			testenv.Require(t, tc.exe)
			c := NewInfoCache(t.TempDir())
			in := &interp.Interpreter{Path: tc.exe, Exe: tc.exe, Argv0: tc.exe}
			info, err := c.Query(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			if info.VersionString() != tc.version || info.Implementation != tc.impl {
				t.Errorf("version %s %s, want %s %s", info.Implementation, info.VersionString(), tc.impl, tc.version)
			}
			if tc.scheme != "" && info.VenvScheme != tc.scheme {
				t.Errorf("venv scheme %q, want %q", info.VenvScheme, tc.scheme)
			}
			if !strings.HasSuffix(info.VenvPaths["purelib"], tc.purelib) {
				t.Errorf("purelib %q, want suffix %q", info.VenvPaths["purelib"], tc.purelib)
			}
			if info.Prefix == "" || info.BasePrefix == "" || info.Markers["python_full_version"] == "" || info.PointerBits != 64 {
				t.Errorf("missing facts: %+v", info)
			}
			// The second query comes from the cache: prove it by
			// making the cached answer say something the interpreter
			// never would.
			key, _ := c.Key(in)
			entry := filepath.Join(c.Dir, key+".json")
			data, err := os.ReadFile(entry)
			if err != nil {
				t.Fatalf("no cache entry: %v", err)
			}
			forged := strings.Replace(string(data), `"implementation": "`+tc.impl+`"`, `"implementation": "forged"`, 1)
			if err := os.WriteFile(entry, []byte(forged), 0o644); err != nil {
				t.Fatal(err)
			}
			again, err := c.Query(context.Background(), in)
			if err != nil || again.Implementation != "forged" {
				t.Errorf("second query did not come from the cache: %v %v", again, err)
			}
		})
	}
}

func TestInfoCacheKeyAndCorruption(t *testing.T) {
	py := testenv.PyenvPython(t, "3.12.1")
	c := NewInfoCache(t.TempDir())
	base := &interp.Interpreter{Path: py, Exe: py, Argv0: py}
	other := &interp.Interpreter{Path: py, Exe: py, Argv0: "/somewhere/else/bin/python3"}
	withEnv := &interp.Interpreter{Path: py, Exe: py, Argv0: py, Env: []interp.EnvOp{{Op: interp.EnvSet, Name: "NIX_PYTHONPREFIX", Value: "/x"}}}
	k1, _ := c.Key(base)
	k2, _ := c.Key(other)
	k3, _ := c.Key(withEnv)
	if k1 == k2 || k1 == k3 || k2 == k3 {
		t.Errorf("keys must differ by argv0 and env: %s %s %s", k1, k2, k3)
	}
	// A corrupt or truncated entry is a miss, not an error.
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, junk := range []string{"", "{", `{"version_info": [3]}`, "\x00\x01garbage"} {
		if err := os.WriteFile(filepath.Join(c.Dir, k1+".json"), []byte(junk), 0o644); err != nil {
			t.Fatal(err)
		}
		info, err := c.Query(context.Background(), base)
		if err != nil || info.VersionString() != "3.12.1" {
			t.Errorf("after corrupt entry %q: %v %v", junk, info, err)
		}
	}
	if _, err := c.Key(&interp.Interpreter{Exe: "/nonexistent/python"}); err == nil {
		t.Error("key of a missing exe")
	}
}
