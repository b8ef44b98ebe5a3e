package policeuk

import (
	"strings"
	"testing"
)

func TestParseMonths(t *testing.T) {
	for in, want := range map[string]string{"2025-01": "2025-01", "2024-11..2025-02": "2024-11,2024-12,2025-01,2025-02", "2025-03,2025-01..2025-02,2025-01": "2025-03,2025-01,2025-02"} {
		got, err := ParseMonths(in)
		if err != nil || strings.Join(got, ",") != want {
			t.Errorf("%s: %v %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "2025", "2025-06..2025-01", "2025-01..", "1900-01..2100-01"} {
		if _, err := ParseMonths(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
