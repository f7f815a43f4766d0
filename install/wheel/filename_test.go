package wheel

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseFilename(t *testing.T) {
	tests := []struct {
		in         string
		norm       string
		version    string
		build      string
		buildNum   int
		buildRest  string
		tags       []string
		wantErrSub string
	}{
		// pypa/packaging tests/test_utils.py parse_wheel_filename vectors.
		{in: "foo-1.0-py3-none-any.whl", norm: "foo", version: "1.0", tags: []string{"py3-none-any"}},
		{in: "some_PACKAGE-1.0-py3-none-any.whl", norm: "some-package", version: "1.0", tags: []string{"py3-none-any"}},
		{in: "foo-1.0-1000-py3-none-any.whl", norm: "foo", version: "1.0", build: "1000", buildNum: 1000, tags: []string{"py3-none-any"}},
		{in: "foo-1.0-1000abc-py3-none-any.whl", norm: "foo", version: "1.0", build: "1000abc", buildNum: 1000, buildRest: "abc", tags: []string{"py3-none-any"}},
		{in: "foo_bår-1.0-py3-none-any.whl", norm: "foo-bår", version: "1.0", tags: []string{"py3-none-any"}},
		{in: "foo-1.0.whl", wantErrSub: "parts"},
		{in: "foo-1.0-py3-none-any.wheel", wantErrSub: ".whl"},
		{in: "foo__bar-1.0-py3-none-any.whl", wantErrSub: "project name"},
		{in: "foo#bar-1.0-py3-none-any.whl", wantErrSub: "project name"},
		{in: "foo-1.0-abc-py3-none-any.whl", wantErrSub: "build tag"},
		{in: "foo-1.0-200-py3-none-any-junk.whl", wantErrSub: "parts"},
		{in: "foo-x.y.z-py3-none-any.whl", wantErrSub: "version"},
		// Real-world names.
		{in: "pip-23.2.1-py3-none-any.whl", norm: "pip", version: "23.2.1", tags: []string{"py3-none-any"}},
		{in: "six-1.16.0-py2.py3-none-any.whl", norm: "six", version: "1.16.0", tags: []string{"py2-none-any", "py3-none-any"}},
		{in: "numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", norm: "numpy", version: "1.26.4",
			tags: []string{"cp311-cp311-manylinux_2_17_x86_64", "cp311-cp311-manylinux2014_x86_64"}},
		{in: "cryptography-42.0.5-cp39-abi3-musllinux_1_2_aarch64.whl", norm: "cryptography", version: "42.0.5", tags: []string{"cp39-abi3-musllinux_1_2_aarch64"}},
		{in: "Django-5.0rc1-py3-none-any.whl", norm: "django", version: "5.0rc1", tags: []string{"py3-none-any"}},
		{in: "zope.interface-6.2-cp312-cp312-macosx_10_9_x86_64.whl", norm: "zope-interface", version: "6.2", tags: []string{"cp312-cp312-macosx_10_9_x86_64"}},
		{in: "foo-1!2.0.post1.dev3+local.7-py3-none-any.whl", norm: "foo", version: "1!2.0.post1.dev3+local.7", tags: []string{"py3-none-any"}},
		{in: "foo-1.0-py3-none-.whl", wantErrSub: "platform tag"},
		{in: "foo-1.0-py3..py2-none-any.whl", wantErrSub: "python tag"},
		{in: "-1.0-py3-none-any.whl", wantErrSub: "project name"},
		{in: "foo--py3-none-any.whl", wantErrSub: "version"},
		{in: "foo-1.0-99999999999999999999-py3-none-any.whl", wantErrSub: "build"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			f, err := ParseFilename(tt.in)
			if tt.wantErrSub != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErrSub) {
					t.Fatalf("err = %v, want one mentioning %q", err, tt.wantErrSub)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("error is not one line: %q", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			n, rest, _ := f.BuildTag()
			if f.Normalized() != tt.norm || f.Version != tt.version || f.Build != tt.build || n != tt.buildNum || rest != tt.buildRest {
				t.Errorf("got %+v (normalized %q, build %d %q)", f, f.Normalized(), n, rest)
			}
			if !reflect.DeepEqual(f.Tags(), tt.tags) {
				t.Errorf("tags %v, want %v", f.Tags(), tt.tags)
			}
			if f.String() != tt.in {
				t.Errorf("String() = %q", f.String())
			}
		})
	}
}

func TestNormalizeName(t *testing.T) {
	// PEP 503 and packaging's canonicalize_name.
	for in, want := range map[string]string{
		"Django": "django", "friendly-bard": "friendly-bard", "Friendly-Bard": "friendly-bard",
		"FRIENDLY-BARD": "friendly-bard", "friendly.bard": "friendly-bard", "friendly_bard": "friendly-bard",
		"friendly--bard": "friendly-bard", "FrIeNdLy-._.-bArD": "friendly-bard", "_foo": "-foo", "foo_": "foo-",
	} {
		if got := NormalizeName(in); got != want {
			t.Errorf("NormalizeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParseFilename(f *testing.F) {
	for _, s := range []string{
		"foo-1.0-py3-none-any.whl", "some_PACKAGE-1.0-1000abc-py2.py3-none-any.whl",
		"numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
		"foo-1!2.0.post1.dev3+local.7-py3-none-any.whl", "foo-1.0.whl", "../x-1-py3-none-any.whl",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fn, err := ParseFilename(s)
		if err != nil {
			if strings.Contains(err.Error(), "\n") && !strings.Contains(s, "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		if fn.String() != s {
			t.Fatalf("String() = %q, want %q", fn.String(), s)
		}
		again, err := ParseFilename(fn.String())
		if err != nil || !reflect.DeepEqual(again, fn) {
			t.Fatalf("reparse: %+v, %v", again, err)
		}
		if strings.ContainsAny(s, "/\\\x00") {
			t.Fatalf("accepted a name with a path separator: %q", s)
		}
		norm := fn.Normalized()
		if norm == "" || strings.ContainsAny(norm, "_.") || strings.Contains(norm, "--") {
			t.Fatalf("bad normalized name %q", norm)
		}
		if len(fn.Tags()) == 0 {
			t.Fatal("no tags")
		}
	})
}
