package venv

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestSeedWheels picks ensurepip's wheels from fake installations: which
// projects (setuptools only where ensurepip names it), which version (the
// declared one, else the newest) and where from (_bundled, else the
// distribution's directory).
func TestSeedWheels(t *testing.T) {
	cases := []struct {
		name    string
		init    string   // ensurepip/__init__.py
		bundled []string // wheels in ensurepip/_bundled
		distro  []string // wheels in the distribution's directory
		want    []string // base names, or an error substring
		err     string
	}{
		{
			name:    "3.11: setuptools and pip, the declared versions",
			init:    "_SETUPTOOLS_VERSION = \"65.5.0\"\n_PIP_VERSION = \"23.2.1\"\n_PROJECTS = [\n    (\"setuptools\", _SETUPTOOLS_VERSION, \"py3\"),\n    (\"pip\", _PIP_VERSION, \"py3\"),\n]\n",
			bundled: []string{"pip-23.2.1-py3-none-any.whl", "pip-24.0-py3-none-any.whl", "setuptools-65.5.0-py3-none-any.whl"},
			want:    []string{"setuptools-65.5.0-py3-none-any.whl", "pip-23.2.1-py3-none-any.whl"},
		},
		{
			name:    "3.12: pip only",
			init:    "_PIP_VERSION = \"23.2.1\"\n_PROJECTS = [\n    (\"pip\", _PIP_VERSION, \"py3\"),\n]\n# setuptools is gone\n",
			bundled: []string{"pip-23.2.1-py3-none-any.whl", "setuptools-65.5.0-py3-none-any.whl"},
			want:    []string{"pip-23.2.1-py3-none-any.whl"},
		},
		{
			name:    "no declared version: the newest, numerically",
			init:    "_PROJECTS = ['pip']\n",
			bundled: []string{"pip-9.0.1-py2.py3-none-any.whl", "pip-23.0-py3-none-any.whl", "pip-10.0-py3-none-any.whl", "pip-99-cp39-cp39-linux_x86_64.whl"},
			want:    []string{"pip-23.0-py3-none-any.whl"},
		},
		{
			name:   "Debian: nothing bundled, the distribution's wheels",
			init:   "_PACKAGE_NAMES = ('setuptools', 'pip')\n_PIP_VERSION = \"22.3.1\"\n",
			distro: []string{"pip-23.0.1-py3-none-any.whl", "setuptools-66.1.1-py3-none-any.whl", "wheel-0.38.4-py3-none-any.whl"},
			want:   []string{"setuptools-66.1.1-py3-none-any.whl", "pip-23.0.1-py3-none-any.whl"},
		},
		{
			name: "no wheels anywhere",
			init: "_PIP_VERSION = \"24.0\"\n",
			err:  "--seed: no bundled pip wheel",
		},
		{
			name: "no ensurepip",
			err:  "needs the interpreter's ensurepip module",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			prefix := t.TempDir()
			distro := t.TempDir()
			ensurepip := filepath.Join(prefix, "lib", "python3.11", "ensurepip")
			touch := func(p, data string) {
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if c.init != "" {
				touch(filepath.Join(ensurepip, "__init__.py"), c.init)
			}
			for _, w := range c.bundled {
				touch(filepath.Join(ensurepip, "_bundled", w), "")
			}
			for _, w := range c.distro {
				touch(filepath.Join(distro, w), "")
			}
			b := fakeBase{version: ver(3, 11, 7), exe: "/py/bin/python3.11", scheme: "venv", paths: map[string]string{"stdlib": "lib/python3.11"}}.base()
			b.Info.BasePrefix = prefix
			got, err := seedWheels(b, distro)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, p := range got {
				names = append(names, filepath.Base(p))
			}
			if !reflect.DeepEqual(names, c.want) {
				t.Errorf("wheels %v, want %v", names, c.want)
			}
		})
	}
}
