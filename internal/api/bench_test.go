package api_test

import (
	"bytes"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/hexbeat/hexbeat/internal/api"
	"github.com/hexbeat/hexbeat/internal/testkit"
	"github.com/hexbeat/hexbeat/internal/testkit/realdata"
)

// BenchmarkHotspotTiles encodes the six zoom-9 vector tiles of the web map's Thames Valley
// view (Thames Valley, 2025-01..06, res 9: 21,838 cells). The layer is computed once
// before the timer starts, as the map's summary request does; this is the tiles' own cost
// (the answer cache is off, so that every tile is made).
func BenchmarkHotspotTiles(b *testing.B) {
	s := newServerWith(b, api.Config{CacheBytes: -1}, realdata.StreetMonths(b, 1, 6)...)
	const q = "?res=9&method=gistar&from=2025-01&to=2025-06"
	if code, _, body := get(b, s, "/api/v1/hotspots"+q+"&summary=true"); code != 200 {
		b.Fatalf("summary: %d %s", code, body)
	}
	var bytes int
	b.ResetTimer()
	for range b.N {
		bytes = 0
		for x := 253; x <= 255; x++ {
			for y := 169; y <= 170; y++ {
				req := httptest.NewRequest("GET", fmt.Sprintf("/tiles/hotspots/9/%d/%d.mvt%s", x, y, q), nil)
				req.Header.Set("Accept-Encoding", "gzip")
				res, err := s.App().Test(req, -1)
				if err != nil || res.StatusCode != 200 {
					b.Fatalf("tile %d/%d: %v", x, y, err)
				}
				bytes += int(res.ContentLength)
				res.Body.Close()
			}
		}
	}
	b.ReportMetric(float64(bytes), "B/view")
}

// BenchmarkHotspotSummary: the map's summary of a new Gi* layer (Thames Valley, res 9, one
// category), the other half of a
// change of the map's filters. (Alpha moves by a millionth each time: a new layer.)
func BenchmarkHotspotSummary(b *testing.B) {
	s := newServer(b, realdata.StreetMonths(b, 1, 6)...)
	cats := []string{"Anti-social+behaviour", "Violence+and+sexual+offences", "Shoplifting", "Burglary", "Vehicle+crime", "Criminal+damage+and+arson"}
	b.ResetTimer()
	for i := range b.N {
		url := fmt.Sprintf("/api/v1/hotspots?res=9&method=gistar&from=2025-%02d&to=2025-06&category=%s&summary=true&alpha=%g", 1+i/len(cats)%5, cats[i%len(cats)], 0.05+float64(i)*1e-6)
		if code, _, body := get(b, s, url); code != 200 {
			b.Fatalf("%s: %d %s", url, code, body)
		}
	}
}

// BenchmarkCellsLayer: a large GeoJSON layer, the counts of Thames Valley at res 10 over
// six months (17,526 hexagons, 5.5 MB), as an analyst or a GIS asks for it; the answer
// cache is off, so that each request builds the layer and writes every hexagon.
func BenchmarkCellsLayer(b *testing.B) {
	s := newServerWith(b, api.Config{CacheBytes: -1}, realdata.StreetMonths(b, 1, 6)...)
	var size, cells int
	b.ResetTimer()
	for range b.N {
		code, _, body := get(b, s, "/api/v1/cells?res=10&from=2025-01&to=2025-06")
		if code != 200 {
			b.Fatalf("cells: %d %s", code, body)
		}
		size, cells = len(body), bytes.Count(body, []byte(`"type":"Feature",`))
	}
	b.ReportMetric(float64(size), "B/layer")
	b.ReportMetric(float64(cells), "cells/layer")
}

// BenchmarkOGCPages reads the Milton Keynes hot spot layer (six months, res 9: about 3,300
// cells) through OGC API – Features ten features a request, as GDAL 3.6 reads a layer
// unless told a page size. The answer cache is on, as a server runs.
func BenchmarkOGCPages(b *testing.B) {
	s := newServer(b, append(realdata.StreetMonths(b, 1, 6), testkit.Data(b, "boundaries/milton-keynes-boundary.geojson"))...)
	pages := 0
	b.ResetTimer()
	for i := range b.N {
		pages = 0
		for off := 0; ; off += 10 {
			url := fmt.Sprintf("/ogc/collections/hotspots/items?res=9&area=E06000042&alpha=%g&limit=10&offset=%d", 0.05+float64(i)*1e-6, off)
			code, _, body := get(b, s, url)
			if code != 200 {
				b.Fatalf("%s: %d %s", url, code, body)
			}
			pages++
			if !bytes.Contains(body, []byte(`"rel":"next"`)) {
				break
			}
		}
	}
	b.ReportMetric(float64(pages), "pages")
}
