package wheel

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pyshim/pyshim/internal/testenv"
	"github.com/pyshim/pyshim/plugins/sdk/interp"
	"github.com/pyshim/pyshim/resolver"
)

// zfile is a member of a test wheel.
type zfile struct {
	path, data string
	mode       fs.FileMode // 0: 0644
}

// testWheel describes a wheel built by a test.
type testWheel struct {
	name, version string // as in the dist-info directory name
	tag           string // default py3-none-any
	platlib       bool   // Root-Is-Purelib: false
	files         []zfile
	entryPoints   string
	// editRecord, when set, changes the RECORD rows before they are written.
	editRecord func(rows [][]string) [][]string
	// extra members are added after RECORD was computed (so not listed).
	extra []zfile
	// symlinks are symbolic-link members: path -> target.
	symlinks     map[string]string
	fileName     string // default NAME-VERSION-TAG.whl
	wheelVersion string // default 1.0
	// declared are uncompressed sizes the zip headers claim instead of
	// the true ones, by member path.
	declared map[string]uint64
}

func (w testWheel) distInfo() string { return w.name + "-" + w.version + ".dist-info" }

// build writes the wheel into dir and returns its path.
func (w testWheel) build(t testing.TB, dir string) string {
	t.Helper()
	tag := w.tag
	if tag == "" {
		tag = "py3-none-any"
	}
	di := w.distInfo()
	wv := w.wheelVersion
	if wv == "" {
		wv = "1.0"
	}
	files := append([]zfile(nil), w.files...)
	files = append(files,
		zfile{path: di + "/METADATA", data: fmt.Sprintf("Metadata-Version: 2.1\nName: %s\nVersion: %s\nSummary: test\n\n", w.name, w.version)},
		zfile{path: di + "/WHEEL", data: fmt.Sprintf("Wheel-Version: %s\nGenerator: pyshim-test\nRoot-Is-Purelib: %v\nTag: %s\n", wv, !w.platlib, tag)},
	)
	if w.entryPoints != "" {
		files = append(files, zfile{path: di + "/entry_points.txt", data: w.entryPoints})
	}
	var rows [][]string
	for _, f := range files {
		sum := sha256.Sum256([]byte(f.data))
		rows = append(rows, []string{f.path, "sha256=" + encodeDigest(sum[:]), fmt.Sprint(len(f.data))})
	}
	rows = append(rows, []string{di + "/RECORD", "", ""})
	if w.editRecord != nil {
		rows = w.editRecord(rows)
	}
	var rec bytes.Buffer
	cw := csv.NewWriter(&rec)
	cw.UseCRLF = true
	_ = cw.WriteAll(rows)
	files = append(files, zfile{path: di + "/RECORD", data: rec.String()})
	files = append(files, w.extra...)

	name := w.fileName
	if name == "" {
		name = fmt.Sprintf("%s-%s-%s.whl", w.name, w.version, tag)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		h := &zip.FileHeader{Name: f.path, Method: zip.Deflate}
		mode := f.mode
		if mode == 0 {
			mode = 0o644
		}
		h.SetMode(mode)
		if n, ok := w.declared[f.path]; ok {
			var comp bytes.Buffer
			fw, _ := flate.NewWriter(&comp, flate.BestSpeed)
			fw.Write([]byte(f.data))
			fw.Close()
			h.CRC32, h.CompressedSize64, h.UncompressedSize64 = crc32.ChecksumIEEE([]byte(f.data)), uint64(comp.Len()), n
			raw, err := zw.CreateRaw(h)
			if err != nil {
				t.Fatal(err)
			}
			raw.Write(comp.Bytes())
			continue
		}
		fw, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write([]byte(f.data))
	}
	for p, target := range w.symlinks {
		h := &zip.FileHeader{Name: p}
		h.SetMode(fs.ModeSymlink | 0o777)
		fw, _ := zw.CreateHeader(h)
		fw.Write([]byte(target))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// venv is a real venv made by python -m venv --without-pip.
type venv struct {
	dir, python string
	scheme      Scheme
	version     string // "3.11"
}

// makeVenv creates a venv at dir with the pyenv python of version
// ("3.11.7") and derives its Scheme from the interpreter-info query run
// with the venv's python.
func makeVenv(t testing.TB, version, dir string) *venv {
	t.Helper()
	base := testenv.PyenvPython(t, version)
	if out, err := exec.Command(base, "-m", "venv", "--without-pip", dir).CombinedOutput(); err != nil {
		t.Fatalf("python -m venv %s: %v\n%s", dir, err, out)
	}
	py := filepath.Join(dir, "bin", "python")
	info, err := (&resolver.InfoCache{}).Query(context.Background(), &interp.Interpreter{Path: py, Exe: py, Argv0: py})
	if err != nil {
		t.Fatal(err)
	}
	if info.Prefix != dir {
		t.Fatalf("venv python reports prefix %s, want %s", info.Prefix, dir)
	}
	minor := info.Markers["python_version"]
	s, err := VenvScheme(dir, info.VenvPaths, minor)
	if err != nil {
		t.Fatal(err)
	}
	return &venv{dir: dir, python: py, scheme: s, version: minor}
}

func (v *venv) options() Options {
	return Options{Python: v.python, PythonVersion: v.version}
}

// run runs name with args, failing the test on error, and returns the
// combined output.
func run(t testing.TB, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// readRecord parses an installed RECORD.
func readRecord(t testing.TB, distInfo string) []recordEntry {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(distInfo, "RECORD"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := parseRecord(data)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
