package pep440

// Reference vectors from pypa/packaging's tests/test_version.py and
// tests/test_specifiers.py, extracted into testdata/*.json (see the
// "source" field there). Rows that take Python-specific inputs (pickles,
// hashing, non-string arguments) are not ported.

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
)

type table struct {
	Names  any     `json:"names"`
	Values [][]any `json:"values"`
}

func loadJSON(t *testing.T, path string, into any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, into); err != nil {
		t.Fatal(err)
	}
}

type versionData struct {
	Versions      []string `json:"VERSIONS"`
	Invalid       []string `json:"invalid"`
	Normalized    [][]any  `json:"normalized"`
	Str           [][]any  `json:"str"`
	Public        [][]any  `json:"public"`
	BaseVersion   [][]any  `json:"base_version"`
	Epoch         [][]any  `json:"epoch"`
	Release       [][]any  `json:"release"`
	Local         [][]any  `json:"local"`
	Pre           [][]any  `json:"pre"`
	IsPrerelease  [][]any  `json:"is_prerelease"`
	Dev           [][]any  `json:"dev"`
	IsDevrelease  [][]any  `json:"is_devrelease"`
	Post          [][]any  `json:"post"`
	IsPostrelease [][]any  `json:"is_postrelease"`
}

func TestPackagingVersionVectors(t *testing.T) {
	var d versionData
	loadJSON(t, "testdata/packaging_version.json", &d)
	parsed := make([]Version, len(d.Versions))
	for i, s := range d.Versions {
		v, err := Parse(s)
		if err != nil {
			t.Fatalf("valid version %q: %v", s, err)
		}
		parsed[i] = v
	}
	// The list is in sort order: every pair compares as its indexes do.
	for i := range parsed {
		for j := range parsed {
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := parsed[i].Compare(parsed[j]); got != want {
				t.Errorf("Compare(%s, %s) = %d, want %d", d.Versions[i], d.Versions[j], got, want)
			}
		}
	}
	for _, s := range d.Invalid {
		if v, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) = %s, want error", s, v)
		}
	}
	str := func(rows [][]any, name string, f func(Version) string) {
		for _, r := range rows {
			in := r[0].(string)
			v, err := Parse(in)
			if err != nil {
				t.Errorf("%s: Parse(%q): %v", name, in, err)
				continue
			}
			want := ""
			if r[1] != nil {
				want = r[1].(string)
			}
			if got := f(v); got != want {
				t.Errorf("%s(%q) = %q, want %q", name, in, got, want)
			}
		}
	}
	str(d.Normalized, "String", Version.String)
	str(d.Str, "String", Version.String)
	str(d.Public, "Public", Version.Public)
	str(d.BaseVersion, "BaseVersion", Version.BaseVersion)
	str(d.Local, "Local", Version.Local)
	num := func(rows [][]any, name string, f func(Version) (uint64, bool)) {
		for _, r := range rows {
			v := MustParse(r[0].(string))
			n, ok := f(v)
			if r[1] == nil {
				if ok {
					t.Errorf("%s(%q) = %d, want none", name, r[0], n)
				}
			} else if !ok || n != uint64(r[1].(float64)) {
				t.Errorf("%s(%q) = %d,%v, want %v", name, r[0], n, ok, r[1])
			}
		}
	}
	num(d.Epoch, "Epoch", func(v Version) (uint64, bool) { return v.Epoch(), true })
	num(d.Dev, "Dev", Version.Dev)
	num(d.Post, "Post", Version.Post)
	for _, r := range d.Release {
		var want []uint64
		for _, x := range r[1].([]any) {
			want = append(want, uint64(x.(float64)))
		}
		if got := MustParse(r[0].(string)).Release(); !slices.Equal(got, want) {
			t.Errorf("Release(%q) = %v, want %v", r[0], got, want)
		}
	}
	for _, r := range d.Pre {
		k, n := MustParse(r[0].(string)).Pre()
		if r[1] == nil {
			if k != PreNone {
				t.Errorf("Pre(%q) = %s%d, want none", r[0], k, n)
			}
			continue
		}
		w := r[1].([]any)
		if k.String() != w[0].(string) || n != uint64(w[1].(float64)) {
			t.Errorf("Pre(%q) = %s%d, want %v", r[0], k, n, w)
		}
	}
	flag := func(rows [][]any, name string, f func(Version) bool) {
		for _, r := range rows {
			if got := f(MustParse(r[0].(string))); got != r[1].(bool) {
				t.Errorf("%s(%q) = %v, want %v", name, r[0], got, r[1])
			}
		}
	}
	flag(d.IsPrerelease, "IsPrerelease", Version.IsPrerelease)
	flag(d.IsDevrelease, "IsDevrelease", Version.IsDevrelease)
	flag(d.IsPostrelease, "IsPostrelease", Version.IsPostrelease)
	if !MustParse("1.0rc1").Equal(MustParse("1.0c1")) {
		t.Error("1.0rc1 != 1.0c1")
	}
}

// mode maps packaging's tri-state prereleases arguments (the first
// non-None of the call's and the specifier's) to a Prereleases mode.
func mode(args ...any) Prereleases {
	for _, a := range args {
		if b, ok := a.(bool); ok {
			if b {
				return PreAllow
			}
			return PreDeny
		}
	}
	return PreDefault
}

// item turns a row value into the string packaging would match: a
// {"Version": s} object stands for Version(s), which is normalised.
func item(x any) string {
	if m, ok := x.(map[string]any); ok {
		return MustParse(m["Version"].(string)).String()
	}
	return x.(string)
}

func strs(x any) []string {
	out := []string{}
	for _, e := range x.([]any) {
		out = append(out, item(e))
	}
	return out
}

func TestPackagingSpecifierVectors(t *testing.T) {
	var d map[string]json.RawMessage
	loadJSON(t, "testdata/packaging_specifiers.json", &d)
	tab := func(name string) [][]any {
		var tb table
		if err := json.Unmarshal(d[name], &tb); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return tb.Values
	}
	list := func(name string) []any {
		var tb struct {
			Values []any `json:"values"`
		}
		if err := json.Unmarshal(d[name], &tb); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return tb.Values
	}
	for _, s := range list("valid") {
		if _, err := ParseSpecifier(s.(string)); err != nil {
			t.Errorf("ParseSpecifier(%q): %v", s, err)
		}
	}
	for _, s := range list("invalid") {
		if sp, err := ParseSpecifier(s.(string)); err == nil {
			t.Errorf("ParseSpecifier(%q) = %s, want error", s, sp)
		}
	}
	// Every normalisable spelling is accepted after each operator (local
	// labels only after == and !=).
	for _, v := range list("normalized_versions") {
		ops := []string{"~=", "==", "!=", "<=", ">=", "<", ">", "==="}
		if strings.Contains(v.(string), "+") {
			ops = []string{"==", "!="}
		}
		for _, op := range ops {
			if _, err := ParseSpecifier(op + v.(string)); err != nil {
				t.Errorf("ParseSpecifier(%q): %v", op+v.(string), err)
			}
		}
	}
	for _, r := range tab("str") {
		if got := MustParseSpecifier(r[0].(string)).String(); got != r[1] {
			t.Errorf("String(%q) = %q, want %q", r[0], got, r[1])
		}
	}
	for _, r := range tab("operator") {
		if got := MustParseSpecifier(r[0].(string)).Operator(); string(got) != r[1] {
			t.Errorf("Operator(%q) = %q, want %q", r[0], got, r[1])
		}
	}
	for _, r := range tab("version") {
		if got := MustParseSpecifier(r[0].(string)).VersionText(); got != r[1] {
			t.Errorf("VersionText(%q) = %q, want %q", r[0], got, r[1])
		}
	}
	// Specifier equality: each entry equals itself and no other.
	var specs []string
	if err := json.Unmarshal(d["SPECIFIERS"], &specs); err != nil {
		t.Fatal(err)
	}
	for i, a := range specs {
		for j, b := range specs {
			if got := MustParseSpecifier(a).Equal(MustParseSpecifier(b)); got != (i == j) {
				t.Errorf("Equal(%q, %q) = %v", a, b, got)
			}
		}
	}
	// test_specifiers: Specifier(spec, prereleases=True).contains(version).
	for _, r := range tab("contains") {
		v, spec, want := r[0].(string), r[1].(string), r[2].(bool)
		sp := MustParseSpecifier(spec)
		if got := sp.Contains(MustParse(v), true); got != want {
			t.Errorf("%q contains %q = %v, want %v", spec, v, got, want)
		}
		if got := sp.ContainsString(v, PreAllow); got != want {
			t.Errorf("%q ContainsString %q = %v, want %v", spec, v, got, want)
		}
	}
	for _, r := range tab("invalid_version") {
		if got := MustParseSpecifier(r[0].(string)).ContainsString(r[1].(string), PreAllow); got != r[2].(bool) {
			t.Errorf("%q contains %q = %v, want %v", r[0], r[1], got, r[2])
		}
	}
	// (specifier, initial, set, version, initial_contains, final_contains)
	for _, r := range tab("prereleases_set") {
		sp := MustParseSpecifier(r[0].(string))
		if got := sp.ContainsString(r[3].(string), mode(r[1])); got != r[4].(bool) {
			t.Errorf("%q(pre=%v) contains %q = %v, want %v", r[0], r[1], r[3], got, r[4])
		}
		if got := sp.ContainsString(r[3].(string), mode(r[2])); got != r[5].(bool) {
			t.Errorf("%q(pre=%v) contains %q = %v, want %v", r[0], r[2], r[3], got, r[5])
		}
	}
	for _, r := range tab("arbitrary_equality") {
		if got := MustParseSpecifier(r[1].(string)).ContainsString(r[0].(string), PreDefault); got != r[2].(bool) {
			t.Errorf("%q contains %q = %v, want %v", r[1], r[0], got, r[2])
		}
	}
	for _, name := range []string{"arbitrary_normalization", "set_arbitrary_normalization"} {
		for _, r := range tab(name) {
			if got := MustParseSpecifierSet(r[0].(string)).ContainsString(item(r[1]), PreAllow); got != r[2].(bool) {
				t.Errorf("%s: %q contains %v = %v, want %v", name, r[0], r[1], got, r[2])
			}
		}
	}
	for _, r := range tab("prereleases_detection") {
		if got := MustParseSpecifier(r[0].(string)).Prereleases(); got != r[1].(bool) {
			t.Errorf("%q.Prereleases() = %v, want %v", r[0], got, r[1])
		}
	}
	// (specifier, version, spec_pre, contains_pre, expected)
	for _, r := range tab("specifier_prereleases") {
		if got := MustParseSpecifier(r[0].(string)).ContainsString(r[1].(string), mode(r[3], r[2])); got != r[4].(bool) {
			t.Errorf("%q(pre=%v) contains %q (pre=%v) = %v, want %v", r[0], r[2], r[1], r[3], got, r[4])
		}
	}
	// (specifier, specifier_prereleases, prereleases, input, expected)
	filter := func(name string, set bool) {
		for _, r := range tab(name) {
			in, want := strs(r[3]), strs(r[4])
			var got []string
			if set {
				got = MustParseSpecifierSet(r[0].(string)).FilterStrings(in, mode(r[2], r[1]))
			} else {
				got = MustParseSpecifier(r[0].(string)).FilterStrings(in, mode(r[2], r[1]))
			}
			if got == nil {
				got = []string{}
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: %q(pre=%v).filter(%q, pre=%v) = %q, want %q", name, r[0], r[1], in, r[2], got, want)
			}
		}
	}
	filter("specifier_filter", false)
	filter("set_filter", true)
	// (prereleases, versions, expected) on the empty set.
	for _, r := range tab("set_empty_arbitrary") {
		got := SpecifierSet{}.FilterStrings(strs(r[1]), mode(r[0]))
		if !slices.Equal(got, strs(r[2])) {
			t.Errorf("''(pre=%v).filter(%v) = %q, want %v", r[0], r[1], got, r[2])
		}
	}
	for _, r := range tab("set_empty_ordering") {
		got := SpecifierSet{}.FilterStrings(strs(r[0]), PreDefault)
		if !slices.Equal(got, strs(r[1])) {
			t.Errorf("''.filter(%v) = %q, want %v", r[0], got, r[1])
		}
	}
	// (initial, set, version, initial_contains, final_contains, spec)
	for _, r := range tab("set_prereleases_explicit") {
		set := MustParseSpecifierSet(r[5].(string))
		if got := set.ContainsString(r[2].(string), mode(r[0])); got != r[3].(bool) {
			t.Errorf("%q(pre=%v) contains %q = %v, want %v", r[5], r[0], r[2], got, r[3])
		}
		if got := set.ContainsString(r[2].(string), mode(r[1])); got != r[4].(bool) {
			t.Errorf("%q(pre=%v) contains %q = %v, want %v", r[5], r[1], r[2], got, r[4])
		}
	}
	// (specifier, version, spec_pre, contains_pre, installed, expected):
	// an installed pre-release is accepted whatever the policy.
	for _, r := range tab("set_installed") {
		m := mode(r[3], r[2])
		if r[4].(bool) && MustParse(r[1].(string)).IsPrerelease() {
			m = PreAllow
		}
		if got := MustParseSpecifierSet(r[0].(string)).ContainsString(r[1].(string), m); got != r[5].(bool) {
			t.Errorf("%q contains %q (%v) = %v, want %v", r[0], r[1], r[2:5], got, r[5])
		}
	}
	// (specifier, prereleases, input, expected)
	for _, r := range tab("set_filter_bridges") {
		got := MustParseSpecifierSet(r[0].(string)).FilterStrings(strs(r[2]), mode(r[1]))
		if !slices.Equal(got, strs(r[3])) {
			t.Errorf("%q.filter(%v, pre=%v) = %q, want %v", r[0], r[2], r[1], got, r[3])
		}
	}
	// (specifier, prereleases, version, expected)
	for _, r := range tab("set_contains_bridges") {
		if got := MustParseSpecifierSet(r[0].(string)).ContainsString(r[2].(string), mode(r[1])); got != r[3].(bool) {
			t.Errorf("%q contains %q (pre=%v) = %v, want %v", r[0], r[2], r[1], got, r[3])
		}
	}
	for _, name := range []string{"set_post_boundary", "boundary_short_release"} {
		for _, r := range tab(name) {
			if got := MustParseSpecifierSet(r[0].(string)).ContainsString(r[1].(string), PreDefault); got != r[2].(bool) {
				t.Errorf("%s: %q contains %q = %v, want %v", name, r[0], r[1], got, r[2])
			}
		}
	}
	for _, name := range []string{"set_arbitrary_contains", "set_ignores_local"} {
		for _, r := range tab(name) {
			if got := MustParseSpecifierSet(r[1].(string)).ContainsString(r[0].(string), PreDefault); got != r[2].(bool) {
				t.Errorf("%s: %q contains %q = %v, want %v", name, r[1], r[0], got, r[2])
			}
		}
	}
	for _, r := range tab("set_str") {
		if got := MustParseSpecifierSet(r[0].(string)).String(); got != r[1] {
			t.Errorf("SpecifierSet(%q).String() = %q, want %q", r[0], got, r[1])
		}
	}
}
