package hexbeat

import "strings"

// Category is a crime type in the taxonomy: police.uk's fourteen, plus any a force adds.
type Category struct {
	Name  string `json:"name"`  // exactly as police.uk writes it, e.g. "Possession of weapons"
	Slug  string `json:"slug"`  // URL-friendly, e.g. "possession-of-weapons"
	Group string `json:"group"` // a coarser grouping for the map legend
}

// Taxonomy is the set of known categories, looked up by name or slug without regard to case.
type Taxonomy struct {
	list   []Category
	lookup map[string]int
}

// NewTaxonomy builds a taxonomy from a list of categories.
func NewTaxonomy(cats []Category) *Taxonomy {
	t := &Taxonomy{list: cats, lookup: make(map[string]int, 2*len(cats))}
	for i, c := range cats {
		t.lookup[strings.ToLower(c.Name)] = i
		t.lookup[strings.ToLower(c.Slug)] = i
	}
	return t
}

// Categories returns the categories in taxonomy order.
func (t *Taxonomy) Categories() []Category { return t.list }

// Lookup finds a category by name or slug, ignoring case.
func (t *Taxonomy) Lookup(s string) (Category, bool) {
	i, ok := t.lookup[strings.ToLower(strings.TrimSpace(s))]
	if !ok {
		return Category{}, false
	}
	return t.list[i], true
}
