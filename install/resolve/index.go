package resolve

import (
	"context"
	"fmt"

	"github.com/pyshim/pyshim/install/index"
	"github.com/pyshim/pyshim/install/pep440"
	"github.com/pyshim/pyshim/install/pep508"
)

// IndexProvider is the Provider over an index.Client: a version is a
// candidate when the client lists a compatible wheel of it, and its
// metadata is that wheel's.
type IndexProvider struct {
	Client *index.Client
	// Likely, when set, is told of each wheel the resolver will probably
	// choose, as early as it can be guessed: for a requirement being
	// prefetched, the newest wheel that matches it (no pre-release, not
	// yanked); for a version whose metadata is read, that version's wheel.
	// An installer prepares them in the background, so that downloads and
	// unpacking overlap the resolution. It must not block.
	Likely func(index.File)
}

// Versions lists the versions with a compatible wheel; a version is yanked
// when all its compatible wheels are.
func (p *IndexProvider) Versions(ctx context.Context, project string) ([]Candidate, error) {
	pr, err := p.Client.Project(ctx, project)
	if err != nil {
		return nil, err
	}
	var out []Candidate
	for _, f := range pr.Files {
		if n := len(out); n > 0 && out[n-1].Version.Equal(f.Version) {
			out[n-1].Yanked = out[n-1].Yanked && f.Yanked
			continue
		}
		out = append(out, Candidate{Version: f.Version, Yanked: f.Yanked})
	}
	return out, nil
}

// File is the wheel to install for a version: the best-ranked file that is
// not yanked, else the best-ranked one.
func (p *IndexProvider) File(ctx context.Context, project string, version pep440.Version) (index.File, error) {
	pr, err := p.Client.Project(ctx, project)
	if err != nil {
		return index.File{}, err
	}
	var pick *index.File
	for i := range pr.Files {
		f := &pr.Files[i]
		if !f.Version.Equal(version) {
			continue
		}
		if pick == nil || (pick.Yanked && !f.Yanked) {
			pick = f
		}
	}
	if pick == nil {
		return index.File{}, fmt.Errorf("no compatible wheel of %s==%s", project, version)
	}
	return *pick, nil
}

// Metadata reads the chosen file's metadata.
func (p *IndexProvider) Metadata(ctx context.Context, project string, version pep440.Version) (*Metadata, error) {
	f, err := p.File(ctx, project, version)
	if err != nil {
		return nil, err
	}
	if p.Likely != nil {
		p.Likely(f)
	}
	md, err := p.Client.Metadata(ctx, f)
	if err != nil {
		return nil, err
	}
	return &Metadata{RequiresDist: md.RequiresDist, RequiresPython: md.RequiresPython, ProvidesExtra: md.ProvidesExtra}, nil
}

// Prefetch starts fetching the pages of the projects reqs name and, with
// Likely set, tells it of each one's likely wheel once the page is in.
func (p *IndexProvider) Prefetch(ctx context.Context, reqs []*pep508.Requirement) {
	for _, r := range reqs {
		go func() {
			pr, err := p.Client.Project(ctx, r.NormalizedName())
			if err != nil || p.Likely == nil {
				return
			}
			if f, ok := likelyFile(pr, r.Specifier); ok {
				p.Likely(f)
			}
		}()
	}
}

// likelyFile is the newest wheel of pr that spec allows, when it is a
// final release and not yanked: the resolver's usual choice.
func likelyFile(pr *index.Project, spec pep440.SpecifierSet) (index.File, bool) {
	for _, f := range pr.Files {
		if f.Version.IsPrerelease() || !spec.Contains(f.Version, false) {
			continue
		}
		return f, !f.Yanked
	}
	return index.File{}, false
}
