package catalog

import (
	"github.com/hexbeat/hexbeat/internal/encode"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// Catalog builds hexbeat's layers from query parameters: it reads them into a domain
// query (every fault at once), asks the service's role for the answer and encodes it. The
// HTTP API answers its layer routes, OGC collections and downloads through it, and the
// command line its hotspots and export commands, so the same parameters give the same
// bytes everywhere.
type Catalog struct {
	Layers    hexbeat.LayerService
	Section60 hexbeat.Section60Service
	Retail    hexbeat.RetailerService
	Cameras   hexbeat.CameraService
	Enc       *encode.Encoder
}

// Service is every role the catalogue reads.
type Service interface {
	hexbeat.LayerService
	hexbeat.Section60Service
	hexbeat.RetailerService
	hexbeat.CameraService
}

// New returns a catalogue over svc, encoding with enc (a new Encoder when nil).
func New(svc Service, enc *encode.Encoder) *Catalog {
	if enc == nil {
		enc = encode.New(0)
	}
	return &Catalog{Layers: svc, Section60: svc, Retail: svc, Cameras: svc, Enc: enc}
}
