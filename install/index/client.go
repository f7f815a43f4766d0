package index

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"mime"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pyshim/pyshim/install/pep440"
	"github.com/pyshim/pyshim/install/pep508"
	"github.com/pyshim/pyshim/install/tags"
)

// Accept is the Accept header sent to simple APIs: PEP 691 JSON preferred,
// PEP 503 HTML accepted.
const Accept = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"

// DefaultTimeout is pip's default --timeout.
const DefaultTimeout = 15 * time.Second

// DefaultMaxPageSize bounds an index page: PyPI's largest simple pages
// (projects with thousands of files) are a few MiB.
const DefaultMaxPageSize = 32 << 20

// Options configure a Client.
type Options struct {
	Config
	// CacheDir holds the HTTP cache and downloaded wheels; "" disables the
	// cache (and Download).
	CacheDir string
	// Supported are the target's compatible tags, best first; wheels with
	// none of them are skipped. Nil accepts every wheel.
	Supported []tags.Tag
	// Python is the target's full Python version ("3.11.7"); files whose
	// requires-python excludes it are skipped. "" skips the check.
	Python string
	// Timeout bounds connecting, waiting for response headers, and each
	// 16 KiB of a response body (or its rest) of one attempt: a stalled or
	// trickling server fails with a TimeoutError (default 15s, pip's
	// --timeout).
	Timeout time.Duration
	// MaxPageSize bounds an index or find-links page (default
	// DefaultMaxPageSize); a larger one fails with a TooLargeError.
	MaxPageSize int64
	// AllowRedirects are the hosts ("host", any port, or "host:port")
	// a redirect may lead to besides the host:port first asked; others
	// fail with a RedirectError. A redirect from https to http never is.
	AllowRedirects []string
	// Retries is how many times a failed request is retried (default 3;
	// negative means none).
	Retries int
	// Backoff is the delay before the first retry, doubled each time
	// (default 250ms).
	Backoff time.Duration
	// Parallel bounds concurrent requests for pages and metadata, and
	// separately concurrent wheel downloads (default 8 each).
	Parallel int
	// UserAgent is sent when set.
	UserAgent string
	// Transport replaces the default HTTP transport (tests, proxies).
	Transport http.RoundTripper
	// OnRequest, when set, is called before every request is sent.
	OnRequest func(*http.Request)
	// WholeWheels reads the metadata of a wheel that has no PEP 658 file
	// from the whole wheel, downloaded into the cache (as pip does), rather
	// than through range requests: for an install, which needs the chosen
	// wheels anyway and then finds them downloaded.
	WholeWheels bool
	// Sdists makes source distributions candidates too (for an installer
	// that can build them), after every wheel of the same version; Formats
	// then says whose wheels and sdists may be used.
	Sdists  bool
	Formats Formats
}

// Client finds and fetches wheels. It is safe for concurrent use; project
// pages are fetched once per Client.
type Client struct {
	opts Options
	http *http.Client
	// sem bounds concurrent requests for pages and metadata, dlSem
	// concurrent wheel downloads.
	sem, dlSem chan struct{}
	supported  *tags.Supported
	python     *pep440.Version

	mu        sync.Mutex
	projects  map[string]*call[*Project]
	downloads map[string]*call[string]
	metadata  map[string]*call[[]byte]
	findLinks *call[[]link]
}

// call is one in-flight or finished computation shared by callers.
type call[T any] struct {
	done chan struct{}
	val  T
	err  error
}

// New makes a Client.
func New(opts Options) (*Client, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxPageSize <= 0 {
		opts.MaxPageSize = DefaultMaxPageSize
	}
	if opts.Retries == 0 {
		opts.Retries = 3
	} else if opts.Retries < 0 {
		opts.Retries = 0
	}
	if opts.Backoff <= 0 {
		opts.Backoff = 250 * time.Millisecond
	}
	if opts.Parallel <= 0 {
		opts.Parallel = 8
	}
	tr := opts.Transport
	if tr == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.DialContext = (&net.Dialer{Timeout: opts.Timeout, KeepAlive: 30 * time.Second}).DialContext
		t.TLSHandshakeTimeout = opts.Timeout
		t.ResponseHeaderTimeout = opts.Timeout
		t.MaxIdleConnsPerHost = opts.Parallel
		tr = t
	}
	c := &Client{
		opts:      opts,
		sem:       make(chan struct{}, opts.Parallel),
		dlSem:     make(chan struct{}, opts.Parallel),
		projects:  map[string]*call[*Project]{},
		downloads: map[string]*call[string]{},
		metadata:  map[string]*call[[]byte]{},
	}
	c.http = &http.Client{Transport: tr, CheckRedirect: c.checkRedirect}
	if opts.Supported != nil {
		c.supported = tags.NewSupported(opts.Supported)
	}
	if opts.Python != "" {
		v, err := pep440.Parse(opts.Python)
		if err != nil {
			return nil, fmt.Errorf("target Python version: %w", err)
		}
		c.python = &v
	}
	for _, u := range opts.Indexes() {
		if _, err := url.Parse(u); err != nil {
			return nil, fmt.Errorf("index URL %q: %w", u, err)
		}
	}
	return c, nil
}

// File is one wheel (or, with Options.Sdists, source distribution) a
// source offers.
type File struct {
	// Filename is the file's name.
	Filename string
	// URL is where to get it (http(s) or file), without the hash fragment.
	URL string
	// Hashes maps algorithm names ("sha256") to hex digests, from the URL
	// fragment or the JSON "hashes".
	Hashes map[string]string
	// RequiresPython is the data-requires-python / requires-python value.
	RequiresPython string
	// Yanked is PEP 592's flag; YankedReason its text, if any.
	Yanked       bool
	YankedReason string
	// MetadataURL is the PEP 658 metadata file, "" when not offered;
	// MetadataHashes are its hashes.
	MetadataURL    string
	MetadataHashes map[string]string
	// Name is the project's normalised name, Version the wheel's version.
	Name    string
	Version pep440.Version
	// Tags are the wheel's tags; Rank is the best rank among them in the
	// target's supported list (0 is best; 0 when no list was given).
	Tags []tags.Tag
	Rank int
	// Source is the index or find-links location that listed it.
	Source string
	// Sdist is true for a source distribution: it has no Tags, and its
	// Rank is after every wheel's.
	Sdist bool

	build buildTag
}

// Skipped is a file that was not a candidate and why.
type Skipped struct {
	Filename string
	Source   string
	Reason   string
}

// Project is what the sources offer for one project.
type Project struct {
	Name string
	// Files are the candidate wheels: newest version first, then best tag,
	// then highest build number, then source order.
	Files []File
	// Skipped lists source distributions, incompatible wheels and files
	// excluded by requires-python.
	Skipped []Skipped
}

// Project lists the wheels of a project from every source. Concurrent and
// repeated calls for one project share one fetch.
func (c *Client) Project(ctx context.Context, name string) (*Project, error) {
	name = pep508.NormalizeName(name)
	return shared(ctx, &c.mu, c.projects, name, func() (*Project, error) { return c.fetchProject(ctx, name, false) })
}

// CachedProject is Project from the pages in the cache as they are, with
// no request: possibly stale, without find-links sources, and ok false
// when an index page is not cached. It is for guessing ahead (see
// resolve.IndexProvider), never for choosing.
func (c *Client) CachedProject(ctx context.Context, name string) (p *Project, ok bool) {
	p, err := c.fetchProject(ctx, pep508.NormalizeName(name), true)
	return p, err == nil
}

// shared runs fetch once for key among concurrent and later callers, who
// all get its result, while each waits only as long as its own ctx allows.
// A result cut short by the fetching caller's cancellation is not
// remembered: a later call tries again.
func shared[T any](ctx context.Context, mu *sync.Mutex, calls map[string]*call[T], key string, fetch func() (T, error)) (T, error) {
	mu.Lock()
	cl, ok := calls[key]
	if !ok {
		cl = &call[T]{done: make(chan struct{})}
		calls[key] = cl
	}
	mu.Unlock()
	if !ok {
		cl.val, cl.err = fetch()
		if cl.err != nil && ctx.Err() != nil {
			mu.Lock()
			delete(calls, key)
			mu.Unlock()
		}
		close(cl.done)
	}
	select {
	case <-cl.done:
		return cl.val, cl.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// Prefetch starts fetching the pages of projects in the background.
func (c *Client) Prefetch(ctx context.Context, names []string) {
	for _, n := range names {
		go func() { _, _ = c.Project(ctx, n) }()
	}
}

// rawFile is a link before it is checked.
type rawFile struct {
	filename, url, requiresPython, yankedReason string
	hashes, metadataHashes                      map[string]string
	yanked, metadata                            bool
	source                                      string
}

// fetchProject reads the pages of a project; cachedOnly reads the cached
// index pages alone (see CachedProject).
func (c *Client) fetchProject(ctx context.Context, name string, cachedOnly bool) (*Project, error) {
	indexes := c.opts.Indexes()
	results := make([][]rawFile, len(indexes)+1)
	errs := make([]error, len(indexes)+1)
	var wg sync.WaitGroup
	for i, base := range indexes {
		if cachedOnly {
			results[i], errs[i] = c.indexFiles(ctx, base, name, true)
			continue
		}
		wg.Go(func() { results[i], errs[i] = c.indexFiles(ctx, base, name, false) })
	}
	wg.Go(func() {
		if cachedOnly {
			return
		}
		links, err := c.findLinkPages(ctx)
		if err != nil {
			errs[len(indexes)] = err
			return
		}
		for _, l := range links {
			results[len(indexes)] = append(results[len(indexes)], l.rawFile())
		}
	})
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	p := &Project{Name: name}
	seen := map[string]bool{}
	for _, list := range results {
		for _, rf := range list {
			if seen[rf.url] {
				continue
			}
			seen[rf.url] = true
			c.consider(p, rf)
		}
	}
	slices.SortStableFunc(p.Files, func(a, b File) int {
		if d := b.Version.Compare(a.Version); d != 0 {
			return d
		}
		if a.Rank != b.Rank {
			return a.Rank - b.Rank
		}
		return b.build.compare(a.build)
	})
	return p, nil
}

// consider adds rf to p.Files or p.Skipped.
func (c *Client) consider(p *Project, rf rawFile) {
	skip := func(why string) { p.Skipped = append(p.Skipped, Skipped{rf.filename, rf.source, why}) }
	if !strings.HasSuffix(strings.ToLower(rf.filename), ".whl") {
		if n, ok := sdistName(rf.filename); ok {
			if pep508.NormalizeName(n) == p.Name || strings.HasPrefix(pep508.NormalizeName(n), p.Name+"-") {
				c.considerSdist(p, rf, n, skip)
			}
		}
		return
	}
	if !c.opts.Formats.Wheel(p.Name) {
		if strings.HasPrefix(pep508.NormalizeName(rf.filename), p.Name+"-") {
			skip("wheel; --no-binary excludes wheels of " + p.Name)
		}
		return
	}
	wf, err := parseWheelName(rf.filename)
	if err != nil {
		if strings.HasPrefix(pep508.NormalizeName(rf.filename), p.Name+"-") {
			skip(err.Error())
		}
		return
	}
	if pep508.NormalizeName(wf.name) != p.Name {
		return // find-links list every project's files
	}
	f := File{Filename: rf.filename, URL: rf.url, Hashes: rf.hashes, RequiresPython: rf.requiresPython,
		Yanked: rf.yanked, YankedReason: rf.yankedReason, Name: p.Name, Version: wf.version, Tags: wf.tags,
		Source: rf.source, build: wf.build}
	if rf.metadata {
		f.MetadataURL, f.MetadataHashes = rf.url+".metadata", rf.metadataHashes
	}
	if c.supported != nil {
		rank, ok := c.supported.Best(wf.tags)
		if !ok {
			skip("no tag compatible with the target")
			return
		}
		f.Rank = rank
	}
	if c.python != nil && strings.TrimSpace(rf.requiresPython) != "" {
		spec, err := pep440.ParseSpecifierSet(rf.requiresPython)
		if err == nil && !spec.Contains(*c.python, true) {
			skip(fmt.Sprintf("requires Python %s", rf.requiresPython))
			return
		}
	}
	p.Files = append(p.Files, f)
}

// considerSdist adds the source distribution rf, whose name without its
// extension is stem, to p.Files when sdists are wanted.
func (c *Client) considerSdist(p *Project, rf rawFile, stem string, skip func(string)) {
	switch {
	case !c.opts.Sdists:
		skip("source distribution; only wheels are installed")
		return
	case !c.opts.Formats.Sdist(p.Name):
		skip("source distribution; --only-binary excludes building " + p.Name)
		return
	}
	v, ok := sdistVersion(stem, p.Name)
	if !ok {
		skip("source distribution whose name has no version")
		return
	}
	if c.python != nil && strings.TrimSpace(rf.requiresPython) != "" {
		spec, err := pep440.ParseSpecifierSet(rf.requiresPython)
		if err == nil && !spec.Contains(*c.python, true) {
			skip(fmt.Sprintf("requires Python %s", rf.requiresPython))
			return
		}
	}
	f := File{Filename: rf.filename, URL: rf.url, Hashes: rf.hashes, RequiresPython: rf.requiresPython,
		Yanked: rf.yanked, YankedReason: rf.yankedReason, Name: p.Name, Version: v, Source: rf.source, Sdist: true, Rank: math.MaxInt32}
	p.Files = append(p.Files, f)
}

// sdistVersion finds the version in an sdist's stem ("foo-bar-1.0") of
// project (normalised): the part after the first hyphen at which the name
// so far normalises to project.
func sdistVersion(stem, project string) (pep440.Version, bool) {
	for i := 0; i < len(stem); i++ {
		if stem[i] != '-' || pep508.NormalizeName(stem[:i]) != project {
			continue
		}
		if v, err := pep440.Parse(stem[i+1:]); err == nil {
			return v, true
		}
	}
	return pep440.Version{}, false
}

// indexFiles reads one simple API's page for a project; a 404 is no files.
func (c *Client) indexFiles(ctx context.Context, base, name string, cachedOnly bool) ([]rawFile, error) {
	u := strings.TrimRight(base, "/") + "/" + name + "/"
	if loc, ok := localPath(u); ok {
		return c.localIndexFiles(loc, u)
	}
	var pg *page
	var err error
	if cachedOnly {
		pg, err = c.cachedPage(u, Accept)
	} else {
		pg, err = c.getPage(ctx, u, Accept)
	}
	if errors.Is(err, errNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the index page of %s: %w", name, err)
	}
	files, err := parsePage(pg)
	if err != nil {
		return nil, fmt.Errorf("reading the index page of %s at %s: %w", name, u, err)
	}
	for i := range files {
		files[i].source = base
	}
	return files, nil
}

// localIndexFiles reads a file:// simple index (a directory tree of
// index.html files, as repack_wheels.py and pip's file indexes have).
func (c *Client) localIndexFiles(dir, u string) ([]rawFile, error) {
	b, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the index page %s: %w", u, err)
	}
	files, err := parsePage(&page{body: b, contentType: "text/html", url: u})
	for i := range files {
		files[i].source = u
	}
	return files, err
}

// parsePage decodes a simple API page by its content type.
func parsePage(pg *page) ([]rawFile, error) {
	mt, _, _ := mime.ParseMediaType(pg.contentType)
	switch mt {
	case "application/vnd.pypi.simple.v1+json", "application/vnd.pypi.simple.latest+json":
		return parseJSON(pg)
	case "application/vnd.pypi.simple.v1+html", "application/vnd.pypi.simple.latest+html", "text/html", "":
		var out []rawFile
		for _, l := range parseHTML(string(pg.body), pg.url) {
			out = append(out, l.rawFile())
		}
		return out, nil
	}
	return nil, fmt.Errorf("unsupported content type %q", pg.contentType)
}

type jsonPage struct {
	Meta struct {
		APIVersion string `json:"api-version"`
	} `json:"meta"`
	Files []struct {
		Filename         string            `json:"filename"`
		URL              string            `json:"url"`
		Hashes           map[string]string `json:"hashes"`
		RequiresPython   string            `json:"requires-python"`
		Yanked           json.RawMessage   `json:"yanked"`
		CoreMetadata     json.RawMessage   `json:"core-metadata"`
		DistInfoMetadata json.RawMessage   `json:"dist-info-metadata"`
	} `json:"files"`
}

func parseJSON(pg *page) ([]rawFile, error) {
	var jp jsonPage
	if err := json.Unmarshal(pg.body, &jp); err != nil {
		return nil, jsonPageError(err)
	}
	if major, _, _ := strings.Cut(jp.Meta.APIVersion, "."); major != "" && major != "1" {
		return nil, fmt.Errorf("unsupported simple API version %s", jp.Meta.APIVersion)
	}
	base, err := url.Parse(pg.url)
	if err != nil {
		return nil, fmt.Errorf("page URL %q: %w", pg.url, err)
	}
	var out []rawFile
	for _, f := range jp.Files {
		u, err := base.Parse(f.URL)
		if err != nil {
			continue
		}
		rf := rawFile{filename: f.Filename, requiresPython: f.RequiresPython, hashes: map[string]string{}}
		rf.url, rf.hashes = splitHash(u)
		for k, v := range f.Hashes {
			rf.hashes[strings.ToLower(k)] = strings.ToLower(v)
		}
		rf.yanked, rf.yankedReason = jsonYanked(f.Yanked)
		md := f.CoreMetadata
		if len(md) == 0 || string(md) == "null" {
			md = f.DistInfoMetadata
		}
		rf.metadata, rf.metadataHashes = jsonMetadata(md)
		if rf.filename == "" {
			rf.filename = path.Base(u.Path)
		}
		out = append(out, rf)
	}
	return out, nil
}

// jsonPageError says what is wrong with a page that does not decode as
// PEP 691 JSON, in the page's terms rather than Go's.
func jsonPageError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		what := "the page"
		if te.Field != "" {
			what = "its field " + strconv.Quote(te.Field)
		}
		return fmt.Errorf("not a valid PEP 691 JSON page: %s is a JSON %s, where the API has %s", what, te.Value, jsonKind(te.Type))
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("not a valid PEP 691 JSON page: %v (at byte %d)", err, se.Offset)
	}
	return fmt.Errorf("not a valid PEP 691 JSON page: %v", err)
}

// jsonKind names the JSON type that decodes into t.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Bool:
		return "a boolean"
	}
	return "a " + t.Kind().String()
}

func jsonYanked(raw json.RawMessage) (bool, string) {
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b, ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return true, s
	}
	return false, ""
}

func jsonMetadata(raw json.RawMessage) (bool, map[string]string) {
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b, nil
	}
	var h map[string]string
	if json.Unmarshal(raw, &h) == nil && h != nil {
		return true, lowerKeys(h)
	}
	return false, nil
}

func lowerKeys(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[strings.ToLower(k)] = strings.ToLower(v)
	}
	return out
}

// splitHash removes a "#sha256=…" fragment from u and returns it as hashes.
func splitHash(u *url.URL) (string, map[string]string) {
	h := map[string]string{}
	if u.Fragment != "" {
		for _, part := range strings.Split(u.Fragment, "&") {
			if k, v, ok := strings.Cut(part, "="); ok && knownHash(strings.ToLower(k)) {
				h[strings.ToLower(k)] = strings.ToLower(v)
			}
		}
	}
	v := *u
	v.Fragment, v.RawFragment = "", ""
	return v.String(), h
}

// localPath reports a file:// URL's path.
func localPath(u string) (string, bool) {
	pu, err := url.Parse(u)
	if err != nil || pu.Scheme != "file" {
		return "", false
	}
	return filepath.FromSlash(pu.Path), true
}

// findLinkPages reads every find-links location once per Client.
func (c *Client) findLinkPages(ctx context.Context) ([]link, error) {
	if len(c.opts.FindLinks) == 0 {
		return nil, nil
	}
	c.mu.Lock()
	cl := c.findLinks
	first := cl == nil
	if first {
		cl = &call[[]link]{done: make(chan struct{})}
		c.findLinks = cl
	}
	c.mu.Unlock()
	if first {
		for _, loc := range c.opts.FindLinks {
			ls, err := c.findLinksAt(ctx, loc)
			if err != nil {
				cl.err = err
				break
			}
			cl.val = append(cl.val, ls...)
		}
		if cl.err != nil && ctx.Err() != nil {
			c.mu.Lock()
			c.findLinks = nil
			c.mu.Unlock()
		}
		close(cl.done)
	}
	select {
	case <-cl.done:
		return cl.val, cl.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (c *Client) findLinksAt(ctx context.Context, loc string) ([]link, error) {
	p, isLocal := localPath(loc)
	if !isLocal && !strings.Contains(loc, "://") {
		p, isLocal = loc, true
	}
	if !isLocal {
		pg, err := c.getPage(ctx, loc, "text/html")
		if err != nil {
			return nil, fmt.Errorf("reading find-links page: %w", err)
		}
		ls := parseHTML(string(pg.body), pg.url)
		for i := range ls {
			ls[i].source = loc
		}
		return ls, nil
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return nil, fmt.Errorf("find-links %s: %w", loc, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("find-links location: %w", err)
	}
	base := (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
	if !st.IsDir() {
		b, err := os.ReadFile(abs)
		if err != nil {
			return nil, fmt.Errorf("find-links page: %w", err)
		}
		ls := parseHTML(string(b), base)
		for i := range ls {
			ls[i].source = loc
		}
		return ls, nil
	}
	ents, err := os.ReadDir(abs)
	if err != nil {
		return nil, fmt.Errorf("find-links directory: %w", err)
	}
	var out []link
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		u := (&url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Join(abs, e.Name()))}).String()
		out = append(out, link{href: u, filename: e.Name(), source: loc, hashes: map[string]string{}})
	}
	return out, nil
}

// sdistName returns the name-version part of a source distribution file
// name.
func sdistName(fn string) (string, bool) {
	lower := strings.ToLower(fn)
	for _, ext := range []string{".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".tar", ".zip"} {
		if strings.HasSuffix(lower, ext) {
			return fn[:len(fn)-len(ext)], true
		}
	}
	return "", false
}
