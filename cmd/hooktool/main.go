// Command hooktool builds, tests and debugs webhook integrations.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/hooktool/hooktool/internal/cli"
)

// Set at build time: -ldflags "-X main.version=... -X main.commit=... -X main.date=...".
var version, commit, date = "dev", "", ""

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, cli.NewApp(cli.BuildInfo{Version: version, Commit: commit, Date: date}), os.Args[1:])
	stop()
	os.Exit(code)
}
