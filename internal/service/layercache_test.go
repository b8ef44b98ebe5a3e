package service

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

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
			if l, err := c.get("a", layer(10)); err != nil || len(l.Cells) != 10 {
				t.Errorf("a: %d cells, %v", len(l.Cells), err)
			}
		}()
	}
	wg.Wait()
	if runs.Load() != 1 {
		t.Errorf("%d computations of one layer", runs.Load())
	}
	if _, err := c.get("bad", func() (hexbeat.HotspotLayer, error) { return hexbeat.HotspotLayer{}, errors.New("store down") }); err == nil {
		t.Error("no error")
	}
	if _, err := c.get("bad", layer(1)); err != nil {
		t.Errorf("an error was kept: %v", err)
	}
	c.get("big", layer(layerCacheCells))
	if _, ok := c.entries["a"]; ok || c.cells != layerCacheCells || len(c.order) != 1 {
		t.Errorf("after a layer of %d cells: %d cells held in %v", layerCacheCells, c.cells, c.order)
	}
	for i := range layerCacheSize + 5 {
		c.get(fmt.Sprint(i), layer(1))
	}
	if len(c.entries) != layerCacheSize || c.cells != layerCacheSize {
		t.Errorf("%d entries, %d cells", len(c.entries), c.cells)
	}
}
