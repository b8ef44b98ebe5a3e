package ingest

import (
	"context"
	"crypto/sha256"
	"io"

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
		chunk       = make([]hexbeat.Outcome, 0, opts.ChunkSize)
		content     []byte
	)
	for {
		fields, line, err := cr.read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if err := checkWidth(fields, h, line); err != nil {
			return err
		}
		rep.Rows++
		month, ok := months.parse(field(fields, iMonth))
		if !ok {
			rep.reject(ReasonBadMonth, line)
			continue
		}
		id, typ := field(fields, iID), field(fields, iType)
		if len(id) == 0 || len(typ) == 0 {
			rep.reject(ReasonMissingField, line)
			continue
		}
		o := hexbeat.Outcome{CrimeID: string(id), Month: month, Type: strs.get(typ), AreaCode: strs.get(field(fields, iCode))}
		lonB, latB := field(fields, iLon), field(fields, iLat)
		if len(lonB) > 0 || len(latB) > 0 {
			lon, lat, why := parseLonLat(lonB, latB)
			if why != "" {
				rep.reject(why, line)
				continue
			}
			o.Lon, o.Lat = &lon, &lat
		}
		content = append(append(append(content[:0], field(fields, iMonth)...), 0), typ...)
		o.Key = hexbeat.IncidentKey(policeNamespace+"/outcome/"+o.CrimeID, "", content, occ.next(sha256.Sum256(append(content, id...))))
		rep.Accepted++
		chunk = append(chunk, o)
		if len(chunk) == cap(chunk) {
			if err := sink.AddOutcomes(ctx, chunk); err != nil {
				return err
			}
			chunk = chunk[:0]
		}
	}
	if len(chunk) > 0 {
		return sink.AddOutcomes(ctx, chunk)
	}
	return nil
}
