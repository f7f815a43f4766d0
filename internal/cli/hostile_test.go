package cli

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pyshim/pyshim/internal/testenv"
)

// hmember is a member of a hostile wheel, written as it is: raw name,
// mode, and (with declared) headers that claim another size.
type hmember struct {
	name string
	data []byte
	mode fs.FileMode // 0: 0644
	// declared, when > 0, is the uncompressed size the zip headers claim.
	declared uint64
	// row replaces the member's computed RECORD row; unlisted leaves it out.
	row      []string
	unlisted bool
}

// hwheel is a wheel built member by member, RECORD last.
type hwheel struct {
	filename string // default evil-1.0-py3-none-any.whl
	members  []hmember
	noRecord bool
	record   string // RECORD's member name; default evil-1.0.dist-info/RECORD
}

const (
	evilMetadata = "Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n\n"
	evilWHEEL    = "Wheel-Version: 1.0\nGenerator: pyshim-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
)

// evilWheel is a valid wheel of evil 1.0 with extra members.
func evilWheel(extra ...hmember) hwheel {
	return hwheel{members: append([]hmember{
		{name: "evil/__init__.py", data: []byte("X = 1\n")},
		{name: "evil-1.0.dist-info/METADATA", data: []byte(evilMetadata)},
		{name: "evil-1.0.dist-info/WHEEL", data: []byte(evilWHEEL)},
	}, extra...)}
}

// with returns w with its member called name changed by edit.
func (w hwheel) with(name string, edit func(m *hmember)) hwheel {
	ms := append([]hmember(nil), w.members...)
	for i := range ms {
		if ms[i].name == name {
			edit(&ms[i])
		}
	}
	w.members = ms
	return w
}

func (w hwheel) file() string {
	if w.filename == "" {
		return "evil-1.0-py3-none-any.whl"
	}
	return w.filename
}

func recordHash(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256=" + base64.RawURLEncoding.EncodeToString(s[:])
}

// build writes the archive.
func (w hwheel) build(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	var rec strings.Builder
	add := func(m hmember) {
		mode := m.mode
		if mode == 0 {
			mode = 0o644
		}
		h := &zip.FileHeader{Name: m.name, Method: zip.Deflate}
		h.SetMode(mode)
		if m.declared > 0 {
			var comp bytes.Buffer
			fw, _ := flate.NewWriter(&comp, flate.BestSpeed)
			fw.Write(m.data)
			fw.Close()
			h.CRC32 = crc32.ChecksumIEEE(m.data)
			h.CompressedSize64 = uint64(comp.Len())
			h.UncompressedSize64 = m.declared
			raw, err := zw.CreateRaw(h)
			if err != nil {
				t.Fatal(err)
			}
			raw.Write(comp.Bytes())
			return
		}
		fw, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(m.data)
	}
	for _, m := range w.members {
		add(m)
		switch {
		case m.unlisted:
		case m.row != nil:
			rec.WriteString(strings.Join(m.row, ",") + "\n")
		default:
			fmt.Fprintf(&rec, "%s,%s,%d\n", m.name, recordHash(m.data), len(m.data))
		}
	}
	if !w.noRecord {
		at := w.record
		if at == "" {
			at = "evil-1.0.dist-info/RECORD"
		}
		fmt.Fprintf(&rec, "%s,,\n", at)
		add(hmember{name: at, data: []byte(rec.String())})
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// hostileWheels are the wheels pyshim must refuse, each with a part of
// the one-line error it must print. root is the test's directory, which
// absolute and escaping members aim at.
func hostileWheels(root string) []struct {
	name string
	w    hwheel
	want string
} {
	big := func(n int) []byte { return bytes.Repeat([]byte("x"), n) }
	member := func(name, data string) hmember { return hmember{name: name, data: []byte(data)} }
	return []struct {
		name string
		w    hwheel
		want string
	}{
		{"zip-slip ../", evilWheel(member("../../../../../../../../../../../.."+root+"/pwned.py", "x")), "escaping"},
		{"zip-slip inside", evilWheel(member("evil/../../../../../../../../../pwned.py", "x")), "escaping"},
		{"absolute member", evilWheel(member(root+"/pwned.py", "x")), "absolute path"},
		{"symlink", evilWheel(hmember{name: "evil/up", data: []byte(root), mode: fs.ModeSymlink | 0o777}), "symbolic link"},
		{"duplicate member", evilWheel(hmember{name: "evil/__init__.py", data: []byte("import os\n"), unlisted: true}), "appears twice"},
		{"RECORD hash mismatch", evilWheel().with("evil/__init__.py", func(m *hmember) {
			m.row = []string{m.name, recordHash([]byte("other")), "6"}
		}), "hash does not match RECORD"},
		{"RECORD size mismatch", evilWheel().with("evil/__init__.py", func(m *hmember) {
			m.row = []string{m.name, recordHash(m.data), "5"}
		}), "RECORD"},
		{"missing RECORD", hwheel{members: evilWheel().members, noRecord: true}, "no evil-1.0.dist-info/RECORD"},
		{"file not in RECORD", evilWheel(hmember{name: "evil/sneaky.py", data: []byte("x"), unlisted: true}), "no hash in RECORD"},
		{"dist-info name disagrees", func() hwheel { w := evilWheel(); w.filename = "good-1.0-py3-none-any.whl"; return w }(), "good"},
		{"dist-info version disagrees", func() hwheel { w := evilWheel(); w.filename = "evil-2.0-py3-none-any.whl"; return w }(), "2.0"},
		{"non-UTF-8 name", evilWheel(member("evil/\xff\xfe.py", "x")), "not UTF-8"},
		{"zip bomb: declared member size", evilWheel(hmember{name: "evil/bomb.bin", data: big(1 << 10), declared: 5 << 30, row: []string{"evil/bomb.bin", recordHash(big(1 << 10)), ""}}), "zip bomb"},
		{"zip bomb: declared total size", evilWheel(func() []hmember {
			var ms []hmember
			for i := range 5 {
				n := fmt.Sprintf("evil/bomb%d.bin", i)
				ms = append(ms, hmember{name: n, data: big(1 << 10), declared: 7 << 29, row: []string{n, recordHash(big(1 << 10)), ""}})
			}
			return ms
		}()...), "zip bomb"},
		{"zip bomb: member inflates past its declared size", evilWheel(hmember{name: "evil/bomb.bin", data: big(8 << 20), declared: 1000, row: []string{"evil/bomb.bin", recordHash(big(8 << 20)), ""}}), "more than the 1000 bytes its header declares"},
		{"METADATA of 50 MB", evilWheel().with("evil-1.0.dist-info/METADATA", func(m *hmember) {
			m.data = append([]byte(evilMetadata), big(50<<20)...)
		}), "METADATA"},
		{".data/../", evilWheel(member("evil-1.0.data/../evil/x.py", "x")), "escaping"},
		{".data/purelib/../../", evilWheel(member("evil-1.0.data/purelib/../../../../../../../pwned.py", "x")), "escaping"},
		{"file and directory at once", evilWheel(member("evil/x", "x"), member("evil/x/y.py", "y")), "needs it as a directory"},
		// Refused by the install's plan, once the wheel is unpacked (and
		// cached, complete: it is a valid wheel, which another target
		// could take).
		{"file and directory at once, through .data", evilWheel(member("evil/x", "x"), member("evil-1.0.data/purelib/evil/x/y.py", "y")), "needs"},
		{"a file under an existing file of the venv", evilWheel(member("evil-1.0.data/data/pyvenv.cfg/x", "x")), "pyvenv.cfg, which is a file"},
		{"a file in place of the venv's lib", evilWheel(member("evil-1.0.data/data/lib", "x")), "would replace the directory"},
	}
}

// hostileRoot lays out one case: a venv (the same python for every case),
// a sentinel directory beside it, pyshim's private dirs (XDG, TMPDIR), all
// under one root whose every file, except pyshim's caches, the case
// snapshots.
type hostileRoot struct {
	root, venv, cache string
	env               []string
}

func newHostileRoot(t *testing.T, template string) *hostileRoot {
	t.Helper()
	root := t.TempDir()
	h := &hostileRoot{root: root, venv: filepath.Join(root, "venv"), cache: filepath.Join(root, "xdg", "cache")}
	if out, err := exec.Command("cp", "-a", template, h.venv).CombinedOutput(); err != nil {
		t.Fatalf("copying the venv: %v\n%s", err, out)
	}
	testenv.WriteFile(t, filepath.Join(root, "sentinel", "keep.txt"), "sentinel\n", 0o644)
	for _, d := range []string{"tmp", "wheels", "xdg/home"} {
		os.MkdirAll(filepath.Join(root, d), 0o755)
	}
	x := filepath.Join(root, "xdg")
	h.env = []string{
		"HOME=" + filepath.Join(x, "home"), "PATH=" + os.Getenv("PATH"), "LC_ALL=C.UTF-8", "TMPDIR=" + filepath.Join(root, "tmp"),
		"XDG_CACHE_HOME=" + h.cache, "XDG_CONFIG_HOME=" + filepath.Join(x, "config"), "XDG_DATA_HOME=" + filepath.Join(x, "data"),
		"XDG_STATE_HOME=" + filepath.Join(x, "state"), "PYENV_ROOT=" + testenv.PyenvRoot(t), "NIX_STORE_DIR=" + filepath.Join(x, "nix", "store"),
	}
	return h
}

// contentSnapshot lists every entry under root but the skipped
// directories: path, type and mode, and size and sha256 of files or the
// target of links (not times: a directory's mtime changes when a
// temporary entry comes and goes).
func contentSnapshot(t testing.TB, root string, skip ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		for _, s := range skip {
			if p == s {
				return filepath.SkipDir
			}
		}
		st, err := os.Lstat(p)
		if err != nil {
			return err
		}
		desc := st.Mode().String()
		switch {
		case st.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			desc += " -> " + target
		case st.Mode().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(data)
			desc += fmt.Sprintf(" %d %s", len(data), hex.EncodeToString(sum[:]))
		}
		out[p] = desc
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func snapshotDiff(a, b map[string]string) []string {
	var out []string
	for k, v := range a {
		if w, ok := b[k]; !ok {
			out = append(out, "- "+k)
		} else if v != w {
			out = append(out, fmt.Sprintf("~ %s: %s -> %s", k, v, w))
		}
	}
	for k, v := range b {
		if _, ok := a[k]; !ok {
			out = append(out, "+ "+k+" "+v)
		}
	}
	sort.Strings(out)
	return out
}

// untrustworthy lists what the wheel cache holds that a later install
// could take for the unpacked hostile wheel whose sha256 is bad (an entry
// of the unpacked-wheel tree under that digest, finished or not), and any
// temporary entry left anywhere in the cache.
func untrustworthy(t testing.TB, cache, bad string) []string {
	var out []string
	filepath.WalkDir(cache, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(cache, p)
		parts := strings.Split(rel, string(filepath.Separator))
		if len(parts) == 4 && parts[1] == "wheels-v2" && strings.Contains(parts[3], bad) {
			// Only a complete entry, the wheel verified against its
			// RECORD, may stay: when it was the target that refused it.
			if parts[3] != bad || !fileExists(filepath.Join(p, `\dist-info`)) {
				out = append(out, rel)
			}
			return filepath.SkipDir
		}
		if strings.Contains(d.Name(), ".tmp") {
			out = append(out, rel)
		}
		return nil
	})
	return out
}

// refused runs pyshim install (args) in dir under a deadline and checks
// the refusal: a one-line error holding want, no panic, exit status 1.
func (h *hostileRoot) refused(t *testing.T, dir, want string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "pyshim", append([]string{"install", "-q", "--venv", h.venv}, args...)...)
	cmd.Env, cmd.Dir = h.env, dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("pyshim install %s hung: %s", strings.Join(args, " "), stderr.String())
	}
	msg := strings.TrimSpace(stderr.String())
	ee, ok := err.(*exec.ExitError)
	switch {
	case err == nil:
		t.Fatalf("pyshim install %s succeeded; want a refusal mentioning %q\n%s", strings.Join(args, " "), want, msg)
	case !ok || ee.ExitCode() != 1:
		t.Errorf("pyshim install %s: %v, want exit status 1", strings.Join(args, " "), err)
	}
	if strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "pyshim: ") {
		t.Errorf("the error is not one line:\n%s", msg)
	}
	if strings.Contains(msg, "panic") || strings.Contains(msg, "goroutine") {
		t.Errorf("pyshim panicked:\n%s", msg)
	}
	if !strings.Contains(msg, want) {
		t.Errorf("the error does not mention %q:\n%s", want, msg)
	}
	if stdout.Len() > 0 {
		t.Errorf("stdout: %s", stdout.String())
	}
	return msg
}

// check fails the test when anything but pyshim's cache changed under the
// root, or the cache holds something of the wheel whose sha256 is bad
// that a later install would trust. The one file a refused install may
// add is the venv's install lock, empty (the lock lives in the target).
func (h *hostileRoot) check(t *testing.T, before map[string]string, bad string) {
	t.Helper()
	after := contentSnapshot(t, h.root, h.cache)
	lock := filepath.Join(h.venv, ".pyshim.lock")
	if _, had := before[lock]; !had && strings.HasSuffix(after[lock], " 0 "+sha256hex(nil)) {
		delete(after, lock)
	}
	if d := snapshotDiff(before, after); len(d) > 0 {
		t.Errorf("the refused install changed files outside its cache:\n%s", strings.Join(d, "\n"))
	}
	if u := untrustworthy(t, h.cache, bad); len(u) > 0 {
		t.Errorf("the wheel cache keeps after the refusal: %s", strings.Join(u, ", "))
	}
}

// hostileVenv makes the venv every case copies (python -m venv once).
func hostileVenv(t *testing.T) string {
	t.Helper()
	return makeTestVenv(t, testenv.PyenvPython(t, "3.11.7"), filepath.Join(t.TempDir(), "venv"), false)
}

// TestHostileWheels installs each hostile wheel as a file and, served by
// an index, as a dependency, twice each (a refusal must not leave
// anything a second attempt trusts): every attempt is refused with one
// line, and nothing but pyshim's cache changes.
func TestHostileWheels(t *testing.T) {
	template := hostileVenv(t)
	for _, c := range hostileWheels("/ROOT") {
		for _, how := range []string{"file", "index"} {
			t.Run(c.name+"/"+how, func(t *testing.T) {
				h := newHostileRoot(t, template)
				// Absolute and escaping names aim at this case's root.
				w := c.w
				w.members = append([]hmember(nil), w.members...)
				for i := range w.members {
					w.members[i].name = strings.ReplaceAll(w.members[i].name, "/ROOT", h.root)
				}
				data := w.build(t)
				var args []string
				switch how {
				case "file":
					testenv.WriteFile(t, filepath.Join(h.root, "wheels", w.file()), string(data), 0o644)
					args = []string{"./" + w.file()}
				case "index":
					ti := newTIndex(t, "json", twheel{name: "app", version: "1.0", deps: []string{strings.SplitN(w.file(), "-", 2)[0]}})
					ti.addRaw(w.file(), data)
					args = []string{"-i", ti.url(), "app"}
				}
				before := contentSnapshot(t, h.root, h.cache)
				for attempt := range 2 {
					msg := h.refused(t, filepath.Join(h.root, "wheels"), c.want, args...)
					if attempt == 0 {
						t.Log(msg)
					}
					h.check(t, before, sha256hex(data))
				}
			})
		}
	}
}

// addRaw serves data as the file fn, for the project its name starts
// with.
func (ti *tindex) addRaw(fn string, data []byte) {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	ti.files[fn] = data
	n := normName(strings.SplitN(fn, "-", 2)[0])
	ti.projects[n] = append(ti.projects[n], fn)
}
