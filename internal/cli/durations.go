package cli

import (
	"fmt"
	"time"

	"github.com/spf13/pflag"
)

// maxDuration is the longest time span any flag takes. Longer is a typo
// (or 9223372036854775807ns), and arithmetic on it overflows.
const maxDuration = 7 * 24 * time.Hour

// spanValue is the one flag type for time spans: a Go duration, never
// negative, at most maxDuration. Every command's duration flag is one, so
// the rule lives here and nowhere else.
type spanValue time.Duration

func (d *spanValue) Set(s string) error {
	v, err := time.ParseDuration(s)
	switch {
	case err != nil:
		return fmt.Errorf("%s is not a duration such as 500ms, 10s or 5m", s)
	case v < 0:
		return fmt.Errorf("%s is negative", s)
	case v > maxDuration:
		return fmt.Errorf("%s is longer than %s", s, fmtSpan(maxDuration))
	}
	*d = spanValue(v)
	return nil
}

func (d *spanValue) Type() string   { return "duration" }
func (d *spanValue) String() string { return time.Duration(*d).String() }

// spanVar defines a duration flag that refuses negative and absurd spans.
func spanVar(fs *pflag.FlagSet, p *time.Duration, name string, value time.Duration, usage string) {
	*p = value
	fs.Var((*spanValue)(p), name, usage)
	if value == 0 {
		// pflag hides a zero default only for its own duration type.
		fs.Lookup(name).DefValue = "0"
	}
}

// fmtSpan prints whole hours as "168h" rather than "168h0m0s".
func fmtSpan(d time.Duration) string {
	if d%time.Hour == 0 {
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	return d.String()
}
