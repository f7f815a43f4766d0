package pep508

import "testing"

var fuzzEnv = map[string]string{
	"implementation_name": "cpython", "implementation_version": "3.11.7", "os_name": "posix",
	"platform_machine": "x86_64", "platform_python_implementation": "CPython", "platform_release": "6.1.0",
	"platform_system": "Linux", "platform_version": "#1 SMP", "python_full_version": "3.11.7",
	"python_version": "3.11", "sys_platform": "linux",
}

func FuzzParseRequirement(f *testing.F) {
	for _, s := range []string{
		`requests[security,tests]>=2.8.1,==2.8.*;python_version<"2.7"`,
		"name @ https://example.com/x.whl ; os_name == 'posix'",
		"black (>=20.*) ; extra == 'format'",
		"name[bar, baz >= 1.0",
		"demo===x,y",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRequirement(s)
		if err != nil {
			if se, ok := err.(*SyntaxError); ok && (se.Start < 0 || se.End < se.Start || se.End > len(s)) {
				t.Fatalf("bad span %d..%d for %q", se.Start, se.End, s)
			}
			return
		}
		again, err := ParseRequirement(r.String())
		if err != nil {
			t.Fatalf("String() %q of %q does not parse: %v", r.String(), s, err)
		}
		if !again.Equal(r) || again.String() != r.String() {
			t.Fatalf("round trip %q -> %q -> %q", s, r, again)
		}
	})
}

func FuzzParseMarker(f *testing.F) {
	for _, s := range []string{
		`python_version >= "3.8" and (sys_platform == "linux" or extra == "x")`,
		`'a" == os_name or python_version >= "0" or "b' == os_name`,
		`"3.8" < python_version`,
		`platform_release ~= "6.1"`,
		`os_name == "\x41"`,
	} {
		f.Add(s, "extra")
	}
	f.Fuzz(func(t *testing.T, s, extra string) {
		m, err := ParseMarker(s)
		if err != nil {
			return
		}
		again, err := ParseMarker(m.String())
		if err != nil {
			t.Fatalf("String() %q of %q does not parse: %v", m.String(), s, err)
		}
		if again.String() != m.String() {
			t.Fatalf("round trip %q -> %q -> %q", s, m, again)
		}
		a, errA := m.Evaluate(fuzzEnv, []string{extra})
		b, errB := again.Evaluate(fuzzEnv, []string{extra})
		if a != b || (errA == nil) != (errB == nil) {
			t.Fatalf("%q and %q evaluate differently", s, m)
		}
	})
}
