package hexbeat

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes a caller can act on. The API maps each to an HTTP status.
const (
	EINVALID       = "invalid"       // bad input: 400 (or 422 for a well-formed but unusable file)
	ENOTFOUND      = "not_found"     // 404
	ECONFLICT      = "conflict"      // 409
	ETOOLARGE      = "too_large"     // 413
	EUNPROCESSABLE = "unprocessable" // 422: understood but cannot be used
	EUNAUTHORIZED  = "unauthorized"  // 401: no key, or not a live one
	EFORBIDDEN     = "forbidden"     // 403: the key's role may not do this
	ERATELIMIT     = "rate_limited"  // 429: too many requests for this key
	EUNAVAILABLE   = "unavailable"   // 503: the store cannot be reached
	EINTERNAL      = "internal"      // 500; the message is never shown to a client
)

// FieldError names one input field (a query parameter, JSON member or CSV column) and what
// is wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is a domain error: a code for programs, a message for people, and optional
// per-field details. Cause, when set, is the error behind it (for errors.Is), never shown.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
	Cause   error
}

func (e *Error) Unwrap() error { return e.Cause }

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return e.Message
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return e.Message + " (" + strings.Join(parts, "; ") + ")"
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for any other
// non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the first *Error in err's chain, or "internal
// error" for any other error, so that internal details never reach a client.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// FieldErrors collects per-field problems during validation, so that a query reports every
// problem at once. The zero value is ready to use.
type FieldErrors []FieldError

// Add records a problem with one field.
func (fe *FieldErrors) Add(field, format string, args ...any) {
	*fe = append(*fe, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Merge takes in the field errors of err (another Validate's answer, wrapped or not). An
// error without fields still counts, under no field, with the message a client may see.
func (fe *FieldErrors) Merge(err error) {
	if err == nil {
		return
	}
	var e *Error
	if errors.As(err, &e) && len(e.Fields) > 0 {
		*fe = append(*fe, e.Fields...)
		return
	}
	*fe = append(*fe, FieldError{Message: ErrorMessage(err)})
}

// Err returns nil when nothing was recorded, else an *Error (EINVALID) with the message
// and every field.
func (fe FieldErrors) Err(message string) error { return fe.ErrCode(EINVALID, message) }

// ErrCode is Err with another code: EUNPROCESSABLE for a well-formed request the rules
// refuse, ECONFLICT for one the present state refuses.
func (fe FieldErrors) ErrCode(code, message string) error {
	if len(fe) == 0 {
		return nil
	}
	return &Error{Code: code, Message: message, Fields: fe}
}
