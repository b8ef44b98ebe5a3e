// Package geodata holds the reference data the binary embeds: the police.uk crime
// category taxonomy and the inputs of the synthetic demo data set.
package geodata

import (
	_ "embed"
	"encoding/csv"
	"strings"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

//go:embed categories.csv
var categoriesCSV string

// Categories returns police.uk's fourteen crime types, in the order police.uk lists them.
func Categories() []hexbeat.Category {
	rows, err := csv.NewReader(strings.NewReader(categoriesCSV)).ReadAll()
	if err != nil {
		panic("geodata: categories.csv: " + err.Error()) // embedded at build time: a broken file is a build defect
	}
	var out []hexbeat.Category
	for _, r := range rows[1:] {
		out = append(out, hexbeat.Category{Name: r[0], Slug: r[1], Group: r[2]})
	}
	return out
}

// Taxonomy returns the embedded category taxonomy.
func Taxonomy() *hexbeat.Taxonomy { return hexbeat.NewTaxonomy(Categories()) }

//go:embed demo.json
var demoJSON []byte

// DemoInputs returns the JSON inputs of the synthetic demo data set (see internal/demo).
func DemoInputs() []byte { return demoJSON }
