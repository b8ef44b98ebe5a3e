package ingest

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// Source is one file to import: a file on disk, or a member of a ZIP archive (a
// data.police.uk download is a ZIP of month folders, each holding the street, outcomes and
// stop-and-search CSVs of each force chosen).
type Source struct {
	Name string // what reports, batches and the audit log call it: path, or archive.zip:member
	Path string // the file on disk (the archive, for a member)
	Size int64  // its size in bytes as listed (unpacked, for a member); 0 when unknown
	open func() (io.ReadCloser, int64, error)
}

// Short is the name without the directories before the file or archive:
// 2025-01-thames-valley-street.csv, or download.zip:2025-01/2025-01-thames-valley-street.csv.
func (s Source) Short() string {
	if s.Name != s.Path && strings.HasPrefix(s.Name, s.Path+":") {
		return filepath.Base(s.Path) + s.Name[len(s.Path):]
	}
	return filepath.Base(s.Name)
}

// Open opens the source for reading and gives its size in bytes (0 when unknown).
func (s Source) Open() (io.ReadCloser, int64, error) { return s.open() }

// importable are the extensions a directory or archive is searched for; a file named on
// its own is imported whatever its name, by its content.
var importable = []string{".csv", ".geojson", ".json", ".gpkg"}

func hasExt(name string, exts ...string) bool {
	return slices.Contains(exts, strings.ToLower(filepath.Ext(name)))
}

// FileSource is a file on disk.
func FileSource(path string) Source {
	var size int64
	if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() {
		size = st.Size()
	}
	return Source{Name: path, Path: path, Size: size, open: func() (io.ReadCloser, int64, error) {
		f, err := os.Open(path)
		if err != nil {
			return nil, 0, err
		}
		var size int64
		if st, err := f.Stat(); err == nil {
			size = st.Size()
		}
		return f, size, nil
	}}
}

// Sources expands import arguments into the files to import, in order: a file is itself;
// a ZIP archive (known by its first bytes) is its CSV and GeoJSON members in name order; a
// directory is every CSV, GeoJSON and ZIP file beneath it, in path order (so months import
// in order). An argument that cannot be read stays a source whose Open fails, so that it
// is reported where it stands; an archive or directory with nothing to import is an error.
func Sources(args []string) ([]Source, error) {
	var out []Source
	var problems []string
	for _, arg := range args {
		st, err := os.Stat(arg)
		switch {
		case err != nil:
			out = append(out, FileSource(arg))
		case st.IsDir():
			n := len(out)
			err := filepath.WalkDir(arg, func(path string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if d.IsDir() && path != arg && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				if d.Type().IsRegular() && !strings.HasPrefix(d.Name(), ".") {
					if isZip(path) {
						members, err := zipSources(path)
						if err != nil {
							return err
						}
						out = append(out, members...)
					} else if hasExt(path, importable...) {
						out = append(out, FileSource(path))
					} else if hasExt(path, ".shp") {
						out = append(out, shapefileSource(path))
					}
				}
				return nil
			})
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s: %v", arg, err))
			} else if len(out) == n {
				problems = append(problems, fmt.Sprintf("%s: no CSV, GeoJSON, Shapefile, GeoPackage or ZIP files in the directory", arg))
			}
		case isZip(arg):
			members, err := zipSources(arg)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s: %v", arg, err))
			}
			out = append(out, members...)
		case hasExt(arg, ".shp"):
			out = append(out, shapefileSource(arg))
		default:
			out = append(out, FileSource(arg))
		}
	}
	if len(problems) > 0 {
		return out, fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return out, nil
}

// isZip says whether a file begins as a ZIP archive does.
func isZip(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	magic := make([]byte, 4)
	_, err = io.ReadFull(f, magic)
	return err == nil && bytes.Equal(magic, []byte("PK\x03\x04"))
}

// zipSources lists an archive's CSV and GeoJSON members, in name order.
func zipSources(archive string) ([]Source, error) {
	zr, err := zip.OpenReader(archive)
	if err != nil {
		return nil, fmt.Errorf("not a readable ZIP archive: %w", err)
	}
	defer zr.Close()
	if holdsShapefile(zr.File) { // the archive is one import: its Shapefile
		return []Source{FileSource(archive)}, nil
	}
	members, err := importableMembers(zr.File)
	if err != nil {
		return nil, err
	}
	out := make([]Source, len(members))
	for k, m := range members {
		out[k] = Source{Name: archive + ":" + m.name, Path: archive, Size: int64(zr.File[m.i].UncompressedSize64), open: func() (io.ReadCloser, int64, error) {
			zr, err := zip.OpenReader(archive)
			if err != nil {
				return nil, 0, err
			}
			if m.i >= len(zr.File) || zr.File[m.i].Name != m.name {
				zr.Close()
				return nil, 0, fmt.Errorf("%s changed while it was being imported", archive)
			}
			f, err := zr.File[m.i].Open()
			if err != nil {
				zr.Close()
				return nil, 0, err
			}
			return &zipMember{f, zr}, int64(zr.File[m.i].UncompressedSize64), nil
		}}
	}
	return out, nil
}

// UploadLimits bound what one upload may unpack to: its importable files and their bytes
// once unpacked (0: no bound).
type UploadLimits struct {
	MaxFiles int
	MaxBytes int64
}

// BytesSources is Sources for a file held in memory (an upload): a ZIP archive is its CSV
// and GeoJSON members, named name:member; anything else is one source called name.
func BytesSources(name string, b []byte, lim UploadLimits) ([]Source, error) {
	if !bytes.HasPrefix(b, []byte("PK\x03\x04")) {
		return []Source{{Name: name, Path: name, Size: int64(len(b)), open: func() (io.ReadCloser, int64, error) {
			return io.NopCloser(bytes.NewReader(b)), int64(len(b)), nil
		}}}, nil
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable ZIP archive: %w", name, err)
	}
	if holdsShapefile(zr.File) { // the archive is one import: its Shapefile
		var total uint64
		for _, f := range zr.File {
			total += f.UncompressedSize64
		}
		if lim.MaxBytes > 0 && total > uint64(lim.MaxBytes) {
			return nil, hexbeat.Errorf(hexbeat.ETOOLARGE, "%s holds %d MiB once unpacked; an upload takes at most %d MiB unpacked (import it with hexbeat import)", name, total>>20, lim.MaxBytes>>20)
		}
		return []Source{{Name: name, Path: name, Size: int64(len(b)), open: func() (io.ReadCloser, int64, error) {
			return io.NopCloser(bytes.NewReader(b)), int64(len(b)), nil
		}}}, nil
	}
	members, err := importableMembers(zr.File)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	// a small archive can hold gigabytes of rows, or thousands of files: both are bounded by
	// what the archive says of them (archive/zip refuses a member longer than it says)
	if lim.MaxFiles > 0 && len(members) > lim.MaxFiles {
		return nil, hexbeat.Errorf(hexbeat.ETOOLARGE, "%s holds %d files to import; an upload takes at most %d (import the rest in another)", name, len(members), lim.MaxFiles)
	}
	var total uint64
	for _, m := range members {
		total += zr.File[m.i].UncompressedSize64
	}
	if lim.MaxBytes > 0 && total > uint64(lim.MaxBytes) {
		return nil, hexbeat.Errorf(hexbeat.ETOOLARGE, "%s holds %d MiB once unpacked; an upload takes at most %d MiB unpacked (import its files in several uploads, or with hexbeat import)", name, total>>20, lim.MaxBytes>>20)
	}
	out := make([]Source, len(members))
	for k, m := range members {
		f := zr.File[m.i]
		out[k] = Source{Name: name + ":" + m.name, Path: name, Size: int64(f.UncompressedSize64), open: func() (io.ReadCloser, int64, error) {
			r, err := f.Open()
			return r, int64(f.UncompressedSize64), err
		}}
	}
	return out, nil
}

// member is an archive's member: its name and place in the archive's list.
type member struct {
	name string
	i    int
}

// importableMembers are an archive's CSV and GeoJSON files, in name order (a
// data.police.uk download's month folders then import in order), leaving out folders,
// hidden files and the __MACOSX copies a Mac adds.
func importableMembers(files []*zip.File) ([]member, error) {
	var members []member
	for i, f := range files {
		base := filepath.Base(f.Name)
		if !f.FileInfo().IsDir() && hasExt(f.Name, importable...) && !strings.HasPrefix(base, ".") && !strings.HasPrefix(f.Name, "__MACOSX/") {
			members = append(members, member{f.Name, i})
		}
	}
	if len(members) == 0 {
		return nil, fmt.Errorf("no CSV, GeoJSON, GeoPackage or Shapefile in the archive")
	}
	slices.SortFunc(members, func(a, b member) int { return strings.Compare(a.name, b.name) })
	return members, nil
}

// zipMember closes its archive with itself.
type zipMember struct {
	io.ReadCloser
	zr *zip.ReadCloser
}

func (m *zipMember) Close() error {
	m.ReadCloser.Close()
	return m.zr.Close()
}

// holdsShapefile says whether an archive holds a Shapefile (a .shp, besides any hidden or
// __MACOSX copy): such an archive is imported whole, as ONS and OS publish one.
func holdsShapefile(files []*zip.File) bool {
	for _, f := range files {
		if hasExt(f.Name, ".shp") && !f.FileInfo().IsDir() && !strings.HasPrefix(filepath.Base(f.Name), ".") && !strings.HasPrefix(f.Name, "__MACOSX/") {
			return true
		}
	}
	return false
}

// shapefileSource is a Shapefile named by its .shp on disk: it is read as the ZIP archive
// of the .shp and the files of the same name beside it (.shx, .dbf, .prj, .cpg, in any
// case), made in memory, so that the import's digest covers them all.
func shapefileSource(shp string) Source {
	return Source{Name: shp, Path: shp, open: func() (io.ReadCloser, int64, error) {
		dir, base := filepath.Dir(shp), strings.TrimSuffix(filepath.Base(shp), filepath.Ext(shp))
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, 0, err
		}
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, e := range entries { // in name order
			name := e.Name()
			if !e.Type().IsRegular() || strings.TrimSuffix(name, filepath.Ext(name)) != base || !hasExt(name, shapefileParts...) {
				continue
			}
			w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
			if err != nil {
				return nil, 0, err
			}
			f, err := os.Open(filepath.Join(dir, name))
			if err != nil {
				return nil, 0, err
			}
			_, err = io.Copy(w, f)
			f.Close()
			if err != nil {
				return nil, 0, err
			}
		}
		if err := zw.Close(); err != nil {
			return nil, 0, err
		}
		return io.NopCloser(bytes.NewReader(buf.Bytes())), int64(buf.Len()), nil
	}}
}

// EstimateIncidents is about how many incidents sources hold, from their sizes: a police.uk
// street row is 180 to 260 bytes, so it counts a row per 200 bytes, erring high. A store
// weighs a run of imports against the table by it (store.BeginRun).
func EstimateIncidents(sources []Source) int {
	var n int64
	for _, s := range sources {
		n += s.Size
	}
	return int(n / 200)
}
