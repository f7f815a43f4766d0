package index

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"

	"github.com/pyshim/pyshim/install/wheel"
	"github.com/pyshim/pyshim/internal/fsutil"
)

// MaxWheelSize bounds a downloaded wheel: no wheel pyshim would unpack
// (see wheel.MaxUnpackedSize) is larger, stored uncompressed.
const MaxWheelSize = wheel.MaxUnpackedSize + 1<<30

// maxWheelInMemory bounds a wheel read into memory, when a server answers
// a range request with the whole file.
const maxWheelInMemory = 1 << 30

// wheelPath is where the cache keeps a file: by URL and published hashes.
func (c *Client) wheelPath(f File) string {
	return filepath.Join(c.cachePath("files", fileKey(f.URL, f.Hashes)), f.Filename)
}

func (c *Client) cachedWheel(f File) (string, bool) {
	if c.opts.CacheDir == "" {
		return "", false
	}
	p := c.wheelPath(f)
	// Another user's file is a miss; the download that follows replaces
	// it by a rename.
	if fi, err := os.Stat(p); err == nil && fsutil.OwnedByMe(fi) {
		return p, true
	}
	return "", false
}

// storeWheel keeps an already verified wheel in the cache.
func (c *Client) storeWheel(f File, b []byte) {
	if c.opts.CacheDir != "" {
		_ = writeAtomic(c.wheelPath(f), b)
	}
}

// Download returns the path of the wheel's content on disk, verified
// against the hashes its source published: a local file in place, else a
// copy in the cache (downloaded once; a cached file is used without a
// request). A file that does not match its hash is refused and not kept.
// Concurrent calls for one file share one download.
func (c *Client) Download(ctx context.Context, f File) (string, error) {
	if _, ok := localPath(f.URL); ok || c.opts.CacheDir == "" {
		return c.download(ctx, f)
	}
	return shared(ctx, &c.mu, c.downloads, c.wheelPath(f), func() (string, error) { return c.download(ctx, f) })
}

func (c *Client) download(ctx context.Context, f File) (string, error) {
	if p, ok := localPath(f.URL); ok {
		if len(f.Hashes) > 0 {
			fh, err := os.Open(p)
			if err != nil {
				return "", fmt.Errorf("opening %s: %w", p, err)
			}
			defer fh.Close()
			h := newHasher(f.Hashes)
			if _, err := io.Copy(h, fh); err != nil {
				return "", fmt.Errorf("reading %s: %w", p, err)
			}
			if err := h.verify(f.Filename, f.Hashes); err != nil {
				return "", err
			}
		}
		return p, nil
	}
	if c.opts.CacheDir == "" {
		return "", errors.New("downloading wheels needs a cache directory")
	}
	if p, ok := c.cachedWheel(f); ok {
		return p, nil
	}
	dst := c.wheelPath(f)
	if err := fsutil.MkdirAllPrivate(filepath.Dir(dst)); err != nil {
		return "", fmt.Errorf("creating the cache directory: %w", err)
	}
	err := c.doWithin(ctx, c.dlSem, func(ctx context.Context) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, http.MethodGet, f.URL, nil)
	}, func(resp *http.Response) error {
		if resp.StatusCode != http.StatusOK {
			return permanentError{fmt.Errorf("GET %s: unexpected %s", f.URL, resp.Status)}
		}
		tmp, err := createTemp(filepath.Dir(dst))
		if err != nil {
			return permanentError{err}
		}
		defer os.Remove(tmp.Name())
		h := newHasher(f.Hashes)
		if resp.ContentLength > MaxWheelSize {
			tmp.Close()
			return permanentError{&TooLargeError{What: f.URL, Limit: MaxWheelSize}}
		}
		n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(resp.Body, MaxWheelSize+1))
		if err != nil {
			tmp.Close()
			return fmt.Errorf("downloading %s: %w", f.URL, err)
		}
		if n > MaxWheelSize {
			tmp.Close()
			return permanentError{&TooLargeError{What: f.URL, Limit: MaxWheelSize}}
		}
		if err := h.verify(f.Filename, f.Hashes); err != nil {
			tmp.Close()
			return permanentError{err}
		}
		return fsutil.Commit(filepath.Dir(dst), func() error {
			if err := tmp.Close(); err != nil {
				return fmt.Errorf("downloading %s: %w", f.URL, err)
			}
			if err := os.Rename(tmp.Name(), dst); err != nil {
				return permanentError{err}
			}
			return nil
		})
	})
	if err != nil {
		return "", err
	}
	return dst, nil
}
