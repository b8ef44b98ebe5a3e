package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// problem is an RFC 9457 problem details object with hexbeat's extension members.
type problem struct {
	Type      string               `json:"type"`
	Title     string               `json:"title"`
	Status    int                  `json:"status"`
	Detail    string               `json:"detail"`
	Instance  string               `json:"instance,omitempty"`
	Code      string               `json:"code"`
	Errors    []hexbeat.FieldError `json:"errors,omitempty"`
	RequestID string               `json:"request_id,omitempty"`
}

var statusOf = map[string]int{
	hexbeat.EINVALID:       http.StatusBadRequest,
	hexbeat.ENOTFOUND:      http.StatusNotFound,
	hexbeat.ECONFLICT:      http.StatusConflict,
	hexbeat.ETOOLARGE:      http.StatusRequestEntityTooLarge,
	hexbeat.EUNPROCESSABLE: http.StatusUnprocessableEntity,
	hexbeat.EUNAUTHORIZED:  http.StatusUnauthorized,
	hexbeat.EFORBIDDEN:     http.StatusForbidden,
	hexbeat.ERATELIMIT:     http.StatusTooManyRequests,
	hexbeat.EUNAVAILABLE:   http.StatusServiceUnavailable,
}

// handleError is the one place errors become responses.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	p := problem{Instance: c.Path(), RequestID: ridOf(c)}
	var fe *fiber.Error
	var de *hexbeat.Error
	switch {
	case errors.As(err, &de):
		p.Status = statusOf[de.Code]
		if p.Status == 0 {
			p.Status = http.StatusInternalServerError
		}
		p.Code, p.Detail, p.Errors = de.Code, de.Message, de.Fields
	case errors.Is(err, context.DeadlineExceeded):
		p.Status, p.Code = http.StatusServiceUnavailable, hexbeat.EUNAVAILABLE
		p.Detail = fmt.Sprintf("the request ran past its time limit (%v) and was stopped", s.cfg.RequestTimeout)
		de = &hexbeat.Error{Code: p.Code}
	case errors.As(err, &fe) && fe.Code < 500:
		p.Status, p.Code, p.Detail = fe.Code, codeOfStatus(fe.Code), fe.Message
	default:
		p.Status = http.StatusInternalServerError
	}
	if p.Status >= 500 && (de == nil || p.Status == http.StatusInternalServerError) {
		s.log.Error("internal error", "rid", p.RequestID, "method", c.Method(), "path", c.Path(), "err", err)
		p.Code, p.Detail, p.Errors = hexbeat.EINTERNAL, "internal error", nil
	}
	p.Type = "/problems/" + p.Code
	p.Title = http.StatusText(p.Status)
	c.Status(p.Status)
	c.Set(fiber.HeaderContentType, "application/problem+json")
	return c.JSON(p, "application/problem+json")
}

func codeOfStatus(status int) string {
	for code, st := range statusOf {
		if st == status {
			return code
		}
	}
	switch status {
	case http.StatusMethodNotAllowed:
		return "method_not_allowed"
	case http.StatusRequestTimeout:
		return "timeout"
	case http.StatusTooManyRequests:
		return "too_many_requests"
	}
	return "error"
}

func ridOf(c *fiber.Ctx) string {
	s, _ := c.Locals("rid").(string)
	return s
}
