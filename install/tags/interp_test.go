package tags

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// factsScript prints the fields FromInfo takes, computed as the
// interpreter-info query (resolver/info.py) computes them, and the tags
// pip's vendored packaging reports for the same interpreter.
const factsScript = `
import json, platform, sys, sysconfig
from pip._vendor import packaging
from pip._vendor.packaging import tags
cv = sysconfig.get_config_var
vi = sys.version_info
print(json.dumps({
    "implementation": platform.python_implementation().lower(),
    "version": "%d.%d.%d" % (vi[0], vi[1], vi[2]),
    "free_threaded": bool(cv("Py_GIL_DISABLED")),
    "soabi": cv("SOABI") or "",
    "ext_suffix": cv("EXT_SUFFIX") or cv("SO") or "",
    "platform": sysconfig.get_platform(),
    "multiarch": cv("MULTIARCH") or "",
    "pointer_bits": 64 if sys.maxsize > 2 ** 32 else 32,
    "libc": list(platform.libc_ver()),
    "packaging": packaging.__version__,
    "tags": [str(t) for t in tags.sys_tags()],
}))
`

func TestAgainstPip(t *testing.T) {
	for _, exe := range []string{
		"/root/.pyenv/versions/3.11.7/bin/python3.11",
		"/root/.pyenv/versions/3.13.0/bin/python3.13",
		"/usr/bin/pypy3",
	} {
		t.Run(exe, func(t *testing.T) {
			if _, err := os.Stat(exe); err != nil {
				if os.Getenv("CI") == "true" && !strings.Contains(exe, "pypy") {
					t.Fatalf("%s missing", exe)
				}
				t.Skipf("%s not installed", exe)
			}
			out, err := exec.Command(exe, "-c", factsScript).Output()
			if err != nil {
				if os.Getenv("CI") == "true" && !strings.Contains(exe, "pypy") {
					t.Fatalf("%s: %v", exe, err)
				}
				t.Skipf("%s has no usable pip: %v", exe, err)
			}
			var got struct {
				Implementation string   `json:"implementation"`
				Version        string   `json:"version"`
				FreeThreaded   bool     `json:"free_threaded"`
				SOABI          string   `json:"soabi"`
				ExtSuffix      string   `json:"ext_suffix"`
				Platform       string   `json:"platform"`
				Multiarch      string   `json:"multiarch"`
				PointerBits    int      `json:"pointer_bits"`
				Libc           []string `json:"libc"`
				Packaging      string   `json:"packaging"`
				Tags           []string `json:"tags"`
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatal(err)
			}
			f, err := FromInfo(Info{
				Implementation: got.Implementation, Version: got.Version, FreeThreaded: got.FreeThreaded,
				SOABI: got.SOABI, ExtSuffix: got.ExtSuffix, Platform: got.Platform, Multiarch: got.Multiarch,
				PointerBits: got.PointerBits, Libc: got.Libc,
			})
			if err != nil {
				t.Fatal(err)
			}
			// packaging 21.3 (vendored by the pip bundled with 3.11.7) does
			// not list cpXY-none-any; current packaging (24.1 here) does.
			old := strings.HasPrefix(got.Packaging, "20.") || strings.HasPrefix(got.Packaging, "21.")
			var ours []string
			for _, tg := range Compatible(f) {
				if old && f.Implementation == "cpython" && tg.ABI == "none" && tg.Platform == "any" && strings.HasPrefix(tg.Interpreter, "cp") {
					t.Logf("packaging %s predates %s; not compared", got.Packaging, tg)
					continue
				}
				ours = append(ours, tg.String())
			}
			if len(ours) != len(got.Tags) {
				t.Errorf("%d tags, pip has %d", len(ours), len(got.Tags))
			}
			for i := range min(len(ours), len(got.Tags)) {
				if ours[i] != got.Tags[i] {
					t.Fatalf("tag %d: ours %s, pip %s\nours: %v\npip:  %v", i, ours[i], got.Tags[i], ours[max(0, i-3):min(len(ours), i+3)], got.Tags[max(0, i-3):min(len(got.Tags), i+3)])
				}
			}
		})
	}
}
