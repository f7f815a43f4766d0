package index

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pyshim/pyshim/install/tags"
)

func newClient(t *testing.T, opts Options) *Client {
	t.Helper()
	if opts.Backoff == 0 {
		opts.Backoff = time.Millisecond
	}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func fileNames(p *Project) []string {
	var out []string
	for _, f := range p.Files {
		out = append(out, f.Filename)
	}
	return out
}

func sampleWheels() []*testWheel {
	return []*testWheel{
		{name: "demo", version: "1.0", deps: []string{"dep>=1"}},
		{name: "demo", version: "2.0", deps: []string{"dep>=2", `extra-dep; extra == "x"`}, requiresPython: ">=3.8"},
		{name: "demo", version: "3.0", requiresPython: ">=3.12"},
		{name: "demo", version: "2.5", yanked: true},
		{name: "demo", version: "2.0", tag: "cp311-cp311-manylinux_2_17_x86_64"},
		{name: "demo", version: "2.0", tag: "cp27-cp27m-win32"},
		{name: "dep", version: "2.0"},
	}
}

var py311 = tags.Compatible(tags.Facts{Implementation: "cpython", Major: 3, Minor: 11, ABIs: []string{"cp311"},
	Platform: "linux-x86_64", PointerBits: 64, Glibc: [2]int{2, 36}})

func TestProjectModes(t *testing.T) {
	for _, mode := range []string{"html", "html-only", "json"} {
		for _, pep658 := range []bool{false, true} {
			t.Run(mode+map[bool]string{true: "+658"}[pep658], func(t *testing.T) {
				ti := newTestIndex(t, mode, sampleWheels()...)
				ti.pep658 = pep658
				ti.sdists["demo"] = []string{"demo-2.0.tar.gz"}
				c := newClient(t, Options{Config: Config{IndexURL: ti.url()}, Supported: py311, Python: "3.11.7", CacheDir: t.TempDir()})
				ctx := context.Background()
				p, err := c.Project(ctx, "Demo")
				if err != nil {
					t.Fatal(err)
				}
				want := []string{"demo-2.5-py3-none-any.whl", "demo-2.0-cp311-cp311-manylinux_2_17_x86_64.whl",
					"demo-2.0-py3-none-any.whl", "demo-1.0-py3-none-any.whl"}
				if got := fileNames(p); !slices.Equal(got, want) {
					t.Errorf("files %q, want %q", got, want)
				}
				if !p.Files[0].Yanked {
					t.Errorf("2.5 not marked yanked: %+v", p.Files[0])
				}
				var skipped []string
				for _, s := range p.Skipped {
					skipped = append(skipped, s.Filename+": "+s.Reason)
				}
				for _, w := range []string{"demo-3.0-py3-none-any.whl: requires Python >=3.12", "demo-2.0-cp27-cp27m-win32.whl: no tag compatible",
					"demo-2.0.tar.gz: source distribution"} {
					if !slices.ContainsFunc(skipped, func(s string) bool { return strings.HasPrefix(s, w) }) {
						t.Errorf("skipped %q lacks %q", skipped, w)
					}
				}
				f := p.Files[2]
				if f.Hashes["sha256"] == "" || !strings.HasSuffix(f.URL, "/files/demo-2.0-py3-none-any.whl") {
					t.Errorf("file %+v", f)
				}
				if (f.MetadataURL != "") != pep658 {
					t.Errorf("MetadataURL %q with pep658=%v", f.MetadataURL, pep658)
				}
				ti.reset()
				md, err := c.Metadata(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				if md.Name != "demo" || md.Version != "2.0" || len(md.RequiresDist) != 2 || md.RequiresPython.String() != ">=3.8" ||
					!slices.Equal(md.ProvidesExtra, []string{"x"}) {
					t.Errorf("metadata %+v", md)
				}
				log := ti.log()
				if pep658 {
					if !slices.Equal(log, []string{"GET /files/demo-2.0-py3-none-any.whl.metadata"}) {
						t.Errorf("metadata requests %q; want only the .metadata file", log)
					}
				} else if len(log) != 1 || log[0] != "GET /files/demo-2.0-py3-none-any.whl range" {
					t.Errorf("metadata requests %q; want one range request", log)
				}
			})
		}
	}
}

func TestNegotiation(t *testing.T) {
	var accept string
	ti := newTestIndex(t, "json", &testWheel{name: "a", version: "1"})
	c := newClient(t, Options{Config: Config{IndexURL: ti.url()}, OnRequest: func(r *http.Request) { accept = r.Header.Get("Accept") }})
	if _, err := c.Project(context.Background(), "a"); err != nil {
		t.Fatal(err)
	}
	if accept != Accept || !strings.HasPrefix(accept, "application/vnd.pypi.simple.v1+json") {
		t.Errorf("Accept %q", accept)
	}
}

func TestUnknownProjectAndExtraIndex(t *testing.T) {
	a := newTestIndex(t, "html", &testWheel{name: "a", version: "1"})
	b := newTestIndex(t, "json", &testWheel{name: "a", version: "2"}, &testWheel{name: "b", version: "1"})
	c := newClient(t, Options{Config: Config{IndexURL: a.url(), ExtraIndexURLs: []string{b.url()}}})
	ctx := context.Background()
	p, err := c.Project(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if got := fileNames(p); !slices.Equal(got, []string{"a-2-py3-none-any.whl", "a-1-py3-none-any.whl"}) {
		t.Errorf("files %q", got)
	}
	p, err = c.Project(ctx, "nosuch")
	if err != nil || len(p.Files) != 0 {
		t.Errorf("unknown project: %v %v", p, err)
	}
	nc := newClient(t, Options{Config: Config{IndexURL: a.url(), NoIndex: true}})
	p, err = nc.Project(ctx, "a")
	if err != nil || len(p.Files) != 0 {
		t.Errorf("--no-index still read the index: %v %v", p, err)
	}
}

func TestFindLinks(t *testing.T) {
	dir := t.TempDir()
	ws := sampleWheels()
	for _, w := range ws {
		buildWheel(t, w)
		if err := os.WriteFile(filepath.Join(dir, w.filename), w.data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, "demo-1.5.tar.gz"), []byte("x"), 0o644)
	ctx := context.Background()
	c := newClient(t, Options{Config: Config{NoIndex: true, FindLinks: []string{dir}}, Supported: py311, Python: "3.11.7"})
	p, err := c.Project(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	// A directory has no requires-python or yanked data: the resolver
	// checks Requires-Python from the metadata.
	if len(p.Files) != 5 || p.Files[0].Version.String() != "3.0" || p.Files[1].Yanked {
		t.Errorf("find-links dir files %q", fileNames(p))
	}
	if !slices.ContainsFunc(p.Skipped, func(s Skipped) bool { return s.Filename == "demo-1.5.tar.gz" }) {
		t.Errorf("sdist not reported: %+v", p.Skipped)
	}
	md, err := c.Metadata(ctx, p.Files[4])
	if err != nil || md.Version != "1.0" {
		t.Fatalf("metadata from a local wheel: %+v %v", md, err)
	}
	path, err := c.Download(ctx, p.Files[4])
	if err != nil || path != filepath.Join(dir, "demo-1.0-py3-none-any.whl") {
		t.Errorf("Download = %q, %v", path, err)
	}

	// A find-links page served over HTTP (the index's project page will do).
	ti := newTestIndex(t, "html", sampleWheels()...)
	c = newClient(t, Options{Config: Config{NoIndex: true, FindLinks: []string{ti.url() + "/demo/"}}, Supported: py311, Python: "3.11.7"})
	p, err = c.Project(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Files) != 4 || !p.Files[0].Yanked {
		t.Errorf("find-links page files %q", fileNames(p))
	}
	if p, _ := c.Project(ctx, "dep"); len(p.Files) != 0 {
		t.Errorf("dep found on demo's page: %q", fileNames(p))
	}
}

func TestHashVerification(t *testing.T) {
	ws := sampleWheels()
	ti := newTestIndex(t, "json", ws...)
	ti.ranges = false
	tampered := append([]byte(nil), ws[0].data...)
	tampered[len(tampered)/2] ^= 0xff
	ti.tamper[ws[0].filename] = tampered
	cache := t.TempDir()
	c := newClient(t, Options{Config: Config{IndexURL: ti.url()}, CacheDir: cache})
	ctx := context.Background()
	p, err := c.Project(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	var bad, good File
	for _, f := range p.Files {
		switch f.Filename {
		case ws[0].filename:
			bad = f
		case ws[1].filename:
			good = f
		}
	}
	_, err = c.Download(ctx, bad)
	var hm *HashMismatchError
	if !errors.As(err, &hm) || !strings.Contains(err.Error(), "sha256 hash mismatch") {
		t.Fatalf("tampered download: %v", err)
	}
	if _, err := c.Metadata(ctx, bad); !errors.As(err, &hm) {
		t.Errorf("metadata from a tampered full download: %v", err)
	}
	if _, ok := c.cachedWheel(bad); ok {
		t.Error("the tampered file was kept in the cache")
	}
	path, err := c.Download(ctx, good)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); sha256hex(b) != sha256hex(ws[1].data) {
		t.Error("downloaded content differs")
	}
}

func TestCacheRevalidation(t *testing.T) {
	for _, pep658 := range []bool{false, true} {
		ti := newTestIndex(t, "json", sampleWheels()...)
		ti.pep658 = pep658
		cache := t.TempDir()
		run := func() {
			c := newClient(t, Options{Config: Config{IndexURL: ti.url()}, CacheDir: cache, Supported: py311, Python: "3.11.7"})
			ctx := context.Background()
			for _, name := range []string{"demo", "dep"} {
				p, err := c.Project(ctx, name)
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range p.Files {
					if _, err := c.Metadata(ctx, f); err != nil {
						t.Fatal(err)
					}
					if _, err := c.Download(ctx, f); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		run()
		if n := countPrefix(ti.log(), "GET /files/"); n == 0 {
			t.Fatalf("first run fetched no files: %q", ti.log())
		}
		ti.reset()
		run()
		log := ti.log()
		if !slices.Equal(log, []string{"GET /simple/demo/ cond", "GET /simple/dep/ cond"}) {
			t.Errorf("pep658=%v: second run made %q; want only two revalidations", pep658, log)
		}
	}
}

func TestRetries(t *testing.T) {
	ti := newTestIndex(t, "html", &testWheel{name: "a", version: "1"})
	ti.fail503 = 2
	c := newClient(t, Options{Config: Config{IndexURL: ti.url()}, Retries: 3})
	p, err := c.Project(context.Background(), "a")
	if err != nil || len(p.Files) != 1 {
		t.Fatalf("after two 503s: %v %v", p, err)
	}
	if n := len(ti.log()); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}

	ti = newTestIndex(t, "html", &testWheel{name: "a", version: "1"})
	ti.fail503 = 10
	c = newClient(t, Options{Config: Config{IndexURL: ti.url()}, Retries: 2})
	_, err = c.Project(context.Background(), "a")
	if err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("want a 503 error, got %v", err)
	}
	if n := len(ti.log()); n != 3 {
		t.Errorf("%d requests, want 3 (bounded)", n)
	}
}

func TestRangeRequestsLargeWheel(t *testing.T) {
	// A wheel whose central directory is beyond the first 64 KiB tail
	// request needs more range requests, never a full download.
	big := &testWheel{name: "big", version: "1"}
	buildBigWheel(t, big, 3000)
	ti := newTestIndex(t, "html", big)
	c := newClient(t, Options{Config: Config{IndexURL: ti.url()}})
	ctx := context.Background()
	p, err := c.Project(ctx, "big")
	if err != nil {
		t.Fatal(err)
	}
	ti.reset()
	md, err := c.Metadata(ctx, p.Files[0])
	if err != nil || md.Name != "big" {
		t.Fatalf("%+v %v", md, err)
	}
	log := ti.log()
	if len(log) < 2 || countPrefix(log, "GET /files/big-1-py3-none-any.whl range") != len(log) {
		t.Errorf("requests %q; want only range requests, more than one", log)
	}
}

func TestContextCancel(t *testing.T) {
	ti := newTestIndex(t, "html", &testWheel{name: "a", version: "1"})
	ti.fail503 = 100
	c := newClient(t, Options{Config: Config{IndexURL: ti.url()}, Retries: 50, Backoff: 50 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := c.Project(ctx, "a"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Error("cancellation did not stop the retries")
	}
}

func TestConcurrentProjects(t *testing.T) {
	var ws []*testWheel
	names := []string{"p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7"}
	for _, n := range names {
		ws = append(ws, &testWheel{name: n, version: "1"}, &testWheel{name: n, version: "2"})
	}
	ti := newTestIndex(t, "json", ws...)
	c := newClient(t, Options{Config: Config{IndexURL: ti.url()}, CacheDir: t.TempDir(), Parallel: 3})
	ctx := context.Background()
	c.Prefetch(ctx, names)
	var wg sync.WaitGroup
	for range 4 {
		for _, n := range names {
			wg.Go(func() {
				p, err := c.Project(ctx, n)
				if err != nil || len(p.Files) != 2 {
					t.Errorf("%s: %v %v", n, p, err)
					return
				}
				if _, err := c.Metadata(ctx, p.Files[0]); err != nil {
					t.Error(err)
				}
				if _, err := c.Download(ctx, p.Files[1]); err != nil {
					t.Error(err)
				}
			})
		}
	}
	wg.Wait()
	if n := countPrefix(ti.log(), "GET /simple/"); n != len(names) {
		t.Errorf("%d page requests for %d projects", n, len(names))
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{"PIP_INDEX_URL": " http://a/simple ", "PIP_EXTRA_INDEX_URL": "http://b/simple  http://c/simple",
		"PIP_FIND_LINKS": "/w1 /w2", "PIP_NO_INDEX": "yes"}
	c := ConfigFromEnv(func(k string) string { return env[k] })
	if c.IndexURL != "http://a/simple" || !slices.Equal(c.ExtraIndexURLs, []string{"http://b/simple", "http://c/simple"}) ||
		!slices.Equal(c.FindLinks, []string{"/w1", "/w2"}) || !c.NoIndex {
		t.Errorf("%+v", c)
	}
	if got := c.Indexes(); got != nil {
		t.Errorf("NoIndex Indexes = %q", got)
	}
	c.NoIndex = false
	if got := c.Indexes(); !slices.Equal(got, []string{"http://a/simple", "http://b/simple", "http://c/simple"}) {
		t.Errorf("Indexes = %q", got)
	}
	if got := (Config{}).Indexes(); !slices.Equal(got, []string{DefaultIndexURL}) {
		t.Errorf("default Indexes = %q", got)
	}
}

func TestParseHTML(t *testing.T) {
	body := `<html><head><base href="https://files.example/base/"></head><body>
<!-- <a href="commented.whl">no</a> -->
<A HREF="pkg-1.0-py3-none-any.whl#sha256=ABCD&amp;x=1" data-requires-python="&gt;=3.7" data-dist-info-metadata="sha256=EF01">pkg</A>
<a href='../other/pkg-2.0-py3-none-any.whl' data-yanked="bad release" data-core-metadata=true>x</a>
<a href=pkg-3.0-py3-none-any.whl>unquoted</a>
<a name="no-href">x</a>
</body></html>`
	ls := parseHTML(body, "https://idx.example/simple/pkg/")
	if len(ls) != 3 {
		t.Fatalf("links %+v", ls)
	}
	if ls[0].href != "https://files.example/base/pkg-1.0-py3-none-any.whl" || ls[0].hashes["sha256"] != "abcd" ||
		ls[0].requiresPython != ">=3.7" || !ls[0].metadata || ls[0].metadataHashes["sha256"] != "ef01" {
		t.Errorf("link 0 %+v", ls[0])
	}
	if ls[1].href != "https://files.example/other/pkg-2.0-py3-none-any.whl" || !ls[1].yanked || ls[1].yankedReason != "bad release" ||
		!ls[1].metadata || ls[1].metadataHashes != nil {
		t.Errorf("link 1 %+v", ls[1])
	}
	if ls[2].filename != "pkg-3.0-py3-none-any.whl" {
		t.Errorf("link 2 %+v", ls[2])
	}
}

func TestParseMetadata(t *testing.T) {
	md, err := ParseMetadata([]byte("Metadata-Version: 2.1\r\nName: Foo\r\nVersion: 1.0\r\nRequires-Dist: bar (>=1.0) ; python_version < \"3.8\"\r\n" +
		"Summary: a\r\n  folded\r\nProvides-Extra: Fast_Path\r\nRequires-Python: >=3.7\r\n\r\nRequires-Dist: body-is-not-metadata\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if md.Name != "Foo" || len(md.RequiresDist) != 1 || md.RequiresDist[0].String() != `bar>=1.0; python_version < "3.8"` ||
		!slices.Equal(md.ProvidesExtra, []string{"fast-path"}) || md.RequiresPython.String() != ">=3.7" {
		t.Errorf("%+v %s", md, md.RequiresDist[0])
	}
	if _, err := ParseMetadata([]byte("Name: x\nVersion: 1\nRequires-Dist: bad[\n")); err == nil || strings.Contains(err.Error(), "\n") {
		t.Errorf("bad Requires-Dist: %q", err)
	}
}
