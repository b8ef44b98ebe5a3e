package service

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// layerCache keeps the last hotspot layers computed, keyed by the resolved query and the
// data version, so that the tiles of one map view, its summary and its OGC pages cost one
// computation. Requests for a layer being computed wait for it instead of computing it again.
// The layers are shared: callers must not change them.
type layerCache struct {
	mu      sync.Mutex
	entries map[string]*layerEntry
	order   []string // oldest first
	cells   int      // cells held by the finished entries
}

type layerEntry struct {
	done    chan struct{}
	layer   hexbeat.HotspotLayer
	err     error
	counted bool // its cells are in layerCache.cells
}

// At most 16 layers and 2 million cells (about 200 MB) are kept.
const (
	layerCacheSize  = 16
	layerCacheCells = 2_000_000
)

// get returns the layer under key, computing it with compute when no request has. A request
// that waits for another's computation stops waiting when its own ctx ends; and when that
// computation was cut off by its own request's end (a time limit, a client gone), a waiting
// request that still has time computes the layer itself rather than take that error.
func (c *layerCache) get(ctx context.Context, key string, compute func() (hexbeat.HotspotLayer, error)) (hexbeat.HotspotLayer, error) {
	for {
		c.mu.Lock()
		if c.entries == nil {
			c.entries = map[string]*layerEntry{}
		}
		e, ok := c.entries[key]
		if !ok {
			break // c.mu still held: this request computes
		}
		c.mu.Unlock()
		select {
		case <-e.done:
		case <-ctx.Done():
			return hexbeat.HotspotLayer{}, ctx.Err()
		}
		if isContextErr(e.err) && ctx.Err() == nil {
			continue // the entry was dropped with the error; try again
		}
		return e.layer, e.err
	}
	e := &layerEntry{done: make(chan struct{})}
	c.entries[key] = e
	c.order = append(c.order, key)
	c.evict()
	c.mu.Unlock()
	layer, err := compute()
	c.mu.Lock()
	e.layer, e.err = layer, err
	if c.entries[key] == e {
		if err != nil { // errors are not kept: the next request tries again
			c.drop(key)
		} else {
			c.cells += len(layer.Cells)
			e.counted = true
			c.evict()
		}
	}
	close(e.done)
	c.mu.Unlock()
	return layer, err
}

func isContextErr(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

// evict drops the oldest entries while there are too many or they hold too many cells;
// the newest stays.
func (c *layerCache) evict() {
	for len(c.order) > 1 && (len(c.order) > layerCacheSize || c.cells > layerCacheCells) {
		c.drop(c.order[0])
	}
}

func (c *layerCache) drop(key string) {
	e := c.entries[key]
	if e == nil {
		return
	}
	if e.counted {
		c.cells -= len(e.layer.Cells)
	}
	delete(c.entries, key)
	c.order = slices.DeleteFunc(c.order, func(k string) bool { return k == key })
}

func (c *layerCache) clear() {
	c.mu.Lock()
	c.entries, c.order, c.cells = nil, nil, 0
	c.mu.Unlock()
}

// layerKey identifies a resolved query over one version of the data.
func layerKey(version string, q hexbeat.HotspotQuery) string {
	b, _ := json.Marshal(q)
	return version + "|" + string(b)
}
