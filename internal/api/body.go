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
