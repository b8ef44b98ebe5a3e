package service

import (
	"context"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
	"github.com/paulmach/orb"
)

// Cameras plans mobile CCTV sites (see analysis.Engine.Cameras). With q.FromRegister, the
// cameras already there are the register's fixed cameras in service today (or on
// q.RegisterOn); the plan names them.
func (s *Service) Cameras(ctx context.Context, q hexbeat.CameraQuery) (hexbeat.CameraPlan, error) {
	q = q.WithDefaults()
	if err := q.Validate(); err != nil {
		return hexbeat.CameraPlan{}, err
	}
	var held []hexbeat.Camera
	today := s.now()
	if !q.RegisterOn.IsZero() {
		today = q.RegisterOn
	}
	if q.FromRegister {
		cams, err := s.store.Cameras(ctx)
		if err != nil {
			return hexbeat.CameraPlan{}, err
		}
		for _, c := range cams {
			if c.Kind == hexbeat.CameraFixed && c.InServiceOn(today) {
				held = append(held, c)
				q.Existing = append(q.Existing, orb.Point{c.Lon, c.Lat})
			}
		}
	}
	snap, area, err := s.prepare(&q.CellQuery)
	if err != nil {
		return hexbeat.CameraPlan{}, err
	}
	p, err := s.engine.Cameras(ctx, snap, q, area)
	if q.FromRegister {
		p.Registered, p.RegisterDay = held, today
	}
	return p, err
}

// RecordCamera adds a camera to the register, or replaces the one with its id (a mobile
// unit moved to a new site, a camera taken out of service), and audits it under actor.
func (s *Service) RecordCamera(ctx context.Context, c hexbeat.Camera, actor string) (hexbeat.Camera, error) {
	if c.Name == "" {
		c.Name = c.ID
	}
	if err := c.Validate(); err != nil {
		return c, err
	}
	err := s.store.PutCamera(ctx, c, hexbeat.AuditEvent{At: s.now(), Actor: actor, Action: "camera.record",
		Detail: detail(map[string]any{"name": c.Name, "kind": c.Kind, "lon": c.Lon, "lat": c.Lat,
			"active_from": hexbeat.DayOrNil(c.ActiveFrom), "active_to": hexbeat.DayOrNil(c.ActiveTo)})})
	return c, err
}

// CameraRegister returns the camera register, ordered by id. It is read each time: a
// register holds hundreds of cameras, and any replica may import one.
func (s *Service) CameraRegister(ctx context.Context) ([]hexbeat.Camera, error) {
	return s.store.Cameras(ctx)
}
