package config

import (
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// yamlDocs are config files of every shape the YAML decoder meets: its own
// path (plain string-keyed mappings) and everything it hands to yaml.v3.
var yamlDocs = []string{
	"",
	"# only a comment\n",
	"scheme: stripe\nsecret: s\ntolerance: 5m\n",
	"endpoints:\n  a:\n    url: http://a/\n    secrets: [x, y]\n  b: {url: http://b/, provider: aella}\n",
	"n: 1\nf: 1.5\nb: true\nz: null\nd: 2026-12-03\ns: '007'\n",
	"a: 1\na: 2\n",
	"endpoints:\n  x: {url: u}\n  x: {url: v}\n",
	"endpoints:\n  x:\n    url: u\n    url: v\n  y: 1\n  y: 2\n",
	"base: &b {url: http://b/, scheme: github}\nendpoints:\n  one: *b\n  two:\n    <<: *b\n    url: http://two/\n",
	"1: one\ntrue: yes\n",
	"!!map {a: 1}\n",
	"a: !!str 12\nb: !!int '12'\n",
	"- a\n- b\n",
	"just a string\n",
	"a: [1, 2\n",
	"a:\n  - {b: 1, b: 2}\n",
	"a: {b: {c: {d: 1}}}\n",
	"a: !!binary aGk=\n",
	"b: !!int\nb:",                    // found by FuzzYAMLDecoder: a mapping with a duplicate is not decoded further
	"x: {a: !!int, a: 1}\ny: !!int\n", // its siblings are
}

// TestYAMLDecoderAgreesWithYAMLv3: the config file's decoder gives the map
// and the errors yaml.v3 gives, on every shape of file; only its speed on
// many keys differs (BenchmarkLoadEndpoints).
func TestYAMLDecoderAgreesWithYAMLv3(t *testing.T) {
	for _, doc := range yamlDocs {
		checkYAMLAgrees(t, doc)
	}
}

func checkYAMLAgrees(t *testing.T, doc string) {
	t.Helper()
	want := map[string]any{}
	wantErr := yaml.Unmarshal([]byte(doc), &want)
	got := map[string]any{}
	gotErr := yamlDecoder{}.Decode([]byte(doc), got)
	if (gotErr == nil) != (wantErr == nil) {
		t.Errorf("%q: error %v, yaml.v3 says %v", doc, gotErr, wantErr)
		return
	}
	if wantErr != nil {
		// Every line yaml.v3 finds at fault is reported, worded the same
		// way (a key given a third time is reported once, not against
		// each earlier one).
		for _, line := range strings.Split(wantErr.Error(), "\n") {
			if i := strings.Index(line, " already defined"); i >= 0 {
				line = line[:i]
			}
			if !strings.Contains(gotErr.Error(), line) {
				t.Errorf("%q: error %v, yaml.v3 says %v", doc, gotErr, wantErr)
			}
		}
		return
	}
	if len(got) == 0 && len(want) == 0 {
		return // a null document: yaml.v3 leaves a nil map, viper an empty one
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%q: decoded %#v, yaml.v3 decodes %#v", doc, got, want)
	}
}

func FuzzYAMLDecoder(f *testing.F) {
	for _, doc := range yamlDocs {
		f.Add(doc)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		if len(doc) > 4096 {
			return
		}
		checkYAMLAgrees(t, doc)
	})
}
