package cli

import (
	"bytes"

	"github.com/spf13/cobra"
)

// Completions renders the shell completion scripts committed in
// completions/, keyed by file name. A test keeps the committed files current.
func Completions(root *cobra.Command) (map[string][]byte, error) {
	out := map[string][]byte{}
	gen := map[string]func(*bytes.Buffer) error{
		"hooktool.bash": func(b *bytes.Buffer) error { return root.GenBashCompletionV2(b, true) },
		"_hooktool":     func(b *bytes.Buffer) error { return root.GenZshCompletion(b) },
		"hooktool.fish": func(b *bytes.Buffer) error { return root.GenFishCompletion(b, true) },
		"hooktool.ps1":  func(b *bytes.Buffer) error { return root.GenPowerShellCompletionWithDesc(b) },
	}
	for name, g := range gen {
		var b bytes.Buffer
		if err := g(&b); err != nil {
			return nil, err
		}
		out[name] = b.Bytes()
	}
	return out, nil
}
