package view

import "fmt"

// Wrote says on stderr that `hooktool init` wrote path (nothing with
// --quiet).
func Wrote(out Out, path string) {
	if out.Shows(SuccessLine) {
		fmt.Fprintf(out.Streams.Err, "hooktool: wrote %s; `hooktool config` shows what it sets\n", path)
	}
}
