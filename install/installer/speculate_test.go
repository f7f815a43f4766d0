package installer

import (
	"context"
	"sync"
	"testing"
	"time"
)

// The gate lets the largest waiter in first when a place frees up, and a
// cancelled waiter neither holds nor loses a place.
func TestSizeGateLargestFirst(t *testing.T) {
	g := newSizeGate(1)
	ctx := context.Background()
	if err := g.acquire(ctx, 1); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var order []int64
	var wg sync.WaitGroup
	for _, size := range []int64{10, 30, 20} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := g.acquire(ctx, size); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			order = append(order, size)
			mu.Unlock()
			g.release()
		}()
	}
	cctx, cancel := context.WithCancel(ctx)
	cancelled := make(chan error)
	go func() { cancelled <- g.acquire(cctx, 100) }()
	// Wait until all four wait, then cancel the largest.
	for {
		g.mu.Lock()
		n := len(g.waiting)
		g.mu.Unlock()
		if n == 4 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-cancelled; err == nil {
		t.Fatal("a cancelled acquire succeeded")
	}
	g.release()
	wg.Wait()
	if want := []int64{30, 20, 10}; len(order) != 3 || order[0] != want[0] || order[1] != want[1] || order[2] != want[2] {
		t.Errorf("admitted %v, want %v", order, want)
	}
	if g.free != 1 || len(g.waiting) != 0 {
		t.Errorf("after all: free %d, waiting %d; want 1, 0", g.free, len(g.waiting))
	}
}
