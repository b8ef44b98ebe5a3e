package ingest

import (
	"context"
	"fmt"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

var (
	retailerID       = []string{"id", "retailer_id", "premises_id", "uprn"}
	retailerName     = []string{"name", "store_name", "retailer", "business_name", "trading_name"}
	retailerCategory = []string{"category", "type", "retailer_type", "premises_type"}
	retailerAddress  = []string{"address", "full_address"}
	retailerSize     = []string{"size_band", "size"}
)

// readRetailers reads a retailer register: one shop a row with a name and coordinates.
// Re-importing a register replaces the rows with the same id.
func readRetailers(ctx context.Context, cr *csvReader, h *header, opts Options, rep *Report, sink hexbeat.ImportSink) error {
	iID, iName := h.col(retailerID...), h.col(retailerName...)
	at := h.registerCoords()
	iCat, iAddr, iSize := h.col(retailerCategory...), h.col(retailerAddress...), h.col(retailerSize...)
	if iName < 0 || !at.given() {
		return &FormatError{Line: 1, Reason: "a retailer register needs a name column and longitude and latitude, easting and northing, or grid reference columns"}
	}
	out, err := registerRows(cr, h, rep, at, func(fields [][]byte, pl place) (string, hexbeat.Retailer, string) {
		name := string(field(fields, iName))
		if name == "" {
			return "", hexbeat.Retailer{}, ReasonMissingField
		}
		id := string(field(fields, iID))
		if id == "" {
			id = fmt.Sprintf("%s@%.6f,%.6f", name, pl.lon, pl.lat)
		}
		cat := string(field(fields, iCat))
		if cat == "" {
			cat = "unknown"
		}
		return id, hexbeat.Retailer{ID: id, Name: name, Category: cat, Address: string(field(fields, iAddr)),
			SizeBand: string(field(fields, iSize)), Lon: pl.lon, Lat: pl.lat, GridSquare: pl.square}, ""
	})
	if err != nil || len(out) == 0 {
		return err
	}
	return sink.PutRetailers(ctx, out)
}

// registerRows reads the rows of a register (retailers, cameras): a row without usable
// coordinates is rejected by line; row makes the others into an item and its id, or gives
// the reason to reject it; an id already seen in the file is a duplicate.
func registerRows[T any](cr *csvReader, h *header, rep *Report, at coordColumns, row func(fields [][]byte, at place) (id string, item T, why string)) ([]T, error) {
	var out []T
	seen := map[string]bool{}
	err := records(cr, h, rep, func(fields [][]byte, line int) error {
		pl, why := at.point(fields)
		if why != "" {
			rep.reject(why, line)
			return nil
		}
		id, item, why := row(fields, pl)
		switch {
		case why != "":
			rep.reject(why, line)
		case seen[id]:
			rep.Duplicates++
			rep.InFileDups++
		default:
			seen[id] = true
			out = append(out, item)
			rep.Accepted++
		}
		return nil
	})
	return out, err
}
