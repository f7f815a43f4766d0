package index

import (
	"fmt"
	"net/url"
	"path"
	"strings"

	"github.com/pyshim/pyshim/install/pep508"
)

// UnsupportedURLError refuses a direct reference that is not a wheel: a
// VCS URL, a source distribution or a directory.
type UnsupportedURLError struct {
	URL, Why string
}

func (e *UnsupportedURLError) Error() string {
	return fmt.Sprintf("%s: %s; only wheel (.whl) URLs are supported", e.URL, e.Why)
}

// DirectFile describes the wheel a PEP 508 direct reference ("name @ URL")
// points at: a file:// or http(s):// URL of a .whl, with optional hash
// fragments ("#sha256=<hex>") that Download verifies. The wheel must be for
// project (a normalised name; "" accepts any) and have a tag the target
// supports, when the Client knows its tags.
func (c *Client) DirectFile(rawURL, project string) (File, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return File{}, fmt.Errorf("invalid URL %q: %w", rawURL, err)
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case strings.Contains(scheme, "+") || scheme == "git" || scheme == "hg" || scheme == "svn" || scheme == "bzr":
		if c.opts.Sdists {
			return File{}, &UnsupportedURLError{rawURL, "version control URLs other than git are not supported"}
		}
		return File{}, &UnsupportedURLError{rawURL, "version control URLs are not supported"}
	case scheme != "file" && scheme != "http" && scheme != "https":
		return File{}, &UnsupportedURLError{rawURL, fmt.Sprintf("the URL scheme %q is not supported", u.Scheme)}
	}
	if scheme == "file" && u.Host != "" && u.Host != "localhost" {
		return File{}, &UnsupportedURLError{rawURL, "file URLs on another host are not supported"}
	}
	clean, hashes := splitHash(u)
	fn := path.Base(u.Path)
	if !strings.HasSuffix(strings.ToLower(fn), ".whl") {
		why := "it is not a wheel"
		if stem, ok := sdistName(fn); ok {
			if c.opts.Sdists && project != "" {
				v, ok := sdistVersion(stem, project)
				if !ok {
					return File{}, fmt.Errorf("%s: the source distribution's name %s is not %s-VERSION", rawURL, fn, project)
				}
				return File{Filename: fn, URL: clean, Hashes: hashes, Name: project, Version: v, Source: "direct URL", Sdist: true}, nil
			}
			why = "source distributions are not supported"
		}
		return File{}, &UnsupportedURLError{rawURL, why}
	}
	wf, err := parseWheelName(fn)
	if err != nil {
		return File{}, fmt.Errorf("%s: %w", rawURL, err)
	}
	name := pep508.NormalizeName(wf.name)
	if project != "" && name != project {
		return File{}, fmt.Errorf("%s is a wheel of %s, not of %s", rawURL, name, project)
	}
	f := File{Filename: fn, URL: clean, Hashes: hashes, Name: name, Version: wf.version, Tags: wf.tags,
		Source: "direct URL", build: wf.build}
	if c.supported != nil {
		rank, ok := c.supported.Best(wf.tags)
		if !ok {
			return File{}, fmt.Errorf("%s: the wheel has no tag the target supports", rawURL)
		}
		f.Rank = rank
	}
	return f, nil
}
