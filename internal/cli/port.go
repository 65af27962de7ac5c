package cli

import (
	"errors"
	"fmt"
	"strconv"
	"syscall"

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

// bindHint says why port (given by flag) could not be bound, for what it
// is: in use by another program, or below 1024 where that needs
// privileges; "" when the error is neither (listen adds its --host hint).
func bindHint(flag string, port int, err error) string {
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return fmt.Sprintf("another program may be using the port: pick another with %s, or %s 0 for a free one", flag, flag)
	case errors.Is(err, syscall.EACCES) && port > 0 && port < 1024:
		return fmt.Sprintf("port %d is below 1024, which needs privileges here: pick one from 1024 up with %s, or %s 0 for a free one", port, flag, flag)
	}
	return ""
}
