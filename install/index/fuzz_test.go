package index

import (
	"strings"
	"testing"
)

// FuzzParseMetadata: any input parses or fails with a one-line error, and
// what parses has a name and a version.
func FuzzParseMetadata(f *testing.F) {
	for _, s := range []string{
		"Metadata-Version: 2.1\nName: a\nVersion: 1\nRequires-Dist: b>=1; extra == 'x'\nProvides-Extra: x\n\nlong\ndescription\n",
		"Name: x\r\nVersion: 1.0\r\nRequires-Python: >=3.8\r\n  ,<4\r\n",
		"Name: x\nVersion: 1\nRequires-Dist: bad[\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		md, err := ParseMetadata(b)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error with a newline: %q", err)
			}
			return
		}
		if md.Name == "" || md.Version == "" {
			t.Errorf("parsed without a name or version: %+v", md)
		}
	})
}
