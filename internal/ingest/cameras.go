package ingest

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

var (
	// a camera register is recognised by one of these columns (with coordinates); not by a
	// bare "camera" or "cctv", which a retailer register may have as a yes or no
	cameraMark = []string{"camera_id", "camera_name", "cctv_id", "camera_ref"}
	cameraID   = []string{"camera_id", "cctv_id", "camera_ref", "id", "asset_id"}
	cameraName = []string{"camera_name", "name", "camera", "cctv", "site", "location", "description"}
	// not "type": CCTV registers use it for the camera itself (PTZ, dome, ANPR ...)
	cameraKind = []string{"kind", "camera_kind", "deployment"}
	cameraFrom = []string{"active_from", "in_service_from", "installed", "installed_on", "from", "start"}
	cameraTo   = []string{"active_to", "in_service_to", "removed", "removed_on", "to", "end"}
)

// cameraKinds maps the words registers use for a camera's kind to hexbeat's two.
var cameraKinds = map[string]string{
	"": hexbeat.CameraFixed, "fixed": hexbeat.CameraFixed, "static": hexbeat.CameraFixed, "permanent": hexbeat.CameraFixed,
	"mobile": hexbeat.CameraMobile, "redeployable": hexbeat.CameraMobile, "re-deployable": hexbeat.CameraMobile,
	"deployable": hexbeat.CameraMobile, "rapid deployment": hexbeat.CameraMobile, "temporary": hexbeat.CameraMobile,
}

// readCameras reads a camera register: one CCTV camera a row with coordinates, an id or a
// name, its kind (fixed or mobile; fixed when blank) and optionally the days it came into
// and went out of service. Re-importing a register replaces the cameras with the same id.
func readCameras(ctx context.Context, cr *csvReader, h *header, rep *Report, sink hexbeat.ImportSink) error {
	iID, iName, iKind := h.col(cameraID...), h.col(cameraName...), h.col(cameraKind...)
	at := h.registerCoords()
	iFrom, iTo := h.col(cameraFrom...), h.col(cameraTo...)
	if (iID < 0 && iName < 0) || !at.given() {
		return &FormatError{Line: 1, Reason: "a camera register needs an id or name column (camera_id, camera_name ...) and longitude and latitude, easting and northing, or grid reference columns"}
	}
	out, err := registerRows(cr, h, rep, at, func(fields [][]byte, pl place) (string, hexbeat.Camera, string) {
		id := strings.TrimSpace(string(field(fields, iID)))
		name := strings.TrimSpace(string(field(fields, iName)))
		if id == "" && name == "" {
			return "", hexbeat.Camera{}, ReasonMissingField
		}
		if id == "" {
			id = fmt.Sprintf("%s@%.6f,%.6f", name, pl.lon, pl.lat)
		}
		if name == "" {
			name = id
		}
		kind, ok := cameraKinds[strings.ToLower(strings.TrimSpace(string(field(fields, iKind))))]
		if !ok {
			return "", hexbeat.Camera{}, ReasonBadCameraKind
		}
		from, ok1 := parseDay(field(fields, iFrom))
		to, ok2 := parseDay(field(fields, iTo))
		switch {
		case !ok1 || !ok2:
			return "", hexbeat.Camera{}, ReasonBadTime
		case !from.IsZero() && !to.IsZero() && to.Before(from):
			return "", hexbeat.Camera{}, ReasonBadPeriod
		}
		return id, hexbeat.Camera{ID: id, Name: name, Kind: kind, Lon: pl.lon, Lat: pl.lat, ActiveFrom: from, ActiveTo: to, GridSquare: pl.square}, ""
	})
	if err != nil || len(out) == 0 {
		return err
	}
	return sink.PutCameras(ctx, out)
}

// parseDay reads a day as YYYY-MM-DD, DD/MM/YYYY (as British registers write it) or an RFC
// 3339 time (its day); blank is the zero time.
func parseDay(b []byte) (time.Time, bool) {
	s := strings.TrimSpace(string(b))
	if s == "" {
		return time.Time{}, true
	}
	for _, layout := range []string{"2006-01-02", "02/01/2006", "2/1/2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), true
	}
	return time.Time{}, false
}
