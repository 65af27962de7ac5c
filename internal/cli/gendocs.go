package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// newGenDocsCommand is a hidden command for the release build: it writes the
// man pages and shell completions generated from the command tree.
func newGenDocsCommand(app *App) *cobra.Command {
	var man, completions string
	cmd := &cobra.Command{
		Use:    "gen-docs",
		Short:  "Write man pages and completions (for packaging)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			root := cmd.Root()
			if man != "" {
				if err := writeManPages(root, man); err != nil {
					return failErr(err)
				}
			}
			if completions != "" {
				files, err := Completions(root)
				if err != nil {
					return failErr(err)
				}
				if err := os.MkdirAll(completions, 0o755); err != nil {
					return failErr(err)
				}
				for name, data := range files {
					if err := os.WriteFile(filepath.Join(completions, name), data, 0o644); err != nil {
						return failErr(err)
					}
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&man, "man", "", "write man pages to this directory")
	cmd.Flags().StringVar(&completions, "completions", "", "write completion scripts to this directory")
	return cmd
}

// manDate is the date on the man pages: SOURCE_DATE_EPOCH when set (the
// reproducible-builds convention), else a fixed date, so the same tree
// always gives the same pages.
func manDate() time.Time {
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		var n int64
		if _, err := fmt.Sscan(s, &n); err == nil {
			return time.Unix(n, 0).UTC()
		}
	}
	return time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
}

func writeManPages(root *cobra.Command, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	date := manDate()
	root.DisableAutoGenTag = true
	return doc.GenManTree(root, &doc.GenManHeader{Title: "HOOKTOOL", Section: "1", Date: &date, Source: "hooktool", Manual: "hooktool manual"}, dir)
}
