package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

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

// WriteManPages writes a man page per command of root to dir, dated manDate.
func WriteManPages(root *cobra.Command, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	date := manDate()
	root.DisableAutoGenTag = true
	return doc.GenManTree(root, &doc.GenManHeader{Title: "HOOKTOOL", Section: "1", Date: &date, Source: "hooktool", Manual: "hooktool manual"}, dir)
}
