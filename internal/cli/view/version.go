package view

import "fmt"

// VersionPrinter prints `hooktool version`.
type VersionPrinter interface {
	// Version prints the build: line for people, info (its JSON form) for
	// scripts.
	Version(line string, info any) error
}

// NewVersionPrinter returns the printer for out.
func NewVersionPrinter(out Out) VersionPrinter {
	if out.JSON {
		return versionJSON{out}
	}
	return versionText{out}
}

type versionJSON struct{ out Out }

func (p versionJSON) Version(_ string, info any) error { return JSONLine(p.out.Streams.Out, info) }

type versionText struct{ out Out }

func (p versionText) Version(line string, _ any) error {
	_, err := fmt.Fprintln(p.out.Streams.Out, line)
	return err
}
