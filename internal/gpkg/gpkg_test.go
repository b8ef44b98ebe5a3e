package gpkg

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
)

// blob writes a GeoPackage geometry: its header with the flags and an envelope of the
// size they name, then the WKB.
func blob(flags byte, envelope int, w []byte) []byte {
	b := []byte{'G', 'P', 0, flags}
	b = binary.LittleEndian.AppendUint32(b, 27700)
	b = append(b, make([]byte, envelope)...)
	return append(b, w...)
}

// TestGeometry: the header's envelope, whatever its size, is stepped over; an empty
// geometry is nil; what hexbeat cannot read (an extended type, heights, a torn or foreign
// blob) is an error saying what it is.
func TestGeometry(t *testing.T) {
	sq := orb.Polygon{{{485000, 238000}, {486000, 238000}, {486000, 239000}, {485000, 238000}}}
	w, err := wkb.Marshal(sq, binary.LittleEndian)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		flags    byte
		envelope int
	}{{0x01, 0}, {0x03, 32}, {0x00, 0}, {0x02, 32}} {
		g, err := Geometry(blob(c.flags, c.envelope, w))
		if err != nil || !orb.Equal(g, sq) {
			t.Errorf("flags %#x: %v %v", c.flags, g, err)
		}
	}
	if g, err := Geometry(blob(0x11, 0, nil)); g != nil || err != nil {
		t.Errorf("empty: %v %v", g, err)
	}
	// a point with a height: ISO WKB type 1001, with its Z envelope (flags 2<<1)
	z := binary.LittleEndian.AppendUint32([]byte{1}, 1001)
	for range 3 {
		z = binary.LittleEndian.AppendUint64(z, 0)
	}
	for name, c := range map[string]struct {
		b    []byte
		want string
	}{
		"extended":       {blob(0x21, 0, w), "extended"},
		"Z envelope":     {blob(0x05, 48, z), "-dim XY"},
		"Z, no envelope": {blob(0x01, 0, z), "-dim XY"},
		"torn":           {blob(0x01, 0, w[:20]), "not well-formed WKB"},
		"not GP":         {append([]byte("XX\x00\x01"), w...), "no GP header"},
		"bad envelope":   {blob(0x0f, 0, w), "envelope code 7"},
		"short":          {[]byte("GP\x00\x03\x00\x00\x00\x00"), "shorter than its header"},
	} {
		if _, err := Geometry(c.b); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
}
