// Package index finds wheels: it reads PEP 503 (HTML) and PEP 691 (JSON)
// simple repository pages with content negotiation, find-links directories
// and pages, PEP 658/714 metadata files (else METADATA read from the wheel
// with HTTP range requests, or a full download when ranges are not
// supported), and downloads wheels, verifying their hashes.
//
// All HTTP goes through one client with timeouts, bounded retries with
// backoff, a bound on parallel requests and an on-disk cache shared by
// processes: index pages are revalidated (ETag, Last-Modified), files are
// immutable by URL and hash.
package index

import (
	"strings"
)

// DefaultIndexURL is pip's default index.
const DefaultIndexURL = "https://pypi.org/simple"

// Config says where to look for wheels, as pip's options do.
type Config struct {
	// IndexURL is the main simple API (--index-url / -i); "" means
	// DefaultIndexURL.
	IndexURL string
	// ExtraIndexURLs are consulted too (--extra-index-url).
	ExtraIndexURLs []string
	// FindLinks are directories, HTML files or URLs of pages of links
	// (--find-links / -f).
	FindLinks []string
	// NoIndex ignores IndexURL and ExtraIndexURLs (--no-index).
	NoIndex bool
}

// ConfigFromEnv reads pip's environment variables: PIP_INDEX_URL,
// PIP_EXTRA_INDEX_URL and PIP_FIND_LINKS (whitespace-separated lists) and
// PIP_NO_INDEX (a boolean as pip spells them). Command-line flags, applied
// by the caller afterwards, override these.
func ConfigFromEnv(getenv func(string) string) Config {
	c := Config{IndexURL: strings.TrimSpace(getenv("PIP_INDEX_URL"))}
	c.ExtraIndexURLs = strings.Fields(getenv("PIP_EXTRA_INDEX_URL"))
	c.FindLinks = strings.Fields(getenv("PIP_FIND_LINKS"))
	switch strings.ToLower(strings.TrimSpace(getenv("PIP_NO_INDEX"))) {
	case "1", "y", "yes", "t", "true", "on":
		c.NoIndex = true
	}
	return c
}

// Indexes returns the simple API base URLs to consult, in order.
func (c Config) Indexes() []string {
	if c.NoIndex {
		return nil
	}
	main := c.IndexURL
	if main == "" {
		main = DefaultIndexURL
	}
	out := []string{main}
	for _, u := range c.ExtraIndexURLs {
		if u != "" && !contains(out, u) {
			out = append(out, u)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
