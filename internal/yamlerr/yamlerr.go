// Package yamlerr gives every error about a YAML file hooktool reads
// (config, catalog, scenario) one form, "file:line: what", a line per
// problem, whether the YAML parser found it or hooktool's own checks did.
package yamlerr

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Problem is one thing wrong in a file, at a line (0: the file as a whole).
type Problem struct {
	Line int
	What string
}

// Error is what is wrong with one file.
type Error struct {
	File     string
	Problems []Problem
}

// Error is "file:line: what" for each problem, one a line.
func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		if p.Line > 0 {
			lines[i] = e.File + ":" + strconv.Itoa(p.Line) + ": " + p.What
		} else {
			lines[i] = e.File + ": " + p.What
		}
	}
	return strings.Join(lines, "\n")
}

// At is one problem found at a line of file.
func At(file string, line int, format string, a ...any) error {
	return &Error{File: file, Problems: []Problem{{Line: line, What: fmt.Sprintf(format, a...)}}}
}

// Option changes how In words problems.
type Option func(*options)

type options struct {
	hideValues bool
	known      map[string][]string // Go type → its YAML keys
}

// HideValues replaces every value a message quotes from the file by "…":
// the file may hold secrets, and an error message must not show them.
func HideValues() Option { return func(o *options) { o.hideValues = true } }

// KnownKeys words the parser's "field X not found in type T" (from
// Decoder.KnownFields) as `unknown key "X" (known: a, b)` for each type of
// the given values, whose keys are read from their yaml tags.
func KnownKeys(types ...any) Option {
	return func(o *options) {
		if o.known == nil {
			o.known = map[string][]string{}
		}
		for _, v := range types {
			t := reflect.TypeOf(v)
			o.known[t.String()] = Keys(t)
		}
	}
}

// Keys lists the YAML keys of a struct type, in field order (inline
// structs' keys in place).
func Keys(t reflect.Type) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var keys []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		name, flags, _ := strings.Cut(tag, ",")
		switch {
		case name == "-" || (!f.IsExported() && !f.Anonymous):
		case strings.Contains(flags, "inline") || (f.Anonymous && tag == ""):
			keys = append(keys, Keys(f.Type)...)
		case name != "":
			keys = append(keys, name)
		default:
			keys = append(keys, strings.ToLower(f.Name))
		}
	}
	return keys
}

var (
	// yaml.v3 says "yaml: line N: what", or for type errors
	// "yaml: unmarshal errors:\n  line N: what" a line each.
	lineMessage = regexp.MustCompile(`(?m)^\s*(?:yaml: )?line (\d+): (.*)$`)
	notFound    = regexp.MustCompile(`^field (.+) not found in type (\S+)$`)
	// quoted matches what YAML's errors quote from the file. Greedy within
	// a line: a quote inside the value (a secret may hold one) must not end
	// the redaction early.
	quoted = regexp.MustCompile("'[^\n]*'|`[^\n]*`|\"[^\n]*\"")
)

// In returns the YAML parser's err about file as an *Error, one problem per
// "line N: what" it holds; an *Error already is one (its file unchanged).
// nil stays nil.
func In(file string, err error, opts ...Option) error {
	if err == nil {
		return nil
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	e = &Error{File: file}
	for _, m := range lineMessage.FindAllStringSubmatch(err.Error(), -1) {
		line, _ := strconv.Atoi(m[1])
		e.Problems = append(e.Problems, Problem{Line: line, What: o.word(m[2])})
	}
	if len(e.Problems) == 0 {
		e.Problems = []Problem{{What: o.word(strings.TrimPrefix(err.Error(), "yaml: "))}}
	}
	sort.SliceStable(e.Problems, func(i, j int) bool { return e.Problems[i].Line < e.Problems[j].Line })
	return e
}

func (o *options) word(what string) string {
	if m := notFound.FindStringSubmatch(what); m != nil {
		if keys, ok := o.known[m[2]]; ok {
			what = fmt.Sprintf("unknown key %q (known: %s)", m[1], strings.Join(keys, ", "))
		}
	}
	if o.hideValues {
		what = quoted.ReplaceAllString(what, "…")
	}
	return what
}
