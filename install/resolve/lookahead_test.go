package resolve

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pyshim/pyshim/install/index"
)

// lookAheadIndex serves top -> mid -> leaf (leaf also names a Windows-only
// dependency) as a PEP 503 index with Last-Modified, so that pages are
// cached; hold, when set, delays the answer to a project's page until it
// returns.
type lookAheadIndex struct {
	dir  string
	mu   sync.Mutex
	seen []string // page requests, in order
	hold func(project string)
}

func (x *lookAheadIndex) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if name, ok := strings.CutPrefix(r.URL.Path, "/simple/"); ok {
		name = strings.TrimSuffix(name, "/")
		x.mu.Lock()
		x.seen = append(x.seen, name)
		hold := x.hold
		x.mu.Unlock()
		if hold != nil {
			hold(name)
		}
		var links []string
		for _, v := range map[string][]string{"top": {"1.0"}, "mid": {"1.0", "2.0", "3.0rc1"}, "leaf": {"1.0"}, "win": {"1.0"}}[name] {
			fn := fmt.Sprintf("%s-%s-py3-none-any.whl", name, v)
			links = append(links, fmt.Sprintf(`<a href="/f/%s">%s</a>`, fn, fn))
		}
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Last-Modified", "Mon, 02 Jan 2006 15:04:05 GMT")
		if r.Header.Get("If-Modified-Since") != "" {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		fmt.Fprint(w, strings.Join(links, "\n"))
		return
	}
	if fn, ok := strings.CutPrefix(r.URL.Path, "/f/"); ok {
		http.ServeFile(w, r, filepath.Join(x.dir, filepath.Base(fn)))
		return
	}
	http.NotFound(w, r)
}

func (x *lookAheadIndex) pages() []string {
	x.mu.Lock()
	defer x.mu.Unlock()
	return slices.Clone(x.seen)
}

// The look-ahead walks the likely graph without the resolver: Prefetch of
// top reports the likely wheel of top, mid (its newest final release, not
// the pre-release) and leaf, and not the dependency leaf's marker
// excludes. With the pages cached, a second walk asks for mid's and
// leaf's pages before top's page is even answered.
func TestLookAhead(t *testing.T) {
	x := &lookAheadIndex{dir: t.TempDir()}
	for _, d := range []memDist{
		{id: "top==1.0", deps: []string{"mid>=1"}},
		{id: "mid==1.0"}, {id: "mid==2.0", deps: []string{"leaf"}}, {id: "mid==3.0rc1"},
		{id: "leaf==1.0", deps: []string{`win; sys_platform == "win32"`}}, {id: "win==1.0"},
	} {
		writeWheel(t, x.dir, d)
	}
	srv := httptest.NewServer(x)
	defer srv.Close()
	cache := t.TempDir()
	walk := func() []string {
		t.Helper()
		c, err := index.New(index.Options{Config: index.Config{IndexURL: srv.URL + "/simple"}, Python: "3.11.7", CacheDir: cache})
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		var likely []string
		prov := &IndexProvider{Client: c, LookAhead: env311, Likely: func(f index.File) {
			mu.Lock()
			likely = append(likely, f.Name+"=="+f.Version.String())
			mu.Unlock()
		}}
		prov.Prefetch(context.Background(), reqs(t, "top"))
		prov.Wait()
		slices.Sort(likely)
		return likely
	}
	if got, want := walk(), []string{"leaf==1.0", "mid==2.0", "top==1.0"}; !slices.Equal(got, want) {
		t.Fatalf("likely wheels %v, want %v", got, want)
	}

	// Second walk: top's page is held until mid's and leaf's pages have
	// been asked for, which only the cached pages can lead to.
	x.mu.Lock()
	x.seen = nil
	release := make(chan struct{})
	var once sync.Once
	var timedOut atomic.Bool
	x.hold = func(name string) {
		if name != "top" {
			if p := x.pages(); slices.Contains(p, "mid") && slices.Contains(p, "leaf") {
				once.Do(func() { close(release) })
			}
			return
		}
		select {
		case <-release:
		case <-time.After(5 * time.Second):
			timedOut.Store(true)
		}
	}
	x.mu.Unlock()
	if got := walk(); len(got) != 3 {
		t.Errorf("second walk: likely wheels %v", got)
	}
	if timedOut.Load() {
		t.Errorf("with cached pages, mid's and leaf's pages were not asked for before top's was answered: %v", x.pages())
	}
}
