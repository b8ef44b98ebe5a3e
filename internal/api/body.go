package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// decodeBody reads a JSON request body into dst. Unknown members and values of the wrong
// type are field errors, as for query parameters; a body that is not JSON is one error.
func decodeBody(c *fiber.Ctx, dst any) error {
	if !strings.HasPrefix(strings.ToLower(c.Get(fiber.HeaderContentType)), "application/json") {
		return &hexbeat.Error{Code: hexbeat.EINVALID, Message: "the body must be JSON (Content-Type: application/json)"}
	}
	dec := json.NewDecoder(bytes.NewReader(c.Body()))
	dec.DisallowUnknownFields()
	err := dec.Decode(dst)
	if err == nil && dec.More() {
		err = errors.New("text after the JSON value")
	}
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		return &hexbeat.Error{Code: hexbeat.EINVALID, Message: "invalid request body",
			Fields: []hexbeat.FieldError{{Field: te.Field, Message: fmt.Sprintf("must be a JSON %s, got %s", jsonKind(te.Type.Kind().String()), te.Value)}}}
	case errors.As(err, &se):
		return &hexbeat.Error{Code: hexbeat.EINVALID, Message: fmt.Sprintf("the body is not valid JSON (at byte %d): %v", se.Offset, err)}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &hexbeat.Error{Code: hexbeat.EINVALID, Message: "invalid request body",
			Fields: []hexbeat.FieldError{{Field: name, Message: "unknown member"}}}
	case errors.Is(err, io.EOF):
		return &hexbeat.Error{Code: hexbeat.EINVALID, Message: "the body is empty; send a JSON object"}
	}
	return &hexbeat.Error{Code: hexbeat.EINVALID, Message: "the body is not valid JSON: " + err.Error()}
}

func jsonKind(goKind string) string {
	switch goKind {
	case "int", "int64", "float64":
		return "number"
	case "string":
		return "string"
	case "slice":
		return "array"
	case "struct", "map", "ptr":
		return "object"
	case "bool":
		return "boolean"
	}
	return goKind
}

// points reads a GeoJSON FeatureCollection of Points (or a Point or MultiPoint geometry)
// into points and each feature's properties. An absent member, or an empty list [], gives
// none.
func points(raw json.RawMessage, field string, fail func(field, format string, args ...any)) ([]orb.Point, []map[string]any) {
	if t := string(bytes.TrimSpace(raw)); t == "" || t == "null" || t == "[]" {
		return nil, nil
	}
	var probe struct{ Type string }
	if err := json.Unmarshal(raw, &probe); err != nil {
		fail(field, "must be a GeoJSON FeatureCollection of Points: %v", err)
		return nil, nil
	}
	switch probe.Type {
	case "FeatureCollection":
		fc, err := geojson.UnmarshalFeatureCollection(raw)
		if err != nil {
			fail(field, "not a valid FeatureCollection: %v", err)
			return nil, nil
		}
		pts := make([]orb.Point, 0, len(fc.Features))
		props := make([]map[string]any, 0, len(fc.Features))
		for i, f := range fc.Features {
			p, ok := f.Geometry.(orb.Point)
			if !ok {
				fail(field, "feature %d is a %s; every feature must be a Point", i, geometryType(f.Geometry))
				return nil, nil
			}
			pts = append(pts, p)
			props = append(props, f.Properties)
		}
		return pts, props
	case "Point", "MultiPoint":
		g, err := geojson.UnmarshalGeometry(raw)
		if err != nil {
			fail(field, "not a valid %s: %v", probe.Type, err)
			return nil, nil
		}
		switch v := g.Geometry().(type) {
		case orb.Point:
			return []orb.Point{v}, []map[string]any{nil}
		case orb.MultiPoint:
			return []orb.Point(v), make([]map[string]any, len(v))
		}
	}
	fail(field, "must be a GeoJSON FeatureCollection of Points (or a Point or MultiPoint), got type %q", probe.Type)
	return nil, nil
}

func geometryType(g orb.Geometry) string {
	if g == nil {
		return "null geometry"
	}
	return g.GeoJSONType()
}
