package grid

import "sync"

// CellMemo remembers a run of values per cell (an outline's points, the text written for
// it), one run after another in one slice. It holds at most max cells, then starts again:
// a run forgotten is made again. Safe for concurrent use.
type CellMemo[T any] struct {
	mu  sync.RWMutex
	max int
	at  map[uint64]memoRef
	all []T
}

type memoRef struct{ off, n uint32 }

// NewCellMemo returns a memo of at most max cells.
func NewCellMemo[T any](max int) *CellMemo[T] { return &CellMemo[T]{max: max} }

// Append appends cell's run to dst; ok is false, and dst as it was, when none is held.
func (m *CellMemo[T]) Append(dst []T, cell uint64) (_ []T, ok bool) {
	m.mu.RLock()
	r, ok := m.at[cell]
	if ok {
		dst = append(dst, m.all[r.off:r.off+r.n]...)
	}
	m.mu.RUnlock()
	return dst, ok
}

// Put remembers a copy of run for cell, unless one is held.
func (m *CellMemo[T]) Put(cell uint64, run []T) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.at[cell]; ok {
		return
	}
	if m.at == nil || len(m.at) >= m.max {
		m.at = make(map[uint64]memoRef, 1024)
		m.all = m.all[:0]
	}
	m.at[cell] = memoRef{off: uint32(len(m.all)), n: uint32(len(run))}
	m.all = append(m.all, run...)
}

// Len is the number of cells held.
func (m *CellMemo[T]) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.at)
}
