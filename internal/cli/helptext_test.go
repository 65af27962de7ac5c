package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/hooktool/hooktool/internal/term"
	"github.com/spf13/cobra"
)

// TestEndpointNamesAgreeWithREADME: the endpoint names the help's examples
// use with --endpoint are the README's, so a reader who set one up from
// either finds the other speaking of it.
func TestEndpointNamesAgreeWithREADME(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	endpoint := regexp.MustCompile(`(?:--endpoint|-e) ([a-z][a-z0-9_.-]*)`)
	names := func(text string) []string {
		var out []string
		for _, m := range endpoint.FindAllStringSubmatch(text, -1) {
			if !slices.Contains(out, m[1]) {
				out = append(out, m[1])
			}
		}
		slices.Sort(out)
		return out
	}
	inREADME := names(string(readme))
	streams, _, _ := term.Test("")
	var examples string
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		examples += c.Example + "\n"
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(NewRootCommand(&App{Streams: streams, Getenv: func(string) string { return "" }}))
	inHelp := names(examples)
	if len(inHelp) == 0 {
		t.Fatal("no --endpoint example in any help")
	}
	for _, n := range inHelp {
		if !slices.Contains(inREADME, n) {
			t.Errorf("the help's examples use --endpoint %s, the README never does (README: %v)", n, inREADME)
		}
	}
	for _, n := range inREADME {
		if !slices.Contains(inHelp, n) {
			t.Errorf("the README uses --endpoint %s, no help example does (help: %v)", n, inHelp)
		}
	}
}
