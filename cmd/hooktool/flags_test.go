package main

import "flag"

var update = flag.Bool("update", false, "rewrite testscript files' golden sections")
