package tags

// Vectors ported from pypa/packaging tests/test_tags.py (commit 053c8846).
// Platform detection there is mocked (sysconfig, confstr, ELF headers);
// here the same inputs are given as Facts. Upstream 26.3 lists linux_<arch>
// first, so those rows run with NativeLinuxFirst.

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func tagStrings(ts []Tag) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.String()
	}
	return out
}

func TestCPythonTagsVectors(t *testing.T) {
	abi3 := func(stable string, from, to int, plats ...string) []string {
		var out []string
		for m := from; m >= to; m-- {
			for _, p := range plats {
				out = append(out, fmt.Sprintf("cp3%d-%s-%s", m, stable, p))
			}
		}
		return out
	}
	cat := func(parts ...[]string) []string { return slices.Concat(parts...) }
	for _, tc := range []struct {
		version []int
		abis    []string
		plats   []string
		want    []string
	}{
		{[]int{3, 11}, []string{"cp311d", "cp311"}, []string{"plat1", "plat2"}, cat(
			[]string{"cp311-cp311d-plat1", "cp311-cp311d-plat2", "cp311-cp311-plat1", "cp311-cp311-plat2",
				"cp311-abi3-plat1", "cp311-abi3-plat2", "cp311-none-plat1", "cp311-none-plat2"},
			abi3("abi3", 10, 2, "plat1", "plat2"))},
		{[]int{3, 8}, []string{"cp38d", "cp38"}, []string{"plat1", "plat2"}, cat(
			[]string{"cp38-cp38d-plat1", "cp38-cp38d-plat2", "cp38-cp38-plat1", "cp38-cp38-plat2",
				"cp38-abi3-plat1", "cp38-abi3-plat2", "cp38-none-plat1", "cp38-none-plat2"},
			abi3("abi3", 7, 2, "plat1", "plat2"))},
		{[]int{3, 3}, []string{"cp33m"}, []string{"plat1", "plat2"}, []string{
			"cp33-cp33m-plat1", "cp33-cp33m-plat2", "cp33-abi3-plat1", "cp33-abi3-plat2",
			"cp33-none-plat1", "cp33-none-plat2", "cp32-abi3-plat1", "cp32-abi3-plat2"}},
		{[]int{3, 13}, []string{"cp313t"}, []string{"plat1", "plat2"}, cat(
			[]string{"cp313-cp313t-plat1", "cp313-cp313t-plat2", "cp313-abi3t-plat1", "cp313-abi3t-plat2",
				"cp313-none-plat1", "cp313-none-plat2"},
			abi3("abi3t", 12, 2, "plat1", "plat2"))},
		{[]int{3, 15}, []string{"cp315t"}, []string{"platform"}, cat(
			[]string{"cp315-cp315t-platform", "cp315-abi3t-platform", "cp315-none-platform"},
			abi3("abi3t", 14, 2, "platform"))},
		{[]int{3, 15}, []string{"cp315t", "abi3t"}, []string{"platform"}, cat(
			[]string{"cp315-cp315t-platform", "cp315-abi3t-platform", "cp315-none-platform"},
			abi3("abi3t", 14, 2, "platform"))},
		{[]int{3, 16}, []string{"cp316t"}, []string{"platform"}, cat(
			[]string{"cp316-cp316t-platform", "cp316-abi3t-platform", "cp316-none-platform"},
			abi3("abi3t", 15, 2, "platform"))},
		{[]int{3, 16}, []string{"cp316"}, []string{"platform"}, cat(
			[]string{"cp316-cp316-platform", "cp316-abi3-platform", "cp316-none-platform"},
			abi3("abi3", 15, 2, "platform"))},
		{[]int{3, 11}, []string{"whatever"}, nil, nil},
		{[]int{3}, []string{"abi"}, []string{"plat"}, []string{"cp3-abi-plat", "cp3-none-plat"}},
		{[]int{3}, nil, []string{"plat"}, []string{"cp3-none-plat"}},
		{[]int{3, 0}, nil, []string{"any"}, []string{"cp30-none-any"}},
		{[]int{3, 0}, []string{"abi3"}, []string{"any"}, []string{"cp30-none-any"}},
		{[]int{3, 0}, []string{"none"}, []string{"any"}, []string{"cp30-none-any"}},
		{[]int{3, 3}, []string{"cp33"}, []string{"plat"}, []string{"cp33-cp33-plat", "cp33-abi3-plat", "cp33-none-plat", "cp32-abi3-plat"}},
		{[]int{3, 2}, []string{"cp32"}, []string{"plat"}, []string{"cp32-cp32-plat", "cp32-abi3-plat", "cp32-none-plat"}},
		{[]int{3, 1}, []string{"cp31"}, []string{"plat"}, []string{"cp31-cp31-plat", "cp31-none-plat"}},
		{[]int{2, 7}, []string{"cp27"}, []string{"plat"}, []string{"cp27-cp27-plat", "cp27-none-plat"}},
	} {
		got := tagStrings(CPythonTags(tc.version, tc.abis, tc.plats))
		if !slices.Equal(got, tc.want) {
			t.Errorf("CPythonTags(%v, %v, %v) =\n%v\nwant\n%v", tc.version, tc.abis, tc.plats, got, tc.want)
		}
	}
}

func TestGenericAndCompatibleVectors(t *testing.T) {
	for _, tc := range []struct {
		got, want []string
	}{
		{tagStrings(GenericTags("sillywalk33", []string{"abi"}, []string{"plat1", "plat2"})),
			[]string{"sillywalk33-abi-plat1", "sillywalk33-abi-plat2", "sillywalk33-none-plat1", "sillywalk33-none-plat2"}},
		{tagStrings(GenericTags("sillywalk34", nil, []string{"plat1", "plat2"})),
			[]string{"sillywalk34-none-plat1", "sillywalk34-none-plat2"}},
		{tagStrings(GenericTags("sillywalk34", []string{"none"}, []string{"plat1", "plat2"})),
			[]string{"sillywalk34-none-plat1", "sillywalk34-none-plat2"}},
		{tagStrings(GenericTags("sillywalk", []string{"abi"}, nil)), nil},
		// pure_python_tags is compatible_tags' "-any" tail.
		{tagStrings(CompatibleTags([]int{3, 3}, "", nil)),
			[]string{"py33-none-any", "py3-none-any", "py32-none-any", "py31-none-any", "py30-none-any"}},
		{tagStrings(CompatibleTags([]int{3}, "", nil)), []string{"py3-none-any"}},
		{tagStrings(CompatibleTags([]int{3, 3}, "cp33", []string{"plat1", "plat2"})), []string{
			"py33-none-plat1", "py33-none-plat2", "py3-none-plat1", "py3-none-plat2",
			"py32-none-plat1", "py32-none-plat2", "py31-none-plat1", "py31-none-plat2",
			"py30-none-plat1", "py30-none-plat2", "cp33-none-any", "py33-none-any",
			"py3-none-any", "py32-none-any", "py31-none-any", "py30-none-any"}},
		{tagStrings(CompatibleTags([]int{3}, "cp3", nil)), []string{"cp3-none-any", "py3-none-any"}},
		{tagStrings(CompatibleTags([]int{3}, "cp33", []string{"plat"})), []string{"py3-none-plat", "cp33-none-any", "py3-none-any"}},
		{tagStrings(CompatibleTags([]int{3, 1}, "", []string{"plat"})), []string{
			"py31-none-plat", "py3-none-plat", "py30-none-plat", "py31-none-any", "py3-none-any", "py30-none-any"}},
		{tagStrings(CompatibleTags([]int{3, 1}, "cp31", []string{"plat", "plat2"})), []string{
			"py31-none-plat", "py31-none-plat2", "py3-none-plat", "py3-none-plat2", "py30-none-plat", "py30-none-plat2",
			"cp31-none-any", "py31-none-any", "py3-none-any", "py30-none-any"}},
	} {
		if !slices.Equal(tc.got, tc.want) {
			t.Errorf("got\n%v\nwant\n%v", tc.got, tc.want)
		}
	}
	// compatible_tags((3, 11), "cp311", [plat1, plat2]).
	var want []string
	pys := []string{"py311", "py3", "py310", "py39", "py38", "py37", "py36", "py35", "py34", "py33", "py32", "py31", "py30"}
	for _, py := range pys {
		want = append(want, py+"-none-plat1", py+"-none-plat2")
	}
	want = append(want, "cp311-none-any")
	for _, py := range pys {
		want = append(want, py+"-none-any")
	}
	if got := tagStrings(CompatibleTags([]int{3, 11}, "cp311", []string{"plat1", "plat2"})); !slices.Equal(got, want) {
		t.Errorf("CompatibleTags(3.11) =\n%v\nwant\n%v", got, want)
	}
}

func TestLinuxPlatformVectors(t *testing.T) {
	seq := func(arch string, from, to int) []string {
		var out []string
		for m := from; m >= to; m-- {
			out = append(out, fmt.Sprintf("manylinux_2_%d_%s", m, arch))
			if l, ok := legacyManylinux[[2]int{2, m}]; ok {
				out = append(out, l+"_"+arch)
			}
		}
		return out
	}
	for _, tc := range []struct {
		name string
		f    Facts
		want []string
	}{
		{"manylinux2010", Facts{Platform: "linux-x86_64", Glibc: [2]int{2, 12}},
			slices.Concat([]string{"linux_x86_64"}, seq("x86_64", 12, 5))},
		{"manylinux2014", Facts{Platform: "linux-x86_64", Glibc: [2]int{2, 17}},
			slices.Concat([]string{"linux_x86_64"}, seq("x86_64", 17, 5))},
		{"manylinux2014 i386 abi", Facts{Platform: "linux-x86_64", PointerBits: 32, Glibc: [2]int{2, 17}},
			slices.Concat([]string{"linux_i686"}, seq("i686", 17, 5))},
		{"glibc 3.2 aarch64", Facts{Platform: "linux-aarch64", Glibc: [2]int{3, 2}},
			slices.Concat([]string{"linux_aarch64", "manylinux_3_2_aarch64", "manylinux_3_1_aarch64", "manylinux_3_0_aarch64"}, seq("aarch64", 50, 17))},
		{"32-bit on aarch64", Facts{Platform: "linux-aarch64", PointerBits: 32},
			[]string{"linux_armv8l", "linux_armv7l"}},
		{"armv6l has no manylinux", Facts{Platform: "linux-armv6l", PointerBits: 32, Glibc: [2]int{2, 20}},
			[]string{"linux_armv6l"}},
		{"no glibc", Facts{Platform: "linux_x86_64"}, []string{"linux_x86_64"}},
		{"not linux", Facts{Platform: "isilon onefs"}, []string{"isilon_onefs"}},
		{"windows", Facts{Platform: "win-amd64"}, []string{"win_amd64"}},
	} {
		tc.f.NativeLinuxFirst = true
		if got := Platforms(tc.f); !slices.Equal(got, tc.want) {
			t.Errorf("%s: Platforms =\n%v\nwant\n%v", tc.name, got, tc.want)
		}
	}
	// test_linux_platforms_musllinux: native and cross-32 on each arch.
	for _, tc := range []struct {
		native, cross32 string
		musl            [2]int
	}{
		{"armv7l", "armv7l", [2]int{1, 1}},
		{"aarch64", "armv8l", [2]int{1, 1}},
		{"i386", "i386", [2]int{1, 2}},
		{"x86_64", "i686", [2]int{1, 2}},
	} {
		for _, cross := range []bool{true, false} {
			f := Facts{Platform: "linux_" + tc.native, Musl: tc.musl, NativeLinuxFirst: true}
			target := tc.native
			if cross {
				f.PointerBits = 32
				target = tc.cross32
			}
			archs := []string{target}
			if target == "armv8l" {
				archs = []string{"armv8l", "armv7l"}
			}
			var want []string
			for _, a := range archs {
				want = append(want, "linux_"+a)
			}
			for _, a := range archs {
				for m := tc.musl[1]; m >= 0; m-- {
					want = append(want, fmt.Sprintf("musllinux_%d_%d_%s", tc.musl[0], m, a))
				}
			}
			if got := Platforms(f); !slices.Equal(got, want) {
				t.Errorf("musl %s cross=%v: %v, want %v", tc.native, cross, got, want)
			}
		}
	}
	// pip's order (the default): manylinux, then linux_<arch> last.
	got := Platforms(Facts{Platform: "linux-x86_64", Glibc: [2]int{2, 17}})
	if got[0] != "manylinux_2_17_x86_64" || got[1] != "manylinux2014_x86_64" || got[len(got)-1] != "linux_x86_64" {
		t.Errorf("default order: %v", got)
	}
}

func TestFromInfoABIs(t *testing.T) {
	for _, tc := range []struct {
		in   Info
		want []string
	}{
		{Info{Implementation: "cpython", Version: "3.7.16", SOABI: "cpython-37m-x86_64-linux-gnu"}, []string{"cp37m"}},
		{Info{Implementation: "cpython", Version: "3.11.7", SOABI: "cpython-311-x86_64-linux-gnu"}, []string{"cp311"}},
		{Info{Implementation: "cpython", Version: "3.11.7", SOABI: "cpython-311d-x86_64-linux-gnu"}, []string{"cp311d", "cp311"}},
		{Info{Implementation: "cpython", Version: "3.13.0t", FreeThreaded: true, SOABI: "cpython-313t-x86_64-linux-gnu"}, []string{"cp313t"}},
		{Info{Implementation: "cpython", Version: "3.10.1", ExtSuffix: ".cp310-win_amd64.pyd"}, []string{"cp310"}},
		{Info{Implementation: "pypy", Version: "3.9.18", SOABI: "pypy39-pp73", ExtSuffix: ".pypy39-pp73-x86_64-linux-gnu.so"}, []string{"pypy39_pp73"}},
		{Info{Implementation: "graalpy", Version: "3.8.5", ExtSuffix: ".graalpy-38-native-x86_64-darwin.so"}, []string{"graalpy_38_native"}},
		{Info{Implementation: "jp", Version: "3.8.5", ExtSuffix: ".return_exactly_this.so"}, []string{"return_exactly_this"}},
		{Info{Implementation: "jp", Version: "3.8.5", ExtSuffix: "..so"}, nil},
	} {
		f, err := FromInfo(tc.in)
		if err != nil || !slices.Equal(f.ABIs, tc.want) {
			t.Errorf("FromInfo(%+v).ABIs = %v, %v; want %v", tc.in, f.ABIs, err, tc.want)
		}
	}
	for _, ext := range []string{"invalid", ""} {
		if _, err := FromInfo(Info{Implementation: "jp", Version: "3.8", ExtSuffix: ext}); err == nil {
			t.Errorf("EXT_SUFFIX %q accepted", ext)
		}
	}
	for _, tc := range [][2]string{{"cpython", "cp"}, {"pypy", "pp"}, {"jython", "jy"}, {"ironpython", "ip"}} {
		if got := interpreterName(tc[0]); got != tc[1] {
			t.Errorf("interpreterName(%s) = %s", tc[0], got)
		}
	}
	// The first -none-any tag is pp3 for PyPy and cpXY for CPython.
	for _, tc := range []struct {
		in   Info
		want string
	}{
		{Info{Implementation: "pypy", Version: "3.9.18", ExtSuffix: ".pypy39-pp73-x86_64-linux-gnu.so", Platform: "linux-x86_64"}, "pp3-none-any"},
		{Info{Implementation: "cpython", Version: "3.12.1", SOABI: "cpython-312-x86_64-linux-gnu", Platform: "linux-x86_64"}, "cp312-none-any"},
	} {
		f, _ := FromInfo(tc.in)
		for _, tg := range Compatible(f) {
			if tg.ABI == "none" && tg.Platform == "any" {
				if tg.String() != tc.want {
					t.Errorf("first none-any = %s, want %s", tg, tc.want)
				}
				break
			}
		}
	}
}

func TestParseTagSetVectors(t *testing.T) {
	got, err := ParseTagSet("cp37-cp37m-macosx_10_6_intel.macosx_10_9_intel.macosx_10_9_x86_64.macosx_10_10_intel.macosx_10_10_x86_64")
	if err != nil || len(got) != 5 || got[4] != (Tag{"cp37", "cp37m", "macosx_10_10_x86_64"}) {
		t.Errorf("multi platform: %v %v", got, err)
	}
	if got, _ := ParseTagSet("py2.py3-none-any"); !slices.Equal(tagStrings(got), []string{"py2-none-any", "py3-none-any"}) {
		t.Errorf("py2.py3-none-any: %v", got)
	}
	if got, _ := ParseTagSet("PY3-None-Any"); !slices.Equal(tagStrings(got), []string{"py3-none-any"}) {
		t.Errorf("lowercasing: %v", got)
	}
	for _, tc := range []struct{ tag, msg string }{
		{"-none-any", "empty component"}, {"py3--any", "empty component"}, {"py3-none-", "empty component"},
		{"py3.-none-any", "empty component"}, {"py3-none-any.", "empty component"}, {"--", "empty component"},
		{"2-none-any", "invalid interpreter"}, {"2.7.6-none-any", "invalid interpreter"},
		{"py3.2-none-any", "invalid interpreter"}, {"py+3-none-any", "invalid interpreter"},
		{"py3-none", "exactly three components"}, {"py3-none-any-extra", "exactly three components"},
	} {
		if _, err := ParseTagSet(tc.tag); err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("ParseTagSet(%q) = %v, want %q", tc.tag, err, tc.msg)
		}
	}
	for _, in := range []string{"sillywalk", "graalpy311", "_custom"} {
		if got, err := ParseTagSet(in + "-none-any"); err != nil || got[0].Interpreter != in {
			t.Errorf("%s: %v %v", in, got, err)
		}
	}
}

func TestSupportedPriority(t *testing.T) {
	f, err := FromInfo(Info{Implementation: "cpython", Version: "3.12.1", SOABI: "cpython-312-x86_64-linux-gnu",
		Platform: "linux-x86_64", PointerBits: 64, Libc: []string{"glibc", "2.36"}})
	if err != nil {
		t.Fatal(err)
	}
	s := NewSupported(Compatible(f))
	rank := func(set string) int {
		ts, err := ParseTagSet(set)
		if err != nil {
			t.Fatal(err)
		}
		i, ok := s.Best(ts)
		if !ok {
			return -1
		}
		return i
	}
	if p, ok := s.Priority(Tag{"cp312", "cp312", "manylinux_2_36_x86_64"}); !ok || p != 0 {
		t.Errorf("best tag priority %d %v", p, ok)
	}
	order := []string{
		"cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64",
		"cp312-cp312-linux_x86_64",
		"cp311-abi3-manylinux_2_28_x86_64",
		"py3-none-manylinux1_x86_64",
		"cp312-none-any",
		"py3-none-any",
		"py2.py3-none-any",
	}
	for i := 1; i < len(order); i++ {
		if a, b := rank(order[i-1]), rank(order[i]); a < 0 || b < 0 || a > b {
			t.Errorf("%s (%d) should rank before %s (%d)", order[i-1], a, order[i], b)
		}
	}
	for _, bad := range []string{"cp312-cp312-musllinux_1_1_x86_64", "cp313-cp313-manylinux_2_17_x86_64", "cp312-cp312-manylinux_2_38_x86_64", "py2-none-any"} {
		if r := rank(bad); r >= 0 {
			t.Errorf("%s supported at %d", bad, r)
		}
	}
}
