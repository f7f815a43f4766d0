package nix

import (
	"reflect"
	"strings"
	"testing"

	"github.com/pyshim/pyshim/plugins/sdk/interp"
)

const (
	tBase = "/nix/store/00000000000000000000000000000000-python3-3.12.3"
	tEnv  = "/nix/store/11111111111111111111111111111111-python3-3.12.3-env"
	tExe  = tBase + "/bin/python3.12"
)

func set(k, v string) interp.EnvOp { return interp.EnvOp{Op: interp.EnvSet, Name: k, Value: v} }

var eraAOps = []interp.EnvOp{
	set("NIX_PYTHONPREFIX", tEnv),
	set("NIX_PYTHONEXECUTABLE", tEnv+"/bin/python3.12"),
	set("NIX_PYTHONPATH", tEnv+"/lib/python3.12/site-packages"),
	set("PYTHONNOUSERSITE", "true"),
}

func TestParseShellWrapper(t *testing.T) {
	eraA := "export NIX_PYTHONPREFIX='" + tEnv + "'\n" +
		"export NIX_PYTHONEXECUTABLE='" + tEnv + "/bin/python3.12'\n" +
		"export NIX_PYTHONPATH='" + tEnv + "/lib/python3.12/site-packages'\n" +
		"export PYTHONNOUSERSITE='true'\n"
	tests := []struct {
		name string
		src  string
		want Wrapper
	}{
		{
			name: "era A, FACTS.md example",
			src:  "#! /nix/store/h-bash-5.2p37/bin/bash -e\n" + eraA + "exec \"" + tExe + "\"  \"$@\"\n",
			want: Wrapper{Target: tExe, Env: eraAOps},
		},
		{
			name: "older -eu with extraFlagsArray and set +u",
			src: "#! /nix/store/h-bash-4.4-p23/bin/bash -eu\ndeclare -a extraFlagsArray=()\n" + eraA +
				"set +u\nexec '" + tExe + "' \"${extraFlagsArray[@]}\" \"$@\"\n",
			want: Wrapper{Target: tExe, Env: eraAOps},
		},
		{
			name: "double-quoted values",
			src:  "#! /bin/bash -e\nexport A=\"x \\\"y\\\" \\$z\"\nexec \"/t\" \"$@\"\n",
			want: Wrapper{Target: "/t", Env: []interp.EnvOp{set("A", `x "y" $z`)}},
		},
		{
			name: "printf %q bare values and $'' strings",
			src:  "#! /bin/bash -e\nexport A=/nix/store/x\\ y\nexport B=$'a\\nb'\nexport C=\nexec /t \"$@\"\n",
			want: Wrapper{Target: "/t", Env: []interp.EnvOp{set("A", "/nix/store/x y"), set("B", "a\nb"), set("C", "")}},
		},
		{
			name: "set-default",
			src:  "#! /bin/bash -e\nexport FOO=${FOO-'d v'}\nexec \"/t\" \"$@\"\n",
			want: Wrapper{Target: "/t", Env: []interp.EnvOp{{Op: interp.EnvSetDefault, Name: "FOO", Value: "d v"}}},
		},
		{
			name: "prefix, brief form",
			src:  "#! /bin/bash -e\nexport PATH='/a'${PATH:+':'}$PATH\nexec \"/t\" \"$@\"\n",
			want: Wrapper{Target: "/t", Env: []interp.EnvOp{{Op: interp.EnvPrefix, Name: "PATH", Value: "/a", Sep: ":"}}},
		},
		{
			name: "prefix, make-wrapper.sh form",
			src:  "#! /bin/bash -e\nexport PATH='/a:/b'${PATH:+':'$PATH}\nexec \"/t\" \"$@\"\n",
			want: Wrapper{Target: "/t", Env: []interp.EnvOp{{Op: interp.EnvPrefix, Name: "PATH", Value: "/a:/b", Sep: ":"}}},
		},
		{
			name: "suffix += and $VAR forms",
			src:  "#! /bin/bash -e\nexport XS+=${XS:+' '}'/s'\nexport YS=$YS${YS:+';'}'/y'\nexec \"/t\" \"$@\"\n",
			want: Wrapper{Target: "/t", Env: []interp.EnvOp{
				{Op: interp.EnvSuffix, Name: "XS", Value: "/s", Sep: " "},
				{Op: interp.EnvSuffix, Name: "YS", Value: "/y", Sep: ";"},
			}},
		},
		{
			name: "unset and cd",
			src:  "#! /bin/bash -e\nunset PYTHONPATH\ncd '/work dir'\nexec \"/t\" \"$@\"\n",
			want: Wrapper{Target: "/t", Env: []interp.EnvOp{{Op: interp.EnvUnset, Name: "PYTHONPATH"}}, Chdir: "/work dir"},
		},
		{
			name: "inherit-argv0",
			src:  "#! /bin/bash -e\nexport PYTHONNOUSERSITE='true'\nexec -a \"$0\" \"" + tExe + "\"  \"$@\" \n",
			want: Wrapper{Target: tExe, Env: []interp.EnvOp{set("PYTHONNOUSERSITE", "true")}, InheritArgv0: true},
		},
		{
			name: "explicit argv0",
			src:  "#! /bin/bash -e\nexec -a '/x/python' \"/t\" \"$@\"\n",
			want: Wrapper{Target: "/t", Argv0: "/x/python"},
		},
		{
			name: "add-flags before $@, comments, blank lines, continuation",
			src:  "#! /bin/bash -e\n# comment\n\nexec \"/t\" -s \\\n  -E \"$@\"\n",
			want: Wrapper{Target: "/t", Args: []string{"-s", "-E"}},
		},
		{
			name: "exec -- form",
			src:  "#! /bin/bash -e\nexec -a \"$0\" -- \"/t\" \"$@\"\n",
			want: Wrapper{Target: "/t", InheritArgv0: true},
		},
		{
			name: "set lines and sh",
			src:  "#!/bin/sh\nset -e\nset +u\nexec /t \"$@\"\n",
			want: Wrapper{Target: "/t"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseShellWrapper([]byte(tc.src))
			if err != nil {
				t.Fatalf("ParseShellWrapper: %v\n%s", err, tc.src)
			}
			tc.want.Format = FormatShell
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestParseShellWrapperRejects(t *testing.T) {
	const hdr = "#! /bin/bash -e\n"
	const ex = "exec \"/t\" \"$@\"\n"
	for name, src := range map[string]string{
		"empty":                   "",
		"no shebang":              "export A=1\n" + ex,
		"non-bash shebang":        "#!/usr/bin/python3\n" + ex,
		"relative shebang":        "#! bash -e\n" + ex,
		"odd shebang option":      "#! /bin/bash -x\n" + ex,
		"no exec":                 hdr + "export A=1\n",
		"run command":             hdr + "source /etc/profile\n" + ex,
		"command substitution":    hdr + "export A=$(date)\n" + ex,
		"backticks":               hdr + "export A=\"`date`\"\n" + ex,
		"other var in value":      hdr + "export A=\"$HOME/x\"\n" + ex,
		"default with :-":         hdr + "export A=${A:-x}\n" + ex,
		"glob":                    hdr + "export A=/x/*\n" + ex,
		"tilde":                   hdr + "export A=~/x\n" + ex,
		"redirection":             hdr + "exec \"/t\" \"$@\" 2>/dev/null\n",
		"append-flags":            hdr + "exec \"/t\" \"$@\" --extra\n",
		"no $@":                   hdr + "exec \"/t\"\n",
		"unquoted $@":             hdr + "exec \"/t\" $@\n",
		"relative target":         hdr + "exec \"t\" \"$@\"\n",
		"variable target":         hdr + "exec \"$T\" \"$@\"\n",
		"argv0 from var":          hdr + "exec -a \"$N\" \"/t\" \"$@\"\n",
		"command after exec":      hdr + ex + "echo hi\n",
		"unterminated quote":      hdr + "export A='x\n" + ex,
		"export two":              hdr + "export A=1 B=2\n" + ex,
		"export bare":             hdr + "export A\n" + ex,
		"plain assignment":        hdr + "A=1\n" + ex,
		"dedup prefix (addValue)": hdr + "PATH=${PATH:+':'$PATH':'}\nPATH=${PATH/':''/a'':'/':'}\nPATH='/a'$PATH\nexport PATH\n" + ex,
		"conditional":             hdr + "if [ -n \"$A\" ]; then export B=1; fi\n" + ex,
		"cd var":                  hdr + "cd \"$HOME\"\n" + ex,
		"NUL":                     hdr + "export A=1\x00\n" + ex,
		"wrong name prefix":       hdr + "export PATH='/a'${OTHER:+':'$OTHER}\n" + ex,
	} {
		t.Run(name, func(t *testing.T) {
			if w, err := ParseShellWrapper([]byte(src)); err == nil {
				t.Errorf("accepted %q as %+v", src, w)
			}
		})
	}
}

func docLines(lines ...string) string { return strings.Join(lines, " \\\n    ") }

func TestParseMakeCWrapper(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want Wrapper
	}{
		{
			name: "era A, FACTS.md example",
			doc: docLines("makeCWrapper '"+tExe+"'",
				"--set 'NIX_PYTHONPREFIX' '"+tEnv+"'",
				"--set 'NIX_PYTHONEXECUTABLE' '"+tEnv+"/bin/python3.12'",
				"--set 'NIX_PYTHONPATH' '"+tEnv+"/lib/python3.12/site-packages'",
				"--set 'PYTHONNOUSERSITE' 'true'"),
			want: Wrapper{Target: tExe, Env: eraAOps},
		},
		{
			name: "older: target unquoted",
			doc:  docLines("makeCWrapper "+tExe, "--set 'NIX_PYTHONPREFIX' '"+tEnv+"'"),
			want: Wrapper{Target: tExe, Env: []interp.EnvOp{set("NIX_PYTHONPREFIX", tEnv)}},
		},
		{
			name: "era B",
			doc:  docLines("makeCWrapper '"+tExe+"'", "--inherit-argv0", "--set 'PYTHONNOUSERSITE' 'true'"),
			want: Wrapper{Target: tExe, InheritArgv0: true, Env: []interp.EnvOp{set("PYTHONNOUSERSITE", "true")}},
		},
		{
			name: "every flag",
			doc: docLines("makeCWrapper '/t'",
				"--set-default 'A' 'a b'",
				"--unset 'B'",
				"--prefix 'PATH' ':' '/p'",
				"--suffix 'XDG' ':' $'/s\\n'",
				"--add-flags '-s  -E'",
				"--add-flags '-X dev'",
				"--chdir '/d'",
				"--argv0 'foo'"),
			want: Wrapper{Target: "/t", Env: []interp.EnvOp{
				{Op: interp.EnvSetDefault, Name: "A", Value: "a b"},
				{Op: interp.EnvUnset, Name: "B"},
				{Op: interp.EnvPrefix, Name: "PATH", Sep: ":", Value: "/p"},
				{Op: interp.EnvSuffix, Name: "XDG", Sep: ":", Value: "/s\n"},
			}, Args: []string{"-s", "-E", "-X", "dev"}, Chdir: "/d", Argv0: "foo"},
		},
		{
			name: "last of argv0 and inherit-argv0 wins",
			doc:  docLines("makeCWrapper '/t'", "--argv0 'foo'", "--inherit-argv0"),
			want: Wrapper{Target: "/t", InheritArgv0: true},
		},
		{
			name: "quote inside a value",
			doc:  docLines("makeCWrapper '/t'", "--set 'A' 'it'\\''s'"),
			want: Wrapper{Target: "/t", Env: []interp.EnvOp{set("A", "it's")}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseMakeCWrapper(tc.doc)
			if err != nil {
				t.Fatalf("ParseMakeCWrapper: %v\n%s", err, tc.doc)
			}
			tc.want.Format = FormatBinary
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestParseMakeCWrapperRejects(t *testing.T) {
	for name, doc := range map[string]string{
		"empty":            "",
		"no target":        "makeCWrapper",
		"relative target":  "makeCWrapper 't'",
		"other command":    "makeWrapper '/t' '/w'",
		"unknown flag":     docLines("makeCWrapper '/t'", "--run 'echo hi'"),
		"append-flags":     docLines("makeCWrapper '/t'", "--append-flags '-x'"),
		"missing argument": docLines("makeCWrapper '/t'", "--set 'A'"),
		"bad name":         docLines("makeCWrapper '/t'", "--set 'A=B' 'c'"),
		"empty name":       docLines("makeCWrapper '/t'", "--unset ''"),
		"expansion":        docLines("makeCWrapper '/t'", "--set A $HOME"),
		"no continuation":  "makeCWrapper '/t'\n    --set 'A' 'b'",
	} {
		t.Run(name, func(t *testing.T) {
			if w, err := ParseMakeCWrapper(doc); err == nil {
				t.Errorf("accepted %q as %+v", doc, w)
			}
		})
	}
}

func TestExtractMakeCWrapper(t *testing.T) {
	doc := docLines("makeCWrapper '/t'", "--set 'A' 'b'")
	full := "\n\n\n# ----\n# The C-code for this binary wrapper has been generated using the following command:\n\n\n" +
		doc + "\n\n\n# (Use `nix-shell -p makeBinaryWrapper` to get access to makeCWrapper in your shell)\n"
	bin := []byte("\x7fELF\x00\x00xx makeCWrapper not at a line start\x00" + full + "\x00more")
	got, ok := ExtractMakeCWrapper(bin)
	if !ok || got != doc {
		t.Fatalf("ExtractMakeCWrapper = %q, %v; want %q", got, ok, doc)
	}
	if _, ok := ExtractMakeCWrapper([]byte("\x7fELF no docstring")); ok {
		t.Error("found a docstring in a binary without one")
	}
}

func FuzzParseShellWrapper(f *testing.F) {
	f.Add([]byte("#! /bin/bash -e\nexport A='x'\nexport P='/a'${P:+':'$P}\nexec -a \"$0\" \"/t\" -s \"${extraFlagsArray[@]}\" \"$@\"\n"))
	f.Add([]byte("#! /bin/bash -eu\nexport S+=${S:+' '}'/s'\nexport D=${D-'d'}\nunset U\ncd '/d'\nexec '/t' \"$@\"\n"))
	f.Add([]byte("#!/bin/sh\nexport B=$'\\x41\\101'\nexec -- /t \"$@\"\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		w, err := ParseShellWrapper(src)
		if err != nil {
			return
		}
		if !strings.HasPrefix(w.Target, "/") {
			t.Fatalf("accepted a relative target %q", w.Target)
		}
		if w.InheritArgv0 && w.Argv0 != "" {
			t.Fatalf("both argv0 modes: %+v", w)
		}
		for _, op := range w.Env {
			if !validName(op.Name) {
				t.Fatalf("invalid name in %+v", op)
			}
		}
	})
}

func FuzzParseMakeCWrapper(f *testing.F) {
	f.Add(docLines("makeCWrapper '/t'", "--set 'A' 'b'", "--inherit-argv0"))
	f.Add(docLines("makeCWrapper /t", "--prefix 'P' ':' '/p'", "--add-flags '-s -E'", "--chdir '/d'"))
	f.Add(docLines("makeCWrapper '/t'", "--suffix 'S' ' ' $'x\\ty'", "--argv0 'n'"))
	f.Fuzz(func(t *testing.T, doc string) {
		w, err := ParseMakeCWrapper(doc)
		if err != nil {
			return
		}
		if !strings.HasPrefix(w.Target, "/") {
			t.Fatalf("accepted a relative target %q", w.Target)
		}
		for _, op := range w.Env {
			if op.Name == "" || strings.Contains(op.Name, "=") {
				t.Fatalf("invalid name in %+v", op)
			}
		}
		// Extraction from a binary gives the same text back when no line
		// of it is blank (a blank line ends the docstring).
		for _, l := range strings.Split(doc, "\n") {
			if strings.TrimSpace(l) == "" {
				return
			}
		}
		bin := append([]byte("\x7fELF\x00"), doc...)
		bin = append(bin, "\n\n# tail\x00"...)
		if got, ok := ExtractMakeCWrapper(bin); !ok || got != doc {
			t.Fatalf("extract changed %q into %q (ok=%v)", doc, got, ok)
		}
	})
}
