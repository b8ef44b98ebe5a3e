package service

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// TestLayerCache: one computation for concurrent requests of a layer; errors are not kept;
// the oldest layers go when too many cells are held, the newest stays.
func TestLayerCache(t *testing.T) {
	var c layerCache
	var runs atomic.Int32
	layer := func(n int) func() (hexbeat.HotspotLayer, error) {
		return func() (hexbeat.HotspotLayer, error) {
			runs.Add(1)
			return hexbeat.HotspotLayer{Cells: make([]hexbeat.HotspotCell, n)}, nil
		}
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if l, err := c.get(context.Background(), "a", layer(10)); err != nil || len(l.Cells) != 10 {
				t.Errorf("a: %d cells, %v", len(l.Cells), err)
			}
		}()
	}
	wg.Wait()
	if runs.Load() != 1 {
		t.Errorf("%d computations of one layer", runs.Load())
	}
	if _, err := c.get(context.Background(), "bad", func() (hexbeat.HotspotLayer, error) { return hexbeat.HotspotLayer{}, errors.New("store down") }); err == nil {
		t.Error("no error")
	}
	if _, err := c.get(context.Background(), "bad", layer(1)); err != nil {
		t.Errorf("an error was kept: %v", err)
	}
	c.get(context.Background(), "big", layer(layerCacheCells))
	if _, ok := c.entries["a"]; ok || c.cells != layerCacheCells || len(c.order) != 1 {
		t.Errorf("after a layer of %d cells: %d cells held in %v", layerCacheCells, c.cells, c.order)
	}
	for i := range layerCacheSize + 5 {
		c.get(context.Background(), fmt.Sprint(i), layer(1))
	}
	if len(c.entries) != layerCacheSize || c.cells != layerCacheSize {
		t.Errorf("%d entries, %d cells", len(c.entries), c.cells)
	}
}

// TestLayerCacheLeaderStopped: when the request computing a layer is stopped by its own time
// limit, a request waiting for the same layer that still has time computes it itself instead
// of answering with the other's 503; a waiting request whose own time ends stops waiting.
func TestLayerCacheLeaderStopped(t *testing.T) {
	var c layerCache
	started, release := make(chan struct{}), make(chan struct{})
	leaderCtx, cancel := context.WithCancel(context.Background())
	leaderErr := make(chan error, 1)
	go func() {
		_, err := c.get(leaderCtx, "k", func() (hexbeat.HotspotLayer, error) {
			close(started)
			<-release
			return hexbeat.HotspotLayer{}, &hexbeat.Error{Code: hexbeat.EUNAVAILABLE, Message: "stopped", Cause: leaderCtx.Err()}
		})
		leaderErr <- err
	}()
	<-started

	// a follower whose own deadline passes while it waits
	short, cancelShort := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancelShort()
	if _, err := c.get(short, "k", nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a waiting request past its own limit: %v", err)
	}

	// a follower with time left, waiting when the leader is stopped
	got := make(chan error, 1)
	var computed atomic.Bool
	go func() {
		l, err := c.get(context.Background(), "k", func() (hexbeat.HotspotLayer, error) {
			computed.Store(true)
			return hexbeat.HotspotLayer{Cells: make([]hexbeat.HotspotCell, 3)}, nil
		})
		if err == nil && len(l.Cells) != 3 {
			err = fmt.Errorf("%d cells", len(l.Cells))
		}
		got <- err
	}()
	time.Sleep(20 * time.Millisecond) // let it join the flight
	cancel()
	close(release)
	if err := <-leaderErr; !errors.Is(err, context.Canceled) {
		t.Errorf("leader: %v", err)
	}
	if err := <-got; err != nil || !computed.Load() {
		t.Errorf("follower: %v (computed itself: %v)", err, computed.Load())
	}

	// an error that is not the leader's own time is shared as before
	started2, release2 := make(chan struct{}), make(chan struct{})
	go c.get(context.Background(), "s", func() (hexbeat.HotspotLayer, error) {
		close(started2)
		<-release2
		return hexbeat.HotspotLayer{}, errors.New("store down")
	})
	<-started2
	go func() { time.Sleep(20 * time.Millisecond); close(release2) }()
	if _, err := c.get(context.Background(), "s", func() (hexbeat.HotspotLayer, error) {
		t.Error("a store error was not shared")
		return hexbeat.HotspotLayer{}, nil
	}); err == nil || err.Error() != "store down" {
		t.Errorf("shared error: %v", err)
	}
}
