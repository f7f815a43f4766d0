package installer

import (
	"context"
	"runtime"
	"slices"
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
	// unpacking admits the unpacking of downloaded guesses, a few at a
	// time and the largest first, so that the big wheels do not end up
	// unpacking alone at the end.
	unpacking *sizeGate
	wg        sync.WaitGroup

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

func newSpeculator(ctx context.Context, client *index.Client, c *cache.Cache, skip func(string) bool,
	plan func(index.File, string) (*wheel.Planned, error)) *speculator {
	ctx, cancel := context.WithCancel(ctx)
	return &speculator{
		ctx: ctx, cancel: cancel, client: client, cache: c, skip: skip, plan: plan,
		unpacking: newSizeGate(max(2, runtime.GOMAXPROCS(0))),
		calls:     map[string]*guess{},
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
		pl := &planned{file: f}
		g.fetched, g.err = prepareOne(s.ctx, s.client, s.cache, pl, true, s.unpacking)
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

// sizeGate admits up to n holders at a time; when it is full, the waiter
// with the largest size goes next (longest job first keeps every core
// busy until the end).
type sizeGate struct {
	mu      sync.Mutex
	free    int
	waiting []*gateWaiter
}

type gateWaiter struct {
	size  int64
	ready chan struct{}
}

func newSizeGate(n int) *sizeGate { return &sizeGate{free: n} }

// acquire waits for a place; on cancellation it returns ctx's error and
// holds none.
func (g *sizeGate) acquire(ctx context.Context, size int64) error {
	g.mu.Lock()
	if g.free > 0 {
		g.free--
		g.mu.Unlock()
		return nil
	}
	w := &gateWaiter{size: size, ready: make(chan struct{})}
	g.waiting = append(g.waiting, w)
	g.mu.Unlock()
	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
	}
	g.mu.Lock()
	if i := slices.Index(g.waiting, w); i >= 0 {
		g.waiting = slices.Delete(g.waiting, i, i+1)
		g.mu.Unlock()
		return ctx.Err()
	}
	g.mu.Unlock()
	// The place was handed over just as ctx ended: pass it on.
	g.release()
	return ctx.Err()
}

// release gives a place back, to the largest waiter if any.
func (g *sizeGate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.waiting) == 0 {
		g.free++
		return
	}
	i := 0
	for j, w := range g.waiting {
		if w.size > g.waiting[i].size {
			i = j
		}
	}
	w := g.waiting[i]
	g.waiting = slices.Delete(g.waiting, i, i+1)
	close(w.ready)
}
