package cli

import (
	"errors"
	"strings"

	"github.com/spf13/pflag"
)

// urlValue is the one flag type for a URL (or request) flag whose absence
// means a default: left out, the default holds; given, it may not be
// empty. An empty value is a variable that was not set or a file that was
// not there (--to "$(cat url.txt)"), and quietly using the default then
// would send to, and pass a check against, a receiver nobody named.
type urlValue struct {
	p    *string
	name string
}

func (v *urlValue) Set(s string) error {
	if strings.TrimSpace(s) == "" {
		return &exitError{code: ExitError, err: errors.New("it is empty"), hints: []string{
			"an empty value is often a variable that is not set or a file that is missing, as in --" + v.name + ` "$(cat url.txt)"`,
			"leave --" + v.name + " out if you meant its default",
		}}
	}
	*v.p = s
	return nil
}

func (v *urlValue) Type() string   { return "string" }
func (v *urlValue) String() string { return *v.p }

// urlVar defines a URL flag that, given, may not be empty.
func urlVar(fs *pflag.FlagSet, p *string, name, usage string) {
	fs.Var(&urlValue{p: p, name: name}, name, usage)
}
