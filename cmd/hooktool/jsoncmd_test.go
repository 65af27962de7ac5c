package main

import (
	"fmt"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/tidwall/gjson"
)

// cmdJSON prints what a gjson PATH finds in each FILE, one a line: the text
// of a string, the JSON of anything else, an empty line when nothing. It
// lets a spec compare fields of kept bodies with cp and cmp instead of
// grep, cut and sed pipelines:
//
//	json data.mandate.id life/1.body life/2.body
//	json '[identifier,balance]' acct/1.body
//	json '..#.step' run.jsonl        (JSON lines, as an array)
func cmdJSON(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: json PATH FILE...")
	}
	for _, f := range args[1:] {
		fmt.Fprintln(ts.Stdout(), gjson.Get(ts.ReadFile(f), args[0]).String())
	}
}
