package api

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
)

// NoteHeader carries an answer's notes where its body has no place for them (a CSV, an
// NDJSON download): one header line each, non-ASCII escaped as in Go (\u2013 for an en
// dash), so that a script can read them.
const NoteHeader = "X-Hexbeat-Note"

func setNotes(c *fiber.Ctx, notes []string) {
	for _, n := range notes {
		q := strconv.QuoteToASCII(n)
		c.Append(NoteHeader, q[1:len(q)-1])
	}
}
