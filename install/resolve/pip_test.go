package resolve

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pyshim/pyshim/install/index"
	"github.com/pyshim/pyshim/install/pep508"
)

const pip311 = "/root/.pyenv/versions/3.11.7/bin/python3.11"

// writeWheel writes a minimal pure wheel into dir.
func writeWheel(t *testing.T, dir string, d memDist) {
	t.Helper()
	name, version, _ := strings.Cut(d.id, "==")
	esc := strings.ReplaceAll(name, "-", "_")
	di := fmt.Sprintf("%s-%s.dist-info", esc, version)
	var md strings.Builder
	fmt.Fprintf(&md, "Metadata-Version: 2.1\nName: %s\nVersion: %s\n", name, version)
	if d.requires != "" {
		fmt.Fprintf(&md, "Requires-Python: %s\n", d.requires)
	}
	extras := map[string]bool{}
	for _, r := range d.deps {
		fmt.Fprintf(&md, "Requires-Dist: %s\n", r)
		if _, e, ok := strings.Cut(r, `extra == "`); ok {
			extras[strings.TrimSuffix(e, `"`)] = true
		}
	}
	for e := range extras {
		fmt.Fprintf(&md, "Provides-Extra: %s\n", e)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range [][2]string{
		{esc + "/__init__.py", ""},
		{di + "/METADATA", md.String()},
		{di + "/WHEEL", "Wheel-Version: 1.0\nGenerator: pyshim-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"},
		{di + "/RECORD", ""},
	} {
		w, err := zw.Create(f[0])
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(f[1]))
	}
	zw.Close()
	fn := fmt.Sprintf("%s-%s-py3-none-any.whl", esc, version)
	if err := os.WriteFile(filepath.Join(dir, fn), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// markerEnv asks the interpreter for its marker environment.
func markerEnv(t *testing.T, python string) map[string]string {
	out, err := exec.Command(python, "-I", "-c", `
import json, os, platform, sys
iv = sys.implementation.version
v = "{0.major}.{0.minor}.{0.micro}".format(iv)
if iv.releaselevel != "final": v += iv.releaselevel[0] + str(iv.serial)
print(json.dumps({"implementation_name": sys.implementation.name, "implementation_version": v,
 "os_name": os.name, "platform_machine": platform.machine(), "platform_release": platform.release(),
 "platform_system": platform.system(), "platform_version": platform.version(),
 "python_full_version": platform.python_version(), "platform_python_implementation": platform.python_implementation(),
 "python_version": ".".join(platform.python_version_tuple()[:2]), "sys_platform": sys.platform}))`).Output()
	if err != nil {
		t.Fatal(err)
	}
	var env map[string]string
	if err := json.Unmarshal(out, &env); err != nil {
		t.Fatal(err)
	}
	return env
}

// TestEquivalenceWithPip resolves the same requirements over the same
// wheelhouse with pip (--dry-run --report) and with this package.
func TestEquivalenceWithPip(t *testing.T) {
	if _, err := os.Stat(pip311); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("pip's interpreter is missing: %v", err)
		}
		t.Skipf("no %s", pip311)
	}
	dists := []memDist{
		// backtracking: newest x needs y<2, z needs y>=2
		{id: "x==2.0", deps: []string{"y<2"}}, {id: "x==1.0", deps: []string{"y>=1"}},
		{id: "y==1.0"}, {id: "y==2.0"}, {id: "y==2.1"}, {id: "y==3.0b1"},
		{id: "z==1.0", deps: []string{"y>=2"}},
		// extras and markers
		{id: "d==1.0", deps: []string{`e>=1; extra == "fast"`, `old-only; python_version < "3.8"`, `f; sys_platform == "linux"`, `g; extra == "other"`}},
		{id: "e==1.0"}, {id: "e==1.5"}, {id: "old-only==1.0"}, {id: "f==0.1"}, {id: "f==0.2", deps: []string{"y!=2.1"}}, {id: "g==1.0"},
		// Requires-Python excludes the newest
		{id: "h==1.0", requires: ">=3.7"}, {id: "h==2.0", requires: ">=3.12"},
		// pre-release named
		{id: "p==1.0"}, {id: "p==2.0rc1"}, {id: "q==1.0", deps: []string{"p>=2.0rc1"}},
		// name normalisation
		{id: "Some.Name==1.0", deps: []string{"other_name>=1"}}, {id: "other-name==1.2"},
	}
	dir := t.TempDir()
	for _, d := range dists {
		writeWheel(t, dir, d)
	}
	cases := [][]string{
		{"x", "z"},
		{"d[fast]", "h"},
		{"q"},
		{"some-name", "x<2", "d"},
		{"y"},
		// Not compared: "y>2.5" with only 3.0b1 above 2.5. pip 23.2's
		// vendored packaging 21.3 drops pre-releases for a non-empty
		// specifier set that names none; this package follows PEP 440 and
		// packaging >= 22 ("pre-releases when nothing else matches").
	}
	env := markerEnv(t, pip311)
	for _, reqs := range cases {
		t.Run(strings.Join(reqs, " "), func(t *testing.T) {
			args := append([]string{"-m", "pip", "install", "-q", "--disable-pip-version-check", "--dry-run", "--report", "-",
				"--no-index", "--find-links", dir, "--ignore-installed", "--target", t.TempDir()}, reqs...)
			cmd := exec.Command(pip311, args...)
			cmd.Env = append(os.Environ(), "PIP_NO_CACHE_DIR=1", "PIP_CONFIG_FILE=/dev/null")
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("pip: %v\n%s", err, out)
			}
			var report struct {
				Install []struct {
					Metadata struct{ Name, Version string } `json:"metadata"`
				} `json:"install"`
			}
			if err := json.Unmarshal(out, &report); err != nil {
				t.Fatalf("pip report: %v\n%s", err, out)
			}
			var want []string
			for _, in := range report.Install {
				want = append(want, pep508.NormalizeName(in.Metadata.Name)+"=="+in.Metadata.Version)
			}
			slices.Sort(want)

			c, err := index.New(index.Options{Config: index.Config{NoIndex: true, FindLinks: []string{dir}}, Python: env["python_full_version"]})
			if err != nil {
				t.Fatal(err)
			}
			res, err := Resolve(context.Background(), &IndexProvider{Client: c}, Request{Requirements: reqs2(t, reqs...), Env: env})
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Fields(res.String())
			if !slices.Equal(got, want) {
				t.Errorf("pyshim %q\npip    %q", got, want)
			}
		})
	}
}

func reqs2(t *testing.T, ss ...string) []*pep508.Requirement { return reqs(t, ss...) }
