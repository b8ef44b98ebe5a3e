package hexbeat

import (
	"errors"
	"fmt"
	"slices"
	"testing"
)

func TestFieldErrors(t *testing.T) {
	var fe FieldErrors
	if err := fe.Err("nothing wrong"); err != nil {
		t.Fatalf("an empty collector gave %v", err)
	}
	fe.Add("res", "must be 0 to %d, got %d", 15, 16)
	fe.Merge(nil)
	// a Validate's answer, wrapped: its fields join the collector's
	fe.Merge(fmt.Errorf("hotspots: %w", CellQuery{Res: 16}.Validate()))
	fe.Merge(fmt.Errorf("wrapped: %w", &Error{Code: EINVALID, Message: "bad", Fields: []FieldError{{Field: "k", Message: "too big"}}}))
	// an error without fields is kept, with only what a client may see
	fe.Merge(errors.New("pq: relation \"secret\" does not exist"))
	err := fe.ErrCode(EUNPROCESSABLE, "refused")
	var e *Error
	if !errors.As(err, &e) || e.Code != EUNPROCESSABLE || e.Message != "refused" {
		t.Fatalf("got %#v", err)
	}
	var fields, messages []string
	for _, f := range e.Fields {
		fields, messages = append(fields, f.Field), append(messages, f.Message)
	}
	if !slices.Equal(fields, []string{"res", "res", "k", ""}) || messages[0] != "must be 0 to 15, got 16" || messages[3] != "internal error" {
		t.Errorf("fields %q, messages %q", fields, messages)
	}
	if ErrorCode(fe.Err("invalid")) != EINVALID {
		t.Error("Err must give EINVALID")
	}
}
