package ingest

import (
	"archive/zip"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hexbeat/hexbeat/geodata"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// writeZip writes an archive of name -> content.
func writeZip(t *testing.T, path string, files map[string]string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	slices.Reverse(names) // stored out of order: Sources sorts them
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, files[n])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// TestSources: files stand for themselves; an archive (known by its bytes, whatever its
// name) is its CSV and GeoJSON members in name order; a directory is its CSV, GeoJSON and
// ZIP files in path order, hidden ones left out; a missing file stays a source that fails
// to open; an archive or directory with nothing to import is an error.
func TestSources(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, content string) string {
		p := filepath.Join(dir, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tree := filepath.Join(dir, "download")
	write("download/2025-02/2025-02-tv-street.csv", "feb")
	write("download/2025-01/2025-01-tv-street.csv", "jan")
	write("download/2025-01/2025-01-tv-outcomes.csv", "out")
	write("download/README.txt", "not data")
	write("download/.hidden.csv", "hidden")
	write("download/.git/x.csv", "hidden dir")
	writeZip(t, filepath.Join(tree, "areas.zip"), map[string]string{"wards.geojson": "{}", "notes.md": "no"})
	archive := filepath.Join(dir, "police-download") // no .zip: known by its first bytes
	writeZip(t, archive, map[string]string{"2025-02/2025-02-tv-street.csv": "b", "2025-01/2025-01-tv-street.csv": "a",
		"__MACOSX/2025-01/._2025-01-tv-street.csv": "junk", "2025-01/": "", "LICENCE.txt": "x"})
	plain := write("mine.txt", "a file named on its own is imported whatever its name")
	missing := filepath.Join(dir, "missing.csv")

	srcs, err := Sources([]string{plain, archive, tree, missing})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range srcs {
		got = append(got, s.Short())
	}
	want := []string{"mine.txt", "police-download:2025-01/2025-01-tv-street.csv", "police-download:2025-02/2025-02-tv-street.csv",
		"2025-01-tv-outcomes.csv", "2025-01-tv-street.csv", "2025-02-tv-street.csv", "areas.zip:wards.geojson", "missing.csv"}
	if !slices.Equal(got, want) {
		t.Errorf("sources\n got %q\nwant %q", got, want)
	}
	for i, wantBody := range map[int]string{1: "a", 2: "b", 4: "jan", 6: "{}"} {
		r, size, err := srcs[i].Open()
		if err != nil {
			t.Fatalf("%s: %v", srcs[i].Name, err)
		}
		b, _ := io.ReadAll(r)
		r.Close()
		if string(b) != wantBody || size != int64(len(wantBody)) {
			t.Errorf("%s: %q (size %d), want %q", srcs[i].Name, b, size, wantBody)
		}
	}
	if _, _, err := srcs[7].Open(); err == nil {
		t.Error("a missing file opened")
	}

	empty := filepath.Join(dir, "empty")
	os.MkdirAll(empty, 0o755)
	write("empty/readme.txt", "x")
	docs := filepath.Join(dir, "docs.zip")
	writeZip(t, docs, map[string]string{"readme.txt": "x"})
	_, err = Sources([]string{empty, docs})
	if err == nil || !strings.Contains(err.Error(), "empty: no CSV, GeoJSON, Shapefile, GeoPackage or ZIP files in the directory") ||
		!strings.Contains(err.Error(), "docs.zip: no CSV, GeoJSON, GeoPackage or Shapefile in the archive") {
		t.Errorf("nothing to import: %v", err)
	}
}

// TestKindsAreTheDomains: every kind an import may be told (hexbeat.ImportKinds) is one
// ingest reads: told it, Read reads the file as that kind (and finds fault with this one's
// header or content), never "unknown file kind"; a kind not in the list is unknown.
func TestKindsAreTheDomains(t *testing.T) {
	for _, kind := range append(slices.Clone(hexbeat.ImportKinds), "spreadsheet") {
		_, err := Read(context.Background(), strings.NewReader("a,b\n1,2\n"), "x.csv", Options{Kind: kind, Taxonomy: geodata.Taxonomy()}, &memSink{})
		unknown := err != nil && strings.Contains(err.Error(), "unknown file kind")
		if unknown != (kind == "spreadsheet") {
			t.Errorf("kind %q: %v", kind, err)
		}
	}
}
