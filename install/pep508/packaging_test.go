package pep508

// Vectors ported from pypa/packaging tests/test_markers.py and
// tests/test_requirements.py (commit 053c8846). Python-only rows
// (pickling, hashing, the running interpreter's default environment,
// lock-file "extras"/"dependency_groups" sets) are not ported.

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

var (
	markerVariables = []string{"extra", "implementation_name", "implementation_version", "os_name",
		"platform_machine", "platform_release", "platform_system", "platform_version",
		"python_full_version", "python_version", "platform_python_implementation", "sys_platform"}
	pep345Variables     = []string{"os.name", "sys.platform", "platform.version", "platform.machine", "platform.python_implementation"}
	setuptoolsVariables = []string{"python_implementation"}
	markerOperators     = []string{"===", "==", ">=", "<=", "!=", "~=", ">", "<", "in", "not in"}
	markerValues        = []string{"1.0", "5.6a0", "dog", "freebsd", "literally any string can go here", "things @#4 dsfd ((("}
)

// pyRepr is Python's repr of a str without quotes or backslashes in it.
func pyRepr(s string) string { return "'" + s + "'" }

func TestMarkerParsesValid(t *testing.T) {
	for _, vars := range [][]string{markerVariables, pep345Variables, setuptoolsVariables} {
		for _, v := range vars {
			for _, op := range markerOperators {
				for _, val := range markerValues {
					for _, s := range []string{v + " " + op + " " + pyRepr(val), pyRepr(val) + " " + op + " " + v} {
						if _, err := ParseMarker(s); err != nil {
							t.Errorf("ParseMarker(%q): %v", s, err)
						}
					}
				}
			}
		}
	}
}

func TestMarkerParsesInvalid(t *testing.T) {
	for _, s := range []string{
		"this_isnt_a_real_variable >= '1.0'",
		"python_version",
		"(python_version)",
		"python_version >= 1.0 and (python_version)",
		`(python_version == "2.7" and os_name == "linux"`,
		`(python_version == "2.7") with random text`,
		`python_version >= "3"` + "\n",
		`python_version >= "3"` + "\r",
		`python_version >= "3"` + "\r\n",
	} {
		if m, err := ParseMarker(s); err == nil {
			t.Errorf("ParseMarker(%q) = %s, want error", s, m)
		} else if !errors.Is(err, ErrSyntax) {
			t.Errorf("ParseMarker(%q): %v is not ErrSyntax", s, err)
		}
	}
	for _, ws := range []string{" ", "\t", " \t"} {
		if m, err := ParseMarker(`python_version >= "3"` + ws); err != nil || m.String() != `python_version >= "3"` {
			t.Errorf("trailing %q: %v %v", ws, m, err)
		}
	}
}

func TestMarkerErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`os_name == "C:\"`, "Invalid quoted string\n" + `    os_name == "C:\"` + "\n               ~~~~~^"},
		{`os_name == "\x"`, "Invalid quoted string\n" + `    os_name == "\x"` + "\n               ~~~~^"},
	} {
		_, err := ParseMarker(tc.in)
		if err == nil || err.Error() != tc.want {
			t.Errorf("ParseMarker(%q) error =\n%v\nwant\n%s", tc.in, err, tc.want)
		}
	}
}

func TestMarkerString(t *testing.T) {
	for _, tc := range [][2]string{
		{"python_version == '2.7'", `python_version == "2.7"`},
		{`python_version == "2.7"`, `python_version == "2.7"`},
		{`'a" == os_name or python_version >= "0" or "b' == os_name`, `'a" == os_name or python_version >= "0" or "b' == os_name`},
		{`python_version == "2.7" and os_name == "linux"`, `python_version == "2.7" and os_name == "linux"`},
		{`python_version == "2.7" or os_name == "linux"`, `python_version == "2.7" or os_name == "linux"`},
		{`python_version == "2.7" and os_name == "linux" or sys_platform == "win32"`, `python_version == "2.7" and os_name == "linux" or sys_platform == "win32"`},
		{`(python_version == "2.7")`, `python_version == "2.7"`},
		{`(python_version == "2.7" and sys_platform == "win32")`, `python_version == "2.7" and sys_platform == "win32"`},
		{`python_version == "2.7" and (sys_platform == "win32" or sys_platform == "linux")`, `python_version == "2.7" and (sys_platform == "win32" or sys_platform == "linux")`},
		// Extra names are normalised; variable-vs-variable atoms are not.
		{`'S_P__A_M' == extra`, `"s-p-a-m" == extra`},
		{`extra == 'S_P__A_M'`, `extra == "s-p-a-m"`},
		{"extra == os_name", "extra == os_name"},
		{"os_name == extra", "os_name == extra"},
		{`(extra == "Foo_Bar" or extra == "Baz") and python_version >= "3"`, `(extra == "foo-bar" or extra == "baz") and python_version >= "3"`},
		{`"S_P__A_M" in extras`, `"s-p-a-m" in extras`},
		{`"Foo_Bar" not in dependency_groups`, `"foo-bar" not in dependency_groups`},
		// PEP 345 and setuptools spellings.
		{"os.name == 'linux'", `os_name == "linux"`},
		{"python_implementation=='Jython'", `platform_python_implementation == "Jython"`},
	} {
		m, err := ParseMarker(tc[0])
		if err != nil {
			t.Errorf("ParseMarker(%q): %v", tc[0], err)
			continue
		}
		if got := m.String(); got != tc[1] {
			t.Errorf("ParseMarker(%q).String() = %q, want %q", tc[0], got, tc[1])
		}
		if again := MustParseMarker(m.String()).String(); again != m.String() {
			t.Errorf("round trip of %q = %q", m, again)
		}
	}
	// Differently-grouped markers print differently.
	for _, tc := range [][2]string{
		{`python_version == "2.7"`, `python_version == "3.7"`},
		{`python_version == "2.7"`, `python_version == "2.7" and os_name == "linux"`},
		{`python_version == "2.7"`, `(python_version == "2.7" and os_name == "linux")`},
		{`python_version == "2.7" and (os_name == "linux" or sys_platform == "win32")`, `python_version == "2.7" and os_name == "linux" or sys_platform == "win32"`},
	} {
		if MustParseMarker(tc[0]).String() == MustParseMarker(tc[1]).String() {
			t.Errorf("%q and %q print the same", tc[0], tc[1])
		}
	}
}

func TestMarkerEvaluate(t *testing.T) {
	type env = map[string]string
	for _, tc := range []struct {
		marker string
		env    env
		want   bool
	}{
		{"os_name == 'foo'", env{"os_name": "foo"}, true},
		{"os_name == 'foo'", env{"os_name": "bar"}, false},
		{"'2.7' in python_version", env{"python_version": "2.7.5"}, true},
		{"'2.7' not in python_version", env{"python_version": "2.7"}, false},
		{"os_name == 'foo' and python_version ~= '2.7.0'", env{"os_name": "foo", "python_version": "2.7.6"}, true},
		{"python_version ~= '2.7.0' and (os_name == 'foo' or os_name == 'bar')", env{"os_name": "foo", "python_version": "2.7.4"}, true},
		{"python_version ~= '2.7.0' and (os_name == 'foo' or os_name == 'bar')", env{"os_name": "bar", "python_version": "2.7.4"}, true},
		{"python_version ~= '2.7.0' and (os_name == 'foo' or os_name == 'bar')", env{"os_name": "other", "python_version": "2.7.4"}, false},
		{"extra == 'security'", env{"extra": "quux"}, false},
		{"extra == 'security'", env{"extra": "security"}, true},
		{"extra == 'SECURITY'", env{"extra": "security"}, true},
		{"extra == 'security'", env{"extra": "SECURITY"}, true},
		{"extra == 'pep-685-norm'", env{"extra": "PEP_685...norm"}, true},
		{"extra == 'Different.punctuation..is...equal'", env{"extra": "different__punctuation_is_EQUAL"}, true},
		{"extra == 'im_valid'", env{}, false},
		// PEP 345 spellings.
		{"sys.platform == 'win32'", env{"sys_platform": "linux2"}, false},
		{"platform.version in 'Ubuntu'", env{"platform_version": "#39"}, false},
		{"platform.machine=='x86_64'", env{"platform_machine": "x86_64"}, true},
		{"platform.python_implementation=='Jython'", env{"platform_python_implementation": "CPython"}, false},
		{"python_version == '2.5' and platform.python_implementation!= 'Jython'", env{"python_version": "2.7"}, false},
		{"python_implementation=='Jython'", env{"platform_python_implementation": "CPython"}, false},
		{`(extra == "Foo_Bar" or extra == "Baz") and python_version >= "3"`, env{"extra": "foo-bar", "python_version": "3.12"}, true},
		// Extras are literal strings even when they look like versions (#938).
		{`extra == "v2"`, env{}, false},
		{`extra == "v2"`, env{"extra": ""}, false},
		{`extra == "v2"`, env{"extra": "v2"}, true},
		{`extra == "v2"`, env{"extra": "v2a3"}, false},
		{`extra == "v2a3"`, env{"extra": "v2"}, false},
		{`extra == "v2a3"`, env{"extra": "v2a3"}, true},
		{"python_full_version < '3.12'", env{"python_full_version": "3.11.1+"}, true},
		{`python_version >= "3.6" and os_name == "posix"`, env{"python_version": "3.8", "os_name": "posix"}, true},
	} {
		m, err := ParseMarker(tc.marker)
		if err != nil {
			t.Errorf("ParseMarker(%q): %v", tc.marker, err)
			continue
		}
		got, err := m.Evaluate(tc.env, nil)
		if err != nil || got != tc.want {
			t.Errorf("%q.Evaluate(%v) = %v, %v; want %v", tc.marker, tc.env, got, err, tc.want)
		}
	}
}

func TestRequirementBasicValid(t *testing.T) {
	names := []string{"package", "pAcKaGe", "Package", "foo-bar.quux_bAz", "installer", "android12"}
	extrasSets := [][]string{{}, {"a"}, {"a", "b"}, {"a", "B", "CDEF123"}}
	urlSpecs := []struct{ url, spec string }{
		{"", ""},
		{"https://example.com/packagename.zip", ""},
		{"ssh://user:pass%20word@example.com/packagename.zip", ""},
		{"https://example.com/name;v=1.1/?query=foo&bar=baz#blah", ""},
		{"git+ssh://git.example.com/MyProject", ""},
		{"git+ssh://git@github.com:pypa/packaging.git", ""},
		{"git+https://git.example.com/MyProject.git@master", ""},
		{"git+https://git.example.com/MyProject.git@v1.0", ""},
		{"git+https://git.example.com/MyProject.git@refs/pull/123/head", ""},
		{"gopher:/foo/com", ""},
		{"", "==={ws}arbitrarystring"},
		{"", "({ws}==={ws}arbitrarystring{ws})"},
		{"", "=={ws}1.0"},
		{"", "({ws}=={ws}1.0{ws})"},
		{"", "=={ws}1.0-alpha"},
		{"", "<={ws}1!3.0.0.rc2"},
		{"", ">{ws}2.2{ws},{ws}<{ws}3"},
		{"", "(>{ws}2.2{ws},{ws}<{ws}3)"},
	}
	markers := []string{
		"",
		"python_version{ws}>={ws}'3.3'",
		`({ws}python_version{ws}>={ws}"3.4"{ws}){ws}and extra{ws}=={ws}"oursql"`,
		"sys_platform{ws}!={ws}'linux' and(os_name{ws}=={ws}'linux' or python_version{ws}>={ws}'3.3'{ws}){ws}",
	}
	n := 0
	for _, name := range names {
		for _, extras := range extrasSets {
			for _, us := range urlSpecs {
				for _, marker := range markers {
					for _, ws := range []string{"", " ", "\t"} {
						f := func(s string) string { return strings.ReplaceAll(s, "{ws}", ws) }
						parts := []string{name}
						if len(extras) > 0 {
							sorted := slices.Sorted(slices.Values(extras))
							parts = append(parts, "[", strings.Join(sorted, ws+","+ws), "]")
						}
						if us.spec != "" {
							parts = append(parts, f(us.spec))
						}
						if us.url != "" {
							parts = append(parts, "@", f(us.url))
						}
						if marker != "" {
							if us.url != "" {
								parts = append(parts, " ;")
							} else {
								parts = append(parts, ";")
							}
							parts = append(parts, f(marker))
						}
						in := strings.Join(parts, ws)
						n++
						r, err := ParseRequirement(in)
						if err != nil {
							t.Errorf("ParseRequirement(%q): %v", in, err)
							continue
						}
						wantExtras := slices.Sorted(slices.Values(extras))
						wantSpec := MustParseSpecifierSet(t, strings.Trim(strings.ReplaceAll(us.spec, "{ws}", ""), "()"))
						var wantMarker string
						if marker != "" {
							wantMarker = MustParseMarker(strings.ReplaceAll(marker, "{ws}", "")).String()
						}
						if r.Name != name || !slices.Equal(r.Extras, wantExtras) || r.URL != us.url ||
							!r.Specifier.Equal(wantSpec) || r.Marker.String() != wantMarker {
							t.Errorf("ParseRequirement(%q) = %q %q %q %q %q", in, r.Name, r.Extras, r.URL, r.Specifier, r.Marker)
						}
					}
				}
			}
		}
	}
	if n != 6*4*18*4*3 {
		t.Fatalf("ran %d cases", n)
	}
}

func TestRequirementMisc(t *testing.T) {
	for _, tc := range [][2]string{
		{`mariadb>=1.0.1; extra == "mariadb_connector"`, `mariadb>=1.0.1; extra == "mariadb-connector"`},
		{`mariadb>=1.0.1; python_version >= "3" and extra == "mariadb_connector"`, `mariadb>=1.0.1; python_version >= "3" and extra == "mariadb-connector"`},
		{`demo; 'a" == os_name or python_version >= "0" or "b' == os_name`, `demo; 'a" == os_name or python_version >= "0" or "b' == os_name`},
		{"name[]", "name"},
		{"name()", "name"},
		{"name>=1 \t", "name>=1"},
	} {
		r, err := ParseRequirement(tc[0])
		if err != nil || r.String() != tc[1] {
			t.Errorf("ParseRequirement(%q) = %v, %v; want %q", tc[0], r, err, tc[1])
		}
	}
	for _, m := range []string{"python_implementation == ''", "platform_python_implementation == ''",
		"os.name == 'linux'", "os_name == 'linux'", "'8' in platform.version", "'8' not in platform.version"} {
		if _, err := ParseRequirement("name; " + m); err != nil {
			t.Errorf("marker %q: %v", m, err)
		}
	}
	for _, u := range []string{"file:///absolute/path", "file://.", "file:.", "file:/."} {
		if r, err := ParseRequirement("name @ " + u); err != nil || r.URL != u {
			t.Errorf("url %q: %v %v", u, r, err)
		}
	}
	for _, req := range []string{"name>=1", `name; python_version >= "3"`} {
		for _, lb := range []string{"\n", "\r", "\r\n"} {
			if _, err := ParseRequirement(req + lb); err == nil {
				t.Errorf("ParseRequirement(%q) succeeded", req+lb)
			}
		}
	}
	// str() round trip of every combination.
	for _, us := range []string{"", " @ https://url ", "!=2.0", "==2.*"} {
		for _, ex := range []string{"", "[a]", "[a,b]", "[a1,b1,b2]"} {
			for _, mk := range []string{"", `; python_version == "3.11"`, `; "3." not in python_version`} {
				in := "name" + ex + us + mk
				r, err := ParseRequirement(in)
				if err != nil || r.String() != strings.TrimSpace(in) {
					t.Errorf("ParseRequirement(%q).String() = %v, %v", in, r, err)
				}
			}
		}
	}
	if _, err := ParseRequirement("demo===x,y"); err == nil || !strings.Contains(err.Error(), "Invalid specifier") {
		t.Errorf("demo===x,y: %v", err)
	}
}

func TestRequirementErrors(t *testing.T) {
	for _, tc := range []struct{ in, msg, caret string }{
		{"", "Expected package name at the start of dependency specifier", "^"},
		{"==0.0", "Expected package name at the start of dependency specifier", "^"},
		{"name[bar baz]", "Expected comma between extra names", "         ^"},
		{"name[bar, baz,]", "Expected extra name after comma", "              ^"},
		{"name (>= 1.0", "Expected matching RIGHT_PARENTHESIS for LEFT_PARENTHESIS, after version specifier", "     ~~~~~~~^"},
		{"black (>=20.*) ; extra == 'format'", ".* suffix can only be used with `==` or `!=` operators", "       ~~~~~^"},
		{"name == 1.2.3.post4.*", ".* suffix cannot be used with pre-release, post-release, dev or local versions", "     ~~~~~~~~~~~~~~~^"},
		{"name != 1.2.3.post4.*", ".* suffix cannot be used with pre-release, post-release, dev or local versions", "     ~~~~~~~~~~~~~~~^"},
		{"name==1.2.3.post4.*", ".* suffix cannot be used with pre-release, post-release, dev or local versions", "    ~~~~~~~~~~~~~~^"},
		{"name[bar, baz >= 1.0", "Expected matching RIGHT_BRACKET for LEFT_BRACKET, after extras", "    ~~~~~~~~~~^"},
		{"name[bar, baz", "Expected matching RIGHT_BRACKET for LEFT_BRACKET, after extras", "    ~~~~~~~~~^"},
		{"name @ https://example.com/; extra == 'example'", "Expected semicolon (after URL and whitespace) or end", "       ~~~~~~~~~~~~~~~~~~~~~~^"},
		{"name; (extra == 'example'", "Expected matching RIGHT_PARENTHESIS for LEFT_PARENTHESIS, after marker expression", "      ~~~~~~~~~~~~~~~~~~~^"},
		{"name @ ", "Expected URL after @", "       ^"},
		{"name; invalid_name", "Expected a marker variable or quoted string", "      ^"},
		{"name; '3.7' <= invalid_name", "Expected a marker variable or quoted string", "               ^"},
		{`name; os_name == "C:\"`, "Invalid quoted string", "                 ~~~~~^"},
		{`name; os_name == "\x"`, "Invalid quoted string", "                 ~~~~^"},
		{"name; '3.7' notin python_version", "Expected marker operator, one of <=, <, !=, ==, >=, >, ~=, ===, in, not in", "            ^"},
		{"name; '3.6'inpython_version", "Expected marker operator, one of <=, <, !=, ==, >=, >, ~=, ===, in, not in", "           ^"},
		{"name; '3.7' not python_version", "Expected 'in' after 'not'", "                ^"},
		{"name; '3.7' ~ python_version", "Expected marker operator, one of <=, <, !=, ==, >=, >, ~=, ===, in, not in", "            ^"},
		{"name==1.0.org1", "Expected comma (within version specifier), semicolon (after version specifier) or end", "    ~~~~~^"},
		{"name==", "Expected semicolon (after name with no version specifier) or end", "    ^"},
		{"name 1.0", "Expected semicolon (after name with no version specifier) or end", "     ^"},
		{"name >= 1.0 #", "Expected comma (within version specifier), semicolon (after version specifier) or end", "     ~~~~~~~^"},
		{"name >= 1.0 <= 2.0", "Expected comma (within version specifier), semicolon (after version specifier) or end", "     ~~~~~~~^"},
	} {
		want := fmt.Sprintf("%s\n    %s\n    %s", tc.msg, tc.in, tc.caret)
		_, err := ParseRequirement(tc.in)
		if err == nil || err.Error() != want {
			t.Errorf("ParseRequirement(%q) error =\n%v\nwant\n%s", tc.in, err, want)
		}
	}
	for _, op := range []string{">=", "<=", ">", "<", "~="} {
		in := "name " + op + " 1.0+local.version.label"
		want := fmt.Sprintf("Local version label can only be used with `==` or `!=` operators\n    %s\n         %s~~~~^", in, strings.Repeat("~", len(op)))
		if _, err := ParseRequirement(in); err == nil || err.Error() != want {
			t.Errorf("ParseRequirement(%q) error =\n%v\nwant\n%s", in, err, want)
		}
	}
}

func TestRequirementEquality(t *testing.T) {
	equal := [][2]string{
		{"packaging>20.1", "packaging>20.1"},
		{`requests[security, tests]>=2.8.1,==2.8.*;python_version<"2.7"`, `requests [security,tests] >= 2.8.1, == 2.8.* ; python_version < "2.7"`},
		{`importlib-metadata; python_version<"3.8"`, "importlib-metadata; python_version<'3.8'"},
		{`appdirs>=1.4.4,<2; os_name=="posix" and extra=="testing"`, "appdirs>=1.4.4,<2; os_name == 'posix' and extra == 'testing'"},
	}
	equivalent := [][2]string{
		{"scikit-learn==1.0.1", "scikit_learn==1.0.1"},
		{"foo==1.0.0", "foo==1.0.0.0"},
		{"foo>=1.0", "foo>=1.0.0"},
		{`foo[a]==1.0.0; python_version>="3.8"`, `foo[a]==1.0.0.0; python_version>="3.8"`},
		{"urllib3[secure]", "urllib3[SECURE]"},
		{"fishtank[all-blue]", "fishtank[all_blue]"},
		{"fishtank[all-blue]", "fishtank[all---blue]"},
		{"fishtank[crazy-bunches]", "fishtank[cRazy_BUnches]"},
	}
	different := [][2]string{
		{"package_one", "package_two"},
		{"packaging>20.1", "packaging>=20.1"},
		{"packaging>20.1", "packaging>21.1"},
		{"packaging>20.1", "package>20.1"},
		{`requests[security,tests]>=2.8.1,==2.8.*;python_version<"2.7"`, `requests [security,tests] >= 2.8.1 ; python_version < "2.7"`},
		{`importlib-metadata; python_version<"3.8"`, "importlib-metadata; python_version<'3.7'"},
		{`appdirs>=1.4.4,<2; os_name=="posix" and extra=="testing"`, "appdirs>=1.4.4,<2; os_name == 'posix' and extra == 'docs'"},
	}
	for _, p := range equal {
		a, b := MustParseRequirement(p[0]), MustParseRequirement(p[1])
		if !a.Equal(b) || a.String() != b.String() {
			t.Errorf("%q and %q: want equal (%s vs %s)", p[0], p[1], a, b)
		}
	}
	for _, p := range equivalent {
		a, b := MustParseRequirement(p[0]), MustParseRequirement(p[1])
		if !a.Equal(b) || a.String() == b.String() {
			t.Errorf("%q and %q: want equivalent, different strings", p[0], p[1])
		}
	}
	for _, p := range different {
		if MustParseRequirement(p[0]).Equal(MustParseRequirement(p[1])) {
			t.Errorf("%q and %q: want different", p[0], p[1])
		}
	}
}
