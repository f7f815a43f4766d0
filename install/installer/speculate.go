package installer

import (
	"context"
	"sync"

	"github.com/pyshim/pyshim/install/cache"
	"github.com/pyshim/pyshim/install/index"
	"github.com/pyshim/pyshim/install/wheel"
)

// speculator prepares (downloads and unpacks into the cache) the wheels
// the resolver will probably choose, in the background while it is still
// resolving, so that a cold install costs about the longer of the two
// rather than their sum. A guess that turns out wrong costs only a cache
// entry; the work for it is cancelled when the install moves on.
type speculator struct {
	ctx    context.Context
	cancel context.CancelFunc
	client *index.Client
	cache  *cache.Cache
	// skip says that a project needs no wheel (installed, and kept).
	skip func(name string) bool
	// plan plans the install of a prepared tree (read-only work, done here
	// while the resolver still waits on the network); nil skips it.
	plan func(f index.File, tree string) (*wheel.Planned, error)
	// sem bounds the guesses in flight, leaving the client's other
	// request slots to the pages and metadata the resolver waits for.
	sem chan struct{}
	wg  sync.WaitGroup

	mu    sync.Mutex
	calls map[string]*guess
}

// guess is one wheel prepared in the background.
type guess struct {
	done    chan struct{}
	tree    string
	sum     string
	fetched bool
	err     error
	// planned is the tree's install plan, nil when planning failed (the
	// install then plans again, and reports the error).
	planned *wheel.Planned
}

func newSpeculator(ctx context.Context, client *index.Client, c *cache.Cache, parallel int, skip func(string) bool,
	plan func(index.File, string) (*wheel.Planned, error)) *speculator {
	ctx, cancel := context.WithCancel(ctx)
	return &speculator{
		ctx: ctx, cancel: cancel, client: client, cache: c, skip: skip, plan: plan,
		sem:   make(chan struct{}, max(1, parallel)),
		calls: map[string]*guess{},
	}
}

// start begins preparing f, unless it is already under way; it does not
// block (the resolver calls it).
func (s *speculator) start(f index.File) {
	if s.skip(f.Name) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.calls[f.URL]; ok || s.ctx.Err() != nil {
		return
	}
	g := &guess{done: make(chan struct{})}
	s.calls[f.URL] = g
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer close(g.done)
		select {
		case s.sem <- struct{}{}:
		case <-s.ctx.Done():
			g.err = s.ctx.Err()
			return
		}
		defer func() { <-s.sem }()
		pl := &planned{file: f}
		g.fetched, g.err = prepareOne(s.ctx, s.client, s.cache, pl, true)
		g.tree, g.sum = pl.tree, pl.sum
		if g.err == nil && s.plan != nil {
			g.planned, _ = s.plan(f, g.tree)
		}
	}()
}

// result waits for the guess that prepared f, if there was one. ok is
// false when there was none or it failed: the caller prepares f itself.
func (s *speculator) result(ctx context.Context, f index.File) (g *guess, ok bool) {
	s.mu.Lock()
	g = s.calls[f.URL]
	s.mu.Unlock()
	if g == nil {
		return nil, false
	}
	select {
	case <-g.done:
		return g, g.err == nil
	case <-ctx.Done():
		return nil, false
	}
}

// stop cancels the guesses still running and waits for them to end.
func (s *speculator) stop() {
	s.cancel()
	s.wg.Wait()
}
