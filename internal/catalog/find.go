package catalog

import (
	"slices"
	"sort"
	"strings"
)

// Filter narrows the catalog for `hooktool providers`: each field set must
// match. The one home of what a provider search means.
type Filter struct {
	// Search is found, case ignored, in a provider's id, name, category or
	// one of its event names.
	Search string
	// Region is an ISO 3166 country code, or "global": the providers that
	// list it in their regions (case ignored). A global provider is not
	// listed for a country it does not name.
	Region string
	// Category is one of Categories.
	Category string
}

// Matches reports whether p passes f.
func (f Filter) Matches(p *Provider) bool {
	if f.Category != "" && !strings.EqualFold(p.Category, f.Category) {
		return false
	}
	if f.Region != "" && !slices.ContainsFunc(p.Regions, func(r string) bool { return strings.EqualFold(r, f.Region) }) {
		return false
	}
	if q := strings.ToLower(strings.TrimSpace(f.Search)); q != "" {
		for _, s := range append([]string{p.ID, p.Name, p.Category}, p.EventNames()...) {
			if strings.Contains(strings.ToLower(s), q) {
				return true
			}
		}
		return false
	}
	return true
}

// Grouped lists the providers that pass f, grouped by category in the
// order of Categories (providers with no category or another one last),
// by id within a group.
func (c *Catalog) Grouped(f Filter) []*Provider {
	rank := func(p *Provider) int {
		if i := slices.Index(Categories, p.Category); i >= 0 {
			return i
		}
		return len(Categories)
	}
	var out []*Provider
	for _, p := range c.Providers {
		if f.Matches(p) {
			out = append(out, p)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if ri, rj := rank(out[i]), rank(out[j]); ri != rj {
			return ri < rj
		}
		return out[i].ID < out[j].ID
	})
	return out
}
