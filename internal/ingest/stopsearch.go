package ingest

import (
	"context"
	"crypto/sha256"
	"strings"
	"time"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// readStopSearch reads a data.police.uk stop-and-search file. Records without a location
// are kept (the scrutiny report counts them) with nil coordinates; records whose
// coordinates are present but unusable are rejected.
func readStopSearch(ctx context.Context, cr *csvReader, h *header, opts Options, rep *Report, sink hexbeat.ImportSink) error {
	var (
		iType, iDate = h.col("Type"), h.col("Date")
		iOp, iOpName = h.col("Part of a policing operation"), h.col("Policing operation")
		iLat, iLon   = h.col("Latitude"), h.col("Longitude")
		iGender      = h.col("Gender")
		iAge         = h.col("Age range")
		iSelf        = h.col("Self-defined ethnicity")
		iOfficer     = h.col("Officer-defined ethnicity")
		iLeg         = h.col("Legislation")
		iObj         = h.col("Object of search")
		iOut         = h.col("Outcome")
		iLinked      = h.col("Outcome linked to object of search")
		iOuter       = h.col("Removal of more than just outer clothing")
		strs         = interner{}
		occ          = occurrences{}
		chunk        = newChunker(ctx, opts.ChunkSize, sink.AddStopSearches)
		content      []byte
	)
	if err := records(cr, h, rep, func(fields [][]byte, line int) error {
		at, err := time.Parse(time.RFC3339, string(field(fields, iDate)))
		if err != nil {
			rep.reject(ReasonBadTime, line)
			return nil
		}
		s := hexbeat.StopSearch{
			OccurredAt:           at.UTC(),
			Type:                 strs.get(field(fields, iType)),
			Operation:            parseBool(field(fields, iOp)) == boolTrue,
			OperationName:        strs.get(field(fields, iOpName)),
			Gender:               strs.get(field(fields, iGender)),
			AgeRange:             strs.get(field(fields, iAge)),
			SelfDefinedEthnicity: strs.get(field(fields, iSelf)),
			OfficerEthnicity:     strs.get(field(fields, iOfficer)),
			Legislation:          strs.get(field(fields, iLeg)),
			Object:               strs.get(field(fields, iObj)),
			Outcome:              strs.get(field(fields, iOut)),
			OutcomeLinked:        parseBool(field(fields, iLinked)).ptr(),
			OuterClothing:        parseBool(field(fields, iOuter)).ptr(),
		}
		lonB, latB := field(fields, iLon), field(fields, iLat)
		if len(lonB) > 0 || len(latB) > 0 {
			lon, lat, why := parseLonLat(lonB, latB)
			if why != "" {
				rep.reject(why, line)
				return nil
			}
			s.Lon, s.Lat = &lon, &lat
		} else {
			rep.WithoutLocation++
		}
		content = content[:0]
		for _, f := range fields {
			content = append(content, f...)
			content = append(content, 0)
		}
		s.Key = hexbeat.IncidentKey(policeNamespace+"/stop-search", "", content, occ.next(sha256.Sum256(content)))
		rep.Accepted++
		return chunk.add(s)
	}); err != nil {
		return err
	}
	return chunk.flush()
}

type tristate int

const (
	boolUnknown tristate = iota
	boolTrue
	boolFalse
)

func parseBool(b []byte) tristate {
	switch strings.ToLower(string(b)) {
	case "true", "yes", "1":
		return boolTrue
	case "false", "no", "0":
		return boolFalse
	}
	return boolUnknown
}

func (t tristate) ptr() *bool {
	if t == boolUnknown {
		return nil
	}
	v := t == boolTrue
	return &v
}
