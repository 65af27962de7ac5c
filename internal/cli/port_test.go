package cli

import (
	"errors"
	"net"
	"os"
	"syscall"
	"testing"
)

// TestBindHint: why a port could not be bound, said for what it is: a port
// in use is another program's, a port below 1024 needs privileges, an
// address that is not this machine's is left to listen's --host hint;
// never another program for what is not.
func TestBindHint(t *testing.T) {
	op := func(err error) error {
		return &net.OpError{Op: "listen", Net: "tcp", Err: &os.SyscallError{Syscall: "bind", Err: err}}
	}
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"in use", op(syscall.EADDRINUSE), "another program may be using the port: pick another with --port, or --port 0 for a free one"},
		{"privileged", op(syscall.EACCES), "port 80 is below 1024, which needs privileges here: pick one from 1024 up with --port, or --port 0 for a free one"},
		{"not this host", op(syscall.EADDRNOTAVAIL), ""},
		{"no such host", &net.OpError{Op: "listen", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "x.invalid"}}, ""},
		{"other", op(errors.New("something else")), ""},
	} {
		if got := bindHint("--port", 80, tc.err); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	if got := bindHint("--ui-port", 4243, op(syscall.EADDRINUSE)); got != "another program may be using the port: pick another with --ui-port, or --ui-port 0 for a free one" {
		t.Errorf("--ui-port in use: %q", got)
	}
}
