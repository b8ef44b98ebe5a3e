package encode

import "github.com/hexbeat/hexbeat/internal/grid"

// Encoder writes the layers made of H3 cells. It remembers the outlines of the cells it
// has written: writing the 14 coordinates of each hexagon took half of a large layer's
// time. One Encoder serves a whole server (it is safe for concurrent use); whoever makes
// it owns its memory.
type Encoder struct {
	cells *grid.CellMemo[byte]
}

// DefaultCellMemo is the number of cell outlines an Encoder remembers (about 17 MB) before
// it starts again.
const DefaultCellMemo = 1 << 16

// New returns an Encoder remembering up to cells outlines (DefaultCellMemo when 0 or less).
func New(cells int) *Encoder {
	if cells <= 0 {
		cells = DefaultCellMemo
	}
	return &Encoder{cells: grid.NewCellMemo[byte](cells)}
}
