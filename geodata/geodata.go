// Package geodata holds the reference data the binary embeds: the police.uk crime
// category taxonomy, the default harm weights (Cambridge Crime Harm Index, copied from
// ../shared/data/weights) and the inputs of the synthetic demo data set.
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

//go:embed harm-weights.csv
var harmCSV string

// HarmFloor is the harm weight of a category the harm table does not list. Anti-social
// behaviour is not a crime and has no Crime Harm Index value; 1 day is the index's smallest
// value (shoplifting), so ASB never outweighs any crime.
const HarmFloor = 1.0

// HarmWeights returns the default harm weights: the Cambridge Crime Harm Index (2026
// update), median days of imprisonment per police.uk category (harm-weights.csv).
func HarmWeights(tax *hexbeat.Taxonomy) *hexbeat.HarmWeights {
	h, err := hexbeat.ReadHarmWeights(strings.NewReader(harmCSV), tax, HarmFloor, "Cambridge Crime Harm Index (embedded)")
	if err != nil {
		panic("geodata: " + err.Error())
	}
	return h
}
