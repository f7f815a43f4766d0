package main

import (
	"reflect"
	"strings"
	"testing"

	"github.com/pyshim/pyshim/plugins/sdk/interp"
)

func TestParseInstallName(t *testing.T) {
	tests := []struct {
		name    string
		wantErr string // substring; empty means the name parses
		impl    string
		version string
		goos    string
		goarch  string
		libc    string
		minor   bool
		debug   bool
		exes    []string
	}{
		{name: "cpython-3.12.1-linux-x86_64-gnu", impl: "cpython", version: "3.12.1", goos: "linux", goarch: "amd64", libc: "gnu", exes: []string{"bin/python3.12"}},
		{name: "pypy-3.9.19-linux-x86_64-gnu", impl: "pypy", version: "3.9.19", goos: "linux", goarch: "amd64", libc: "gnu", exes: []string{"bin/pypy3.9", "bin/pypy3"}},
		{name: "cpython-3.13.0+freethreaded-linux-x86_64-gnu", impl: "cpython", version: "3.13.0t", goos: "linux", goarch: "amd64", libc: "gnu", exes: []string{"bin/python3.13t", "bin/python3.13"}},
		{name: "cpython-3.13.0+freethreaded+debug-linux-x86_64-gnu", impl: "cpython", version: "3.13.0t", goos: "linux", goarch: "amd64", libc: "gnu", debug: true, exes: []string{"bin/python3.13td", "bin/python3.13"}},
		{name: "cpython-3.12.1+debug-linux-x86_64-gnu", impl: "cpython", version: "3.12.1", goos: "linux", goarch: "amd64", libc: "gnu", debug: true, exes: []string{"bin/python3.12d", "bin/python3.12"}},
		{name: "cpython-3.12.1-macos-aarch64-none", impl: "cpython", version: "3.12.1", goos: "darwin", goarch: "arm64", libc: "none", exes: []string{"bin/python3.12"}},
		{name: "cpython-3.11.9-linux-aarch64-musl", impl: "cpython", version: "3.11.9", goos: "linux", goarch: "arm64", libc: "musl", exes: []string{"bin/python3.11"}},
		{name: "cpython-3.12.4-linux-x86_64_v3-gnu", impl: "cpython", version: "3.12.4", goos: "linux", goarch: "amd64", libc: "gnu", exes: []string{"bin/python3.12"}},
		{name: "cpython-3.10.14-linux-armv7-gnueabihf", impl: "cpython", version: "3.10.14", goos: "linux", goarch: "arm", libc: "gnueabihf", exes: []string{"bin/python3.10"}},
		{name: "cpython-3.12.3-windows-x86_64-none", impl: "cpython", version: "3.12.3", goos: "windows", goarch: "amd64", libc: "none", exes: []string{"bin/python3.12"}},
		{name: "cpython-3.14.0rc1-linux-x86_64-gnu", impl: "cpython", version: "3.14.0rc1", goos: "linux", goarch: "amd64", libc: "gnu", exes: []string{"bin/python3.14"}},
		{name: "cpython-3.14.0a4-linux-x86_64-gnu", impl: "cpython", version: "3.14.0a4", goos: "linux", goarch: "amd64", libc: "gnu", exes: []string{"bin/python3.14"}},
		{name: "cpython-3.12-linux-x86_64-gnu", impl: "cpython", version: "3.12", goos: "linux", goarch: "amd64", libc: "gnu", minor: true, exes: []string{"bin/python3.12"}},

		{name: "", wantErr: "fields"},
		{name: "garbage", wantErr: "fields"},
		{name: "cpython-3.12.1-linux-x86_64", wantErr: "fields"},
		{name: "cpython-3.12.1-linux-x86_64-gnu-extra", wantErr: "fields"},
		{name: "graalpy-3.11.0-linux-x86_64-gnu", wantErr: "implementation"},
		{name: "CPython-3.12.1-linux-x86_64-gnu", wantErr: "implementation"},
		{name: "cpython-3-linux-x86_64-gnu", wantErr: "major.minor"},
		{name: "cpython-3.12rc1-linux-x86_64-gnu", wantErr: "major.minor"},
		{name: "cpython-3.12.01-linux-x86_64-gnu", wantErr: "version"},
		{name: "cpython-3.13.0t-linux-x86_64-gnu", wantErr: "non-canonical"},
		{name: "cpython-3.13.0rc01-linux-x86_64-gnu", wantErr: "non-canonical"},
		{name: "cpython-3.12.1+-linux-x86_64-gnu", wantErr: "variant"},
		{name: "cpython-3.13.0+debug+freethreaded-linux-x86_64-gnu", wantErr: "variant"},
		{name: "cpython-3.12.1+nogil-linux-x86_64-gnu", wantErr: "variant"},
		{name: "pypy-3.10.14+freethreaded-linux-x86_64-gnu", wantErr: "free-threaded"},
		{name: "cpython-3.12.x-linux-x86_64-gnu", wantErr: "version"},
		{name: "cpython-3.12.1-plan9-x86_64-gnu", wantErr: "operating system"},
		{name: "cpython-3.12.1-linux-sparc-gnu", wantErr: "architecture"},
		{name: "cpython-3.12.1-linux-x86_64-", wantErr: "libc"},
		{name: "cpython-3.12.1-linux-x86_64-GNU", wantErr: "libc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := ParseInstallName(tt.name)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseInstallName(%q) = %+v, %v; want error containing %q", tt.name, n, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseInstallName(%q): %v", tt.name, err)
			}
			got := []any{n.Implementation, n.Version(), n.GOOS, n.GOARCH, n.Libc, n.IsMinorLink(), n.Debug}
			want := []any{tt.impl, tt.version, tt.goos, tt.goarch, tt.libc, tt.minor, tt.debug}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("ParseInstallName(%q) = impl, version, goos, goarch, libc, minor, debug %v; want %v", tt.name, got, want)
			}
			if s := n.String(); s != tt.name {
				t.Errorf("String() = %q, want %q", s, tt.name)
			}
			if exes := n.Executables(); !reflect.DeepEqual(exes, tt.exes) {
				t.Errorf("Executables() = %q, want %q", exes, tt.exes)
			}
		})
	}
}

// FuzzParseInstallName checks that the parser never panics and that what it
// accepts is canonical: it formats back to the input, its version is one
// pyshim's version parser reads back, and it maps to a Go platform.
func FuzzParseInstallName(f *testing.F) {
	for _, s := range []string{
		"cpython-3.12.1-linux-x86_64-gnu",
		"pypy-3.9.19-linux-x86_64-gnu",
		"cpython-3.13.0+freethreaded-linux-x86_64-gnu",
		"cpython-3.13.0+freethreaded+debug-macos-aarch64-none",
		"cpython-3.14.0rc1-linux-x86_64_v3-musl",
		"cpython-3.12-linux-x86_64-gnu",
		"cpython-3.13.0t-linux-x86_64-gnu",
		"garbage",
		"-----",
		"cpython-3.12.1+-linux-x86_64-gnu",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseInstallName(s)
		if err != nil {
			if !reflect.DeepEqual(n, InstallName{}) {
				t.Fatalf("ParseInstallName(%q) returned %+v with error %v", s, n, err)
			}
			return
		}
		if got := n.String(); got != s {
			t.Fatalf("ParseInstallName(%q).String() = %q", s, got)
		}
		v, err := interp.ParseVersion(n.Version())
		if err != nil {
			t.Fatalf("ParseInstallName(%q).Version() = %q does not parse: %v", s, n.Version(), err)
		}
		if v.FreeThreaded != n.FreeThreaded || v.String() != n.Version() {
			t.Fatalf("ParseInstallName(%q).Version() = %q reads back as %+v", s, n.Version(), v)
		}
		if n.GOOS == "" || n.GOARCH == "" || len(n.Executables()) == 0 {
			t.Fatalf("ParseInstallName(%q) = %+v: missing platform or executables", s, n)
		}
	})
}
