package index

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// testWheel is a wheel built in memory.
type testWheel struct {
	name, version  string
	tag            string // "py3-none-any" when empty
	deps           []string
	requiresPython string
	yanked         bool
	filler         int // extra modules, to make the central directory large
	filename       string
	data           []byte
	metadata       []byte
}

// buildWheel makes a minimal valid wheel: a module, METADATA, WHEEL and
// RECORD with hashes.
func buildWheel(t testing.TB, w *testWheel) {
	t.Helper()
	if w.tag == "" {
		w.tag = "py3-none-any"
	}
	esc := strings.ReplaceAll(w.name, "-", "_")
	w.filename = fmt.Sprintf("%s-%s-%s.whl", esc, w.version, w.tag)
	di := fmt.Sprintf("%s-%s.dist-info", esc, w.version)
	var md strings.Builder
	fmt.Fprintf(&md, "Metadata-Version: 2.1\nName: %s\nVersion: %s\n", w.name, w.version)
	if w.requiresPython != "" {
		fmt.Fprintf(&md, "Requires-Python: %s\n", w.requiresPython)
	}
	for _, d := range w.deps {
		fmt.Fprintf(&md, "Requires-Dist: %s\n", d)
		if _, extra, ok := strings.Cut(d, `extra == "`); ok {
			fmt.Fprintf(&md, "Provides-Extra: %s\n", strings.TrimSuffix(extra, `"`))
		}
	}
	md.WriteString("\nA description\nwith lines.\n")
	w.metadata = []byte(md.String())
	files := []struct{ name, body string }{
		{esc + "/__init__.py", fmt.Sprintf("__version__ = %q\n", w.version)},
		{di + "/METADATA", md.String()},
		{di + "/WHEEL", "Wheel-Version: 1.0\nGenerator: pyshim-test\nRoot-Is-Purelib: true\nTag: " + w.tag + "\n"},
	}
	for i := range w.filler {
		files = append(files, struct{ name, body string }{fmt.Sprintf("%s/generated/module_with_a_long_name_%05d.py", esc, i), "x = 1\n"})
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	var record strings.Builder
	for _, f := range files {
		fw, err := zw.Create(f.name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write([]byte(f.body))
		sum := sha256.Sum256([]byte(f.body))
		fmt.Fprintf(&record, "%s,sha256=%s,%d\n", f.name, base64.RawURLEncoding.EncodeToString(sum[:]), len(f.body))
	}
	fmt.Fprintf(&record, "%s/RECORD,,\n", di)
	fw, _ := zw.Create(di + "/RECORD")
	fw.Write([]byte(record.String()))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	w.data = buf.Bytes()
}

func buildBigWheel(t testing.TB, w *testWheel, n int) {
	w.filler = n
	buildWheel(t, w)
}

func sha256hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// testIndex serves wheels as a simple API.
type testIndex struct {
	t      testing.TB
	mode   string // "html", "json" (PEP 691, negotiated), "html-only" (ignores Accept)
	pep658 bool   // offer metadata files
	ranges bool   // honour Range requests
	// tamper replaces a file's served bytes (the published hash stays).
	tamper map[string][]byte
	// fail503 answers this many requests with 503 before serving.
	fail503 int
	// sdists are extra non-wheel file names listed per project.
	sdists map[string][]string

	mu       sync.Mutex
	wheels   map[string][]*testWheel // by normalised name
	requests []string                // "METHOD path [Range] [cond]"
	srv      *httptest.Server
}

func newTestIndex(t testing.TB, mode string, wheels ...*testWheel) *testIndex {
	ti := &testIndex{t: t, mode: mode, ranges: true, wheels: map[string][]*testWheel{}, tamper: map[string][]byte{}, sdists: map[string][]string{}}
	for _, w := range wheels {
		if w.data == nil {
			buildWheel(t, w)
		}
		n := normalize(w.name)
		ti.wheels[n] = append(ti.wheels[n], w)
	}
	ti.srv = httptest.NewServer(http.HandlerFunc(ti.serve))
	t.Cleanup(ti.srv.Close)
	return ti
}

func normalize(s string) string {
	s = strings.ToLower(s)
	return strings.NewReplacer("_", "-", ".", "-").Replace(s)
}

func (ti *testIndex) url() string { return ti.srv.URL + "/simple" }

func (ti *testIndex) reset() {
	ti.mu.Lock()
	ti.requests = nil
	ti.mu.Unlock()
}

func (ti *testIndex) log() []string {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	return append([]string(nil), ti.requests...)
}

var modTime = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

func (ti *testIndex) serve(w http.ResponseWriter, r *http.Request) {
	entry := r.Method + " " + r.URL.Path
	if rg := r.Header.Get("Range"); rg != "" {
		entry += " range"
	}
	if r.Header.Get("If-None-Match") != "" || r.Header.Get("If-Modified-Since") != "" {
		entry += " cond"
	}
	ti.mu.Lock()
	ti.requests = append(ti.requests, entry)
	fail := ti.fail503 > 0
	if fail {
		ti.fail503--
	}
	ti.mu.Unlock()
	if fail {
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case len(parts) == 2 && parts[0] == "simple":
		ti.servePage(w, r, parts[1])
	case len(parts) == 2 && parts[0] == "files":
		ti.serveFile(w, r, parts[1])
	default:
		http.NotFound(w, r)
	}
}

func (ti *testIndex) servePage(w http.ResponseWriter, r *http.Request, project string) {
	ws, ok := ti.wheels[project]
	if !ok {
		http.NotFound(w, r)
		return
	}
	useJSON := ti.mode == "json" && strings.Contains(r.Header.Get("Accept"), "application/vnd.pypi.simple.v1+json")
	var body []byte
	var ctype string
	if useJSON {
		type jf struct {
			Filename       string            `json:"filename"`
			URL            string            `json:"url"`
			Hashes         map[string]string `json:"hashes"`
			RequiresPython string            `json:"requires-python,omitempty"`
			Yanked         any               `json:"yanked"`
			CoreMetadata   any               `json:"core-metadata,omitempty"`
		}
		var files []jf
		for _, wh := range ws {
			f := jf{Filename: wh.filename, URL: "../../files/" + wh.filename, Hashes: map[string]string{"sha256": sha256hex(wh.data)},
				RequiresPython: wh.requiresPython, Yanked: false}
			if wh.yanked {
				f.Yanked = "broken"
			}
			if ti.pep658 {
				f.CoreMetadata = map[string]string{"sha256": sha256hex(wh.metadata)}
			}
			files = append(files, f)
		}
		for _, s := range ti.sdists[project] {
			files = append(files, jf{Filename: s, URL: "../../files/" + s, Hashes: map[string]string{}, Yanked: false})
		}
		body, _ = json.Marshal(map[string]any{"meta": map[string]string{"api-version": "1.1"}, "name": project, "files": files})
		ctype = "application/vnd.pypi.simple.v1+json"
	} else {
		var b strings.Builder
		b.WriteString("<!DOCTYPE html>\n<html><body><h1>Links</h1>\n")
		for _, wh := range ws {
			attrs := ""
			if wh.requiresPython != "" {
				attrs += fmt.Sprintf(` data-requires-python="%s"`, html.EscapeString(wh.requiresPython))
			}
			if wh.yanked {
				attrs += ` data-yanked=""`
			}
			if ti.pep658 {
				attrs += fmt.Sprintf(` data-core-metadata="sha256=%s"`, sha256hex(wh.metadata))
			}
			fmt.Fprintf(&b, "<a href=\"/files/%s#sha256=%s\"%s>%s</a><br/>\n", wh.filename, sha256hex(wh.data), attrs, wh.filename)
		}
		for _, s := range ti.sdists[project] {
			fmt.Fprintf(&b, "<a href='/files/%s'>%s</a>\n", s, s)
		}
		b.WriteString("</body></html>\n")
		body = []byte(b.String())
		ctype = "text/html; charset=utf-8"
		if ti.mode == "html" {
			ctype = "application/vnd.pypi.simple.v1+html"
		}
	}
	etag := `"` + sha256hex(body)[:16] + `"`
	w.Header().Set("ETag", etag)
	w.Header().Set("Vary", "Accept")
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Write(body)
}

func (ti *testIndex) serveFile(w http.ResponseWriter, r *http.Request, name string) {
	for _, ws := range ti.wheels {
		for _, wh := range ws {
			data := wh.data
			if b, ok := ti.tamper[wh.filename]; ok {
				data = b
			}
			switch name {
			case wh.filename:
				if !ti.ranges {
					r.Header.Del("Range")
				}
				http.ServeContent(w, r, name, modTime, bytes.NewReader(data))
				return
			case wh.filename + ".metadata":
				if ti.pep658 {
					w.Write(wh.metadata)
					return
				}
			}
		}
	}
	http.NotFound(w, r)
}

func countPrefix(log []string, prefix string) int {
	n := 0
	for _, l := range log {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}
