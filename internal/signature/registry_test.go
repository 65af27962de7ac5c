package signature

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestRegistryBuildsEveryScheme: every row of the registry builds a scheme
// of its own name, by its name and by each alias, whatever the case.
func TestRegistryBuildsEveryScheme(t *testing.T) {
	o := Options{HMAC: HMACConfig{Header: "X-Signature"}}
	for _, r := range registry {
		for _, n := range append([]string{r.name, " " + strings.ToUpper(r.name) + " "}, r.aliases...) {
			s, err := Lookup(n, o)
			if err != nil || s.Name() != r.name {
				t.Errorf("Lookup(%q): %v, %v", n, s, err)
			}
		}
	}
	if _, err := Lookup("nope", o); err == nil || !strings.Contains(err.Error(), strings.Join(Names(), ", ")) {
		t.Errorf("an unknown scheme: %v", err)
	}
}

// TestREADMESchemesTable: the README's scheme table lists exactly the
// registry's schemes, so a scheme added to one is added to the other.
func TestREADMESchemesTable(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	section := string(data)
	start := strings.Index(section, "\n## Schemes\n")
	if start < 0 {
		t.Fatal("the README has no Schemes section")
	}
	section = section[start+1:]
	if end := strings.Index(section[3:], "\n## "); end >= 0 {
		section = section[:end+3]
	}
	var rows []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z][a-z0-9-]*)` \\|").FindAllStringSubmatch(section, -1) {
		if !slices.Contains(rows, m[1]) {
			rows = append(rows, m[1])
		}
	}
	slices.Sort(rows)
	if !slices.Equal(rows, Names()) {
		t.Errorf("the README's scheme table lists %v, the registry %v", rows, Names())
	}
}
