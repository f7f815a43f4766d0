package interp

import (
	"bufio"
	"bytes"
	"os"
	"strings"
)

// PyvenvCfg holds what pyshim reads from a venv's pyvenv.cfg.
type PyvenvCfg struct {
	Version        string // Version form ("3.13.0rc1"), "" when absent or unreadable
	Implementation string // "cpython", "pypy" or ""
}

// ReadPyvenvCfg reads the pyvenv.cfg at path; ok is false when it does not exist or cannot
// be read.
func ReadPyvenvCfg(path string) (cfg PyvenvCfg, ok bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return cfg, false
	}
	return ParsePyvenvCfg(data), true
}

// ParsePyvenvCfg reads the version ("version = 3.11.7" from venv,
// "version_info = 3.11.7.final.0" from virtualenv, "version_info = 3.12.1"
// from uv) and implementation ("implementation = CPython") keys of a
// pyvenv.cfg. version_info wins over version when both parse.
func ParsePyvenvCfg(data []byte) PyvenvCfg {
	var cfg PyvenvCfg
	var version, versionInfo string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			continue
		}
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		switch k {
		case "version":
			version = pyvenvVersion(v)
		case "version_info":
			versionInfo = pyvenvVersion(v)
		case "implementation":
			switch strings.ToLower(v) {
			case "cpython":
				cfg.Implementation = "cpython"
			case "pypy":
				cfg.Implementation = "pypy"
			}
		}
	}
	cfg.Version = version
	if versionInfo != "" {
		cfg.Version = versionInfo
	}
	return cfg
}

// pyvenvVersion converts "3.11.7", "3.11.7.final.0" or
// "3.13.0.candidate.1" to interp.Version form, or "" when it cannot.
func pyvenvVersion(s string) string {
	f := strings.Split(s, ".")
	if len(f) == 5 {
		label := map[string]string{"alpha": "a", "beta": "b", "candidate": "rc", "final": ""}
		l, ok := label[f[3]]
		if !ok {
			return ""
		}
		s = f[0] + "." + f[1] + "." + f[2]
		if l != "" {
			s += l + f[4]
		}
	}
	v, err := ParseVersion(s)
	if err != nil {
		return ""
	}
	return v.String()
}
