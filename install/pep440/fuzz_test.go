package pep440

import "testing"

func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{"1.0", "v1.0-1", "1!2.0rc1.post2.dev3+abc.4", "1.0a", "1.0+AbC", "0100!0.0", "1.0.DEV", "01.1_alpha-3"} {
		f.Add(s, "1.0")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		v, err := Parse(a)
		if err != nil {
			return
		}
		s := v.String()
		w, err := Parse(s)
		if err != nil {
			t.Fatalf("String() %q of %q does not parse: %v", s, a, err)
		}
		if w.String() != s || w.Compare(v) != 0 {
			t.Fatalf("round trip %q -> %q -> %q", a, s, w)
		}
		if v.Compare(v) != 0 {
			t.Fatalf("%q not equal to itself", a)
		}
		if u, err := Parse(b); err == nil {
			if v.Compare(u) != -u.Compare(v) {
				t.Fatalf("Compare(%q, %q) not antisymmetric", a, b)
			}
			if (v.Compare(u) == 0) != (comparePublic(v, u) == 0 && compareLocal(v.local, u.local) == 0) {
				t.Fatalf("Compare(%q, %q) inconsistent", a, b)
			}
		}
	})
}

func FuzzParseSpecifier(f *testing.F) {
	for _, s := range []string{">=1.0", "==1.*", "~=2.2.post1", "===foo", "!=1.0+local", "< 2", ">=1,<2,!=1.5.*"} {
		f.Add(s, "1.5")
	}
	f.Fuzz(func(t *testing.T, spec, version string) {
		set, err := ParseSpecifierSet(spec)
		if err != nil {
			return
		}
		again, err := ParseSpecifierSet(set.String())
		if err != nil {
			t.Fatalf("String() %q of %q does not parse: %v", set.String(), spec, err)
		}
		if !again.Equal(set) {
			t.Fatalf("round trip %q -> %q", spec, set)
		}
		if v, err := Parse(version); err == nil {
			if set.Contains(v, false) && !set.Contains(v, true) {
				t.Fatalf("%q: %q allowed without pre-releases but not with", spec, version)
			}
			_ = set.Filter([]Version{v}, false)
		}
		_ = set.ContainsString(version, PreDefault)
	})
}
