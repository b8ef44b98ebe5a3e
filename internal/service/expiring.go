package service

import (
	"sync"
	"time"
)

// expiring holds what the store said of a credential (a key, a session) for a while: another
// process may change it (revoke the key, end the session), so each entry is trusted until
// its time and then asked for again. It holds at most expiringMax entries, starting afresh
// beyond them, so that a flood of made-up credentials cannot grow it.
type expiring[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]expiringEntry[V]
}

type expiringEntry[V any] struct {
	v     V
	until time.Time
}

const expiringMax = 10_000

// get is k's value while it is trusted at now.
func (e *expiring[K, V]) get(k K, now time.Time) (V, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	x, ok := e.m[k]
	if !ok || !now.Before(x.until) {
		var zero V
		return zero, false
	}
	return x.v, true
}

// put trusts v as k's value until until.
func (e *expiring[K, V]) put(k K, v V, until time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.m == nil || len(e.m) > expiringMax {
		e.m = map[K]expiringEntry[V]{}
	}
	e.m[k] = expiringEntry[V]{v: v, until: until}
}

// forget drops k: a change made here takes effect at once.
func (e *expiring[K, V]) forget(k K) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.m, k)
}

// forgetAll drops every entry.
func (e *expiring[K, V]) forgetAll() {
	e.mu.Lock()
	defer e.mu.Unlock()
	clear(e.m)
}
