package main

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdWaitLines waits until FILE (written by a process in the background)
// has at least N lines matching REGEXP (every line when none is given):
//
//	waitlines FILE N [REGEXP]
//
// It fails after 10 seconds, showing what the file holds.
func cmdWaitLines(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: waitlines FILE N [REGEXP]")
	}
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	re := regexp.MustCompile("")
	if len(args) == 3 {
		re, err = regexp.Compile(args[2])
		ts.Check(err)
	}
	count := func() (int, string) {
		data, _ := os.ReadFile(ts.MkAbs(args[0]))
		n := 0
		for _, line := range strings.Split(string(data), "\n") {
			if line != "" && re.MatchString(line) {
				n++
			}
		}
		return n, string(data)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, data := count()
		if n >= want {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("%s has %d lines matching %q, want %d; it holds:\n%s", args[0], n, re, want, data)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
