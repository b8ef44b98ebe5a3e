package ingest

import (
	"bytes"
	"encoding/csv"
	"io"
	"testing"
	"unicode/utf8"
)

// FuzzCSVMatchesEncodingCSV: wherever the standard library's reader accepts a UTF-8
// input, ours returns the same records starting on the same lines.
func FuzzCSVMatchesEncodingCSV(f *testing.F) {
	for _, s := range []string{
		"a,b,c\n1,2,3\n",
		"a,\"b,c\",d\r\n\"x\"\"y\",\"two\nlines\",z\n",
		"a\n\nb\n",
		"a,b\n1,\n,2\n",
		"\"\"\n\"a\"\"\"\n",
		"last,line,no,newline",
		"a,\"b\r\nc\"\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !utf8.Valid(data) || bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) || bytes.ContainsRune(data, '\r') {
			return // we refuse non-UTF-8, strip a BOM, and fold \r\n: differences by design
		}
		std := csv.NewReader(bytes.NewReader(data))
		std.FieldsPerRecord = -1
		std.ReuseRecord = false
		var want [][]string
		var wantLines []int
		for {
			rec, err := std.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				return // the standard reader refuses it; ours may or may not
			}
			line, _ := std.FieldPos(0)
			want = append(want, rec)
			wantLines = append(wantLines, line)
		}
		ours := newCSVReader(bytes.NewReader(data), 1<<20)
		for i := 0; ; i++ {
			fields, line, err := ours.read()
			if err == io.EOF {
				if i != len(want) {
					t.Fatalf("%d records, encoding/csv found %d", i, len(want))
				}
				return
			}
			if err != nil {
				t.Fatalf("record %d: %v (encoding/csv read %q)", i, err, want)
			}
			if i >= len(want) {
				t.Fatalf("extra record %q", fields)
			}
			if line != wantLines[i] || len(fields) != len(want[i]) {
				t.Fatalf("record %d: line %d %q, encoding/csv line %d %q", i, line, fields, wantLines[i], want[i])
			}
			for j := range fields {
				if string(fields[j]) != want[i][j] {
					t.Fatalf("record %d field %d: %q, encoding/csv %q", i, j, fields[j], want[i][j])
				}
			}
		}
	})
}
