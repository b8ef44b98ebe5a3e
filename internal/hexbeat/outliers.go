package hexbeat

// Cluster and outlier types of a significant cell (Anselin's local Moran's I, as ArcGIS's
// Cluster and Outlier Analysis names them): the cell's value against the study area's
// mean, then its neighbours' mean against the same mean.
const (
	HighHigh = "HH" // a high cell among high neighbours: part of a cluster of crime
	LowLow   = "LL" // a low cell among low neighbours
	HighLow  = "HL" // a high cell among low neighbours: an isolated hot spot (one premises, one street)
	LowHigh  = "LH" // a low cell among high neighbours: a gap inside a hot area
)

// OutlierCell is one study-area cell of a cluster and outlier layer.
type OutlierCell struct {
	Cell    uint64
	Count   int
	Value   float64 // weighted count
	Lag     float64 // the neighbours' mean weighted count
	I, Z, P float64 // local Moran's I, its z-score and two-sided p (NaN without neighbours)
	PFDR    float64 // Benjamini–Hochberg adjusted p
	Type    string  // HighHigh, LowLow, HighLow or LowHigh when significant; "" otherwise
}

// OutlierLayer is Anselin's local Moran's I on every cell of a study area: where crime
// clusters (HH, LL) and where a cell stands out from its neighbours (HL, LH).
type OutlierLayer struct {
	Query     HotspotQuery // as run: K the radius, Weight the weighting, Alpha the level
	StudyArea string
	Cells     []OutlierCell // in cell order
	Total     int
	Types     map[string]int // significant cells by type
	Moran     Moran          // global Moran's I over the same neighbourhoods (binary weights)
	Scale     *Scale         // how K was chosen, for k=auto
	Notes     []string
}
