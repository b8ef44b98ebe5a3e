package policeuk

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
)

// StreetHeader is the header of a police.uk street-level crime file.
var StreetHeader = []string{"Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location", "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context"}

// StopHeader is the header of a police.uk stop-and-search file.
var StopHeader = []string{"Type", "Date", "Part of a policing operation", "Policing operation", "Latitude", "Longitude", "Gender", "Age range", "Self-defined ethnicity", "Officer-defined ethnicity", "Legislation", "Object of search", "Outcome", "Outcome linked to object of search", "Removal of more than just outer clothing"}

// WriteStreetCSV writes crimes as a police.uk street file. The API gives no LSOA, so those
// columns are empty; forceName fills "Reported by" and "Falls within"; names maps the
// API's category slugs to the files' names. A crime whose category the map lacks is an
// error: guessing would file it under the wrong type.
func WriteStreetCSV(w io.Writer, crimes []Crime, forceName string, names map[string]string) error {
	cw := csv.NewWriter(w)
	cw.Write(StreetHeader)
	for _, x := range crimes {
		name, ok := names[x.Category]
		if !ok {
			return fmt.Errorf("crime %d: category %q is not one the API listed", x.ID, x.Category)
		}
		var lon, lat, loc, outcome string
		if x.Location != nil {
			lon, lat = coord(x.Location.Longitude), coord(x.Location.Latitude)
			loc = x.Location.Street.Name
		} else {
			loc = "No Location"
		}
		if x.Outcome != nil {
			outcome = x.Outcome.Category
		}
		cw.Write([]string{x.PersistentID, x.Month, forceName, forceName, lon, lat, loc, "", "", name, outcome, x.Context})
	}
	cw.Flush()
	return cw.Error()
}

// coord writes a coordinate with the six decimals of the police.uk files.
func coord(s string) string {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s // left for the importer to report with its line
	}
	return strconv.FormatFloat(v, 'f', 6, 64)
}

// WriteStopCSV writes stops as a police.uk stop-and-search file.
func WriteStopCSV(w io.Writer, stops []Stop) error {
	cw := csv.NewWriter(w)
	cw.Write(StopHeader)
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	flag := func(p *bool) string {
		if p == nil {
			return ""
		}
		if *p {
			return "True"
		}
		return "False"
	}
	for _, s := range stops {
		var lat, lon string
		if s.Location != nil {
			lat, lon = coord(s.Location.Latitude), coord(s.Location.Longitude)
		}
		outcome, _ := s.Outcome.(string)
		cw.Write([]string{s.Type, s.Datetime, flag(s.Operation), str(s.OperationName), lat, lon, str(s.Gender), str(s.AgeRange),
			str(s.SelfEthnicity), str(s.OfficerEthnicity), str(s.Legislation), str(s.ObjectOfSearch), outcome, flag(s.OutcomeLinked), flag(s.RemovalOfOuter)})
	}
	cw.Flush()
	return cw.Error()
}
