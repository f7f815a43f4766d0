package system

import (
	"bufio"
	"bytes"
	"os"
	"strings"

	"github.com/pyshim/pyshim/plugins/sdk/interp"
)

// pyvenvCfg holds what pyshim reads from a pyvenv.cfg. (The same small
// reader lives in plugins/pyenv; packages here may not share unexported
// code without a common package.)
type pyvenvCfg struct {
	version        string // interp.Version form, "" when absent or unreadable
	implementation string // "cpython", "pypy" or ""
}

// readPyvenvCfg reads path; ok is false when it cannot be read.
func readPyvenvCfg(path string) (cfg pyvenvCfg, ok bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return cfg, false
	}
	return parsePyvenvCfg(data), true
}

// parsePyvenvCfg reads the version ("version = 3.11.7" from venv,
// "version_info = 3.11.7.final.0" from virtualenv, "version_info = 3.12.1"
// from uv) and implementation keys of a pyvenv.cfg; version_info wins.
func parsePyvenvCfg(data []byte) pyvenvCfg {
	var cfg pyvenvCfg
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
				cfg.implementation = "cpython"
			case "pypy":
				cfg.implementation = "pypy"
			}
		}
	}
	cfg.version = version
	if versionInfo != "" {
		cfg.version = versionInfo
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
	v, err := interp.ParseVersion(s)
	if err != nil {
		return ""
	}
	return v.String()
}
