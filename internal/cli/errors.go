package cli

import (
	"errors"
	"fmt"

	"github.com/hooktool/hooktool/internal/catalog"
	"github.com/hooktool/hooktool/internal/suggest"
	"github.com/spf13/cobra"
)

// Exit codes, the same for every command. Documented in each command's
// help and the README; mapped from errors in one place (exitCode).
const (
	// ExitOK: the command did what was asked (verify: the signature is
	// valid; commands that send: every delivery was acknowledged).
	ExitOK = 0
	// ExitInvalid: the command ran and the answer is no (verify: the
	// signature is invalid; commands that send: a delivery was not
	// acknowledged with 2xx, or could not be made).
	ExitInvalid = 1
	// ExitError: the command could not run: bad usage, bad config,
	// unreadable input.
	ExitError = 2
)

// couldNotRun is what exit status 2 means, for every command.
const couldNotRun = "could not run: usage, config or input error"

// exitStatus is the EXIT STATUS section that ends a command's help: what
// each code it can end with means for it. ok is what 0 means; no what 1
// means, "" for a command that never answers no; cannot, what 2 means
// when more can be said than couldNotRun.
func exitStatus(ok, no, cannot string) string {
	s := "\n\nEXIT STATUS\n  0  " + ok
	if no != "" {
		s += "\n  1  " + no
	}
	if cannot == "" {
		cannot = couldNotRun
	}
	return s + "\n  2  " + cannot
}

// groupExitStatus ends the help of a command that only groups others
// (captures, scenario, completion).
var groupExitStatus = exitStatus("this help was printed (each subcommand's --help says what its codes mean)", "", couldNotRun+" (an unknown subcommand)")

// noArgs is the Args of a command that takes no arguments: a first
// argument is taken for a subcommand it does not have, an unknown command
// (exit 2), with the nearest subcommand's name.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	var names []string
	for _, sub := range cmd.Commands() {
		if sub.IsAvailableCommand() {
			names = append(append(names, sub.Name()), sub.Aliases...)
		}
	}
	return unknownNameErr(fmt.Errorf("unknown command %q for %q", args[0], cmd.CommandPath()), args[0], names, "see --help for usage")
}

// exitError carries an exit code and, optionally, hints for the user.
type exitError struct {
	code  int
	err   error
	hints []string
	// silent errors have been reported already (a verdict printed, say).
	silent bool
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageErr is a mistake in how the command was called.
func usageErr(format string, a ...any) error {
	return &exitError{code: ExitError, err: fmt.Errorf(format, a...), hints: []string{"see --help for usage"}}
}

// failErr is a command that could not run, with optional hints.
func failErr(err error, hints ...string) error {
	return &exitError{code: ExitError, err: err, hints: hints}
}

// unknownNameErr is a name the command does not know (err says which),
// exit 2, its hints led by "did you mean …?" when a known name is near it
// (package suggest decides).
func unknownNameErr(err error, name string, known []string, hints ...string) error {
	if h := suggest.DidYouMean(name, known); h != "" {
		hints = append([]string{h}, hints...)
	}
	return &exitError{code: ExitError, err: err, hints: hints}
}

// catalogLookupErr is a failed catalog.Find of event (of provider, when
// not empty), with the nearest known name.
func catalogLookupErr(c *catalog.Catalog, err error, event, provider string) error {
	var name string
	var known []string
	switch {
	case errors.Is(err, catalog.ErrUnknownProvider):
		name, known = provider, c.ProviderIDs()
	case errors.Is(err, catalog.ErrUnknownEvent):
		name, known = event, c.EventNames()
		if p := c.Provider(provider); p != nil {
			known = p.EventNames()
		}
	}
	return unknownNameErr(err, name, known, "`hooktool events` lists the event types")
}

// silentExit ends with code after the command has said everything itself.
func silentExit(code int) error { return &exitError{code: code, silent: true} }

// exitCode maps an error to the process's exit code.
func exitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var e *exitError
	if errors.As(err, &e) {
		return e.code
	}
	// Anything else comes from cobra's own parsing: unknown commands,
	// flags or arguments.
	return ExitError
}
