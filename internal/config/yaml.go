package config

import (
	"fmt"

	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"
)

// yamlDecoder reads the YAML config file for viper as viper's own decoder
// does (yaml.v3 into a map[string]any), in time linear in the number of
// keys. yaml.v3 checks each mapping for duplicate keys pair by pair, so a
// file with 100,000 endpoints took most of a minute; here a mapping whose
// keys are plain strings is built with a map, which finds duplicates at
// once. Everything else (scalars, lists, aliases, merge keys, tags, other
// keys) is decoded by yaml.v3 itself, with its own errors.
type yamlDecoder struct{}

// Decoder is the viper.DecoderRegistry the config file is read with.
func (yamlDecoder) Decoder(format string) (viper.Decoder, error) {
	if format != "yaml" && format != "yml" {
		return nil, fmt.Errorf("no decoder for %s", format)
	}
	return yamlDecoder{}, nil
}

func (yamlDecoder) Decode(b []byte, v map[string]any) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return err
	}
	if len(doc.Content) == 0 {
		return nil // empty, or comments only
	}
	if !plainMapping(doc.Content[0]) {
		// A list or a string at the top: yaml.v3's own answer (an error).
		return yaml.Unmarshal(b, &v)
	}
	var errs []string
	if err := fillMapping(doc.Content[0], v, &errs); err != nil {
		return err
	}
	if len(errs) > 0 {
		return &yaml.TypeError{Errors: errs}
	}
	return nil
}

// plainMapping reports whether n is an untagged mapping whose keys are all
// plain strings: what yaml.v3 would decode as a map[string]any without
// merging.
func plainMapping(n *yaml.Node) bool {
	if n.Kind != yaml.MappingNode || n.ShortTag() != "!!map" {
		return false
	}
	for i := 0; i < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Kind != yaml.ScalarNode || k.ShortTag() != "!!str" {
			return false
		}
	}
	return true
}

// fillMapping decodes the plain mapping n into m. A key given twice is an
// error worded as yaml.v3 words it; like yaml.v3, every duplicate of the
// mapping is reported, and decoding goes on with its siblings.
func fillMapping(n *yaml.Node, m map[string]any, errs *[]string) error {
	// Duplicates first, over the whole mapping: like yaml.v3, a mapping
	// with a key given twice is not decoded any further (its values'
	// own errors are not reported).
	seen := make(map[string]int, len(n.Content)/2) // key -> its line
	dups := false
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if line, dup := seen[k.Value]; dup {
			*errs = append(*errs, fmt.Sprintf("line %d: mapping key %#v already defined at line %d", k.Line, k.Value, line))
			dups = true
			continue
		}
		seen[k.Value] = k.Line
	}
	if dups {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if plainMapping(val) {
			sub := make(map[string]any, len(val.Content)/2)
			if err := fillMapping(val, sub, errs); err != nil {
				return err
			}
			m[k.Value] = sub
			continue
		}
		var x any
		if err := val.Decode(&x); err != nil {
			te, ok := err.(*yaml.TypeError)
			if !ok {
				return err
			}
			*errs = append(*errs, te.Errors...)
		}
		m[k.Value] = x
	}
	return nil
}
