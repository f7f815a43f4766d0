package cli

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
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
		{".data/scripts/python", evilWheel(hmember{name: "evil-1.0.data/scripts/python", data: []byte("#!/bin/sh\necho owned\n"), mode: 0o755}), "would replace the environment's own"},
		{"a console script named python3.11", evilWheel(member("evil-1.0.dist-info/entry_points.txt", "[console_scripts]\npython3.11 = evil:main\n")), "the script python3.11 would replace the environment's own"},
		{".data/data/pyvenv.cfg", evilWheel(member("evil-1.0.data/data/pyvenv.cfg", "home = /tmp\n")), "would replace the environment's own"},
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

// snapshot is testenv.ContentSnapshot of the root, pyshim's cache left
// out.
func (h *hostileRoot) snapshot(t testing.TB) map[string]string {
	return testenv.ContentSnapshot(t, h.root, func(p string, _ fs.DirEntry) bool { return p == h.cache })
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
	after := h.snapshot(t)
	lock, _ := filepath.Rel(h.root, filepath.Join(h.venv, ".pyshim.lock"))
	if _, had := before[lock]; !had && strings.HasSuffix(after[lock], " 0 "+sha256hex(nil)) {
		delete(after, lock)
	}
	if d := testenv.DiffSnapshots(before, after); len(d) > 0 {
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
				before := h.snapshot(t)
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

// hostileIndex is a simple index whose pages and files a case replaces.
type hostileIndex struct {
	srv   *httptest.Server
	wheel []byte // evil 1.0, a valid wheel
	// page serves /simple/evil/ (nil: a PEP 503 page listing the wheel
	// with its sha256); file serves /files/NAME (nil: the wheel).
	page, file http.HandlerFunc
}

const evilFile = "evil-1.0-py3-none-any.whl"

func newHostileIndex(t *testing.T) *hostileIndex {
	hi := &hostileIndex{wheel: twheel{name: "evil", version: "1.0"}.build(t)}
	hi.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/simple/evil/" && hi.page != nil:
			hi.page(w, r)
		case r.URL.Path == "/simple/evil/":
			hi.listing(w, "/files/"+evilFile+"#sha256="+sha256hex(hi.wheel))
		case strings.HasPrefix(r.URL.Path, "/files/") && hi.file != nil:
			hi.file(w, r)
		case r.URL.Path == "/files/"+evilFile:
			w.Write(hi.wheel)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(hi.srv.Close)
	return hi
}

func (hi *hostileIndex) url() string { return hi.srv.URL + "/simple" }

// listing writes a PEP 503 page with one link to evil 1.0.
func (hi *hostileIndex) listing(w http.ResponseWriter, href string) {
	w.Header().Set("Content-Type", "text/html")
	fmt.Fprintf(w, "<!DOCTYPE html><html><body><a href=%q>%s</a></body></html>\n", href, evilFile)
}

// trickle answers 200 and then a byte a second until the client goes
// away (at most a minute).
func trickle(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(http.StatusOK)
	for range 60 {
		if _, err := w.Write([]byte(" ")); err != nil {
			return
		}
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
			return
		case <-time.After(time.Second):
		}
	}
}

// huge answers 200 with a page of n bytes, with or without a
// Content-Length.
func huge(n int, length bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		if length {
			w.Header().Set("Content-Length", strconv.Itoa(n))
		}
		chunk := bytes.Repeat([]byte("<!-- padding padding padding -->\n"), 1<<10)
		for sent := 0; sent < n; sent += len(chunk) {
			if _, err := w.Write(chunk[:min(len(chunk), n-sent)]); err != nil {
				return
			}
		}
	}
}

// jsonPage answers with a PEP 691 page.
func jsonPage(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.pypi.simple.v1+json")
		io.WriteString(w, body)
	}
}

// cachedFiles lists the wheels the index client's cache keeps.
func cachedFiles(cache string) []string {
	var out []string
	filepath.WalkDir(filepath.Join(cache, "pyshim", "index", "http-v1", "files"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// TestHostileIndexes installs evil from indexes that misbehave: each
// install is refused with one line that says what happened, within its
// deadline, and changes nothing but pyshim's cache; where the fix is an
// option, the install succeeds with it.
func TestHostileIndexes(t *testing.T) {
	template := hostileVenv(t)
	zeros := strings.Repeat("0", 64)
	cases := []struct {
		name  string
		setup func(t *testing.T, hi *hostileIndex) (args, env []string)
		want  []string
		// then runs after the refusal.
		then func(t *testing.T, h *hostileRoot, hi *hostileIndex)
	}{
		{"wrong sha256", func(t *testing.T, hi *hostileIndex) ([]string, []string) {
			hi.page = func(w http.ResponseWriter, r *http.Request) { hi.listing(w, "/files/"+evilFile+"#sha256="+zeros) }
			return nil, nil
		}, []string{"sha256 hash mismatch", zeros}, func(t *testing.T, h *hostileRoot, hi *hostileIndex) {
			if c := cachedFiles(h.cache); len(c) > 0 {
				t.Errorf("the cache keeps the refused download: %v", c)
			}
			// Not poisoned: with the right hash it installs.
			hi.page = nil
			h.installs(t, "-i", hi.url(), "evil")
		}},
		{"wrong sha256, JSON", func(t *testing.T, hi *hostileIndex) ([]string, []string) {
			hi.page = jsonPage(`{"meta":{"api-version":"1.0"},"name":"evil","files":[{"filename":"` + evilFile + `","url":"/files/` + evilFile + `","hashes":{"sha256":"` + zeros + `"}}]}`)
			return nil, nil
		}, []string{"sha256 hash mismatch"}, func(t *testing.T, h *hostileRoot, hi *hostileIndex) {
			if c := cachedFiles(h.cache); len(c) > 0 {
				t.Errorf("the cache keeps the refused download: %v", c)
			}
		}},
		{"404 for a listed file", func(t *testing.T, hi *hostileIndex) ([]string, []string) {
			hi.page = func(w http.ResponseWriter, r *http.Request) { hi.listing(w, "/files/gone/"+evilFile) }
			return nil, nil
		}, []string{"404 Not Found", "/files/gone/" + evilFile}, nil},
		{"50 MB page", func(t *testing.T, hi *hostileIndex) ([]string, []string) {
			hi.page = huge(50<<20, false)
			return nil, nil
		}, []string{"larger than 32 MiB", "/simple/evil/"}, nil},
		{"50 MB page with its Content-Length", func(t *testing.T, hi *hostileIndex) ([]string, []string) {
			hi.page = huge(50<<20, true)
			return nil, nil
		}, []string{"larger than 32 MiB", "/simple/evil/"}, nil},
		{"a wheel of 20 GiB", func(t *testing.T, hi *hostileIndex) ([]string, []string) {
			hi.file = func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", strconv.FormatInt(20<<30, 10))
				w.Write(hi.wheel)
			}
			return nil, nil
		}, []string{"/files/" + evilFile, "is larger than"}, func(t *testing.T, h *hostileRoot, hi *hostileIndex) {
			if c := cachedFiles(h.cache); len(c) > 0 {
				t.Errorf("the cache keeps the refused download: %v", c)
			}
		}},
		{"a page a byte a second", func(t *testing.T, hi *hostileIndex) ([]string, []string) {
			hi.page = trickle
			return []string{"--timeout", "1"}, nil
		}, []string{"/simple/evil/", "in 1s, the read timeout", "--timeout"}, nil},
		{"a page a byte a second, PIP_TIMEOUT", func(t *testing.T, hi *hostileIndex) ([]string, []string) {
			hi.page = trickle
			return nil, []string{"PIP_TIMEOUT=1"}
		}, []string{"in 1s, the read timeout"}, nil},
		{"a wheel a byte a second", func(t *testing.T, hi *hostileIndex) ([]string, []string) {
			hi.file = trickle
			return []string{"--timeout", "1.5"}, nil
		}, []string{"/files/" + evilFile, "in 1.5s, the read timeout"}, func(t *testing.T, h *hostileRoot, hi *hostileIndex) {
			if c := cachedFiles(h.cache); len(c) > 0 {
				t.Errorf("the cache keeps the cut download: %v", c)
			}
		}},
		{"page redirected to another host", func(t *testing.T, hi *hostileIndex) ([]string, []string) {
			other := newHostileIndex(t)
			hi.page = func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, other.srv.URL+"/simple/evil/", http.StatusFound)
			}
			return nil, nil
		}, []string{"redirected to another host", "--allow-redirect"}, func(t *testing.T, h *hostileRoot, hi *hostileIndex) {
			// The message names the option with the host to allow: with
			// it, the install follows the redirect.
			msg := h.refused(t, "", "--allow-redirect ", "-i", hi.url(), "evil")
			_, host, _ := strings.Cut(msg, "--allow-redirect ")
			if host == "" || strings.ContainsAny(host, " /") || !strings.HasPrefix(hi.srv.URL, "http://127.0.0.1:") || "http://"+host == hi.srv.URL {
				t.Fatalf("the message names no other host to allow: %s", msg)
			}
			h.installs(t, "-i", hi.url(), "--allow-redirect", host, "evil")
		}},
		{"wheel redirected to another host", func(t *testing.T, hi *hostileIndex) ([]string, []string) {
			other := newHostileIndex(t)
			hi.file = func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, other.srv.URL+r.URL.Path, http.StatusFound)
			}
			return nil, nil
		}, []string{"redirected to another host", "/files/" + evilFile, "--allow-redirect 127.0.0.1:"}, nil},
		{"JSON: files is a string", func(t *testing.T, hi *hostileIndex) ([]string, []string) {
			hi.page = jsonPage(`{"meta":{"api-version":"1.0"},"name":"evil","files":"evil-1.0-py3-none-any.whl"}`)
			return nil, nil
		}, []string{"not a valid PEP 691 JSON page", `"files" is a JSON string`}, nil},
		{"JSON: url is a number", func(t *testing.T, hi *hostileIndex) ([]string, []string) {
			hi.page = jsonPage(`{"meta":{"api-version":"1.0"},"name":"evil","files":[{"filename":"` + evilFile + `","url":5,"hashes":{}}]}`)
			return nil, nil
		}, []string{"not a valid PEP 691 JSON page", `"files.url" is a JSON number`}, nil},
		{"JSON: hashes is an array", func(t *testing.T, hi *hostileIndex) ([]string, []string) {
			hi.page = jsonPage(`{"meta":{"api-version":"1.0"},"name":"evil","files":[{"filename":"` + evilFile + `","url":"/files/` + evilFile + `","hashes":["sha256"]}]}`)
			return nil, nil
		}, []string{"not a valid PEP 691 JSON page", `"files.hashes" is a JSON array`}, nil},
		{"JSON: the page is an array", func(t *testing.T, hi *hostileIndex) ([]string, []string) {
			hi.page = jsonPage(`[1, 2, 3]`)
			return nil, nil
		}, []string{"not a valid PEP 691 JSON page", "the page is a JSON array"}, nil},
		{"JSON: truncated", func(t *testing.T, hi *hostileIndex) ([]string, []string) {
			hi.page = jsonPage(`{"meta":{"api-version":"1.0"},"files":[{"filename":`)
			return nil, nil
		}, []string{"not a valid PEP 691 JSON page"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHostileRoot(t, template)
			hi := newHostileIndex(t)
			args, env := c.setup(t, hi)
			h.env = append(h.env, env...)
			before := h.snapshot(t)
			msg := h.refused(t, "", c.want[0], append(append([]string{"-i", hi.url()}, args...), "evil")...)
			t.Log(msg)
			for _, w := range c.want[1:] {
				if !strings.Contains(msg, w) {
					t.Errorf("the error does not mention %q", w)
				}
			}
			h.check(t, before, sha256hex(hi.wheel))
			if c.then != nil {
				c.then(t, h, hi)
			}
		})
	}
}

// installs runs pyshim install (args), which must succeed and install
// evil 1.0.
func (h *hostileRoot) installs(t *testing.T, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "pyshim", append([]string{"install", "-q", "--venv", h.venv}, args...)...)
	cmd.Env = h.env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pyshim install %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	if got := pyRun(t, h.venv, "-c", "import evil; print(evil.VERSION)"); got != "1.0\n" {
		t.Errorf("evil after the install: %q", got)
	}
}

// TestDataScriptShebangs pins the policy for .data/scripts files, that of
// pip and pypa/installer (installer.utils.fix_shebang): a first line that
// starts with "#!python" is replaced whole by "#!<venv python>" (so what
// follows "#!python" on it, arguments included, is dropped); every other
// file is installed byte for byte, executable, since its shebang is the
// wheel author's to choose, as it is with pip.
func TestDataScriptShebangs(t *testing.T) {
	h := newHostileRoot(t, hostileVenv(t))
	marker := filepath.Join(h.root, "sentinel", "injected")
	scripts := map[string]struct{ in, out string }{
		"s-python":   {"#!python\nimport sys\nprint(sys.prefix)\n", "#!" + h.venv + "/bin/python\nimport sys\nprint(sys.prefix)\n"},
		"s-pythonw":  {"#!pythonw -E\nprint('w')\n", "#!" + h.venv + "/bin/python\nprint('w')\n"},
		"s-inject":   {"#!python3 -c \"open('" + marker + "', 'w')\"\nimport sys\nprint(sys.prefix)\n", "#!" + h.venv + "/bin/python\nimport sys\nprint(sys.prefix)\n"},
		"s-crlf":     {"#!python\r\nprint('crlf')\r\n", "#!" + h.venv + "/bin/python\nprint('crlf')\r\n"},
		"s-sh":       {"#!/bin/sh\necho sh\n", "#!/bin/sh\necho sh\n"},
		"s-env-perl": {"#!/usr/bin/env perl\nprint 1;\n", "#!/usr/bin/env perl\nprint 1;\n"},
		"s-spaced":   {" #!python\nprint(1)\n", " #!python\nprint(1)\n"},
		"s-none":     {"print(1)\n", "print(1)\n"},
	}
	w := twheel{name: "shebangs", version: "1.0", data: map[string]string{}}
	for name, s := range scripts {
		w.data["scripts/"+name] = s.in
	}
	testenv.WriteFile(t, filepath.Join(h.root, "wheels", w.filename()), string(w.build(t)), 0o644)
	cmd := exec.Command("pyshim", "install", "-q", "--venv", h.venv, "./"+w.filename())
	cmd.Env, cmd.Dir = h.env, filepath.Join(h.root, "wheels")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pyshim install: %v\n%s", err, out)
	}
	for name, s := range scripts {
		p := filepath.Join(h.venv, "bin", name)
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != s.out {
			t.Errorf("bin/%s = %q, want %q", name, got, s.out)
		}
		if st, err := os.Stat(p); err != nil || st.Mode().Perm() != 0o755 {
			t.Errorf("bin/%s: mode %v, %v; want 0755", name, st.Mode(), err)
		}
	}
	// The rewritten scripts run the venv's python, and nothing else.
	for _, name := range []string{"s-python", "s-inject"} {
		out, err := exec.Command(filepath.Join(h.venv, "bin", name)).CombinedOutput()
		if err != nil || string(out) != h.venv+"\n" {
			t.Errorf("bin/%s: %q, %v; want the venv's prefix", name, out, err)
		}
	}
	if fileExists(marker) {
		t.Error("the arguments of a #!python line ran")
	}
}
