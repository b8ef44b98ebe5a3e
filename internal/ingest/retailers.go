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
	iLon, iLat := h.col(lonNames...), h.col(latNames...)
	iCat, iAddr, iSize := h.col(retailerCategory...), h.col(retailerAddress...), h.col(retailerSize...)
	if iName < 0 || iLon < 0 || iLat < 0 {
		return &FormatError{Line: 1, Reason: "a retailer register needs name, longitude and latitude columns"}
	}
	var out []hexbeat.Retailer
	seen := map[string]bool{}
	if err := records(cr, h, rep, func(fields [][]byte, line int) error {
		lon, lat, why := parseLonLat(field(fields, iLon), field(fields, iLat))
		if why != "" {
			rep.reject(why, line)
			return nil
		}
		name := string(field(fields, iName))
		if name == "" {
			rep.reject(ReasonMissingField, line)
			return nil
		}
		id := string(field(fields, iID))
		if id == "" {
			id = fmt.Sprintf("%s@%.6f,%.6f", name, lon, lat)
		}
		if seen[id] {
			rep.Duplicates++
			rep.InFileDups++
			return nil
		}
		seen[id] = true
		cat := string(field(fields, iCat))
		if cat == "" {
			cat = "unknown"
		}
		out = append(out, hexbeat.Retailer{ID: id, Name: name, Category: cat, Address: string(field(fields, iAddr)),
			SizeBand: string(field(fields, iSize)), Lon: lon, Lat: lat})
		rep.Accepted++
		return nil
	}); err != nil {
		return err
	}
	if len(out) == 0 {
		return nil
	}
	return sink.PutRetailers(ctx, out)
}
