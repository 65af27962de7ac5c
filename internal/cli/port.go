package cli

import (
	"fmt"
	"strconv"

	"github.com/spf13/pflag"
)

// portValue is a TCP port flag: 0 (any free port) to 65535, checked as
// the flag is read, so a typo is a usage error rather than a failure to
// bind that seems to blame another program.
type portValue int

func (p *portValue) Set(s string) error {
	n, err := strconv.Atoi(s)
	switch {
	case err != nil:
		return fmt.Errorf("%s is not a port number", s)
	case n < 0 || n > 65535:
		return fmt.Errorf("%s is out of range: a port is 0 (any free one) to 65535", s)
	}
	*p = portValue(n)
	return nil
}

func (p *portValue) Type() string   { return "int" }
func (p *portValue) String() string { return strconv.Itoa(int(*p)) }

// portVar defines a port flag.
func portVar(fs *pflag.FlagSet, p *int, name string, value int, usage string) {
	*p = value
	fs.Var((*portValue)(p), name, usage)
}
