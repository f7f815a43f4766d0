package resolve

import (
	"context"
	"fmt"

	"github.com/pyshim/pyshim/install/index"
	"github.com/pyshim/pyshim/install/pep440"
)

// IndexProvider is the Provider over an index.Client: a version is a
// candidate when the client lists a compatible wheel of it, and its
// metadata is that wheel's.
type IndexProvider struct {
	Client *index.Client
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
	md, err := p.Client.Metadata(ctx, f)
	if err != nil {
		return nil, err
	}
	return &Metadata{RequiresDist: md.RequiresDist, RequiresPython: md.RequiresPython, ProvidesExtra: md.ProvidesExtra}, nil
}

// Prefetch starts fetching the projects' pages.
func (p *IndexProvider) Prefetch(ctx context.Context, projects []string) {
	p.Client.Prefetch(ctx, projects)
}
