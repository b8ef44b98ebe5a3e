package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// DefaultMaxRecordBytes bounds the memory one CSV record may take. A longer record makes
// the file malformed: no real row of any supported format comes near it.
const DefaultMaxRecordBytes = 1 << 20

// csvReader reads RFC 4180 CSV records, tracking line numbers, holding at most
// maxRecord bytes of one record, and refusing bytes that are not UTF-8. The fields it
// returns alias an internal buffer and are valid until the next call to read.
type csvReader struct {
	r         *bufio.Reader
	maxRecord int
	line      int // lines consumed so far
	start     int // first line of the record last returned
	buf       []byte
	spans     []span
	fields    [][]byte
	bomDone   bool
}

// span is a field's [a, b) byte range in the record buffer.
type span struct{ a, b int }

func newCSVReader(r io.Reader, maxRecord int) *csvReader {
	if maxRecord <= 0 {
		maxRecord = DefaultMaxRecordBytes
	}
	return &csvReader{r: bufio.NewReaderSize(r, 256<<10), maxRecord: maxRecord}
}

// FormatError says what is structurally wrong with a file and where.
type FormatError struct {
	Line   int
	Reason string
}

func (e *FormatError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Reason) }

// readLine returns the next physical line without its terminator, appended to dst. It
// refuses lines that would take dst past the record limit, discarding the rest of the
// line without holding it.
func (c *csvReader) readLine(dst []byte) ([]byte, bool, error) {
	n0 := len(dst)
	for {
		chunk, err := c.r.ReadSlice('\n')
		if len(dst)+len(chunk) > c.maxRecord {
			return dst, false, &FormatError{Line: c.line + 1, Reason: fmt.Sprintf("record longer than %d bytes", c.maxRecord)}
		}
		dst = append(dst, chunk...)
		if err == nil {
			c.line++
			dst = dst[:len(dst)-1]
			if len(dst) > n0 && dst[len(dst)-1] == '\r' {
				dst = dst[:len(dst)-1]
			}
			return dst, true, nil
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if errors.Is(err, io.EOF) {
			if len(dst) == n0 {
				return dst, false, io.EOF
			}
			c.line++
			return dst, false, nil
		}
		return dst, false, err
	}
}

// read returns the next record's fields and its first line number, io.EOF at the end,
// or a *FormatError.
func (c *csvReader) read() ([][]byte, int, error) {
	for {
		line, _, err := c.readLine(c.buf[:0])
		c.buf = line
		if err != nil {
			return nil, c.line, err
		}
		if !c.bomDone {
			c.bomDone = true
			c.buf = bytes.TrimPrefix(c.buf, []byte("\xef\xbb\xbf"))
		}
		if len(c.buf) == 0 {
			continue // blank lines carry no record
		}
		c.start = c.line
		if err := c.split(); err != nil {
			return nil, c.start, err
		}
		if !utf8.Valid(c.buf) {
			return nil, c.start, &FormatError{Line: c.start, Reason: "text is not valid UTF-8 (a file saved by Excel or Windows is often Windows-1252: import it with --encoding windows-1252, or encoding=windows-1252 on POST /api/v1/imports)"}
		}
		return c.fields, c.start, nil
	}
}

// split parses c.buf (which may grow with further lines inside quoted fields) into fields.
// Unquoted fields alias c.buf; quoted ones are unescaped in place.
func (c *csvReader) split() error {
	c.fields = c.fields[:0]
	if bytes.IndexByte(c.buf, '"') < 0 {
		// fast path: no quotes, so fields are the runs between commas
		rest := c.buf
		for {
			i := bytes.IndexByte(rest, ',')
			if i < 0 {
				c.fields = append(c.fields, rest[:len(rest):len(rest)])
				return nil
			}
			c.fields = append(c.fields, rest[:i:i])
			rest = rest[i+1:]
		}
	}
	spans := c.spans[:0]
	var out int // write position for unescaped content
	i := 0
	for {
		if i < len(c.buf) && c.buf[i] == '"' {
			i++
			a := out
			// quoted field: copy content down to out, unescaping "" and following newlines
			for {
				if i >= len(c.buf) {
					// the field continues on the next physical line
					var err error
					i = len(c.buf) // the newline below is part of the field
					c.buf = append(c.buf, '\n')
					if c.buf, _, err = c.readLine(c.buf); err != nil {
						if errors.Is(err, io.EOF) {
							return &FormatError{Line: c.start, Reason: "quoted field not closed before the end of the file"}
						}
						return err
					}
					continue
				}
				ch := c.buf[i]
				if ch == '"' {
					if i+1 < len(c.buf) && c.buf[i+1] == '"' {
						c.buf[out] = '"'
						out++
						i += 2
						continue
					}
					i++
					break
				}
				c.buf[out] = ch
				out++
				i++
			}
			spans = append(spans, span{a, out})
			if i < len(c.buf) && c.buf[i] != ',' {
				return &FormatError{Line: c.line, Reason: fmt.Sprintf("unexpected %q after a closing quote in field %d", c.buf[i], len(spans))}
			}
		} else {
			a := out
			for i < len(c.buf) && c.buf[i] != ',' {
				if c.buf[i] == '"' {
					return &FormatError{Line: c.line, Reason: fmt.Sprintf("quote inside unquoted field %d", len(spans)+1)}
				}
				c.buf[out] = c.buf[i]
				out++
				i++
			}
			spans = append(spans, span{a, out})
		}
		if i >= len(c.buf) {
			break
		}
		i++ // the comma
		if i == len(c.buf) {
			spans = append(spans, span{out, out})
			break
		}
	}
	for _, s := range spans {
		c.fields = append(c.fields, c.buf[s.a:s.b:s.b])
	}
	c.spans = spans
	c.buf = c.buf[:out]
	return nil
}
