// Package ingest reads the files hexbeat imports: data.police.uk street, stop-and-search
// and outcomes CSVs, a force's own CSV with named columns, GeoJSON point collections,
// boundary GeoJSON and retailer registers. The file type is recognised from its content.
// Rows that cannot be used are rejected with a reason and line number; a file that cannot
// be read as a whole (broken structure, wrong encoding) is refused with the line and reason,
// and the import that streams it rolls back.
package ingest
