package venv

import "testing"

func TestExpand(t *testing.T) {
	value := func(name string) (string, bool) {
		switch name {
		case "A":
			return "1", true
		case "LONG_NAME":
			return "@A@", true // a value is not expanded again
		}
		return "", false
	}
	tests := []struct{ in, want string }{
		{"", ""},
		{"no placeholders", "no placeholders"},
		{"@A@", "1"},
		{"x@A@y@A@z", "x1y1z"},
		{"@LONG_NAME@", "@A@"},
		{"@B@ stays", "@B@ stays"},
		{"@a@ lower case stays", "@a@ lower case stays"},
		{"@@A@", "@1"},
		{"@A", "@A"},
		{"trailing @", "trailing @"},
		{"$@ and @{x} and @(y)", "$@ and @{x} and @(y)"},
		{"@A@@A@", "11"},
	}
	for _, tt := range tests {
		if got := string(expand([]byte(tt.in), value)); got != tt.want {
			t.Errorf("expand(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
