package resolve

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pyshim/pyshim/install/index"
)

// TestIndexProvider resolves over a PEP 503 index served on 127.0.0.1
// whose page marks one file yanked and one as needing a newer Python.
func TestIndexProvider(t *testing.T) {
	dir := t.TempDir()
	dists := []memDist{
		{id: "app==1.0", deps: []string{"lib>=1"}},
		{id: "lib==1.0"}, {id: "lib==2.0"}, {id: "lib==3.0", requires: ">=3.12"},
		{id: "pinned==1.0"}, {id: "pinned==1.1"},
	}
	for _, d := range dists {
		writeWheel(t, dir, d)
	}
	page := map[string]string{
		"app": `<a href="/f/app-1.0-py3-none-any.whl">app</a>`,
		// 2.0 is yanked; 3.0's index entry says it needs Python 3.12.
		"lib": `<a href="/f/lib-1.0-py3-none-any.whl">1</a><a href="/f/lib-2.0-py3-none-any.whl" data-yanked="">2</a>` +
			`<a href="/f/lib-3.0-py3-none-any.whl" data-requires-python="&gt;=3.12">3</a>`,
		"pinned": `<a href="/f/pinned-1.0-py3-none-any.whl">1</a><a href="/f/pinned-1.1-py3-none-any.whl" data-yanked="oops">2</a>`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if name, ok := strings.CutPrefix(r.URL.Path, "/simple/"); ok {
			if body, ok := page[strings.TrimSuffix(name, "/")]; ok {
				w.Header().Set("Content-Type", "text/html")
				fmt.Fprint(w, body)
				return
			}
		}
		if fn, ok := strings.CutPrefix(r.URL.Path, "/f/"); ok {
			http.ServeFile(w, r, filepath.Join(dir, filepath.Base(fn)))
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	c, err := index.New(index.Options{Config: index.Config{IndexURL: srv.URL + "/simple"}, Python: "3.11.7", CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	prov := &IndexProvider{Client: c}
	ctx := context.Background()
	res, err := Resolve(ctx, prov, Request{Requirements: reqs(t, "app", "pinned==1.1"), Env: env311})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.String(); got != "app==1.0\nlib==1.0\npinned==1.1\n" {
		t.Errorf("got\n%s", got)
	}
	for _, p := range res.Packages {
		f, err := prov.File(ctx, p.Name, p.Version)
		if err != nil {
			t.Fatal(err)
		}
		path, err := c.Download(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(path); err != nil {
			t.Error(err)
		}
	}
}
