package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// policeNamespace scopes the keys of data.police.uk rows: Crime IDs are unique across forces.
const policeNamespace = "police.uk"

// readStreet reads a data.police.uk street-level crime file.
func readStreet(ctx context.Context, cr *csvReader, h *header, opts Options, rep *Report, sink hexbeat.ImportSink) error {
	var (
		iID, iMonth  = h.col("Crime ID"), h.col("Month")
		iFalls       = h.col("Falls within")
		iLon, iLat   = h.col("Longitude"), h.col("Latitude")
		iLoc         = h.col("Location")
		iCode, iName = h.col("LSOA code"), h.col("LSOA name")
		iType, iOut  = h.col("Crime type"), h.col("Last outcome category")
		iCtx         = h.col("Context")
		strs         = interner{}
		points       = newPointCache()
		code, name   lastString
		force        lastString
		months       monthCache
		cats         = categoryCache{}
		occ          = occurrences{}
		chunk        = newChunker(ctx, opts.ChunkSize, sink.AddIncidents)
		// A row without a Crime ID (anti-social behaviour) is keyed by what the data.police.uk
		// API also gives (month, force, map point, location, type, context), so that a month
		// fetched through the API and the same month's file key it alike. LSOA (which the
		// API lacks) follows from the map point; such rows have no outcome.
		contentCols = []int{iMonth, iFalls, iLon, iLat, iLoc, iType, iCtx}
		content     []byte
	)
	if err := records(cr, h, rep, func(fields [][]byte, line int) error {
		month, ok := months.parse(field(fields, iMonth))
		if !ok {
			rep.reject(ReasonBadMonth, line)
			return nil
		}
		pt, why := points.get(field(fields, iLon), field(fields, iLat))
		if why != "" {
			rep.reject(why, line)
			return nil
		}
		typ := field(fields, iType)
		if len(typ) == 0 {
			rep.reject(ReasonNoCategory, line)
			return nil
		}
		cat, ok := cats.lookup(typ, opts.Taxonomy)
		if !ok {
			rep.reject(ReasonBadCategory, line)
			return nil
		}
		inc := hexbeat.Incident{
			OccurredAt: month,
			Precision:  hexbeat.PrecisionMonth,
			Category:   cat.Name,
			Lon:        pt.lon,
			Lat:        pt.lat,
			Cell:       pt.cell,
			Location:   pt.locationOf(field(fields, iLoc), strs),
			AreaCode:   code.get(field(fields, iCode), strs),
			AreaName:   name.get(field(fields, iName), strs),
			Force:      force.get(field(fields, iFalls), strs),
			Outcome:    strs.get(field(fields, iOut)),
		}
		if id := field(fields, iID); len(id) > 0 {
			// a Crime ID repeated within the file (seen on "No Location" rows) is one crime:
			// both rows get the same key and the store keeps one
			inc.Key = crimeIDKey(id)
			inc.SourceID = string(id)
		} else {
			content = content[:0]
			for _, i := range contentCols {
				content = append(content, field(fields, i)...)
				content = append(content, 0)
			}
			inc.Key = hexbeat.IncidentKey(policeNamespace, "", content, occ.next(sha256.Sum256(content)))
		}
		rep.Accepted++
		return chunk.add(inc)
	}); err != nil {
		return err
	}
	return chunk.flush()
}

// crimeIDKey derives the key of a police.uk Crime ID. The IDs are themselves SHA-256 digests
// in hex, so the first 16 bytes serve as the key without hashing again; anything else is
// hashed.
func crimeIDKey(id []byte) hexbeat.Key {
	var k hexbeat.Key
	if len(id) == 64 {
		if _, err := hex.Decode(k[:], id[:32]); err == nil {
			return k
		}
	}
	return hexbeat.IncidentKey(policeNamespace, unsafeString(id), nil, 0)
}
