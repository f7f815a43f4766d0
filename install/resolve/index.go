package resolve

import (
	"context"
	"fmt"
	"sync"

	"github.com/pyshim/pyshim/install/index"
	"github.com/pyshim/pyshim/install/pep440"
	"github.com/pyshim/pyshim/install/pep508"
)

// IndexProvider is the Provider over an index.Client: a version is a
// candidate when the client lists a compatible wheel of it, and its
// metadata is that wheel's.
type IndexProvider struct {
	Client *index.Client
	// LookAhead, when not nil, is the target's marker environment, and
	// Prefetch then walks the likely graph ahead of the resolver: it reads
	// the metadata of each prefetched requirement's likely wheel and
	// prefetches that wheel's dependencies in turn. The pages and files the
	// resolver will ask for are then fetched in parallel, not one level of
	// the graph at a time. Cancel the context given to Resolve, then call
	// Wait, to stop the walk.
	LookAhead map[string]string
	// Likely, when set, is told of each wheel the resolver will probably
	// choose, as early as it can be guessed: for a requirement being
	// prefetched, the newest wheel that matches it (no pre-release, not
	// yanked); for a version whose metadata is read, that version's wheel.
	// An installer prepares them in the background, so that downloads and
	// unpacking overlap the resolution. It must not block.
	Likely func(index.File)
	// SdistMetadata, when set, reads the metadata of a source
	// distribution (Client lists them only when it is set); the look-ahead
	// and Likely pass sdists over.
	SdistMetadata func(ctx context.Context, f index.File) (*index.Metadata, error)

	wg   sync.WaitGroup
	mu   sync.Mutex
	seen map[string]bool // projects the look-ahead has started on
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
	var md *index.Metadata
	if f.Sdist && p.SdistMetadata != nil {
		md, err = p.SdistMetadata(ctx, f)
	} else {
		if p.Likely != nil {
			p.Likely(f)
		}
		md, err = p.Client.Metadata(ctx, f)
	}
	if err != nil {
		return nil, err
	}
	return &Metadata{RequiresDist: md.RequiresDist, RequiresPython: md.RequiresPython, ProvidesExtra: md.ProvidesExtra}, nil
}

// Prefetch starts fetching the pages of the projects reqs name and, with
// Likely set, tells it of each one's likely wheel once the page is in;
// with LookAhead set, it goes on to those wheels' dependencies.
func (p *IndexProvider) Prefetch(ctx context.Context, reqs []*pep508.Requirement) {
	for _, r := range reqs {
		name := r.NormalizedName()
		if p.LookAhead != nil {
			p.mu.Lock()
			if p.seen == nil {
				p.seen = map[string]bool{}
			}
			started := p.seen[name]
			p.seen[name] = true
			p.mu.Unlock()
			if started {
				continue
			}
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			var guessed index.File
			if p.LookAhead != nil {
				// The cached page, before it is revalidated, usually names
				// the same wheel: go on to its dependencies at once.
				if pr, ok := p.Client.CachedProject(ctx, name); ok {
					if f, ok := likelyFile(pr, r.Specifier); ok {
						guessed = f
						p.lookAhead(ctx, f)
					}
				}
			}
			pr, err := p.Client.Project(ctx, name)
			if err != nil {
				return
			}
			f, ok := likelyFile(pr, r.Specifier)
			if !ok {
				return
			}
			if p.Likely != nil {
				p.Likely(f)
			}
			if p.LookAhead != nil && f.URL != guessed.URL {
				p.lookAhead(ctx, f)
			}
		}()
	}
}

// lookAhead prefetches the dependencies (without extras) of f.
func (p *IndexProvider) lookAhead(ctx context.Context, f index.File) {
	md, err := p.Client.Metadata(ctx, f)
	if err != nil {
		return // the resolver meets the error itself if it gets here
	}
	var deps []*pep508.Requirement
	for _, r := range md.RequiresDist {
		if r.URL != "" {
			continue
		}
		if ok, err := r.Marker.Evaluate(p.LookAhead, nil); err == nil && ok {
			deps = append(deps, r)
		}
	}
	p.Prefetch(ctx, deps)
}

// Wait waits for the prefetches still running (cancel their context
// first).
func (p *IndexProvider) Wait() { p.wg.Wait() }

// likelyFile is the newest wheel of pr that spec allows, when it is a
// final release and not yanked: the resolver's usual choice.
func likelyFile(pr *index.Project, spec pep440.SpecifierSet) (index.File, bool) {
	for _, f := range pr.Files {
		if f.Version.IsPrerelease() || !spec.Contains(f.Version, false) {
			continue
		}
		return f, !f.Yanked && !f.Sdist
	}
	return index.File{}, false
}
