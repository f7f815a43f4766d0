package index

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pyshim/pyshim/internal/fsutil"
)

// errNotFound is a 404 (or 410) from a server.
var errNotFound = errors.New("not found")

// statusError is an HTTP failure status.
type statusError struct {
	url    string
	status string
	code   int
}

func (e *statusError) Error() string { return fmt.Sprintf("GET %s: %s", e.url, e.status) }

func (e *statusError) Unwrap() error {
	if e.code == http.StatusNotFound || e.code == http.StatusGone {
		return errNotFound
	}
	return nil
}

func retryableStatus(code int) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// do sends a request built by mk, within the parallelism bound, retrying
// network errors and retryable statuses with exponential backoff. handle
// reads the response; an error it returns that is not marked permanent is
// retried too (a connection cut mid-body).
func (c *Client) do(ctx context.Context, mk func(context.Context) (*http.Request, error), handle func(*http.Response) error) error {
	return c.doWithin(ctx, c.sem, mk, handle)
}

// doWithin is do within the parallelism bound sem: wheel downloads have
// their own (Client.dlSem), so that the pages and metadata a resolution
// waits on never queue behind large files.
func (c *Client) doWithin(ctx context.Context, sem chan struct{}, mk func(context.Context) (*http.Request, error), handle func(*http.Response) error) error {
	var last error
	delay := c.opts.Backoff
	for attempt := 0; attempt <= c.opts.Retries; attempt++ {
		if attempt > 0 {
			t := time.NewTimer(delay)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
			delay = min(delay*2, 10*time.Second)
		}
		retry, err := c.attempt(ctx, sem, mk, handle)
		if err == nil {
			return nil
		}
		last = err
		if !retry || ctx.Err() != nil {
			break
		}
	}
	return last
}

type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

func (c *Client) attempt(ctx context.Context, sem chan struct{}, mk func(context.Context) (*http.Request, error), handle func(*http.Response) error) (bool, error) {
	select {
	case sem <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-sem }()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, err := mk(ctx)
	if err != nil {
		return false, err
	}
	if c.opts.UserAgent != "" {
		req.Header.Set("User-Agent", c.opts.UserAgent)
	}
	c.count(req)
	resp, err := c.http.Do(req)
	if err != nil {
		var re *RedirectError
		if errors.As(err, &re) {
			return false, re
		}
		return true, err
	}
	body := newStallReader(resp.Body, c.opts.Timeout, cancel, req.URL.Redacted())
	defer body.Close()
	resp.Body = body
	if resp.StatusCode >= 400 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return retryableStatus(resp.StatusCode), &statusError{url: req.URL.Redacted(), status: resp.Status, code: resp.StatusCode}
	}
	if err := handle(resp); err != nil {
		var pe permanentError
		if errors.As(err, &pe) {
			return false, pe.err
		}
		var te *TimeoutError
		if errors.As(err, &te) {
			return true, te // the whole story, without the handler's context
		}
		return true, err
	}
	return false, nil
}

func (c *Client) count(req *http.Request) {
	if c.opts.OnRequest != nil {
		c.opts.OnRequest(req)
	}
}

// stallChunk is how much of a body must arrive within each Timeout: a
// server that trickles (a byte a second) is as stalled as a silent one.
const stallChunk = 16 << 10

// TimeoutError reports a response body that stalled: less than stallChunk
// bytes (or the rest of the body) arrived within the read timeout.
type TimeoutError struct {
	URL     string
	Timeout time.Duration
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("GET %s: less than %d KiB arrived in %s, the read timeout; the server is stalled or too slow (set a longer timeout with --timeout SECONDS or PIP_TIMEOUT)", e.URL, stallChunk>>10, e.Timeout)
}

// stallReader is a response body that cancels its request when less than
// stallChunk bytes arrive within timeout (a timer re-armed every
// stallChunk bytes, not every read: no system call per read).
type stallReader struct {
	r       io.ReadCloser
	timeout time.Duration
	url     string
	timer   *time.Timer
	fired   atomic.Bool
	since   int
}

func newStallReader(r io.ReadCloser, timeout time.Duration, cancel context.CancelFunc, url string) *stallReader {
	s := &stallReader{r: r, timeout: timeout, url: url}
	s.timer = time.AfterFunc(timeout, func() {
		s.fired.Store(true)
		cancel()
	})
	return s
}

func (s *stallReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if s.since += n; s.since >= stallChunk && !s.fired.Load() {
		s.since = 0
		s.timer.Reset(s.timeout)
	}
	if err != nil && err != io.EOF && s.fired.Load() {
		return n, &TimeoutError{URL: s.url, Timeout: s.timeout}
	}
	return n, err
}

func (s *stallReader) Close() error {
	s.timer.Stop()
	return s.r.Close()
}

// RedirectError refuses a redirect to a host other than the one asked
// (see Options.AllowRedirects).
type RedirectError struct {
	URL, To        string
	Host, Redirect string
	Downgrade      bool
}

func (e *RedirectError) Error() string {
	if e.Downgrade {
		return fmt.Sprintf("GET %s: redirected from https to plain http (%s); pyshim does not follow that", e.URL, e.To)
	}
	return fmt.Sprintf("GET %s: redirected to another host, %s (%s), not %s; pyshim follows redirects only within the host asked; to follow this one pass --allow-redirect %s", e.URL, e.Redirect, e.To, e.Host, e.Redirect)
}

// hostPort is u's host:port in lower case, with the scheme's default port
// made explicit: a "host" for redirects is a host and port.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if strings.EqualFold(u.Scheme, "https") {
			port = "443"
		}
	}
	return strings.ToLower(net.JoinHostPort(u.Hostname(), port))
}

// checkRedirect follows a redirect within the first request's host:port,
// or to a host Options.AllowRedirects names, never from https to http.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	first := via[0].URL
	if strings.EqualFold(first.Scheme, "https") && !strings.EqualFold(req.URL.Scheme, "https") {
		return &RedirectError{URL: first.Redacted(), To: req.URL.Redacted(), Downgrade: true}
	}
	from, to := hostPort(first), hostPort(req.URL)
	if from == to {
		return nil
	}
	for _, a := range c.opts.AllowRedirects {
		a = strings.ToLower(strings.TrimSpace(a))
		if a == to || a == strings.ToLower(req.URL.Hostname()) {
			return nil
		}
	}
	shown := strings.ToLower(req.URL.Host)
	if shown == "" {
		shown = to
	}
	return &RedirectError{URL: first.Redacted(), To: req.URL.Redacted(), Host: strings.ToLower(first.Host), Redirect: shown}
}

// cacheMeta is what the HTTP cache keeps beside a body.
type cacheMeta struct {
	URL          string `json:"url"`
	FinalURL     string `json:"final_url"`
	ContentType  string `json:"content_type"`
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
}

func (c *Client) cachePath(kind, key string) string {
	sum := sha256.Sum256([]byte(key))
	h := hex.EncodeToString(sum[:])
	return filepath.Join(c.opts.CacheDir, "http-v1", kind, h[:2], h)
}

// writeAtomic writes data to path through a temporary file in the same
// directory, so concurrent readers see the old or the new file, whole. The
// file is 0600 (os.CreateTemp's mode), its new directories 0700.
func writeAtomic(path string, data []byte) error {
	if err := fsutil.MkdirAllPrivate(filepath.Dir(path)); err != nil {
		return err
	}
	f, err := createTemp(filepath.Dir(path))
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	return fsutil.Commit(filepath.Dir(path), func() error {
		if err := f.Close(); err != nil {
			os.Remove(f.Name())
			return err
		}
		if err := os.Rename(f.Name(), path); err != nil {
			os.Remove(f.Name())
			return err
		}
		return nil
	})
}

// page is a fetched index or find-links page.
type page struct {
	body        []byte
	contentType string
	url         string // final URL, for resolving relative links
}

// errNotCached is cachedPage's answer for a page the cache lacks.
var errNotCached = errors.New("not in the cache")

// pagePaths are where the cache keeps a page's metadata and body.
func (c *Client) pagePaths(url, accept string) (metaPath, bodyPath string) {
	p := c.cachePath("pages", accept+" "+url)
	return p + ".json", p + ".body"
}

// readCachedPage returns the cached copy of a page, if any.
func (c *Client) readCachedPage(url, accept string) (*cacheMeta, []byte, bool) {
	if c.opts.CacheDir == "" {
		return nil, nil, false
	}
	metaPath, bodyPath := c.pagePaths(url, accept)
	// Another user's cache entry is a miss; writing the page again
	// replaces it (temp file and rename).
	b, err := fsutil.ReadFileOwned(metaPath)
	if err != nil {
		return nil, nil, false
	}
	var m cacheMeta
	if json.Unmarshal(b, &m) != nil || m.URL != url {
		return nil, nil, false
	}
	body, err := fsutil.ReadFileOwned(bodyPath)
	if err != nil {
		return nil, nil, false
	}
	return &m, body, true
}

// cachedPage is the cached copy of a page as it is, not revalidated.
func (c *Client) cachedPage(url, accept string) (*page, error) {
	meta, body, ok := c.readCachedPage(url, accept)
	if !ok {
		return nil, errNotCached
	}
	return &page{body: body, contentType: meta.ContentType, url: meta.FinalURL}, nil
}

// getPage fetches a page that may change, revalidating a cached copy with
// If-None-Match / If-Modified-Since.
func (c *Client) getPage(ctx context.Context, url, accept string) (*page, error) {
	meta, cached, _ := c.readCachedPage(url, accept)
	var metaPath, bodyPath string
	if c.opts.CacheDir != "" {
		metaPath, bodyPath = c.pagePaths(url, accept)
	}
	var out *page
	err := c.do(ctx, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return nil, permanentError{err}
		}
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		if meta != nil {
			if meta.ETag != "" {
				req.Header.Set("If-None-Match", meta.ETag)
			}
			if meta.LastModified != "" {
				req.Header.Set("If-Modified-Since", meta.LastModified)
			}
		}
		return req, nil
	}, func(resp *http.Response) error {
		if resp.StatusCode == http.StatusNotModified && meta != nil {
			out = &page{body: cached, contentType: meta.ContentType, url: meta.FinalURL}
			return nil
		}
		if resp.StatusCode != http.StatusOK {
			return permanentError{fmt.Errorf("GET %s: unexpected %s", url, resp.Status)}
		}
		limit := c.opts.MaxPageSize
		if resp.ContentLength > limit {
			return permanentError{&TooLargeError{What: "the page " + url, Limit: limit}}
		}
		body, err := readLimited(resp.Body, limit, "the page "+url)
		var tl *TooLargeError
		if errors.As(err, &tl) {
			return permanentError{err}
		}
		if err != nil {
			return fmt.Errorf("reading %s: %w", url, err)
		}
		out = &page{body: body, contentType: resp.Header.Get("Content-Type"), url: resp.Request.URL.String()}
		if metaPath != "" {
			m := cacheMeta{URL: url, FinalURL: out.url, ContentType: out.contentType,
				ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}
			if m.ETag != "" || m.LastModified != "" {
				mb, _ := json.Marshal(m)
				// The cache is an optimisation: failing to write it is not an error.
				if writeAtomic(bodyPath, body) == nil {
					_ = writeAtomic(metaPath, mb)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// createTemp creates a temporary file ".tmp-*" in dir, locked for as long
// as it is open, after removing the ones killed processes left there.
func createTemp(dir string) (*os.File, error) {
	fsutil.RemoveStale(dir, func(name string) bool { return strings.HasPrefix(name, ".tmp-") })
	return fsutil.CreateTempLocked(dir, ".tmp-*")
}
