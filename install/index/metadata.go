package index

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/pyshim/pyshim/install/pep440"
	"github.com/pyshim/pyshim/install/pep508"
	"github.com/pyshim/pyshim/install/wheel"
	"github.com/pyshim/pyshim/internal/fsutil"
)

// Metadata is the part of a distribution's core metadata (METADATA) that
// resolution needs.
type Metadata struct {
	Name           string
	Version        string
	RequiresDist   []*pep508.Requirement
	RequiresPython pep440.SpecifierSet
	ProvidesExtra  []string
}

// ParseMetadata parses core metadata: RFC 822 style headers up to the
// first blank line, continuation lines folded.
func ParseMetadata(b []byte) (*Metadata, error) {
	md := &Metadata{}
	var key, val string
	flush := func() error {
		if key == "" {
			return nil
		}
		v := strings.TrimSpace(val)
		switch strings.ToLower(key) {
		case "name":
			md.Name = v
		case "version":
			md.Version = v
		case "requires-python":
			s, err := pep440.ParseSpecifierSet(v)
			if err != nil {
				return fmt.Errorf("Requires-Python %q: %w", v, err)
			}
			md.RequiresPython = s
		case "requires-dist":
			r, err := pep508.ParseRequirement(v)
			if err != nil {
				return fmt.Errorf("Requires-Dist %q: %w", v, errors.New(firstLine(err.Error())))
			}
			md.RequiresDist = append(md.RequiresDist, r)
		case "provides-extra":
			md.ProvidesExtra = append(md.ProvidesExtra, pep508.NormalizeName(v))
		}
		key, val = "", ""
		return nil
	}
	// Only the headers are read: the description after them can be long.
	for rest := b; len(rest) > 0; {
		var raw []byte
		raw, rest, _ = bytes.Cut(rest, []byte("\n"))
		line := strings.TrimSuffix(string(raw), "\r")
		if line == "" {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			val += " " + strings.TrimSpace(line)
			continue
		}
		if err := flush(); err != nil {
			return nil, err
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		key, val = k, v
	}
	if err := flush(); err != nil {
		return nil, err
	}
	if md.Name == "" || md.Version == "" {
		return nil, errors.New("metadata has no Name or Version")
	}
	return md, nil
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// Metadata returns the parsed metadata of a wheel, checked against the
// file's name and version.
func (c *Client) Metadata(ctx context.Context, f File) (*Metadata, error) {
	b, err := c.MetadataFile(ctx, f)
	if err != nil {
		return nil, err
	}
	md, err := ParseMetadata(b)
	if err != nil {
		return nil, fmt.Errorf("metadata of %s: %w", f.Filename, err)
	}
	if pep508.NormalizeName(md.Name) != f.Name {
		return nil, fmt.Errorf("metadata of %s names the project %q", f.Filename, md.Name)
	}
	if v, err := pep440.Parse(md.Version); err != nil || !v.Equal(f.Version) {
		return nil, fmt.Errorf("metadata of %s has version %q", f.Filename, md.Version)
	}
	return md, nil
}

// fileKey identifies a file's content: its URL and published hashes.
func fileKey(u string, hashes map[string]string) string {
	keys := make([]string, 0, len(hashes))
	for k := range hashes {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteString(u)
	for _, k := range keys {
		b.WriteString(" " + k + "=" + hashes[k])
	}
	return b.String()
}

// MetadataFile returns a wheel's METADATA bytes: the PEP 658 file when the
// source offers one (hash-verified), else the member of the wheel read with
// range requests, or from the whole wheel.
// Concurrent calls for one file share one fetch.
func (c *Client) MetadataFile(ctx context.Context, f File) ([]byte, error) {
	key := fileKey(f.URL, f.Hashes) + " " + fileKey(f.MetadataURL, f.MetadataHashes)
	return shared(ctx, &c.mu, c.metadata, key, func() ([]byte, error) { return c.metadataFile(ctx, f, key) })
}

func (c *Client) metadataFile(ctx context.Context, f File, key string) ([]byte, error) {
	var cachePath string
	if c.opts.CacheDir != "" {
		cachePath = c.cachePath("metadata", key)
		if b, err := fsutil.ReadFileOwned(cachePath); err == nil {
			return b, nil
		}
	}
	var b []byte
	var err error
	switch {
	case f.MetadataURL != "":
		b, err = c.getFile(ctx, f.MetadataURL)
		if err == nil {
			err = verifyBytes("metadata file "+f.MetadataURL, b, f.MetadataHashes)
		}
	default:
		b, err = c.metadataFromWheel(ctx, f)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the metadata of %s: %w", f.Filename, err)
	}
	if cachePath != "" {
		_ = writeAtomic(cachePath, b)
	}
	return b, nil
}

// getFile reads a whole small file (local or remote).
func (c *Client) getFile(ctx context.Context, u string) ([]byte, error) {
	if p, ok := localPath(u); ok {
		fh, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		defer fh.Close()
		return readLimited(fh, MaxMetadataSize, p)
	}
	var out []byte
	err := c.do(ctx, func(ctx context.Context) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	}, func(resp *http.Response) error {
		if resp.ContentLength > MaxMetadataSize {
			return permanentError{&TooLargeError{What: u, Limit: MaxMetadataSize}}
		}
		b, err := readLimited(resp.Body, MaxMetadataSize, u)
		var tl *TooLargeError
		if errors.As(err, &tl) {
			return permanentError{err}
		}
		out = b
		return err
	})
	return out, err
}

// tailSize is how much of a wheel's end the first range request asks for;
// it holds the central directory of all but very large wheels.
const tailSize = 64 << 10

func (c *Client) metadataFromWheel(ctx context.Context, f File) ([]byte, error) {
	if p, ok := localPath(f.URL); ok {
		return readMetadataFromZipFile(p, f)
	}
	if p, ok := c.cachedWheel(f); ok {
		return readMetadataFromZipFile(p, f)
	}
	if c.opts.WholeWheels && c.opts.CacheDir != "" {
		p, err := c.Download(ctx, f)
		if err != nil {
			return nil, err
		}
		return readMetadataFromZipFile(p, f)
	}
	var full []byte
	var rr *rangeReader
	err := c.do(ctx, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.URL, nil)
		if err == nil {
			req.Header.Set("Range", "bytes=-"+strconv.Itoa(tailSize))
		}
		return req, err
	}, func(resp *http.Response) error {
		limit := int64(maxWheelInMemory)
		if resp.StatusCode == http.StatusPartialContent {
			limit = tailSize
		}
		b, err := readLimited(resp.Body, limit, f.URL)
		var tl *TooLargeError
		if errors.As(err, &tl) {
			return permanentError{err}
		}
		if err != nil {
			return err
		}
		if resp.StatusCode == http.StatusPartialContent {
			start, total, err := parseContentRange(resp.Header.Get("Content-Range"))
			if err != nil {
				return permanentError{err}
			}
			rr = &rangeReader{ctx: ctx, c: c, url: f.URL, size: total, tail: b, tailOff: start}
			return nil
		}
		full = b
		return nil
	})
	if err != nil {
		return nil, err
	}
	if full != nil {
		// No range support: we have the whole wheel; keep it for Download.
		if err := verifyBytes(f.Filename, full, f.Hashes); err != nil {
			return nil, err
		}
		c.storeWheel(f, full)
		zr, err := zip.NewReader(bytes.NewReader(full), int64(len(full)))
		if err != nil {
			return nil, fmt.Errorf("reading %s as a zip: %w", f.Filename, err)
		}
		return readMetadataFromZip(zr, f)
	}
	zr, err := zip.NewReader(rr, rr.size)
	if err != nil {
		return nil, fmt.Errorf("reading %s as a zip: %w", f.Filename, err)
	}
	return readMetadataFromZip(zr, f)
}

func parseContentRange(h string) (start, total int64, err error) {
	rest, ok := strings.CutPrefix(h, "bytes ")
	if !ok {
		return 0, 0, fmt.Errorf("bad Content-Range %q", h)
	}
	rng, tot, ok := strings.Cut(rest, "/")
	a, _, ok2 := strings.Cut(rng, "-")
	if !ok || !ok2 {
		return 0, 0, fmt.Errorf("bad Content-Range %q", h)
	}
	start, err1 := strconv.ParseInt(a, 10, 64)
	total, err2 := strconv.ParseInt(tot, 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("bad Content-Range %q", h)
	}
	return start, total, nil
}

// rangeReader is an io.ReaderAt over HTTP range requests, seeded with the
// file's tail.
type rangeReader struct {
	ctx      context.Context
	c        *Client
	url      string
	size     int64
	tail     []byte
	tailOff  int64
	chunk    []byte
	chunkOff int64
}

func (r *rangeReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off >= r.size {
		return 0, io.EOF
	}
	end := min(off+int64(len(p)), r.size)
	for _, buf := range []struct {
		b   []byte
		off int64
	}{{r.tail, r.tailOff}, {r.chunk, r.chunkOff}} {
		if off >= buf.off && end <= buf.off+int64(len(buf.b)) {
			n := copy(p, buf.b[off-buf.off:end-buf.off])
			if n < len(p) {
				return n, io.EOF
			}
			return n, nil
		}
	}
	want := min(max(end, off+tailSize), r.size)
	var got []byte
	err := r.c.do(r.ctx, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url, nil)
		if err == nil {
			req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", off, want-1))
		}
		return req, err
	}, func(resp *http.Response) error {
		if resp.StatusCode != http.StatusPartialContent {
			return permanentError{fmt.Errorf("GET %s: range request answered %s", r.url, resp.Status)}
		}
		b, err := readLimited(resp.Body, want-off, r.url)
		var tl *TooLargeError
		if errors.As(err, &tl) {
			return permanentError{err}
		}
		got = b
		return err
	})
	if err != nil {
		return 0, err
	}
	r.chunk, r.chunkOff = got, off
	n := copy(p, got)
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func readMetadataFromZipFile(p string, f File) ([]byte, error) {
	zr, err := zip.OpenReader(p)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", p, err)
	}
	defer zr.Close()
	return readMetadataFromZip(&zr.Reader, f)
}

// readMetadataFromZip reads NAME-VERSION.dist-info/METADATA, preferring
// the dist-info directory whose name matches the project.
func readMetadataFromZip(zr *zip.Reader, f File) ([]byte, error) {
	var pick *zip.File
	for _, zf := range zr.File {
		dir, base, ok := strings.Cut(zf.Name, "/")
		if !ok || base != "METADATA" || !strings.HasSuffix(dir, ".dist-info") {
			continue
		}
		n, _, _ := strings.Cut(strings.TrimSuffix(dir, ".dist-info"), "-")
		if pick == nil || pep508.NormalizeName(n) == f.Name {
			pick = zf
		}
	}
	if pick == nil {
		return nil, fmt.Errorf("%s has no .dist-info/METADATA", f.Filename)
	}
	if pick.UncompressedSize64 > MaxMetadataSize {
		return nil, fmt.Errorf("%s: %s is %d bytes, more than the %d bytes pyshim reads", f.Filename, pick.Name, pick.UncompressedSize64, MaxMetadataSize)
	}
	rc, err := pick.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pick.Name, err)
	}
	defer rc.Close()
	b, err := readLimited(rc, MaxMetadataSize, f.Filename+": "+pick.Name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pick.Name, err)
	}
	return b, nil
}

// MaxMetadataSize bounds a METADATA file (PEP 658 or read from a wheel),
// as install/wheel bounds it when unpacking.
const MaxMetadataSize = wheel.MaxMetadataSize

// TooLargeError reports a page or file larger than pyshim reads.
type TooLargeError struct {
	What  string
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s is larger than %d MiB, the most pyshim reads of it; it is not what an index serves there", e.What, e.Limit>>20)
}

// readLimited reads r whole, refusing more than limit bytes (never
// holding more than limit+1 in memory).
func readLimited(r io.Reader, limit int64, what string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, &TooLargeError{What: what, Limit: limit}
	}
	return b, nil
}
