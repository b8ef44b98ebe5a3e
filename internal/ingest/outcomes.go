package ingest

import (
	"context"
	"crypto/sha256"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// readOutcomes reads a data.police.uk outcomes file: case outcomes keyed by Crime ID.
func readOutcomes(ctx context.Context, cr *csvReader, h *header, opts Options, rep *Report, sink hexbeat.ImportSink) error {
	var (
		iID, iMonth = h.col("Crime ID"), h.col("Month")
		iLon, iLat  = h.col("Longitude"), h.col("Latitude")
		iCode       = h.col("LSOA code")
		iType       = h.col("Outcome type")
		strs        = interner{}
		months      monthCache
		occ         = occurrences{}
		chunk       = newChunker(ctx, opts.ChunkSize, sink.AddOutcomes)
		content     []byte
	)
	if err := records(cr, h, rep, func(fields [][]byte, line int) error {
		month, ok := months.parse(field(fields, iMonth))
		if !ok {
			rep.reject(ReasonBadMonth, line)
			return nil
		}
		id, typ := field(fields, iID), field(fields, iType)
		if len(id) == 0 || len(typ) == 0 {
			rep.reject(ReasonMissingField, line)
			return nil
		}
		o := hexbeat.Outcome{CrimeID: string(id), Month: month, Type: strs.get(typ), AreaCode: strs.get(field(fields, iCode))}
		lonB, latB := field(fields, iLon), field(fields, iLat)
		if len(lonB) > 0 || len(latB) > 0 {
			lon, lat, why := parseLonLat(lonB, latB)
			if why != "" {
				rep.reject(why, line)
				return nil
			}
			o.Lon, o.Lat = &lon, &lat
		} else {
			rep.WithoutLocation++
		}
		content = append(append(append(content[:0], field(fields, iMonth)...), 0), typ...)
		o.Key = hexbeat.IncidentKey(policeNamespace+"/outcome/"+o.CrimeID, "", content, occ.next(sha256.Sum256(append(content, id...))))
		rep.Accepted++
		return chunk.add(o)
	}); err != nil {
		return err
	}
	return chunk.flush()
}
