package main

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pyshim/pyshim/internal/testenv"
)

// bannedDeps says which packages a pyshim built with tags must not link.
func bannedDeps(t *testing.T, tags string, banned []string) {
	t.Helper()
	out, err := exec.Command("go", "list", "-tags", tags, "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		for _, b := range banned {
			if pkg == b || strings.HasPrefix(pkg, b+"/") {
				t.Errorf("pyshim (tags %q) links %s", tags, pkg)
			}
		}
	}
}

// pyshim starts on every `pyshim venv`, `pyshim which`…: it must not link
// the plugin transport, whose package initialisation and page faults
// doubled its start-up. pyshim-plugins links it, and pyshim runs that
// when plugins must run.
func TestNoPluginTransport(t *testing.T) {
	bannedDeps(t, "", []string{"github.com/hashicorp/go-plugin", "github.com/hashicorp/go-hclog", "google.golang.org/grpc", "google.golang.org/protobuf", "github.com/pyshim/pyshim/plugins/sdk/pb", "github.com/pyshim/pyshim/resolver/pluginhost"})
}

// The pyshim that build.sh installs (tag pyshimlight) links neither the
// HTTP and TLS stack nor the installer: they cost its every start ~0.9 ms.
func TestLightLinksNoInstaller(t *testing.T) {
	bannedDeps(t, "pyshimlight", []string{"net/http", "crypto/tls", "github.com/pyshim/pyshim/install/index", "github.com/pyshim/pyshim/install/installer", "github.com/pyshim/pyshim/install/build", "github.com/pyshim/pyshim/install/resolve",
		"github.com/hashicorp/go-plugin", "google.golang.org/grpc"})
}

// TestPackageCommandsHandedOver runs the binaries build.sh makes: the light
// pyshim lists the package commands, hands them (and their help) to
// pyshim-install with the same arguments and environment, and says in one
// line what to do when pyshim-install is missing.
func TestPackageCommandsHandedOver(t *testing.T) {
	py := testenv.PyenvPython(t, "3.11.7")
	bin := t.TempDir()
	build := exec.Command("sh", "../../build.sh", bin)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build.sh: %v\n%s", err, out)
	}
	home := testenv.Home(t)
	run := func(exe string, args ...string) (string, int) {
		t.Helper()
		cmd := exec.Command(exe, args...)
		cmd.Dir = home
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("%s %v: %v", exe, args, err)
		}
		return string(out), code
	}
	pyshim, full := filepath.Join(bin, "pyshim"), filepath.Join(bin, "pyshim-install")

	help, code := run(pyshim, "--help")
	for _, c := range []string{"install", "uninstall", "packages", "freeze", "venv"} {
		if code != 0 || !strings.Contains(help, "\n  "+c+" ") {
			t.Errorf("pyshim --help (exit %d) does not list %s:\n%s", code, c, help)
		}
	}
	want, code := run(full, "install", "--help")
	if code != 0 || !strings.Contains(want, "--index-url") {
		t.Fatalf("pyshim-install install --help (exit %d):\n%s", code, want)
	}
	for _, args := range [][]string{{"install", "--help"}, {"help", "install"}} {
		if got, code := run(pyshim, args...); code != 0 || got != want {
			t.Errorf("pyshim %v (exit %d) printed\n%s\nwant pyshim-install's\n%s", args, code, got, want)
		}
	}

	// A real install through the light binary, from a find-links directory.
	wheels := t.TempDir()
	writeWheel(t, filepath.Join(wheels, "handdemo-1.0-py3-none-any.whl"), "handdemo", "1.0", "VALUE = 42\n")
	venv := filepath.Join(home, "v")
	if out, code := run(pyshim, "venv", "-p", py, venv); code != 0 {
		t.Fatalf("pyshim venv (exit %d):\n%s", code, out)
	}
	if out, code := run(pyshim, "install", "-q", "--venv", venv, "--no-index", "-f", wheels, "handdemo"); code != 0 {
		t.Fatalf("pyshim install (exit %d):\n%s", code, out)
	}
	if out, code := run(filepath.Join(venv, "bin", "python"), "-c", "import handdemo; print(handdemo.VALUE)"); code != 0 || strings.TrimSpace(out) != "42" {
		t.Errorf("import after install (exit %d): %q", code, out)
	}
	if out, code := run(pyshim, "freeze", "--venv", venv); code != 0 || strings.TrimSpace(out) != "handdemo==1.0" {
		t.Errorf("pyshim freeze (exit %d): %q", code, out)
	}

	// Without pyshim-install next to it.
	lonely := t.TempDir()
	data, err := os.ReadFile(pyshim)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(lonely, "pyshim"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	out, code := run(filepath.Join(lonely, "pyshim"), "install", "--venv", venv, "handdemo")
	if code != 2 || strings.Count(strings.TrimSpace(out), "\n") != 0 || !strings.Contains(out, "pyshim-install") || !strings.Contains(out, "reinstall pyshim") {
		t.Errorf("install without pyshim-install: exit %d, %q; want exit 2 and one line naming it", code, out)
	}
}

// writeWheel writes a one-module pure-Python wheel with a RECORD that
// hashes its files, as a build backend would.
func writeWheel(t *testing.T, path, name, version, module string) {
	t.Helper()
	distInfo := fmt.Sprintf("%s-%s.dist-info", name, version)
	files := []struct{ name, data string }{
		{name + ".py", module},
		{distInfo + "/METADATA", fmt.Sprintf("Metadata-Version: 2.1\nName: %s\nVersion: %s\n", name, version)},
		{distInfo + "/WHEEL", "Wheel-Version: 1.0\nGenerator: pyshim-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"},
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	var record strings.Builder
	for _, f := range files {
		w, err := zw.Create(f.name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(f.data))
		sum := sha256.Sum256([]byte(f.data))
		fmt.Fprintf(&record, "%s,sha256=%s,%d\n", f.name, base64.RawURLEncoding.EncodeToString(sum[:]), len(f.data))
	}
	record.WriteString(distInfo + "/RECORD,,\n")
	w, err := zw.Create(distInfo + "/RECORD")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(record.String()))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
