package pep440

import (
	"slices"
	"testing"
)

func TestOrderingFromFacts(t *testing.T) {
	order := []string{"1.0.dev0", "1.0a1.dev0", "1.0a1", "1.0a1.post1", "1.0", "1.0+local", "1.0.post1.dev0", "1.0.post1"}
	for i := 1; i < len(order); i++ {
		if a, b := MustParse(order[i-1]), MustParse(order[i]); a.Compare(b) >= 0 {
			t.Errorf("%s should sort before %s", a, b)
		}
	}
	for _, tc := range [][2]string{{"1.0-1", "1.0.post1"}, {"v1.0", "1.0"}, {"1.0a", "1.0a0"}, {"1!2.0.PREVIEW3", "1!2.0rc3"}, {"1.0_rev_2", "1.0.post2"}} {
		if got := MustParse(tc[0]).String(); got != tc[1] {
			t.Errorf("Parse(%q) = %q, want %q", tc[0], got, tc[1])
		}
	}
	if !MustParse("1.0").Equal(MustParse("1.0.0")) {
		t.Error("1.0 != 1.0.0")
	}
	if _, err := Parse("1.99999999999999999999999"); err == nil {
		t.Error("overflow accepted")
	}
}

func TestSpecifierRules(t *testing.T) {
	for _, tc := range []struct {
		set, version string
		pre, want    bool
	}{
		{"~=2.2", "2.9", false, true},
		{"~=2.2", "3.0", false, false},
		{"~=2.2", "2.1", false, false},
		{"<2.0", "2.0a1", true, false},
		{"<2.0", "1.9a1", true, true},
		{"<2.0", "1.9a1", false, false},
		{">=1.0b1", "1.0b2", false, true},
		{">1.0", "1.0.post1", false, false},
		{">1.0", "1.0+local", false, false},
		{"==1.0", "1.0+local", false, true},
		{"==1.0+a", "1.0+b", false, false},
		{"==1.*", "1.0.0.9", false, true},
		{"===1.0", "1.0", false, true},
		{"===1.0", "1.0.0", false, false},
		{"", "1.0a1", false, false},
		{"", "1.0a1", true, true},
	} {
		set := MustParseSpecifierSet(tc.set)
		if got := set.Contains(MustParse(tc.version), tc.pre); got != tc.want {
			t.Errorf("%q.Contains(%s, %v) = %v, want %v", tc.set, tc.version, tc.pre, got, tc.want)
		}
	}
}

func TestFilter(t *testing.T) {
	vs := func(ss ...string) []Version {
		out := make([]Version, len(ss))
		for i, s := range ss {
			out[i] = MustParse(s)
		}
		return out
	}
	str := func(v []Version) []string {
		out := []string{}
		for _, x := range v {
			out = append(out, x.String())
		}
		return out
	}
	for _, tc := range []struct {
		set  string
		in   []Version
		pre  bool
		want []string
	}{
		{">=1.0", vs("1.0", "2.0a1", "1.5"), false, []string{"1.0", "1.5"}},
		{">=1.0", vs("1.0", "2.0a1", "1.5"), true, []string{"1.0", "2.0a1", "1.5"}},
		{">=1.0", vs("0.9", "2.0a1", "2.0b1"), false, []string{"2.0a1", "2.0b1"}},
		{">=2.0a1", vs("1.0", "2.0a1", "2.0"), false, []string{"2.0a1", "2.0"}},
		{"<1", vs("1.0", "2.0"), false, []string{}},
	} {
		if got := str(MustParseSpecifierSet(tc.set).Filter(tc.in, tc.pre)); !slices.Equal(got, tc.want) {
			t.Errorf("%q.Filter(%v) = %v, want %v", tc.set, tc.in, got, tc.want)
		}
	}
}

func TestSpecifierErrors(t *testing.T) {
	for _, tc := range []struct{ in, reason string }{
		{">=1.0.*", ReasonWildcardOp},
		{"==1.0a1.*", ReasonWildcardExtra},
		{"<1.0+x", ReasonLocalOp},
		{"~=1", ReasonCompatible},
	} {
		_, err := ParseSpecifier(tc.in)
		se, ok := err.(*SpecifierError)
		if !ok || se.Reason != tc.reason {
			t.Errorf("ParseSpecifier(%q) = %v, want %q", tc.in, err, tc.reason)
		}
	}
	if _, err := ParseSpecifierSet(">=1, <<2"); err == nil {
		t.Error("bad clause accepted")
	}
}
