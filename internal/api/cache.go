package api

import (
	"bytes"
	"compress/gzip"
	"container/list"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gofiber/fiber/v2"
)

// respCache keeps recent answers of the read-only layer routes, keyed by the request and
// the data version, so that a map full of users asking for the same layer costs one
// computation. Bounded in bytes; least recently used out first.
type respCache struct {
	mu       sync.Mutex
	max      int
	used     int
	items    map[string]*list.Element
	order    *list.List         // front: most recent
	inflight map[string]*flight // answers being computed

	hits, misses atomic.Int64 // for /metrics: answered from the cache (or a shared flight), or computed
}

// cacheStats is what /metrics reports of the cache.
type cacheStats struct{ bytes, entries, hits, misses int64 }

func (rc *respCache) stats() cacheStats {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return cacheStats{bytes: int64(rc.used), entries: int64(len(rc.items)), hits: rc.hits.Load(), misses: rc.misses.Load()}
}

// flight is one answer being computed; requests for the same key wait for it instead of
// computing it again (after an import empties the cache, a busy map would otherwise start
// the same expensive analysis once per waiting client).
type flight struct {
	done chan struct{}
	resp *cachedResp // nil when the computation did not give a cacheable answer
}

type cachedResp struct {
	key         string
	contentType string
	headers     [][2]string // the answer's own headers (keptHeaders), replayed with it
	body, gz    []byte
}

func (e *cachedResp) size() int { return len(e.key) + len(e.body) + len(e.gz) + 128 }

// keptHeaders are the headers a handler sets that belong to its answer.
var keptHeaders = []string{"X-Hexbeat-Data", NoteHeader, fiber.HeaderContentDisposition}

func newRespCache(max int) *respCache {
	return &respCache{max: max, items: map[string]*list.Element{}, order: list.New(), inflight: map[string]*flight{}}
}

func (rc *respCache) get(key string) *cachedResp {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if el, ok := rc.items[key]; ok {
		rc.order.MoveToFront(el)
		return el.Value.(*cachedResp)
	}
	return nil
}

func (rc *respCache) put(e *cachedResp) {
	if e.size() > rc.max/4 {
		return // one answer may not crowd out the rest
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if el, ok := rc.items[e.key]; ok {
		rc.used -= el.Value.(*cachedResp).size()
		rc.order.Remove(el)
	}
	rc.items[e.key] = rc.order.PushFront(e)
	rc.used += e.size()
	for rc.used > rc.max {
		last := rc.order.Back()
		old := last.Value.(*cachedResp)
		rc.order.Remove(last)
		delete(rc.items, old.key)
		rc.used -= old.size()
	}
}

// cached answers from the cache when it can; otherwise it runs h and keeps a successful
// answer (with a gzip copy for clients that accept it). It sits behind the key check, so
// only a caller allowed the route ever reaches a cached answer.
func (s *Server) cached(h fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if s.cache == nil {
			return h(c)
		}
		key := c.Method() + " " + c.Path() + "?" + string(c.Request().URI().QueryString()) + "#" + s.state.DataVersion()
		if e := s.cache.get(key); e != nil {
			s.cache.hits.Add(1)
			c.Set("X-Hexbeat-Cache", "hit")
			return s.sendCached(c, e)
		}
		f, leader := s.cache.join(key)
		if !leader {
			select {
			case <-f.done:
				if f.resp != nil {
					s.cache.hits.Add(1)
					c.Set("X-Hexbeat-Cache", "shared")
					return s.sendCached(c, f.resp)
				}
			case <-c.UserContext().Done():
				return c.UserContext().Err()
			}
		}
		s.cache.misses.Add(1)
		c.Set("X-Hexbeat-Cache", "miss")
		if leader {
			defer s.cache.land(key, f)
		}
		if err := s.bounded(h)(c); err != nil {
			return err
		}
		res := c.Response()
		if res.StatusCode() != fiber.StatusOK || len(res.Header.Peek(fiber.HeaderContentEncoding)) > 0 || c.Locals(localExported) != nil {
			return nil // a download is audited each time, so never answered from the cache
		}
		e := &cachedResp{key: key, contentType: string(res.Header.ContentType()), body: bytes.Clone(res.Body())}
		for _, h := range keptHeaders {
			for _, v := range res.Header.PeekAll(h) {
				e.headers = append(e.headers, [2]string{h, string(v)})
			}
		}
		if len(e.body) > 1024 {
			e.gz = gzipFast(e.body)
		}
		s.cache.put(e)
		if leader {
			f.resp = e
		}
		return s.sendCached(c, e) // compressed for a client that accepts it, as later answers are
	}
}

// join returns the flight computing key, starting one (leader true) when there is none.
func (rc *respCache) join(key string) (*flight, bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if f, ok := rc.inflight[key]; ok {
		return f, false
	}
	f := &flight{done: make(chan struct{})}
	rc.inflight[key] = f
	return f, true
}

// land ends a flight: the waiting requests take its answer (or compute their own).
func (rc *respCache) land(key string, f *flight) {
	rc.mu.Lock()
	delete(rc.inflight, key)
	rc.mu.Unlock()
	close(f.done)
}

func (s *Server) sendCached(c *fiber.Ctx, e *cachedResp) error {
	c.Set(fiber.HeaderContentType, e.contentType)
	for _, h := range e.headers {
		c.Append(h[0], h[1])
	}
	c.Set(fiber.HeaderVary, fiber.HeaderAcceptEncoding)
	if e.gz != nil && acceptsGzip(c) {
		c.Set(fiber.HeaderContentEncoding, "gzip")
		return c.Send(e.gz)
	}
	return c.Send(e.body)
}

func acceptsGzip(c *fiber.Ctx) bool {
	return strings.Contains(c.Get(fiber.HeaderAcceptEncoding), "gzip")
}

var gzipWriters = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed); return w }}

// gzipFast compresses at gzip's fastest level: answers are compressed as they are made,
// on the path of every change of the map, where the default level cost more than making a
// vector tile.
func gzipFast(b []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(b) / 3)
	zw := gzipWriters.Get().(*gzip.Writer)
	zw.Reset(&buf)
	zw.Write(b)
	zw.Close()
	gzipWriters.Put(zw)
	return buf.Bytes()
}
