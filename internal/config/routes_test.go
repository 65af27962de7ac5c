package config

import (
	"reflect"
	"strings"
	"testing"
)

// TestEndpointRoutes: an endpoint's routes: are a list of {match, to}, in
// order, known keys (no warning).
func TestEndpointRoutes(t *testing.T) {
	isolate(t)
	write(t, FileName, `
endpoints:
  shop:
    url: https://shop.example/webhooks
    routes:
      - match: invoice.*
        to: 3001
      - {match: "path:/github", to: "localhost:3002/gh?a=1"}
      - match: 'where:record.method==PUT'
        to: /put
  plain:
    url: https://plain.example/
`)
	c, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Route{{"invoice.*", "3001"}, {"path:/github", "localhost:3002/gh?a=1"}, {"where:record.method==PUT", "/put"}}
	if got := c.Endpoints["shop"].Routes; !reflect.DeepEqual(got, want) {
		t.Errorf("routes %+v, want %+v", got, want)
	}
	if got := c.Endpoints["plain"].Routes; got != nil {
		t.Errorf("plain routes %+v", got)
	}
	if got := setting(t, c, "endpoints.shop.routes").Value; got != "invoice.* → 3001; path:/github → localhost:3002/gh?a=1; where:record.method==PUT → /put" {
		t.Errorf("config show says routes are %q", got)
	}
	if w := c.Warnings(); len(w) != 0 {
		t.Errorf("warnings %q", w)
	}
}

// TestEndpointRoutesRefused: routes: of the wrong shape stop the config
// with the line.
func TestEndpointRoutesRefused(t *testing.T) {
	for _, tc := range []struct{ routes, want string }{
		{"routes: 3001", "endpoints.shop.routes must be a list of {match, to}"},
		{"routes: [3001]", "endpoints.shop.routes must be a list of {match, to}"},
		{"routes:\n      - {match: a.*}", "a route needs match and to"},
		{"routes:\n      - {to: 3001}", "a route needs match and to"},
		{"routes:\n      - {match: a.*, to: 3001, tag: x}", `unknown key "tag"`},
		{"routes:\n      - {match: [a], to: 3001}", "a route needs match and to"},
	} {
		isolate(t)
		write(t, FileName, "endpoints:\n  shop:\n    "+tc.routes+"\n")
		_, err := Load(Options{})
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), FileName+":") {
			t.Errorf("%s: error %v, want %q with the file's line", tc.routes, err, tc.want)
		}
	}
}
