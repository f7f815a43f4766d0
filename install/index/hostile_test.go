package index

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestStalledBodies checks the read timeout is per 16 KiB, not per read:
// a body trickling faster than the timeout still fails, a silent one too,
// and a large body that arrives promptly does not.
func TestStalledBodies(t *testing.T) {
	page := []byte("<html><body><a href=\"/f/x-1.0-py3-none-any.whl\">x-1.0-py3-none-any.whl</a></body></html>\n")
	cases := []struct {
		name  string
		serve func(w http.ResponseWriter, r *http.Request)
		stall bool
	}{
		{"a byte every 50ms", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusOK)
			for range 200 { // at most 10s
				if _, err := w.Write([]byte(" ")); err != nil {
					return
				}
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
					return
				case <-time.After(50 * time.Millisecond):
				}
			}
		}, true},
		{"silent after the headers", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusOK)
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		}, true},
		{"4 MiB at once", func(w http.ResponseWriter, r *http.Request) {
			w.Write(bytes.Repeat([]byte("<!-- padding -->\n"), 4<<20/17))
			w.Write(page)
		}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(c.serve))
			defer srv.Close()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cl := newClient(t, Options{Config: Config{IndexURL: srv.URL + "/simple"}, Timeout: 300 * time.Millisecond, Retries: -1})
			_, err := cl.Project(ctx, "x")
			if ctx.Err() != nil {
				t.Fatal("the request outlived the test's deadline")
			}
			var te *TimeoutError
			switch {
			case c.stall && !errors.As(err, &te):
				t.Fatalf("err = %v, want a TimeoutError", err)
			case c.stall && !strings.Contains(err.Error(), "300ms, the read timeout"):
				t.Errorf("err = %v", err)
			case !c.stall && err != nil:
				t.Fatalf("err = %v", err)
			}
		})
	}
}

// TestRedirects checks which redirects are followed: within the host and
// port asked, to an allowed host, never elsewhere or from https to http.
func TestRedirects(t *testing.T) {
	page := "<html><body><a href=\"x-1.0-py3-none-any.whl\">x-1.0-py3-none-any.whl</a></body></html>\n"
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(page)) }))
	defer target.Close()
	other := strings.TrimPrefix(target.URL, "http://")
	hop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/simple/x/":
			http.Redirect(w, r, "/moved/x/", http.StatusMovedPermanently)
		case "/moved/x/":
			w.Write([]byte(page))
		case "/away/x/":
			http.Redirect(w, r, target.URL+"/simple/x/", http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	defer hop.Close()
	cases := []struct {
		name, index string
		allow       []string
		want        string // "" follows
	}{
		{"same host", hop.URL + "/simple", nil, ""},
		{"other port", hop.URL + "/away", nil, "redirected to another host, " + other},
		{"other port allowed", hop.URL + "/away", []string{other}, ""},
		{"other host allowed without port", hop.URL + "/away", []string{"127.0.0.1"}, ""},
		{"other port, another allowed", hop.URL + "/away", []string{"127.0.0.1:1"}, "--allow-redirect " + other},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl := newClient(t, Options{Config: Config{IndexURL: c.index}, AllowRedirects: c.allow, Retries: -1})
			p, err := cl.Project(context.Background(), "x")
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("err = %v", err)
			case c.want == "" && len(p.Files) != 1:
				t.Fatalf("files %v", p.Files)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
	t.Run("https to http", func(t *testing.T) {
		tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target.URL+"/simple/x/", http.StatusFound)
		}))
		defer tlsSrv.Close()
		cl := newClient(t, Options{Config: Config{IndexURL: tlsSrv.URL + "/simple"}, Transport: tlsSrv.Client().Transport, AllowRedirects: []string{"127.0.0.1"}, Retries: -1})
		_, err := cl.Project(context.Background(), "x")
		var re *RedirectError
		if !errors.As(err, &re) || !re.Downgrade {
			t.Fatalf("err = %v, want a refused downgrade", err)
		}
	})
}
