package installer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/pyshim/pyshim/install/index"
	"github.com/pyshim/pyshim/install/pep440"
	"github.com/pyshim/pyshim/install/pep508"
	"github.com/pyshim/pyshim/install/resolve"
)

// DirectURL is a distribution's direct_url.json (PEP 610): where it was
// installed from when that was not an index.
type DirectURL struct {
	URL          string       `json:"url"`
	Subdirectory string       `json:"subdirectory,omitempty"`
	ArchiveInfo  *ArchiveInfo `json:"archive_info,omitempty"`
	VCSInfo      *VCSInfo     `json:"vcs_info,omitempty"`
	DirInfo      *DirInfo     `json:"dir_info,omitempty"`
}

// ArchiveInfo describes an archive (wheel or sdist) URL.
type ArchiveInfo struct {
	// Hash is the legacy "<alg>=<hex>" form; Hashes maps algorithm to hex.
	Hash   string            `json:"hash,omitempty"`
	Hashes map[string]string `json:"hashes,omitempty"`
}

// VCSInfo describes a version control URL.
type VCSInfo struct {
	VCS               string `json:"vcs"`
	RequestedRevision string `json:"requested_revision,omitempty"`
	CommitID          string `json:"commit_id"`
}

// DirInfo describes a local directory.
type DirInfo struct {
	Editable bool `json:"editable,omitempty"`
}

// Requirement is the PEP 508 direct reference pip freeze prints for a
// distribution named name installed from d (pip's
// direct_url_as_pep440_direct_reference): "name @ url#fragments".
func (d *DirectURL) Requirement(name string) string {
	req := name + " @ "
	var frags []string
	switch {
	case d.VCSInfo != nil:
		req += d.VCSInfo.VCS + "+" + d.URL + "@" + d.VCSInfo.CommitID
	case d.ArchiveInfo != nil:
		req += d.URL
		if h := d.ArchiveInfo.hash(); h != "" {
			frags = append(frags, h)
		}
	default:
		req += d.URL
	}
	if d.Subdirectory != "" {
		frags = append(frags, "subdirectory="+d.Subdirectory)
	}
	if len(frags) > 0 {
		req += "#" + strings.Join(frags, "&")
	}
	return req
}

// hash is the "<alg>=<hex>" form of the archive's hash, "" for none.
func (a *ArchiveInfo) hash() string {
	if a.Hash != "" {
		return a.Hash
	}
	if h := a.Hashes["sha256"]; h != "" {
		return "sha256=" + h
	}
	return ""
}

// Path is the local path of a file:// URL, else the URL.
func (d *DirectURL) Path() string {
	if p, ok := localFile(d.URL); ok {
		return p
	}
	return d.URL
}

// Editable reports whether d is an editable install.
func (d *DirectURL) Editable() bool { return d.DirInfo != nil && d.DirInfo.Editable }

func readDirectURL(distInfo string) *DirectURL {
	b, err := os.ReadFile(filepath.Join(distInfo, "direct_url.json"))
	if err != nil {
		return nil
	}
	var d DirectURL
	if err := json.Unmarshal(b, &d); err != nil || d.URL == "" {
		return nil
	}
	return &d
}

// localFile is the path of a file:// URL.
func localFile(u string) (string, bool) {
	pu, err := url.Parse(u)
	if err != nil || pu.Scheme != "file" {
		return "", false
	}
	return filepath.FromSlash(pu.Path), true
}

// archiveDirectURL is the direct_url.json of a wheel installed from u
// whose sha256 is sum, in pip's layout (sorted keys, ", " and ": ").
func archiveDirectURL(u, sum string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(u)
	return fmt.Appendf(nil, `{"archive_info": {"hash": "sha256=%s", "hashes": {"sha256": "%s"}}, "url": %s}`,
		sum, sum, strings.TrimSpace(b.String()))
}

// directRequirements reads the wheels of the direct URL requirements:
// their files (by normalised name) and what the resolver needs of them.
func directRequirements(ctx context.Context, client *index.Client, b Builder, t *Target, reqs []Requirement, installed map[string]Dist) (map[string]index.File, []resolve.Direct, error) {
	files := map[string]index.File{}
	var directs []resolve.Direct
	for _, r := range reqs {
		if r.Req.URL == "" {
			continue
		}
		n := r.Req.NormalizedName()
		where := ""
		if r.Where != "" {
			where = " (" + r.Where + ")"
		}
		f, err := client.DirectFile(r.Req.URL, n)
		if err != nil {
			var ue *index.UnsupportedURLError
			if errors.As(err, &ue) {
				if b != nil {
					return nil, nil, userErrorf("%s%s: %s", r.Req, where, ue.Why)
				}
				return nil, nil, userErrorf("%s%s: %s; only wheels (.whl) are supported", r.Req, where, ue.Why)
			}
			return nil, nil, userErrorf("%s%s: %v", r.Req.Name, where, err)
		}
		if p, ok := localFile(f.URL); ok {
			if _, err := os.Stat(p); err != nil {
				return nil, nil, userErrorf("%s%s: the wheel file %s does not exist", r.Req, where, p)
			}
		}
		if prev, ok := files[n]; ok {
			if prev.URL != f.URL {
				return nil, nil, userErrorf("%s is requested from two different URLs: %s and %s", n, prev.URL, f.URL)
			}
			continue
		}
		var md *index.Metadata
		if f.Sdist {
			md, err = sdistMetadata(ctx, client, b, t, f)
		} else {
			md, err = client.Metadata(ctx, f)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%s%s: %w", r.Req.Name, where, err)
		}
		files[n] = f
		d := resolve.Direct{Name: n, URL: r.Req.URL, Version: f.Version, Metadata: &resolve.Metadata{
			RequiresDist: md.RequiresDist, RequiresPython: md.RequiresPython, ProvidesExtra: md.ProvidesExtra,
		}}
		if in, ok := installed[n]; ok && r.DirectURL == nil && in.DirectURL != nil && in.DirectURL.URL == f.URL && in.DirectURL.ArchiveInfo != nil {
			v, err := pep440.Parse(in.Version)
			want, have := f.Hashes["sha256"], in.DirectURL.ArchiveInfo.Hashes["sha256"]
			if err == nil && v.Equal(f.Version) && (want == "" || have == "" || strings.EqualFold(want, have)) {
				d.Installed = true
			}
		}
		directs = append(directs, d)
	}
	return files, directs, nil
}

// sdistMetadata reads the metadata of the source distribution f through
// b (downloading it first).
func sdistMetadata(ctx context.Context, client *index.Client, b Builder, t *Target, f index.File) (*index.Metadata, error) {
	if b == nil {
		return nil, fmt.Errorf("%s is a source distribution, and nothing can build it here", f.Filename)
	}
	path, err := client.Download(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("downloading %s: %w", f.Filename, err)
	}
	data, err := b.SdistMetadata(ctx, t, path, f.Hashes["sha256"])
	if err != nil {
		return nil, err
	}
	md, err := index.ParseMetadata(data)
	if err != nil {
		return nil, fmt.Errorf("the metadata of %s: %w", f.Filename, err)
	}
	if pep508.NormalizeName(md.Name) != f.Name {
		return nil, fmt.Errorf("%s holds %s, not %s", f.Filename, md.Name, f.Name)
	}
	return md, nil
}
