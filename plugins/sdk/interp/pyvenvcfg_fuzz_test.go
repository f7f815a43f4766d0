package interp

import "testing"

// FuzzParsePyvenvCfg: a pyvenv.cfg of any content gives a version that
// parses and is in its own canonical form (or none) and a known
// implementation (or none); written back as venv's keys and read again it
// gives the same answer, and a line without "=" changes nothing.
func FuzzParsePyvenvCfg(f *testing.F) {
	for _, s := range []string{
		"home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.7\nexecutable = /usr/bin/python3.11\ncommand = /usr/bin/python3 -m venv /tmp/v\n",
		"home = /opt/py\nimplementation = CPython\nuv = 0.4.0\nversion_info = 3.12.1\ninclude-system-site-packages = false\n",
		"home = /x\nversion_info = 3.13.0.candidate.1\nimplementation = PyPy\nversion = 3.9.18\n",
		"VERSION=3.10.0\r\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg := ParsePyvenvCfg(data)
		if cfg.Version != "" {
			v, err := ParseVersion(cfg.Version)
			if err != nil || v.String() != cfg.Version {
				t.Fatalf("version %q is not a canonical version (%v)", cfg.Version, err)
			}
		}
		switch cfg.Implementation {
		case "", "cpython", "pypy":
		default:
			t.Fatalf("implementation %q", cfg.Implementation)
		}
		out := "home = /h\n"
		if cfg.Version != "" {
			out += "version = " + cfg.Version + "\n"
		}
		if cfg.Implementation != "" {
			out += "implementation = " + cfg.Implementation + "\n"
		}
		if again := ParsePyvenvCfg([]byte(out)); again != cfg {
			t.Fatalf("%+v written as %q reads back as %+v", cfg, out, again)
		}
		if again := ParsePyvenvCfg(append(append([]byte(nil), data...), "\nno equals sign here\n"...)); again != cfg {
			t.Fatalf("a line without '=' changed %+v to %+v", cfg, again)
		}
	})
}
