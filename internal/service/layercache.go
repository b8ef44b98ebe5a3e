package service

import (
	"encoding/json"
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
}

type layerEntry struct {
	done  chan struct{}
	layer hexbeat.HotspotLayer
	err   error
}

const layerCacheSize = 16

func (c *layerCache) get(key string, compute func() (hexbeat.HotspotLayer, error)) (hexbeat.HotspotLayer, error) {
	c.mu.Lock()
	if c.entries == nil {
		c.entries = map[string]*layerEntry{}
	}
	if e, ok := c.entries[key]; ok {
		c.mu.Unlock()
		<-e.done
		return e.layer, e.err
	}
	e := &layerEntry{done: make(chan struct{})}
	c.entries[key] = e
	c.order = append(c.order, key)
	if len(c.order) > layerCacheSize {
		delete(c.entries, c.order[0])
		c.order = c.order[1:]
	}
	c.mu.Unlock()
	e.layer, e.err = compute()
	close(e.done)
	if e.err != nil { // errors are not kept: the next request tries again
		c.mu.Lock()
		if c.entries[key] == e {
			delete(c.entries, key)
		}
		c.mu.Unlock()
	}
	return e.layer, e.err
}

func (c *layerCache) clear() {
	c.mu.Lock()
	c.entries, c.order = nil, nil
	c.mu.Unlock()
}

// layerKey identifies a resolved query over one version of the data.
func layerKey(version string, q hexbeat.HotspotQuery) string {
	b, _ := json.Marshal(q)
	return version + "|" + string(b)
}
