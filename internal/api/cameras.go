package api

import (
	"encoding/json"
	"math"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/catalog"
	"github.com/hexbeat/hexbeat/internal/encode"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// cameraPlan answers POST /api/v1/cameras/plan: the chosen sites as Point features in the
// order of their marginal gain, with the coverage curve for 1..k.
func (s *Server) cameraPlan(c *fiber.Ctx) error {
	var body catalog.CameraRequest
	if err := decodeBody(c, &body); err != nil {
		return err
	}
	b, err := s.cat.CameraPlan(c.UserContext(), body)
	if err != nil {
		return err
	}
	return s.sendGeoJSON(c, b)
}

// cameraRegister answers GET /api/v1/cameras: the camera register as GeoJSON catalog.Points.
func (s *Server) cameraRegister(c *fiber.Ctx) error {
	return s.sendBody(c, newParams(c, catalog.CameraRegisterParams...), s.cat.CameraRegister)
}

// recordCamera answers POST /api/v1/cameras {id, name, kind, lon, lat, active_from,
// active_to}: the camera added to the register, or replacing the one with its id.
func (s *Server) recordCamera(c *fiber.Ctx) error {
	var body struct {
		ID         string   `json:"id"`
		Name       string   `json:"name"`
		Kind       string   `json:"kind"`
		Lon        *float64 `json:"lon"`
		Lat        *float64 `json:"lat"`
		ActiveFrom string   `json:"active_from"`
		ActiveTo   string   `json:"active_to"`
	}
	if err := decodeBody(c, &body); err != nil {
		return err
	}
	var f hexbeat.FieldErrors
	cam := hexbeat.Camera{ID: strings.TrimSpace(body.ID), Name: strings.TrimSpace(body.Name), Kind: body.Kind, Lon: math.NaN(), Lat: math.NaN(),
		ActiveFrom: catalog.BodyDay(body.ActiveFrom, "active_from", f.Add), ActiveTo: catalog.BodyDay(body.ActiveTo, "active_to", f.Add)}
	if body.Lon != nil && body.Lat != nil { // else Validate asks for them
		cam.Lon, cam.Lat = *body.Lon, *body.Lat
	}
	// the day faults and the camera's together (the service validates it again)
	f.Merge(cam.Validate())
	if err := f.Err("invalid camera"); err != nil {
		return err
	}
	cam, err := s.cameras.RecordCamera(c.UserContext(), cam, actor(c))
	if err != nil {
		return err
	}
	b, err := json.Marshal(encode.CameraFeature(cam, time.Now().UTC()))
	if err != nil {
		return err
	}
	return s.sendGeoJSON(c, b)
}
