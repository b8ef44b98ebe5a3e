package catalog

import (
	"errors"
	"slices"
	"testing"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// TestParams: every fault of a request is reported at once, in the order met, each under
// its parameter; a good request reads as the domain query the API and the CLI both run.
func TestParams(t *testing.T) {
	fields := func(err error) []string {
		var he *hexbeat.Error
		if !errors.As(err, &he) {
			return nil
		}
		var out []string
		for _, f := range he.Fields {
			out = append(out, f.Field)
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		pairs [][2]string
		want  []string // fields at fault, in order
	}{
		{"good", [][2]string{{"method", "gistar"}, {"res", "8"}, {"from", "2025-01"}, {"to", "2025-03"}, {"category", "Robbery,Drugs"}, {"k", "auto"}}, nil},
		{"unknown and repeated", [][2]string{{"colour", "red"}, {"res", "8"}, {"res", "9"}}, []string{"colour", "res"}},
		{"malformed", [][2]string{{"res", "nine"}, {"alpha", "-1"}, {"k", "wide"}, {"bbox", "1,2,3"}}, []string{"res", "bbox", "alpha", "k"}},
		{"domain faults too", [][2]string{{"method", "lisa"}, {"res", "16"}}, []string{"res", "method"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := NewParams(tc.pairs, HotspotParams...)
			q := HotspotQuery(p)
			err := p.Err()
			if got := fields(err); !slices.Equal(got, tc.want) {
				t.Fatalf("fields at fault %q, want %q (%v)", got, tc.want, err)
			}
			if tc.want == nil && (q.Method != hexbeat.MethodGiStar || q.Res != 8 || !q.AutoK || !slices.Equal(q.Categories, []string{"Robbery", "Drugs"}) || q.To.Format("2006-01-02") != "2025-04-01") {
				t.Errorf("query %+v", q)
			}
		})
	}
}
