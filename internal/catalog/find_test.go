package catalog

import (
	"slices"
	"testing"
)

func TestFilterAndGroups(t *testing.T) {
	parse := func(y string) *Provider {
		p, err := Parse("x.yaml", []byte(y))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	c := &Catalog{Providers: []*Provider{
		parse("id: paybank\nname: PayBank\ncategory: payments\nregions: [NG, GH]\nevent_path: e\nevents:\n  - {name: charge.success, sample: '{}'}\n"),
		parse("id: coder\nname: Coder Hub\ncategory: code\nregions: [global]\nevent_path: e\nevents:\n  - {name: push, sample: '{}'}\n"),
		parse("id: abank\nname: A Bank\ncategory: banking\nregions: [MY]\nevent_path: e\nevents:\n  - {name: statement.ready, sample: '{}'}\n"),
		parse("id: zpay\nname: Z\ncategory: payments\nregions: [global]\nevent_path: e\nevents:\n  - {name: refund.done, sample: '{}'}\n"),
	}}
	ids := func(ps []*Provider) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.ID)
		}
		return out
	}
	for _, tc := range []struct {
		f    Filter
		want []string
	}{
		// Grouped in the order of Categories: payments, banking, ..., code.
		{Filter{}, []string{"paybank", "zpay", "abank", "coder"}},
		{Filter{Search: "PAY"}, []string{"paybank", "zpay"}},
		{Filter{Search: "push"}, []string{"coder"}},    // an event name
		{Filter{Search: "banking"}, []string{"abank"}}, // a category
		{Filter{Search: "hub"}, []string{"coder"}},     // a name
		{Filter{Region: "ng"}, []string{"paybank"}},    // global ones are not every country's
		{Filter{Region: "global"}, []string{"zpay", "coder"}},
		{Filter{Category: "payments", Search: "refund"}, []string{"zpay"}},
		{Filter{Region: "KE"}, nil},
	} {
		if got := ids(c.Grouped(tc.f)); !slices.Equal(got, tc.want) {
			t.Errorf("%+v: got %v, want %v", tc.f, got, tc.want)
		}
	}
}
