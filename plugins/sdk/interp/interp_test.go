package interp

import (
	"reflect"
	"testing"
)

func TestApplyEnv(t *testing.T) {
	base := []string{"PATH=/usr/bin", "EMPTY=", "KEEP=1"}
	for _, tc := range []struct {
		name string
		ops  []EnvOp
		want []string
	}{
		{"set replaces", []EnvOp{{Op: EnvSet, Name: "PATH", Value: "/x"}}, []string{"EMPTY=", "KEEP=1", "PATH=/x"}},
		{"set-default keeps a set var, even empty", []EnvOp{{Op: EnvSetDefault, Name: "EMPTY", Value: "v"}, {Op: EnvSetDefault, Name: "NEW", Value: "n"}}, []string{"PATH=/usr/bin", "EMPTY=", "KEEP=1", "NEW=n"}},
		{"unset", []EnvOp{{Op: EnvUnset, Name: "KEEP"}}, []string{"PATH=/usr/bin", "EMPTY="}},
		{"prefix joins", []EnvOp{{Op: EnvPrefix, Name: "PATH", Value: "/a", Sep: ":"}}, []string{"EMPTY=", "KEEP=1", "PATH=/a:/usr/bin"}},
		{"prefix of empty is the value", []EnvOp{{Op: EnvPrefix, Name: "EMPTY", Value: "/a", Sep: ":"}}, []string{"PATH=/usr/bin", "KEEP=1", "EMPTY=/a"}},
		{"suffix joins", []EnvOp{{Op: EnvSuffix, Name: "PATH", Value: "/z", Sep: ":"}}, []string{"EMPTY=", "KEEP=1", "PATH=/usr/bin:/z"}},
		{"ops apply in order", []EnvOp{{Op: EnvSet, Name: "A", Value: "1"}, {Op: EnvSuffix, Name: "A", Value: "2", Sep: ","}, {Op: EnvUnset, Name: "A"}}, base},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := append([]string(nil), base...)
			got := ApplyEnv(in, tc.ops)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if !reflect.DeepEqual(in, base) {
				t.Errorf("input modified: %q", in)
			}
		})
	}
}

func TestCommand(t *testing.T) {
	in := Interpreter{Exe: "/nix/store/b/bin/python3.12", Argv0: "/home/u/.nix-profile/bin/python3", Args: []string{"-E"},
		Env: []EnvOp{{Op: EnvSet, Name: "PYTHONNOUSERSITE", Value: "true"}}}
	file, argv, env := in.Command([]string{"-c", "pass"}, []string{"HOME=/h"})
	if file != in.Exe || !reflect.DeepEqual(argv, []string{in.Argv0, "-E", "-c", "pass"}) || !reflect.DeepEqual(env, []string{"HOME=/h", "PYTHONNOUSERSITE=true"}) {
		t.Errorf("got %s %q %q", file, argv, env)
	}
	in.Argv0 = ""
	if _, argv, _ := in.Command(nil, nil); argv[0] != in.Exe {
		t.Errorf("argv0 defaults to exe, got %q", argv[0])
	}
}

func TestParseVersion(t *testing.T) {
	for _, tc := range []struct {
		in, out string
		pre, ft bool
		ok      bool
	}{
		{"3", "3", false, false, true},
		{"3.12", "3.12", false, false, true},
		{"3.12.1", "3.12.1", false, false, true},
		{"3.13.0rc1", "3.13.0rc1", true, false, true},
		{"3.14.0a1", "3.14.0a1", true, false, true},
		{"3.13t", "3.13t", false, true, true},
		{"3.13.0t", "3.13.0t", false, true, true},
		{"3.14-dev", "3.14-dev", true, false, true},
		{"2.7.18", "2.7.18", false, false, true},
		{"3.12.1.2", "", false, false, false},
		{"3.x", "", false, false, false},
		{"03.12", "", false, false, false},
		{"3.13rc1", "", false, false, false},
		{"", "", false, false, false},
		{"3..1", "", false, false, false},
		{"-3", "", false, false, false},
	} {
		v, err := ParseVersion(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("%q: err = %v", tc.in, err)
			continue
		}
		if tc.ok && (v.String() != tc.out || v.IsPrerelease() != tc.pre || v.FreeThreaded != tc.ft) {
			t.Errorf("%q: got %s pre=%v ft=%v", tc.in, v, v.IsPrerelease(), v.FreeThreaded)
		}
	}
}

func TestCompareAndPrefix(t *testing.T) {
	order := []string{"3.9.18", "3.10.0-dev", "3.10.0a1", "3.10.0b2", "3.10.0rc1", "3.10.0", "3.10.13", "3.13.0"}
	for i := 1; i < len(order); i++ {
		a, _ := ParseVersion(order[i-1])
		b, _ := ParseVersion(order[i])
		if a.Compare(b) >= 0 || b.Compare(a) <= 0 {
			t.Errorf("%s should sort before %s", a, b)
		}
	}
	v, _ := ParseVersion("3.12.1")
	for p, want := range map[string]bool{"3": true, "3.12": true, "3.12.1": true, "3.1": false, "3.12.10": false, "3.12.1rc1": false} {
		pv, _ := ParseVersion(p)
		if v.HasPrefix(pv) != want {
			t.Errorf("3.12.1 HasPrefix %s = %v", p, !want)
		}
	}
}

func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{"3", "3.12.1", "3.13.0rc1", "3.13t", "3.14-dev", "2.7.18+"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseVersion(s)
		if err != nil {
			return
		}
		w, err := ParseVersion(v.String())
		if err != nil || w.Compare(v) != 0 || w.FreeThreaded != v.FreeThreaded {
			t.Fatalf("%q -> %q does not round-trip: %v", s, v.String(), err)
		}
	})
}
