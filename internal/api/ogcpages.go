package api

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/catalog"
	"github.com/hexbeat/hexbeat/internal/encode"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
)

// OGC clients read a layer a page at a time: GDAL 3.6 asks for ten features a request
// unless told otherwise, so the 21,838 hot spot cells of Thames Valley came in 2,184
// requests, each computing the whole layer again (0.9 s) to cut one page from it. The
// pages of a layer are therefore cut from one computation, kept, per data version, for the
// layers that depend on nothing but the incidents and boundaries (the same ones the answer
// cache keeps).

// pagedLayer is one layer's features, each already encoded (or encoded when its page is
// asked for), with the collection's other members (demo, notes, res ...).
type pagedLayer struct {
	key      string
	features []json.RawMessage           // nil when encode makes each on demand
	encode   func(i int) json.RawMessage // feature i, for a layer not encoded ahead
	ids      []string                    // each feature's id, for the single-item route
	extra    map[string]any
	size     int
}

// page is the encoded features from offset, at most limit of them.
func (pl *pagedLayer) page(offset, limit int) []json.RawMessage {
	n := len(pl.ids)
	from, to := min(offset, n), min(offset+limit, n)
	if pl.features != nil {
		return pl.features[from:to]
	}
	out := make([]json.RawMessage, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, pl.encode(i))
	}
	return out
}

// pageCache keeps the last few layers read a page at a time; bounded in entries and bytes.
type pageCache struct {
	mu    sync.Mutex
	items []*pagedLayer // most recent last
	max   int
}

const pageCacheEntries = 4

func (pc *pageCache) get(key string) *pagedLayer {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	for i, e := range pc.items {
		if e.key == key {
			pc.items = append(append(pc.items[:i:i], pc.items[i+1:]...), e)
			return e
		}
	}
	return nil
}

func (pc *pageCache) put(e *pagedLayer) {
	if e.size > pc.max/2 {
		return
	}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	pc.items = slices.DeleteFunc(pc.items, func(x *pagedLayer) bool { return x.key == e.key })
	pc.items = append(pc.items, e)
	used := 0
	for _, x := range pc.items {
		used += x.size
	}
	for len(pc.items) > pageCacheEntries || used > pc.max {
		used -= pc.items[0].size
		pc.items = pc.items[1:]
	}
}

// pagedKey names a layer's computation: its query without the paging parameters, in a
// fixed order, and the data version.
func (s *Server) pagedKey(c *fiber.Ctx, l layer) string {
	var kv []string
	c.Request().URI().QueryArgs().VisitAll(func(k, v []byte) {
		if key := string(k); key != "limit" && key != "offset" {
			kv = append(kv, key+"="+string(v))
		}
	})
	slices.Sort(kv)
	return l.ID + "?" + strings.Join(kv, "&") + "#" + s.state.DataVersion()
}

// paged returns the layer's features (those meeting bbox, in order) for cutting pages from.
func (s *Server) paged(c *fiber.Ctx, l layer, p *catalog.Params, bbox *orb.Bound) (*pagedLayer, error) {
	if l.pages != nil {
		return l.pages(s, c, p, bbox)
	}
	var key string
	if s.pages != nil && l.kept {
		key = s.pagedKey(c, l)
		if e := s.pages.get(key); e != nil {
			return e, nil
		}
	}
	fc, err := s.cat.Collect(c.UserContext(), l.Layer, p, bbox)
	if err != nil {
		return nil, err
	}
	e := &pagedLayer{key: key, features: make([]json.RawMessage, len(fc.Features)), ids: make([]string, len(fc.Features)), extra: fc.ExtraMembers}
	for i, f := range fc.Features {
		if e.features[i], err = json.Marshal(f); err != nil {
			return nil, err
		}
		e.ids[i] = encode.FeatureID(f)
		e.size += len(e.features[i]) + len(e.ids[i])
	}
	if key != "" {
		s.pages.put(e)
	}
	return e, nil
}

// boundaryPages pages the boundaries as they are held, encoding only the features asked
// for. Encoded whole and decoded again to be cut (as the analysis layers are), 35,000 LSOA
// polygons took 4.7 s a page, too large for the page cache to keep; a register of 50,000
// shops (retailerPages) took 1 s a page.
func (s *Server) boundaryPages(c *fiber.Ctx, p *catalog.Params, bbox *orb.Bound) (*pagedLayer, error) {
	kept, _, err := s.cat.HeldBoundaries(p, bbox)
	if err != nil {
		return nil, err
	}
	return s.lazyPages(len(kept), func(i int) string { return kept[i].ID },
		func(i int) json.RawMessage { return encode.Boundary(kept[i]) }), nil
}

// lazyPages is a layer of n features, each encoded when its page is asked for.
func (s *Server) lazyPages(n int, id func(i int) string, write func(i int) json.RawMessage) *pagedLayer {
	pl := &pagedLayer{ids: make([]string, n), extra: map[string]any{"demo": s.layers.Demo()}, encode: write}
	for i := range n {
		pl.ids[i] = id(i)
	}
	return pl
}

// retailerPages pages the retailer register as the store holds it (see boundaryPages).
func (s *Server) retailerPages(c *fiber.Ctx, p *catalog.Params, bbox *orb.Bound) (*pagedLayer, error) {
	if err := p.Err(); err != nil {
		return nil, err
	}
	shops, tests, err := s.retail.Retailers(c.UserContext())
	if err != nil {
		return nil, err
	}
	var kept []hexbeat.Retailer
	for _, r := range shops {
		if bbox == nil || bbox.Contains(orb.Point{r.Lon, r.Lat}) {
			kept = append(kept, r)
		}
	}
	return s.lazyPages(len(kept), func(i int) string { return kept[i].ID }, func(i int) json.RawMessage {
		b, _ := json.Marshal(encode.RetailerFeature(kept[i], tests[kept[i].ID])) // a feature of strings and numbers
		return b
	}), nil
}
