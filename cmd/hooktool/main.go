// Command hooktool builds, tests and debugs webhook integrations.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/hooktool/hooktool/internal/cli"
)

// version is set at build time (-ldflags "-X main.version=...").
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, cli.NewApp(version), os.Args[1:])
	stop()
	os.Exit(code)
}
