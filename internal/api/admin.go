package api

import (
	"encoding/json"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/hexbeat/hexbeat/internal/encode"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

func keyJSON(k hexbeat.APIKey) fiber.Map {
	m := fiber.Map{"id": k.ID, "name": k.Name, "role": k.Role, "prefix": k.Prefix, "created_at": encode.Stamp(k.CreatedAt), "created_by": k.CreatedBy, "revoked_at": nil}
	if k.RevokedAt != nil {
		m["revoked_at"] = encode.Stamp(*k.RevokedAt)
	}
	return m
}

// listKeys answers GET /api/v1/keys (admin): the keys, never their secrets.
func (s *Server) listKeys(c *fiber.Ctx) error {
	if err := newParams(c).Err(); err != nil {
		return err
	}
	ks, err := s.keys.Keys(c.UserContext())
	if err != nil {
		return err
	}
	out := make([]fiber.Map, 0, len(ks))
	for _, k := range ks {
		out = append(out, keyJSON(k))
	}
	return c.JSON(fiber.Map{"keys": out})
}

// createKey answers POST /api/v1/keys {name, role} (admin): the new key, with its secret
// shown this once.
func (s *Server) createKey(c *fiber.Ctx) error {
	var body struct {
		Name string `json:"name"`
		Role string `json:"role"`
	}
	if err := decodeBody(c, &body); err != nil {
		return err
	}
	k, secret, err := s.keys.CreateKey(c.UserContext(), body.Name, hexbeat.Role(body.Role), actor(c))
	if err != nil {
		return err
	}
	m := keyJSON(k)
	m["key"] = secret
	m["note"] = "the key is shown this once; hexbeat stores only its SHA-256"
	c.Status(fiber.StatusCreated)
	return c.JSON(m)
}

// revokeKey answers DELETE /api/v1/keys/{id} (admin).
func (s *Server) revokeKey(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return hexbeat.Errorf(hexbeat.ENOTFOUND, "no key %q", c.Params("id"))
	}
	if err := s.keys.RevokeKey(c.UserContext(), id, actor(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// auditLog answers GET /api/v1/audit?after=&limit= (admin): events oldest first; page on
// with after = the last id seen. The log is read-only through the API.
func (s *Server) auditLog(c *fiber.Ctx) error {
	p := newParams(c, "after", "limit", "format")
	after := p.Integer("after", 0)
	limit := p.Integer("limit", 1000)
	if limit < 1 || limit > 10000 {
		p.Fail("limit", "must be 1 to 10000, got %d", limit)
	}
	format := p.One("format")
	if format != "" && format != "json" && format != "ndjson" {
		p.Fail("format", "must be json or ndjson, got %q", format)
	}
	if err := p.Err(); err != nil {
		return err
	}
	evs, err := s.audit.AuditLog(c.UserContext(), int64(after), limit)
	if err != nil {
		return err
	}
	out := make([]fiber.Map, 0, len(evs))
	for _, ev := range evs {
		out = append(out, fiber.Map{"id": ev.ID, "at": encode.Stamp(ev.At), "actor": ev.Actor, "action": ev.Action, "subject": ev.Subject, "detail": ev.Detail})
	}
	if format == "ndjson" { // one event a line, for a SIEM that pulls new rows (after=the last id it has)
		var b []byte
		for _, ev := range out {
			line, _ := json.Marshal(ev)
			b = append(append(b, line...), '\n')
		}
		c.Set(fiber.HeaderContentType, "application/x-ndjson")
		return c.Send(b)
	}
	return c.JSON(fiber.Map{"events": out})
}

// auditVerify answers GET /api/v1/audit/verify (admin): the audit log's hash chain
// recomputed, with its head, or the first row that breaks it.
func (s *Server) auditVerify(c *fiber.Ctx) error {
	if err := newParams(c).Err(); err != nil {
		return err
	}
	chk, err := s.audit.VerifyAudit(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"ok": chk.OK(), "rows": chk.Rows, "head": chk.Head, "bad_id": chk.BadID, "problem": chk.Problem})
}

// localExported marks a request whose answer is an audited download (see cached).
const localExported = "exported"

// auditExport records a download in the audit log: who took which layer, with what query.
func (s *Server) auditExport(c *fiber.Ctx, what string, rows int) {
	c.Locals(localExported, true)
	b, _ := json.Marshal(map[string]any{"query": string(c.Request().URI().QueryString()), "rows": rows})
	if err := s.audit.Audit(c.UserContext(), hexbeat.AuditEvent{Actor: actor(c), Action: "export", Subject: what, Detail: string(b)}); err != nil {
		s.log.Warn("audit export", "err", err)
	}
}
