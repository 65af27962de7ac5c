package view

import (
	"fmt"

	"github.com/hooktool/hooktool/internal/config"
	"github.com/hooktool/hooktool/internal/term"
)

// ConfigPrinter prints `hooktool config`: every setting in effect and
// where it came from.
type ConfigPrinter interface {
	// Config prints the settings read from file ("" when none was found).
	Config(file string, settings []config.Setting) error
}

// NewConfigPrinter returns the printer for out.
func NewConfigPrinter(out Out) ConfigPrinter {
	if out.JSON {
		return configJSON{out}
	}
	return configText{out}
}

type configJSON struct{ out Out }

func (p configJSON) Config(file string, settings []config.Setting) error {
	return JSONLine(p.out.Streams.Out, struct {
		File     string           `json:"config_file"`
		Settings []config.Setting `json:"settings"`
	}{file, settings})
}

type configText struct{ out Out }

func (p configText) Config(file string, settings []config.Setting) error {
	out := p.out.Streams.Out
	if file == "" {
		file = "none found"
	}
	fmt.Fprintln(out, p.out.Palette.Dim("# config file: "+file))
	tab := NewTable(out, p.out.Palette, "KEY", "VALUE", "SOURCE")
	for _, s := range settings {
		src := string(s.Source)
		if s.Origin != "" {
			src += " " + s.Origin
		}
		tab.Row(term.Escape(s.Key), term.Escape(s.Value), term.Escape(src))
	}
	return tab.Flush()
}
