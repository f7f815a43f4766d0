package index

import (
	"encoding/json"
	"maps"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// pageFuzzURL is the URL the fuzzed pages are served from.
const pageFuzzURL = "https://idx.example/simple/pkg/"

// FuzzParseHTML: a PEP 503 page of any content yields links whose hrefs
// are absolute URLs without a fragment, whose hashes name algorithms we
// know, and which say the same thing once written as a PEP 691 JSON page
// and read back (when their text is UTF-8, which JSON needs).
func FuzzParseHTML(f *testing.F) {
	for _, s := range []string{
		`<!DOCTYPE html><html><body><a href="../../packages/a-1.0-py3-none-any.whl#sha256=ABC" data-requires-python="&gt;=3.8" data-core-metadata="sha256=DEF">a-1.0-py3-none-any.whl</a><br/></body></html>`,
		`<base href="https://files.example/x/"><a href='b-2.0.tar.gz#md5=00' data-yanked="">b</a><a href=c-1.whl data-dist-info-metadata=true>c</a>`,
		`<!-- <a href="nope"> --><A HREF="/d-1.whl#sha1=1&sha256=2" DATA-YANKED="broken">d</A>`,
		`<a href="%2e%2e/e%20f-1.whl">`,
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		links := parseHTML(body, pageFuzzURL)
		type jf struct {
			Filename       string            `json:"filename"`
			URL            string            `json:"url"`
			Hashes         map[string]string `json:"hashes"`
			RequiresPython string            `json:"requires-python,omitempty"`
			Yanked         any               `json:"yanked,omitempty"`
			CoreMetadata   any               `json:"core-metadata,omitempty"`
		}
		var files []jf
		for _, l := range links {
			u, err := url.Parse(l.href)
			if err != nil || !u.IsAbs() {
				t.Fatalf("href %q is not an absolute URL (%v)", l.href, err)
			}
			if u.Fragment != "" {
				t.Fatalf("href %q keeps a fragment", l.href)
			}
			for _, h := range []map[string]string{l.hashes, l.metadataHashes} {
				for k, v := range h {
					if !knownHash(k) || v != strings.ToLower(v) {
						t.Fatalf("hash %s=%s: unknown algorithm or not lower-case", k, v)
					}
				}
			}
			if !l.yanked && l.yankedReason != "" {
				t.Fatalf("a yank reason %q without a yank", l.yankedReason)
			}
			if !l.metadata && len(l.metadataHashes) > 0 {
				t.Fatal("metadata hashes without metadata")
			}
			j := jf{Filename: l.filename, URL: l.href, Hashes: l.hashes, RequiresPython: l.requiresPython}
			if l.yanked {
				j.Yanked = l.yankedReason
			}
			if l.metadata {
				j.CoreMetadata = true
				if len(l.metadataHashes) > 0 {
					j.CoreMetadata = l.metadataHashes
				}
			}
			files = append(files, j)
		}
		body2, err := json.Marshal(map[string]any{"meta": map[string]string{"api-version": "1.1"}, "files": files})
		if err != nil {
			t.Fatal(err)
		}
		raws, err := parseJSON(&page{body: body2, url: pageFuzzURL})
		if err != nil {
			t.Fatalf("our own JSON page does not parse: %v", err)
		}
		if len(raws) != len(links) {
			t.Fatalf("%d links became %d JSON files", len(links), len(raws))
		}
		for i, r := range raws {
			want := links[i].rawFile()
			text := want.filename + want.url + want.requiresPython + want.yankedReason
			for _, h := range []map[string]string{want.hashes, want.metadataHashes} {
				for k, v := range h {
					text += k + v
				}
			}
			if !utf8.ValidString(text) {
				continue // JSON has no way to carry it
			}
			if want.hashes == nil {
				want.hashes = map[string]string{}
			}
			if r.filename != want.filename || r.url != want.url || r.requiresPython != want.requiresPython ||
				r.yanked != want.yanked || r.yankedReason != want.yankedReason || r.metadata != want.metadata ||
				!maps.Equal(r.hashes, want.hashes) || !maps.Equal(r.metadataHashes, want.metadataHashes) {
				t.Fatalf("HTML link %+v reads back from JSON as %+v", want, r)
			}
		}
	})
}

// FuzzParseJSON: a PEP 691 page of any content parses or fails with a
// one-line error; what parses has absolute URLs without a fragment, a
// file name, lower-case hash names and values, and parses the same again.
func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{
		`{"meta":{"api-version":"1.1"},"name":"a","files":[{"filename":"a-1.0-py3-none-any.whl","url":"../../a-1.0-py3-none-any.whl","hashes":{"SHA256":"ABC"},"requires-python":">=3.8","core-metadata":{"sha256":"def"},"yanked":false}],"versions":["1.0"]}`,
		`{"meta":{"api-version":"1.0"},"files":[{"filename":"b-2.tar.gz","url":"https://f.example/b-2.tar.gz#sha256=00","hashes":{},"yanked":"bad build","dist-info-metadata":true}]}`,
		`{"meta":{"api-version":"2.0"},"files":[]}`,
		`{"files":[{"url":"c-1.whl","core-metadata":null,"dist-info-metadata":{"md5":"X"}}]}`,
		`[]`,
		``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		raws, err := parseJSON(&page{body: body, url: pageFuzzURL})
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error with a newline: %q", err)
			}
			return
		}
		for _, r := range raws {
			u, err := url.Parse(r.url)
			if err != nil || !u.IsAbs() || u.Fragment != "" {
				t.Fatalf("url %q: not absolute, or keeps a fragment (%v)", r.url, err)
			}
			if r.filename == "" {
				t.Fatalf("no file name for %q", r.url)
			}
			for _, h := range []map[string]string{r.hashes, r.metadataHashes} {
				for k, v := range h {
					if k != strings.ToLower(k) || v != strings.ToLower(v) {
						t.Fatalf("hash %s=%s not lower-case", k, v)
					}
				}
			}
		}
		again, err := parseJSON(&page{body: body, url: pageFuzzURL})
		if err != nil || len(again) != len(raws) {
			t.Fatalf("second parse differs: %v", err)
		}
	})
}
