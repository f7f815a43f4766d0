package config

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// FuzzParse: a config file of any content parses or fails with one line
// that names the file; what parses, encoded as TOML again, parses to the
// same settings.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"python = \"3.12\"\n[plugins]\norder = [\"pyenv\", \"nix\", \"system\"]\nonly = false\ndisable = []\ntimeout = \"3s\"\n",
		"[plugins]\norder = [\"uv\"]\nonly = true\n",
		"python = 3.12\n",
		"[plugins]\ntimout = \"1s\"\n",
		"python = \"a\"\npython = \"b\"\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const path = "/cfg/config.toml"
		cf, err := parse(path, data)
		if err != nil {
			msg := err.Error()
			if strings.Contains(msg, "\n") || !strings.HasPrefix(msg, path) {
				t.Fatalf("error not one line naming the file: %q", msg)
			}
			return
		}
		var buf bytes.Buffer
		if err := toml.NewEncoder(&buf).Encode(cf); err != nil {
			t.Fatalf("encoding %+v: %v", cf, err)
		}
		again, err := parse(path, buf.Bytes())
		if err != nil {
			t.Fatalf("%q (from %q) does not parse: %v", buf.String(), data, err)
		}
		if !reflect.DeepEqual(again, cf) {
			t.Fatalf("round trip through %q: %+v != %+v", buf.String(), again, cf)
		}
	})
}
