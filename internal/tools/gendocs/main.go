// Command gendocs writes hooktool's man pages and shell completions from its
// command tree, for packaging (goreleaser's before-hook runs it). It is a
// separate program so the hooktool binary carries no man-page renderer.
//
//	go run ./internal/tools/gendocs --man dist-docs/man --completions dist-docs/completions
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hooktool/hooktool/internal/cli"
)

func main() {
	man := flag.String("man", "", "write man pages to this directory")
	completions := flag.String("completions", "", "write completion scripts to this directory")
	flag.Parse()
	if err := run(*man, *completions); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}

func run(man, completions string) error {
	root := cli.NewRootCommand(cli.NewApp(cli.BuildInfo{}))
	if man != "" {
		if err := WriteManPages(root, man); err != nil {
			return err
		}
	}
	if completions != "" {
		files, err := cli.Completions(root)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(completions, 0o755); err != nil {
			return err
		}
		for name, data := range files {
			if err := os.WriteFile(filepath.Join(completions, name), data, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}
