package catalog

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// Edit changes one field of a payload: set it to a raw JSON value, or
// remove it.
type Edit struct {
	Path  string
	Value []byte // raw JSON; ignored by Unset
	Unset bool
}

// ParseSet reads a --set argument, path=value. The value is JSON when it
// parses as JSON and a string otherwise; asString forces a string.
func ParseSet(arg string, asString bool) (Edit, error) {
	path, value, ok := strings.Cut(arg, "=")
	if !ok || path == "" {
		return Edit{}, fmt.Errorf("%q is not path=value", arg)
	}
	if !asString && json.Valid([]byte(value)) {
		return Edit{Path: path, Value: []byte(value)}, nil
	}
	raw, _ := json.Marshal(value)
	return Edit{Path: path, Value: raw}, nil
}

// Apply makes the edits in order. Every byte the edits do not touch stays
// as it was: sjson rewrites only the edited value.
func Apply(body []byte, edits []Edit) ([]byte, error) {
	opts := &sjson.Options{ReplaceInPlace: false}
	for _, e := range edits {
		if !gjson.ValidBytes(body) {
			return nil, fmt.Errorf("the payload is not JSON, so %s cannot be edited", e.Path)
		}
		var err error
		if e.Unset {
			if !gjson.GetBytes(body, e.Path).Exists() {
				return nil, fmt.Errorf("--unset %s: no such field in the payload", e.Path)
			}
			body, err = sjson.DeleteBytes(body, e.Path)
		} else {
			body, err = sjson.SetRawBytesOptions(body, e.Path, e.Value, opts)
		}
		if err != nil {
			return nil, fmt.Errorf("path %q: %v", e.Path, err)
		}
	}
	return body, nil
}
