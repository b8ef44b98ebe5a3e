package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/catalog"
	"github.com/hexbeat/hexbeat/internal/encode"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// The helpers every handler shares: reading parameters and bodies, answering GeoJSON with
// the demo label and the notes, naming who acts.

// newParams reads a request's query parameters, in their order, allowing only those named.
func newParams(c *fiber.Ctx, allowed ...string) *catalog.Params {
	var pairs [][2]string
	c.Context().QueryArgs().VisitAll(func(k, v []byte) {
		pairs = append(pairs, [2]string{string(k), string(v)})
	})
	return catalog.NewParams(pairs, allowed...)
}

// sendBody answers with the GeoJSON body builds.
func (s *Server) sendBody(c *fiber.Ctx, p *catalog.Params, build func(context.Context, *catalog.Params) ([]byte, error)) error {
	b, err := build(c.UserContext(), p)
	if err != nil {
		return err
	}
	return s.sendGeoJSON(c, b)
}

func (s *Server) sendGeoJSON(c *fiber.Ctx, body []byte) error {
	c.Set(fiber.HeaderContentType, encode.GeoJSONType)
	s.labelData(c)
	return c.Send(body)
}

// labelData marks responses built from the demo data set, so that no client can mistake
// them for police data.
func (s *Server) labelData(c *fiber.Ctx) {
	if s.layers.Demo() {
		c.Set("X-Hexbeat-Data", "demo (synthetic, not police data)")
	}
}

// actor names who made a request, for the audit log.
func actor(c *fiber.Ctx) string {
	if a, ok := c.Locals("actor").(string); ok && a != "" {
		return a
	}
	return "anonymous (no API keys configured)"
}

// NoteHeader carries an answer's notes where its body has no place for them (a CSV, an
// NDJSON download): one header line each, non-ASCII escaped as in Go (\u2013 for an en
// dash), so that a script can read them.
const NoteHeader = "X-Hexbeat-Note"

func setNotes(c *fiber.Ctx, notes []string) {
	for _, n := range notes {
		q := strconv.QuoteToASCII(n)
		c.Append(NoteHeader, q[1:len(q)-1])
	}
}

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
