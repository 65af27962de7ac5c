package main

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"hooktool": main})
}

// TestScript runs the end-to-end specs in testdata/script against the real
// binary. Run with -update to rewrite the golden files they compare with.
func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("..", "..", "testdata", "script"),
		UpdateScripts:       *update,
		RequireExplicitExec: true,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"status":        cmdStatus,
			"receiver":      cmdReceiver,
			"hmaccheck":     cmdHMACCheck,
			"waitfile":      cmdWaitFile,
			"envfile":       cmdEnvFile,
			"post":          cmdPost,
			"load":          cmdLoad,
			"ackcheck":      cmdAckCheck,
			"rawconn":       cmdRawConn,
			"within":        cmdWithin,
			"faultapp":      cmdFaultApp,
			"ledger":        cmdLedger,
			"wire":          cmdWire,
			"json":          cmdJSON,
			"bankapp":       cmdBankApp,
			"waitlines":     cmdWaitLines,
			"pty":           cmdPty,
			"inspectget":    cmdInspectGet,
			"inspectevents": cmdInspectEvents,
			"tunnel":        cmdTunnel,
			"sshd":          cmdSSHD,
		},
	})
}

// cmdStatus runs a program and checks its exact exit code:
//
//	status 1 hooktool verify ...
//
// Its stdout and stderr are kept for the stdout and stderr commands.
func cmdStatus(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: status CODE program [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("status: %q is not an exit code", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("status: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with %d, want %d", args[1], got, want)
	}
}
