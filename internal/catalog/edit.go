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
		if err := CheckPath(e.Path); err != nil {
			return nil, err
		}
		if !gjson.ValidBytes(body) {
			return nil, fmt.Errorf("the payload is not JSON, so %s cannot be edited", e.Path)
		}
		// A path addresses a field or an element: a payload that is one
		// string or number has neither (and gjson and sjson would read
		// a string's text as JSON).
		if root := gjson.ParseBytes(body); !root.IsObject() && !root.IsArray() {
			return nil, fmt.Errorf("the payload is a JSON %s, not an object or array, so %s cannot be edited", kindOf(root), e.Path)
		}
		var err error
		if e.Unset {
			if !gjson.GetBytes(body, e.Path).Exists() {
				return nil, fmt.Errorf("--unset %s: no such field in the payload", e.Path)
			}
			body, err = sjson.DeleteBytes(body, e.Path)
		} else if err = checkSetPath(body, e.Path); err == nil {
			body, err = sjson.SetRawBytesOptions(body, e.Path, e.Value, opts)
		}
		if err != nil {
			return nil, fmt.Errorf("path %q: %v", e.Path, err)
		}
	}
	return body, nil
}

// CheckPath refuses a path that sjson cannot set or delete as written: an
// edit takes a plain path (dot-separated keys and array indexes, \ escaping
// the next byte, a leading : forcing an object key, -1 appending), while
// gjson's query syntax (#, #(...), |, @modifiers, * and ? wildcards, [..]
// and {..} multipaths) and empty parts (a leading, doubled or trailing dot)
// would make sjson change nothing, change every match, or build a key named
// "" or "[a,b]".
func CheckPath(path string) error {
	bad := func(why string) error {
		return fmt.Errorf("path %q: %s; edits take a plain path such as data.items.0.id", path, why)
	}
	rest := path
	for {
		rest = strings.TrimPrefix(rest, ":")
		i := 0
		for ; i < len(rest) && rest[i] != '.'; i++ {
			c := rest[i]
			switch {
			case c == '\\':
				if i+1 == len(rest) {
					return bad(`it ends in a lone \`)
				}
				i++
			case strings.IndexByte("|#@*?", c) >= 0:
				return bad(fmt.Sprintf("%q is gjson query syntax, which an edit cannot set (write \\%c for a key with that character)", c, c))
			case i == 0 && (c == '[' || c == '{'):
				return bad(fmt.Sprintf("a part starting with %q is a gjson multipath, which an edit cannot set (write \\%c for a key with that character)", c, c))
			}
		}
		if i == 0 {
			return bad("it has an empty part (a leading, doubled or trailing dot)")
		}
		if i == len(rest) {
			return nil
		}
		rest = rest[i+1:]
	}
}

// Limits on what one --set may build. sjson sets index n past an array's
// end (or in an array it creates) by filling the gap with nulls, so
// data.tags.99999999999=1 would build a payload of hundreds of gigabytes;
// and it creates an object or array for each missing part of a path, so a
// path of a million parts would build JSON nested far beyond what parsers
// read (encoding/json stops at 10,000 levels).
const (
	maxPad   = 10_000
	maxParts = 1_000
)

// checkSetPath refuses a set that would pad arrays with more than maxPad
// nulls in all, or whose path has more than maxParts parts. It walks path
// as sjson does: dot-separated parts, \ escaping the next byte, a leading :
// forcing an object key (CheckPath has refused gjson's query syntax).
func checkSetPath(body []byte, path string) error {
	cur, exists, pad := gjson.ParseBytes(body), true, 0
	var done []string // the parts walked so far, as written
	for parts, more := 1, true; more; parts++ {
		if parts > maxParts {
			return fmt.Errorf("the path has more than %d parts", maxParts)
		}
		force := strings.HasPrefix(path, ":")
		if force {
			path = path[1:]
		}
		var gpart, part []byte
		i := 0
		for ; i < len(path) && path[i] != '.'; i++ {
			if path[i] == '\\' {
				gpart = append(gpart, '\\')
				if i++; i == len(path) {
					continue
				}
			}
			gpart, part = append(gpart, path[i]), append(part, path[i])
		}
		more = i < len(path)
		if more {
			path = path[i+1:]
		}
		// An edit may go through null (data.metadata.x=1 where metadata
		// is null builds the object, as sjson does) but not through a
		// string, number or boolean the payload has: that is a wrong path,
		// and sjson would write into a string's text.
		if exists && !cur.IsObject() && !cur.IsArray() && cur.Type != gjson.Null {
			return fmt.Errorf("%s is a %s, not an object or array, so %s cannot be set inside it", strings.Join(done, "."), kindOf(cur), part)
		}
		done = append(done, string(gpart))
		n, numeric := 0, !force && len(part) > 0
		for _, c := range part {
			if c < '0' || c > '9' {
				numeric = false
				break
			}
			if n <= 1<<40 {
				n = n*10 + int(c-'0')
			}
		}
		switch {
		case !numeric || exists && cur.IsObject():
		case exists && cur.IsArray():
			pad += max(0, n-int(cur.Get("#").Int()))
		default: // a value the edit replaces with an array, or creates
			pad += n
		}
		if pad > maxPad {
			return fmt.Errorf("index %s would pad arrays with more than %d nulls", part, maxPad)
		}
		if exists {
			cur = cur.Get(string(gpart))
			exists = cur.Exists()
		}
	}
	return nil
}

// kindOf names a JSON value's type for an error.
func kindOf(v gjson.Result) string {
	switch v.Type {
	case gjson.String:
		return "string"
	case gjson.Number:
		return "number"
	case gjson.True, gjson.False:
		return "boolean"
	case gjson.Null:
		return "null"
	}
	if v.IsArray() {
		return "array"
	}
	return "object"
}
