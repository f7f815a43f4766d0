package interp

import "testing"

func TestParsePyvenvCfg(t *testing.T) {
	tests := []struct {
		data string
		want PyvenvCfg
	}{
		{"home = /usr/bin\nversion = 3.11.7\n", PyvenvCfg{"3.11.7", ""}},
		{"home = /x\nimplementation = CPython\nversion_info = 3.11.7.final.0\n", PyvenvCfg{"3.11.7", "cpython"}},
		{"implementation = PyPy\nversion_info = 3.9.18.final.0\n", PyvenvCfg{"3.9.18", "pypy"}},
		{"version_info = 3.13.0.candidate.1\n", PyvenvCfg{"3.13.0rc1", ""}},
		{"version_info = 3.14.0.alpha.2\r\n", PyvenvCfg{"3.14.0a2", ""}},
		{"version = 3.12.0\nversion_info = 3.12.1\n", PyvenvCfg{"3.12.1", ""}}, // uv
		{"Version=3.10.13", PyvenvCfg{"3.10.13", ""}},
		{"version = banana\n", PyvenvCfg{}},
		{"version_info = 3.11.7.weird.0\nversion = 3.11.7\n", PyvenvCfg{"3.11.7", ""}},
		{"", PyvenvCfg{}},
	}
	for _, tt := range tests {
		if got := ParsePyvenvCfg([]byte(tt.data)); got != tt.want {
			t.Errorf("ParsePyvenvCfg(%q) = %+v, want %+v", tt.data, got, tt.want)
		}
	}
}
